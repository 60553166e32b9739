/*
 * Owner layers and contracts against the real libraries (glibc stdio and
 * demolib): each verdict kind is raised on purpose, once, at the right step;
 * a wrong contract for a correct library is caught where the library closes
 * the descriptor; contract mode never blames the client.
 */
#include <string.h>

#include "adapters/demolib.h"
#include "adapters/fixtures.h"
#include "closeonce/campaign.h"
#include "support.h"

static struct co_exec *exec_for(const char *target, int mode, int skip) {
  const struct co_target *t = co_target_find(target);
  char err[256];
  struct co_exec *ex;
  cr_assert_not_null(t, "no target %s", target);
  ex = co_exec_new_target(t, err, sizeof err);
  cr_assert_not_null(ex, "%s", err);
  co_exec_set_mode(ex, mode, skip);
  co_exec_set_full_check(ex, 1);
  return ex;
}

static size_t count_events(struct co_exec *ex, int kind) {
  const struct co_event_rec *ev;
  size_t n = co_exec_events(ex, &ev), i, c = 0;
  for (i = 0; i < n; i++)
    c += ev[i].ev.kind == kind;
  return c;
}

static const char classic[] = "o0 = demo_open rw\n"
                              "s0 = demo_fd o0\n"
                              "o1 = fdopen s0 w\n"
                              "fclose o1\n"
                              "demo_close o0\n";

Test(layers, classic_bug_is_an_ownership_violation_then_an_invalid_handle) {
  struct co_exec *ex = exec_for("demo", CO_MODE_CONTRACT, 0);
  struct rec r;
  struct co_verdict v;
  const struct co_event_rec *ev;
  cr_assert_eq(sup_run(ex, classic, &r, &v), CO_V_OWNERSHIP, "%s: %s",
               co_verdict_name(v.kind), v.what);
  cr_assert_eq(v.step, 2);
  cr_assert_eq(co_exec_events(ex, &ev), 2);
  cr_assert_eq(ev[0].step, 2);
  cr_assert_eq(ev[0].ev.kind, CO_EV_VIOLATION);
  cr_assert_eq(ev[0].ev.why, CO_WHY_ADOPT);
  cr_assert_eq(ev[0].ev.owner, 0); /* o0 owns what s0 borrowed */
  cr_assert_eq(ev[1].step, 4);
  cr_assert_eq(ev[1].ev.kind, CO_EV_INVALID_HANDLE);
  /* The platform really did that: fclose closed it, demo_close got EBADF. */
  cr_assert_eq(r.real[3].ret, 0);
  cr_assert_eq(r.real[4].ret, -1);
  cr_assert_eq(r.real[4].err, CO_EBADF);
  co_exec_free(ex);
}

Test(layers, classic_bug_in_conformance_mode_is_predicted_not_a_finding) {
  struct co_exec *ex = exec_for("demo", CO_MODE_CONFORMANCE, 0);
  struct rec r;
  sup_run_ok(ex, classic, &r);
  cr_assert_eq(count_events(ex, CO_EV_VIOLATION), 1);
  cr_assert_eq(count_events(ex, CO_EV_INVALID_HANDLE), 1);
  co_exec_free(ex);
}

Test(layers, the_dup_fix_runs_clean_in_contract_mode) {
  struct co_exec *ex = exec_for("demo", CO_MODE_CONTRACT, 0);
  struct rec r;
  sup_run_ok(ex,
             "o0 = demo_open rw\n"
             "s0 = demo_export o0\n"
             "o1 = fdopen s0 w\n"
             "fclose o1\n"
             "demo_close o0\n",
             &r);
  cr_assert_neq(r.real[1].ret, r.call[1].a, "export gave a new descriptor");
  cr_assert_eq(r.real[3].ret, 0);
  cr_assert_eq(r.real[4].ret, 0);
  cr_assert_eq(count_events(ex, CO_EV_VIOLATION), 0);
  co_exec_free(ex);
}

