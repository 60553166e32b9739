/*
 * The POSIX (Linux) backend: real descriptors, one system call per
 * operation, files in a private temporary directory.
 *
 * Every "open" makes a fresh file: O_TMPFILE where the file system has it
 * (one call, no name ever exists), otherwise a named create followed at once
 * by unlink. Either way nothing is left in the directory, which destroy()
 * removes. write writes the pattern CO_WRITE_BYTE; read and fstat report
 * what they returned besides the count as the outcome's data (the bytes'
 * digest, the fields packed). Observations: F_GETFD, lseek, kcmp(KCMP_FILE)
 * (fstat inode when kcmp is unavailable), poll() for validity of many numbers
 * at once.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "closeonce/backend.h"
#include "closeonce/contract.h"
#include "closeonce/error.h"
#include "posix.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef SYS_kcmp
#define SYS_kcmp 312
#endif
#define KCMP_FILE_ 0
#define KCMP_FILES_ 2
#ifndef F_CREATED_QUERY
#define F_CREATED_QUERY (1024 + 4) /* F_LINUX_SPECIFIC_BASE + 4, Linux 6.12 */
#endif
#ifndef SEEK_DATA
#define SEEK_DATA 3
#endif
#ifndef SEEK_HOLE
#define SEEK_HOLE 4
#endif

#define POLL_CHUNK 256

/* The second party (docs/posix.md#party): a thread of the harness, which
 * shares the descriptor table, and runs the calls the trace gives it one
 * at a time while the caller waits. */
struct party {
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int running; /* the thread exists */
  pid_t owner; /* the thread that made it (its table, kcmp) */
  int state;   /* PARTY_IDLE, PARTY_CALL (c, out set), PARTY_EXIT */
  const struct co_call *c;
  struct co_outcome *out;
};
enum { PARTY_IDLE, PARTY_CALL, PARTY_EXIT };

struct posix_be {
  int dirfd;
  int tmpfile_ok; /* O_TMPFILE works in dir */
  int kcmp_ok;
  int64_t limit; /* RLIMIT_NOFILE when created, as the executor takes it */
  struct co_files files; /* the files, probed (probe_files) */
  int child;             /* calls go to the second party ("thread child") */
  struct party party;
  pid_t pid;
  char dir[4096];
  struct pollfd pfd[POLL_CHUNK];
  char buf[256]; /* what write writes: CO_WRITE_BYTE */
  /* SIGPIPE blocked in the calling thread while a trace that made a pipe
   * or a socket runs (docs/posix.md#sigpipe); its mask before */
  int sigpipe_held;
  sigset_t sigpipe_old;
};

/* Where the private directory goes: $TMPDIR if set; otherwise /dev/shm
 * when it is a writable tmpfs (creating and freeing files there costs a
 * third of what it costs on a journaled disk file system); otherwise /tmp.
 */
static const char *tmp_root(void) {
  const char *tmp = getenv("TMPDIR");
  struct statfs sf;
  if (tmp && *tmp)
    return tmp;
  if (statfs("/dev/shm", &sf) == 0 && sf.f_type == 0x01021994 /* tmpfs */ &&
      access("/dev/shm", W_OK | X_OK) == 0)
    return "/dev/shm";
  return "/tmp";
}

static int64_t posix_limit(void *self);
static int posix_open(struct posix_be *be, unsigned flags);
static int posix_reopen(int fd, unsigned flags);
static void posix_trace_end(void *self);

/* Where the file system of dir puts holes (docs/posix.md#blocks): in a
 * file of 8 MiB whose first byte alone was written, SEEK_HOLE from 0 finds
 * the end of the first data block. That is the hole block if a byte
 * written at twice it is found again by SEEK_DATA from it, and a hole
 * begins right after its block; a file system whose SEEK_HOLE gives the
 * size (generic_file_llseek) makes no holes, and st_blksize is its block.
 * Anything else: not known. */
#define PROBE_SIZE (8 << 20)
static void probe_holes(struct posix_be *be, int fd) {
  struct stat st;
  off_t h;
  be->files.block = 4096;
  be->files.holes = -1;
  if (fstat(fd, &st) == 0 && st.st_blksize > 0 && st.st_blksize <= 1 << 24)
    be->files.block = st.st_blksize;
  if (pwrite(fd, "a", 1, 0) == 1 && ftruncate(fd, PROBE_SIZE) == 0 &&
      (h = lseek(fd, 0, SEEK_HOLE)) > 0) {
    if (h == PROBE_SIZE)
      be->files.holes = 0;
    else if (h <= 1 << 24 && (h & (h - 1)) == 0 &&
             pwrite(fd, "a", 1, 2 * h) == 1 &&
             lseek(fd, h, SEEK_DATA) == 2 * h &&
             lseek(fd, 2 * h, SEEK_HOLE) == 3 * h &&
             lseek(fd, 0, SEEK_HOLE) == h) {
      be->files.block = h;
      be->files.holes = 1;
    }
  }
}

