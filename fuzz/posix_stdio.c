/* Fuzz target posix-stdio: stdio over descriptors, contract mode. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("posix-stdio")
