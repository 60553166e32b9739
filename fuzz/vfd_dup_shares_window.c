/* Fuzz target vfd-dup-shares-window: planted bug: vdup copies the window
 * descriptor, so two virtual descriptors close it. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd-dup-shares-window")
