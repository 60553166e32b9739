/*
 * The Linux interposer (harness/ipose.h): the global offset table of each
 * shared object an adapter names is rewritten once, so that the object's
 * own calls of the functions below go to the wrappers here. Only calls
 * made from that object's code are routed (docs/faults.md#interposing):
 * the harness, the engine, libc's internal calls and every other object
 * keep their own tables. A wrapper outside a glue call (no context on its
 * thread) is the real call only.
 *
 * The patched slots are the process's, kept in one list guarded by a
 * mutex: written when the registry freezes (co_ipose_install), and put
 * back by co_ipose_uninstall (the benchmark's A/B). Nothing else here is
 * shared.
 *
 * A library's own threads (issue 22, docs/threads.md#library-threads): a
 * routed object's pthread_create is routed too, and the thread it makes
 * knows, in a thread-local, which object made it. Its calls reach the
 * context attached to that object (co_ipose_route), marked as another
 * thread's (CO_ICALL_OTHER).
 */
#include "ipose.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "closeonce/error.h"

/* glibc's fortified entry points: their own checks stay theirs */
extern void __chk_fail(void) __attribute__((noreturn));
extern int __open_2(const char *path, int flags);
extern int __openat_2(int dfd, const char *path, int flags);

/* enum co_err -> the errno a wrapper sets for an injected fault */
static int errno_of(int err) {
  switch (err) {
  case CO_EINTR:
    return EINTR;
  case CO_EIO:
    return EIO;
  case CO_EMFILE:
    return EMFILE;
  case CO_ENFILE:
    return ENFILE;
  case CO_ENOSPC:
    return ENOSPC;
  case CO_EAGAIN:
    return EAGAIN;
  case CO_EBADF:
    return EBADF;
  case CO_ENOMEM:
    return ENOMEM;
  default:
    return EIO;
  }
}

/* On a thread a routed object made (pthread_create below): that object's
 * file name; NULL on every other thread. */
static _Thread_local const char *lib_object;

/* The context a wrapper's call reaches: this thread's step's; on a thread
 * of the library's own, the one attached to its object (*other set: the
 * caller ends with record or release). NULL: the real call only. */
static struct co_ipose *reach(int *other) {
  struct co_ipose *ip = co_ipose_current();
  *other = 0;
  if (ip || !lib_object)
    return ip;
  if ((ip = co_ipose_route(lib_object)))
    *other = 1;
  return ip;
}
static void release(struct co_ipose *ip, int other) {
  if (other)
    co_ipose_done(ip);
}

/* Log the call; reach's context is released. */
static void record(struct co_ipose *ip, int other, unsigned fam, unsigned fn,
                   int injected, int64_t a, int64_t b, int64_t arg, int64_t ret,
                   int64_t ret2, int e) {
  struct co_icall c = {(uint8_t)fam,
                       (uint8_t)fn,
                       (uint8_t)injected,
                       a,
                       b,
                       arg,
                       ret,
                       ret2,
                       ret < 0 ? co_err_from_errno(e) : CO_OK,
                       other ? CO_ICALL_OTHER : CO_ICALL_STEP};
  if (injected)
    c.err = co_err_from_errno(e);
  co_ipose_log(ip, &c);
  release(ip, other);
}

/* An eventfd's read and write fail with EAGAIN or EINVAL only (eventfd(2)),
 * never with the EIO or ENOSPC a fault injects, and libraries take such a
 * failure of their wake-up descriptor for a broken process (libuv's
 * unix/async.c aborts): a read or write of an eventfd is never failed, and
 * does not count for an armed fault (docs/faults.md#eventfd). Asked only
 * while a fault is armed. */
static int faultless(struct co_ipose *ip, unsigned fam, int64_t fd) {
  char path[40], link[32];
  ssize_t n;
  if ((fam != CO_IF_READ && fam != CO_IF_WRITE) || fd < 0 ||
      !co_ipose_armed(ip))
    return 0;
  snprintf(path, sizeof path, "/proc/self/fd/%d", (int)fd);
  n = readlink(path, link, sizeof link - 1);
  if (n <= 0)
    return 0;
  link[n] = '\0';
  return strcmp(link, "anon_inode:[eventfd]") == 0;
}

/* The common shape: fault check, real call (unless injected), log. REAL is
 * an expression of type long; A, B the descriptors it names. */
