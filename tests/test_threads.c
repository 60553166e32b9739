/*
 * Two executors stepping in two threads at once give the same results as
 * one after the other (issue 16, part 4: no process-global mutable state in
 * the model, the executor, the registries and the adapters).
 *
 * Each test runs two jobs, A and B: a target and a seed each, N generated
 * traces. A job records, for every trace, its verdict (kind, step, text,
 * outcomes) and a hash of every step the executor reported (model and real
 * outcome, transition) and of its ownership events. The jobs run once
 * alone, one after the other, then both at once; every record must match.
 *
 * Descriptor numbers are the process's, and the model predicts
 * lowest-free numbering from the numbers in use, so two POSIX executors
 * sharing one descriptor table would change each other's numbers: that is
 * a race of the program, not shared state of closeonce. Each job's thread
 * therefore takes a descriptor table of its own first (unshare(CLONE_FILES),
 * a copy of the process's), in the sequential runs too, and everything
 * else (memory: model, executor, adapters, libraries, registries) stays
 * shared. So the comparison is exact, numbers included.
 *
 * Two ways at once: free-running (both threads step as fast as they can,
 * truly in parallel where there are two cores), and taking turns (the
 * threads alternate step by step, a fixed interleaving: any state that
 * outlives a call and is shared shows every time). A state rewritten at
 * every call and read within it (a planted-bug switch set before each
 * call) races only in the nanoseconds between; the comparison sees that
 * sometimes, the ThreadSanitizer build of this test (CO_TSAN) always.
 *
 * The pairs put different variants of one adapter side by side (demo and a
 * planted demo bug, vfd with two windows and a planted pager bug, wio and
 * a planted wio bug): a planted variant or a pager kept in a static would
 * leak from one job into the other. The test checks that the jobs really
 * overlapped (steps of B made while A was stepping) and that the planted
 * jobs found what they plant, so it cannot pass by running nothing.
 *
 * Issue 21: a step's hash holds the calls its library made as the
 * interposer logged them (harness/ipose.h: the context is found through a
 * thread-local pointer, faults are armed in the executor's context): two
 * interposed libraries side by side each log only their own calls, and a
 * fault one job's trace arms fires only in that job.
 *
 * Built two ways: a Criterion test (test_threads), and, with
 * -DCO_THREADS_STANDALONE, a plain program running one case per process
 * (test_threads_tsan CASE: Criterion's runner does not start under
 * ThreadSanitizer).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include "closeonce/exec.h"
#include "closeonce/gen.h"
#include "closeonce/target.h"
#include "adapters/fixtures.h"
#include "adapters/racelib.h"
#include "ipose.h"

#ifdef CO_THREADS_STANDALONE
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);          \
      printf("" __VA_ARGS__);                                                  \
      printf("\n");                                                            \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)
#define CASE(name) static void name(void)
#else
#include <criterion/criterion.h>
#define CHECK(cond, ...) cr_assert(cond, "" __VA_ARGS__)
#define CASE(name) Test(threads, name)
#endif

/* A sanitizer build (ASan, ThreadSanitizer: CO_TEST_SANITIZED) runs a
 * third: it is there for the memory and ordering errors of every path,
 * which a third reaches; the plain build runs all 6000. */
#ifdef CO_TEST_SANITIZED
#define TRACES 2000
#else
#define TRACES 6000
#endif
#define MAX_OPS 24

/* What one trace gave. */
struct result {
  int kind;
  size_t step;
  int has_outcomes, client, cause;
  struct co_outcome model, real;
  char what[512];
  uint64_t steps; /* hash of every step and event */
  size_t nsteps;
};

/* Taking turns: whose step it is, and who has finished. */
struct turns {
  pthread_mutex_t m;
  pthread_cond_t c;
  int turn;
  int done[2];
};

struct job {
  const char *target;
  uint64_t seed;
  const struct co_target *t; /* resolved before the threads start */
  struct result *res;
  /* the run */
  atomic_ulong *clock; /* steps made by both jobs of a run */
  pthread_barrier_t *start;
  struct turns *turns;       /* NULL: free-running */
  int me;                    /* 0 or 1, with turns */
  unsigned long other_steps; /* steps of the other job during this one */
  unsigned long my_steps;
  unsigned long icalls; /* library calls logged (issue 21) */
  int findings;
  char err[256];
};

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0x100000001b3ull;
}

