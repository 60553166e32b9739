/*
 * The model's own safety, through its public API (closeonce/model.h) and
 * the executor: an operation with fields out of range, or a call that is
 * not its operation's resolution, is refused and never used as an index
 * (run under the asan build to see reads and writes); a refused call has
 * its own outcome, not an errno; an operation that raises or touches the
 * most keeps every event and observation.
 */
#include <string.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"
#include "closeonce/model.h"
#include "closeonce/target.h"
#include "support.h"

static struct co_model *m;
static const int64_t foreign[] = {0, 1, 2, 3, 4, 5};

static void setup(void) {
  m = co_model_new();
  cr_assert_not_null(m);
}
static void teardown(void) {
  co_model_free(m);
}

TestSuite(model_safety, .init = setup, .fini = teardown);

static void begin(unsigned window) {
  struct co_model_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.foreign = foreign;
  cfg.nforeign = sizeof foreign / sizeof foreign[0];
  cfg.limit = 1024;
  cfg.platform = CO_PLATFORM_POSIX;
  cfg.window = window;
  cr_assert_eq(co_model_begin(m, &cfg), 0);
}

/* Parse text; step every operation; the last one's results. */
static void run(const char *text, struct co_outcome *pred,
                struct co_aftermath *eff) {
  struct co_trace t;
  struct co_parse_error perr;
  size_t i;
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(text, strlen(text), &t, &perr), 0, "%d:%d: %s",
               perr.line, perr.col, perr.message);
  for (i = 0; i < t.len; i++) {
    struct co_call c;
    co_model_resolve(m, &t.ops[i], &c);
    co_model_step(m, &t.ops[i], &c, pred, eff);
  }
  co_trace_free(&t);
}

/* One operation from text. */
static struct co_op op_of(const char *text) {
  struct co_trace t;
  struct co_parse_error perr;
  struct co_op op;
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(text, strlen(text), &t, &perr), 0, "%s",
               perr.message);
  cr_assert_eq(t.len, 1);
  op = t.ops[0];
  co_trace_free(&t);
  return op;
}

/* Compared by name, so that the test also builds (and fails) against a
 * model whose error list has no such name. */
#define ASSERT_REFUSED(pred, eff)                                              \
  do {                                                                         \
    cr_assert_str_eq(co_err_name((pred).err), "REFUSED",                       \
                     "outcome %s, want REFUSED", co_err_name((pred).err));     \
    cr_assert_eq((pred).ret, -1);                                              \
    cr_assert((eff).refused);                                                  \
  } while (0)

Test(model_safety,
     closing_a_foreign_number_by_a_call_of_another_kind_is_refused) {
  /* The public step takes the operation and its resolved call. A call of
   * another kind than its operation (here: a close of foreign 3 under an
   * open) went past the refusal guard, which looked at the operation's
   * kind, into the close rule, which took foreign 3 for open and released
   * it: m->ofd[-1].refs--, a write before the array. */
  struct co_outcome pred;
  struct co_aftermath eff;
  struct co_op op = op_of("s1 = open rdwr\n");
  struct co_call c = {CO_OP_CLOSE, 0, 3, 0, 0, -1, NULL, -1, 0};
  struct co_fdstate st;
  begin(0);
  run("s0 = open rdwr\n", &pred, &eff); /* the description table exists */
  co_model_step(m, &op, &c, &pred, &eff);
  ASSERT_REFUSED(pred, eff);
  cr_assert(co_model_is_foreign(m, 3));
  co_model_fd(m, co_model_slot(m, 0), &st);
  cr_assert(st.live, "s0 was lost");
  cr_assert_eq(co_model_slot(m, 1), -1, "a refused step bound s1");
  /* and with its own kind, the guard refuses it too */
  op = op_of("close s1\n");
  co_model_step(m, &op, &c, &pred, &eff);
  ASSERT_REFUSED(pred, eff);
}

Test(model_safety, fields_out_of_range_are_refused_never_indexes) {
  struct co_outcome pred;
  struct co_aftermath eff;
  struct co_event ev[CO_EVENTS_MAX];
  struct co_call c;
  struct co_op op;
  begin(0);
  run("s0 = open rdwr\no0 = fdopen s0 w\n", &pred, &eff);
  cr_assert_eq(pred.err, CO_OK);
  /* an object operand far past o7 (obj[200]) */
  op = op_of("fwrite o0 5\n");
  op.obj = 200;
  co_model_resolve(m, &op, &c);
  cr_assert_eq(co_model_events(m, &op, &c, ev), 0);
  cr_assert(co_model_refuses(m, &op, &c));
  co_model_step(m, &op, &c, &pred, &eff);
  ASSERT_REFUSED(pred, eff);
  /* a new object's slot past o7, and a mode index past its modes */
  op = op_of("o1 = fdopen s0 r\n");
  op.dst = 200;
  co_model_resolve(m, &op, &c);
  co_model_step(m, &op, &c, &pred, &eff);
  ASSERT_REFUSED(pred, eff);
  op = op_of("o1 = fdopen s0 r\n");
  op.flags = 15;
  co_model_resolve(m, &op, &c);
  co_model_step(m, &op, &c, &pred, &eff);
  ASSERT_REFUSED(pred, eff);
  /* an operation kind past the list (co_opdesc[200]) */
  op = op_of("close s0\n");
  op.kind = 200;
  co_model_resolve(m, &op, &c);
  cr_assert_eq(co_model_events(m, &op, &c, ev), 0);
  co_model_step(m, &op, &c, &pred, &eff);
  ASSERT_REFUSED(pred, eff);
  /* nothing of it touched the state: o0 still writes through s0 */
  run("fwrite o0 5\nfclose o0\n", &pred, &eff);
  cr_assert_eq(pred.err, CO_OK, "%s", co_err_name(pred.err));
}

