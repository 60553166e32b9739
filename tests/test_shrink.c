/*
 * The shrinker: planted bugs shrink to short 1-minimal traces, keeping the
 * same finding (kind, party, kind of operation); shrinking is deterministic.
 */
#include <string.h>

#include "closeonce/campaign.h"
#include "closeonce/shrink.h"
#include "support.h"

static struct co_exec *exec_for(const char *target) {
  const struct co_target *t = co_target_find(target);
  char err[256];
  struct co_exec *ex = co_exec_new_target(t, err, sizeof err);
  cr_assert_not_null(ex, "%s", err);
  co_exec_set_mode(ex, t->mode, 0); /* every move runs, as replay does */
  co_exec_set_full_check(ex, 1);
  return ex;
}

static void parse(const char *text, struct co_trace *t) {
  struct co_parse_error pe;
  co_trace_init(t);
  cr_assert_eq(co_trace_parse(text, strlen(text), t, &pe), 0, "%s", pe.message);
}

/* Removing any single operation loses the finding. */
static void assert_one_minimal(struct co_exec *ex, const struct co_trace *t,
                               const struct co_verdict *v) {
  struct co_trace c;
  size_t i, k;
  co_trace_init(&c);
  for (i = 0; i < t->len && t->len > 1; i++) {
    co_trace_clear(&c);
    for (k = 0; k < t->len; k++)
      if (k != i)
        co_trace_push(&c, &t->ops[k]);
    cr_assert(!co_shrink_same(ex, &c, t, v, NULL),
              "removing op %zu keeps the finding", i);
  }
  co_trace_free(&c);
}

/* A campaign's finding for target, shrunk. */
static void planted(const char *target, int kind, size_t max_len) {
  struct co_campaign_config cfg;
  struct co_campaign_result res;
  struct co_shrink_stats st;
  struct co_exec *ex;
  char err[256];
  memset(&cfg, 0, sizeof cfg);
  cfg.target = co_target_find(target);
  cfg.seed = 3;
  cfg.runs = 20000;
  cfg.max_ops = 32;
  cr_assert_eq(co_campaign_run(&cfg, &res, err, sizeof err), 0, "%s", err);
  cr_assert_eq(res.found, 1);
  ex = exec_for(target);
  cr_assert_eq(co_shrink(ex, &res.trace, &res.verdict, &st), 0);
  /* A descriptor closed behind the caller's back can surface first as a
   * number reused earlier than the model expects. */
  cr_assert(res.verdict.kind == kind || (kind == CO_V_INVALID_HANDLE &&
                                         res.verdict.kind == CO_V_DIVERGENCE),
            "%s: %s", target, res.verdict.what);
  cr_assert_eq(res.verdict.client, 0, "became a client mistake: %s",
               res.verdict.what);
  cr_assert_leq(res.trace.len, max_len, "%s shrank only to %zu operations",
                target, res.trace.len);
  cr_assert_leq(st.after, st.before);
  assert_one_minimal(ex, &res.trace, &res.verdict);
  co_exec_free(ex);
  co_trace_free(&res.trace);
}

/* Known minima: demo_open + demo_export (2; the shrinker may keep an
 * equivalent open + demo_adopt in place of demo_open: 3), demo_open +
 * demo_detach + a use (3), demo_open + demo_close (2). */
Test(shrink, export_nodup_shrinks_to_its_minimum) {
  planted("demo-export-nodup", CO_V_OWNERSHIP, 3);
}
Test(shrink, detach_closes_shrinks_to_its_minimum) {
  planted("demo-detach-closes", CO_V_INVALID_HANDLE, 3);
}
Test(shrink, close_leaks_shrinks_to_its_minimum) {
  planted("demo-close-leaks", CO_V_LEAK, 2);
}

Test(shrink, a_padded_classic_bug_shrinks_to_its_three_operations) {
  struct co_exec *ex = exec_for("demo");
  struct co_trace t;
  struct co_verdict v;
  struct co_shrink_stats st;
  char text[] = "s3 = open rdwr\n"
                "write s3 5\n"
                "o4 = demo_open rw\n"
                "s5 = dup s3\n"
                "lseek s5 2 set\n"
                "s7 = demo_fd o4\n"
                "o2 = fdopen s3 w\n"
                "fwrite o2 9\n"
                "o6 = fdopen s7 a\n"
                "fclose o6\n"
                "close s5\n"
                "demo_close o4\n"
                "fclose o2\n";
  parse(text, &t);
  cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OWNERSHIP);
  cr_assert_eq(v.step, 8);
  cr_assert_eq(co_shrink(ex, &t, &v, &st), 0);
  cr_assert_eq(t.len, 3, "%zu operations", t.len);
  {
    char out[64];
    co_op_format(&t.ops[0], out, sizeof out);
    cr_assert_str_eq(out, "o0 = demo_open rw");
    co_op_format(&t.ops[1], out, sizeof out);
    cr_assert_str_eq(out, "s0 = demo_fd o0");
    co_op_format(&t.ops[2], out, sizeof out);
    cr_assert_str_eq(out, "o1 = fdopen s0 r");
  }
  cr_assert_eq(v.client, 1);
  assert_one_minimal(ex, &t, &v);
  co_trace_free(&t);
  co_exec_free(ex);
}

Test(shrink, is_deterministic) {
  struct co_exec *ex = exec_for("demo-close-leaks");
  struct co_trace a, b;
  struct co_verdict va, vb;
  struct co_shrink_stats sa, sb;
  const char *text = "s0 = open rdwr\no1 = demo_open rw\nwrite s0 3\n"
                     "o2 = demo_open rw\ndemo_write o2 4\ndemo_close o1\n"
                     "demo_close o2\nclose s0\n";
  parse(text, &a);
  parse(text, &b);
  co_exec_run(ex, &a, &va);
  co_exec_run(ex, &b, &vb);
  cr_assert_eq(co_shrink(ex, &a, &va, &sa), 0);
  cr_assert_eq(co_shrink(ex, &b, &vb, &sb), 0);
  cr_assert_eq(a.len, b.len);
  cr_assert(!memcmp(a.ops, b.ops, a.len * sizeof *a.ops));
  cr_assert_eq(sa.tried, sb.tried);
  co_trace_free(&a);
  co_trace_free(&b);
  co_exec_free(ex);
}

Test(shrink, a_trace_without_the_finding_is_refused) {
  struct co_exec *ex = exec_for("demo");
  struct co_trace t;
  struct co_verdict v = {0};
  struct co_shrink_stats st;
  parse("o0 = demo_open rw\ndemo_close o0\n", &t);
  v.kind = CO_V_LEAK;
  cr_assert_eq(co_shrink(ex, &t, &v, &st), -1);
  cr_assert_eq(t.len, 2);
  co_trace_free(&t);
  co_exec_free(ex);
}
