/*
 * closeonce: the kit for library authors.
 *
 * Describe your library's handle contract and write the glue (one adapter,
 * see closeonce/contract.h), then make it a program:
 *
 *   int main(int argc, char **argv) {
 *     return co_kit_main(argc, argv, &my_adapter, "what my library is");
 *   }
 *
 * The program is the closeonce command line with one more target, named
 * after your layer, the default: `prog fuzz --seconds 60` runs the built-in
 * generator in contract mode over your library, stdio (Windows: the C
 * runtime's descriptors and streams) and the client's own descriptor (HANDLE)
 * calls; `prog replay corpus/` replays traces. CMake's
 * closeonce_add_adapter() builds it and registers the ctest tests.
 *
 * For coverage-guided engines write, in place of that main,
 *
 *   CO_KIT_MAIN(my_adapter, "what my library is")
 *
 * which is the same main, and, compiled with -DCO_KIT_ENGINE (what
 * closeonce_add_adapter(... ENGINES libfuzzer afl) does for its engine
 * programs), libFuzzer's entry point LLVMFuzzerTestOneInput instead: each
 * input is a trace in the binary form (`prog encode`), run in lockstep by
 * the same executor as `prog fuzz`; a finding prints its report and aborts,
 * so the engine's crash file is the reproducer (`prog replay CRASH-FILE`).
 */
#ifndef CLOSEONCE_KIT_H
#define CLOSEONCE_KIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "closeonce/contract.h"

struct co_fuzz;

/* Register adapter a and a target named after its layer (with the
 * platform's layers and the client's descriptor calls: co_kit_register),
 * make it the default, run the command line.
 * Returns the exit code (2 if the adapter or target is malformed). */
int co_kit_main(int argc, char **argv, const struct co_adapter *a,
                const char *summary);

/* Register adapter a and its target, named after its layer: a's entries,
 * the platform's layers and the client's descriptor calls, contract mode.
 * POSIX: stdio, and open/dup/dup2/close/write/lseek/getfd/getfl. Windows:
 * the C runtime's descriptors and streams (crt, crt-stdio: _open_osfhandle,
 * _get_osfhandle, _write, _close, _dup, _dup2, _fdopen, _fileno, fwrite,
 * fclose) and the HANDLE calls (open is CreateFile, dup DuplicateHandle,
 * dup_close the same with DUPLICATE_CLOSE_SOURCE, close CloseHandle,
 * write, lseek, getfd/setfd Get/SetHandleInformation's inherit flag). A
 * contract whose over (CO_OVER_*) names the other platform is refused. What
 * co_kit_main does before it runs the command line; for a program with
 * several adapters. Returns 0, or -1 with a message in err. */
int co_kit_register(const struct co_adapter *a, const char *summary, char *err,
                    size_t cap);

/* Several layers of your own in one target, named after the first: your
 * library's and your code's over it (a bridge from the library's handle to
 * the C runtime: examples/hlib/app.c), each an adapter; the platform's
 * layers come after them. At most 4 on Windows, 5 on POSIX. As
 * co_kit_main, co_kit_register and co_kit_fuzz_start; CO_KIT_MAIN_LAYERS
 * below. */
int co_kit_main_layers(int argc, char **argv, const struct co_adapter *const *a,
                       size_t n, const char *summary);
int co_kit_register_layers(const struct co_adapter *const *a, size_t n,
                           const char *summary, char *err, size_t cap);

#ifdef _WIN32
/* Windows: the C-runtime descriptor number of an object of the "crt" layer
 * (the source object a CO_EFF_WRAP entry with inner "crt" gets in call2:
 * a layer over C-runtime descriptors, CO_OVER_CRT_FD). */
int co_kit_crt_fd(const void *crt_object);
/* Windows: the HANDLE value C-runtime descriptor fd holds, or -1 if it is
 * not open; an observation (no invalid-parameter report): for the
 * number_open of a numbered layer of your own, whose objects are
 * C-runtime descriptors (examples/hlib/app_adapter.c). */
int64_t co_kit_crt_osfhandle(int fd);
#endif

/* For an engine program (CO_KIT_MAIN with CO_KIT_ENGINE): register a and
 * its target as co_kit_register does, freeze the registry and make the
 * state that runs one input after another. Prints the reason and exits 2
 * if the adapter is malformed or the library cannot start; once, before the
 * first input. */
struct co_fuzz *co_kit_fuzz_start(const struct co_adapter *a,
                                  const char *summary);
struct co_fuzz *co_kit_fuzz_start_layers(const struct co_adapter *const *a,
                                         size_t n, const char *summary);
/* Run one engine input (a binary trace) for fz's target. Returns 0; on a
 * finding prints the report and aborts. */
int co_kit_fuzz_one(struct co_fuzz *fz, const uint8_t *data, size_t size);
/* At exit of an engine program, if CLOSEONCE_HYGIENE is set: the process
 * holds the descriptors it started with, or abort. */
void co_kit_fuzz_exit(struct co_fuzz *fz);

/* CO_KIT_MAIN_LAYERS(adapters, summary): the same for several layers,
 * adapters an array of adapter pointers (co_kit_main_layers):
 *
 *   static const struct co_adapter *const layers[] = {&lib, &bridge};
 *   CO_KIT_MAIN_LAYERS(layers, "my library and my bridge over it")
 */
#define CO_KIT_MAIN(adapter, summary)                                          \
  static const struct co_adapter *const co__kit_one[] = {&(adapter)};          \
  CO_KIT_MAIN_LAYERS(co__kit_one, summary)
#define CO__KIT_N(adapters) (sizeof(adapters) / sizeof *(adapters))
#ifdef CO_KIT_ENGINE
/* The engine's entry points take no context: the program's state is the
 * one pointer here, in the program. It is made at the engine's start-up
 * (LLVMFuzzerInitialize, before the engine opens any input), or by the
 * first input under a driver that does not call it. */
#define CO_KIT_MAIN_LAYERS(adapters, summary)                                  \
  static struct co_fuzz *co__kit_fuzz;                                         \
  static void co__kit_at_exit(void) {                                          \
    co_kit_fuzz_exit(co__kit_fuzz);                                            \
  }                                                                            \
  static void co__kit_start(void) {                                            \
    if (!co__kit_fuzz) {                                                       \
      co__kit_fuzz = co_kit_fuzz_start_layers((adapters), CO__KIT_N(adapters), \
                                              (summary));                      \
      atexit(co__kit_at_exit);                                                 \
    }                                                                          \
  }                                                                            \
  int LLVMFuzzerInitialize(int *argc, char ***argv);                           \
  int LLVMFuzzerInitialize(int *argc, char ***argv) {                          \
    (void)argc;                                                                \
    (void)argv;                                                                \
    co__kit_start();                                                           \
    return 0;                                                                  \
  }                                                                            \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {               \
    co__kit_start();                                                           \
    return co_kit_fuzz_one(co__kit_fuzz, data, size);                          \
  }
#else
#define CO_KIT_MAIN_LAYERS(adapters, summary)                                  \
  int main(int argc, char **argv) {                                            \
    return co_kit_main_layers(argc, argv, (adapters), CO__KIT_N(adapters),     \
                              (summary));                                      \
  }
#endif

/* The command line (fuzz, replay, print, targets); exit codes 0/1/2. */
int co_cli_main(int argc, char **argv);
/* The same with default_target used when --target is not given (NULL:
 * --target is required where a command needs one). */
int co_cli_run(int argc, char **argv, const char *default_target);

#endif
