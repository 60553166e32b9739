/*
 * Lockstep cost against raw system calls, in one run.
 *
 * The same generated traces (32 operations each) are issued twice: raw,
 * through the backend's call table with nothing but slot bookkeeping (what a
 * program making those calls would do, teardown by one close_range), and in
 * lockstep through the executor (model, observation, comparison, end-of-trace
 * checks and teardown). Rounds alternate; the medians are reported with
 * raw/lockstep (1.0 = free; the goal is >= 0.5).
 *
 * usage: bench_lockstep [traces-per-round] [rounds] [ops-per-trace]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "closeonce/closeonce.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The raw run's glue envs: one per layer of the target, each with its
 * adapter's per-run state (co_glue_start), as the executor gives its glue. */
#define RAW_LAYERS 4
struct raw_envs {
  const struct co_adapter *ad[RAW_LAYERS];
  struct co_glue_env env[RAW_LAYERS];
  unsigned n;
};

static const struct co_glue_env *env_of(const struct raw_envs *r,
                                        const struct co_adapter *ad) {
  unsigned k;
  for (k = 0; k < r->n; k++)
    if (r->ad[k] == ad)
      return &r->env[k];
  return &r->env[0]; /* every entry of the target is one of its layers' */
}

/* Raw: resolve references like a program's variables, one call per
 * operation (a layer's entry: its glue, the library call alone), then free
 * the objects left and close everything from the first free number up. */
static void run_raw(const struct co_backend *be, void *self,
                    const struct raw_envs *envs, const struct co_trace *t,
                    int64_t f0, int64_t limit) {
  int64_t slot[CO_SLOTS];
  void *obj[CO_OBJS] = {0};
  const struct co_adapter *oad[CO_OBJS] = {0};
  size_t i;
  int k, moved = 0;
  struct rlimit lim;
  for (k = 0; k < CO_SLOTS; k++)
    slot[k] = -1;
  /* a trace's setlimit moves the soft limit: put it back after (the
   * executor does so for its own runs) */
  for (i = 0; i < t->len; i++)
    moved |= t->ops[i].kind == CO_OP_SETLIMIT;
  if (moved && getrlimit(RLIMIT_NOFILE, &lim) < 0)
    moved = 0;
  for (i = 0; i < t->len; i++) {
    const struct co_op *op = &t->ops[i];
    struct co_call c = {op->kind, op->flags, 0, 0, op->n, -1, NULL};
    struct co_outcome o;
    const struct co_ref *r[2] = {&op->a, &op->b};
    int64_t *v[2] = {&c.a, &c.b};
    for (k = 0; k < 2; k++)
      *v[k] = r[k]->type == CO_REF_SLOT   ? slot[r[k]->idx]
              : r[k]->type == CO_REF_FREE ? f0 + r[k]->idx
              : r[k]->type == CO_REF_NEG  ? -1
                                          : limit;
    if (op->kind == CO_OP_CALL) {
      const struct co_adapter *ad;
      unsigned idx;
      const struct co_entry *e = co_entry_get(op->entry, &ad, &idx);
      int binds = co_call_binds(op);
      if (e->effect == CO_EFF_DUP_OBJ || e->effect == CO_EFF_DUP2_OBJ ||
          e->effect == CO_EFF_WRAP) {
        ad->call2(env_of(envs, ad), idx, op->flags, obj[op->obj], &obj[op->dst],
                  &o);
        if (binds == 1)
          oad[op->dst] = ad;
      } else {
        unsigned ko = binds == 1 ? op->dst : op->obj;
        ad->call(env_of(envs, ad), idx, op->flags, &obj[ko], c.a, op->n, &o);
        if (binds == 1)
          oad[ko] = ad;
        if (e->effect == CO_EFF_CLOSE || e->effect == CO_EFF_DETACH)
          obj[ko] = NULL;
      }
      if (binds == 2)
        slot[op->dst % CO_SLOTS] = o.ret;
      continue;
    }
    /* Every number below f0 is the harness's (checked in main). */
    if (c.kind == CO_OP_CLOSE_RANGE && (uint32_t)c.a <= (uint32_t)c.b &&
        (uint32_t)c.a < (uint64_t)f0)
      c.a = f0;
    be->call(self, &c, &o);
    if (co_opdesc[op->kind].binds)
      slot[op->dst] = o.ret;
  }
  for (k = 0; k < CO_OBJS; k++)
    if (obj[k]) {
      struct co_outcome o;
      size_t e;
      for (e = 0; e < oad[k]->contract->nentries; e++)
        if (oad[k]->contract->entries[e].effect == CO_EFF_CLOSE) {
          oad[k]->call(env_of(envs, oad[k]), (unsigned)e, 0, &obj[k], -1, 0,
                       &o);
          break;
        }
    }
  syscall(SYS_close_range, (unsigned)f0, ~0u, 0u);
  if (moved)
    setrlimit(RLIMIT_NOFILE, &lim);
}

