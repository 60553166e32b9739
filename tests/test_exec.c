/*
 * The executor catches each kind of disagreement at the step where it
 * happens. The platform is the real POSIX backend behind a fault-injecting
 * shim (SQLite test_vfs style): on the n-th call of one kind the shim does
 * something subtly wrong, exactly as a buggy platform or library would.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "closeonce/campaign.h"
#include "support.h"

enum fault {
  F_NONE,
  F_SKIP_CLOSE,    /* close returns 0 but leaves the descriptor open */
  F_EXTRA_DUP,     /* open also dups its result somewhere */
  F_FLIP_CLOEXEC,  /* setfd stores the opposite bit */
  F_UNSHARE,       /* dup opens a new file instead of sharing */
  F_OFFSET,        /* write moves the offset one byte too far */
  F_STASH,         /* an open with wronly+cloexec+append keeps a private copy
                      far above (a library stashing a descriptor) */
  F_READ_SKIP,     /* read starts one byte late (the offset after is right) */
  F_DROP_NONBLOCK, /* setfl loses O_NONBLOCK */
  F_OTHER_FILE,    /* fstat: the descriptor seems to be on another inode */
};

static enum fault fault;
static int fault_kind; /* which operation kind the fault hits */
static int fault_countdown;
static int fault_sticky; /* keep faulting after the n-th call */

static int key_lie; /* F_OTHER_FILE hit: object_key differs by number */

static int shim_object_key(void *self, int64_t num, uint64_t *key) {
  int r = co_backend_posix.object_key(self, num, key);
  if (r == 0 && key_lie)
    *key ^= (uint64_t)num << 1;
  return r;
}

static void *shim_create(char *err, size_t cap) {
  return co_backend_posix.create(err, cap);
}

static void shim_call(void *self, const struct co_call *c,
                      struct co_outcome *out) {
  int hit = fault != F_NONE && c->kind == fault_kind &&
            (--fault_countdown == 0 || (fault_sticky && fault_countdown < 0));
  if (hit && fault == F_SKIP_CLOSE) {
    *out = (struct co_outcome){0, CO_OK, 0, 0, 0};
    return;
  }
  if (hit && fault == F_UNSHARE) {
    struct co_call o = {CO_OP_OPEN, 0, 0, 0, 0, -1, NULL, -1, 0};
    co_backend_posix.call(self, &o, out);
    return;
  }
  if (hit && fault == F_FLIP_CLOEXEC) {
    struct co_call f = *c;
    f.flags ^= CO_F_BIT0;
    co_backend_posix.call(self, &f, out);
    return;
  }
  if (hit && fault == F_READ_SKIP) {
    (void)lseek((int)c->a, 1, SEEK_CUR);
    co_backend_posix.call(self, c, out);
    (void)lseek((int)c->a, -1, SEEK_CUR);
    return;
  }
  if (hit && fault == F_DROP_NONBLOCK) {
    struct co_call f = *c;
    f.flags &= (uint8_t) ~(CO_F_BIT1 | CO_F_BIT2);
    co_backend_posix.call(self, &f, out);
    return;
  }
  key_lie = hit && fault == F_OTHER_FILE;
  co_backend_posix.call(self, c, out);
  if (fault == F_STASH && c->kind == CO_OP_OPEN && out->ret >= 0 &&
      c->flags == (CO_F_ACC_WRONLY | CO_F_CLOEXEC | CO_F_APPEND))
    (void)fcntl((int)out->ret, F_DUPFD, (int)out->ret + 200);
  if (hit && fault == F_EXTRA_DUP && out->ret >= 0)
    (void)dup((int)out->ret);
  if (hit && fault == F_OFFSET && out->ret > 0)
    (void)lseek((int)c->a, 1, SEEK_CUR);
}

static struct co_backend shim;

static struct co_exec *shim_exec(enum fault f, int kind, int nth) {
  char err[256];
  struct co_exec *ex;
  shim = co_backend_posix;
  shim.name = "posix-fault";
  shim.create = shim_create;
  shim.call = shim_call;
  shim.object_key = shim_object_key;
  key_lie = 0;
  fault = f;
  fault_kind = kind;
  fault_countdown = nth;
  ex = co_exec_new(&shim, err, sizeof err);
  cr_assert_not_null(ex, "%s", err);
  co_exec_set_full_check(ex, 1);
  return ex;
}

