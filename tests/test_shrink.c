/*
 * The shrinker: planted bugs shrink to short 1-minimal traces, keeping the
 * same finding (kind, party, kind of operation); shrinking is deterministic;
 * what it reports verified is what it ran (the round limit, the pair limit
 * and a confirming run that does not reproduce each show). The campaign's
 * reproducer of a finding shows it again, or says it does not.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "closeonce/campaign.h"
#include "closeonce/shrink.h"
#include "ipose.h"
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
/* named at demolib's own close (docs/faults.md#attribution): the open and
 * the detach */
Test(shrink, detach_closes_shrinks_to_its_minimum) {
  planted("demo-detach-closes", CO_V_OWNERSHIP, 2);
}
Test(shrink, close_leaks_shrinks_to_its_minimum) {
  planted("demo-close-leaks", CO_V_LEAK, 2);
}

/* The classic bug padded to 13 operations (finding at step 8). */
static const char padded[] = "s3 = open rdwr\n"
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

Test(shrink, a_padded_classic_bug_shrinks_to_its_three_operations) {
  struct co_exec *ex = exec_for("demo");
  struct co_trace t;
  struct co_verdict v;
  struct co_shrink_stats st;
  parse(padded, &t);
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

static void shrink_padded(const struct co_shrink_limits *lim,
                          struct co_exec *ex, struct co_trace *t,
                          struct co_verdict *v, struct co_shrink_stats *st) {
  parse(padded, t);
  cr_assert_eq(co_exec_run(ex, t, v), CO_V_OWNERSHIP);
  cr_assert_eq(co_shrink_limited(ex, t, v, lim, st), 0);
}

Test(shrink, the_defaults_check_singles_and_pairs) {
  struct co_exec *ex = exec_for("demo");
  static const struct co_shrink_limits lim = {CO_SHRINK_ROUNDS,
                                              CO_SHRINK_PAIRS_MAX};
  struct co_trace t;
  struct co_verdict v;
  struct co_shrink_stats st;
  char line[400];
  shrink_padded(&lim, ex, &t, &v, &st);
  cr_assert(st.confirmed && st.singles_checked && st.pairs_checked);
  cr_assert(!st.round_limit && !st.pairs_skipped);
  cr_assert_lt(st.rounds, CO_SHRINK_ROUNDS);
  cr_assert_str_eq(co_shrink_checked(&st), "pairs");
  co_shrink_describe(&st, line, sizeof line);
  cr_assert(strstr(line, "shrunk from 13 to 3 operations"), "%s", line);
  cr_assert(strstr(line, "; 1-minimal: removing any one or any two "
                         "operations loses it"),
            "%s", line);
  co_trace_free(&t);
  co_exec_free(ex);
}

/* One round is not enough for the padded trace: the shrinker stops while
 * still making progress and claims nothing about minimality. */
Test(shrink, the_round_limit_is_reported_not_1_minimal) {
  struct co_exec *ex = exec_for("demo");
  static const struct co_shrink_limits lim = {1, CO_SHRINK_PAIRS_MAX};
  struct co_trace t;
  struct co_verdict v;
  struct co_shrink_stats st;
  char line[400];
  shrink_padded(&lim, ex, &t, &v, &st);
  cr_assert_eq(st.rounds, 1);
  cr_assert(st.round_limit && st.confirmed);
  cr_assert(!st.singles_checked && !st.pairs_checked);
  cr_assert_str_eq(co_shrink_checked(&st), "unchecked");
  co_shrink_describe(&st, line, sizeof line);
  cr_assert(strstr(line,
                   "not checked for 1-minimality: stopped at the round limit "
                   "(1 round) while still shrinking"),
            "%s", line);
  cr_assert_null(strstr(line, "1-minimal:"), "%s", line);
  co_trace_free(&t);
  co_exec_free(ex);
}

/* A result longer than the pair limit is 1-minimal, and pairs were not
 * tried. */
Test(shrink, the_pair_limit_is_reported) {
  struct co_exec *ex = exec_for("demo");
  static const struct co_shrink_limits lim = {CO_SHRINK_ROUNDS, 2};
  struct co_trace t;
  struct co_verdict v;
  struct co_shrink_stats st;
  char line[400];
  shrink_padded(&lim, ex, &t, &v, &st);
  cr_assert_gt(t.len, 2);
  cr_assert(st.confirmed && st.singles_checked && st.pairs_skipped);
  cr_assert(!st.pairs_checked && !st.round_limit);
  cr_assert_str_eq(co_shrink_checked(&st), "singles");
  assert_one_minimal(ex, &t, &v);
  co_shrink_describe(&st, line, sizeof line);
  cr_assert(strstr(line, "; 1-minimal: removing any one operation loses it "
                         "(pairs not tried: longer than 2 operations)"),
            "%s", line);
  co_trace_free(&t);
  co_exec_free(ex);
}

/* Interference from outside the trace: in one chosen run only (counted
 * from 1), the hook opens again the first descriptor number a step
 * returned closed (as another thread reusing the number would). */
struct sabotage {
  uint64_t runs, at;
  int done, spare, all; /* all: every run from at on */
  int hits;
};
static void sabotage_hook(void *env, const struct co_step_info *s) {
  struct sabotage *sb = env;
  if (s->step == 0) {
    sb->runs++;
    sb->done = 0;
  }
  if ((sb->runs == sb->at || (sb->all && sb->at && sb->runs > sb->at)) &&
      !sb->done && s->real->ret >= 3 && fcntl((int)s->real->ret, F_GETFD) < 0) {
    cr_assert_geq(dup2(sb->spare, (int)s->real->ret), 0);
    sb->done = 1;
    sb->hits++;
  }
}

/* The confirming run (the last one) does not show the finding: the
 * shrinker says so and keeps the trace it was given. demolib's planted
 * detach closes the descriptor it hands over; the client's close of it
 * then fails (step 6), unless the number was opened again meanwhile. */
Test(shrink, an_unconfirmed_result_keeps_the_unshrunk_trace) {
  struct co_exec *ex;
  static const struct co_shrink_limits lim = {CO_SHRINK_ROUNDS,
                                              CO_SHRINK_PAIRS_MAX};
  static const char text[] = "s1 = open rdwr\nwrite s1 3\no2 = demo_open rw\n"
                             "s3 = dup s1\ns4 = demo_detach o2\nwrite s3 2\n"
                             "close s4\nclose s1\nclose s3\n";
  struct sabotage sb = {0, 0, 0, -1, 0, 0};
  struct co_trace t;
  struct co_verdict v;
  struct co_shrink_stats st;
  char line[400];
  int round;
  sb.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  cr_assert_geq(sb.spare, 0); /* open first: foreign to the executor */
  ex = exec_for("demo-detach-closes");
  /* the bug as seen from outside (the interposer's tables put back): it
   * shows at the caller's later use, after the steps this test needs */
  cr_assert_eq(co_ipose_uninstall(), 0);
  co_exec_set_hook(ex, sabotage_hook, &sb);
  for (round = 0; round < 2; round++) {
    /* first count the runs, then interfere with the last one */
    sb.runs = 0;
    parse(text, &t);
    cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_INVALID_HANDLE, "%s", v.what);
    cr_assert_eq(v.step, 6);
    cr_assert_eq(co_shrink_limited(ex, &t, &v, &lim, &st), 0);
    if (round == 0) {
      cr_assert(st.confirmed && st.after == 3, "%zu", st.after);
      cr_assert_eq(sb.runs, st.tried + 1); /* + the run above */
      sb.at = st.tried + 1;                /* the confirming run */
      co_trace_free(&t);
    }
  }
  co_exec_set_hook(ex, NULL, NULL);
  cr_assert_eq(sb.hits, 1, "the hook did not interfere (once)");
  cr_assert_eq(st.confirmed, 0);
  cr_assert(!st.singles_checked && !st.pairs_checked);
  cr_assert_str_eq(co_shrink_checked(&st), "unconfirmed");
  cr_assert_eq(t.len, 9, "%zu operations kept", t.len);
  cr_assert_eq(st.after, 9);
  cr_assert_eq(v.kind, CO_V_INVALID_HANDLE);
  cr_assert_eq(v.step, 6);
  co_shrink_describe(&st, line, sizeof line);
  cr_assert(strstr(line, "shrinking did not hold: the shrunk trace did not "
                         "show the finding when run again; kept the unshrunk "
                         "trace (9 operations"),
            "%s", line);
  co_trace_free(&t);
  co_exec_free(ex);
  close(sb.spare);
}

