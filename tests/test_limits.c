/*
 * The descriptor limit a trace sets (setlimit), numbers at boundaries
 * (f>=B) and close_range's flags, against the real kernel: the codec
 * round-trips them, the executor applies the limit and restores it after
 * the trace whatever happened, raises it for high numbers within the hard
 * limit (or says which step the hard limit does not allow), and each rule
 * is asserted on the values the kernel returned (docs/posix.md#setlimit,
 * #boundaries, #close-range-flags). Criterion runs each test in a process
 * of its own, so a test may change its process's limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "support.h"

static struct rec r;

#define REAL_ERR(i, rawe)                                                      \
  do {                                                                         \
    cr_assert_eq(r.real[i].ret, -1, "step %d returned %lld, want -1", i,       \
                 (long long)r.real[i].ret);                                    \
    cr_assert_eq(r.real[i].raw, (rawe), "step %d: errno %d, want %d", i,       \
                 r.real[i].raw, (rawe));                                       \
  } while (0)

static rlim_t soft(void) {
  struct rlimit rl;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  return rl.rlim_cur;
}

static void set_limits(rlim_t cur, rlim_t max) {
  struct rlimit rl;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (max)
    rl.rlim_max = max;
  rl.rlim_cur = cur;
  cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0, "setrlimit: %s",
               strerror(errno));
}

static void parse(const char *text, struct co_trace *t) {
  struct co_parse_error e;
  co_trace_init(t);
  cr_assert_eq(co_trace_parse(text, strlen(text), t, &e), 0, "%d:%d: %s",
               e.line, e.col, e.message);
}

Test(limits, boundaries_setlimit_and_flags_round_trip_text_and_binary) {
  static const char text[] = "setlimit f>=1024\n"
                             "s1 = dup2 s0 f>=63\n"
                             "s2 = dupfd s0 f>=100 cloexec\n"
                             "s3 = dup3 s0 f>=8192\n"
                             "close_range f>=2047 f>=8191 cloexec unshare\n"
                             "close_range f>=64 -1 badflags\n"
                             "setlimit f>=2048\n"
                             "s4 = dup f>=1023\n";
  const struct co_target *tg = co_target_find("posix");
  struct co_trace t, back;
  uint8_t buf[64];
  size_t n;
  char *out = NULL;
  size_t len = 0;
  FILE *f;
  cr_assert_not_null(tg);
  parse(text, &t);
  cr_assert_eq(t.len, 8);
  cr_assert_eq(t.ops[0].kind, CO_OP_SETLIMIT);
  cr_assert_eq(t.ops[1].b.type, CO_REF_AT);
  cr_assert_eq(co_ref_at[t.ops[1].b.idx], 63);
  /* text: printed back exactly */
  f = open_memstream(&out, &len);
  cr_assert_eq(co_trace_print(&t, f), 0);
  fclose(f);
  cr_assert_str_eq(out, text);
  free(out);
  /* binary: the same operations back */
  n = co_trace_encode(&t, &tg->ops, buf, sizeof buf);
  cr_assert_eq(n, 4 * t.len);
  co_trace_init(&back);
  cr_assert_eq(co_trace_decode(buf, n, &tg->ops, 0, &back), 0);
  cr_assert_eq(back.len, t.len);
  cr_assert_eq(memcmp(back.ops, t.ops, t.len * sizeof *t.ops), 0);
  co_trace_free(&t);
  co_trace_free(&back);
}

