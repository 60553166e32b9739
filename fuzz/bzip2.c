/* Fuzz target bzip2: a real library's adapter (libs/bzip2.c), contract mode. */
#include "closeonce/fuzz.h"
#include "libs.h"

CO_FUZZ_TARGET_INIT("bzip2", co_libs_init)
