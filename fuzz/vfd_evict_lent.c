/* Fuzz target vfd-evict-lent: planted bug: eviction ignores lending pins. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd-evict-lent")
