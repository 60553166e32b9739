/*
 * racelib: see racelib.h. Written as a small library with a closer
 * thread would be; closeonce tests it only through its public functions.
 *
 * One mutex guards the library; the closer thread serves requests queued
 * under it (write out what was posted, pre-close, close), and the caller
 * waits for its own request: every close the library makes has happened
 * when the call that asked for it returns, so a scheduled run replays the
 * same way every time.
 */
#include "racelib.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RL_OBJS 16   /* the object table */
#define RL_THREADS 8 /* threads the library keeps a record of */
#define RL_PEND 256  /* posted bytes an object (or a batch entry) holds */
#define RL_BATCH 4   /* a thread's batch (RL_BUG_POST_AFTER_CLOSE) */
#define RL_POSTS 8   /* work posted to a home thread */
#define RL_QUEUE 8   /* requests waiting for the closer */

/* A request to the closer: write out n bytes (at offset off with pwrite
 * if off >= 0), then pre-close, then close (each if asked). A flush
 * writes even when n is 0: over a descriptor that is not writable that
 * fails (EBADF), and the close reports it. The caller's, on its stack,
 * until done. */
struct rl_req {
  int fd;
  unsigned char flush, preclose, close;
  size_t n;
  off_t off;
  unsigned char bytes[RL_PEND];
  int r, err, done;
};

struct rl {
  struct rl_lib *lib;
  int live;
  int closing; /* rl_close has begun: no call may start on it */
  int fd;
  pthread_t home; /* the thread that made it */
  unsigned busy;  /* calls inside a write on fd now */
  size_t npend;   /* posted bytes not written out yet */
  unsigned char pend[RL_PEND];
};

/* A write queued in a thread's batch (RL_BUG_POST_AFTER_CLOSE): a
 * positional write, at the offset the descriptor had when it was posted. */
struct rl_batched {
  int fd;
  off_t off;
  size_t n;
  unsigned char bytes[RL_PEND];
};

/* Work posted to a home thread, done by the closer at its next call. */
struct rl_posted {
  int fd;
  unsigned char preclose, close;
};

/* What the library keeps for one calling thread. */
struct rl_thr {
  int used;
  pthread_t id;
  struct rl *last; /* rl_write's fast path: the last object written */
  int last_fd;
  size_t nbatch, nposts;
  struct rl_batched batch[RL_BATCH];
  struct rl_posted posts[RL_POSTS];
};

struct rl_lib {
  pthread_mutex_t mu;
  pthread_cond_t work; /* the closer: a request is queued, or stop */
  pthread_cond_t done; /* callers: a request was served */
  pthread_t closer;
  int stop;
  unsigned bugs;
  /* the dead descriptor a pre-close puts over a number: the read end of a
   * pipe whose write end is closed (reads see end-of-file, writes fail
   * with EBADF, and nothing raises SIGPIPE) */
  int marker;
  struct rl_req *q[RL_QUEUE];
  size_t qhead, qlen;
  struct rl objs[RL_OBJS];
  struct rl_thr thr[RL_THREADS];
};

/* Writes n bytes (at off, if off >= 0); 0, or -1 with errno. What was
 * not written is lost, as a buffer's bytes would be. A flush with nothing
 * to write still makes one write of 0 bytes (the closer's: it takes no
 * signal). */
static int write_all(int fd, const unsigned char *p, size_t n, off_t off,
                     int flush) {
  if (!n && !flush)
    return 0;
  do {
    ssize_t w = off >= 0 ? pwrite(fd, p, n, off) : write(fd, p, n);
    if (w < 0 || (w == 0 && n))
      return -1;
    p += w;
    n -= (size_t)w;
    if (off >= 0)
      off += w;
  } while (n);
  return 0;
}

/* The closer's work on one request (no lock held). */
static void serve(struct rl_lib *l, struct rl_req *rq) {
  rq->r = 0;
  rq->err = 0;
  if (write_all(rq->fd, rq->bytes, rq->n, rq->off, rq->flush) < 0 &&
      rq->flush) {
    rq->r = -1;
    rq->err = errno;
  }
  /* only a number that is open has calls to wake */
  if (rq->preclose && fcntl(rq->fd, F_GETFD) >= 0 &&
      dup2(l->marker, rq->fd) < 0) {
    rq->r = -1;
    rq->err = errno;
  }
  if (rq->close && close(rq->fd) < 0 && !rq->err) {
    rq->r = -1;
    rq->err = errno;
  }
}

