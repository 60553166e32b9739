/*
 * Free runs of parallel traces and their linearizability check (issue 22,
 * docs/threads.md#free): real free runs on the posix target that every
 * order explains; histories built by hand that no order explains, each
 * rejected with its closest order; the EBUSY rule only with an
 * overlapping allocation of the target; the node budget's "not checked";
 * the model's state digest, equal after commuting operations and
 * different after others; the scheduled reproducer of an explained run;
 * the operations a free run refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/error.h"
#include "closeonce/exec.h"
#include "closeonce/model.h"
#include "lin.h"
#include "portable.h"
#include "support.h"

static void parse(const char *text, struct co_trace *t) {
  struct co_parse_error pe;
  co_trace_init(t);
  cr_assert_eq(co_trace_parse(text, strlen(text), t, &pe), 0, "parse: %d:%d %s",
               pe.line, pe.col, pe.message);
}

/* ---- histories by hand ---- */

/* The start the histories assume: 0-2 open, so f0 is 3, f1 4, f2 5. */
static const int64_t foreign3[] = {0, 1, 2};
static const struct co_model_config cfg3 = {.foreign = foreign3,
                                            .nforeign = 3,
                                            .limit = 1024,
                                            .platform = CO_PLATFORM_POSIX};

/* What one thread operation did: its numbers, outcome and tickets. */
struct did {
  int64_t a, b, ret;
  int err;
  uint64_t data, inv, resp;
};

struct hist {
  struct co_trace t;
  struct co_lin_op ops[CO_LIN_MAX];
  struct co_lin_hist h;
};

/* text's prefix (thr 0) and its thread operations, the k-th of which did
 * d[k]. */
static void hist_of(struct hist *x, const char *text, const struct did *d) {
  size_t i, k = 0, np = 0;
  parse(text, &x->t);
  while (np < x->t.len && !x->t.ops[np].thr)
    np++;
  for (i = np; i < x->t.len; i++, k++) {
    struct co_lin_op *o = &x->ops[k];
    o->op = x->t.ops[i];
    o->step = i;
    o->a = d[k].a;
    o->b = d[k].b;
    o->out = (struct co_outcome){d[k].ret, d[k].err, 0, d[k].data, 0};
    o->inv = d[k].inv;
    o->resp = d[k].resp;
  }
  x->h = (struct co_lin_hist){&cfg3, x->t.ops, np, x->ops, k};
}

static uint64_t digest_of(const char *s) {
  return co_bytes_digest((const uint8_t *)s, strlen(s));
}

/* text's history with d checked with no budget: r's verdict. */
static int check(const char *text, const struct did *d,
                 struct co_lin_result *r) {
  struct hist *x = calloc(1, sizeof *x);
  int v;
  cr_assert_not_null(x);
  hist_of(x, text, d);
  v = co_lin_check(&x->h, 0, r);
  co_trace_free(&x->t);
  free(x);
  return v;
}

Test(free_check, a_close_seen_to_succeed_twice_is_no_order) {
  struct co_lin_result r;
  const struct did d[] = {{3, 0, 0, CO_OK, 0, 0, 3}, {3, 0, 0, CO_OK, 0, 1, 2}};
  cr_assert_eq(check("s0 = open\nt1: close s0\nt2: close s0\n", d, &r),
               CO_LIN_NONE);
  /* the closest order: one close (the one invoked first); the other then
   * succeeded where the model says EBADF */
  cr_assert_eq(r.norder, 1);
  cr_assert_eq(r.order[0], 0);
  cr_assert_eq(r.bad, 1);
  cr_assert_eq(r.why, CO_LIN_WHY_OUTCOME);
  cr_assert_eq(r.pred.err, CO_EBADF);
  /* one of them failing EBADF: explained, in either order of invocation */
  {
    const struct did e[] = {{3, 0, -1, CO_EBADF, 0, 0, 3},
                            {3, 0, 0, CO_OK, 0, 1, 2}};
    cr_assert_eq(check("s0 = open\nt1: close s0\nt2: close s0\n", e, &r),
                 CO_LIN_OK);
    cr_assert_eq(r.norder, 2);
    cr_assert_eq(r.order[0], 1, "t2's close first");
  }
}