static uint64_t mix_outcome(uint64_t h, const struct co_outcome *o) {
  return mix(mix(mix(h, (uint64_t)o->ret), (uint64_t)o->err), (uint64_t)o->raw);
}

struct hook_env {
  struct result *r;
  struct job *j;
};

/* With turns: wait until it is this job's turn (or the other finished). */
static void wait_turn(struct job *j) {
  struct turns *t = j->turns;
  pthread_mutex_lock(&t->m);
  while (t->turn != j->me && !t->done[!j->me])
    pthread_cond_wait(&t->c, &t->m);
  pthread_mutex_unlock(&t->m);
}

/* Hand the turn to the other job; finished: for good. */
static void pass_turn(struct job *j, int finished) {
  struct turns *t = j->turns;
  pthread_mutex_lock(&t->m);
  t->turn = !j->me;
  t->done[j->me] |= finished;
  pthread_cond_broadcast(&t->c);
  pthread_mutex_unlock(&t->m);
}

static void on_step(void *env, const struct co_step_info *s) {
  struct hook_env *he = env;
  uint64_t h = he->r->steps;
  unsigned i;
  h = mix(h, s->step);
  h = mix_outcome(h, s->model);
  h = mix_outcome(h, s->real);
  h = mix(h, s->transition);
  h = mix(h, (uint64_t)s->call->a);
  for (i = 0; i < s->nicalls; i++) { /* the library's own calls */
    const struct co_icall *c = &s->icalls[i];
    h = mix(h, (uint64_t)c->fam << 16 | (uint64_t)c->fn << 8 | c->injected);
    h = mix(mix(h, (uint64_t)c->a), (uint64_t)c->b);
    h = mix(mix(h, (uint64_t)c->ret), (uint64_t)c->err);
  }
  h = mix(h, s->nicalls + s->icalls_lost);
  he->j->icalls += s->nicalls;
  he->r->steps = h;
  he->r->nsteps++;
  he->j->my_steps++;
  atomic_fetch_add_explicit(he->j->clock, 1, memory_order_relaxed);
  if (he->j->turns) {
    pass_turn(he->j, 0);
    wait_turn(he->j);
  }
}

static void keep(struct result *r, const struct co_exec *ex,
                 const struct co_verdict *v) {
  const struct co_event_rec *ev;
  size_t n = co_exec_events(ex, &ev), i;
  r->kind = v->kind;
  r->step = v->step;
  r->has_outcomes = v->has_outcomes;
  r->client = v->client;
  r->cause = v->cause;
  r->model = v->model;
  r->real = v->real;
  memcpy(r->what, v->what, sizeof r->what);
  for (i = 0; i < n; i++) {
    const struct co_event *e = &ev[i].ev;
    r->steps = mix(r->steps, ev[i].step);
    r->steps =
        mix(r->steps, (uint64_t)e->kind << 24 | (uint64_t)e->why << 16 |
                          (uint64_t)(uint8_t)e->actor << 8 | (uint8_t)e->owner);
    r->steps = mix(r->steps, (uint64_t)e->num);
  }
}

/* The descriptor limit is the process's, whatever thread sets it
 * (setrlimit has no per-thread form): a job's setlimit would change the
 * other job's EMFILE. The jobs' traces leave it out. */
static void drop_setlimit(struct co_trace *t) {
  size_t i, k = 0;
  for (i = 0; i < t->len; i++)
    if (t->ops[i].kind != CO_OP_SETLIMIT)
      t->ops[k++] = t->ops[i];
  t->len = k;
}

