/* Fuzz target zlib: zlib gzdopen/gzwrite/gzclose, contract mode. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("zlib")
