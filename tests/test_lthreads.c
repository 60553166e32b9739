/*
 * Libraries with threads of their own (issue 22,
 * docs/threads.md#library-threads): the calls a routed library makes on a
 * thread it made itself (libuv's thread pool, doing the real open, write,
 * read and close of uv_fs_* with a callback) reach the step's context.
 *
 * - ipose: with libuv's objects routed and a context attached, a pool
 *   thread's close during a step is logged in the step, marked as another
 *   thread's; a fault armed for the step fires there; a call the pool makes
 *   after the step returned is kept as late and heads the next step's log;
 *   a context detached is reached no more; two contexts of one library
 *   with steps running at once cannot tell whose a pool call is (counted).
 * - uvfs (the target, libs/libuv.c): the pool's calls are logged at their
 *   step; a fault fires in the pool and the model follows the result; a
 *   contract that says uv_fs_close hands the descriptor back (a planted
 *   mis-declaration) is caught at the pool thread's close, by attribution,
 *   naming the library thread.
 * - libevent-threads: the base made after evthread_use_pthreads has its
 *   notification eventfd (the plain target's has none), the library's own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "closeonce/error.h"
#include "closeonce/gen.h"
#include "closeonce/target.h"
#include "ipose.h"
#include "libs.h"
#include "support.h"

static const char *const libuv[] = {"libuv.so", NULL};

/* libuv routed, ip attached to it, and a loop. */
static void start(struct co_ipose *ip, uv_loop_t *loop) {
  char err[200];
  cr_assert_geq(co_ipose_install(libuv, 0, err, sizeof err), 1, "%s", err);
  co_ipose_init(ip, CO_CLOSE_FREES);
  cr_assert_eq(co_ipose_attach(ip, libuv, err, sizeof err), 0, "%s", err);
  cr_assert_eq(uv_loop_init(loop), 0);
}

static void stop(struct co_ipose *ip, uv_loop_t *loop) {
  co_ipose_detach(ip);
  uv_run(loop, UV_RUN_NOWAIT);
  cr_assert_eq(uv_loop_close(loop), 0);
}

static void done_cb(uv_fs_t *req) {
  *(int *)req->data = 1;
}

/* uv_fs_close(fd) through the pool; with wait, the loop runs until the
 * callback came (its result), else -1000 (submitted only). */
static long pool_close(uv_loop_t *loop, uv_fs_t *req, int *done, int fd,
                       int wait) {
  long r;
  *done = 0;
  req->data = done;
  cr_assert_eq(uv_fs_close(loop, req, fd, done_cb), 0);
  if (!wait)
    return -1000;
  while (!*done)
    uv_run(loop, UV_RUN_ONCE);
  r = (long)req->result;
  uv_fs_req_cleanup(req);
  return r;
}

/* The index of the first call in ip's log of function fn on a, or -1. */
static int logged(const struct co_ipose *ip, unsigned fn, int64_t a) {
  unsigned i;
  for (i = 0; i < ip->n; i++)
    if (ip->log[i].fn == fn && ip->log[i].a == a)
      return (int)i;
  return -1;
}

static int fresh_fd(void) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  cr_assert_geq(fd, 0);
  return fd;
}

Test(lthreads, a_pool_thread_close_is_logged_in_the_step) {
  struct co_ipose ip;
  uv_loop_t loop;
  uv_fs_t req;
  int done, fd, at;
  start(&ip, &loop);
  fd = fresh_fd();
  co_ipose_enter(&ip);
  cr_assert_eq(pool_close(&loop, &req, &done, fd, 1), 0);
  co_ipose_leave(&ip);
  at = logged(&ip, CO_IFN_SYS_CLOSE, fd);
  cr_assert_geq(at, 0, "the pool thread's close of %d was not logged", fd);
  cr_assert_eq(ip.log[at].thr, CO_ICALL_OTHER);
  cr_assert_eq(ip.log[at].ret, 0);
  cr_assert_geq(ip.other, 1);
  cr_assert_geq(ip.total_other, 1);
  stop(&ip, &loop);
}