Test(limits, reference_bytes_50_to_58_are_the_boundaries) {
  const struct co_target *tg = co_target_find("posix");
  struct co_trace t;
  uint8_t rec[4 * 11];
  unsigned k, dup2 = 0;
  for (k = 0; k < tg->ops.n && tg->ops.kinds[k] != CO_OP_DUP2; k++)
    ;
  dup2 = k + 1;
  for (k = 0; k < 11; k++) {
    rec[4 * k] = (uint8_t)dup2;
    rec[4 * k + 1] = 1;
    rec[4 * k + 2] = 0;
    rec[4 * k + 3] = (uint8_t)(50 + k); /* 50..58, then 59 and 60 wrap */
  }
  co_trace_init(&t);
  cr_assert_eq(co_trace_decode(rec, sizeof rec, &tg->ops, 0, &t), 0);
  cr_assert_eq(t.len, 11);
  for (k = 0; k < 9; k++) {
    cr_assert_eq(t.ops[k].b.type, CO_REF_AT, "byte %u", 50 + k);
    cr_assert_eq(t.ops[k].b.idx, k);
  }
  cr_assert_eq(t.ops[9].b.type, CO_REF_SLOT); /* 59 % 59: s0 */
  cr_assert_eq(t.ops[9].b.idx, 0);
  cr_assert_eq(t.ops[10].b.idx, 1); /* 60: s1 */
  co_trace_free(&t);
}

Test(limits, a_boundary_the_table_lacks_is_a_parse_error_naming_the_choices) {
  static const char *const bad[] = {"close f>=1000\n", "close f>=01024\n",
                                    "close f>=\n", "close f>=8192x\n"};
  unsigned k;
  for (k = 0; k < sizeof bad / sizeof *bad; k++) {
    struct co_trace t;
    struct co_parse_error e;
    co_trace_init(&t);
    cr_assert_eq(co_trace_parse(bad[k], strlen(bad[k]), &t, &e), -1, "%s",
                 bad[k]);
    cr_assert(strstr(e.message, "63 64 100 1023 1024 2047 2048 8191 8192"),
              "%s", e.message);
    cr_assert_eq(e.col, 7, "%s: col %d", bad[k], e.col);
    co_trace_free(&t);
  }
}

Test(limits, setlimit_is_emfile_einval_and_ebadf_at_the_new_limit) {
  struct co_exec *ex = sup_exec();
  rlim_t before = soft();
  sup_run_ok(ex,
             "s0 = open rdwr\n"   /* 0 */
             "setlimit f2\n"      /* 1: f0 and f1 only */
             "s1 = dup s0\n"      /* 2: f1 */
             "s2 = dup s0\n"      /* 3: EMFILE */
             "s2 = open rdwr\n"   /* 4: EMFILE */
             "s2 = dupfd s0 f0\n" /* 5: EMFILE */
             "s2 = dupfd s0 f2\n" /* 6: EINVAL */
             "s2 = dup2 s0 f2\n"  /* 7: EBADF */
             "s2 = dup3 s0 f2 \n" /* 8: EBADF */
             "setlimit -1\n"      /* 9: above the hard limit: EINVAL */
             "setlimit f3\n"      /* 10 */
             "s2 = dup s0\n",     /* 11: f2 */
             &r);
  REAL_OK(1, 0);
  /* f1: between f0 (s0) and f2 (step 6's minimum) */
  cr_assert_eq(r.real[2].err, CO_OK);
  cr_assert(r.real[2].ret > r.real[0].ret && r.real[2].ret < r.call[6].b);
  REAL_ERR(3, EMFILE);
  REAL_ERR(4, EMFILE);
  REAL_ERR(5, EMFILE);
  REAL_ERR(6, EINVAL);
  REAL_ERR(7, EBADF);
  REAL_ERR(8, EBADF);
  REAL_ERR(9, EINVAL);
  REAL_OK(11, r.call[6].b); /* f2 */
  cr_assert_eq(soft(), before, "the limit was not restored: %llu, was %llu",
               (unsigned long long)soft(), (unsigned long long)before);
  co_exec_free(ex);
}

/* A backend that gets F_GETFD wrong: the trace stops at a divergence. */
static struct co_backend liar;
static void liar_call(void *self, const struct co_call *c,
                      struct co_outcome *out) {
  co_backend_posix.call(self, c, out);
  if (c->kind == CO_OP_GETFD && out->err == CO_OK)
    out->ret ^= 1;
}