static void *run_job(void *arg) {
  struct job *j = arg;
  struct co_exec *ex;
  struct co_rng rng;
  struct co_trace tr;
  struct hook_env he = {NULL, j};
  size_t i;
  unsigned long before;
  /* a descriptor table of its own (see the top of the file) */
  if (unshare(CLONE_FILES) < 0) {
    snprintf(j->err, sizeof j->err, "unshare(CLONE_FILES) failed");
    if (j->start)
      pthread_barrier_wait(j->start);
    return NULL;
  }
  ex = co_exec_new_target(j->t, j->err, sizeof j->err);
  if (j->start)
    pthread_barrier_wait(j->start); /* both executors exist: go */
  if (!ex) {
    if (j->turns)
      pass_turn(j, 1);
    return NULL;
  }
  if (j->turns)
    wait_turn(j);
  co_exec_set_hook(ex, on_step, &he);
  co_rng_seed(&rng, j->seed);
  co_trace_init(&tr);
  before = atomic_load(j->clock);
  for (i = 0; i < TRACES; i++) {
    struct co_verdict v;
    struct result *r = &j->res[i];
    if (co_gen_trace(&rng, &j->t->ops, MAX_OPS, &tr) < 0) {
      snprintf(j->err, sizeof j->err, "out of memory");
      break;
    }
    drop_setlimit(&tr);
    memset(r, 0, sizeof *r);
    he.r = r;
    co_exec_run(ex, &tr, &v);
    keep(r, ex, &v);
    j->findings += v.kind != CO_V_OK;
  }
  /* everything the clock counted that this job did not */
  j->other_steps = atomic_load(j->clock) - before - j->my_steps;
  if (j->turns)
    pass_turn(j, 1);
  co_trace_free(&tr);
  co_exec_free(ex);
  return NULL;
}

static void start_job(pthread_t *th, struct job *j, atomic_ulong *clock,
                      pthread_barrier_t *start, struct turns *turns,
                      struct result *res) {
  j->clock = clock;
  j->start = start;
  j->turns = turns;
  j->res = res;
  j->other_steps = j->my_steps = j->icalls = 0;
  j->findings = 0;
  j->err[0] = 0;
  CHECK(pthread_create(th, NULL, run_job, j) == 0);
}

static void joined(struct job *j, pthread_t th) {
  CHECK(pthread_join(th, NULL) == 0);
  CHECK(j->err[0] == 0, "%s (seed %llu): %s", j->target,
        (unsigned long long)j->seed, j->err);
}

static void same(const struct job *j, const struct result *seq,
                 const struct result *conc) {
  size_t i;
  for (i = 0; i < TRACES; i++) {
    const struct result *a = &seq[i], *b = &conc[i];
    int eq =
        a->kind == b->kind && a->step == b->step &&
        a->has_outcomes == b->has_outcomes && a->client == b->client &&
        a->cause == b->cause && a->steps == b->steps &&
        a->nsteps == b->nsteps && !strcmp(a->what, b->what) &&
        (!a->has_outcomes || (!memcmp(&a->model, &b->model, sizeof a->model) &&
                              !memcmp(&a->real, &b->real, sizeof a->real)));
    CHECK(eq,
          "%s (seed %llu), trace %zu: alone %s at step %zu (%s), %zu "
          "steps; beside another executor %s at step %zu (%s), %zu steps",
          j->target, (unsigned long long)j->seed, i, co_verdict_name(a->kind),
          a->step, a->what, a->nsteps, co_verdict_name(b->kind), b->step,
          b->what, b->nsteps);
  }
}

static unsigned long least(unsigned long x, unsigned long y) {
  return x < y ? x : y;
}

/* Run A and B at once (with turns or free-running) into ca, cb; check that
 * they overlapped and gave what they gave alone (ra, rb). */
static void at_once(struct job *a, struct job *b, struct turns *turns,
                    const struct result *ra, const struct result *rb,
                    struct result *ca, struct result *cb) {
  atomic_ulong clock = 0;
  pthread_barrier_t start;
  pthread_t tha, thb;
  CHECK(pthread_barrier_init(&start, NULL, 2) == 0);
  start_job(&tha, a, &clock, &start, turns, ca);
  start_job(&thb, b, &clock, &start, turns, cb);
  joined(a, tha);
  joined(b, thb);
  pthread_barrier_destroy(&start);
  /* They stepped at the same time: taking turns, every step of one lies
   * between two of the other's; free-running, how much they overlap is the
   * scheduler's (a loaded machine may run one thread for a long while),
   * but not at all would be no test. */
  CHECK(turns ? least(a->other_steps, b->other_steps) + 1 >=
                    least(a->my_steps, b->my_steps)
              : a->other_steps + b->other_steps > 0,
        "the jobs hardly overlapped: %s %lu steps, %lu of %s's among "
        "them; %s %lu, %lu",
        a->target, a->my_steps, a->other_steps, b->target, b->target,
        b->my_steps, b->other_steps);
  same(a, ra, ca);
  same(b, rb, cb);
  printf("%s seed %llu: %d traces, %lu steps, %d findings; %s seed %llu: "
         "%lu steps, %d findings; at once (%s): %lu and %lu steps of the "
         "other during each; every verdict and step as alone\n",
         a->target, (unsigned long long)a->seed, TRACES, a->my_steps,
         a->findings, b->target, (unsigned long long)b->seed, b->my_steps,
         b->findings, turns ? "taking turns" : "free-running", a->other_steps,
         b->other_steps);
}

