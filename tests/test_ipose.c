/*
 * The interposer as a user relies on it (issue 21, docs/faults.md):
 * harness/ipose.h's context and harness/posix/ipose_elf.c's GOT patching,
 * through zlib (libz.so, a real shared object) and through the executor.
 *
 * - ipose: only the patched library's own calls are logged, inside
 *   co_ipose_enter/leave only, with their descriptors; the harness's calls
 *   (this program's) never are, and never consume a fault; an injected
 *   close fault frees the number under Linux's semantics (CO_CLOSE_FREES)
 *   and keeps it after EINTR under CO_CLOSE_KEEPS; co_ipose_uninstall puts
 *   the tables back.
 * - faults: through the executor, a fault a trace armed and never used is
 *   gone at the next trace, and the teardown's frees of what a trace left
 *   are never failed.
 * - planted: every planted bug of the catalog whose reproducer closes a
 *   descriptor the library does not own is named at the library's own
 *   call, and the observation (the interposer off) blames the same layer
 *   and number.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "closeonce/error.h"
#include "ipose.h"
#include "support.h"

static const char *const libz[] = {"libz.so", NULL};

/* Patch libz.so's table; 1: the one object routed (patched now or before). */
static int install_zlib(void) {
  char err[200];
  int n = co_ipose_install(libz, 0, err, sizeof err);
  cr_assert_geq(n, 0, "install: %s", err);
  return n;
}

/* zlib's own calls on fd: gzdopen "w", then gzclose, which writes the
 * empty stream (header and trailer) and closes fd. gzclose's result. */
static int gz_close_fd(int fd) {
  gzFile g = gzdopen(fd, "w");
  cr_assert_not_null(g, "gzdopen(%d)", fd);
  return gzclose(g);
}

/* The index of the first logged call of function fn on descriptor a, or
 * -1. */
static int logged(const struct co_ipose *ip, unsigned fn, int64_t a) {
  unsigned i;
  for (i = 0; i < ip->n; i++)
    if (ip->log[i].fn == fn && ip->log[i].a == a)
      return (int)i;
  return -1;
}

static int is_open(int fd) {
  return fcntl(fd, F_GETFD) >= 0;
}

