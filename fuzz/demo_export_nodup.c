/* Fuzz target demo-export-nodup: planted bug: demo_export hands out its own
 * descriptor. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("demo-export-nodup")