/* Run A and B alone, then together both ways; compare. planted_a/b: the
 * job's target plants a bug its traces must find (PLANTED), its library's
 * own calls are logged (LOGGED). */
#define PLANTED 1
#define LOGGED 2
static void pair(const char *ta, uint64_t sa, int planted_a, const char *tb,
                 uint64_t sb, int planted_b) {
  struct job a = {.target = ta, .seed = sa, .me = 0};
  struct job b = {.target = tb, .seed = sb, .me = 1};
  struct result *ra = calloc(TRACES, sizeof *ra),
                *rb = calloc(TRACES, sizeof *rb);
  struct result *ca = calloc(TRACES, sizeof *ca),
                *cb = calloc(TRACES, sizeof *cb);
  struct turns turns = {
      PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0, 0}};
  atomic_ulong clock = 0;
  pthread_t th;
  CHECK(ra && rb && ca && cb);
  /* Target lookup prepares the target table: done here, before threads. */
  CHECK((a.t = co_target_find(ta)) != NULL, "no target %s", ta);
  CHECK((b.t = co_target_find(tb)) != NULL, "no target %s", tb);

  start_job(&th, &a, &clock, NULL, NULL, ra);
  joined(&a, th);
  start_job(&th, &b, &clock, NULL, NULL, rb);
  joined(&b, th);
  CHECK(a.findings ? planted_a & PLANTED : !(planted_a & PLANTED),
        "%s alone: %d findings", ta, a.findings);
  CHECK(b.findings ? planted_b & PLANTED : !(planted_b & PLANTED),
        "%s alone: %d findings", tb, b.findings);
  CHECK(!(planted_a & LOGGED) || a.icalls, "%s: no library call logged", ta);
  CHECK(!(planted_b & LOGGED) || b.icalls, "%s: no library call logged", tb);

  at_once(&a, &b, &turns, ra, rb, ca, cb);
  at_once(&a, &b, NULL, ra, rb, ca, cb);
  free(ra);
  free(rb);
  free(ca);
  free(cb);
}

CASE(posix_beside_posix) {
  pair("posix", 11, 0, "posix", 12, 0);
}

CASE(demo_beside_its_planted_bugs) {
  pair("demo", 21, 0, "demo-export-nodup", 22, 1);
  pair("demo-close-leaks", 23, 1, "demo", 24, 0);
}

CASE(vfd_windows_beside_each_other) {
  pair("vfd", 31, 0, "vfd-w3", 32, 0);
  pair("vfd-evict-lent", 33, 1, "vfd-w1", 34, 0);
}

CASE(wio_beside_its_planted_bugs) {
  pair("wio", 41, 0, "wio-borrow-closes", 42, 1);
  pair("wio-take-fail-closes", 43, 1, "wio", 44, 0);
}

CASE(layered_targets_side_by_side) {
  pair("posix-stdio", 51, 0, "zlib", 52, 0);
}

/* Two interposed libraries (zlib's libz.so, wiolib's libco_fixtures.so),
 * their traces with faults: each job's steps log only its library's calls,
 * and its faults fire only in its own steps, as alone. */
CASE(interposed_libraries_side_by_side) {
  pair("zlib", 61, LOGGED, "wio-take-fail-closes", 62, PLANTED | LOGGED);
}

/* Issue 22: racelib (harness/adapters/racelib.h), a library with a closer
 * thread of its own, in scheduled runs: generated parallel traces of 3
 * threads run clean on the library without races, and each planted
 * race's catalog trace (corpus/catalog) is found
 * at every run. The pool's threads, the closer and the executor hand the
 * baton around: under ThreadSanitizer, any access not ordered by it is a
 * report. */
#define RACE_TRACES 1500

static struct co_exec *race_exec(const char *target) {
  const struct co_target *t = co_target_find(target);
  char err[256] = "";
  struct co_exec *ex;
  CHECK(t != NULL, "no target %s", target);
  ex = co_exec_new_target(t, err, sizeof err);
  CHECK(ex != NULL, "%s: %s", target, err);
  return ex;
}