#define WRAP_CALL(FAM, FN, A, B, ARG, REAL)                                    \
  do {                                                                         \
    int o_;                                                                    \
    struct co_ipose *ip_ = reach(&o_);                                         \
    long r_;                                                                   \
    int e_, inj_ = 0;                                                          \
    if (!ip_)                                                                  \
      return REAL;                                                             \
    if (!faultless(ip_, FAM, A) && co_ipose_fault(ip_, FAM, &e_)) {            \
      e_ = errno_of(e_);                                                       \
      inj_ = CO_INJ_FAILED;                                                    \
      r_ = -1;                                                                 \
    } else {                                                                   \
      r_ = REAL;                                                               \
      e_ = errno;                                                              \
    }                                                                          \
    record(ip_, o_, FAM, FN, inj_, A, B, ARG, r_, -1, e_);                     \
    errno = e_;                                                                \
    return r_;                                                                 \
  } while (0)

/* close: under CO_CLOSE_FREES (Linux, man 2 close) an injected EINTR or
 * EIO is reported after the number was freed; under CO_CLOSE_KEEPS an
 * EINTR leaves it open (docs/faults.md#profiles). */
static int close_call(int fd, unsigned fn, int (*real)(int)) {
  int other;
  struct co_ipose *ip = reach(&other);
  int r, e, inj = 0;
  if (!ip)
    return real(fd);
  /* a number that is not open fails EBADF before anything could fail */
  if (co_ipose_armed(ip) && fcntl(fd, F_GETFD) != -1 &&
      co_ipose_fault(ip, CO_IF_CLOSE, &e)) {
    /* POSIX.1-2024 keeps it open after EINTR only; EIO closes it there too */
    int keeps = ip->profile == CO_CLOSE_KEEPS && e == CO_EINTR;
    e = errno_of(e);
    inj = CO_INJ_FAILED;
    if (!keeps) {
      real(fd);
      inj = CO_INJ_CLOSED;
    }
    r = -1;
  } else {
    r = real(fd);
    e = errno;
  }
  record(ip, other, CO_IF_CLOSE, fn, inj, fd, -1, 0, r, -1, e);
  errno = e;
  return r;
}
static int w_close(int fd) {
  return close_call(fd, CO_IFN_CLOSE, close);
}

/* syscall(2): a library that closes with the system call itself (libuv's
 * uv__close_nocancel on Linux: glibc's close is a cancellation point) is
 * seen at SYS_close, as close; every other number is passed through. */
static int sys_close(int fd) {
  return (int)syscall(SYS_close, fd);
}
static long w_syscall(long nr, ...) {
  va_list ap;
  long a[6];
  int i;
  va_start(ap, nr);
  /* (the kernel takes six words: glibc's syscall reads six, whatever the
   * caller passed) */
  for (i = 0; i < 6; i++)
    a[i] = va_arg(ap, long);
  va_end(ap);
  if (nr == SYS_close)
    return close_call((int)a[0], CO_IFN_SYS_CLOSE, sys_close);
  return syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* fclose frees the stream whatever it returns (C11 7.21.5.1); under
 * CO_CLOSE_KEEPS an injected failure leaves its descriptor open, as a
 * close that kept it would. */
static int w_fclose(FILE *f) {
  int other;
  struct co_ipose *ip = reach(&other);
  int r, e, inj = 0, fd;
  if (!ip)
    return fclose(f);
  fd = fileno(f);
  if (co_ipose_fault(ip, CO_IF_CLOSE, &e)) {
    int keeps = ip->profile == CO_CLOSE_KEEPS && e == CO_EINTR;
    e = errno_of(e);
    inj = CO_INJ_CLOSED;
    int keep = keeps && fd >= 0 ? dup(fd) : -1;
    if (keep >= 0) {
      /* the stream closes a copy: fd never leaves the table (glibc's
       * FILE._fileno, bits/types/struct_FILE.h) */
      f->_fileno = keep;
      fclose(f);
      inj = CO_INJ_FAILED;
    } else
      fclose(f); /* (no copy to be had: closed, as Linux would) */
    r = EOF;
  } else {
    r = fclose(f);
    e = errno;
  }
  record(ip, other, CO_IF_CLOSE, CO_IFN_FCLOSE, inj, fd, -1, 0, r, -1, e);
  errno = e;
  return r;
}

static int open_mode(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int)
                                                               : 0;
}

