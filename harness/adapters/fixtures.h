/*
 * The test fixtures' adapters: demolib (demo.c) and wiolib (wio.c, POSIX).
 * Built into this tree's programs (the closeonce command, tests,
 * benchmarks), not into the installed library; the target registry
 * registers them at program start (harness/target.c).
 */
#ifndef CLOSEONCE_ADAPTERS_FIXTURES_H
#define CLOSEONCE_ADAPTERS_FIXTURES_H

#include "closeonce/contract.h"

extern const struct co_adapter co_adapter_demo;
#ifndef _WIN32
extern const struct co_adapter co_adapter_wio;
#endif

#endif