static void race_scheduled_clean(uint64_t seed) {
  struct co_exec *ex = race_exec("race");
  const struct co_target *t = co_target_find("race");
  struct co_opset set = t->ops;
  struct co_rng rng;
  struct co_trace tr;
  size_t i;
  set.threads = 3; /* the generator draws parallel traces of 3 threads */
  co_exec_set_mode(ex, CO_MODE_CONTRACT, 1);
  co_rng_seed(&rng, seed);
  co_trace_init(&tr);
  for (i = 0; i < RACE_TRACES; i++) {
    struct co_verdict v;
    CHECK(co_gen_trace(&rng, &set, MAX_OPS, &tr) == 0, "out of memory");
    drop_setlimit(&tr);
    CHECK(co_exec_run(ex, &tr, &v) == CO_V_OK,
          "race, trace %zu of seed %llu: %s at step %zu: %s", i,
          (unsigned long long)seed, co_verdict_name(v.kind), v.step, v.what);
  }
  CHECK(co_exec_handoffs(ex) > RACE_TRACES, "%llu hand-overs",
        co_exec_handoffs(ex));
  co_trace_free(&tr);
  co_exec_free(ex);
}

static void race_catalog_found(const char *target, unsigned runs) {
  char path[512], text[4096];
  struct co_parse_error pe;
  struct co_trace tr;
  struct co_exec *ex = race_exec(target);
  FILE *f;
  size_t len;
  unsigned i;
  snprintf(path, sizeof path, "%s/%s.trace", CO_CATALOG_DIR, target);
  CHECK((f = fopen(path, "r")) != NULL, "%s: cannot open", path);
  len = fread(text, 1, sizeof text, f);
  fclose(f);
  co_trace_init(&tr);
  CHECK(co_trace_parse(text, len, &tr, &pe) == 0, "%s: %s", path, pe.message);
  CHECK(co_trace_threads(&tr) >= 2, "%s: fewer than two threads", path);
  co_exec_set_mode(ex, CO_MODE_CONTRACT, 0);
  for (i = 0; i < runs; i++) {
    struct co_verdict v;
    CHECK(co_exec_run(ex, &tr, &v) != CO_V_OK, "%s, run %u of %u: no finding",
          target, i + 1, runs);
  }
  co_trace_free(&tr);
  co_exec_free(ex);
}

CASE(racelib_scheduled_runs) {
  static const char *const races[] = {"race-close-reuse", "race-tls-cache",
                                      "race-post-after-close",
                                      "race-preclose-late"};
  size_t i;
  race_scheduled_clean(91);
  for (i = 0; i < sizeof races / sizeof *races; i++)
    race_catalog_found(races[i], 100);
  printf("racelib_scheduled_runs: %d threaded traces clean, %zu races found "
         "100 times of 100\n",
         RACE_TRACES, sizeof races / sizeof *races);
}

/* racelib's entry points from four threads at once, truly racing: each
 * thread makes, writes, posts to and closes objects of its own and writes
 * to one shared object, which one of them closes while the others may be
 * inside a write on it (the closer's pre-close path: their later calls
 * fail with EBADF). Every close but the shared one's returns 0, and the
 * library leaves no descriptor open. */
#define RACE_STRESS 4
#define RACE_ROUNDS 400

struct race_stress {
  struct rl_lib *l;
  struct rl *shared;
  pthread_barrier_t *go;
  const char *dir;
  int id, bad;
  long shared_ok;
};

static void *race_stress_thread(void *arg) {
  static const char buf[64];
  struct race_stress *s = arg;
  char path[600];
  int i, shared_on = 1;
  pthread_barrier_wait(s->go);
  for (i = 0; i < RACE_ROUNDS; i++) {
    struct rl *o;
    snprintf(path, sizeof path, "%s/stress-%d-%d", s->dir, s->id, i);
    o = rl_open(s->l, path);
    unlink(path);
    if (!o) {
      s->bad++;
      continue;
    }
    s->bad += rl_write(o, buf, 7) != 7;
    s->bad += rl_post(o, buf, 9) != 9;
    if (shared_on && rl_write(s->shared, buf, 1) == 1)
      s->shared_ok++;
    else
      shared_on = 0; /* closed under it */
    if (s->id == 0 && i == RACE_ROUNDS / 2)
      rl_close(s->shared);
    s->bad += rl_close(o) != 0;
  }
  return NULL;
}

