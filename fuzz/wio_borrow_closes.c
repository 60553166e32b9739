/* Fuzz target wio-borrow-closes: planted bug: wio_free closes a borrowed
 * descriptor (the close-on-free flag ignored). */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("wio-borrow-closes")