Test(layers, reverse_exercise_fileno_alone_is_reported_fileno_dup_is_clean) {
  struct co_exec *ex = exec_for("demo", CO_MODE_CONTRACT, 0);
  struct rec r;
  struct co_verdict v;
  cr_assert_eq(sup_run(ex,
                       "s0 = open rdwr\no0 = fdopen s0 w\ns1 = fileno o0\n"
                       "o1 = demo_adopt s1 rw\ndemo_close o1\nfclose o0\n",
                       &r, &v),
               CO_V_OWNERSHIP, "%s", v.what);
  cr_assert_eq(v.step, 3);
  cr_assert_eq(count_events(ex, CO_EV_INVALID_HANDLE), 1);
  sup_run_ok(ex,
             "s0 = open rdwr\no0 = fdopen s0 w\ns1 = fileno o0\ns2 = dup s1\n"
             "o1 = demo_adopt s2 rw\ndemo_close o1\nfclose o0\n",
             &r);
  co_exec_free(ex);
}

Test(layers, a_library_handing_out_its_own_descriptor_is_a_violation) {
  /* demo_export without the dup: found at the export itself. */
  struct co_exec *ex = exec_for("demo-export-nodup", CO_MODE_CONTRACT, 0);
  struct rec r;
  struct co_verdict v;
  cr_assert_eq(sup_run(ex, "o0 = demo_open rw\ns0 = demo_export o0\n", &r, &v),
               CO_V_OWNERSHIP, "%s", v.what);
  cr_assert_eq(v.step, 1);
  cr_assert(strstr(v.what, "which o0 owns") != NULL, "%s", v.what);
  co_exec_free(ex);
}

Test(layers, a_descriptor_closed_behind_the_callers_back_is_invalid_handle) {
  struct co_exec *ex = exec_for("demo-detach-closes", CO_MODE_CONTRACT, 0);
  struct rec r;
  struct co_verdict v;
  cr_assert_eq(sup_run(ex,
                       "o0 = demo_open rw\ns0 = demo_detach o0\n"
                       "write s0 3\nclose s0\n",
                       &r, &v),
               CO_V_INVALID_HANDLE, "%s", v.what);
  cr_assert_eq(v.step, 2);
  co_exec_free(ex);
}

Test(layers, a_close_that_forgets_the_descriptor_is_a_leak_at_that_step) {
  struct co_exec *ex = exec_for("demo-close-leaks", CO_MODE_CONTRACT, 0);
  struct rec r;
  struct co_verdict v;
  cr_assert_eq(sup_run(ex,
                       "o0 = demo_open rw\ndemo_write o0 2\n"
                       "demo_close o0\n",
                       &r, &v),
               CO_V_LEAK, "%s", v.what);
  cr_assert_eq(v.step, 2);
  co_exec_free(ex);
}

/* demolib's real glue under a wrong contract: demo_adopt declared as
 * borrowing. demo_close then really closes a descriptor the contract leaves
 * with the client. */
static const struct co_mode rw[] = {
    {"rw", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, 0}, {NULL, 0, 0, 0, 0, 0}};
static const struct co_entry wrong_entries[] = {
    {"wrong_open", CO_EFF_OPEN, 0, CO_IO_EXACT, 1, rw, "test", NULL, NULL},
    {"wrong_adopt", CO_EFF_BORROW, CO_CHK_VALID, CO_IO_EXACT, 1, rw,
     "test: wrong on purpose, demo_adopt takes ownership", NULL, NULL},
    {"wrong_fd", CO_EFF_LEND, 0, CO_IO_EXACT, 1, NULL, "test", NULL, NULL},
    {"wrong_export", CO_EFF_DUP, 0, CO_IO_EXACT, 1, NULL, "test", NULL, NULL},
    {"wrong_detach", CO_EFF_DETACH, 0, CO_IO_EXACT, 1, NULL, "test", NULL,
     NULL},
    {"wrong_write", CO_EFF_USE, 0, CO_IO_EXACT, 1, NULL, "test", NULL, NULL},
    {"wrong_close", CO_EFF_CLOSE, 0, CO_IO_EXACT, 1, NULL, "test", NULL, NULL},
};
static const struct co_contract wrong_contract = {
    .layer = "demo-wrong", .entries = wrong_entries, .nentries = 7};
static struct co_adapter wrong_adapter;
static struct co_target wrong_target = {
    "demo-wrong",         "test", &co_backend_posix, NULL, 0,
    {"demo-wrong", NULL}, 0,      CO_MODE_CONTRACT,  {0},  {0}};
