/*
 * bytesink: the example library (bytesink.h). Compiled with
 * -DBYTESINK_PLANTED_BUG, sink_free closes the descriptor even when the
 * sink only borrows it: closeonce's own test that the example's fuzz
 * engines find an ownership bug.
 */
#include "bytesink.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct sink {
  int fd, owns;
};

struct sink *sink_from_fd(int fd, int close_on_free) {
  struct sink *s;
  if (fcntl(fd, F_GETFD) < 0)
    return NULL;
  s = malloc(sizeof *s);
  if (s) {
    s->fd = fd;
    s->owns = close_on_free;
  }
  return s;
}

int sink_fd(const struct sink *s) {
  return s->fd;
}

long sink_put(struct sink *s, const void *buf, size_t n) {
  return (long)write(s->fd, buf, n);
}

int sink_free(struct sink *s) {
#ifdef BYTESINK_PLANTED_BUG
  int r = close(s->fd);
#else
  int r = s->owns ? close(s->fd) : 0;
#endif
  free(s);
  return r;
}