static int is_closed(int fd) {
  return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

Test(ipose, the_harness_own_calls_are_never_logged) {
  struct co_ipose ip;
  int p[2], d;
  unsigned i;
  char b = 'x';
  co_ipose_init(&ip, CO_CLOSE_FREES);
  cr_assert_eq(install_zlib(), 1, "libz.so was not found to patch");
  cr_assert_eq(pipe(p), 0);
  /* outside a glue call */
  d = dup(p[1]);
  cr_assert_eq(write(d, &b, 1), 1);
  cr_assert_eq(close(d), 0);
  cr_assert_eq(ip.n, 0);
  /* inside one: this program's calls between zlib's */
  co_ipose_enter(&ip);
  d = dup(p[1]);
  cr_assert_geq(d, 0);
  cr_assert_eq(write(d, &b, 1), 1);
  cr_assert_eq(fcntl(d, F_GETFD), 0);
  cr_assert_eq(close(d), 0);
  cr_assert_eq(gz_close_fd(p[1]), Z_OK);
  cr_assert_eq(close(p[0]), 0);
  co_ipose_leave(&ip);
  cr_assert_gt(ip.n, 0, "zlib's calls were not logged");
  for (i = 0; i < ip.n; i++) {
    char call[96];
    co_icall_format(&ip.log[i], call, sizeof call);
    cr_assert_eq(ip.log[i].a, p[1], "call %u, %s, is not zlib's", i, call);
    cr_assert_neq(ip.log[i].fn, CO_IFN_DUP, "call %u, %s, is ours", i, call);
  }
}

Test(ipose, a_library_call_is_logged_with_its_descriptor) {
  struct co_ipose ip;
  int p[2], q[2], w, c;
  unsigned char head[2];
  co_ipose_init(&ip, CO_CLOSE_FREES);
  install_zlib();
  cr_assert_eq(pipe(p), 0);
  co_ipose_enter(&ip);
  cr_assert_eq(gz_close_fd(p[1]), Z_OK);
  co_ipose_leave(&ip);
  w = logged(&ip, CO_IFN_WRITE, p[1]);
  c = logged(&ip, CO_IFN_CLOSE, p[1]);
  cr_assert_geq(w, 0, "zlib's write(%d) not logged (%u calls)", p[1], ip.n);
  cr_assert_geq(c, 0, "zlib's close(%d) not logged (%u calls)", p[1], ip.n);
  cr_assert_lt(w, c, "logged out of order");
  cr_assert_eq(ip.log[c].fam, CO_IF_CLOSE);
  cr_assert_eq(ip.log[c].ret, 0);
  cr_assert_eq(ip.log[c].err, CO_OK);
  cr_assert_eq(ip.log[c].injected, CO_INJ_NONE);
  cr_assert_gt(ip.log[w].ret, 0);
  /* the real calls were made: the stream is in the pipe, the end closed */
  cr_assert_eq(read(p[0], head, 2), 2);
  cr_assert(head[0] == 0x1f && head[1] == 0x8b, "not a gzip stream");
  cr_assert(is_closed(p[1]));
  close(p[0]);
  /* outside enter/leave: the real calls, nothing logged */
  cr_assert_eq(pipe(q), 0);
  c = (int)ip.n;
  cr_assert_eq(gz_close_fd(q[1]), Z_OK);
  cr_assert_eq(ip.n, (unsigned)c, "a call outside a glue call was logged");
  cr_assert(is_closed(q[1]));
  close(q[0]);
}

Test(ipose, a_fault_armed_before_a_harness_call_is_not_consumed_by_it) {
  struct co_ipose ip;
  int p[2], mine, c;
  char b = 'y';
  co_ipose_init(&ip, CO_CLOSE_FREES);
  install_zlib();
  cr_assert_eq(pipe(p), 0);
  mine = dup(p[0]);
  cr_assert_eq(co_ipose_arm(&ip, CO_IF_CLOSE, CO_EINTR, 0), 0);
  cr_assert_eq(co_ipose_arm(&ip, CO_IF_WRITE, CO_ENOSPC, 0), 0);
  co_ipose_enter(&ip);
  cr_assert_eq(close(mine), 0, "the harness's close failed: %s",
               strerror(errno));
  cr_assert_eq(write(p[1], &b, 1), 1, "the harness's write failed");
  cr_assert_eq(ip.nfault, 2, "a harness call consumed a fault");
  /* zlib's next write and close take them */
  cr_assert_neq(gz_close_fd(p[1]), Z_OK);
  co_ipose_leave(&ip);
  cr_assert_eq(ip.nfault, 0);
  cr_assert_eq(ip.fired, 2);
  c = logged(&ip, CO_IFN_CLOSE, p[1]);
  cr_assert_geq(c, 0);
  cr_assert_eq(ip.log[c].err, CO_EINTR);
  cr_assert_eq(ip.log[c].injected, CO_INJ_CLOSED);
  c = logged(&ip, CO_IFN_WRITE, p[1]);
  cr_assert_geq(c, 0);
  cr_assert_eq(ip.log[c].err, CO_ENOSPC);
  cr_assert_eq(ip.log[c].injected, CO_INJ_FAILED);
  close(p[0]);
}

/* One zlib close on a fresh pipe's write end with fault err armed, under
 * profile; the write end's number, with *ic the close's log entry. */
static int faulted_close(enum co_close_profile profile, int err,
                         struct co_icall *ic) {
  struct co_ipose ip;
  int p[2], c;
  co_ipose_init(&ip, profile);
  install_zlib();
  cr_assert_eq(pipe(p), 0);
  cr_assert_eq(co_ipose_arm(&ip, CO_IF_CLOSE, err, 0), 0);
  co_ipose_enter(&ip);
  cr_assert_eq(gz_close_fd(p[1]), Z_ERRNO, "gzclose did not see the fault");
  co_ipose_leave(&ip);
  c = logged(&ip, CO_IFN_CLOSE, p[1]);
  cr_assert_geq(c, 0);
  *ic = ip.log[c];
  cr_assert_eq(ic->err, err);
  close(p[0]);
  return p[1];
}

/* man 2 close: Linux frees the number before it reports EINTR or EIO. */
Test(ipose, linux_frees_the_descriptor_after_an_injected_close_fault) {
  struct co_icall ic;
  int fd = faulted_close(CO_CLOSE_FREES, CO_EINTR, &ic);
  cr_assert(is_closed(fd), "descriptor %d open after EINTR", fd);
  cr_assert_eq(ic.injected, CO_INJ_CLOSED);
  fd = faulted_close(CO_CLOSE_FREES, CO_EIO, &ic);
  cr_assert(is_closed(fd), "descriptor %d open after EIO", fd);
  cr_assert_eq(ic.injected, CO_INJ_CLOSED);
}

/* POSIX.1-2024 and HP-UX: still open after EINTR; closed after EIO. */
Test(ipose, the_keeps_profile_leaves_it_open_after_eintr_only) {
  struct co_icall ic;
  int fd = faulted_close(CO_CLOSE_KEEPS, CO_EINTR, &ic);
  cr_assert(is_open(fd), "descriptor %d closed after EINTR", fd);
  cr_assert_eq(ic.injected, CO_INJ_FAILED);
  cr_assert_eq(close(fd), 0);
  fd = faulted_close(CO_CLOSE_KEEPS, CO_EIO, &ic);
  cr_assert(is_closed(fd), "descriptor %d open after EIO", fd);
  cr_assert_eq(ic.injected, CO_INJ_CLOSED);
}

Test(ipose, uninstall_restores_the_original_table) {
  struct co_ipose ip;
  int p[2];
  co_ipose_init(&ip, CO_CLOSE_FREES);
  install_zlib();
  cr_assert_eq(pipe(p), 0);
  co_ipose_enter(&ip);
  gz_close_fd(p[1]);
  co_ipose_leave(&ip);
  cr_assert_geq(logged(&ip, CO_IFN_CLOSE, p[1]), 0);
  close(p[0]);
  cr_assert_eq(co_ipose_uninstall(), 0);
  /* zlib's calls are the real ones again, even inside a glue call, and
   * an armed fault stays armed */
  cr_assert_eq(pipe(p), 0);
  cr_assert_eq(co_ipose_arm(&ip, CO_IF_CLOSE, CO_EINTR, 0), 0);
  co_ipose_enter(&ip);
  cr_assert_eq(gz_close_fd(p[1]), Z_OK);
  co_ipose_leave(&ip);
  cr_assert_eq(ip.n, 0, "%u calls logged after uninstall", ip.n);
  cr_assert_eq(ip.nfault, 1);
  cr_assert(is_closed(p[1]));
  close(p[0]);
  /* and installing again patches it again (the benchmark's A/B) */
  cr_assert_eq(install_zlib(), 1);
  cr_assert_eq(pipe(p), 0);
  co_ipose_enter(&ip);
  cr_assert_eq(gz_close_fd(p[1]), Z_ERRNO);
  co_ipose_leave(&ip);
  cr_assert_geq(logged(&ip, CO_IFN_CLOSE, p[1]), 0);
  close(p[0]);
}

/* What the executor's steps showed of the library's calls. */
struct seen_calls {
  unsigned calls, injected;
};
static void count_calls(void *env, const struct co_step_info *s) {
  struct seen_calls *sc = env;
  unsigned i;
  sc->calls += s->nicalls;
  for (i = 0; i < s->nicalls; i++)
    sc->injected += s->icalls[i].injected != CO_INJ_NONE;
}

static int run_text(struct co_exec *ex, const char *text, struct rec *r,
                    struct seen_calls *sc, struct co_verdict *v) {
  int kind;
  memset(sc, 0, sizeof *sc);
  kind = sup_run(ex, text, r, v); /* (sets and clears its own hook) */
  if (kind == CO_V_OK) {
    struct co_trace t;
    struct co_parse_error pe;
    /* again, with the hook that counts the library's calls */
    co_trace_init(&t);
    cr_assert_eq(co_trace_parse(text, strlen(text), &t, &pe), 0);
    co_exec_set_hook(ex, count_calls, sc);
    kind = co_exec_run(ex, &t, v);
    co_exec_set_hook(ex, NULL, NULL);
    co_trace_free(&t);
  }
  return kind;
}

/* A trace arms a close fault and never calls the library: the client's
 * close (the harness's call) does not take it, and the next trace's
 * gzclose is not failed by it. */
Test(faults, an_unused_fault_is_gone_at_the_next_trace) {
  char err[256];
  struct co_exec *ex =
      co_exec_new_target(co_target_find("zlib"), err, sizeof err);
  struct rec r;
  struct seen_calls sc;
  struct co_verdict v;
  cr_assert_not_null(ex, "%s", err);
  cr_assert_eq(run_text(ex, "s0 = open wronly\nfail close EINTR\nclose s0\n",
                        &r, &sc, &v),
               CO_V_OK, "%s", v.what);
  REAL_OK(2, 0); /* the client's close */
  cr_assert_eq(run_text(ex, "s0 = open wronly\no0 = gzdopen s0 w\ngzclose o0\n",
                        &r, &sc, &v),
               CO_V_OK, "%s", v.what);
  REAL_OK(2, 0);
  cr_assert_gt(sc.calls, 0, "gzclose's calls were not logged");
  cr_assert_eq(sc.injected, 0, "a fault of an earlier trace fired");
  co_exec_free(ex);
}

/* The teardown frees what a trace left through the layer's glue: a copy
 * of the zlib adapter whose glue counts its closes and their failures.
 * (The counters are this test's: a glue has nowhere else to put them.) */
static unsigned zt_closes, zt_failed;
static void zt_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                    void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  co_adapter_zlib.call(env, e, mode, obj, fd, n, out);
  if (co_adapter_zlib.contract->entries[e].effect == CO_EFF_CLOSE) {
    zt_closes++;
    zt_failed += out->err != CO_OK;
  }
}

