/* Fuzz target wio-take-leaks: planted bug: wio_free never closes an owned
 * descriptor. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("wio-take-leaks")
