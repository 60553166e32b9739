/*
 * closeonce: fuzz-engine entry points.
 *
 * fuzz/target.c, compiled once per target of the target list
 * (harness/targets.def), holds CO_FUZZ_TARGET_INIT(name, init); it is linked
 * three ways: with libFuzzer, with AFL++ (its LLVMFuzzerTestOneInput driver,
 * persistent mode, shared-memory test cases), and with fuzz/replay_main.c,
 * a plain program that runs files and directories with no fuzzing runtime.
 *
 * Each input is decoded for the target (the binary form, closeonce/trace.h)
 * and run in lockstep in the target's mode; contract targets skip the moves
 * a well-behaved client would not make. A finding prints the report with the
 * trace in text form to stderr and aborts, so the engine's crash file is a
 * reproducer and the report says what it shows.
 *
 * Environment: CLOSEONCE_MODE=contract|conformance overrides the mode;
 * CLOSEONCE_HYGIENE=1 checks at exit that the process holds the descriptors
 * it started with and that the private directory is empty (aborts if not).
 */
#ifndef CLOSEONCE_FUZZ_H
#define CLOSEONCE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Run one input against target name. Returns 0; aborts on a finding. */
int co_fuzz_one(const char *target, const uint8_t *data, size_t size);

/* The target of this program (set by CO_FUZZ_TARGET). */
extern const char *const co_fuzz_target_name;
/* Registers what the target needs (adapters and targets of a program's
 * own: CO_FUZZ_TARGET_INIT); once, before the first input. Defined by the
 * macros; the replay runner calls it first. */
void co_fuzz_target_setup(void);

#define CO_FUZZ_TARGET(name) CO_FUZZ_TARGET_INIT(name, co_fuzz_no_init)
static inline void co_fuzz_no_init(void) {}

/* A target registered by init (e.g. co_libs_init, libs/libs.h). */
#define CO_FUZZ_TARGET_INIT(name, init)                                        \
  const char *const co_fuzz_target_name = name;                                \
  void co_fuzz_target_setup(void) {                                            \
    static int done;                                                           \
    if (!done) {                                                               \
      done = 1;                                                                \
      init();                                                                  \
    }                                                                          \
  }                                                                            \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {               \
    co_fuzz_target_setup();                                                    \
    return co_fuzz_one(name, data, size);                                      \
  }

#endif
