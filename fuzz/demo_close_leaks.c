/* Fuzz target demo-close-leaks: planted bug: demo_close leaks its descriptor.
 */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("demo-close-leaks")