static const uint8_t wrong_ops[] = {CO_OP_OPEN, CO_OP_CLOSE, CO_OP_WRITE};

Test(layers, a_wrong_contract_is_caught_where_the_library_closes) {
  char err[200];
  struct co_exec *ex;
  struct rec r;
  struct co_verdict v;
  wrong_adapter = co_adapter_demo;
  wrong_adapter.contract = &wrong_contract;
  cr_assert_eq(co_adapter_register(&wrong_adapter, err, sizeof err), 0, "%s",
               err);
  wrong_target.kinds = wrong_ops;
  wrong_target.nkinds = sizeof wrong_ops;
  cr_assert_eq(co_target_register(&wrong_target, err, sizeof err), 0, "%s",
               err);
  ex = exec_for("demo-wrong", CO_MODE_CONTRACT, 0);
  cr_assert_eq(sup_run(ex,
                       "s0 = open rdwr\no0 = wrong_adopt s0 rw\n"
                       "wrong_write o0 3\nwrong_close o0\nwrite s0 1\n"
                       "close s0\n",
                       &r, &v),
               CO_V_DIVERGENCE, "%s: %s", co_verdict_name(v.kind), v.what);
  cr_assert_eq(v.step, 3, "at step %zu: %s", v.step, v.what);
  cr_assert(strstr(v.what, "is closed but the model has it open") != NULL, "%s",
            v.what);
  co_exec_free(ex);
}

Test(layers, registering_a_malformed_adapter_says_why) {
  static const struct co_entry no_close[] = {
      {"nc_fd", CO_EFF_LEND, 0, 0, 1, NULL, "test", NULL, NULL}};
  static const struct co_contract c = {
      .layer = "no-close", .entries = no_close, .nentries = 1};
  struct co_adapter a = co_adapter_demo;
  char err[200];
  a.contract = &c;
  cr_assert_eq(co_adapter_register(&a, err, sizeof err), -1);
  cr_assert(strstr(err, "no CLOSE entry") != NULL, "%s", err);
}

/* The issue's own example: zlib's gzdopen declared as borrowing. gzclose
 * really closes the descriptor, at that step. */
/* Same order as the real glue's mode table: the mode index is shared. */
static const struct co_mode gz_w[] = {{"r", 1, CO_NEED_READ, 0, 0, 0},
                                      {"w", 1, CO_NEED_WRITE, 0, 0, 0},
                                      {NULL, 0, 0, 0, 0, 0}};
static const struct co_entry gz_wrong_entries[] = {
    {"wgzdopen", CO_EFF_BORROW, 0, CO_IO_OPAQUE, 0, gz_w,
     "test: wrong on purpose, gzdopen takes ownership", NULL, NULL},
    {"wgzwrite", CO_EFF_USE, 0, CO_IO_OPAQUE | CO_IO_STICKY, 0, NULL, "test",
     NULL, NULL},
    {"wgzclose", CO_EFF_CLOSE, 0, CO_IO_OPAQUE, 0, NULL, "test", NULL, NULL},
    {"wgzdopen", CO_EFF_BORROW, 0, CO_IO_OPAQUE, 0, gz_w,
     "test: wrong on purpose, gzdopen takes ownership", NULL, NULL},
    {"wgzwrite", CO_EFF_USE, 0, CO_IO_OPAQUE | CO_IO_STICKY, 0, NULL, "test",
     NULL, NULL},
    {"wgzclose", CO_EFF_CLOSE, 0, CO_IO_OPAQUE, 0, NULL, "test", NULL, NULL},
};
static const struct co_contract gz_wrong_contract = {
    .layer = "zlib-wrong", .entries = gz_wrong_entries, .nentries = 3};
static struct co_adapter gz_wrong_adapter;
static struct co_target gz_wrong_target = {"zlib-wrong",
                                           "test",
                                           &co_backend_posix,
                                           wrong_ops,
                                           sizeof wrong_ops,
                                           {"zlib-wrong", NULL},
                                           0,
                                           CO_MODE_CONTRACT,
                                           {0},
                                           {0}};