/* What else the model needs of the files (docs/posix.md#reopen): whether
 * an open makes them unnamed (O_TMPFILE), F_CREATED_QUERY, opening one
 * again by its /proc name, and whether its mode binds the caller (a file
 * of mode 0 opened again for reading: CAP_DAC_OVERRIDE lets it). */
static void probe_files(struct posix_be *be) {
  int fd = posix_open(be, CO_F_ACC_RDWR | CO_F_CLOEXEC), r;
  be->files.tmpfile = be->tmpfile_ok;
  probe_holes(be, fd);
  if (fd < 0)
    return;
  be->files.created_query = fcntl(fd, F_CREATED_QUERY, 0) >= 0;
  if ((r = posix_reopen(fd, CO_F_ACC_RDONLY | CO_F_CLOEXEC)) >= 0) {
    be->files.reopen = 1;
    close(r);
    if (fchmod(fd, 0) == 0 &&
        (r = posix_reopen(fd, CO_F_ACC_RDONLY | CO_F_CLOEXEC)) >= 0) {
      be->files.dac_override = 1;
      close(r);
    }
  }
  close(fd);
}

/* A new pipe's buffers and their page (docs/posix.md#pipes): F_GETPIPE_SZ
 * of a pipe made now, over the page size. */
static void probe_pipes(struct posix_be *be) {
  int p[2];
  long sz, page = sysconf(_SC_PAGESIZE);
  if (page <= 0 || pipe2(p, O_CLOEXEC) < 0)
    return;
  sz = fcntl(p[0], F_GETPIPE_SZ);
  if (sz > 0) {
    be->files.pipe_page = (int)page;
    be->files.pipe_bufs = (int)(sz / page);
  }
  close(p[0]);
  close(p[1]);
  /* an AF_UNIX socket's send buffer (docs/posix.md#socket-capacity) */
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == 0) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(p[0], SOL_SOCKET, SO_SNDBUF, &v, &len) == 0 && v > 0)
      be->files.sock_sndbuf = v;
    close(p[0]);
    close(p[1]);
  }
}

/* evdir (docs/posix.md#eventfd-write, #epoll-wait): whether an eventfd's
 * write takes exactly 8 bytes (a write of 9 is EINVAL), whether
 * epoll_wait checks its descriptor before maxevents, and the private
 * directory's permission bits (opendir's fstat). */
static void probe_evdir(struct posix_be *be) {
  uint64_t b[2] = {1, 0};
  struct stat st;
  struct epoll_event ev;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  be->files.epwait_fd_first = epoll_wait(-1, &ev, 0, 0) < 0 && errno == EBADF;
  if (fd >= 0) {
    be->files.efd_exact = write(fd, b, 9) < 0 && errno == EINVAL;
    close(fd);
  }
  if (fstat(be->dirfd, &st) == 0)
    be->files.dir_mode = (unsigned)st.st_mode & 07777;
}

static void posix_files(void *self, struct co_files *out) {
  *out = ((struct posix_be *)self)->files;
}