Test(lthreads, a_fault_fires_in_a_pool_thread) {
  struct co_ipose ip;
  uv_loop_t loop;
  uv_fs_t req;
  int done, fd, at;
  start(&ip, &loop);
  fd = fresh_fd();
  cr_assert_eq(co_ipose_arm(&ip, CO_IF_CLOSE, CO_EIO, 0), 0);
  co_ipose_enter(&ip);
  /* unix/fs.c uv__fs_close reports EIO (only EINTR is success) */
  cr_assert_eq(pool_close(&loop, &req, &done, fd, 1), UV_EIO);
  co_ipose_leave(&ip);
  at = logged(&ip, CO_IFN_SYS_CLOSE, fd);
  cr_assert_geq(at, 0);
  cr_assert_eq(ip.log[at].thr, CO_ICALL_OTHER);
  cr_assert_eq(ip.log[at].injected, CO_INJ_CLOSED);
  cr_assert_eq(ip.fired, 1);
  cr_assert_eq(ip.nfault, 0);
  /* Linux: the number was freed before EIO was reported */
  cr_assert_eq(fcntl(fd, F_GETFD), -1);
  stop(&ip, &loop);
}

/* Wait (at most 5 s) until n calls of the library's threads are kept. */
static void late_soon(struct co_ipose *ip, unsigned n) {
  struct timespec ms = {0, 1000000};
  int i;
  for (i = 0; i < 5000 && co_ipose_late(ip, NULL) < n; i++)
    nanosleep(&ms, NULL);
  cr_assert_geq(co_ipose_late(ip, NULL), n, "the pool never called");
}

/* A work item that holds the pool's one thread until the gate opens. */
static atomic_int gate;
static void held(uv_work_t *w) {
  struct timespec ms = {0, 1000000};
  (void)w;
  while (!atomic_load(&gate))
    nanosleep(&ms, NULL);
}

Test(lthreads, a_pool_call_after_its_step_heads_the_next_step) {
  struct co_ipose ip;
  struct co_icall first;
  uv_loop_t loop;
  uv_fs_t req;
  uv_work_t hold;
  int done, fd, at;
  unsigned i, late = 0;
  /* one pool thread (docs/src/threadpool.rst: UV_THREADPOOL_SIZE, read
   * when the pool starts), held: the close runs after the step returned */
  setenv("UV_THREADPOOL_SIZE", "1", 1);
  start(&ip, &loop);
  fd = fresh_fd();
  cr_assert_eq(uv_queue_work(&loop, &hold, held, NULL), 0);
  co_ipose_enter(&ip);
  pool_close(&loop, &req, &done, fd, 0); /* the step returns at once */
  co_ipose_leave(&ip);
  atomic_store(&gate, 1);
  /* the pool's wake-up write after the held item, then the close */
  late_soon(&ip, 2);
  cr_assert_geq(co_ipose_late(&ip, &first), 2);
  cr_assert_eq(first.fn, CO_IFN_WRITE, "%s", co_ipose_fn_name(first.fn));
  co_ipose_enter(&ip); /* the next step: they come first */
  co_ipose_leave(&ip);
  at = logged(&ip, CO_IFN_SYS_CLOSE, fd);
  cr_assert_eq(at, 1, "the late close is at %d", at);
  /* (the wake-up write after the close may come before or after enter) */
  for (i = 0; i < ip.n; i++)
    late += ip.log[i].thr == CO_ICALL_LATE;
  cr_assert_eq(ip.log[0].thr, CO_ICALL_LATE);
  cr_assert_eq(ip.log[1].thr, CO_ICALL_LATE);
  cr_assert_geq(late, 2);
  cr_assert_eq(ip.other, ip.n);
  while (!done)
    uv_run(&loop, UV_RUN_ONCE); /* (outside any step) */
  uv_fs_req_cleanup(&req);
  stop(&ip, &loop);
}