static int w_open(const char *path, int flags, ...) {
  va_list ap;
  int mode;
  va_start(ap, flags);
  mode = open_mode(flags, ap);
  va_end(ap);
  WRAP_CALL(CO_IF_OPEN, CO_IFN_OPEN, -1, -1, flags, open(path, flags, mode));
}
static int w_open_2(const char *path, int flags) {
  WRAP_CALL(CO_IF_OPEN, CO_IFN_OPEN, -1, -1, flags, __open_2(path, flags));
}
static int w_openat(int dfd, const char *path, int flags, ...) {
  va_list ap;
  int mode;
  va_start(ap, flags);
  mode = open_mode(flags, ap);
  va_end(ap);
  WRAP_CALL(CO_IF_OPEN, CO_IFN_OPENAT, dfd, -1, flags,
            openat(dfd, path, flags, mode));
}
static int w_openat_2(int dfd, const char *path, int flags) {
  WRAP_CALL(CO_IF_OPEN, CO_IFN_OPENAT, dfd, -1, flags,
            __openat_2(dfd, path, flags));
}
static int w_creat(const char *path, mode_t mode) {
  WRAP_CALL(CO_IF_OPEN, CO_IFN_CREAT, -1, -1, 0, creat(path, mode));
}

static FILE *w_fopen(const char *path, const char *mode) {
  int other;
  struct co_ipose *ip = reach(&other);
  FILE *f;
  int e;
  if (!ip)
    return fopen(path, mode);
  if (co_ipose_fault(ip, CO_IF_OPEN, &e)) {
    record(ip, other, CO_IF_OPEN, CO_IFN_FOPEN, CO_INJ_FAILED, -1, -1, 0, -1,
           -1, errno_of(e));
    errno = errno_of(e);
    return NULL;
  }
  f = fopen(path, mode);
  e = errno;
  record(ip, other, CO_IF_OPEN, CO_IFN_FOPEN, 0, -1, -1, 0, f ? fileno(f) : -1,
         -1, e);
  errno = e;
  return f;
}

/* fdopen makes a stream over fd (it allocates: a fault of malloc) */
static FILE *w_fdopen(int fd, const char *mode) {
  int other;
  struct co_ipose *ip = reach(&other);
  FILE *f;
  int e;
  if (!ip)
    return fdopen(fd, mode);
  if (co_ipose_fault(ip, CO_IF_ALLOC, &e)) {
    record(ip, other, CO_IF_ALLOC, CO_IFN_FDOPEN, CO_INJ_FAILED, fd, -1, 0, -1,
           -1, errno_of(e));
    errno = errno_of(e);
    return NULL;
  }
  f = fdopen(fd, mode);
  e = errno;
  record(ip, other, CO_IF_ALLOC, CO_IFN_FDOPEN, 0, fd, -1, 0, f ? fd : -1, -1,
         e);
  errno = e;
  return f;
}

static int w_dup(int fd) {
  WRAP_CALL(CO_IF_DUP, CO_IFN_DUP, fd, -1, 0, dup(fd));
}
static int w_dup2(int fd, int to) {
  WRAP_CALL(CO_IF_DUP, CO_IFN_DUP2, fd, to, 0, dup2(fd, to));
}
static int w_dup3(int fd, int to, int fl) {
  WRAP_CALL(CO_IF_DUP, CO_IFN_DUP3, fd, to, fl, dup3(fd, to, fl));
}

static int w_fcntl(int fd, int cmd, ...) {
  va_list ap;
  long arg;
  int dupfd = cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC;
  va_start(ap, cmd);
  arg = va_arg(ap, long); /* every command's argument fits a long */
  va_end(ap);
  if (dupfd)
    WRAP_CALL(CO_IF_DUP, CO_IFN_FCNTL, fd, -1, cmd, fcntl(fd, cmd, arg));
  WRAP_CALL(CO_IF_FCNTL, CO_IFN_FCNTL, fd, -1, cmd, fcntl(fd, cmd, arg));
}