/* An executor on the posix-stdio target. */
static struct co_exec *exec_stdio(void) {
  const struct co_target *t = co_target_find("posix-stdio");
  char err[256];
  struct co_exec *ex;
  cr_assert_not_null(t);
  ex = co_exec_new_target(t, err, sizeof err);
  cr_assert_not_null(ex, "%s", err);
  return ex;
}

Test(model_safety, the_executor_never_indexes_with_an_op_out_of_range) {
  struct co_exec *ex = exec_stdio();
  struct co_verdict v;
  struct co_op op;
  cr_assert_eq(co_exec_begin(ex, &v), CO_V_OK, "%s", v.what);
  op = op_of("s0 = open rdwr\n");
  cr_assert_eq(co_exec_step(ex, &op, &v), CO_V_OK, "%s", v.what);
  op = op_of("o0 = fdopen s0 w\n");
  cr_assert_eq(co_exec_step(ex, &op, &v), CO_V_OK, "%s", v.what);
  op = op_of("fwrite o0 5\n");
  op.obj = 200; /* robj[200] */
  cr_assert_eq(co_exec_step(ex, &op, &v), CO_V_OK, "%s", v.what);
  op = op_of("close s0\n");
  op.kind = 200; /* co_opdesc[200] */
  cr_assert_eq(co_exec_step(ex, &op, &v), CO_V_OK, "%s", v.what);
  op = op_of("fclose o0\n");
  cr_assert_eq(co_exec_step(ex, &op, &v), CO_V_OK, "%s", v.what);
  cr_assert_eq(co_exec_end(ex, &v), CO_V_OK, "%s", v.what);
  co_exec_free(ex);
}

Test(model_safety, a_refused_call_is_refused_not_eperm) {
  /* fclose of an object never made is never run; its outcome used to be
   * EPERM, a real errno (a close can fail with it). */
  struct co_exec *ex = exec_stdio();
  struct co_verdict v;
  struct rec r;
  co_exec_set_mode(ex, CO_MODE_CONFORMANCE, 0);
  sup_run(ex, "fclose o0\n", &r, &v);
  cr_assert_str_eq(co_err_name(r.real[0].err), "REFUSED");
  cr_assert_str_eq(co_err_name(r.model[0].err), "REFUSED");
  cr_assert_neq(r.real[0].err, CO_EPERM);
  co_exec_free(ex);
}

Test(model_safety, close_range_keeps_an_event_for_every_owned_descriptor) {
  /* Three objects own three descriptors; one close_range closes them all:
   * three ownership violations, not the first alone. */
  struct co_outcome pred;
  struct co_aftermath eff;
  int i, seen = 0;
  begin(0);
  run("s0 = open rdwr\ns1 = open rdwr\ns2 = open rdwr\n"
      "o0 = fdopen s0 w\no1 = fdopen s1 w\no2 = fdopen s2 w\n"
      "close_range f0 -1\n",
      &pred, &eff);
  cr_assert_eq(eff.overflow, 0);
  cr_assert_eq(eff.nev, 3, "%d events, want 3", eff.nev);
  for (i = 0; i < 3; i++) {
    cr_assert_eq(eff.ev[i].why, CO_WHY_OWNED);
    cr_assert_eq(eff.ev[i].owner, i, "event %d: owner o%d", i, eff.ev[i].owner);
    seen |= 1 << eff.ev[i].owner;
  }
  cr_assert_eq(seen, 7);
}

Test(model_safety, the_most_events_of_one_operation_fit) {
  /* Every object owning two descriptors (a pager's parked one and its
   * window copy): a close_range over all of them raises CO_EVENTS_MAX
   * events, and none is lost. */
  struct co_outcome pred;
  struct co_aftermath eff;
  char text[1024];
  size_t len = 0;
  int k;
  begin(CO_OBJS);
  for (k = 0; k < CO_OBJS; k++)
    len += (size_t)snprintf(text + len, sizeof text - len,
                            "o%d = vopen rw\nvwrite o%d 1\n", k, k);
  snprintf(text + len, sizeof text - len, "close_range f0 -1\n");
  run(text, &pred, &eff);
  cr_assert_eq(eff.overflow, 0);
  cr_assert_eq(eff.nev, CO_EVENTS_MAX, "%d events, want %d", eff.nev,
               CO_EVENTS_MAX);
}

Test(model_safety, a_page_in_that_evicts_keeps_both_touches) {
  /* The most numbers one operation touches: a page-in that pages out the
   * victim (its window copy closed) and makes its own copy. */
  struct co_outcome pred;
  struct co_aftermath eff;
  int64_t w0;
  begin(1);
  run("o0 = vopen rw\no1 = vopen rw\ns0 = vget o0\nvput o0\n", &pred, &eff);
  w0 = co_model_slot(m, 0);
  cr_assert_geq(w0, 0);
  run("s1 = vget o1\n", &pred, &eff);
  cr_assert_eq(pred.err, CO_OK, "%s", co_err_name(pred.err));
  cr_assert_eq(eff.overflow, 0);
  cr_assert_eq(eff.n, 2, "%d touched, want 2", eff.n);
  cr_assert_eq(eff.num[0], w0, "the victim's window copy");
  cr_assert_eq(eff.num[1], pred.ret, "the new window copy");
}