/* t without the steps the model refuses (never issued in lockstep: a read
 * that would block, docs/posix.md#evdir-refused), which the raw run would
 * issue; stepped through ex, which is left between traces. */
static void drop_refused(struct co_exec *ex, struct co_trace *t) {
  struct co_trace kept;
  struct co_verdict v;
  size_t k;
  co_trace_init(&kept);
  co_exec_begin(ex, &v);
  for (k = 0; k < t->len; k++) {
    struct co_call c;
    co_model_resolve(co_exec_model(ex), &t->ops[k], &c);
    if (co_model_refuses(co_exec_model(ex), &t->ops[k], &c))
      continue;
    co_trace_push(&kept, &t->ops[k]);
    if (co_exec_step(ex, &t->ops[k], &v) != CO_V_OK)
      break;
  }
  co_exec_end(ex, &v);
  co_trace_free(t);
  *t = kept;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int ntr = argc > 1 ? atoi(argv[1]) : 2000;
  int rounds = argc > 2 ? atoi(argv[2]) : 7;
  int nops = argc > 3 ? atoi(argv[3]) : 32;
  const char *tname = argc > 4 ? argv[4] : "posix";
  const struct co_target *tg = co_target_find(tname);
  struct co_glue_env env = {.dirfd = -1, .dir = ""};
  struct raw_envs envs = {{0}, {{0}}, 0};
  int layered;
  struct co_trace *traces;
  struct co_exec *ex, *ex_res;
  struct co_rng rng;
  double raw[64], lock[64], lres[64];
  char err[256];
  int i, r;
  uint8_t kinds[CO_OP_COUNT];
  struct co_opset gen;
  size_t nk;
  int64_t f0, limit, *open_now;
  size_t nopen;

  if (ntr < 1 || rounds < 1 || rounds > 64 || nops < 1 || !tg) {
    fprintf(stderr, "usage: %s [traces>=1] [rounds 1..64] [ops>=1] [target]\n",
            argv[0]);
    return 2;
  }
  layered = tg->ops.nentries > 0;
  /* The generator's set without thread, as the built-in generator draws
   * (harness/campaign.c gen_opset): the raw run has no second party. */
  gen = tg->ops;
  for (i = 0, nk = 0; i < (int)tg->ops.n && nk < sizeof kinds; i++)
    if (tg->ops.kinds[i] != CO_OP_THREAD)
      kinds[nk++] = tg->ops.kinds[i];
  gen.kinds = kinds;
  gen.n = nk;
  /* Start from stdio only, so that the harness holds 0..f0-1. */
  syscall(SYS_close_range, 3u, ~0u, 0u);
  ex = co_exec_new_target(tg, err, sizeof err);
  ex_res = co_exec_new_target(tg, err, sizeof err);
  if (!ex || !ex_res) {
    fprintf(stderr, "bench: %s\n", err);
    return 2;
  }
  co_exec_set_observe(ex_res, CO_OBSERVE_RESULT);
  /* The raw runner assumes the harness holds exactly 0..f0-1. */
  tg->backend->open_set(NULL, &open_now, &nopen);
  qsort(open_now, nopen, sizeof *open_now, cmp_i64); /* any order */
  f0 = (int64_t)nopen;
  for (i = 0; i < (int)nopen; i++)
    if (open_now[i] != i) {
      fprintf(stderr, "bench: open descriptors are not 0..%zu\n", nopen - 1);
      return 2;
    }
  free(open_now);
  limit = tg->backend->limit(NULL);

  traces = calloc((size_t)ntr, sizeof *traces);
  co_rng_seed(&rng, 1);
  for (i = 0; i < ntr && layered; i++) {
    /* A library target: the generator's trace without the moves a
     * well-behaved client would not make (contract mode), so that the raw
     * run never hands the library a freed object. */
    struct co_trace g;
    struct co_verdict v;
    size_t k;
    co_trace_init(&g);
    co_trace_init(&traces[i]);
    while ((int)traces[i].len < nops / 2) {
      co_trace_clear(&traces[i]);
      co_gen_trace(&rng, &gen, (size_t)nops, &g);
      co_exec_set_mode(ex, CO_MODE_CONTRACT, 1);
      if (co_exec_run(ex, &g, &v) != CO_V_OK)
        continue;
      for (k = 0; k < g.len; k++)
        if (!co_exec_skipped(ex, k))
          co_trace_push(&traces[i], &g.ops[k]);
      drop_refused(ex, &traces[i]);
    }
    co_trace_free(&g);
  }
  if (layered) {
    co_exec_set_mode(ex, CO_MODE_CONTRACT, 0);
    env.dirfd = tg->backend->private_dir(co_exec_backend_self(ex), &env.dir);
    env.variant = tg->variant;
    env.window = co_exec_window(ex);
    env.watermark = co_model_watermark(co_exec_model(ex));
  }
  for (i = 0; i < RAW_LAYERS && tg->layers[i]; i++) {
    const struct co_adapter *a = co_adapter_find(tg->layers[i]);
    envs.env[envs.n] = env;
    if (a && co_glue_start(&envs.env[envs.n], a, err, sizeof err) < 0) {
      fprintf(stderr, "bench: %s\n", err);
      return 2;
    }
    envs.ad[envs.n++] = a;
  }
  if (!envs.n)
    envs.env[envs.n++] = env;
  for (i = 0; i < ntr && !layered; i++) {
    co_trace_init(&traces[i]);
    while ((int)traces[i].len < nops) {
      struct co_op op;
      uint32_t bound = 0;
      size_t k;
      for (k = 0; k < traces[i].len; k++)
        if (co_opdesc[traces[i].ops[k].kind].binds)
          bound |= 1u << traces[i].ops[k].dst;
      co_gen_op(&rng, &gen, bound, &op);
      co_trace_push(&traces[i], &op);
    }
    drop_refused(ex, &traces[i]);
  }

  for (r = 0; r < rounds; r++) {
    double t0 = now(), t1, t2, t3;
    struct co_verdict v;
    for (i = 0; i < ntr; i++)
      run_raw(tg->backend, co_exec_backend_self(ex), &envs, &traces[i], f0,
              limit);
    t1 = now();
    for (i = 0; i < ntr; i++)
      if (co_exec_run(ex, &traces[i], &v) != CO_V_OK) {
        fprintf(stderr, "bench: trace %d: %s: %s\n", i, co_verdict_name(v.kind),
                v.what);
        return 1;
      }
    t2 = now();
    for (i = 0; i < ntr; i++)
      co_exec_run(ex_res, &traces[i], &v);
    t3 = now();
    raw[r] = (t1 - t0) / ntr;
    lock[r] = (t2 - t1) / ntr;
    lres[r] = (t3 - t2) / ntr;
  }
  {
    double mr = median(raw, rounds), ml = median(lock, rounds),
           mo = median(lres, rounds);
    printf("closeonce bench, target %s: %d traces x %d ops, %d rounds, "
           "medians\n",
           tg->name, ntr, nops, rounds);
    printf("  raw system calls         %7.2f us/trace  %8.0f traces/s\n",
           mr * 1e6, 1 / mr);
    printf("  lockstep, full observe   %7.2f us/trace  %8.0f exec/s   "
           "raw/lockstep %.2f\n",
           ml * 1e6, 1 / ml, mr / ml);
    printf("  lockstep, results only   %7.2f us/trace  %8.0f exec/s   "
           "raw/lockstep %.2f\n",
           mo * 1e6, 1 / mo, mr / mo);
  }
  for (i = 0; i < ntr; i++)
    co_trace_free(&traces[i]);
  free(traces);
  for (i = 0; i < (int)envs.n; i++)
    co_glue_stop(&envs.env[i], envs.ad[i]);
  co_exec_free(ex);
  co_exec_free(ex_res);
  return 0;
}