static ssize_t w_read(int fd, void *buf, size_t n) {
  WRAP_CALL(CO_IF_READ, CO_IFN_READ, fd, -1, (int64_t)n, read(fd, buf, n));
}
static ssize_t w_read_chk(int fd, void *buf, size_t n, size_t cap) {
  if (n > cap)
    __chk_fail(); /* as glibc's __read_chk: a read past the buffer */
  WRAP_CALL(CO_IF_READ, CO_IFN_READ, fd, -1, (int64_t)n, read(fd, buf, n));
}
static ssize_t w_readv(int fd, const struct iovec *v, int k) {
  WRAP_CALL(CO_IF_READ, CO_IFN_READV, fd, -1, k, readv(fd, v, k));
}
static ssize_t w_recv(int fd, void *buf, size_t n, int fl) {
  WRAP_CALL(CO_IF_READ, CO_IFN_RECV, fd, -1, (int64_t)n, recv(fd, buf, n, fl));
}
static ssize_t w_recvmsg(int fd, struct msghdr *m, int fl) {
  WRAP_CALL(CO_IF_READ, CO_IFN_RECVMSG, fd, -1, 0, recvmsg(fd, m, fl));
}
static ssize_t w_write(int fd, const void *buf, size_t n) {
  WRAP_CALL(CO_IF_WRITE, CO_IFN_WRITE, fd, -1, (int64_t)n, write(fd, buf, n));
}
static ssize_t w_writev(int fd, const struct iovec *v, int k) {
  WRAP_CALL(CO_IF_WRITE, CO_IFN_WRITEV, fd, -1, k, writev(fd, v, k));
}
static ssize_t w_send(int fd, const void *buf, size_t n, int fl) {
  WRAP_CALL(CO_IF_WRITE, CO_IFN_SEND, fd, -1, (int64_t)n, send(fd, buf, n, fl));
}
static ssize_t w_sendmsg(int fd, const struct msghdr *m, int fl) {
  WRAP_CALL(CO_IF_WRITE, CO_IFN_SENDMSG, fd, -1, 0, sendmsg(fd, m, fl));
}
static off_t w_lseek(int fd, off_t off, int whence) {
  WRAP_CALL(CO_IF_LSEEK, CO_IFN_LSEEK, fd, -1, whence, lseek(fd, off, whence));
}

static int w_socket(int d, int t, int p) {
  WRAP_CALL(CO_IF_SOCKET, CO_IFN_SOCKET, -1, -1, t, socket(d, t, p));
}
static int w_accept(int fd, struct sockaddr *sa, socklen_t *len) {
  WRAP_CALL(CO_IF_ACCEPT, CO_IFN_ACCEPT, fd, -1, 0, accept(fd, sa, len));
}
static int w_accept4(int fd, struct sockaddr *sa, socklen_t *len, int fl) {
  WRAP_CALL(CO_IF_ACCEPT, CO_IFN_ACCEPT4, fd, -1, fl, accept4(fd, sa, len, fl));
}

/* Two descriptors made: both logged. */
static int pair_call(struct co_ipose *ip, int other, unsigned fam, unsigned fn,
                     int *sv, int r, int inj, int e) {
  record(ip, other, fam, fn, inj, -1, -1, 0, r < 0 ? -1 : sv[0],
         r < 0 ? -1 : sv[1], e);
  errno = e;
  return r;
}
#define PAIR_CALL(FAM, FN, SV, REAL)                                           \
  do {                                                                         \
    int o_;                                                                    \
    struct co_ipose *ip_ = reach(&o_);                                         \
    int e_, r_;                                                                \
    if (!ip_)                                                                  \
      return REAL;                                                             \
    if (co_ipose_fault(ip_, FAM, &e_))                                         \
      return pair_call(ip_, o_, FAM, FN, SV, -1, CO_INJ_FAILED, errno_of(e_)); \
    r_ = REAL;                                                                 \
    return pair_call(ip_, o_, FAM, FN, SV, r_, 0, errno);                      \
  } while (0)
static int w_pipe(int sv[2]) {
  PAIR_CALL(CO_IF_PIPE, CO_IFN_PIPE, sv, pipe(sv));
}
static int w_pipe2(int sv[2], int fl) {
  PAIR_CALL(CO_IF_PIPE, CO_IFN_PIPE2, sv, pipe2(sv, fl));
}
static int w_socketpair(int d, int t, int p, int sv[2]) {
  PAIR_CALL(CO_IF_SOCKET, CO_IFN_SOCKETPAIR, sv, socketpair(d, t, p, sv));
}

/* A stream's writes and reads, which libc makes without the library's
 * table (bzip2 writes through a FILE): an injected failure makes nothing,
 * sets the stream's error indicator, as a failed write(2) inside would
 * (glibc's _IO_ERR_SEEN, bits/types/struct_FILE.h), and sets errno. */
