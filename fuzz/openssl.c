/* Fuzz target openssl: a real library's adapter (libs/openssl.c), contract
 * mode. */
#include "closeonce/fuzz.h"
#include "libs.h"

CO_FUZZ_TARGET_INIT("openssl", co_libs_init)