Test(free_check, a_read_of_bytes_no_write_put_there_is_no_order) {
  struct co_lin_result r;
  const char *text = "s0 = open\nwrite s0 4\nlseek s0 0 set\n"
                     "t1: getfd s0\nt2: read s0 4\n";
  struct did d[] = {{3, 0, 0, CO_OK, 0, 0, 3}, {3, 0, 4, CO_OK, 0, 1, 2}};
  d[1].data = digest_of("wxyz");
  cr_assert_eq(check(text, d, &r), CO_LIN_NONE);
  cr_assert_eq(r.norder, 1, "closest: getfd, then the read");
  cr_assert_eq(r.order[0], 0);
  cr_assert_eq(r.bad, 1);
  cr_assert_eq(r.why, CO_LIN_WHY_OUTCOME);
  cr_assert_eq(r.pred.ret, 4);
  d[1].data = digest_of("abcd"); /* what the write put there */
  cr_assert_eq(check(text, d, &r), CO_LIN_OK);
}

Test(free_check, real_time_order_binds) {
  struct co_lin_result r;
  const char *text = "s0 = open\nt1: close s0\nt2: getfd s0\n";
  /* the close responded (ticket 1) before getfd was invoked (2): getfd
   * comes after it, and then it cannot succeed */
  struct did d[] = {{3, 0, 0, CO_OK, 0, 0, 1}, {3, 0, 0, CO_OK, 0, 2, 3}};
  cr_assert_eq(check(text, d, &r), CO_LIN_NONE);
  cr_assert_eq(r.norder, 1);
  cr_assert_eq(r.bad, 1);
  cr_assert_eq(r.pred.err, CO_EBADF);
  /* overlapping: getfd before the close explains it */
  d[0].resp = 3;
  d[1].inv = 1;
  d[1].resp = 2;
  cr_assert_eq(check(text, d, &r), CO_LIN_OK);
  cr_assert_eq(r.order[0], 1);
}

/* A thread reads a slot before its call, and a store into a slot follows
 * its call: t2 read s1 (4) after t1's open had taken 5 but before t1
 * stored it, and its dup skipped 5 (docs/threads.md#free-slots). */
Test(free_check, a_slot_read_before_another_threads_store) {
  struct co_lin_result r;
  const char *text = "s0 = open\ns1 = open\nt1: s1 = open\n"
                     "t2: s2 = dup s1\n";
  struct did d[] = {{0, 0, 5, CO_OK, 0, 0, 10}, {4, 0, 6, CO_OK, 0, 2, 3}};
  cr_assert_eq(check(text, d, &r), CO_LIN_OK);
  cr_assert(r.weak);
  cr_assert_eq(r.order[0], 0, "the open first");
  /* invoked after the open's store: it must pass 5 */
  d[1].inv = 11;
  d[1].resp = 12;
  cr_assert_eq(check(text, d, &r), CO_LIN_NONE);
  cr_assert_eq(r.why, CO_LIN_WHY_NUMBERS);
  cr_assert_eq(r.pa, 5);
}

Test(free_check, numbers_passed_must_be_the_models) {
  struct co_lin_result r;
  /* t2 passed 4 for s0, which holds 3 in every order */
  const struct did d[] = {{3, 0, 0, CO_OK, 0, 0, 3},
                          {4, 0, -1, CO_EBADF, 0, 1, 2}};
  cr_assert_eq(check("s0 = open\nt1: getfd s0\nt2: getfd s0\n", d, &r),
               CO_LIN_NONE);
  cr_assert_eq(r.why, CO_LIN_WHY_NUMBERS);
  cr_assert_eq(r.bad, 1);
  cr_assert_eq(r.pa, 3);
}

Test(free_check, ebusy_only_with_an_overlapping_allocation) {
  struct co_lin_result r;
  const char *text = "s0 = open\nt1: s1 = open\nt2: s2 = dup2 s0 f1\n";
  /* t1's open took 4 (f1) while t2's dup2 onto 4 ran: EBUSY */
  struct did d[] = {{0, 0, 4, CO_OK, 0, 0, 3}, {3, 4, -1, CO_EBUSY, 0, 1, 2}};
  cr_assert_eq(check(text, d, &r), CO_LIN_OK);
  cr_assert(r.ebusy);
  cr_assert_eq(r.order[0], 1, "the dup2 before the open");
  /* the open had responded before the dup2 began: no EBUSY */
  d[0].resp = 1;
  d[1].inv = 2;
  d[1].resp = 3;
  cr_assert_eq(check(text, d, &r), CO_LIN_NONE);
  cr_assert_eq(r.why, CO_LIN_WHY_EBUSY);
  cr_assert_eq(r.bad, 1);
  /* overlapping, but the target is not what the open took */
  {
    const struct did e[] = {{0, 0, 4, CO_OK, 0, 0, 3},
                            {3, 5, -1, CO_EBUSY, 0, 1, 2}};
    cr_assert_eq(
        check("s0 = open\nt1: s1 = open\nt2: s2 = dup2 s0 f2\n", e, &r),
        CO_LIN_NONE);
    cr_assert_eq(r.why, CO_LIN_WHY_EBUSY);
  }
  /* and EBUSY from anything else is never accepted */
  {
    const struct did e[] = {{0, 0, 4, CO_OK, 0, 0, 3},
                            {3, 0, -1, CO_EBUSY, 0, 1, 2}};
    cr_assert_eq(check("s0 = open\nt1: s1 = open\nt2: s2 = dup s0\n", e, &r),
                 CO_LIN_NONE);
    cr_assert_eq(r.why, CO_LIN_WHY_OUTCOME);
  }
}

