/* Fuzz target gio: a real library's adapter (libs/glib.c), contract mode. */
#include "closeonce/fuzz.h"
#include "libs.h"

CO_FUZZ_TARGET_INIT("gio", co_libs_init)