static void *closer_main(void *arg) {
  struct rl_lib *l = arg;
  pthread_mutex_lock(&l->mu);
  for (;;) {
    struct rl_req *rq;
    while (!l->qlen && !l->stop)
      pthread_cond_wait(&l->work, &l->mu);
    if (!l->qlen)
      break;
    rq = l->q[l->qhead];
    l->qhead = (l->qhead + 1) % RL_QUEUE;
    l->qlen--;
    pthread_mutex_unlock(&l->mu);
    serve(l, rq);
    pthread_mutex_lock(&l->mu);
    rq->done = 1;
    pthread_cond_broadcast(&l->done);
  }
  pthread_mutex_unlock(&l->mu);
  return NULL;
}

/* Hand rq to the closer and wait until it is served (l->mu held). */
static void closer_run(struct rl_lib *l, struct rl_req *rq) {
  rq->done = 0;
  while (l->qlen == RL_QUEUE)
    pthread_cond_wait(&l->done, &l->mu);
  l->q[(l->qhead + l->qlen++) % RL_QUEUE] = rq;
  pthread_cond_signal(&l->work);
  while (!rq->done)
    pthread_cond_wait(&l->done, &l->mu);
}

/* The record of thread id (made if make), or NULL if the table is full. */
static struct rl_thr *rec_of(struct rl_lib *l, pthread_t id, int make) {
  struct rl_thr *free_rec = NULL;
  size_t i;
  for (i = 0; i < RL_THREADS; i++) {
    if (l->thr[i].used && pthread_equal(l->thr[i].id, id))
      return &l->thr[i];
    if (!l->thr[i].used && !free_rec)
      free_rec = &l->thr[i];
  }
  if (!free_rec || !make)
    return NULL;
  memset(free_rec, 0, sizeof *free_rec);
  free_rec->used = 1;
  free_rec->id = id;
  return free_rec;
}

/* A thread's batch (RL_BUG_POST_AFTER_CLOSE), written out by the closer
 * (l->mu held). */
static void flush_batch(struct rl_lib *l, struct rl_thr *t) {
  struct rl_req rq;
  size_t i, n = t->nbatch;
  t->nbatch = 0;
  for (i = 0; i < n; i++) {
    rq.fd = t->batch[i].fd;
    rq.off = t->batch[i].off;
    rq.n = t->batch[i].n;
    memcpy(rq.bytes, t->batch[i].bytes, rq.n);
    rq.flush = rq.preclose = rq.close = 0;
    closer_run(l, &rq);
  }
}

/* The start of every entry point but rl_fd (l->mu held): the calling
 * thread's batch is written out. Returns the thread's record (NULL if the
 * table is full). */
static struct rl_thr *enter(struct rl_lib *l) {
  struct rl_thr *t = rec_of(l, pthread_self(), 1);
  if (t && t->nbatch)
    flush_batch(l, t);
  return t;
}

/* The end of every entry point but rl_fd (l->mu held): the work posted
 * to the calling thread is the closer's now, and the call returns when it
 * is done (an event loop's posted callbacks, run as a call leaves). */
static void leave(struct rl_lib *l) {
  struct rl_thr *t = rec_of(l, pthread_self(), 0);
  struct rl_posted posts[RL_POSTS];
  size_t i, n;
  if (!t || !t->nposts)
    return;
  n = t->nposts;
  memcpy(posts, t->posts, n * sizeof *posts);
  t->nposts = 0;
  for (i = 0; i < n; i++) {
    struct rl_req rq;
    rq.fd = posts[i].fd;
    rq.preclose = posts[i].preclose;
    rq.close = posts[i].close;
    rq.flush = 0;
    rq.n = 0;
    rq.off = -1;
    closer_run(l, &rq);
  }
}