static void expect_verdict(enum fault f, int kind, int nth, const char *text,
                           int want_kind, size_t want_step,
                           const char *needle) {
  struct co_exec *ex = shim_exec(f, kind, nth);
  struct rec r;
  struct co_verdict v;
  char msg[200];
  int got = sup_run(ex, text, &r, &v);
  cr_assert_eq(got, want_kind, "verdict %s (%s), want %s", co_verdict_name(got),
               v.what, co_verdict_name(want_kind));
  cr_assert_eq(v.step, want_step, "at step %zu, want %zu (%s)", v.step,
               want_step, v.what);
  cr_assert(strstr(v.what, needle) != NULL, "'%s' lacks '%s'", v.what, needle);
  /* Teardown cleaned up even after the fault. */
  fault = F_NONE;
  cr_assert_eq(co_exec_check_process(ex, msg, sizeof msg), 0, "%s", msg);
  co_exec_free(ex);
}

Test(exec, a_close_that_does_not_close_is_a_leak_at_that_step) {
  expect_verdict(F_SKIP_CLOSE, CO_OP_CLOSE, 1,
                 "s0 = open rdwr\ns1 = dup s0\nclose s0\nwrite s1 1\n",
                 CO_V_LEAK, 2, "is open but the model has it closed");
}

Test(exec, an_extra_descriptor_shifts_the_next_number) {
  expect_verdict(F_EXTRA_DUP, CO_OP_OPEN, 1, "s0 = open rdwr\ns1 = open rdwr\n",
                 CO_V_DIVERGENCE, 1, "returned");
}

Test(exec, an_extra_descriptor_is_found_at_the_end) {
  expect_verdict(F_EXTRA_DUP, CO_OP_OPEN, 1, "s0 = open rdwr\nwrite s0 1\n",
                 CO_V_LEAK, 2, "no slot or description owns it");
}

Test(exec, a_wrong_cloexec_bit_is_seen_after_setfd) {
  expect_verdict(F_FLIP_CLOEXEC, CO_OP_SETFD, 2,
                 "s0 = open rdwr\nsetfd s0 cloexec\nsetfd s0\ngetfd s0\n",
                 CO_V_DIVERGENCE, 2, "cloexec is 1, the model says 0");
}

Test(exec, a_dup_that_does_not_share_is_caught_by_kcmp) {
  expect_verdict(F_UNSHARE, CO_OP_DUP, 1, "s0 = open rdwr\ns1 = dup s0\n",
                 CO_V_DIVERGENCE, 1, "should share one open file description");
}

Test(exec, a_wrong_offset_is_seen_after_write) {
  expect_verdict(F_OFFSET, CO_OP_WRITE, 2,
                 "s0 = open rdwr\nwrite s0 4\nwrite s0 4\nwrite s0 4\n",
                 CO_V_DIVERGENCE, 2, "offset is 9, the model says 8");
}

/* issue 19: read's bytes, O_NONBLOCK, fstat's identity */
Test(exec, a_read_of_the_wrong_bytes_is_a_content_divergence) {
  expect_verdict(F_READ_SKIP, CO_OP_READ, 1,
                 "s0 = open rdwr\nwrite s0 10\ns1 = dup s0\nlseek s1 0 set\n"
                 "read s0 4\n",
                 CO_V_DIVERGENCE, 4, "not the bytes the model says");
}

Test(exec, a_lost_nonblock_flag_is_seen_through_a_dup) {
  expect_verdict(F_DROP_NONBLOCK, CO_OP_SETFL, 1,
                 "s0 = open rdwr\ns1 = dup s0\nsetfl s0 nonblock\ngetfl s1\n",
                 CO_V_DIVERGENCE, 3,
                 "with O_NONBLOCK clear; the model says O_NONBLOCK is set");
}

Test(exec, fstat_of_a_dup_must_be_the_same_file) {
  expect_verdict(F_OTHER_FILE, CO_OP_FSTAT, 1,
                 "s0 = open rdwr\ns1 = dup s0\nfstat s1\n", CO_V_DIVERGENCE, 2,
                 "should be on one file (st_dev, st_ino)");
}

Test(exec, identity_is_checked_at_the_end_when_not_per_step) {
  struct co_exec *ex = shim_exec(F_UNSHARE, CO_OP_DUP, 1);
  struct rec r;
  struct co_verdict v;
  co_exec_set_observe(ex, CO_OBSERVE_RESULT);
  cr_assert_eq(sup_run(ex, "s0 = open rdwr\ns1 = dup s0\n", &r, &v),
               CO_V_DIVERGENCE);
  cr_assert_eq(v.step, 2); /* the end of the trace */
  fault = F_NONE;
  co_exec_free(ex);
}