Test(faults, the_teardown_frees_are_never_failed) {
  struct co_entry *ents;
  struct co_adapter *zt = sup_adapter_copy(&co_adapter_zlib, "zt", "zt", &ents);
  struct co_exec *ex;
  struct rec r;
  struct co_verdict v;
  char err[256];
  zt->call = zt_call;
  cr_assert_eq(co_adapter_register(zt, err, sizeof err), 0, "%s", err);
  ex = sup_exec();
  /* o0 is left open: the teardown's gzclose frees it, the fault armed */
  cr_assert_eq(sup_run(ex,
                       "s0 = open wronly\no0 = zt_gzdopen s0 w\n"
                       "fail close EINTR\n",
                       &r, &v),
               CO_V_OK, "%s", v.what);
  cr_assert_eq(zt_closes, 1, "the teardown did not free o0");
  cr_assert_eq(zt_failed, 0, "the teardown's gzclose took the fault");
  cr_assert_eq(sup_run(ex,
                       "s0 = open wronly\no0 = zt_gzdopen s0 w\n"
                       "zt_gzclose o0\n",
                       &r, &v),
               CO_V_OK, "%s", v.what);
  REAL_OK(2, 0);
  cr_assert_eq(zt_closes, 2);
  cr_assert_eq(zt_failed, 0);
  co_exec_free(ex);
}

