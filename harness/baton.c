/*
 * The threads of a scheduled run: a pool, and the baton that goes from
 * the caller to one of them and back (harness/baton.h;
 * docs/threads.md#scheduled).
 *
 * Each worker has two counters: go, the requests posted to it, and done,
 * the requests it finished. Posting stores fn and env, then go + 1 with
 * release order; the worker reads go with acquire order, runs fn, stores
 * done with release order, which the caller reads with acquire order: so
 * what either side wrote before its store is what the other reads after.
 * Each side waits spinning a little first (a hand-over is then a few
 * hundred nanoseconds while the other thread has a core), then on the
 * worker's condition variable, checking its counter under the lock that
 * the other side takes after storing, so no wake-up is lost.
 */
#include "baton.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/trace.h"

#ifdef _WIN32
#include <windows.h>
typedef HANDLE thread_t;
typedef SRWLOCK lock_t;
typedef CONDITION_VARIABLE cond_t;
#define LOCK(l) AcquireSRWLockExclusive(l)
#define UNLOCK(l) ReleaseSRWLockExclusive(l)
#define WAIT(c, l) SleepConditionVariableSRW(c, l, INFINITE, 0)
#define WAKE(c) WakeAllConditionVariable(c)
#define YIELD() SwitchToThread()
#else
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#define YIELD() sched_yield()
typedef pthread_t thread_t;
typedef pthread_mutex_t lock_t;
typedef pthread_cond_t cond_t;
#define LOCK(l) pthread_mutex_lock(l)
#define UNLOCK(l) pthread_mutex_unlock(l)
#define WAIT(c, l) pthread_cond_wait(c, l)
#define WAKE(c) pthread_cond_broadcast(c)
#endif

#if defined(__x86_64__) || defined(__i386__)
#define RELAX() __builtin_ia32_pause()
#else
#define RELAX() ((void)0)
#endif

/* Spins before sleeping: a few microseconds of pause instructions,
 * longer than most steps of a model and a system call. */
#define SPINS 200

struct worker {
  struct co_sched *s;
  thread_t th;
  int made;
  int passed; /* the errand running here handed the baton on */
  lock_t mu;
  cond_t cv;
  atomic_uint go, done;
  atomic_int quit;
  atomic_uint gone; /* Windows: 1 once the worker's loop has ended */
  void (*fn)(void *);
  void *env;
};

struct co_sched {
  unsigned n;
  long pid;                /* the process that made the threads (POSIX) */
  void (*init)(void *env); /* each thread's first errand */
  void *init_env;
  unsigned long long handoffs;
  struct worker w[CO_THREADS];
  /* the caller's side: errands ended (a chain of hand-overs ends once) */
  struct worker back;
};

/* Wait until *c differs from seen (or quit, for a worker); returns *c. */
static unsigned wait_change(struct worker *w, atomic_uint *c, unsigned seen,
                            int worker) {
  unsigned v;
  int i;
  for (i = 0; i < SPINS; i++) {
    if ((v = atomic_load_explicit(c, memory_order_acquire)) != seen ||
        (worker && atomic_load_explicit(&w->quit, memory_order_acquire)))
      return v;
    RELAX();
  }
  LOCK(&w->mu);
  while ((v = atomic_load_explicit(c, memory_order_acquire)) == seen &&
         !(worker && atomic_load_explicit(&w->quit, memory_order_acquire)))
    WAIT(&w->cv, &w->mu);
  UNLOCK(&w->mu);
  return v;
}

static void post(struct worker *w, atomic_uint *c, unsigned v) {
  atomic_store_explicit(c, v, memory_order_release);
  LOCK(&w->mu);
  WAKE(&w->cv);
  UNLOCK(&w->mu);
}

/* A worker: wait for an errand, run it; unless it handed the baton to
 * another worker (co_sched_pass), the chain ends here and the caller gets
 * the baton back. After either hand-over it touches nothing shared. */