static void *posix_create(char *err, size_t errcap) {
  struct posix_be *be = calloc(1, sizeof *be);
  const char *tmp = tmp_root();
  int fd;
  if (!be) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  snprintf(be->dir, sizeof be->dir, "%s/closeonce-XXXXXX", tmp);
  if (!mkdtemp(be->dir)) {
    snprintf(err, errcap, "cannot create a temporary directory in %s: %s", tmp,
             strerror(errno));
    free(be);
    return NULL;
  }
  be->dirfd = open(be->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (be->dirfd < 0) {
    snprintf(err, errcap, "cannot open %s: %s", be->dir, strerror(errno));
    rmdir(be->dir);
    free(be);
    return NULL;
  }
  fd = openat(be->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) {
    be->tmpfile_ok = 1;
    close(fd);
  }
  /* kcmp and /proc name the calling thread's descriptor table (a thread may
   * have its own: unshare(CLONE_FILES)); the backend is used by the thread
   * that made it. */
  be->pid = (pid_t)syscall(SYS_gettid);
  be->limit = posix_limit(NULL);
  be->kcmp_ok = syscall(SYS_kcmp, be->pid, be->pid, KCMP_FILE_, be->dirfd,
                        be->dirfd) == 0;
  for (fd = 0; fd < (int)sizeof be->buf; fd++)
    be->buf[fd] = (char)CO_WRITE_BYTE(fd);
  pthread_mutex_init(&be->party.mu, NULL);
  pthread_cond_init(&be->party.cv, NULL);
  probe_files(be);
  probe_pipes(be);
  probe_evdir(be);
  return be;
}

static void posix_destroy(void *self) {
  struct posix_be *be = self;
  DIR *d;
  struct dirent *e;
  if (!be)
    return;
  posix_trace_end(be);
  pthread_mutex_destroy(&be->party.mu);
  pthread_cond_destroy(&be->party.cv);
  /* Nothing should be left; remove anything a crash in between left. */
  d = fdopendir(be->dirfd);
  if (d) {
    while ((e = readdir(d)) != NULL)
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
        unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
  } else {
    close(be->dirfd);
  }
  rmdir(be->dir);
  free(be);
}

/* RLIMIT_NOFILE, the soft limit or the hard one; INT32_MAX for none. */
static int64_t nofile(int hard) {
  struct rlimit rl;
  rlim_t v;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return INT32_MAX;
  v = hard ? rl.rlim_max : rl.rlim_cur;
  return v == RLIM_INFINITY || v > INT32_MAX ? INT32_MAX : (int64_t)v;
}

static int64_t posix_limit(void *self) {
  (void)self;
  return nofile(0);
}

static int posix_valid_many(void *self, const int64_t *nums, size_t n,
                            uint8_t *out) {
  struct posix_be *be = self;
  size_t i, k, m, chunk = POLL_CHUNK;
  int64_t lim = be ? be->limit : posix_limit(NULL);
  if ((int64_t)chunk > lim) /* poll() refuses more entries than the limit */
    chunk = lim > 0 ? (size_t)lim : 1;
  for (i = 0; i < n; i += m) {
    m = n - i < chunk ? n - i : chunk;
    for (k = 0; k < m; k++) {
      be->pfd[k].fd = (int)nums[i + k];
      be->pfd[k].events = 0;
      be->pfd[k].revents = 0;
    }
    if (poll(be->pfd, m, 0) < 0) {
      /* a trace set the limit below m (even to 0: setlimit): poll()
       * refuses more entries than it; one F_GETFD each */
      if (errno != EINVAL)
        return -1;
      for (k = 0; k < m; k++)
        out[i + k] = nums[i + k] >= 0 && fcntl((int)nums[i + k], F_GETFD) >= 0;
      continue;
    }
    for (k = 0; k < m; k++)
      out[i + k] = nums[i + k] >= 0 && !(be->pfd[k].revents & POLLNVAL);
  }
  return 0;
}

static int posix_open_set(void *self, int64_t **out, size_t *n) {
  DIR *d = opendir("/proc/thread-self/fd"); /* Linux >= 3.17 */
  if (!d)
    d = opendir("/proc/self/fd");
  int64_t *v = NULL;
  size_t len = 0, cap = 0;
  struct dirent *e;
  if (d) {
    int own = dirfd(d);
    while ((e = readdir(d)) != NULL) {
      char *end;
      long x;
      if (e->d_name[0] == '.')
        continue;
      x = strtol(e->d_name, &end, 10);
      if (*end || x == own)
        continue;
      if (len == cap) {
        int64_t *w = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
        if (!w) {
          free(v);
          closedir(d);
          return -1;
        }
        v = w;
      }
      v[len++] = x;
    }
    closedir(d);
  } else {
    /* No /proc: probe every number below the limit (capped) with poll. */
    int64_t lim = posix_limit(self), i;
    int64_t nums[POLL_CHUNK];
    uint8_t ok[POLL_CHUNK];
    if (lim > 1 << 20)
      lim = 1 << 20;
    for (i = 0; i < lim; i += POLL_CHUNK) {
      size_t k, m = (size_t)(lim - i < POLL_CHUNK ? lim - i : POLL_CHUNK);
      for (k = 0; k < m; k++)
        nums[k] = i + (int64_t)k;
      if (posix_valid_many(self, nums, m, ok) < 0) {
        free(v);
        return -1;
      }
      for (k = 0; k < m; k++) {
        if (!ok[k])
          continue;
        if (len == cap) {
          int64_t *w = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
          if (!w) {
            free(v);
            return -1;
          }
          v = w;
        }
        v[len++] = nums[k];
      }
    }
  }
  *out = v;
  *n = len;
  return 0;
}

/* setrlimit(RLIMIT_NOFILE): the soft limit to v (-1: RLIM_INFINITY), the
 * hard one kept; poll() chunks follow the new limit. */
static int posix_setlimit(struct posix_be *be, int64_t v) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return -1;
  rl.rlim_cur = v < 0 ? RLIM_INFINITY : (rlim_t)v;
  if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
    return -1;
  be->limit = posix_limit(be);
  return 0;
}

static int64_t posix_hard_limit(void *self) {
  (void)self;
  return nofile(1);
}

static int posix_open(struct posix_be *be, unsigned flags) {
  int acc = (flags & CO_F_ACC_MASK) == CO_F_ACC_RDONLY   ? O_RDONLY
            : (flags & CO_F_ACC_MASK) == CO_F_ACC_WRONLY ? O_WRONLY
                                                         : O_RDWR;
  int of = acc | (flags & CO_F_CLOEXEC ? O_CLOEXEC : 0) |
           (flags & CO_F_APPEND ? O_APPEND : 0);
  int fd, e;
  char name[32]; /* the thread's own: free runs open from threads at once */
  if (be->tmpfile_ok && acc != O_RDONLY)
    return openat(be->dirfd, ".", O_TMPFILE | of, 0600);
  snprintf(name, sizeof name, "f%ld", (long)syscall(SYS_gettid));
  fd = openat(be->dirfd, name, O_CREAT | O_EXCL | of, 0600);
  e = errno;
  unlinkat(be->dirfd, name, 0);
  errno = e;
  return fd;
}