Test(lthreads, late_calls_are_dropped_and_counted_when_a_trace_starts) {
  struct co_ipose ip;
  uv_loop_t loop;
  uv_fs_t req;
  int done, fd;
  unsigned n;
  start(&ip, &loop);
  fd = fresh_fd();
  pool_close(&loop, &req, &done, fd, 1); /* no step at all: late */
  n = co_ipose_late(&ip, NULL);
  cr_assert_geq(n, 1);
  cr_assert_eq(co_ipose_drop_late(&ip), n);
  cr_assert_eq(ip.total_dropped, n);
  co_ipose_enter(&ip);
  co_ipose_leave(&ip);
  cr_assert_eq(ip.n, 0);
  stop(&ip, &loop);
}

Test(lthreads, a_detached_context_is_reached_no_more) {
  struct co_ipose ip;
  uv_loop_t loop;
  uv_fs_t req;
  int done, fd;
  start(&ip, &loop);
  co_ipose_detach(&ip);
  fd = fresh_fd();
  co_ipose_enter(&ip);
  cr_assert_eq(pool_close(&loop, &req, &done, fd, 1), 0);
  co_ipose_leave(&ip);
  cr_assert_eq(logged(&ip, CO_IFN_SYS_CLOSE, fd), -1);
  cr_assert_eq(ip.total_other + ip.total_late, 0);
  stop(&ip, &loop);
}

/* Another executor's step of the same library, running on its own thread
 * while the test's runs. */
struct other_step {
  struct co_ipose *ip;
  pthread_barrier_t in, out;
};
static void *run_other_step(void *p) {
  struct other_step *o = p;
  co_ipose_enter(o->ip);
  pthread_barrier_wait(&o->in);
  pthread_barrier_wait(&o->out);
  co_ipose_leave(o->ip);
  return NULL;
}

Test(lthreads, two_steps_of_one_library_at_once_are_ambiguous) {
  struct co_ipose ip, ip2;
  struct other_step o;
  pthread_t th;
  uv_loop_t loop;
  uv_fs_t req;
  int done, fd;
  char err[200];
  start(&ip, &loop);
  co_ipose_init(&ip2, CO_CLOSE_FREES);
  o.ip = &ip2;
  cr_assert_eq(co_ipose_attach(&ip2, libuv, err, sizeof err), 0, "%s", err);
  pthread_barrier_init(&o.in, NULL, 2);
  pthread_barrier_init(&o.out, NULL, 2);
  cr_assert_eq(pthread_create(&th, NULL, run_other_step, &o), 0);
  pthread_barrier_wait(&o.in);
  fd = fresh_fd();
  co_ipose_enter(&ip);
  cr_assert_eq(pool_close(&loop, &req, &done, fd, 1), 0);
  co_ipose_leave(&ip);
  pthread_barrier_wait(&o.out);
  pthread_join(th, NULL);
  /* neither can tell the call was its own: neither logs it */
  cr_assert_eq(logged(&ip, CO_IFN_SYS_CLOSE, fd), -1);
  cr_assert_eq(logged(&ip2, CO_IFN_SYS_CLOSE, fd), -1);
  cr_assert_geq(ip.total_ambiguous, 1);
  cr_assert_geq(ip2.total_ambiguous, 1);
  co_ipose_detach(&ip2);
  stop(&ip, &loop);
}

/* The executor: what the hook saw of the step's library calls. */
struct seen {
  char calls[16][512];
};

static void hook(void *env, const struct co_step_info *s) {
  struct seen *w = env;
  size_t k, len = 0;
  if (s->step >= 16)
    return;
  w->calls[s->step][0] = '\0';
  for (k = 0; k < s->nicalls && len < 400; k++) {
    char c[96];
    co_icall_format(&s->icalls[k], c, sizeof c);
    len += (size_t)snprintf(w->calls[s->step] + len, 512 - len, "%s; ", c);
  }
}

