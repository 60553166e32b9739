/* Fuzz target vfd-leak-on-fail: planted bug: a failed page-in leaks its
 * duplicate. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd-leak-on-fail")