/* ---- attribution over the planted-bug catalog ---- */

/* The planted bugs whose reproducers close a descriptor the library does
 * not own: the entry that does it. (The others leak, or hand out a
 * descriptor without a dup, or lose a flag: demo-close-leaks,
 * demo-export-nodup, vfd-forget-flags, vfd-leak-on-fail, wio-take-leaks,
 * buf-close-fail-leaks; vfd-dup-shares-window's 4-operation catalog entry
 * stops at a page-in that makes no call, before any close.) */
static const struct closer {
  const char *target, *layer;
  const char *entry;     /* in corpus/regress/TARGET/ */
  const char *cat_entry; /* in corpus/catalog/TARGET.trace; NULL: none
                            there, or it does not close */
} closers[] = {
    {"demo-detach-closes", "demo", "demo_detach", "demo_detach"},
    {"wio-borrow-closes", "wio", "wio_free", "wio_free"},
    {"wio-take-fail-closes", "wio", "wio_take", "wio_take"},
    {"vfd-close-twice", "vfd", "vclose", "vclose"},
    {"vfd-dup-shares-window", "vfd", "vclose", NULL},
    {"vfd-evict-lent", "vfd", "vwrite", "vwrite"},
    {"vfd-evict-mru", "vfd", "vwrite", "page_in"},
    {"vfd-stale-window", "vfd", "vclose", "vclose"},
    {"buf-open-fail-closes", "buf", "buf_open_fd", NULL},
    {"buf-detach-closes", "buf", "buf_detach", NULL},
    {"buf-write-fail-closes", "buf", "buf_write", NULL},
};

