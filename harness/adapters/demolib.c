/*
 * demolib: see demolib.h. Written as an ordinary small library would be;
 * closeonce tests it only through its public functions.
 */
#include "demolib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct demo {
  int fd;
};

static unsigned bugs;

void demo_set_bugs(unsigned b) {
  bugs = b;
}

static struct demo *wrap(int fd) {
  struct demo *d = malloc(sizeof *d);
  if (!d) {
    errno = ENOMEM;
    return NULL;
  }
  d->fd = fd;
  return d;
}

struct demo *demo_open(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  struct demo *d;
  if (fd < 0)
    return NULL;
  d = wrap(fd);
  if (!d)
    close(fd);
  return d;
}

struct demo *demo_adopt(int fd) {
  if (fcntl(fd, F_GETFL) < 0)
    return NULL; /* EBADF; the caller keeps fd */
  return wrap(fd);
}

int demo_fd(const struct demo *d) {
  return d->fd;
}

int demo_export(struct demo *d) {
  if (bugs & DEMO_BUG_EXPORT_NODUP)
    return d->fd;
  return dup(d->fd);
}

int demo_detach(struct demo *d) {
  int fd = d->fd;
  if (bugs & DEMO_BUG_DETACH_CLOSES)
    close(fd);
  free(d);
  return fd;
}

long demo_write(struct demo *d, const void *buf, size_t n) {
  return (long)write(d->fd, buf, n);
}

int demo_close(struct demo *d) {
  int r = (bugs & DEMO_BUG_CLOSE_LEAKS) ? 0 : close(d->fd);
  free(d);
  return r;
}