/* open(2) of the file fd is on, by its name in /proc (docs/posix.md#reopen):
 * the access and flags of an open. */
static int posix_reopen(int fd, unsigned flags) {
  char path[64];
  int acc = (flags & CO_F_ACC_MASK) == CO_F_ACC_RDONLY   ? O_RDONLY
            : (flags & CO_F_ACC_MASK) == CO_F_ACC_WRONLY ? O_WRONLY
                                                         : O_RDWR;
  snprintf(path, sizeof path, "/proc/thread-self/fd/%d", fd);
  return open(path, acc | (flags & CO_F_CLOEXEC ? O_CLOEXEC : 0) |
                        (flags & CO_F_APPEND ? O_APPEND : 0));
}

/* F_GETFL's flags as closeonce has them: the access mode and O_APPEND */
static long posix_fl(long r) {
  return ((r & O_ACCMODE) == O_RDONLY   ? CO_F_ACC_RDONLY
          : (r & O_ACCMODE) == O_WRONLY ? CO_F_ACC_WRONLY
                                        : CO_F_ACC_RDWR) |
         (r & O_APPEND ? CO_F_APPEND : 0);
}

/* read (the bytes' digest) and fstat (its fields) */
static void posix_read_stat(struct posix_be *be, const struct co_call *c,
                            struct co_outcome *out) {
  struct stat st;
  uint8_t rbuf[256]; /* the call's own: free runs read from threads at once */
  long r;
  (void)be;
  errno = 0;
  if (c->kind == CO_OP_READ) {
    r = (long)read((int)c->a, rbuf, (size_t)c->n & 0xff);
    co_outcome_from_c(out, r, errno);
    if (r >= 0)
      out->data = co_bytes_digest(rbuf, (size_t)r);
    return;
  }
  r = fstat((int)c->a, &st);
  co_outcome_from_c(out, r, errno);
  if (r == 0)
    out->data = co_stat_pack((unsigned)st.st_mode, (uint64_t)st.st_nlink,
                             st.st_size < 0 ? 0 : (uint64_t)st.st_size);
}

static void posix_call_here(struct posix_be *be, const struct co_call *c,
                            struct co_outcome *out);

