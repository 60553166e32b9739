/*
 * buflib (buflib.h): a buffered stream over a descriptor, a test fixture.
 */
#include "buflib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_CAP 64

struct buf {
  int fd;
  unsigned bugs;
  size_t len;
  unsigned char data[BUF_CAP];
};

/* Write out what is buffered: 0, or -1 with errno. */
static int write_out(struct buf *b) {
  size_t at = 0;
  while (at < b->len) {
    ssize_t w = write(b->fd, b->data + at, b->len - at);
    if (w < 0) {
      b->len = 0; /* dropped, as a buffered library does on error */
      return -1;
    }
    at += (size_t)w;
  }
  b->len = 0;
  return 0;
}

struct buf *buf_open_fd(int fd, const char *mode, unsigned bugs) {
  unsigned char hdr[4];
  struct buf *b;
  if (!mode || !mode[0] || mode[1] || !strchr("rwu", mode[0])) {
    errno = EINVAL;
    return NULL;
  }
  if (mode[0] == 'w') {
    if (lseek(fd, 0, SEEK_END) < 0)
      return NULL;
  } else {
    ssize_t r = read(fd, hdr, sizeof hdr);
    if (r != (ssize_t)sizeof hdr) {
      int e = r < 0 ? errno : EINVAL;
      if (bugs & BUF_BUG_OPEN_FAIL_CLOSES)
        close(fd);
      errno = e;
      return NULL;
    }
  }
  if (!(b = calloc(1, sizeof *b)))
    return NULL;
  b->fd = fd;
  b->bugs = bugs;
  return b;
}

int buf_fd(const struct buf *b) {
  return b->fd;
}

long buf_write(struct buf *b, const void *data, size_t n) {
  if (b->len + n > BUF_CAP && write_out(b) < 0) {
    if (b->bugs & BUF_BUG_WRITE_FAIL_CLOSES) {
      int e = errno;
      close(b->fd);
      errno = e;
    }
    return -1;
  }
  if (n > BUF_CAP) {
    ssize_t w = write(b->fd, data, n);
    return w < 0 ? -1 : (long)w;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return (long)n;
}

int buf_detach(struct buf *b) {
  int fd = b->fd;
  (void)write_out(b); /* the caller gets fd whatever happened */
  if (b->bugs & BUF_BUG_DETACH_CLOSES)
    close(fd);
  free(b);
  return fd;
}

int buf_close(struct buf *b) {
  int r = write_out(b), e = errno;
  if (r < 0 && (b->bugs & BUF_BUG_CLOSE_FAIL_LEAKS)) {
    free(b);
    errno = e;
    return -1;
  }
  if (close(b->fd) < 0) {
    e = errno;
    r = -1;
  }
  free(b);
  errno = e;
  return r;
}
