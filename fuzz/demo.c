/* Fuzz target demo: demolib with stdio, contract mode. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("demo")
