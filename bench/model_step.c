/*
 * The model alone: generated traces of a target stepped through the model
 * (resolve, step), with no system call and no executor. For measuring the
 * model's step path, e.g. under callgrind (the posix target's executor
 * cannot run under valgrind: its dup3(fd, fd) returns EBADF there):
 *
 *   valgrind --tool=callgrind --toggle-collect=co_model_step \
 *     --toggle-collect=co_model_resolve bench_model_step 300 32 posix
 *
 * prints the steps made; instructions per step = the collected Ir / steps.
 * Timed too (ns/step of CPU time, the best of 7 rounds: the machine may be
 * shared), for runs outside valgrind.
 *
 * The model's configuration is a plain process's: 0, 1 and 2 foreign,
 * limit 1024, the target's platform and window; traces are the built-in
 * generator's (co_gen_trace), the same for every build (seed 1).
 *
 * With "digest", also a digest of every prediction (outcome, aftermath,
 * events), to check that two builds' models predict the same.
 *
 * usage: bench_model_step [traces] [ops-per-trace] [target] [digest]
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "closeonce/closeonce.h"

static uint64_t mix(uint64_t h, int64_t v) {
  return (h ^ (uint64_t)v) * 0x100000001b3ull; /* FNV-1a, a word at a time */
}

/* A digest of what a step predicted: outcome, aftermath, events. */
static uint64_t digest(uint64_t h, const struct co_outcome *p,
                       const struct co_aftermath *t) {
  int i;
  h = mix(mix(h, p->ret), p->err);
  h = mix(mix(mix(h, t->n), t->sweep), t->refused);
  for (i = 0; i < t->n && i < CO_TOUCH_MAX; i++)
    h = mix(h, t->num[i]);
  h = mix(mix(mix(h, t->same_a), t->same_b), t->offset_num);
  h = mix(mix(mix(h, t->actor), t->obj), t->nev);
  for (i = 0; i < t->nev && i < CO_EVENTS_MAX; i++) {
    const struct co_event *e = &t->ev[i];
    h = mix(mix(mix(h, e->kind), e->why), e->actor);
    h = mix(mix(mix(h, e->owner), e->client), e->num);
    h = mix(mix(h, e->slot), e->objslot);
  }
  return h;
}

/* Every trace once through the model; the sum of the transition ids (so
 * that nothing is optimised away), and with dig, the digest of every
 * prediction (to compare two builds' models). */
static unsigned run_all(struct co_model *m, const struct co_model_config *cfg,
                        const struct co_trace *t, int ntr, unsigned long *steps,
                        uint64_t *dig) {
  unsigned sum = 0;
  int i;
  size_t k;
  for (i = 0; i < ntr; i++) {
    if (co_model_begin(m, cfg) < 0) {
      fprintf(stderr, "bench: co_model_begin failed\n");
      exit(2);
    }
    for (k = 0; k < t[i].len; k++) {
      struct co_call c;
      struct co_outcome pred;
      struct co_aftermath eff;
      co_model_resolve(m, &t[i].ops[k], &c);
      sum += co_model_step(m, &t[i].ops[k], &c, &pred, &eff);
      if (dig)
        *dig = digest(*dig, &pred, &eff);
    }
    *steps += t[i].len;
  }
  return sum;
}

int main(int argc, char **argv) {
  static const int64_t foreign[] = {0, 1, 2};
  int ntr = argc > 1 ? atoi(argv[1]) : 2000;
  int nops = argc > 2 ? atoi(argv[2]) : 32;
  const char *tname = argc > 3 ? argv[3] : "posix";
  int with_digest = argc > 4 && strcmp(argv[4], "digest") == 0;
  uint64_t dig = 0xcbf29ce484222325ull;
  const struct co_target *tg = co_target_find(tname);
  struct co_model_config cfg = {0};
  struct co_model *m = co_model_new();
  struct co_trace *traces;
  struct co_rng rng;
  double best = 0;
  unsigned long steps = 0;
  unsigned sum = 0;
  int i, r;

  if (ntr < 1 || nops < 1 || !tg || !m) {
    fprintf(stderr, "usage: %s [traces>=1] [ops>=1] [target]\n", argv[0]);
    return 2;
  }
  {
    /* As in a real run, an executor exists before any step (making one
     * freezes the registry, whose lookups then skip their once). */
    char err[256];
    struct co_exec *ex = co_exec_new_target(tg, err, sizeof err);
    if (!ex) {
      fprintf(stderr, "bench: %s\n", err);
      return 2;
    }
    co_exec_free(ex);
  }
  cfg.foreign = foreign;
  cfg.nforeign = 3;
  cfg.limit = 1024;
  cfg.platform = tg->backend->platform;
  for (i = 0; i < 4 && tg->layers[i]; i++)
    if (co_adapter_paged(co_adapter_find(tg->layers[i])))
      cfg.window = CO_VARIANT_WINDOW_OF(tg->variant)
                       ? CO_VARIANT_WINDOW_OF(tg->variant)
                       : CO_WINDOW_DEFAULT;
  traces = calloc((size_t)ntr, sizeof *traces);
  if (!traces)
    return 2;
  co_rng_seed(&rng, 1);
  for (i = 0; i < ntr; i++) {
    co_trace_init(&traces[i]);
    co_gen_trace(&rng, &tg->ops, (size_t)nops, &traces[i]);
  }
  for (r = 0; r < 7; r++) {
    unsigned long n = 0;
    clock_t t0 = clock();
    double dt;
    sum += run_all(m, &cfg, traces, ntr, &n, with_digest ? &dig : NULL);
    dt = (double)(clock() - t0) / CLOCKS_PER_SEC / (double)n;
    if (r == 0 || dt < best)
      best = dt;
    steps += n;
  }
  printf("model steps, target %s: %lu steps (%d traces x 7 rounds), "
         "%.1f ns/step (CPU time, best round), checksum %u",
         tg->name, steps, ntr, best * 1e9, sum);
  if (with_digest)
    printf(", digest %016llx", (unsigned long long)dig);
  printf("\n");
  for (i = 0; i < ntr; i++)
    co_trace_free(&traces[i]);
  free(traces);
  co_model_free(m);
  return 0;
}