/* A campaign's culprit in contract mode (skip): the second close of s0 is
 * skipped, so the reproducer is the trace without it, run again. */
static const char culprit_text[] = "s0 = open rdwr\nclose s0\nclose s0\n"
                                   "o0 = demo_open rw\ns1 = demo_detach o0\n"
                                   "close s1\n";

static void reproducer(struct sabotage *sb, struct co_campaign_result *res,
                       struct co_verdict *v) {
  const struct co_target *tg = co_target_find("demo-detach-closes");
  struct co_exec *ex;
  struct co_trace culprit;
  char err[256];
  sb->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  cr_assert_geq(sb->spare, 0);
  cr_assert_not_null(ex = co_exec_new_target(tg, err, sizeof err), "%s", err);
  cr_assert_eq(co_ipose_uninstall(), 0);     /* seen from outside, as above */
  co_exec_set_mode(ex, CO_MODE_CONTRACT, 1); /* as the campaign runs */
  co_exec_set_full_check(ex, 1);
  co_exec_set_hook(ex, sabotage_hook, sb);
  parse(culprit_text, &culprit);
  cr_assert_eq(co_exec_run(ex, &culprit, v), CO_V_INVALID_HANDLE, "%s",
               v->what);
  cr_assert_eq(v->step, 5);
  cr_assert(co_exec_skipped(ex, 2));
  memset(res, 0, sizeof *res);
  co_trace_init(&res->trace);
  cr_assert_eq(co_campaign_reproducer(ex, &culprit, v, res), 0);
  co_exec_set_hook(ex, NULL, NULL);
  co_trace_free(&culprit);
  co_exec_free(ex);
  close(sb->spare);
}