/* The allocated-but-not-installed window of an open (Linux fs/open.c
 * do_sys_openat2: the number is taken, then the file opened, then
 * installed; docs/threads.md#free-alloc): t1's dup skipped 5, which t3's
 * open held, and then t1's read of 5 failed EBADF. No order explains it: a
 * real run of this kind is a finding (found by closeonce replay --free). */
Test(free_check, a_number_taken_but_not_installed_is_no_order) {
  struct co_lin_result r;
  const char *text = "s0 = open\ns1 = open\ns2 = open\n"
                     "t1: s3 = dup s0\nt1: read s2 4\n"
                     "t3: close s2\nt3: s2 = open\n";
  struct did d[] = {{3, 0, 6, CO_OK, 0, 3, 4},     /* t1 s3 = dup s0 */
                    {5, 0, -1, CO_EBADF, 0, 5, 6}, /* t1 read s2 4 */
                    {5, 0, 0, CO_OK, 0, 0, 1},     /* t3 close s2 */
                    {0, 0, 5, CO_OK, 0, 2, 9}};    /* t3 s2 = open */
  cr_assert_eq(check(text, d, &r), CO_LIN_NONE);
  /* the read of the new, empty file: explained (open, dup, read) */
  d[1].ret = 0;
  d[1].err = CO_OK;
  d[1].data = digest_of("");
  cr_assert_eq(check(text, d, &r), CO_LIN_OK);
}

/* T threads of K operations, all overlapping, no order explaining the
 * last: the search's cost, printed (docs/threads.md#free-limits). kind 0:
 * one descriptor's flag (few states); 1: writes of different sizes to one
 * description (a state per interleaving). */
static void race_of(struct hist *x, unsigned T, unsigned K, int kind) {
  char text[8192];
  struct did d[CO_LIN_MAX];
  size_t n = 0, t, i;
  n += (size_t)snprintf(text + n, sizeof text - n, "s0 = open\n");
  for (t = 1; t <= T; t++)
    for (i = 0; i < K; i++) {
      struct did *e = &d[(t - 1) * K + i];
      unsigned c = (unsigned)(t * 10 + i);
      int set = i % 2 == 0;
      if (kind == 0)
        n += (size_t)snprintf(text + n, sizeof text - n, "t%zu: %s\n", t,
                              set ? (t == 2 ? "setfd s0" : "setfd s0 cloexec")
                                  : "getfd s0");
      else
        n += (size_t)snprintf(text + n, sizeof text - n, "t%zu: write s0 %u\n",
                              t, c);
      *e =
          (struct did){3, 0, kind ? c : 0, CO_OK, 0, (t - 1) * K + i, 1000 + i};
      if (kind == 0 && !set)
        e->ret = t == 2 ? 0 : 1;
    }
  d[T * K - 1].ret = 5; /* neither FD_CLOEXEC's 0 or 1, nor the count */
  hist_of(x, text, d);
}

