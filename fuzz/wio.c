/* Fuzz target wio: wiolib, a stdio-like wrapper with a close-on-free flag. */
#include "closeonce/fuzz.h"

CO_FUZZ_TARGET("wio")