static int run(const char *target, const char *text, struct seen *w,
               struct co_verdict *v) {
  struct co_trace t;
  struct co_parse_error pe;
  struct co_exec *ex;
  char err[256];
  int kind;
  co_libs_init();
  ex = co_exec_new_target(co_target_find(target), err, sizeof err);
  cr_assert_not_null(ex, "%s", err);
  co_exec_set_mode(ex, CO_MODE_CONFORMANCE, 0);
  co_exec_set_full_check(ex, 1);
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(text, strlen(text), &t, &pe), 0, "%d:%d: %s",
               pe.line, pe.col, pe.message);
  memset(w, 0, sizeof *w);
  co_exec_set_hook(ex, hook, w);
  kind = co_exec_run(ex, &t, v);
  co_trace_free(&t);
  co_exec_free(ex);
  return kind;
}

Test(lthreads, uvfs_pool_calls_are_logged_at_their_step) {
  struct seen w;
  struct co_verdict v;
  cr_assert_eq(run("uvfs",
                   "o0 = uv_fs_open rw\nuv_fs_write o0 9\nuv_fs_close o0\n", &w,
                   &v),
               CO_V_OK, "%s", v.what);
  cr_assert(strstr(w.calls[0], "open() = ") &&
                strstr(w.calls[0], "[a library thread]"),
            "step 0: %s", w.calls[0]);
  cr_assert(strstr(w.calls[1], ", 9) = 9 [a library thread]"),
            "step 1: %s | %s | %s", w.calls[0], w.calls[1], w.calls[2]);
  cr_assert(strstr(w.calls[2], "SYS_close(") &&
                strstr(w.calls[2], ") = 0 [a library thread]"),
            "step 2: %s", w.calls[2]);
}

Test(lthreads, uvfs_a_fault_in_the_pool_is_what_uv_fs_close_reports) {
  struct seen w;
  struct co_verdict v;
  cr_assert_eq(run("uvfs",
                   "o0 = uv_fs_open rw\nfail close EIO\nuv_fs_close o0\n"
                   "s0 = open rdwr\nclose s0\n",
                   &w, &v),
               CO_V_OK, "%s", v.what);
  cr_assert(strstr(w.calls[2],
                   "= -1 EIO (injected; the number was freed) [a library "
                   "thread]"),
            "step 2: %s", w.calls[2]);
}

Test(lthreads, uvfs_close_declared_detaching_is_caught_at_the_pool_close) {
  struct co_entry *ents;
  struct co_adapter *wa;
  struct seen w;
  struct co_verdict v;
  char err[256];
  size_t i;
  int kind;
  co_libs_init();
  wa = sup_adapter_copy(&co_lib_uvfs, "xuvfs", "x", &ents);
  for (i = 0; i < co_lib_uvfs.contract->nentries; i++)
    if (!strcmp(co_lib_uvfs.contract->entries[i].name, "uv_fs_close"))
      ents[i].effect = CO_EFF_DETACH; /* "hands the descriptor back" */
  cr_assert_eq(co_adapter_register(wa, err, sizeof err), 0, "%s", err);
  sup_target_register("xuvfs", "test: uv_fs_close declared detaching");
  kind = run("xuvfs", "o0 = x_uv_fs_open rw\ns0 = x_uv_fs_close o0\n", &w, &v);
  cr_assert_eq(kind, CO_V_OWNERSHIP, "%s: %s", co_verdict_name(kind), v.what);
  cr_assert_eq(v.step, 1, "%s", v.what);
  cr_assert(strstr(v.what, "x_uv_fs_close (layer xuvfs) -> SYS_close(") &&
                strstr(v.what, "[a library thread]"),
            "%s", v.what);
}