static void worker_loop(struct worker *w) {
  struct worker *back = &w->s->back;
  unsigned seen = 0;
  if (w->s->init)
    w->s->init(w->s->init_env);
  /* started: co_sched_new waits for each thread before it makes the next */
  post(back, &back->done,
       atomic_load_explicit(&back->done, memory_order_relaxed) + 1);
  for (;;) {
    unsigned go = wait_change(w, &w->go, seen, 1);
    if (go == seen) /* quit */
      return;
    seen = go;
    w->passed = 0;
    w->fn(w->env);
    if (!w->passed)
      post(back, &back->done,
           atomic_load_explicit(&back->done, memory_order_relaxed) + 1);
  }
}

#ifdef _WIN32
static DWORD WINAPI worker_main(LPVOID arg) {
  struct worker *w = arg;
  worker_loop(w);
  /* the last touch of w: no lock after it (stop() may free w at once) */
  atomic_store_explicit(&w->gone, 1, memory_order_release);
  return 0;
}
#else
static void *worker_main(void *arg) {
  sigset_t async;
  /* a trace's asynchronous signals are the calling thread's to take
   * (docs/posix.md#sigpipe): a worker never takes one */
  sigemptyset(&async);
  sigaddset(&async, SIGPIPE);
  sigaddset(&async, SIGCHLD);
  sigaddset(&async, SIGALRM);
  sigaddset(&async, SIGINT);
  sigaddset(&async, SIGTERM);
  sigaddset(&async, SIGUSR1);
  sigaddset(&async, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &async, NULL);
  worker_loop(arg);
  return NULL;
}
#endif

static int start(struct worker *w) {
#ifdef _WIN32
  /* The thread's HANDLE is closed at once: a trace's handles are the
   * process's, and the executor's end check would find it open; stop()
   * waits for the loop's end through gone instead. */
  InitializeSRWLock(&w->mu);
  InitializeConditionVariable(&w->cv);
  w->th = CreateThread(NULL, 0, worker_main, w, 0, NULL);
  if (!w->th)
    return -1;
  CloseHandle(w->th);
  return 0;
#else
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  return pthread_create(&w->th, NULL, worker_main, w) ? -1 : 0;
#endif
}

static void stop(struct worker *w) {
  atomic_store_explicit(&w->quit, 1, memory_order_release);
  LOCK(&w->mu);
  WAKE(&w->cv);
  UNLOCK(&w->mu);
#ifdef _WIN32
  while (!atomic_load_explicit(&w->gone, memory_order_acquire))
    Sleep(1); /* once, when the executor is freed */
#else
  pthread_join(w->th, NULL);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
#endif
}

struct co_sched *co_sched_new(unsigned n, void (*init)(void *env), void *env,
                              char *err, size_t cap) {
  struct co_sched *s;
  unsigned k;
  if (n < 1 || n > CO_THREADS) {
    snprintf(err, cap, "a scheduled run has 1 to %d threads, not %u",
             CO_THREADS, n);
    return NULL;
  }
  if (!(s = calloc(1, sizeof *s))) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  s->n = n;
#ifndef _WIN32
  s->pid = (long)getpid();
#endif
  s->init = init;
  s->init_env = env;
  atomic_init(&s->back.go, 0);
  atomic_init(&s->back.done, 0);
  atomic_init(&s->back.quit, 0);
#ifdef _WIN32
  InitializeSRWLock(&s->back.mu);
  InitializeConditionVariable(&s->back.cv);
#else
  pthread_mutex_init(&s->back.mu, NULL);
  pthread_cond_init(&s->back.cv, NULL);
#endif
  for (k = 0; k < n; k++) {
    struct worker *w = &s->w[k];
    w->s = s;
    atomic_init(&w->go, 0);
    atomic_init(&w->done, 0);
    atomic_init(&w->quit, 0);
    atomic_init(&w->gone, 0);
    if (start(w) < 0) {
      snprintf(err, cap, "cannot start thread t%u of a scheduled run", k + 1);
      co_sched_free(s);
      return NULL;
    }
    w->made = 1;
    (void)wait_change(&s->back, &s->back.done, k, 0); /* its init ran */
  }
  return s;
}