Test(free_check, limits) {
  static const unsigned shapes[][3] = {{2, 8, 0},  {3, 8, 0},  {4, 8, 0},
                                       {3, 16, 0}, {4, 16, 0}, {2, 8, 1},
                                       {3, 4, 1},  {3, 6, 1},  {3, 8, 1}};
  struct hist *x = calloc(1, sizeof *x);
  struct co_lin_result r;
  size_t k;
  cr_assert_not_null(x);
  for (k = 0; k < sizeof shapes / sizeof *shapes; k++) {
    double t0 = co__seconds(), dt;
    int got;
    race_of(x, shapes[k][0], shapes[k][1], (int)shapes[k][2]);
    got = co_lin_check(&x->h, CO_TEST_RUNS(CO_FREE_BUDGET), &r);
    dt = co__seconds() - t0;
    cr_assert(got == CO_LIN_NONE || got == CO_LIN_UNCHECKED);
    if (shapes[k][2] == 0 && shapes[k][1] * shapes[k][0] <= 48)
      cr_assert_eq(got, CO_LIN_NONE, "%ux%u: not decided", shapes[k][0],
                   shapes[k][1]);
    fprintf(stderr,
            "limits: %ux%u %s: %s, %llu nodes, %.3f ms (%.0f ns a node)\n",
            shapes[k][0], shapes[k][1], shapes[k][2] ? "writes" : "flag",
            got == CO_LIN_NONE ? "no order" : "not checked",
            (unsigned long long)r.nodes, dt * 1e3,
            r.nodes ? dt * 1e9 / (double)r.nodes : 0.0);
    co_trace_free(&x->t);
  }
  free(x);
}

Test(free_check, the_node_budget_gives_not_checked) {
  struct hist *x = calloc(1, sizeof *x);
  struct co_lin_result r;
  uint64_t all;
  cr_assert_not_null(x);
  race_of(x, 3, 8, 0); /* 3 threads of 8 on one flag, no order */
  cr_assert_eq(co_lin_check(&x->h, 0, &r), CO_LIN_NONE);
  all = r.nodes;
  cr_assert_gt(all, 50, "the search explored %llu nodes",
               (unsigned long long)all);
  cr_assert_eq(co_lin_check(&x->h, 50, &r), CO_LIN_UNCHECKED);
  cr_assert_leq(r.nodes, 50);
  cr_assert_eq(co_lin_check(&x->h, all, &r), CO_LIN_NONE);
  co_trace_free(&x->t);
  free(x);
}

/* ---- the digest ---- */

static uint64_t digest_after(const char *text) {
  struct co_model *m = co_model_new();
  struct co_trace t;
  struct co_call c;
  struct co_outcome pred;
  struct co_aftermath eff;
  uint64_t d;
  size_t i;
  cr_assert_not_null(m);
  parse(text, &t);
  cr_assert_eq(co_model_begin(m, &cfg3), 0);
  for (i = 0; i < t.len; i++) {
    co_model_resolve(m, &t.ops[i], &c);
    co_model_step(m, &t.ops[i], &c, &pred, &eff);
  }
  d = co_model_digest(m);
  co_trace_free(&t);
  co_model_free(m);
  return d;
}

Test(free_digest, commuting_orders_meet_others_differ) {
  /* after the prefix, a's operations or b's: equal digests or not */
  static const struct {
    const char *a, *b;
    int same;
  } pairs[] = {
      /* commuting: a flag of one number, bytes of another file */
      {"setfd s0 cloexec\nwrite s1 3\n", "write s1 3\nsetfd s0 cloexec\n", 1},
      /* commuting closes (generations differ in value, not in what the
       * rules compare) */
      {"close s0\nclose s1\n", "close s1\nclose s0\n", 1},
      /* a slot's number taken again: the same state, other generations */
      {"s3 = dup s0\n", "s3 = dup s0\nclose s3\ns3 = dup s0\n", 1},
      /* not commuting: a write and a seek of one description */
      {"write s0 3\nlseek s0 0 set\n", "lseek s0 0 set\nwrite s0 3\n", 0},
      /* a close and an open: the open takes the closed number or not */
      {"close s0\ns3 = open\n", "s3 = open\nclose s0\n", 0},
      /* writes of different sizes in either order: other bytes */
      {"write s0 2\nwrite s2 3\n", "write s2 3\nwrite s0 2\n", 0},
      /* a slot left stale, its number given to another slot */
      {"s3 = dup s0\n", "s3 = dup s0\nclose s3\ns4 = dup s0\n", 0},
  };
  const char *pre = "s0 = open\ns1 = open\ns2 = dup s0\n";
  size_t i;
  for (i = 0; i < sizeof pairs / sizeof *pairs; i++) {
    char a[256], b[256];
    snprintf(a, sizeof a, "%s%s", pre, pairs[i].a);
    snprintf(b, sizeof b, "%s%s", pre, pairs[i].b);
    cr_assert_eq(digest_after(a) == digest_after(b), pairs[i].same,
                 "pair %zu: `%s` and `%s`", i, pairs[i].a, pairs[i].b);
  }
}

