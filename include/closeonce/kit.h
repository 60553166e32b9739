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
 * generator in contract mode over your library, stdio and the client's own
 * descriptor calls; `prog replay corpus/` replays traces. CMake's
 * closeonce_add_adapter() builds it and registers the ctest tests.
 */
#ifndef CLOSEONCE_KIT_H
#define CLOSEONCE_KIT_H

#include "closeonce/contract.h"

/* Register adapter a and a target named after its layer (with stdio and the
 * client's descriptor calls), make it the default, run the command line.
 * Returns the exit code (2 if the adapter or target is malformed). */
int co_kit_main(int argc, char **argv, const struct co_adapter *a,
                const char *summary);

/* Register adapter a and its target, named after its layer: a's entries,
 * stdio's and the client's descriptor calls, contract mode. What
 * co_kit_main does before it runs the command line; for a program with
 * several adapters. Returns 0, or -1 with a message in err. */
int co_kit_register(const struct co_adapter *a, const char *summary, char *err,
                    size_t cap);

/* The command line (fuzz, replay, print, targets); exit codes 0/1/2. */
int co_cli_main(int argc, char **argv);
/* The same with default_target used when --target is not given (NULL:
 * --target is required where a command needs one). */
int co_cli_run(int argc, char **argv, const char *default_target);

#endif