struct rl_lib *rl_lib_new(unsigned bugs) {
  struct rl_lib *l = calloc(1, sizeof *l);
  sigset_t all, old;
  int p[2], e;
  size_t i;
  if (!l) {
    errno = ENOMEM;
    return NULL;
  }
  l->bugs = bugs;
  for (i = 0; i < RL_OBJS; i++)
    l->objs[i].lib = l;
  if (pipe2(p, O_CLOEXEC) < 0) {
    free(l);
    return NULL;
  }
  close(p[1]);
  l->marker = p[0];
  pthread_mutex_init(&l->mu, NULL);
  pthread_cond_init(&l->work, NULL);
  pthread_cond_init(&l->done, NULL);
  /* the closer takes no signal (a write to a pipe nobody reads is EPIPE
   * to it, not SIGPIPE to the process) */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  e = pthread_create(&l->closer, NULL, closer_main, l);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (e) {
    close(l->marker);
    pthread_cond_destroy(&l->done);
    pthread_cond_destroy(&l->work);
    pthread_mutex_destroy(&l->mu);
    free(l);
    errno = e;
    return NULL;
  }
  return l;
}

void rl_lib_reset(struct rl_lib *l) {
  size_t i;
  pthread_mutex_lock(&l->mu);
  memset(l->thr, 0, sizeof l->thr);
  for (i = 0; i < RL_OBJS; i++)
    l->objs[i].live = l->objs[i].closing = 0;
  pthread_mutex_unlock(&l->mu);
}

void rl_lib_free(struct rl_lib *l) {
  if (!l)
    return;
  pthread_mutex_lock(&l->mu);
  l->stop = 1;
  pthread_cond_signal(&l->work);
  pthread_mutex_unlock(&l->mu);
  pthread_join(l->closer, NULL);
  close(l->marker);
  pthread_cond_destroy(&l->done);
  pthread_cond_destroy(&l->work);
  pthread_mutex_destroy(&l->mu);
  free(l);
}

/* The lowest free slot of the table, made an object over fd (l->mu held),
 * or NULL. */
static struct rl *take_slot(struct rl_lib *l, int fd) {
  size_t i;
  for (i = 0; i < RL_OBJS; i++) {
    struct rl *o = &l->objs[i];
    if (o->live)
      continue;
    o->live = 1;
    o->closing = 0;
    o->fd = fd;
    o->home = pthread_self();
    o->busy = 0;
    o->npend = 0;
    return o;
  }
  return NULL;
}

struct rl *rl_open(struct rl_lib *l, const char *path) {
  struct rl *o;
  int fd, e;
  pthread_mutex_lock(&l->mu);
  enter(l);
  pthread_mutex_unlock(&l->mu);
  fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  e = errno;
  pthread_mutex_lock(&l->mu);
  o = fd < 0 ? NULL : take_slot(l, fd);
  leave(l);
  pthread_mutex_unlock(&l->mu);
  if (!o && fd >= 0) {
    close(fd);
    e = EMFILE;
  }
  errno = e;
  return o;
}

int rl_fd(struct rl *o) {
  int fd;
  pthread_mutex_lock(&o->lib->mu);
  fd = o->fd;
  pthread_mutex_unlock(&o->lib->mu);
  return fd;
}

long rl_write(struct rl *o, const void *buf, size_t n) {
  struct rl_lib *l = o->lib;
  struct rl_thr *t;
  long r;
  int fd, e;
  pthread_mutex_lock(&l->mu);
  t = enter(l);
  if (!o->live || o->closing) { /* its number is not the object's now */
    leave(l);
    pthread_mutex_unlock(&l->mu);
    errno = EBADF;
    return -1;
  }
  fd = t && t->last == o ? t->last_fd : o->fd;
  if (t) {
    t->last = o;
    t->last_fd = fd;
  }
  o->busy++;
  pthread_mutex_unlock(&l->mu);
  r = (long)write(fd, buf, n);
  e = errno;
  pthread_mutex_lock(&l->mu);
  if (!--o->busy)
    pthread_cond_broadcast(&l->done);
  leave(l);
  pthread_mutex_unlock(&l->mu);
  errno = e;
  return r;
}

