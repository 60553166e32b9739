/*
 * closeonce: fuzz-engine entry points.
 *
 * One file per target in fuzz/ holds CO_FUZZ_TARGET("name"); it is linked
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

#define CO_FUZZ_TARGET(name)                                                   \
  const char *const co_fuzz_target_name = name;                                \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {               \
    return co_fuzz_one(name, data, size);                                      \
  }

#endif
