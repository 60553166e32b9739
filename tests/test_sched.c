/*
 * Parallel traces and scheduled runs (issue 22, docs/threads.md#scheduled):
 * both forms keep their properties with threads (round trip, total
 * decoding, all-zero the empty trace, one byte one operation), each
 * thread's operations run on a real thread of their own, one at a time in
 * trace order, a scheduled trace replays the same way every time, and the
 * shrinker keeps the schedule while it takes threads and switches away.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "closeonce/exec.h"
#include "closeonce/gen.h"
#include "closeonce/shrink.h"
#include "closeonce/target.h"
#include "support.h"

static struct co_opset threaded(const char *target, unsigned n) {
  const struct co_target *t = co_target_find(target);
  struct co_opset set;
  cr_assert(t != NULL);
  set = t->ops;
  set.threads = (uint8_t)n;
  return set;
}

static void parse_ok(const char *text, struct co_trace *t) {
  struct co_parse_error e;
  cr_assert_eq(co_trace_parse(text, strlen(text), t, &e), 0, "%d:%d: %s",
               e.line, e.col, e.message);
}

static int same_ops(const struct co_trace *a, const struct co_trace *b) {
  return a->len == b->len &&
         (!a->len || !memcmp(a->ops, b->ops, a->len * sizeof *a->ops));
}

Test(parallel, text_round_trips_with_threads) {
  static const char text[] = "s0 = open rdwr\n"
                             "t1: close s0\n"
                             "t2: s1 = open rdonly\n"
                             "t1: write s0 3\n"
                             "t4: s2 = dup s1\n";
  struct co_trace t, u;
  char *buf = NULL;
  size_t len = 0;
  FILE *f;
  co_trace_init(&t);
  co_trace_init(&u);
  parse_ok(text, &t);
  cr_assert_eq(t.len, 5);
  cr_assert_eq(t.ops[0].thr, 0);
  cr_assert_eq(t.ops[1].thr, 1);
  cr_assert_eq(t.ops[2].thr, 2);
  cr_assert_eq(t.ops[4].thr, 4);
  cr_assert_eq(co_trace_threads(&t), 4);
  f = open_memstream(&buf, &len);
  co_trace_print(&t, f);
  fclose(f);
  cr_assert_str_eq(buf, text, "printed:\n%s", buf);
  parse_ok(buf, &u);
  cr_assert(same_ops(&t, &u));
  free(buf);
  co_trace_free(&t);
  co_trace_free(&u);
}

static void parse_err(const char *text, int line, int col, const char *has) {
  struct co_trace t;
  struct co_parse_error e;
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(text, strlen(text), &t, &e), -1, "%s", text);
  cr_assert_eq(e.line, line, "%s: line %d: %s", text, e.line, e.message);
  cr_assert_eq(e.col, col, "%s: col %d: %s", text, e.col, e.message);
  cr_assert(strstr(e.message, has), "%s", e.message);
  co_trace_free(&t);
}

Test(parallel, bad_thread_text_is_an_error_at_its_place) {
  parse_err("s0 = open\nt1: close s0\nclose s0\n", 3, 1,
            "sequential prefix after a thread's");
  parse_err("t5: s0 = open\n", 1, 1, "expected a thread t1..t4");
  parse_err("t0: s0 = open\n", 1, 1, "expected a thread t1..t4");
  parse_err("t1:\n", 1, 4, "expected an operation after 't1:'");
}

Test(parallel, binary_all_zero_is_empty_and_round_trips) {
  struct co_opset set = threaded("posix", CO_THREADS);
  static uint8_t zero[5 * 64], buf[5 * 64 * 2];
  struct co_trace t, u;
  struct co_rng r;
  int i;
  co_trace_init(&t);
  co_trace_init(&u);
  cr_assert_eq(co_trace_decode(zero, sizeof zero, &set, 0, &t), 0);
  cr_assert_eq(t.len, 0);
  co_rng_seed(&r, 5);
  for (i = 0; i < 500; i++) {
    size_t n;
    cr_assert_eq(co_gen_trace(&r, &set, 40, &t), 0);
    n = co_trace_encode(&t, &set, buf, sizeof buf);
    cr_assert_eq(n, t.len * CO_REC_THREADED);
    cr_assert_eq(co_trace_decode(buf, n, &set, 0, &u), 0);
    cr_assert(same_ops(&t, &u), "trace %d", i);
    cr_assert_eq(co_trace_hash(&t), co_trace_hash(&u));
  }
  co_trace_free(&t);
  co_trace_free(&u);
}

/* Any bytes decode, into canonical form (every prefix operation first);
 * changing one byte changes at most one operation. */