/* m begun (cfg3) and stepped through text. */
static void run_on(struct co_model *m, const char *text, int begin) {
  struct co_trace t;
  struct co_call c;
  struct co_outcome pred;
  struct co_aftermath eff;
  size_t i;
  parse(text, &t);
  if (begin)
    cr_assert_eq(co_model_begin(m, &cfg3), 0);
  for (i = 0; i < t.len; i++) {
    co_model_resolve(m, &t.ops[i], &c);
    co_model_step(m, &t.ops[i], &c, &pred, &eff);
  }
  co_trace_free(&t);
}

/* The search's copies (co_model_copy): a copy predicts what its original
 * does, into a model that held another state before (its buffers
 * reused), and a state it cannot copy (a pipe) is refused. */
Test(free_digest, a_copy_predicts_alike) {
  static const char after[] =
      "write s0 5\nread s2 3\ns4 = dup s1\nftruncate s1 3b\n"
      "lseek s1 0 set\nread s4 20\nclose s0\ns5 = open\nfstat s5\n"
      "getfl s2\nlseek_ext s1 0 hole\n";
  struct co_model *a = co_model_new(), *b = co_model_new();
  struct co_trace t;
  size_t i;
  cr_assert(a && b);
  run_on(a,
         "s0 = open\ns1 = open\ns2 = dup s0\nwrite s0 40\n"
         "lseek s2 3 set\nlseek s1 2b+5 set\nwrite s1 200\nsetfd s2 cloexec\n",
         1);
  run_on(b,
         "s0 = open\ns1 = open\ns2 = open\ns3 = open\nwrite s3 200\n"
         "close s1\n",
         1);
  cr_assert_eq(co_model_copy(b, a), 0);
  cr_assert_eq(co_model_digest(b), co_model_digest(a));
  parse(after, &t);
  for (i = 0; i < t.len; i++) {
    struct co_call ca, cb;
    struct co_outcome pa, pb;
    struct co_aftermath ea, eb;
    co_model_resolve(a, &t.ops[i], &ca);
    co_model_resolve(b, &t.ops[i], &cb);
    cr_assert_eq(ca.a, cb.a);
    co_model_step(a, &t.ops[i], &ca, &pa, &ea);
    co_model_step(b, &t.ops[i], &cb, &pb, &eb);
    cr_assert(pa.ret == pb.ret && pa.err == pb.err && pa.data == pb.data &&
                  pa.dmask == pb.dmask,
              "step %zu", i);
    cr_assert_eq(co_model_digest(b), co_model_digest(a), "step %zu", i);
  }
  co_trace_free(&t);
  run_on(a, "s0 s1 = pipe\n", 1);
  cr_assert_eq(co_model_copy(b, a), -1);
  run_on(b, "s0 = open\n", 1); /* begun again, it works */
  cr_assert_eq(co_model_slot(b, 0), 3);
  co_model_free(a);
  co_model_free(b);
}

/* ---- real free runs ---- */

/* Three threads of eight operations that every interleaving keeps
 * linearizable: a thread names only its own slots and the prefix's s0 and
 * s1, which stay open (one description, one offset for all). */
static const char three_by_eight[] =
    "s0 = open\ns1 = dup s0\nwrite s0 20\n"
    "t1: s2 = open\nt1: write s2 5\nt1: s3 = dup s0\nt1: read s3 4\n"
    "t1: close s2\nt1: lseek s3 0 cur\nt1: close s3\nt1: getfd s0\n"
    "t2: s4 = dup s1\nt2: write s4 3\nt2: s5 = open append\n"
    "t2: s6 = dup2 s5 s4\nt2: fstat s6\nt2: close s5\nt2: close s6\n"
    "t2: lseek s0 3 set\n"
    "t3: s7 = open rdonly\nt3: fstat s7\nt3: read s1 2\n"
    "t3: s8 = dupfd s0 f>=64\nt3: setfd s8 cloexec\nt3: getfd s8\n"
    "t3: close s8\nt3: close s7\n";

SUP_EXEC_SUITE(free_run);

