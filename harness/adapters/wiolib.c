/*
 * wiolib: see wiolib.h. POSIX.
 */
#include "wiolib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct wio {
  int fd;
  int close_on_free;
  unsigned bugs; /* WIO_BUG_* planted in this stream */
};

static struct wio *make(int fd, int close_on_free, unsigned bugs) {
  struct wio *w = malloc(sizeof *w);
  if (!w) {
    errno = ENOMEM;
    return NULL;
  }
  w->fd = fd;
  w->close_on_free = close_on_free;
  w->bugs = bugs;
  return w;
}

struct wio *wio_take_planted(int fd, unsigned bugs) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0)
    return NULL; /* EBADF */
  if ((fl & O_ACCMODE) == O_RDONLY) {
    if (bugs & WIO_BUG_TAKE_FAIL_CLOSES)
      close(fd);
    errno = EINVAL;
    return NULL;
  }
  return make(fd, 1, bugs);
}

struct wio *wio_borrow_planted(int fd, unsigned bugs) {
  if (fcntl(fd, F_GETFL) < 0)
    return NULL; /* EBADF */
  return make(fd, 0, bugs);
}

struct wio *wio_take(int fd) {
  return wio_take_planted(fd, 0);
}

struct wio *wio_borrow(int fd) {
  return wio_borrow_planted(fd, 0);
}

int wio_fd(const struct wio *w) {
  return w->fd;
}

long wio_write(struct wio *w, const void *buf, size_t n) {
  return (long)write(w->fd, buf, n);
}

int wio_free(struct wio *w) {
  int r = 0, closes = w->close_on_free;
  if (w->bugs & WIO_BUG_BORROW_CLOSES)
    closes = 1;
  if (w->bugs & WIO_BUG_TAKE_LEAKS)
    closes = 0;
  if (closes)
    r = close(w->fd);
  free(w);
  return r;
}