Test(parallel, binary_is_total_and_one_byte_changes_one_operation) {
  struct co_opset set = threaded("posix", 3);
  uint8_t buf[5 * 32];
  struct co_trace t, u;
  struct co_rng r;
  int i;
  co_trace_init(&t);
  co_trace_init(&u);
  co_rng_seed(&r, 6);
  for (i = 0; i < 2000; i++) {
    size_t k, diff = 0, j, seen_thread = 0;
    for (k = 0; k < sizeof buf; k++)
      buf[k] = (uint8_t)co_rng_next(&r);
    for (k = 0; k < sizeof buf; k += 5)
      buf[k] |= 1; /* every record an operation: the positions line up */
    cr_assert_eq(co_trace_decode(buf, sizeof buf, &set, 0, &t), 0);
    for (j = 0; j < t.len; j++) {
      cr_assert_leq(t.ops[j].thr, 3);
      if (t.ops[j].thr)
        seen_thread = 1;
      else
        cr_assert(!seen_thread,
                  "trace %d: a prefix operation at %zu after "
                  "a thread's",
                  i, j);
    }
    k = co_rng_below(&r, sizeof buf);
    buf[k] ^= (uint8_t)(1 + co_rng_below(&r, 255));
    if (k % 5 == 0)
      buf[k] |= 1;
    cr_assert_eq(co_trace_decode(buf, sizeof buf, &set, 0, &u), 0);
    cr_assert_eq(u.len, t.len);
    for (j = 0; j < t.len; j++)
      diff += memcmp(&t.ops[j], &u.ops[j], sizeof t.ops[j]) != 0;
    /* a thread byte of 0 continues the thread before it: changing the one
     * it continues changes that operation and those continuing it */
    if (k % 5 != 4)
      cr_assert_leq(diff, 1, "trace %d: byte %zu changed %zu operations", i, k,
                    diff);
  }
  co_trace_free(&t);
  co_trace_free(&u);
}

/* What thread ran each step (the step hook runs on it). */
struct who {
  pthread_t th[64];
  size_t n;
};

static void record_thread(void *env, const struct co_step_info *s) {
  struct who *w = env;
  (void)s;
  if (w->n < 64)
    w->th[w->n++] = pthread_self();
}

static struct co_exec *ex;
static void setup(void) {
  ex = sup_exec();
}
static void teardown(void) {
  co_exec_free(ex);
}
TestSuite(scheduled, .init = setup, .fini = teardown);

Test(scheduled, each_thread_runs_on_a_real_thread_of_its_own) {
  static const char text[] = "s0 = open\n"
                             "s1 = open\n"
                             "t1: write s0 3\n"
                             "t2: write s1 4\n"
                             "t1: s2 = dup s0\n"
                             "t3: close s1\n"
                             "t2: s3 = open\n";
  struct co_trace t;
  struct co_verdict v;
  struct who w = {.n = 0};
  co_trace_init(&t);
  parse_ok(text, &t);
  co_exec_set_hook(ex, record_thread, &w);
  cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OK, "%s", v.what);
  cr_assert_eq(w.n, 7);
  cr_assert(pthread_equal(w.th[0], pthread_self()), "the prefix: the caller");
  cr_assert(pthread_equal(w.th[1], pthread_self()));
  cr_assert(!pthread_equal(w.th[2], pthread_self()), "t1: not the caller");
  cr_assert(pthread_equal(w.th[2], w.th[4]), "t1's steps: one thread");
  cr_assert(pthread_equal(w.th[3], w.th[6]), "t2's steps: one thread");
  cr_assert(!pthread_equal(w.th[2], w.th[3]), "t1 and t2: two threads");
  cr_assert(!pthread_equal(w.th[5], w.th[2]) &&
            !pthread_equal(w.th[5], w.th[3]));
  /* t1 t2 t1 t3 t2: 5 hand-overs, and the baton came back once */
  cr_assert_eq(co_exec_handoffs(ex), 5);
  co_trace_free(&t);
}

/* t2 writes through s0 after t1 closed it and t3's open took its number:
 * the model predicts it (the write lands on t3's file), and the run says
 * so the same way every time. */