Test(free_run, three_threads_of_eight_are_explained) {
  struct co_trace t;
  struct co_verdict v;
  struct co_free_stats st;
  unsigned n = CO_TEST_RUNS(1000);
  int kind;
  (void)r;
  parse(three_by_eight, &t);
  memset(&st, 0, sizeof st);
  co_trace_init(&st.order);
  kind = co_exec_free_run(ex, &t, n, &v, &st);
  cr_assert_eq(kind, CO_V_OK, "%s: %s", co_verdict_name(v.kind), v.what);
  cr_assert_eq(st.runs, n);
  cr_assert_eq(st.explained, n);
  cr_assert_eq(st.unchecked, 0);
  fprintf(stderr,
          "free runs: %u of 3x8 in %.2f s (%.0f/s), %llu with operations "
          "overlapping, check %.1f%% of the time, %llu nodes (at most %llu "
          "a run)\n",
          n, st.seconds, n / st.seconds, (unsigned long long)st.overlapped,
          100 * st.check_seconds / st.seconds, (unsigned long long)st.nodes,
          (unsigned long long)st.nodes_max);
  co_trace_free(&st.order);
  co_trace_free(&t);
}

/* Threads that open the same way at once: the backend's named create
 * (an open without write access, O_CREAT | O_EXCL and unlink) and its
 * reads must be each call's own. */
Test(free_run, concurrent_named_opens_and_reads_are_the_calls_own) {
  struct co_trace t;
  struct co_verdict v;
  struct co_free_stats st;
  unsigned n = CO_TEST_RUNS(500);
  int kind;
  (void)r;
  parse("s0 = open\nwrite s0 100\n"
        "t1: s1 = open rdonly\nt1: close s1\nt1: s1 = open rdonly\n"
        "t1: close s1\nt1: read s0 9\nt1: read s0 9\n"
        "t2: s2 = open rdonly\nt2: close s2\nt2: s2 = open rdonly\n"
        "t2: close s2\nt2: read s0 7\nt2: read s0 7\n"
        "t3: s3 = open rdonly\nt3: close s3\nt3: s3 = open rdonly\n"
        "t3: close s3\nt3: read s0 5\nt3: read s0 5\n",
        &t);
  memset(&st, 0, sizeof st);
  co_trace_init(&st.order);
  kind = co_exec_free_run(ex, &t, n, &v, &st);
  cr_assert_eq(kind, CO_V_OK, "%s: %s", co_verdict_name(v.kind), v.what);
  cr_assert_eq(st.explained, n);
  co_trace_free(&st.order);
  co_trace_free(&t);
}

Test(free_run, an_explained_order_with_an_event_gives_its_reproducer) {
  struct co_trace t;
  struct co_verdict v, again;
  struct co_free_stats st;
  int kind;
  (void)r;
  co_exec_set_mode(ex, CO_MODE_CONTRACT, 0);
  parse("s0 = open\nt1: close s0\nt2: close s0\n", &t);
  memset(&st, 0, sizeof st);
  co_trace_init(&st.order);
  kind = co_exec_free_run(ex, &t, 1, &v, &st);
  cr_assert_eq(kind, CO_V_OWNERSHIP, "%s: %s", co_verdict_name(v.kind), v.what);
  cr_assert_eq(st.order_kind, CO_FREE_ORDER_REPRO);
  cr_assert_eq(st.order.len, 3);
  cr_assert_neq(st.order.ops[1].thr, st.order.ops[2].thr);
  cr_assert_eq(co_exec_run(ex, &st.order, &again), CO_V_OWNERSHIP);
  cr_assert_eq(again.step, v.step);
  co_trace_free(&st.order);
  co_trace_free(&t);
}

Test(free_run, operations_a_free_run_does_not_take_are_refused) {
  struct co_trace t;
  struct co_verdict v;
  struct co_free_stats st;
  char msg[256];
  (void)r;
  parse("s0 = open\nt1: getfd s0\nt2: close_range s0 s0\n", &t);
  memset(&st, 0, sizeof st);
  co_trace_init(&st.order);
  cr_assert_eq(co_exec_free_refuses(ex, &t, msg, sizeof msg), 2);
  cr_assert(strstr(msg, "close_range"), "%s", msg);
  cr_assert_eq(co_exec_free_run(ex, &t, 1, &v, &st), CO_FREE_REFUSED);
  cr_assert_eq(v.kind, CO_V_HARNESS);
  cr_assert_eq(st.runs, 0);
  co_trace_free(&t);
  parse("s0 = open\ngetfd s0\n", &t);
  cr_assert_eq(co_exec_free_refuses(ex, &t, msg, sizeof msg), 2);
  cr_assert(strstr(msg, "no thread"), "%s", msg);
  co_trace_free(&t);
  co_trace_free(&st.order);
}