static void *party_main(void *arg) {
  struct posix_be *be = arg;
  struct party *p = &be->party;
  sigset_t pipe_sig;
  /* the harness's own thread: SIGPIPE stays blocked all its life (a
   * pending one goes with it; docs/posix.md#sigpipe) */
  sigemptyset(&pipe_sig);
  sigaddset(&pipe_sig, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->state == PARTY_IDLE)
      pthread_cond_wait(&p->cv, &p->mu);
    if (p->state == PARTY_EXIT)
      break;
    pthread_mutex_unlock(&p->mu);
    posix_call_here(be, p->c, p->out);
    pthread_mutex_lock(&p->mu);
    p->state = PARTY_IDLE;
    pthread_cond_broadcast(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  /* A table of its own (a close_range with CLOSE_RANGE_UNSHARE, by either
   * thread, parted them: kcmp KCMP_FILES) is closed here, before the
   * thread ends: the kernel would release it on the way out after the
   * joiner may already run (do_exit wakes it in exit_mm, before
   * exit_files), so that a socket's last close, its FIN, would come at
   * no fixed step (docs/posix.md#party). In the thread's own table only:
   * the harness's are copies. */
  if (be->kcmp_ok && syscall(SYS_kcmp, p->owner, (pid_t)syscall(SYS_gettid),
                             KCMP_FILES_, 0ul, 0ul) != 0)
    (void)syscall(SYS_close_range, 0u, ~0u, 0u);
  return NULL;
}

/* "thread main|child": the second party's thread is made at its first
 * call; 0, or -1 with errno. */
static int party_switch(struct posix_be *be, int child) {
  struct party *p = &be->party;
  int e;
  if (child && !p->running) {
    p->state = PARTY_IDLE;
    p->owner = (pid_t)syscall(SYS_gettid);
    if ((e = pthread_create(&p->th, NULL, party_main, be)) != 0) {
      errno = e;
      return -1;
    }
    p->running = 1;
  }
  be->child = child;
  return 0;
}

static void party_call(struct posix_be *be, const struct co_call *c,
                       struct co_outcome *out) {
  struct party *p = &be->party;
  pthread_mutex_lock(&p->mu);
  p->c = c;
  p->out = out;
  p->state = PARTY_CALL;
  pthread_cond_broadcast(&p->cv);
  while (p->state == PARTY_CALL)
    pthread_cond_wait(&p->cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

/* docs/posix.md#sigpipe: a write to a pipe without a reader, or to a
 * socket shut down, raises SIGPIPE in the writing thread, whose default
 * action ends the process. While a trace that made a pipe or a socket
 * runs, the calling thread blocks it (the write still fails with EPIPE);
 * after it, the SIGPIPEs the trace raised are taken and the thread's mask
 * is put back. A mask is the thread's own: no other thread, nor the
 * process's disposition, is touched. */
static void sigpipe_hold(struct posix_be *be) {
  sigset_t one;
  if (be->sigpipe_held)
    return;
  sigemptyset(&one);
  sigaddset(&one, SIGPIPE);
  if (pthread_sigmask(SIG_BLOCK, &one, &be->sigpipe_old) == 0)
    be->sigpipe_held = 1;
}

static void sigpipe_release(struct posix_be *be) {
  sigset_t one, pend;
  struct timespec zero = {0, 0};
  if (!be->sigpipe_held)
    return;
  sigemptyset(&one);
  sigaddset(&one, SIGPIPE);
  while (sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) &&
         sigtimedwait(&one, NULL, &zero) == SIGPIPE)
    ;
  pthread_sigmask(SIG_SETMASK, &be->sigpipe_old, NULL);
  be->sigpipe_held = 0;
}

/* The second party's thread ends (and its table). */
static void party_end(struct posix_be *be) {
  struct party *p = &be->party;
  be->child = 0;
  if (!p->running)
    return;
  pthread_mutex_lock(&p->mu);
  p->state = PARTY_EXIT;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->th, NULL);
  p->running = 0;
}

/* The trace is over: the second party ends, and SIGPIPE is as it was
 * (not at a "thread end" within the trace: its pipes and sockets stay) */
static void posix_trace_end(void *self) {
  struct posix_be *be = self;
  party_end(be);
  sigpipe_release(be);
}

static void posix_call(void *self, const struct co_call *c,
                       struct co_outcome *out) {
  struct posix_be *be = self;
  if (c->kind == CO_OP_THREAD) {
    errno = 0;
    if (c->flags & CO_F_BIT1) { /* end: the thread exits */
      party_end(be);
      co_outcome_from_c(out, 0, 0);
      return;
    }
    co_outcome_from_c(out, party_switch(be, c->flags & CO_F_BIT0), errno);
    return;
  }
  if (c->kind == CO_OP_PIPE || c->kind == CO_OP_PIPE2 ||
      c->kind == CO_OP_SOCKETPAIR || c->kind == CO_OP_LISTEN ||
      c->kind == CO_OP_CONNECT)
    sigpipe_hold(be); /* before the pipe exists: docs/posix.md#sigpipe */
  if (be->child)
    party_call(be, c, out);
  else
    posix_call_here(be, c, out);
}

/* ---- loopback TCP (docs/posix.md#tcp) ---- */

/* A bound on any call on a trace's socket that would block, which the
 * model never issues (it refuses them): a model mistake then fails with
 * EAGAIN after this long instead of hanging the trace. */
static void tcp_bound(int s) {
  struct timeval tv = {2, 0};
  (void)setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int sock_flags(unsigned f) {
  return (f & CO_F_TCP_NONBLOCK ? SOCK_NONBLOCK : 0) |
         (f & CO_F_TCP_CLOEXEC ? SOCK_CLOEXEC : 0);
}

/* listen N: a TCP socket bound to 127.0.0.1, port 0 (the kernel picks
 * one), listening with backlog N. */
static long tcp_listen(const struct co_call *c) {
  struct sockaddr_in a;
  int s, e;
  if ((s = socket(AF_INET, SOCK_STREAM | sock_flags(c->flags), 0)) < 0)
    return -1;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, c->n) < 0) {
    e = errno;
    close(s);
    errno = e;
    return -1;
  }
  tcp_bound(s);
  return s;
}

/* connect sL: the address is sL's own (getsockname: EBADF, ENOTSOCK
 * first), and only a listening IPv4 socket on 127.0.0.1 is connected
 * to, whatever the model said: anything else fails EINVAL unconnected.
 * Then a new socket, bounded, connected. */
static long tcp_connect(const struct co_call *c) {
  struct sockaddr_in a;
  socklen_t n = sizeof a, ln = sizeof(int);
  int on = 0, s, e;
  if (getsockname((int)c->a, (struct sockaddr *)&a, &n) < 0)
    return -1;
  if (n != sizeof a || a.sin_family != AF_INET ||
      a.sin_addr.s_addr != htonl(INADDR_LOOPBACK) || a.sin_port == 0 ||
      getsockopt((int)c->a, SOL_SOCKET, SO_ACCEPTCONN, &on, &ln) < 0 || !on) {
    errno = EINVAL;
    return -1;
  }
  if ((s = socket(AF_INET, SOCK_STREAM | sock_flags(c->flags), 0)) < 0)
    return -1;
  tcp_bound(s);
  if (connect(s, (struct sockaddr *)&a, n) < 0) {
    e = errno;
    close(s);
    errno = e;
    return -1;
  }
  return s;
}