void co_sched_free(struct co_sched *s) {
  unsigned k;
  if (!s)
    return;
  for (k = 0; k < s->n; k++)
    if (s->w[k].made)
      stop(&s->w[k]);
#ifndef _WIN32
  pthread_mutex_destroy(&s->back.mu);
  pthread_cond_destroy(&s->back.cv);
#endif
  free(s);
}

unsigned co_sched_threads(const struct co_sched *s) {
  return s ? s->n : 0;
}

int co_sched_owned(const struct co_sched *s) {
#ifdef _WIN32
  (void)s;
  return 1;
#else
  return s->pid == (long)getpid();
#endif
}

void co_sched_forget(struct co_sched *s) {
  free(s);
}

/* Give thread k the errand fn(env). */
static void give(struct co_sched *s, unsigned k, void (*fn)(void *env),
                 void *env) {
  struct worker *w = &s->w[k - 1];
  w->fn = fn;
  w->env = env;
  s->handoffs++;
  post(w, &w->go, atomic_load_explicit(&w->go, memory_order_relaxed) + 1);
}

void co_sched_run(struct co_sched *s, unsigned k, void (*fn)(void *env),
                  void *env) {
  unsigned ended = atomic_load_explicit(&s->back.done, memory_order_relaxed);
  give(s, k, fn, env);
  (void)wait_change(&s->back, &s->back.done, ended, 0);
}

void co_sched_pass(struct co_sched *s, unsigned from, unsigned k,
                   void (*fn)(void *env), void *env) {
  s->w[from - 1].passed = 1;
  give(s, k, fn, env);
}

unsigned long long co_sched_handoffs(const struct co_sched *s) {
  return s ? s->handoffs : 0;
}

/* co_sched_race's start barrier: each racer counts itself in, then waits
 * (spinning, then yielding: there may be fewer cores than racers) until
 * all have. The last to finish ends the errand for all (one post of the
 * caller's counter: concurrent posts would lose one); the others, as
 * each after it, touch nothing shared once counted out. */
struct racer {
  struct co_sched *s;
  struct worker *w;
  atomic_uint *in, *out;
  unsigned n;
  void (*fn)(void *);
  void *env;
};

static void race_entry(void *env) {
  struct racer *r = env;
  struct worker *back = &r->s->back;
  atomic_uint *out = r->out;
  unsigned i = 0, n = r->n; /* r is the caller's: not read once counted out */
  atomic_fetch_add_explicit(r->in, 1, memory_order_acq_rel);
  while (atomic_load_explicit(r->in, memory_order_acquire) < n)
    if (++i < SPINS)
      RELAX();
    else
      YIELD();
  r->fn(r->env);
  r->w->passed = 1; /* the loop does not end the errand: the last racer does */
  if (atomic_fetch_add_explicit(out, 1, memory_order_acq_rel) + 1 == n)
    post(back, &back->done,
         atomic_load_explicit(&back->done, memory_order_relaxed) + 1);
}

void co_sched_race(struct co_sched *s, unsigned n, void (*fn)(void *env),
                   void *const *envs) {
  struct racer r[CO_THREADS];
  atomic_uint in, out;
  unsigned k, ended = atomic_load_explicit(&s->back.done, memory_order_relaxed);
  if (n > s->n)
    n = s->n;
  if (!n)
    return;
  atomic_init(&in, 0);
  atomic_init(&out, 0);
  for (k = 0; k < n; k++) {
    r[k] = (struct racer){s, &s->w[k], &in, &out, n, fn, envs[k]};
    give(s, k + 1, race_entry, &r[k]);
  }
  (void)wait_change(&s->back, &s->back.done, ended, 0);
}
