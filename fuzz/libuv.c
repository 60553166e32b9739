/* Fuzz target libuv: a real library's adapter (libs/libuv.c), contract mode. */
#include "closeonce/fuzz.h"
#include "libs.h"

CO_FUZZ_TARGET_INIT("libuv", co_libs_init)