long rl_post(struct rl *o, const void *buf, size_t n) {
  struct rl_lib *l = o->lib;
  struct rl_thr *t;
  size_t k = n < RL_PEND ? n : RL_PEND;
  pthread_mutex_lock(&l->mu);
  t = enter(l);
  if (!o->live || o->closing) {
    leave(l);
    pthread_mutex_unlock(&l->mu);
    errno = EBADF;
    return -1;
  }
  if ((l->bugs & RL_BUG_POST_AFTER_CLOSE) && t) {
    struct rl_batched *b;
    if (t->nbatch == RL_BATCH)
      flush_batch(l, t);
    b = &t->batch[t->nbatch++];
    b->fd = o->fd;
    b->off = lseek(o->fd, 0, SEEK_CUR);
    if (b->off < 0)
      b->off = 0; /* positional all the same */
    b->n = k;
    memcpy(b->bytes, buf, k);
  } else {
    if (o->npend + k > RL_PEND) {
      write_all(o->fd, o->pend, o->npend, -1, 0);
      o->npend = 0;
    }
    memcpy(o->pend + o->npend, buf, k);
    o->npend += k;
  }
  leave(l);
  pthread_mutex_unlock(&l->mu);
  return (long)k;
}

/* rl_close on a thread other than o's home thread, with a planted bug
 * (l->mu held; released): the number is closed here, and the rest posted
 * to the home thread. */
static int close_foreign(struct rl_lib *l, struct rl *o) {
  struct rl_thr *home = rec_of(l, o->home, 1);
  int fd = o->fd, r, e;
  write_all(fd, o->pend, o->npend, -1, 0);
  o->live = o->closing = 0;
  pthread_mutex_unlock(&l->mu);
  r = close(fd);
  e = errno;
  pthread_mutex_lock(&l->mu);
  if (home && home->nposts < RL_POSTS) {
    struct rl_posted *p = &home->posts[home->nposts++];
    p->fd = fd;
    p->close = (l->bugs & RL_BUG_CLOSE_REUSE) != 0;      /* the disposal */
    p->preclose = (l->bugs & RL_BUG_PRECLOSE_LATE) != 0; /* the wake-up */
  }
  leave(l);
  pthread_mutex_unlock(&l->mu);
  errno = e;
  return r;
}

int rl_close(struct rl *o) {
  struct rl_lib *l = o->lib;
  struct rl_thr *t;
  struct rl_req rq;
  size_t i;
  pthread_mutex_lock(&l->mu);
  t = enter(l);
  if (!o->live || o->closing) { /* closed, or closing, by another call */
    leave(l);
    pthread_mutex_unlock(&l->mu);
    errno = EBADF;
    return -1;
  }
  o->closing = 1;
  /* rl_write's fast path forgets the object: in every thread's record */
  for (i = 0; i < RL_THREADS; i++)
    if (l->thr[i].last == o &&
        (!(l->bugs & RL_BUG_TLS_CACHE) || &l->thr[i] == t))
      l->thr[i].last = NULL;
  if ((l->bugs & (RL_BUG_CLOSE_REUSE | RL_BUG_PRECLOSE_LATE)) &&
      !pthread_equal(o->home, pthread_self()))
    return close_foreign(l, o);
  rq.fd = o->fd;
  rq.off = -1;
  rq.n = o->npend;
  memcpy(rq.bytes, o->pend, o->npend);
  o->npend = 0;
  if (o->busy) {
    /* another thread is inside a write on it: the closer puts the dead
     * end over the number (their calls fail, the number stays taken),
     * and closes it once they have left */
    rq.flush = rq.preclose = 1;
    rq.close = 0;
    closer_run(l, &rq);
    while (o->busy)
      pthread_cond_wait(&l->done, &l->mu);
    rq.n = 0;
    rq.flush = 0;
  } else {
    rq.flush = 1;
  }
  rq.preclose = 0;
  rq.close = 1;
  closer_run(l, &rq);
  o->live = o->closing = 0;
  leave(l);
  pthread_mutex_unlock(&l->mu);
  errno = rq.err;
  return rq.r;
}
