/*
 * racelib: a small library with a thread of its own that closes
 * descriptors (issue 22, docs/threads.md#racelib). POSIX.
 *
 * A struct rl_lib is one instance of the library: its closer thread, the
 * table its objects live in, and what it keeps for each thread that calls
 * it. A struct rl owns one descriptor.
 *
 *   rl_lib_new    starts the library (its closer thread)
 *   rl_lib_reset  forgets what the library keeps between calls (the
 *                 per-thread records, work not done yet); no object may
 *                 be live
 *   rl_lib_free   stops the closer thread and frees the library
 *   rl_open       makes a file and owns its descriptor
 *   rl_fd         the object's descriptor, for the caller to look at
 *                 (it must not use it: the library's writes go through it
 *                 at times of the library's choosing)
 *   rl_write      one write(2) through the descriptor, now
 *   rl_post       queues bytes: the library writes them out at the
 *                 object's close at the latest (an unknown amount is
 *                 written by then, as through a buffer)
 *   rl_close      hands the descriptor to the closer thread, which writes
 *                 out what was posted and closes it; returns once it is
 *                 closed, with close's result
 *
 * Every entry point but rl_fd first does what the library left for the
 * calling thread (nothing, in the library without bugs). An object's home
 * thread is the thread that made it. The closer pre-closes a descriptor
 * that another thread is inside a call on (dup2 of a dead descriptor over
 * it, the technique of OpenJDK's preClose0: the number stays taken, the
 * calls fail) and closes it when the last such call has left; a scheduled
 * run never has one. rl_write, rl_post and rl_close of an object closed
 * already fail with EBADF (until its table slot is reused).
 *
 * Planted races, for closeonce's own tests (RL_BUG_..., the library's
 * bugs: every object of a library made with them has them). Each shows
 * only when two threads call the library.
 */
#ifndef RACELIB_H
#define RACELIB_H

#include <stddef.h>

struct rl_lib;
struct rl;

/* rl_close from a thread other than the object's home thread closes the
 * number at once (a foreign thread is not to wait for the closer) and
 * posts the object's disposal to its home thread; the disposal, at the
 * home thread's next call, is the closer's close of the object's number:
 * a second close, of whatever file has that number by then (close after
 * reuse: rsyslog#3406). */
#define RL_BUG_CLOSE_REUSE 0x1
/* rl_write keeps the last object a thread wrote and its number in the
 * thread's record (a fast path without the object); rl_close forgets it
 * only in the record of the thread that closes: another thread's next
 * rl_write of a new object in the same table slot writes to the old
 * number (a stale per-thread cache, the ABA of a reused handle). */
#define RL_BUG_TLS_CACHE 0x2
/* rl_post queues the bytes, with the number, in the calling thread's
 * batch (no lock on the object), written out at that thread's next call;
 * rl_close writes out only the closing thread's batch: another thread's
 * queued write goes through the old number after the close, onto the file
 * opened under it since (a use racing a destroy: golang/go#7970). */
#define RL_BUG_POST_AFTER_CLOSE 0x4
/* rl_close from a thread other than the object's home thread closes the
 * number at once and leaves the pre-close (dup2 of the dead descriptor
 * over the number, to wake the home thread's calls) to the closer at the
 * home thread's next call: by then the number may be another file's,
 * which the dup2 replaces (a dup2 over a number another thread uses: the
 * preClose0 technique done after the close). */
#define RL_BUG_PRECLOSE_LATE 0x8

/* NULL with errno on failure. bugs: RL_BUG_* (0: none). */
struct rl_lib *rl_lib_new(unsigned bugs);
void rl_lib_reset(struct rl_lib *l);
void rl_lib_free(struct rl_lib *l);

struct rl *rl_open(struct rl_lib *l, const char *path);
int rl_fd(struct rl *o);
long rl_write(struct rl *o, const void *buf, size_t n);
long rl_post(struct rl *o, const void *buf, size_t n);
int rl_close(struct rl *o);

#endif