/* The eventfds open in the process now. */
static int eventfds(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;
  cr_assert_not_null(d);
  while ((e = readdir(d))) {
    char path[300], link[64];
    ssize_t k;
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    k = readlink(path, link, sizeof link - 1);
    if (k > 0) {
      link[k] = '\0';
      n += !strcmp(link, "anon_inode:[eventfd]");
    }
  }
  closedir(d);
  return n;
}

static int eventfds_made_by(const char *target) {
  struct co_exec *ex;
  char err[256];
  int before, after;
  co_libs_init();
  before = eventfds();
  ex = co_exec_new_target(co_target_find(target), err, sizeof err);
  cr_assert_not_null(ex, "%s", err);
  after = eventfds();
  cr_assert_eq(sup_run(ex,
                       "s0 s1 = socketpair\no0 = "
                       "bufferevent_socket_new_close s0\n"
                       "bufferevent_write o0 5\nbufferevent_free o0\n"
                       "close s1\n",
                       &(struct rec){0}, &(struct co_verdict){0}),
               CO_V_OK);
  co_exec_free(ex);
  return after - before;
}

Test(lthreads, libevent_threads_base_has_its_notification_eventfd) {
  cr_assert_eq(eventfds_made_by("libevent-threads"), 1);
}

Test(lthreads, libevent_plain_base_has_none) {
  cr_assert_eq(eventfds_made_by("libevent"), 0);
}

/* Figures: N generated traces of a target in contract mode (the moves a
 * well-behaved client would not make skipped, as `closeonce fuzz` does),
 * every one clean; the library calls logged, and how many were made on a
 * thread of the library's own. */
struct tally {
  unsigned long calls, other, late;
};

static void count(void *env, const struct co_step_info *s) {
  struct tally *t = env;
  size_t k;
  for (k = 0; k < s->nicalls; k++) {
    t->calls++;
    t->other += s->icalls[k].thr == CO_ICALL_OTHER;
    t->late += s->icalls[k].thr == CO_ICALL_LATE;
  }
}

static struct tally generated(const char *target, unsigned n, uint64_t seed) {
  const struct co_target *tg;
  struct co_exec *ex;
  struct co_trace tr;
  struct co_rng rng;
  struct tally t = {0, 0, 0};
  char err[256];
  unsigned i;
  co_libs_init();
  tg = co_target_find(target);
  ex = co_exec_new_target(tg, err, sizeof err);
  cr_assert_not_null(ex, "%s", err);
  co_exec_set_mode(ex, CO_MODE_CONTRACT, 1);
  co_exec_set_hook(ex, count, &t);
  co_rng_seed(&rng, seed);
  co_trace_init(&tr);
  for (i = 0; i < n; i++) {
    struct co_verdict v;
    cr_assert_eq(co_gen_trace(&rng, &tg->ops, 32, &tr), 0);
    if (co_exec_run(ex, &tr, &v) != CO_V_OK) {
      co_trace_print(&tr, stderr);
      cr_assert_fail("%s trace %u: %s", target, i, v.what);
    }
  }
  co_trace_free(&tr);
  co_exec_free(ex);
  fprintf(stderr,
          "%s: %u traces clean; %lu library calls logged, %lu on a thread of "
          "the library's own during their step, %lu late\n",
          target, n, t.calls, t.other, t.late);
  return t;
}

Test(lthreads, uvfs_generated_traces_are_clean_and_the_pool_is_seen) {
  struct tally t = generated("uvfs", 3000, 11);
  cr_assert_gt(t.other, 1000, "%lu", t.other);
  cr_assert_eq(t.late, 0); /* every request runs to completion in its step */
}

Test(lthreads, libevent_threads_generated_traces_are_clean) {
  struct tally t = generated("libevent-threads", 3000, 12);
  cr_assert_gt(t.calls, 0);
  cr_assert_eq(t.other + t.late, 0); /* libevent makes no thread */
}