/* accept, accept4: badflags is O_APPEND, which accept4 does not take. */
static long tcp_accept(const struct co_call *c) {
  int f = 0, s;
  if (c->kind == CO_OP_ACCEPT4)
    f = sock_flags(c->flags) | (c->flags & CO_F_TCP_BAD ? O_APPEND : 0);
  if ((s = accept4((int)c->a, NULL, NULL, f)) >= 0)
    tcp_bound(s);
  return s;
}

/* pipe, pipe2 (docs/posix.md#pipes): the read end is the result, the
 * write end the data. A pipe the kernel made smaller than the probed size
 * (a user past fs.pipe-user-pages-soft gets 2 buffers) is given that size
 * back (F_SETPIPE_SZ), which the model takes as every pipe's. */
static void posix_pipe(struct posix_be *be, const struct co_call *c,
                       struct co_outcome *out) {
  int p[2], fl = 0, r;
  if (c->kind == CO_OP_PIPE2)
    fl = (c->flags & CO_F_PIPE_NONBLOCK ? O_NONBLOCK : 0) |
         (c->flags & CO_F_PIPE_CLOEXEC ? O_CLOEXEC : 0) |
         (c->flags & CO_F_PIPE_BAD ? O_APPEND : 0);
  errno = 0;
  r = c->kind == CO_OP_PIPE2 ? pipe2(p, fl) : pipe(p);
  co_outcome_from_c(out, r < 0 ? -1 : p[0], errno);
  if (r < 0)
    return;
  out->data = (uint64_t)p[1];
  if (be->files.pipe_bufs > 0 &&
      fcntl(p[0], F_GETPIPE_SZ) != be->files.pipe_bufs * be->files.pipe_page)
    (void)fcntl(p[0], F_SETPIPE_SZ, be->files.pipe_bufs * be->files.pipe_page);
}

/* socketpair(AF_UNIX) (docs/posix.md#sockets): sv[0] is the result, sv[1]
 * the data. */
static void posix_socketpair(const struct co_call *c, struct co_outcome *out) {
  int sv[2], r;
  int type = (c->flags & CO_F_SOCK_TYPE_MASK) == CO_F_SOCK_DGRAM ? SOCK_DGRAM
                                                                 : SOCK_STREAM;
  errno = 0;
  r = socketpair(AF_UNIX,
                 type | (c->flags & CO_F_SOCK_NONBLOCK ? SOCK_NONBLOCK : 0) |
                     (c->flags & CO_F_SOCK_CLOEXEC ? SOCK_CLOEXEC : 0),
                 0, sv);
  co_outcome_from_c(out, r < 0 ? -1 : sv[0], errno);
  if (r == 0) {
    out->data = (uint64_t)sv[1];
    tcp_bound(sv[0]); /* as a TCP socket's: a model mistake fails, never */
    tcp_bound(sv[1]); /* hangs (docs/posix.md#blocking) */
  }
}

/* evdir: epoll_ctl ADD or DEL, the event's data the target's number
 * (docs/posix.md#epoll-ctl) */
static long posix_epoll_ctl(const struct co_call *c) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = (c->flags & CO_F_EPCTL_IN ? EPOLLIN : 0u) |
              (c->flags & CO_F_EPCTL_OUT ? EPOLLOUT : 0u);
  ev.data.u64 = (uint64_t)(uint32_t)c->b;
  return epoll_ctl((int)c->a,
                   c->flags & CO_F_EPCTL_DEL ? EPOLL_CTL_DEL : EPOLL_CTL_ADD,
                   (int)c->b, &ev);
}

/* evdir: epoll_wait with timeout 0; the events' digest
 * (co_epoll_digest) in the outcome's data. */
static void posix_epoll_wait(const struct co_call *c, struct co_outcome *out) {
  struct epoll_event ev[256];
  uint64_t keys[256];
  int r, i;
  errno = 0;
  r = epoll_wait((int)c->a, ev, c->n, 0);
  co_outcome_from_c(out, r, errno);
  if (r < 0)
    return;
  for (i = 0; i < r; i++)
    keys[i] = ev[i].data.u64 << 32 |
              (ev[i].events & EPOLLIN ? CO_EPOLL_IN : 0u) |
              (ev[i].events & EPOLLOUT ? CO_EPOLL_OUT : 0u) |
              (ev[i].events & EPOLLERR ? CO_EPOLL_ERR : 0u) |
              (ev[i].events & EPOLLHUP ? CO_EPOLL_HUP : 0u);
  out->data = co_epoll_digest(keys, (size_t)r);
}