Test(layers, gzdopen_declared_as_borrowing_diverges_at_gzclose) {
  char err[200];
  struct co_exec *ex;
  struct rec r;
  struct co_verdict v;
  gz_wrong_adapter = co_adapter_zlib;
  gz_wrong_adapter.contract = &gz_wrong_contract;
  cr_assert_eq(co_adapter_register(&gz_wrong_adapter, err, sizeof err), 0, "%s",
               err);
  cr_assert_eq(co_target_register(&gz_wrong_target, err, sizeof err), 0, "%s",
               err);
  ex = exec_for("zlib-wrong", CO_MODE_CONTRACT, 0);
  cr_assert_eq(sup_run(ex,
                       "s0 = open wronly\no0 = wgzdopen s0 w\n"
                       "wgzwrite o0 7\nwgzclose o0\nwrite s0 1\nclose s0\n",
                       &r, &v),
               CO_V_DIVERGENCE, "%s: %s", co_verdict_name(v.kind), v.what);
  cr_assert_eq(v.step, 3, "at step %zu: %s", v.step, v.what);
  co_exec_free(ex);
}

Test(layers, the_right_zlib_contract_runs_the_same_trace_clean) {
  struct co_exec *ex = exec_for("zlib", CO_MODE_CONTRACT, 0);
  struct rec r;
  sup_run_ok(ex,
             "s0 = open wronly\no0 = gzdopen s0 w\ngzwrite o0 7\n"
             "gzclose o0\n",
             &r);
  co_exec_free(ex);
}

static void contract_campaign(const char *target, uint64_t runs) {
  struct co_campaign_config cfg;
  struct co_campaign_result res;
  char err[256];
  memset(&cfg, 0, sizeof cfg);
  cfg.target = co_target_find(target);
  cfg.seed = 77;
  cfg.runs = runs;
  cfg.max_ops = 32;
  cr_assert_eq(co_campaign_run(&cfg, &res, err, sizeof err), 0, "%s", err);
  cr_assert_eq(res.found, 0, "%s: %s at step %zu: %s", target,
               co_verdict_name(res.verdict.kind), res.verdict.step,
               res.verdict.what);
  cr_assert_eq(res.mode, CO_MODE_CONTRACT);
  cr_assert_eq(res.status.events, 0, "a well-behaved client raised events");
  cr_assert_gt(res.status.skipped, 0);
  co_trace_free(&res.trace);
}

Test(layers, contract_mode_never_blames_the_client_demo, .timeout = 120) {
  contract_campaign("demo", 100000);
}

Test(layers, contract_mode_never_blames_the_client_stdio, .timeout = 120) {
  contract_campaign("posix-stdio", 100000);
}

Test(layers, contract_mode_never_blames_the_client_zlib, .timeout = 120) {
  contract_campaign("zlib", 100000);
}

Test(layers, the_planted_bugs_are_found_by_the_campaign) {
  static const char *const planted[] = {
      "demo-export-nodup", "demo-detach-closes", "demo-close-leaks"};
  static const int kinds[] = {CO_V_OWNERSHIP, CO_V_INVALID_HANDLE, CO_V_LEAK};
  size_t i;
  for (i = 0; i < 3; i++) {
    struct co_campaign_config cfg;
    struct co_campaign_result res;
    char err[256];
    memset(&cfg, 0, sizeof cfg);
    cfg.target = co_target_find(planted[i]);
    cfg.seed = 5;
    cfg.runs = 20000;
    cfg.max_ops = 32;
    cr_assert_eq(co_campaign_run(&cfg, &res, err, sizeof err), 0, "%s", err);
    cr_assert_eq(res.found, 1, "%s not found in 20000 runs", planted[i]);
    /* A descriptor closed behind the caller's back shows either at the
     * caller's next use (invalid-handle) or, first, as a number the kernel
     * hands out again earlier than the model expects (divergence). */
    cr_expect(res.verdict.kind == kinds[i] ||
                  (kinds[i] == CO_V_INVALID_HANDLE &&
                   res.verdict.kind == CO_V_DIVERGENCE),
              "%s: %s (%s)", planted[i], co_verdict_name(res.verdict.kind),
              res.verdict.what);
    co_trace_free(&res.trace);
  }
}

/* A layer the executor was not made for gets its state at its first call;
 * when the state cannot be made, the trace's verdict is a harness error
 * naming the layer, and the glue is never called without its state. */
