/* Fuzz target posix: Linux descriptors, conformance mode: misuse on purpose,
 * exact predictions. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("posix")