/* evdir: open(2) of the private directory with O_DIRECTORY */
static int posix_opendir(struct posix_be *be, unsigned flags) {
  int acc = (flags & CO_F_ACC_MASK) == CO_F_ACC_RDONLY   ? O_RDONLY
            : (flags & CO_F_ACC_MASK) == CO_F_ACC_WRONLY ? O_WRONLY
                                                         : O_RDWR;
  return openat(be->dirfd, ".",
                O_DIRECTORY | acc | (flags & CO_F_CLOEXEC ? O_CLOEXEC : 0) |
                    (flags & CO_F_APPEND ? O_APPEND : 0));
}

/* One call in the calling thread. */
static void posix_call_here(struct posix_be *be, const struct co_call *c,
                            struct co_outcome *out) {
  int a = (int)c->a, b = (int)c->b;
  long r;
  errno = 0;
  switch ((enum co_opkind)c->kind) {
  case CO_OP_OPEN:
    r = posix_open(be, c->flags);
    break;
  case CO_OP_DUP:
    r = dup(a);
    break;
  case CO_OP_DUP2:
    r = dup2(a, b);
    break;
  case CO_OP_DUP3:
    r = dup3(a, b,
             (c->flags & CO_F_BIT0 ? O_CLOEXEC : 0) |
                 (c->flags & CO_F_BIT1 ? O_APPEND : 0));
    break;
  case CO_OP_DUPFD:
    r = fcntl(a, c->flags & CO_F_BIT0 ? F_DUPFD_CLOEXEC : F_DUPFD, b);
    break;
  case CO_OP_GETFD:
    r = fcntl(a, F_GETFD);
    if (r > 0)
      r &= FD_CLOEXEC;
    break;
  case CO_OP_SETFD:
    r = fcntl(a, F_SETFD, c->flags & CO_F_BIT0 ? FD_CLOEXEC : 0);
    break;
  case CO_OP_GETFL:
    r = fcntl(a, F_GETFL);
    co_outcome_from_c(out, r < 0 ? r : posix_fl(r), errno);
    if (r >= 0 && (r & O_NONBLOCK))
      out->data = CO_GETFL_NONBLOCK;
    return;
  case CO_OP_SETFL:
    r = fcntl(a, F_SETFL,
              (c->flags & CO_F_BIT0 ? O_APPEND : 0) |
                  (c->flags & CO_F_BIT1 ? O_NONBLOCK : 0) |
                  (c->flags & CO_F_BIT2 ? O_NDELAY : 0));
    break;
  case CO_OP_CLOSE:
    r = close(a);
    break;
  case CO_OP_CLOSE_RANGE:
    /* badflags: every bit, as LTP close_range02 passes (~0U) */
    r = syscall(SYS_close_range, (unsigned)c->a, (unsigned)c->b,
                c->flags & CO_F_BIT2
                    ? ~0u
                    : (c->flags & CO_F_BIT0 ? CLOSE_RANGE_CLOEXEC : 0u) |
                          (c->flags & CO_F_BIT1 ? CLOSE_RANGE_UNSHARE : 0u));
    break;
  case CO_OP_SETLIMIT:
    r = posix_setlimit(be, c->a);
    break;
  case CO_OP_WRITE:
    r = write(a, be->buf, (size_t)c->n);
    break;
  case CO_OP_LSEEK:
    r = lseek(a, c->n,
              (c->flags & CO_F_WHENCE_MASK) == 0   ? SEEK_SET
              : (c->flags & CO_F_WHENCE_MASK) == 1 ? SEEK_CUR
                                                   : SEEK_END);
    break;
  case CO_OP_READ:
  case CO_OP_FSTAT:
    posix_read_stat(be, c, out);
    return;
  case CO_OP_LSEEK_EXT: {
    /* the invalid ones: SEEK_HOLE + 1, 7 and -1 (LTP lseek02) */
    static const int wh[] = {SEEK_DATA, SEEK_HOLE, SEEK_HOLE + 1, 7, -1};
    unsigned w = c->flags & CO_F_XWHENCE_MASK;
    r = lseek(a, c->n, wh[w < 5 ? w : 0]);
    break;
  }
  case CO_OP_FTRUNCATE:
    r = ftruncate(a, c->n);
    break;
  case CO_OP_FCHMOD:
    r = fchmod(a, (mode_t)(c->n & 0777));
    break;
  case CO_OP_REOPEN:
    if (!be->files.reopen) {
      r = -1;
      errno = ENOSYS;
    } else {
      r = posix_reopen(a, c->flags);
    }
    break;
  case CO_OP_CREATED_QUERY:
    r = fcntl(a, F_CREATED_QUERY, 0);
    break;
  case CO_OP_LISTEN:
    r = tcp_listen(c);
    break;
  case CO_OP_CONNECT:
    r = tcp_connect(c);
    break;
  case CO_OP_ACCEPT:
  case CO_OP_ACCEPT4:
    r = tcp_accept(c);
    break;
  case CO_OP_PIPE:
  case CO_OP_PIPE2:
    posix_pipe(be, c, out);
    return;
  case CO_OP_SOCKETPAIR:
    posix_socketpair(c, out);
    return;
  case CO_OP_SHUTDOWN: /* how 3 names none: EINVAL (docs/posix.md#shutdown) */
    r = shutdown(a, (int)(c->flags & CO_F_SHUT_MASK));
    break;
  case CO_OP_OPENDIR: /* evdir */
    r = posix_opendir(be, c->flags);
    break;
  case CO_OP_EVENTFD:
    r = eventfd((unsigned)c->n,
                (c->flags & CO_F_EFD_NONBLOCK ? EFD_NONBLOCK : 0) |
                    (c->flags & CO_F_EFD_SEMAPHORE ? EFD_SEMAPHORE : 0) |
                    (c->flags & CO_F_EFD_CLOEXEC ? EFD_CLOEXEC : 0));
    break;
  case CO_OP_EPOLL_CREATE:
    r = epoll_create1(c->flags & CO_F_BIT0 ? EPOLL_CLOEXEC : 0);
    break;
  case CO_OP_EPOLL_CTL:
    r = posix_epoll_ctl(c);
    break;
  case CO_OP_EPOLL_WAIT:
    posix_epoll_wait(c, out);
    return;
  default:
    r = -1;
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
}

static void posix_query(void *self, int64_t num, struct co_obs *out) {
  int r = fcntl((int)num, F_GETFD);
  (void)self;
  out->valid = r >= 0;
  out->cloexec = r > 0 && (r & FD_CLOEXEC);
  out->protect = 0;
}

static int64_t posix_offset(void *self, int64_t num) {
  (void)self;
  return lseek((int)num, 0, SEEK_CUR);
}

static int posix_object_key(void *self, int64_t num, uint64_t *key) {
  struct stat st;
  (void)self;
  if (fstat((int)num, &st) < 0)
    return -1;
  *key = (uint64_t)st.st_ino ^ ((uint64_t)st.st_dev << 48);
  return 0;
}

static int posix_same(void *self, int64_t a, int64_t b) {
  struct posix_be *be = self;
  uint64_t ka, kb;
  if (be->kcmp_ok) {
    long r = syscall(SYS_kcmp, be->pid, be->pid, KCMP_FILE_, (int)a, (int)b);
    if (r >= 0)
      return r == 0 ? 0 : 1;
  }
  /* Without kcmp: the inode, which names the description unless a reopen
   * opened its file again (then "same" is all this can say). */
  if (posix_object_key(self, a, &ka) < 0 || posix_object_key(self, b, &kb) < 0)
    return -1;
  return ka == kb ? 0 : 1;
}

static int posix_private_dir(void *self, const char **path) {
  struct posix_be *be = self;
  *path = be->dir;
  return be->dirfd;
}

/* The process's 0-2 moved above them (close-on-exec) and closed; the
 * C library's streams flushed first (docs/posix.md#free-std). */
static int posix_std_park(void *self, int64_t saved[3]) {
  int i, k;
  (void)self;
  fflush(stdout);
  fflush(stderr);
  for (i = 0; i < 3; i++) {
    saved[i] = -1;
    if (fcntl(i, F_GETFD) < 0)
      continue;
    if ((saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3)) < 0) {
      for (k = 0; k < i; k++)
        if (saved[k] >= 0) {
          dup2((int)saved[k], k);
          close((int)saved[k]);
        }
      return -1;
    }
  }
  for (i = 0; i < 3; i++)
    if (saved[i] >= 0)
      close(i);
  return 0;
}

