/* Fuzz target glib: a real library's adapter (libs/glib.c), contract mode. */
#include "closeonce/fuzz.h"
#include "libs.h"

CO_FUZZ_TARGET_INIT("glib", co_libs_init)
