/* Fuzz target vfd-stale-window: planted bug: page-out keeps the old window
 * number and close closes it again. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd-stale-window")