static void posix_std_restore(void *self, const int64_t saved[3]) {
  int i;
  (void)self;
  for (i = 0; i < 3; i++) {
    if (saved[i] < 0) {
      close(i); /* it was not open before the trace */
      continue;
    }
    /* (dup2 clears close-on-exec on i); should it fail, the saved copy
     * stays open rather than the descriptor being lost */
    if (dup2((int)saved[i], i) == i)
      close((int)saved[i]);
  }
  clearerr(stdout);
  clearerr(stderr);
}

const struct co_backend co_backend_posix = {
    .version = CO_BACKEND_VERSION,
    .name = "posix",
    .create = posix_create,
    .destroy = posix_destroy,
    .open_set = posix_open_set,
    .limit = posix_limit,
    .call = posix_call,
    .query = posix_query,
    .offset = posix_offset,
    .same = posix_same,
    .object_key = posix_object_key,
    .valid_many = posix_valid_many,
    .private_dir = posix_private_dir,
    .std_park = posix_std_park,
    .std_restore = posix_std_restore,
    .platform = CO_PLATFORM_POSIX,
    .hard_limit = posix_hard_limit,
    .files = posix_files,
    .trace_end = posix_trace_end,
};

const char *co_posix_tmpdir(void *self) {
  return ((struct posix_be *)self)->dir;
}

int co_posix_dir_entries(void *self) {
  struct posix_be *be = self;
  int fd = openat(be->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
  DIR *d;
  struct dirent *e;
  if (fd < 0)
    return -1;
  d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -1;
  }
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      n++;
  closedir(d);
  return n;
}