Test(limits, the_limit_is_restored_after_a_trace_that_stops_at_a_finding) {
  char err[256];
  struct co_exec *ex;
  struct co_verdict v;
  rlim_t before = soft();
  liar = co_backend_posix;
  liar.call = liar_call;
  ex = co_exec_new(&liar, err, sizeof err);
  cr_assert_not_null(ex, "%s", err);
  cr_assert_eq(sup_run(ex, "s0 = open rdwr\nsetlimit f1\ngetfd s0\n", &r, &v),
               CO_V_DIVERGENCE, "%s", v.what);
  cr_assert_eq(v.step, 2);
  cr_assert_eq(soft(), before, "the limit was not restored: %llu, was %llu",
               (unsigned long long)soft(), (unsigned long long)before);
  co_exec_free(ex);
}

Test(limits, high_numbers_raise_the_soft_limit_within_the_hard_one) {
  struct co_exec *ex;
  struct rlimit rl;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 16384)
    cr_skip_test("the hard descriptor limit %llu is below 16384",
                 (unsigned long long)rl.rlim_max);
  set_limits(1024, 0);
  ex = sup_exec();
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "s1 = dup2 s0 f>=8192\n"
             "s2 = dupfd s0 f>=8191\n"
             "s3 = dupfd s0 f>=1024\n"
             "s4 = dup2 s0 limit\n",
             &r);
  REAL_OK(1, 8192);
  REAL_OK(2, 8191);
  REAL_OK(3, 1024);
  /* the limit during the trace, as the trace's `limit` named it */
  cr_assert_eq(r.call[4].b, 16384, "the limit was %lld",
               (long long)r.call[4].b);
  REAL_ERR(4, EBADF);
  cr_assert_eq(soft(), 1024, "not restored: %llu", (unsigned long long)soft());
  co_exec_free(ex);
}

Test(limits, a_hard_limit_below_the_numbers_names_the_step) {
  struct co_exec *ex;
  struct co_trace t;
  struct co_limit_need need;
  struct co_verdict v;
  set_limits(1024, 4096);
  ex = sup_exec();
  parse("s0 = open rdwr\ns1 = dup2 s0 f>=2048\ns2 = dupfd s0 f>=8191\n"
        "s3 = dup2 s0 f>=8192\n",
        &t);
  cr_assert_eq(co_exec_fit_limit(ex, &t, &need), -1);
  cr_assert_eq(need.num, 8192);
  cr_assert_eq(need.step, 3);
  cr_assert_eq(need.hard, 4096);
  /* run anyway (the fuzz engines do): the calls above the limit fail as
   * the model predicts, and the limit is the hard one for the f>=2048 */
  cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OK, "%s", v.what);
  cr_assert_eq(soft(), 1024);
  co_trace_free(&t);
  co_exec_free(ex);
}

Test(limits, close_range_flags_unshare_cloexec_and_invalid) {
  struct co_exec *ex = sup_exec();
  sup_run_ok(ex,
             "s0 = open rdwr\n"                     /* 0 */
             "s1 = open rdwr\n"                     /* 1 */
             "close_range s1 s1 unshare cloexec\n"  /* 2 */
             "getfd s1\n"                           /* 3: 1 */
             "close_range s0 -1 badflags\n"         /* 4: EINVAL */
             "close_range s1 s0 unshare badflags\n" /* 5: EINVAL */
             "getfd s0\n"                           /* 6: open */
             "close_range s1 -1 unshare\n"          /* 7 */
             "getfd s1\n"                           /* 8: EBADF */
             "getfd s0\n"                           /* 9: 0 */
             "close_range s1 s0 unshare\n",         /* 10: EINVAL */
             &r);
  REAL_OK(2, 0);
  REAL_OK(3, 1);
  REAL_ERR(4, EINVAL);
  REAL_ERR(5, EINVAL);
  REAL_OK(6, 0);
  REAL_OK(7, 0);
  REAL_ERR(8, EBADF);
  REAL_OK(9, 0);
  REAL_ERR(10, EINVAL);
  co_exec_free(ex);
}
