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
 * it started with and that the private directory is empty (aborts if not);
 * CLOSEONCE_NO_FAULTS=1 drops every `fail` from the decoded inputs, as
 * `closeonce fuzz --no-faults` draws none (docs/faults.md#fail);
 * CLOSEONCE_THREADS=N (1..4) reads each input as a parallel trace of up to
 * N threads, 5 bytes a record (closeonce/trace.h, docs/threads.md#fuzzing;
 * `closeonce replay --threads N` reads its crash files).
 * A target that cannot start (unknown, or a library's start-up failed)
 * exits 2 with the reason, before the first input.
 */
#ifndef CLOSEONCE_FUZZ_H
#define CLOSEONCE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The state of one fuzz program (harness/fuzz.c). */
struct co_fuzz;
/* Make it for target name, in the target's mode (CLOSEONCE_MODE overrides
 * it). Returns NULL with the reason in err: an unknown target, or one that
 * cannot start (a library's own start-up failed: co_adapter.start). */
struct co_fuzz *co_fuzz_new(const char *target, char *err, size_t cap);
void co_fuzz_free(struct co_fuzz *fz);
/* Run one input. Returns 0; on a finding prints the report and aborts. */
int co_fuzz_run(struct co_fuzz *fz, const uint8_t *data, size_t size);
/* 0 if the process holds the descriptors it held when fz was made and the
 * private directory is empty; else -1 with what differs in msg. */
int co_fuzz_hygiene(struct co_fuzz *fz, char *msg, size_t cap);
/* For the entry points: co_fuzz_new, or the reason on stderr and exit 2. */
struct co_fuzz *co_fuzz_start(const char *target);
/* For the entry points, at exit (CLOSEONCE_HYGIENE): co_fuzz_hygiene;
 * "hygiene ok" on stderr, or the difference and abort. */
void co_fuzz_exit_check(struct co_fuzz *fz);

/* The target of this program (set by CO_FUZZ_TARGET). */
extern const char *const co_fuzz_target_name;
/* Registers what the target needs (adapters and targets of a program's
 * own: CO_FUZZ_TARGET_INIT) and makes the program's state; once, before the
 * first input. Defined by the macros; the replay runner calls it first. */
void co_fuzz_target_setup(void);

#define CO_FUZZ_TARGET(name) CO_FUZZ_TARGET_INIT(name, co_fuzz_no_init)
static inline void co_fuzz_no_init(void) {}

/* A target registered by init (e.g. co_libs_init, libs/libs.h). The
 * engine's entry point takes no context: the program's state is the one
 * pointer below, in the program, not in the library. */
#define CO_FUZZ_TARGET_INIT(name, init)                                        \
  const char *const co_fuzz_target_name = name;                                \
  static struct co_fuzz *co__fuzz;                                             \
  static void co__fuzz_at_exit(void) {                                         \
    co_fuzz_exit_check(co__fuzz);                                              \
  }                                                                            \
  void co_fuzz_target_setup(void) {                                            \
    if (!co__fuzz) {                                                           \
      init();                                                                  \
      co__fuzz = co_fuzz_start(name);                                          \
      if (getenv("CLOSEONCE_HYGIENE"))                                         \
        atexit(co__fuzz_at_exit);                                              \
    }                                                                          \
  }                                                                            \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {               \
    co_fuzz_target_setup();                                                    \
    return co_fuzz_run(co__fuzz, data, size);                                  \
  }

#endif
