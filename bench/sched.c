/*
 * Scheduled parallel traces against the same traces run sequentially, in
 * one run (issue 22, docs/threads.md#scheduled).
 *
 * The built-in generator draws sequential traces; each is copied with
 * threads given to its operations as the generator gives them (a prefix
 * of up to a third, then the threads, each next operation staying on its
 * thread two times in three). The operations and their order are the
 * same, so the model's steps and the system calls are the same: what
 * differs is that each thread's operations run on their own real thread,
 * and every switch hands the baton over (harness/baton.c). Two executors,
 * one for each, so that the scheduled one keeps its threads; the rounds
 * alternate which goes first; the medians are printed, and
 * scheduled/sequential (the goal: >= 0.3).
 *
 * No close_range has CLOSE_RANGE_UNSHARE here: with the scheduled
 * executor's threads alive, the sequential executor's would give the main
 * thread a table of its own (docs/threads.md#unshare), and a scheduled
 * trace refuses it (it would not be the same work).
 *
 * usage: bench_sched [traces-per-round] [rounds] [ops-per-trace] [threads]
 *                    [target]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/exec.h"
#include "closeonce/gen.h"
#include "closeonce/target.h"
#include "portable.h"
#include "median.h"

/* The generator's thread policy (harness/gen.c gen_threads). */
static void give_threads(struct co_rng *r, unsigned threads,
                         struct co_trace *t) {
  size_t pre = co_rng_below(r, (uint32_t)(t->len / 3 + 1)), i;
  unsigned cur = 1 + co_rng_below(r, threads);
  for (i = 0; i < t->len; i++) {
    if (i > pre && threads > 1 && !co_rng_below(r, 3))
      cur = 1 + (cur + co_rng_below(r, threads - 1)) % threads;
    t->ops[i].thr = (uint8_t)(i < pre ? 0 : cur);
  }
}

static double run_all(struct co_exec *ex, const struct co_trace *t, int n,
                      int *bad) {
  struct co_verdict v;
  double t0 = co__seconds();
  int i;
  for (i = 0; i < n; i++)
    if (co_exec_run(ex, &t[i], &v) != CO_V_OK)
      (*bad)++;
  return co__seconds() - t0;
}

int main(int argc, char **argv) {
  int ntr = argc > 1 ? atoi(argv[1]) : 2000;
  int rounds = argc > 2 ? atoi(argv[2]) : 5;
  size_t ops = argc > 3 ? (size_t)atoi(argv[3]) : 16;
  unsigned threads = argc > 4 ? (unsigned)atoi(argv[4]) : 3;
  const char *name = argc > 5 ? argv[5] : "posix";
  const struct co_target *tg = co_target_find(name);
  struct co_trace *seq, *par;
  struct co_exec *a, *b;
  struct co_rng r;
  double *ts, *tp;
  char err[256];
  int i, k, bad_s = 0, bad_p = 0;
  size_t switches = 0;
  if (!tg || ntr < 1 || rounds < 1 || !ops || threads < 1 ||
      threads > CO_THREADS) {
    fprintf(stderr,
            "usage: bench_sched [traces] [rounds] [ops] [threads 1-%d] "
            "[target]\n",
            CO_THREADS);
    return 2;
  }
  if (!(a = co_exec_new_target(tg, err, sizeof err)) ||
      !(b = co_exec_new_target(tg, err, sizeof err))) {
    fprintf(stderr, "bench_sched: %s\n", err);
    return 2;
  }
  seq = calloc((size_t)ntr, sizeof *seq);
  par = calloc((size_t)ntr, sizeof *par);
  ts = calloc((size_t)rounds, sizeof *ts);
  tp = calloc((size_t)rounds, sizeof *tp);
  if (!seq || !par || !ts || !tp)
    return 2;
  co_rng_seed(&r, 22);
  for (i = 0; i < ntr; i++) {
    size_t j;
    co_trace_init(&seq[i]);
    co_trace_init(&par[i]);
    do /* the full length, every trace */
      co_gen_trace(&r, &tg->ops, ops, &seq[i]);
    while (seq[i].len < ops);
    for (j = 0; j < seq[i].len; j++) /* see above */
      if (seq[i].ops[j].kind == CO_OP_CLOSE_RANGE)
        seq[i].ops[j].flags &= (uint8_t)~CO_F_BIT1;
    co_trace_copy(&par[i], &seq[i]);
    give_threads(&r, threads, &par[i]);
    for (j = 1; j < par[i].len; j++)
      switches +=
          par[i].ops[j - 1].thr && par[i].ops[j].thr != par[i].ops[j - 1].thr;
  }
  for (k = 0; k < rounds; k++) {
    if (k % 2) {
      tp[k] = run_all(b, par, ntr, &bad_p);
      ts[k] = run_all(a, seq, ntr, &bad_s);
    } else {
      ts[k] = run_all(a, seq, ntr, &bad_s);
      tp[k] = run_all(b, par, ntr, &bad_p);
    }
  }
  {
    double ms = median(ts, rounds), mp = median(tp, rounds);
    printf("target %s, %d traces of %zu operations a round, %d rounds, "
           "%u threads, %.2f switches a trace\n",
           name, ntr, ops, rounds, threads, (double)switches / ntr);
    printf("sequential %.0f traces/s, scheduled %.0f traces/s, "
           "hand-overs %.2f a trace\n",
           ntr / ms, ntr / mp,
           (double)co_exec_handoffs(b) / ((double)ntr * rounds));
    printf("findings (not expected): sequential %d, scheduled %d\n", bad_s,
           bad_p);
    printf("results only scheduled/sequential %.2f (goal >= 0.3)\n", ms / mp);
  }
  for (i = 0; i < ntr; i++) {
    co_trace_free(&seq[i]);
    co_trace_free(&par[i]);
  }
  free(seq);
  free(par);
  free(ts);
  free(tp);
  co_exec_free(a);
  co_exec_free(b);
  return 0;
}
