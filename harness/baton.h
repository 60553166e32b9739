/*
 * The threads of a scheduled run (issue 22, docs/threads.md#scheduled).
 *
 * A parallel trace names, for each operation, the thread that runs it
 * (struct co_op.thr). A scheduled run runs the operations in trace order,
 * each on its own real thread, one at a time: the thread holding the baton
 * runs its operations until the next one is another thread's, then hands
 * the baton over and waits for it to come back. Nothing runs at the same
 * time as anything else, so the executor and the model need no lock, the
 * model predicts every step, and a trace replays the same way every time.
 *
 * struct co_sched is one executor's pool of threads t1..tN, made at its
 * first parallel trace and kept until the executor is freed: a hand-over
 * costs two wake-ups, not a thread's creation. A worker waits spinning a
 * little, then on a condition variable (pthreads; on Windows CreateThread,
 * an SRW lock and a condition variable). Workers block every signal a
 * trace may raise asynchronously (SIGPIPE, as the POSIX backend's own
 * threads do: docs/posix.md#sigpipe).
 */
#ifndef CLOSEONCE_BATON_H
#define CLOSEONCE_BATON_H

#include <stddef.h>

struct co_sched;

/* A pool of n threads (1..CO_THREADS), each of which first runs init(env)
 * (NULL: none); returns when every init has returned. NULL with a message
 * in err. */
struct co_sched *co_sched_new(unsigned n, void (*init)(void *env), void *env,
                              char *err, size_t cap);
/* Ends and joins the threads. NULL is fine. */
void co_sched_free(struct co_sched *s);
unsigned co_sched_threads(const struct co_sched *s);
/* 0 in a child of the process that made the pool (fork keeps the memory,
 * not the threads): the child drops it with co_sched_forget (frees the
 * memory, joins nothing) and makes its own. Always 1 on Windows. */
int co_sched_owned(const struct co_sched *s);
void co_sched_forget(struct co_sched *s);

/* Run fn(env) on thread k (1..n) and wait: the baton goes to k, and comes
 * back when an errand returns without handing it on. What the errands
 * wrote is visible to the caller after. */
void co_sched_run(struct co_sched *s, unsigned k, void (*fn)(void *env),
                  void *env);
/* From an errand running on thread `from`: hand the baton straight to
 * thread k (one wake-up, not two through the caller), which runs fn(env)
 * next. The errand must return at once after, touching nothing shared. */
void co_sched_pass(struct co_sched *s, unsigned from, unsigned k,
                   void (*fn)(void *env), void *env);

/* A free run's race (docs/threads.md#free): run fn(envs[k - 1]) on
 * threads 1..n at once and wait until every one has returned. Each waits
 * at a start barrier until all n are running, so that none is done before
 * the last begins. Unlike co_sched_run, the n calls run at the same time:
 * fn must take its own care of what they share. */
void co_sched_race(struct co_sched *s, unsigned n, void (*fn)(void *env),
                   void *const *envs);

/* Hand-overs made so far (for the benchmark and the stats). */
unsigned long long co_sched_handoffs(const struct co_sched *s);

#endif
