/* Fuzz target vfd-forget-flags: planted bug: page-in forgets the descriptor's
 * own flags (cloexec; append/text on Win32). */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd-forget-flags")
