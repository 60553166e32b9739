/* Fuzz target wio-take-fail-closes: planted bug: wio_take's error path closes
 * the caller's descriptor. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("wio-take-fail-closes")