static int open_count(void) {
  int n = 0, fd;
  for (fd = 0; fd < 1024; fd++)
    n += fcntl(fd, F_GETFD) >= 0;
  return n;
}

CASE(racelib_real_races) {
  struct race_stress s[RACE_STRESS];
  pthread_t th[RACE_STRESS];
  pthread_barrier_t go;
  char dir[] = "/tmp/closeonce-racelib-XXXXXX", path[600];
  struct rl_lib *l;
  int before, i, bad = 0;
  long shared_ok = 0;
  CHECK(mkdtemp(dir) != NULL);
  before = open_count();
  CHECK((l = rl_lib_new(0)) != NULL);
  snprintf(path, sizeof path, "%s/shared", dir);
  CHECK(pthread_barrier_init(&go, NULL, RACE_STRESS) == 0);
  for (i = 0; i < RACE_STRESS; i++) {
    s[i] = (struct race_stress){l, NULL, &go, dir, i, 0, 0};
    if (i == 0)
      CHECK((s[0].shared = rl_open(l, path)) != NULL);
    s[i].shared = s[0].shared;
    CHECK(pthread_create(&th[i], NULL, race_stress_thread, &s[i]) == 0);
  }
  for (i = 0; i < RACE_STRESS; i++) {
    CHECK(pthread_join(th[i], NULL) == 0);
    bad += s[i].bad;
    shared_ok += s[i].shared_ok;
  }
  unlink(path);
  rmdir(dir);
  rl_lib_free(l);
  pthread_barrier_destroy(&go);
  CHECK(bad == 0, "%d calls failed", bad);
  CHECK(shared_ok > 0, "no write reached the shared object");
  CHECK(open_count() == before, "%d descriptors open, %d before", open_count(),
        before);
  printf("racelib_real_races: %d threads x %d objects, %ld writes to the "
         "shared object before its close; every close 0, no descriptor "
         "left\n",
         RACE_STRESS, RACE_ROUNDS, shared_ok);
}

/* Issue 22: scheduled parallel traces (harness/baton.c). The same
 * generated parallel traces run on two executors, one after the other,
 * give the same verdicts (a scheduled run replays the same), every step on
 * its thread; under ThreadSanitizer the baton's hand-overs order every
 * access of the executor, the model and the adapters, which move from
 * thread to thread with it. */
static void scheduled(const char *target, uint64_t seed, int planted) {
  const struct co_target *t = co_target_find(target);
  struct co_exec *ex[2];
  struct co_opset set;
  struct co_trace tr;
  struct co_rng rng;
  char err[256];
  int i, k, findings = 0, n = TRACES / 3;
  CHECK(t != NULL, "%s", target);
  set = t->ops;
  set.threads = 3;
  for (k = 0; k < 2; k++)
    CHECK((ex[k] = co_exec_new_target(t, err, sizeof err)) != NULL, "%s", err);
  co_trace_init(&tr);
  co_rng_seed(&rng, seed);
  for (i = 0; i < n; i++) {
    struct co_verdict v[2];
    CHECK(co_gen_trace(&rng, &set, MAX_OPS, &tr) == 0);
    for (k = 0; k < 2; k++)
      co_exec_run(ex[k], &tr, &v[k]);
    CHECK(v[0].kind != CO_V_HARNESS, "trace %d: %s", i, v[0].what);
    CHECK(v[0].kind == v[1].kind && v[0].step == v[1].step &&
              !strcmp(v[0].what, v[1].what),
          "trace %d of %s: %s at %zu, then %s at %zu", i, target, v[0].what,
          v[0].step, v[1].what, v[1].step);
    findings += v[0].kind != CO_V_OK;
  }
  CHECK(co_exec_handoffs(ex[0]) > (unsigned long long)n,
        "%llu hand-overs in %d traces", co_exec_handoffs(ex[0]), n);
  CHECK(!planted || findings > 0, "%s: no finding in %d traces", target, n);
  for (k = 0; k < 2; k++)
    co_exec_free(ex[k]);
  co_trace_free(&tr);
}

CASE(scheduled_parallel_traces) {
  scheduled("posix", 71, 0);
  scheduled("demo-export-nodup", 72, 1);
  scheduled("wio", 73, 0);
}