static int stream_fails(FILE *f, unsigned fam, unsigned fn, int64_t n) {
  int other;
  struct co_ipose *ip = reach(&other);
  int e;
  if (!ip)
    return 0;
  if (!co_ipose_fault(ip, fam, &e)) {
    release(ip, other);
    return 0;
  }
  e = errno_of(e);
  record(ip, other, fam, fn, CO_INJ_FAILED, fileno(f), -1, n, -1, -1, e);
  f->_flags |= _IO_ERR_SEEN;
  errno = e;
  return 1;
}
static void stream_log(FILE *f, unsigned fam, unsigned fn, int64_t n, long r,
                       int bad) {
  int other;
  struct co_ipose *ip = reach(&other);
  int e = errno;
  if (ip)
    record(ip, other, fam, fn, 0, fileno(f), -1, n, bad ? -1 : r, -1,
           bad ? e : 0);
  errno = e;
}
static size_t w_fwrite(const void *p, size_t size, size_t k, FILE *f) {
  size_t r;
  if (stream_fails(f, CO_IF_WRITE, CO_IFN_FWRITE, (int64_t)(size * k)))
    return 0;
  r = fwrite(p, size, k, f);
  stream_log(f, CO_IF_WRITE, CO_IFN_FWRITE, (int64_t)(size * k), (long)r,
             r < k);
  return r;
}
static int w_fflush(FILE *f) {
  int r;
  if (f && stream_fails(f, CO_IF_WRITE, CO_IFN_FFLUSH, 0))
    return EOF;
  r = fflush(f);
  if (f)
    stream_log(f, CO_IF_WRITE, CO_IFN_FFLUSH, 0, r, r != 0);
  return r;
}
static size_t w_fread(void *p, size_t size, size_t k, FILE *f) {
  size_t r;
  if (stream_fails(f, CO_IF_READ, CO_IFN_FREAD, (int64_t)(size * k)))
    return 0;
  r = fread(p, size, k, f);
  stream_log(f, CO_IF_READ, CO_IFN_FREAD, (int64_t)(size * k), (long)r,
             r < k && ferror(f));
  return r;
}

/* Descriptors of other kinds a library makes for itself (GLib's wakeup
 * eventfd, libuv's and libevent's epoll): logged, so that their later
 * close is known to be the library's; not failed (`fail open` is open's). */
static int made(unsigned fn, int r, int64_t arg) {
  int other;
  struct co_ipose *ip = reach(&other);
  int e = errno;
  if (ip)
    record(ip, other, CO_IF_OPEN, fn, 0, -1, -1, arg, r, -1, e);
  errno = e;
  return r;
}
static int w_eventfd(unsigned v, int fl) {
  return made(CO_IFN_EVENTFD, eventfd(v, fl), fl);
}
static int w_epoll_create1(int fl) {
  return made(CO_IFN_EPOLL_CREATE, epoll_create1(fl), fl);
}
static int w_epoll_create(int n) {
  return made(CO_IFN_EPOLL_CREATE, epoll_create(n), 0);
}
static int w_timerfd_create(int clock, int fl) {
  return made(CO_IFN_TIMERFD, timerfd_create(clock, fl), fl);
}
static int w_signalfd(int fd, const sigset_t *mask, int fl) {
  return made(CO_IFN_SIGNALFD, signalfd(fd, mask, fl), fl);
}
static int w_inotify_init1(int fl) {
  return made(CO_IFN_INOTIFY, inotify_init1(fl), fl);
}
static int w_memfd_create(const char *name, unsigned fl) {
  return made(CO_IFN_MEMFD, memfd_create(name, fl), fl);
}

/* close_range: logged, never failed (it documents no EINTR or EIO). */
static int w_close_range(unsigned lo, unsigned hi, int fl) {
  int other;
  struct co_ipose *ip = reach(&other);
  int r = close_range(lo, hi, fl), e = errno;
  if (ip)
    record(ip, other, CO_IF_CLOSE, CO_IFN_CLOSE_RANGE, 0, lo, (int64_t)hi, fl,
           r, -1, e);
  errno = e;
  return r;
}

/* Allocations: only an armed fault of malloc makes them a logged call (a
 * library allocates far more often than it touches a descriptor). */
static int alloc_fails(unsigned fn, size_t n) {
  int other;
  struct co_ipose *ip;
  int e;
  if (!lib_object && !((ip = co_ipose_current()) && co_ipose_armed(ip)))
    return 0; /* (the common case: no lookup, no lock) */
  if (!(ip = reach(&other)))
    return 0;
  if (!co_ipose_fault(ip, CO_IF_ALLOC, &e)) {
    release(ip, other);
    return 0;
  }
  record(ip, other, CO_IF_ALLOC, fn, CO_INJ_FAILED, -1, -1, (int64_t)n, -1, -1,
         ENOMEM);
  errno = ENOMEM;
  return 1;
}
static void *w_malloc(size_t n) {
  return alloc_fails(CO_IFN_MALLOC, n) ? NULL : malloc(n);
}
static void *w_calloc(size_t k, size_t n) {
  return alloc_fails(CO_IFN_CALLOC, k * n) ? NULL : calloc(k, n);
}
static void *w_realloc(void *p, size_t n) {
  return alloc_fails(CO_IFN_REALLOC, n) ? NULL : realloc(p, n);
}

