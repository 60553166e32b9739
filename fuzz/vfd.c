/* Fuzz target vfd: the descriptor pager over a window of 2 (pager/vfd.h). */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd")