/* After the first executor the registry is read-only: a registration
 * fails with a message, and re-registering a built-in changes nothing. */
CASE(the_registry_is_frozen_by_the_first_executor) {
  static const struct co_entry late_entries[] = {
      {"late_close", CO_EFF_CLOSE, 0, 0, 1, NULL, "test", NULL, NULL}};
  static const struct co_contract late_contract = {
      .layer = "late", .entries = late_entries, .nentries = 1};
  struct co_adapter late = co_adapter_demo;
  char err[256];
  struct co_exec *ex;
  late.contract = &late_contract;
  CHECK(co_registry_frozen() == 0);
  ex = co_exec_new(&co_backend_posix, err, sizeof err);
  CHECK(ex != NULL, "%s", err);
  CHECK(co_registry_frozen() == 1);
  CHECK(co_adapter_register(&late, err, sizeof err) == -1);
  CHECK(strstr(err, "registry is frozen") != NULL, "%s", err);
  CHECK(co_adapter_find("late") == NULL);
  CHECK(co_entry_find("late_close", 10) == -1);
  CHECK(co_adapter_register(&co_adapter_demo, err, sizeof err) == 0, "%s", err);
  co_exec_free(ex);
}

/* Issue 22: free runs (docs/threads.md#free) race a trace's threads on
 * the backend at once; every run explained, and under ThreadSanitizer no
 * report (the slots' live values, the tickets, the records). */
CASE(free_runs_race_the_backend) {
  static const char text[] =
      "s0 = open\ns1 = dup s0\nwrite s0 20\n"
      "t1: s2 = open\nt1: write s2 5\nt1: s3 = dup s0\nt1: read s3 4\n"
      "t1: close s2\nt1: close s3\n"
      "t2: s4 = dup s1\nt2: write s4 3\nt2: s5 = open append\n"
      "t2: fstat s5\nt2: close s5\nt2: close s4\n"
      "t3: s7 = open rdonly\nt3: read s1 2\nt3: close s7\n";
  struct co_parse_error pe;
  struct co_free_stats st;
  struct co_verdict v;
  struct co_trace t;
  struct co_exec *ex;
  char err[200];
  int kind;
  ex = co_exec_new(&co_backend_posix, err, sizeof err);
  CHECK(ex != NULL, "%s", err);
  co_trace_init(&t);
  CHECK(co_trace_parse(text, sizeof text - 1, &t, &pe) == 0, "%s", pe.message);
  memset(&st, 0, sizeof st);
  co_trace_init(&st.order);
  kind = co_exec_free_run(ex, &t, 200, &v, &st);
  CHECK(kind == CO_V_OK, "%s", v.what);
  CHECK(st.explained == 200);
  co_trace_free(&st.order);
  co_trace_free(&t);
  co_exec_free(ex);
}

#ifdef CO_THREADS_STANDALONE
static const struct {
  const char *name;
  void (*fn)(void);
} cases[] = {
    {"posix_beside_posix", posix_beside_posix},
    {"demo_beside_its_planted_bugs", demo_beside_its_planted_bugs},
    {"vfd_windows_beside_each_other", vfd_windows_beside_each_other},
    {"wio_beside_its_planted_bugs", wio_beside_its_planted_bugs},
    {"layered_targets_side_by_side", layered_targets_side_by_side},
    {"interposed_libraries_side_by_side", interposed_libraries_side_by_side},
    {"the_registry_is_frozen_by_the_first_executor",
     the_registry_is_frozen_by_the_first_executor},
    {"racelib_scheduled_runs", racelib_scheduled_runs},
    {"racelib_real_races", racelib_real_races},
    {"scheduled_parallel_traces", scheduled_parallel_traces},
    {"free_runs_race_the_backend", free_runs_race_the_backend},
};

/* test_threads_tsan CASE: one case (the registry case needs a fresh
 * process); --list: their names. */
int main(int argc, char **argv) {
  size_t i;
  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    if (argc == 2 && !strcmp(argv[1], "--list"))
      printf("%s\n", cases[i].name);
    else if (argc == 2 && !strcmp(argv[1], cases[i].name)) {
      cases[i].fn();
      printf("%s: passed\n", cases[i].name);
      return 0;
    }
  if (argc == 2 && !strcmp(argv[1], "--list"))
    return 0;
  printf("usage: %s CASE | --list\n", argv[0]);
  return 2;
}
#endif