static int failing_state(const struct co_glue_env *env, void **state, char *err,
                         size_t cap) {
  (void)env;
  (void)state;
  snprintf(err, cap, "no state today");
  return -1;
}

Test(layers, a_state_that_cannot_be_made_is_a_harness_error) {
  struct co_entry *ents;
  struct co_adapter *a =
      sup_adapter_copy(&co_adapter_stdio, "stateless", "y", &ents);
  struct co_exec *ex;
  struct co_verdict v;
  struct rec r;
  char err[160];
  a->version = CO_ADAPTER_VERSION;
  a->state_new = failing_state;
  a->state_free = NULL;
  cr_assert_eq(co_adapter_register(a, err, sizeof err), 0, "%s", err);
  ex = sup_exec();
  cr_assert_eq(sup_run(ex, "s0 = open rdwr\no0 = y_fdopen s0 w\n", &r, &v),
               CO_V_HARNESS, "%s", v.what);
  cr_assert_eq(v.step, 1);
  cr_assert(strstr(v.what, "layer stateless: no state today"), "%s", v.what);
  co_exec_free(ex);
}

/* issue 17, reproducers: an adapter's C templates are checked when it
 * registers; each error names the layer, the entry and the field. A copy of
 * stdio (fdopen adopt-on-success with modes, fileno lend, fwrite use,
 * fclose close) with one template or head changed. Version 4 adapters'
 * templates are not read. */
Test(layers, a_bad_reproducer_template_is_refused_naming_entry_and_field) {
  static const struct {
    int entry; /* index in stdio's contract; -1: the head */
    const char *c, *want;
  } cases[] = {
      {1, "$r = fileno($fd);",
       "entry t0_fileno, field c: $fd has no value in a lend entry"},
      {3, "fclose($o);", "entry t1_fclose, field c: never sets $r"},
      {0, "$r = 0;", "entry t2_fdopen, field c: never sets $o"},
      {2, "$r = $nbytes;",
       "entry t3_fwrite, field c: unknown placeholder $nbytes"},
      {2, "$r = 5; /* $ */", "entry t4_fwrite, field c: a '$' that names no"},
      {3, "$r = fclose($o) + $n;", "entry t5_fclose, field c: $n has no value"},
      {1, "$r = fileno($o) + $modeno;",
       "entry t6_fileno, field c: $modeno has no value in a lend entry "
       "without modes"},
      {-1, "#include <$o>", "adapter t7: field repro.head: $o has no value"},
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct co_entry *ents;
    char layer[8], prefix[8], err[200];
    struct co_adapter *a;
    snprintf(layer, sizeof layer, "t%zu", i);
    snprintf(prefix, sizeof prefix, "t%zu", i);
    a = sup_adapter_copy(&co_adapter_stdio, strdup(layer), strdup(prefix),
                         &ents);
    if (cases[i].entry >= 0) {
      ents[cases[i].entry].c = cases[i].c;
    } else {
      struct co_contract_c *rc = calloc(1, sizeof *rc);
      cr_assert(rc);
      rc->head = cases[i].c;
      ((struct co_contract *)a->contract)->repro = rc;
    }
    cr_assert_eq(co_adapter_register(a, err, sizeof err), -1, "case %zu", i);
    cr_assert(strstr(err, cases[i].want) != NULL, "case %zu: %s", i, err);
    cr_assert(strncmp(err, "adapter t", 9) == 0, "case %zu: %s", i, err);
    /* refused: nothing of it was registered */
    cr_assert_eq(co_adapter_find(layer), NULL);
    /* the same template in a version-4 adapter is not read */
    a->version = 4;
    cr_assert_eq(co_adapter_register(a, err, sizeof err), 0, "case %zu: %s", i,
                 err);
  }
}

Test(layers, a_dollar_sign_is_written_twice_and_a_good_template_registers) {
  struct co_entry *ents;
  struct co_adapter *a =
      sup_adapter_copy(&co_adapter_stdio, "dollar", "d", &ents);
  char err[200];
  ents[1].c = "$r = fileno($o); /* $$5 */";
  cr_assert_eq(co_adapter_register(a, err, sizeof err), 0, "%s", err);
}
