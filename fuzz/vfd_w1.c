/* Fuzz target vfd-w1: the descriptor pager over a window of 1. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd-w1")