/* A thread the library makes (libuv's pool: uv_thread_create) starts
 * knowing which object made it, so that its calls reach that object's
 * context (reach). Not logged: a thread is no descriptor. */
struct start {
  void *(*fn)(void *);
  void *arg;
  const char *object;
};
static void *lib_thread(void *p) {
  struct start st = *(struct start *)p;
  free(p);
  lib_object = st.object;
  return st.fn(st.arg);
}
static int w_pthread_create(pthread_t *th, const pthread_attr_t *attr,
                            void *(*fn)(void *), void *arg) {
  Dl_info di;
  struct start *st;
  int r;
  /* the caller's object: the library's code called through its table */
  if (!dladdr(__builtin_return_address(0), &di) || !di.dli_fname ||
      !(st = malloc(sizeof *st)))
    return pthread_create(th, attr, fn, arg);
  st->fn = fn;
  st->arg = arg;
  st->object = di.dli_fname; /* (the loader's: lives while it is loaded) */
  if ((r = pthread_create(th, attr, lib_thread, st)) != 0)
    free(st);
  return r;
}

/* The symbols a library's table may name for each wrapper (fortified and
 * large-file names included: Debian builds with _FORTIFY_SOURCE=2), and
 * the family whose fault the wrapper injects (CO_IF_COUNT: logged only,
 * never failed; fcntl's F_DUPFD counts as dup where it runs). */
static const struct sym {
  const char *name;
  void *fn;
  unsigned fam;
} syms[] = {
    {"close", (void *)w_close, CO_IF_CLOSE},
    {"fclose", (void *)w_fclose, CO_IF_CLOSE},
    {"open", (void *)w_open, CO_IF_OPEN},
    {"open64", (void *)w_open, CO_IF_OPEN},
    {"__open_2", (void *)w_open_2, CO_IF_OPEN},
    {"__open64_2", (void *)w_open_2, CO_IF_OPEN},
    {"openat", (void *)w_openat, CO_IF_OPEN},
    {"openat64", (void *)w_openat, CO_IF_OPEN},
    {"__openat_2", (void *)w_openat_2, CO_IF_OPEN},
    {"__openat64_2", (void *)w_openat_2, CO_IF_OPEN},
    {"creat", (void *)w_creat, CO_IF_OPEN},
    {"creat64", (void *)w_creat, CO_IF_OPEN},
    {"fopen", (void *)w_fopen, CO_IF_OPEN},
    {"fopen64", (void *)w_fopen, CO_IF_OPEN},
    {"fdopen", (void *)w_fdopen, CO_IF_ALLOC},
    {"dup", (void *)w_dup, CO_IF_DUP},
    {"dup2", (void *)w_dup2, CO_IF_DUP},
    {"dup3", (void *)w_dup3, CO_IF_DUP},
    {"fcntl", (void *)w_fcntl, CO_IF_FCNTL},
    {"fcntl64", (void *)w_fcntl, CO_IF_FCNTL},
    {"read", (void *)w_read, CO_IF_READ},
    {"__read_chk", (void *)w_read_chk, CO_IF_READ},
    {"readv", (void *)w_readv, CO_IF_READ},
    {"recv", (void *)w_recv, CO_IF_READ},
    {"recvmsg", (void *)w_recvmsg, CO_IF_READ},
    {"write", (void *)w_write, CO_IF_WRITE},
    {"writev", (void *)w_writev, CO_IF_WRITE},
    {"send", (void *)w_send, CO_IF_WRITE},
    {"sendmsg", (void *)w_sendmsg, CO_IF_WRITE},
    {"lseek", (void *)w_lseek, CO_IF_LSEEK},
    {"lseek64", (void *)w_lseek, CO_IF_LSEEK},
    {"socket", (void *)w_socket, CO_IF_SOCKET},
    {"socketpair", (void *)w_socketpair, CO_IF_SOCKET},
    {"accept", (void *)w_accept, CO_IF_ACCEPT},
    {"accept4", (void *)w_accept4, CO_IF_ACCEPT},
    {"pipe", (void *)w_pipe, CO_IF_PIPE},
    {"pipe2", (void *)w_pipe2, CO_IF_PIPE},
    {"close_range", (void *)w_close_range, CO_IF_COUNT},
    {"fwrite", (void *)w_fwrite, CO_IF_WRITE},
    {"fflush", (void *)w_fflush, CO_IF_WRITE},
    {"fread", (void *)w_fread, CO_IF_READ},
    {"eventfd", (void *)w_eventfd, CO_IF_COUNT},
    {"epoll_create1", (void *)w_epoll_create1, CO_IF_COUNT},
    {"epoll_create", (void *)w_epoll_create, CO_IF_COUNT},
    {"timerfd_create", (void *)w_timerfd_create, CO_IF_COUNT},
    {"signalfd", (void *)w_signalfd, CO_IF_COUNT},
    {"inotify_init1", (void *)w_inotify_init1, CO_IF_COUNT},
    {"memfd_create", (void *)w_memfd_create, CO_IF_COUNT},
    {"malloc", (void *)w_malloc, CO_IF_ALLOC},
    {"calloc", (void *)w_calloc, CO_IF_ALLOC},
    {"realloc", (void *)w_realloc, CO_IF_ALLOC},
    {"pthread_create", (void *)w_pthread_create, CO_IF_COUNT},
    {"syscall", (void *)w_syscall, CO_IF_CLOSE},
};

