/* Fuzz target vfd-evict-mru: planted bug: an LRU off-by-one evicts the most
 * recently used. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("vfd-evict-mru")
