/*
 * mlib (mlib.h): the fixture library, its planted bug compiled in unless
 * MLIB_FIXED is defined.
 */
#include "mlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mlib {
  int fd;
};

struct mlib *mlib_adopt(int fd, const char *mode) {
  int fl = fcntl(fd, F_GETFL), need;
  struct mlib *m;
  if (fl < 0) {
    errno = EBADF;
    return NULL;
  }
  need = !strcmp(mode, "rw") ? O_RDWR : O_WRONLY;
  if ((fl & O_ACCMODE) != O_RDWR && (fl & O_ACCMODE) != need) {
#ifndef MLIB_FIXED
    close(fd); /* the planted bug: the caller still owns fd */
#endif
    errno = EINVAL;
    return NULL;
  }
  if (!(m = malloc(sizeof *m)))
    return NULL;
  m->fd = fd;
  return m;
}

int mlib_fd(const struct mlib *m) {
  return m->fd;
}

long mlib_write(struct mlib *m, const void *buf, size_t n) {
  return (long)write(m->fd, buf, n);
}

int mlib_close(struct mlib *m) {
  int r = close(m->fd);
  free(m);
  return r;
}