static void *wrapper_of(const char *name, unsigned nofault) {
  size_t i;
  for (i = 0; i < sizeof syms / sizeof syms[0]; i++)
    if (strcmp(syms[i].name, name) == 0)
      return syms[i].fam < CO_IF_COUNT && (nofault >> syms[i].fam & 1)
                 ? NULL
                 : syms[i].fn;
  return NULL;
}

/* The process's patched slots (for uninstall) and objects (done once). */
#define SLOTS_MAX 1024
#define OBJECTS_MAX 32
static struct patched {
  pthread_mutex_t lock;
  struct {
    void **slot;
    void *old;
    int relro;
  } slot[SLOTS_MAX];
  size_t nslot;
  ElfW(Addr) object[OBJECTS_MAX];
  size_t nobject;
} patched = {PTHREAD_MUTEX_INITIALIZER, {{0, 0, 0}}, 0, {0}, 0};

struct walk {
  uintptr_t relro_lo, relro_hi; /* the object's PT_GNU_RELRO, if any */
  unsigned nofault;
  const char *const *names;
  int count;
  char *err;
  size_t cap;
  int failed;
};

static int wanted(const char *path, const char *const *names) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (; *names; names++)
    if (**names && strncmp(base, *names, strlen(*names)) == 0)
      return 1;
  return 0;
}

/* A pointer of the dynamic section: glibc has relocated it already, except
 * in objects it does not (the vDSO): then it is relative. */
static uintptr_t dyn_ptr(ElfW(Addr) base, ElfW(Addr) p) {
  return p < base ? base + p : p;
}

/* RELRO (ld -z relro): the part of the table in the object's
 * PT_GNU_RELRO segment is read-only after relocation; it is made writable
 * for the one store, and read-only again. */
static int write_slot(void **slot, void *fn, int relro) {
  long pg = sysconf(_SC_PAGESIZE);
  uintptr_t page = (uintptr_t)slot & ~(uintptr_t)(pg - 1);
  if (relro && mprotect((void *)page, (size_t)pg, PROT_READ | PROT_WRITE) < 0)
    return -1;
  __atomic_store_n(slot, fn, __ATOMIC_SEQ_CST);
  if (relro && mprotect((void *)page, (size_t)pg, PROT_READ) < 0)
    return -1;
  return 0;
}

static int patch_relocs(ElfW(Addr) base, const ElfW(Rela) * r, size_t n,
                        const ElfW(Sym) * symtab, const char *strtab,
                        struct walk *w) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned long type = ELF64_R_TYPE(r[i].r_info);
    const char *name;
    void *fn, **slot;
    int relro;
    /* a call through the PLT, a function's address taken (GLOB_DAT), or
     * one stored in the library's data with no addend (R_X86_64_64: libuv's
     * allocator table, uv__allocator, holds malloc, realloc, calloc) */
    if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT &&
        !(type == R_X86_64_64 && r[i].r_addend == 0))
      continue;
    name = strtab + symtab[ELF64_R_SYM(r[i].r_info)].st_name;
    if (!(fn = wrapper_of(name, w->nofault)))
      continue;
    slot = (void **)(base + r[i].r_offset);
    /* (glibc makes read-only only the whole pages of the segment: a last
     * partial page stays writable) */
    relro = (uintptr_t)slot >= w->relro_lo &&
            (uintptr_t)slot <
                (w->relro_hi & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1));
    if (patched.nslot >= SLOTS_MAX) {
      snprintf(w->err, w->cap, "interposer: more than %d slots to patch",
               SLOTS_MAX);
      return -1;
    }
    patched.slot[patched.nslot].slot = slot;
    patched.slot[patched.nslot].old = *slot;
    patched.slot[patched.nslot].relro = relro;
    if (write_slot(slot, fn, relro) < 0) {
      snprintf(w->err, w->cap,
               "interposer: cannot make the table of %s writable (%s)", name,
               strerror(errno));
      return -1;
    }
    patched.nslot++;
  }
  return 0;
}

