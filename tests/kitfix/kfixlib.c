/*
 * kfixlib (kfixlib.h): the test fixture library, planted bugs and
 * process-global state included.
 */
#include "kfixlib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

struct kf {
  int fd, owns;
  unsigned bugs;
};

/* The library's process-global state: what the fixture is for (a library
 * that keeps state across calls in the process). */
static unsigned kf_takes;

struct kf *kf_from_fd(int fd, int owns, unsigned bugs) {
  struct kf *k;
  if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
    errno = EBADF;
    return NULL;
  }
  if (!(k = malloc(sizeof *k))) {
    errno = ENOMEM;
    return NULL;
  }
  k->fd = fd;
  k->owns = owns;
  k->bugs = bugs;
  return k;
}

struct kf *kf_copy_of(int fd, unsigned bugs) {
  int d = bugs & KF_BUG_COPY_NODUP ? fd : dup(fd);
  struct kf *k;
  if (d < 0 && d != fd)
    return NULL; /* dup's EBADF or EMFILE */
  if (!(k = kf_from_fd(d, 1, bugs)) && d != fd) {
    int e = errno;
    close(d);
    errno = e;
  }
  return k;
}

int kf_fd(const struct kf *k) {
  return k->fd;
}

int kf_export(struct kf *k) {
  return k->bugs & KF_BUG_EXPORT_NODUP ? k->fd : dup(k->fd);
}

long kf_put(struct kf *k, const void *buf, size_t n) {
  long r = (long)write(k->fd, buf, n);
  if (r >= 4 && (k->bugs & KF_BUG_PUT_CLOSES))
    close(k->fd);
  return r;
}

long kf_crash_put(struct kf *k, const void *buf, size_t n) {
  if (n == 3)
    raise(SIGSEGV);
  return kf_put(k, buf, n);
}

int kf_free(struct kf *k) {
  int r = 0;
  if (k->owns && !(k->bugs & KF_BUG_FREE_LEAKS))
    r = close(k->fd);
  free(k);
  return r;
}

struct kf *kf_take_counted(int fd) {
  if (++kf_takes == 5) {
    if (fd >= 0)
      close(fd);
    errno = EIO;
    return NULL;
  }
  return kf_from_fd(fd, 1, 0);
}

void kf_reset(void) {
  kf_takes = 0;
}