/* In the child that runs the planted checks (no Criterion there): a
 * failed check prints why and fails the file. */
#define PCHECK(cond, ...)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAIL %s: ", path);                                               \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
      return -1;                                                               \
    }                                                                          \
  } while (0)

/* "ENTRY (layer L) -> close(N) ...: closed descriptor N, ..." (or "N a
 * second time"): N, or -1. */
static long named_close(const struct co_verdict *v, const char *entry,
                        const char *layer) {
  static const char *const fns[] = {"close(", "fclose(", "dup2(", "dup3("};
  char head[96];
  const char *p;
  size_t i;
  long n;
  snprintf(head, sizeof head, "%s (layer %s) -> ", entry, layer);
  if (strncmp(v->what, head, strlen(head)) != 0)
    return -1;
  p = v->what + strlen(head);
  for (i = 0; i < 4 && strncmp(p, fns[i], strlen(fns[i])); i++)
    ;
  if (i == 4)
    return -1;
  n = strtol(p + strlen(fns[i]), NULL, 10);
  snprintf(head, sizeof head, ": closed descriptor %ld", n);
  p = strstr(p, head);
  return p && (p[strlen(head)] == ',' || p[strlen(head)] == ' ') ? n : -1;
}

static int load(const char *path, struct co_trace *tr) {
  struct co_parse_error pe;
  char text[8192];
  size_t len;
  FILE *f = fopen(path, "rb");
  PCHECK(f, "cannot read");
  len = fread(text, 1, sizeof text, f);
  fclose(f);
  co_trace_init(tr);
  PCHECK(len < sizeof text && co_trace_parse(text, len, tr, &pe) == 0,
         "line %d: %s", pe.line, pe.message);
  return 0;
}

/* The replay of path on c's target names the library's call, ENTRY (layer
 * L) -> close(N); the same replay with the interposer off (the observation
 * alone) blames the same layer and descriptor N (1), or no layer (0): it
 * finds, at that step or later, only what followed from the close (the
 * client's next use fails; a pager that closed and re-paged within the
 * step shows a result, a number or an offset the model did not expect).
 * -1: a check failed. */
