/* Fuzz target libarchive: a real library's adapter (libs/libarchive.c),
 * contract mode. */
#include "closeonce/fuzz.h"
#include "libs.h"

CO_FUZZ_TARGET_INIT("libarchive", co_libs_init)
