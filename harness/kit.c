/*
 * co_kit_main: a user's adapter as a closeonce program; co_kit_fuzz_*: the
 * same adapter as a libFuzzer or AFL++ program (CO_KIT_MAIN, kit.h), run by
 * the engine entry points' executor (closeonce/fuzz.h).
 */
#include "closeonce/kit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/fuzz.h"
#include "closeonce/target.h"

int co_kit_register(const struct co_adapter *a, const char *summary, char *err,
                    size_t cap) {
  struct co_target *t;
  if (co_adapter_register(a, err, cap) < 0)
    return -1;
  if (co_target_find(a->contract->layer))
    return 0; /* registered already */
  if (!(t = calloc(1, sizeof *t))) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  t->name = a->contract->layer;
  t->summary = summary;
  t->backend = &co_backend_posix;
  t->kinds = co_client_ops;
  t->nkinds = co_client_nops;
  t->layers[0] = a->contract->layer;
  t->layers[1] = "stdio";
  t->mode = CO_MODE_CONTRACT;
  if (co_target_register(t, err, cap) < 0) {
    free(t);
    return -1;
  }
  return 0;
}

int co_kit_main(int argc, char **argv, const struct co_adapter *a,
                const char *summary) {
  char err[256];
  if (co_kit_register(a, summary, err, sizeof err) < 0) {
    fprintf(stderr, "closeonce kit: %s\n", err);
    return 2;
  }
  co_targets_freeze();
  return co_cli_run(argc, argv, a->contract->layer);
}

struct co_fuzz *co_kit_fuzz_start(const struct co_adapter *a,
                                  const char *summary) {
  char err[256];
  if (co_kit_register(a, summary, err, sizeof err) < 0) {
    fprintf(stderr, "closeonce kit: %s\n", err);
    exit(2);
  }
  co_targets_freeze();
  return co_fuzz_start(a->contract->layer);
}

int co_kit_fuzz_one(struct co_fuzz *fz, const uint8_t *data, size_t size) {
  return co_fuzz_run(fz, data, size);
}

void co_kit_fuzz_exit(struct co_fuzz *fz) {
  if (getenv("CLOSEONCE_HYGIENE"))
    co_fuzz_exit_check(fz);
}