Test(scheduled, a_stale_use_across_threads_replays_100_times) {
  static const char text[] = "s0 = open\n"
                             "t1: close s0\n"
                             "t3: s1 = open\n"
                             "t2: write s0 3\n"
                             "t1: close s1\n";
  struct co_trace t;
  struct co_verdict v, first;
  const struct co_event_rec *ev;
  int i;
  co_trace_init(&t);
  parse_ok(text, &t);
  for (i = 0; i < 100; i++) {
    cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OK, "run %d: %s", i, v.what);
    if (!i)
      first = v;
    cr_assert_eq(co_exec_events(ex, &ev), 1, "run %d", i);
    cr_assert_eq(ev[0].step, 3);
    if (!i) { /* which threads did what to the number */
      char line[256];
      co_event_rec_format(&ev[0], line, sizeof line);
      cr_assert(strstr(line, "t2: the client acts on descriptor") &&
                    strstr(line, "; t1 closed it at step 1, t3 reused it "
                                 "at step 2"),
                "%s", line);
    }
    cr_assert_str_eq(v.what, first.what);
  }
  co_trace_free(&t);
}

/* A child forked after a parallel trace keeps the executor's memory but
 * not its threads (the isolated and shrinking children of a campaign):
 * its own parallel trace makes threads of its own, and ends. */
Test(scheduled, a_forked_child_makes_threads_of_its_own) {
  struct co_trace t;
  struct co_verdict v;
  pid_t pid;
  int st = 0;
  co_trace_init(&t);
  parse_ok("s0 = open\nt1: s1 = dup s0\nt2: close s0\nt1: close s1\n", &t);
  cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OK, "%s", v.what);
  if ((pid = fork()) == 0) {
    alarm(20); /* a hang is a failure, not a stuck suite */
    _exit(co_exec_run(ex, &t, &v) == CO_V_OK && co_exec_run(ex, &t, &v) == 0
              ? 0
              : 1);
  }
  cr_assert_gt(pid, 0);
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
            "the child's parallel traces: status %#x", st);
  cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OK, "the parent's: %s", v.what);
  co_trace_free(&t);
}

/* close_range with CLOSE_RANGE_UNSHARE while the threads share the table
 * would give its thread a table of its own (docs/threads.md#unshare): not
 * run in a parallel trace; after one, a sequential trace's runs as the
 * model predicts (the pool's threads are gone). */
Test(scheduled, close_range_unshare_is_refused_while_threads_share) {
  struct co_trace t;
  struct co_verdict v;
  co_trace_init(&t);
  parse_ok("s0 = open\nt1: close_range s0 -1 unshare\nt2: s1 = open\n", &t);
  cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OK, "%s", v.what);
  cr_assert_eq(v.not_run, 1);
  cr_assert(strstr(v.not_run_what, "parallel trace"), "%s", v.not_run_what);
  co_trace_clear(&t);
  parse_ok("s0 = open\nclose_range s0 -1 unshare\ns1 = open\n", &t);
  cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OK, "%s", v.what);
  cr_assert_eq(v.not_run, 0);
  co_trace_free(&t);
}

/* A planted bug (demolib's demo_export hands out its own descriptor) shown
 * through three threads with switches: shrunk to fewer threads and
 * switches, and the result replays the same 100 times. */
Test(parallel, shrinking_takes_threads_and_switches) {
  const struct co_target *tg = co_target_find("demo-export-nodup");
  static const char text[] = "t1: o0 = demo_open rw\n"
                             "t2: s5 = open\n"
                             "t3: write s5 2\n"
                             "t1: s1 = demo_export o0\n"
                             "t2: close s5\n"
                             "t3: demo_close o0\n"
                             "t1: close s1\n";
  struct co_exec *e;
  struct co_trace t;
  struct co_verdict v, w;
  struct co_shrink_stats st;
  char err[256];
  int i;
  cr_assert(tg != NULL);
  cr_assert((e = co_exec_new_target(tg, err, sizeof err)) != NULL, "%s", err);
  co_exec_set_mode(e, CO_MODE_CONTRACT, 0);
  co_trace_init(&t);
  parse_ok(text, &t);
  cr_assert_neq(co_exec_run(e, &t, &v), CO_V_OK, "the planted bug shows");
  cr_assert_eq(co_shrink(e, &t, &v, &st), 0);
  cr_assert(st.confirmed);
  cr_assert_eq(st.threads_before, 3);
  cr_assert_lt(st.after, 7);
  cr_assert_leq(st.threads_after, 1, "no second thread is needed");
  cr_assert_eq(st.switches_after, 0);
  for (i = 0; i < 100; i++) {
    cr_assert_eq(co_exec_run(e, &t, &w), v.kind, "run %d", i);
    cr_assert_eq(w.step, v.step);
    cr_assert_str_eq(w.what, v.what);
  }
  co_trace_free(&t);
  co_exec_free(e);
}
