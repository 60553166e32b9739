/*
 * The test fixtures' adapters: demolib (demo.c), and on POSIX wiolib
 * (wio.c), buflib (buf.c, an ownership-first contract) and racelib
 * (race.c, a library with a closer thread: issue 22).
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
extern const struct co_adapter co_adapter_buf;
extern const struct co_adapter co_adapter_race;
#endif

#endif