static int attributed(const struct closer *c, const char *entry,
                      const char *path) {
  const struct co_target *t = co_target_find(c->target);
  struct co_trace tr;
  struct co_verdict v, o;
  struct co_exec *ex;
  char err[256], num[40];
  long n;
  PCHECK(t, "no target %s", c->target);
  if (load(path, &tr) < 0)
    return -1;
  PCHECK((ex = co_exec_new_target(t, err, sizeof err)), "%s", err);
  co_exec_set_mode(ex, t->mode, 0); /* as replay runs a text trace */
  co_exec_set_full_check(ex, 1);
  co_exec_run(ex, &tr, &v);
  PCHECK(v.kind == CO_V_OWNERSHIP && v.layer && !strcmp(v.layer, c->layer),
         "not layer %s's ownership violation: %s: %s", c->layer,
         co_verdict_name(v.kind), v.what);
  n = named_close(&v, entry, c->layer);
  PCHECK(n >= 0, "the library's call is not named: %s", v.what);
  /* the observation alone */
  PCHECK(co_ipose_uninstall() == 0, "uninstall failed");
  co_exec_run(ex, &tr, &o);
  PCHECK(o.kind != CO_V_OK, "not found without the interposer");
  PCHECK(o.step >= v.step, "observed at step %zu, before the call (%zu)",
         o.step, v.step);
  snprintf(num, sizeof num, "descriptor %ld", n);
  if (o.layer) /* the observation blames a layer: the same, same number */
    PCHECK(!strcmp(o.layer, c->layer) && strstr(o.what, num),
           "attributed: %s; observed: %s", v.what, o.what);
  else /* it sees only what followed: the client's next use failing, a
          number or offset or result the model did not expect */
    PCHECK(o.kind == CO_V_INVALID_HANDLE || o.kind == CO_V_DIVERGENCE ||
               o.kind == CO_V_OWNERSHIP,
           "attributed: %s; observed: %s: %s", v.what, co_verdict_name(o.kind),
           o.what);
  printf("%s\n  attributed: step %zu: %s\n  observed:   step %zu: %s%s\n", path,
         v.step, v.what, o.step, o.what,
         o.layer ? " (the same layer and descriptor)" : " (no layer blamed)");
  co_exec_free(ex);
  co_trace_free(&tr);
  return o.layer ? 1 : 0;
}

/* Every reproducer of c: its catalog entry, and corpus/regress/TARGET/. */
static int check_closer(const struct closer *c, unsigned *same) {
  char path[16][512], dir[400];
  struct dirent *d;
  size_t k = 0, i, n;
  int bad = 0;
  DIR *dp;
  if (c->cat_entry)
    snprintf(path[k++], sizeof path[0], "%s/corpus/catalog/%s.trace",
             CO_SOURCE_DIR, c->target);
  snprintf(dir, sizeof dir, "%s/corpus/regress/%s", CO_SOURCE_DIR, c->target);
  if (!(dp = opendir(dir))) {
    printf("FAIL %s: cannot list\n", dir);
    return -1;
  }
  while ((d = readdir(dp)) && k < 16)
    if ((n = strlen(d->d_name)) > 6 && !strcmp(d->d_name + n - 6, ".trace"))
      snprintf(path[k++], sizeof path[0], "%s/%.100s", dir, d->d_name);
  closedir(dp); /* (before any executor: it sees 0-2 only) */
  if (k < 2u - !c->cat_entry) {
    printf("FAIL %s: a reproducer is missing\n", c->target);
    return -1;
  }
  for (i = 0; i < k; i++) {
    int r = attributed(c, i == 0 && c->cat_entry ? c->cat_entry : c->entry,
                       path[i]);
    bad |= r < 0;
    *same += r == 1;
  }
  return bad ? -1 : 0;
}

/* In a child with the process's descriptors 0-2 only, as `closeonce
 * replay` runs the reproducers under ctest: a reproducer's f0 and the
 * pager's numbers depend on which numbers are open, and Criterion's
 * runner holds some of its own (with holes between them). */
Test(planted, every_close_it_does_not_own_is_named_at_the_call) {
  int st, bad = 0;
  size_t i;
  pid_t pid;
  fflush(stdout);
  fflush(stderr);
  cr_assert_geq(pid = fork(), 0);
  if (pid == 0) {
    unsigned same = 0;
    syscall(SYS_close_range, 3u, ~0u, 0u);
    for (i = 0; i < sizeof closers / sizeof closers[0]; i++)
      bad |= check_closer(&closers[i], &same) < 0;
    /* (wio's and buf's closes are seen by both) */
    if (same < 7) {
      printf("FAIL: the observation blamed the same layer in %u files\n", same);
      bad = 1;
    }
    fflush(stdout);
    _exit(bad);
  }
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
            "a planted bug's close is not attributed as observed (FAIL "
            "lines above)");
}