static int patch_object(struct dl_phdr_info *info, struct walk *w) {
  const ElfW(Dyn) *d = NULL;
  const ElfW(Sym) *symtab = NULL;
  const char *strtab = NULL;
  const ElfW(Rela) *jmprel = NULL, *rela = NULL;
  size_t njmp = 0, nrela = 0, i;
  w->relro_lo = w->relro_hi = 0;
  for (i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_DYNAMIC)
      d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
    if (ph->p_type == PT_GNU_RELRO) {
      w->relro_lo = info->dlpi_addr + ph->p_vaddr;
      w->relro_hi = w->relro_lo + ph->p_memsz;
    }
  }
  if (!d)
    return 0;
  for (; d->d_tag != DT_NULL; d++) {
    uintptr_t p = dyn_ptr(info->dlpi_addr, d->d_un.d_ptr);
    switch (d->d_tag) {
    case DT_SYMTAB:
      symtab = (const ElfW(Sym) *)p;
      break;
    case DT_STRTAB:
      strtab = (const char *)p;
      break;
    case DT_JMPREL:
      jmprel = (const ElfW(Rela) *)p;
      break;
    case DT_PLTRELSZ:
      njmp = d->d_un.d_val / sizeof(ElfW(Rela));
      break;
    case DT_RELA:
      rela = (const ElfW(Rela) *)p;
      break;
    case DT_RELASZ:
      nrela = d->d_un.d_val / sizeof(ElfW(Rela));
      break;
    }
  }
  if (!symtab || !strtab)
    return 0;
  if ((jmprel &&
       patch_relocs(info->dlpi_addr, jmprel, njmp, symtab, strtab, w) < 0) ||
      (rela &&
       patch_relocs(info->dlpi_addr, rela, nrela, symtab, strtab, w) < 0))
    return -1;
  return 1;
}

static int each_object(struct dl_phdr_info *info, size_t size, void *arg) {
  struct walk *w = arg;
  size_t i;
  int r;
  (void)size;
  if (!info->dlpi_name || !*info->dlpi_name ||
      !wanted(info->dlpi_name, w->names))
    return 0;
  for (i = 0; i < patched.nobject; i++)
    if (patched.object[i] == info->dlpi_addr) {
      w->count++; /* done before: routed */
      return 0;
    }
  if (patched.nobject >= OBJECTS_MAX) {
    snprintf(w->err, w->cap, "interposer: more than %d objects", OBJECTS_MAX);
    w->failed = 1;
    return 1;
  }
  if ((r = patch_object(info, w)) < 0) {
    w->failed = 1;
    return 1;
  }
  patched.object[patched.nobject++] = info->dlpi_addr;
  w->count += r;
  return 0;
}

static int any_loaded(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  return info->dlpi_name && *info->dlpi_name && wanted(info->dlpi_name, arg);
}

int co_ipose_loaded(const char *const *names) {
  return names && *names &&
         dl_iterate_phdr(any_loaded, (void *)(uintptr_t)names) != 0;
}

int co_ipose_install(const char *const *names, unsigned nofault, char *err,
                     size_t cap) {
  struct walk w = {0, 0, nofault, names, 0, err, cap, 0};
  if (!names || !*names)
    return 0;
  pthread_mutex_lock(&patched.lock);
  dl_iterate_phdr(each_object, &w);
  pthread_mutex_unlock(&patched.lock);
  return w.failed ? -1 : w.count;
}

int co_ipose_uninstall(void) {
  int rc = 0;
  pthread_mutex_lock(&patched.lock);
  while (patched.nslot) {
    patched.nslot--;
    if (write_slot(patched.slot[patched.nslot].slot,
                   patched.slot[patched.nslot].old,
                   patched.slot[patched.nslot].relro) < 0)
      rc = -1;
  }
  patched.nobject = 0;
  pthread_mutex_unlock(&patched.lock);
  return rc;
}
