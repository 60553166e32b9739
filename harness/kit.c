/*
 * co_kit_main: a user's adapter as a closeonce program.
 */
#include "closeonce/kit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/target.h"

int co_kit_main(int argc, char **argv, const struct co_adapter *a,
                const char *summary) {
  static struct co_target t;
  char err[256];
  if (co_adapter_register(a, err, sizeof err) < 0) {
    fprintf(stderr, "closeonce kit: %s\n", err);
    return 2;
  }
  memset(&t, 0, sizeof t);
  t.name = a->contract->layer;
  t.summary = summary;
  t.backend = &co_backend_posix;
  t.kinds = co_client_ops;
  t.nkinds = co_client_nops;
  t.layers[0] = a->contract->layer;
  t.layers[1] = "stdio";
  t.mode = CO_MODE_CONTRACT;
  if (co_target_register(&t, err, sizeof err) < 0) {
    fprintf(stderr, "closeonce kit: %s\n", err);
    return 2;
  }
  co_cli_set_default_target(t.name);
  return co_cli_main(argc, argv);
}
