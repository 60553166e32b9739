/* Fuzz target demo-detach-closes: planted bug: demo_detach closes what it hands
 * over. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("demo-detach-closes")
