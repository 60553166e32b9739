/*
 * The fuzz entry point of one target: compiled once per target of the
 * target list (harness/targets.def) with -DCO_TARGET_NAME="name", and
 * -DCO_TARGET_LIBS for a real library's target (libs/). Linked with the
 * engine (fuzz-NAME) or with fuzz/replay_main.c (replay-NAME); see
 * closeonce/fuzz.h and cmake/closeonceFuzz.cmake.
 */
#include "closeonce/fuzz.h"
#include "closeonce/target.h"
#ifdef CO_TARGET_LIBS
#include "libs.h"
#endif

#ifndef CO_TARGET_NAME
#error "compile with -DCO_TARGET_NAME=\"target\" (cmake/closeonceFuzz.cmake)"
#endif

/* Register what the target needs, then freeze the registry. */
static void setup(void) {
#ifdef CO_TARGET_LIBS
  co_libs_init();
#endif
  co_targets_freeze();
}

CO_FUZZ_TARGET_INIT(CO_TARGET_NAME, setup)
