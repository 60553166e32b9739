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
 * A step the model refuses (a read of an empty pipe with a writer, without
 * O_NONBLOCK: it would block; docs/posix.md#blocking) is never issued by
 * the executor; the traces are made without such steps, so that the raw
 * run never waits. A workload draws from the calls of one kind only:
 * pipe (pipe, pipe2, read, write, dup, close, getfl, setfl, fstat),
 * socket (socketpair, shutdown and the same calls) or tcp (listen,
 * connect, accept, accept4, shutdown and the same calls; loopback,
 * docs/posix.md#tcp). The posix-tcp target draws its own calls.
 *
 * Interposition A/B (issue 21, docs/faults.md#interposing): for a target
 * with a layer whose library's own calls are seen (co_adapter.objects),
 * each round also runs the lockstep traces with those objects' tables put
 * back (co_ipose_uninstall), then patches them again: the same executor,
 * the same traces, in one run; the rounds alternate which goes first. The
 * ratio printed is traces/s patched over traces/s unpatched (1.00: free).
 * The traces have no `fail` (the raw run has no faults to inject, and a
 * fault sends the library down another path): what is measured is the
 * wrappers, the per-step log and the attribution.
 *
 * usage: bench_lockstep [traces-per-round] [rounds] [ops-per-trace]
 *                       [target] [pipe|socket|tcp]
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
#include "ipose.h"
#ifdef CO_WITH_LIBS
#include "libs.h"
#include "median.h"
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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
                    int64_t f0, int64_t limit, const struct rlimit *lim) {
  int64_t slot[CO_SLOTS];
  void *obj[CO_OBJS] = {0};
  const struct co_adapter *oad[CO_OBJS] = {0};
  size_t i;
  int k;
  for (k = 0; k < CO_SLOTS; k++)
    slot[k] = -1;
  /* "limit" names the limit as it is now (a setlimit moves it), as the
   * model resolves it: with the limit at start, a trace that lowered it
   * would open here what the model says fails, and a read could wait */
  for (i = 0; i < t->len; i++) {
    const struct co_op *op = &t->ops[i];
    struct co_call c = {op->kind, op->flags, 0, 0, op->n, -1, NULL, -1, 0};
    struct co_outcome o;
    const struct co_ref *r[2] = {&op->a, &op->b};
    int64_t *v[2] = {&c.a, &c.b};
    for (k = 0; k < 2; k++)
      *v[k] = r[k]->type == CO_REF_SLOT   ? slot[r[k]->idx]
              : r[k]->type == CO_REF_FREE ? f0 + r[k]->idx
              : r[k]->type == CO_REF_NEG  ? -1
              : r[k]->type == CO_REF_AT /* f>=B: B, all above f0 free */
                  ? (co_ref_at[r[k]->idx] > f0 ? co_ref_at[r[k]->idx] : f0)
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
    if (c.kind == CO_OP_SETLIMIT && o.err == CO_OK)
      limit = c.a;
    if (co_opdesc[op->kind].binds)
      slot[op->dst] = o.ret;
    if (co_opdesc[op->kind].binds == 2) /* a pipe's write end */
      slot[op->dst2] = o.err == CO_OK ? (int64_t)o.data : -1;
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
  /* the second party's thread ends with the trace (its own table with
   * it), as the executor ends it: its calls would otherwise go on in the
   * next traces, on what its table kept */
  if (be->version >= 5 && be->trace_end)
    be->trace_end(self);
  syscall(SYS_close_range, (unsigned)f0, ~0u, 0u);
  /* a setlimit of the trace's, undone as the executor undoes it */
  if (setrlimit(RLIMIT_NOFILE, lim) < 0)
    perror("bench: setrlimit");
}

/* The target's layers whose libraries are interposed: patched again after
 * the A/B's unpatched run. Returns how many there are, or -1. */
static int interpose(const struct co_target *tg, int install) {
  int i, n = 0;
  char err[256];
  for (i = 0; i < RAW_LAYERS && tg->layers[i]; i++) {
    const struct co_adapter *a = co_adapter_find(tg->layers[i]);
    if (!a || a->version < 7 || !a->objects || !a->objects[0])
      continue;
    n++;
    if (install &&
        co_ipose_install(a->objects, a->nofault, err, sizeof err) < 0) {
      fprintf(stderr, "bench: %s\n", err);
      return -1;
    }
  }
  return n;
}

/* This thread's CPU time: on a loaded machine the A/B's pairs are
 * compared on it (time waiting to run is not the code's). */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Lockstep over every trace: seconds a trace (wall), and CPU seconds a
 * trace into *cpu. */
static double run_lock(struct co_exec *ex, struct co_trace *traces, int ntr,
                       int check, double *cpu) {
  struct co_verdict v;
  double t0 = now(), c0 = cpu_now();
  int i;
  for (i = 0; i < ntr; i++)
    if (co_exec_run(ex, &traces[i], &v) != CO_V_OK && check) {
      fprintf(stderr, "bench: trace %d: %s: %s\n", i, co_verdict_name(v.kind),
              v.what);
      exit(1);
    }
  *cpu = (cpu_now() - c0) / ntr;
  return (now() - t0) / ntr;
}

/* The steps of a trace the model refuses (hook): never issued. */
struct refused {
  uint8_t step[CO_MAX_OPS];
};
static void note_refused(void *env, const struct co_step_info *si) {
  struct refused *r = env;
  if (si->step < CO_MAX_OPS)
    r->step[si->step] = si->real->err == CO_REFUSED;
}

/* t without the steps ex's model refuses (each one a step neither side
 * runs: dropping it changes nothing else), cut where the run stops (a
 * finding: the steps after it were not looked at), until a run refuses
 * none: the raw run must never issue what would block. */
static void drop_refused(struct co_exec *ex, struct co_trace *t) {
  struct refused r;
  struct co_verdict v;
  size_t i, k;
  int round, dropped = 1;
  for (round = 0; dropped && round < 16; round++) {
    memset(&r, 0, sizeof r);
    co_exec_set_hook(ex, note_refused, &r);
    co_exec_run(ex, t, &v);
    co_exec_set_hook(ex, NULL, NULL);
    if (v.kind != CO_V_OK && v.step < t->len)
      t->len = v.step;
    for (i = k = 0; i < t->len; i++)
      if (!r.step[i])
        t->ops[k++] = t->ops[i];
    dropped = k < t->len;
    t->len = k;
  }
}

/* The calls of a workload: pipes (docs/posix.md#pipes), socket pairs
 * (docs/posix.md#sockets). */
static const uint8_t pipe_kinds[] = {CO_OP_PIPE,  CO_OP_PIPE2, CO_OP_READ,
                                     CO_OP_WRITE, CO_OP_DUP,   CO_OP_CLOSE,
                                     CO_OP_GETFL, CO_OP_SETFL, CO_OP_FSTAT};
static const uint8_t socket_kinds[] = {
    CO_OP_SOCKETPAIR, CO_OP_READ,  CO_OP_WRITE, CO_OP_DUP,  CO_OP_CLOSE,
    CO_OP_SHUTDOWN,   CO_OP_GETFL, CO_OP_SETFL, CO_OP_FSTAT};
/* loopback TCP (docs/posix.md#tcp) */
static const uint8_t tcp_kinds[] = {
    CO_OP_LISTEN,   CO_OP_CONNECT, CO_OP_ACCEPT, CO_OP_ACCEPT4,
    CO_OP_READ,     CO_OP_WRITE,   CO_OP_DUP,    CO_OP_CLOSE,
    CO_OP_SHUTDOWN, CO_OP_GETFL,   CO_OP_SETFL,  CO_OP_FSTAT};

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Each round's times (seconds a trace): raw, lockstep (patched), results
 * only, and the A/B's unpatched run; con, coff: the A/B pair's CPU time. */
struct times {
  double raw[64], lock[64], lres[64], loff[64], con[64], coff[64];
};

static void print_results(const struct co_target *tg, const char *work, int ntr,
                          int nops, int rounds, int ipn, struct times *tm) {
  double pair[64], cpair[64];
  int r;
  /* the A/B: each round's pair's ratio, then their median (a pair ran
   * back to back, so the machine's drift between rounds cancels); before
   * the medians below sort the times */
  for (r = 0; r < rounds && ipn > 0; r++) {
    pair[r] = tm->loff[r] / tm->lock[r];
    cpair[r] = tm->coff[r] / tm->con[r];
  }
  {
    double mr = median(tm->raw, rounds), ml = median(tm->lock, rounds),
           mo = median(tm->lres, rounds);
    printf("closeonce bench, target %s%s%s: %d traces x %d ops, %d rounds, "
           "medians\n",
           tg->name, work ? ", workload " : "", work ? work : "", ntr, nops,
           rounds);
    printf("  raw system calls         %7.2f us/trace  %8.0f traces/s\n",
           mr * 1e6, 1 / mr);
    printf("  lockstep, full observe   %7.2f us/trace  %8.0f exec/s   "
           "raw/lockstep %.2f\n",
           ml * 1e6, 1 / ml, mr / ml);
    printf("  lockstep, results only   %7.2f us/trace  %8.0f exec/s   "
           "raw/lockstep %.2f\n",
           mo * 1e6, 1 / mo, mr / mo);
    if (ipn > 0) {
      double mf = median(tm->loff, rounds), mp = median(pair, rounds),
             mc = median(cpair, rounds);
      printf("  lockstep, unpatched      %7.2f us/trace  %8.0f exec/s\n",
             mf * 1e6, 1 / mf);
      printf("  interposition A/B        patched/unpatched traces/s %.3f "
             "(wall), %.3f (CPU time): costs %.1f%% (CPU time)\n",
             mp, mc, (1 / mc - 1) * 100);
    } else
      printf("  interposition: no layer of %s is interposed\n", tg->name);
  }
}

int main(int argc, char **argv) {
  int ntr = argc > 1 ? atoi(argv[1]) : 2000;
  int rounds = argc > 2 ? atoi(argv[2]) : 7;
  int nops = argc > 3 ? atoi(argv[3]) : 32;
  const char *tname = argc > 4 ? argv[4] : "posix";
  const char *work = argc > 5 ? argv[5] : NULL;
  const struct co_target *tg;
  struct co_opset gen;
  uint8_t kinds[CO_OP_COUNT];
  struct co_glue_env env = {.dirfd = -1, .dir = ""};
  struct raw_envs envs = {{0}, {{0}}, 0};
  int layered;
  struct co_trace *traces;
  struct co_exec *ex, *ex_res;
  struct co_rng rng;
  struct times tm;
  double cres;
  int ipn;
  char err[256];
  int i, r;
  int64_t f0, limit, *open_now;
  size_t nopen;
  struct rlimit rl;

#ifdef CO_WITH_LIBS
  if (co_libs_register(err, sizeof err) < 0) {
    fprintf(stderr, "bench: %s\n", err);
    return 2;
  }
#endif
  tg = co_target_find(tname);
  if (ntr < 1 || rounds < 1 || rounds > 64 || nops < 1 || !tg ||
      (work && strcmp(work, "pipe") && strcmp(work, "socket") &&
       strcmp(work, "tcp"))) {
    fprintf(stderr,
            "usage: %s [traces>=1] [rounds 1..64] [ops>=1] [target] "
            "[pipe|socket|tcp]\n",
            argv[0]);
    return 2;
  }
  gen = tg->ops;
  if (work) { /* the workload's calls, of a target that has them */
    int pipes = !strcmp(work, "pipe"), tcp = !strcmp(work, "tcp");
    gen.kinds = pipes ? pipe_kinds : tcp ? tcp_kinds : socket_kinds;
    gen.n = pipes ? sizeof pipe_kinds
            : tcp ? sizeof tcp_kinds
                  : sizeof socket_kinds;
    gen.nentries = 0;
  } else { /* without thread, as the built-in generator draws
              (harness/campaign.c gen_opset): the raw run has no second
              party, and a thread child left the backend calling into it;
              without fail (--no-faults): nothing injects in the raw run */
    size_t k, nk = 0;
    for (k = 0; k < tg->ops.n && nk < sizeof kinds; k++)
      if (tg->ops.kinds[k] != CO_OP_THREAD && tg->ops.kinds[k] != CO_OP_FAIL)
        kinds[nk++] = tg->ops.kinds[k];
    gen.kinds = kinds;
    gen.n = nk;
  }
  layered = tg->ops.nentries > 0;
  ipn = interpose(tg, 0);
  /* Start from stdio only, so that the harness holds 0..f0-1. */
  syscall(SYS_close_range, 3u, ~0u, 0u);
  ex = co_exec_new_target(tg, err, sizeof err);
  ex_res = co_exec_new_target(tg, err, sizeof err);
  if (!ex || !ex_res) {
    fprintf(stderr, "bench: %s\n", err);
    return 2;
  }
  co_exec_set_observe(ex_res, CO_OBSERVE_RESULT);
  /* The raw run's layer states before f0 is taken: their own descriptors
   * (libuv's and libevent's loops) lie below it, where the raw teardown's
   * close_range leaves them alone. */
  if (layered) {
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
  getrlimit(RLIMIT_NOFILE, &rl);

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
      /* and without what the model then refuses (a pipe read that
       * would block: the raw run would wait for ever) */
      co_exec_set_mode(ex, CO_MODE_CONTRACT, 0);
      drop_refused(ex, &traces[i]);
    }
    co_trace_free(&g);
  }
  if (layered)
    co_exec_set_mode(ex, CO_MODE_CONTRACT, 0);
  for (i = 0; i < ntr && !layered; i++) {
    co_trace_init(&traces[i]);
    while ((int)traces[i].len < nops) {
      struct co_op op;
      uint32_t bound = 0;
      size_t k;
      for (k = 0; k < traces[i].len; k++) {
        const struct co_op *p = &traces[i].ops[k];
        if (co_opdesc[p->kind].binds)
          bound |= 1u << p->dst;
        if (co_opdesc[p->kind].binds == 2)
          bound |= 1u << p->dst2;
      }
      co_gen_op(&rng, &gen, bound, &op);
      co_trace_push(&traces[i], &op);
      if ((int)traces[i].len == nops)
        drop_refused(ex, &traces[i]);
    }
  }

  for (r = 0; r < rounds; r++) {
    double t0 = now();
    for (i = 0; i < ntr; i++)
      run_raw(tg->backend, co_exec_backend_self(ex), &envs, &traces[i], f0,
              limit, &rl);
    tm.raw[r] = (now() - t0) / ntr;
    if (ipn > 0 && r % 2) { /* A/B: unpatched first in odd rounds */
      co_ipose_uninstall();
      tm.loff[r] = run_lock(ex, traces, ntr, 1, &tm.coff[r]);
      if (interpose(tg, 1) < 0)
        return 2;
    }
    tm.lock[r] = run_lock(ex, traces, ntr, 1, &tm.con[r]);
    if (ipn > 0 && !(r % 2)) {
      co_ipose_uninstall();
      tm.loff[r] = run_lock(ex, traces, ntr, 1, &tm.coff[r]);
      if (interpose(tg, 1) < 0)
        return 2;
    }
    tm.lres[r] = run_lock(ex_res, traces, ntr, 0, &cres);
  }
  print_results(tg, work, ntr, nops, rounds, ipn, &tm);
  for (i = 0; i < ntr; i++)
    co_trace_free(&traces[i]);
  free(traces);
  for (i = 0; i < (int)envs.n; i++)
    co_glue_stop(&envs.env[i], envs.ad[i]);
  co_exec_free(ex);
  co_exec_free(ex_res);
  return 0;
}