Test(campaign, the_reproducer_drops_the_skipped_moves) {
  struct sabotage sb = {0, 0, 0, -1, 0, 0};
  struct co_campaign_result res;
  struct co_verdict v;
  reproducer(&sb, &res, &v);
  cr_assert_eq(sb.hits, 0);
  cr_assert_eq(res.trace.len, 5);
  cr_assert_eq(res.verdict.kind, CO_V_INVALID_HANDLE, "%s", res.verdict.what);
  cr_assert_eq(res.verdict.step, 4);
  co_trace_free(&res.trace);
}

/* Every replay after the campaign's run is interfered with: neither the
 * trace without the skipped moves nor the whole culprit shows the finding
 * again, and the result says so instead of reporting it as reproduced. */
Test(campaign, a_finding_that_does_not_reproduce_says_so) {
  struct sabotage sb = {0, 2, 0, -1, 1, 0};
  struct co_campaign_result res;
  struct co_verdict v;
  reproducer(&sb, &res, &v);
  cr_assert_eq(sb.hits, 2, "%d runs interfered with", sb.hits);
  cr_assert_eq(res.trace.len, 6);
  cr_assert_eq(res.verdict.kind, CO_V_HARNESS, "%s", res.verdict.what);
  cr_assert(strstr(res.verdict.what, "invalid-handle at step 5 (") ==
                res.verdict.what,
            "%s", res.verdict.what);
  cr_assert(strstr(res.verdict.what, "but its trace run again gives ok: the "
                                     "finding does not reproduce"),
            "%s", res.verdict.what);
  co_trace_free(&res.trace);
}
