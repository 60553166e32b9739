/* Fuzz target libevent: a real library's adapter (libs/libevent.c), contract
 * mode. */
#include "closeonce/fuzz.h"
#include "libs.h"

CO_FUZZ_TARGET_INIT("libevent", co_libs_init)
