/* Fuzz target vfd-close-twice: planted bug: closing a paged-out descriptor
 * closes the parked one twice. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd-close-twice")