Test(campaign, same_seed_same_runs_same_result) {
  struct co_campaign_config cfg;
  struct co_campaign_result a, b;
  char err[256];
  memset(&cfg, 0, sizeof cfg);
  cfg.target = co_target_find("posix");
  cfg.seed = 5;
  cfg.runs = 3000;
  cfg.max_ops = 32;
  cr_assert_eq(co_campaign_run(&cfg, &a, err, sizeof err), 0, "%s", err);
  cr_assert_eq(co_campaign_run(&cfg, &b, err, sizeof err), 0, "%s", err);
  cr_assert_eq(a.found, 0, "%s", a.verdict.what);
  cr_assert_eq(a.status.runs, 3000);
  cr_assert_eq(a.status.ops, b.status.ops);
  cr_assert_eq(a.status.transitions, b.status.transitions);
  cr_assert_eq(a.status.corpus, b.status.corpus);
  cr_assert_gt(a.status.transitions, 200);
  co_trace_free(&a.trace);
  co_trace_free(&b.trace);
}

Test(campaign, a_faulty_platform_is_found_and_the_trace_reproduces_it) {
  struct co_campaign_config cfg;
  struct co_campaign_result res;
  struct co_target tg = *co_target_find("posix");
  struct co_exec *ex;
  struct co_verdict v;
  char err[256];
  shim_exec(F_NONE, 0, 0); /* sets up the shim table */
  co_exec_free(shim_exec(F_NONE, 0, 0));
  tg.backend = &shim;
  memset(&cfg, 0, sizeof cfg);
  cfg.target = &tg;
  cfg.seed = 11;
  cfg.runs = 100000;
  cfg.max_ops = 32;
  fault = F_FLIP_CLOEXEC;
  fault_kind = CO_OP_SETFD;
  fault_countdown = 200; /* from the 200th setfd of the campaign on */
  fault_sticky = 1;
  cr_assert_eq(co_campaign_run(&cfg, &res, err, sizeof err), 0, "%s", err);
  cr_assert_eq(res.found, 1);
  cr_assert_eq(res.verdict.kind, CO_V_DIVERGENCE);
  cr_assert(co_opdesc[res.trace.ops[res.verdict.step].kind].name ==
                co_opdesc[CO_OP_SETFD].name,
            "found at %s",
            co_opdesc[res.trace.ops[res.verdict.step].kind].name);
  /* Replaying the saved trace with the fault armed at that setfd again. */
  {
    size_t i;
    int n = 0;
    for (i = 0; i <= res.verdict.step; i++)
      n += res.trace.ops[i].kind == CO_OP_SETFD;
    fault_sticky = 0;
    ex = shim_exec(F_FLIP_CLOEXEC, CO_OP_SETFD, n);
    cr_assert_eq(co_exec_run(ex, &res.trace, &v), CO_V_DIVERGENCE);
    cr_assert_eq(v.step, res.verdict.step);
    fault = F_NONE;
    co_exec_free(ex);
  }
  co_trace_free(&res.trace);
}

Test(campaign, a_leak_far_from_the_trace_is_pinned_to_the_trace_that_made_it) {
  struct co_campaign_config cfg;
  struct co_campaign_result res;
  struct co_target tg = *co_target_find("posix");
  struct co_exec *ex;
  struct co_verdict v;
  char err[256], msg[200];
  size_t i;
  int opens = 0;
  co_exec_free(shim_exec(F_NONE, 0, 0));
  tg.backend = &shim;
  memset(&cfg, 0, sizeof cfg);
  cfg.target = &tg;
  cfg.seed = 3;
  cfg.runs = 20000;
  cfg.max_ops = 32;
  fault = F_STASH;
  cr_assert_eq(co_campaign_run(&cfg, &res, err, sizeof err), 0, "%s", err);
  cr_assert_eq(res.found, 1);
  cr_assert_eq(res.verdict.kind, CO_V_LEAK, "%s", res.verdict.what);
  cr_assert_eq(res.verdict.periodic, 0, "not attributed: %s", res.verdict.what);
  for (i = 0; i < res.trace.len; i++)
    opens += res.trace.ops[i].kind == CO_OP_OPEN &&
             res.trace.ops[i].flags ==
                 (CO_F_ACC_WRONLY | CO_F_CLOEXEC | CO_F_APPEND);
  if (opens < 1) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
      co_trace_print(&res.trace, f);
      fclose(f);
    }
    cr_assert_fail("the reported trace makes no stashing open (%s: %s):\n%s",
                   res.verdict.rule, res.verdict.what, text ? text : "");
  }
  /* Alone, the reported trace leaks again. */
  ex = shim_exec(F_STASH, 0, 0);
  cr_assert_eq(co_exec_run(ex, &res.trace, &v), CO_V_LEAK, "%s", v.what);
  fault = F_NONE;
  cr_assert_eq(co_exec_check_process(ex, msg, sizeof msg), 0, "%s", msg);
  co_exec_free(ex);
  co_trace_free(&res.trace);
}
