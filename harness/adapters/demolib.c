/*
 * demolib: see demolib.h. Written as an ordinary small library would be;
 * closeonce tests it only through its public functions.
 */
#include "demolib.h"

#include <errno.h>
#include <stdlib.h>

#ifdef _WIN32
/* On Windows the "descriptor" is a HANDLE value (handle values are 32-bit
 * significant, so an int holds them); the same ownership rules. */
#include <windows.h>
#define DEMO_H(fd) ((HANDLE)(intptr_t)(fd))
static int os_fail(void) {
  /* As write(2) on POSIX: a handle not open, or not open for writing, is
   * EBADF. */
  DWORD e = GetLastError();
  errno = e == ERROR_INVALID_HANDLE || e == ERROR_ACCESS_DENIED ? EBADF : EIO;
  return -1;
}
static int os_open(const char *path) {
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         &sa, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
  return h == INVALID_HANDLE_VALUE ? os_fail() : (int)(intptr_t)h;
}
static int os_valid(int fd) {
  DWORD fl;
  return GetHandleInformation(DEMO_H(fd), &fl) ? 0 : os_fail();
}
static int os_dup(int fd) {
  HANDLE p = GetCurrentProcess(), n;
  if (!DuplicateHandle(p, DEMO_H(fd), p, &n, 0, TRUE, DUPLICATE_SAME_ACCESS))
    return os_fail();
  return (int)(intptr_t)n;
}
static long os_write(int fd, const void *buf, size_t n) {
  DWORD done;
  if (!WriteFile(DEMO_H(fd), buf, (DWORD)n, &done, NULL))
    return os_fail();
  return (long)done;
}
static int os_close(int fd) {
  return CloseHandle(DEMO_H(fd)) ? 0 : os_fail();
}
#else
#include <fcntl.h>
#include <unistd.h>
static int os_open(const char *path) {
  return open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
}
static int os_valid(int fd) {
  return fcntl(fd, F_GETFL) < 0 ? -1 : 0;
}
static int os_dup(int fd) {
  return dup(fd);
}
static long os_write(int fd, const void *buf, size_t n) {
  return (long)write(fd, buf, n);
}
static int os_close(int fd) {
  return close(fd);
}
#endif

struct demo {
  int fd;
  unsigned bugs; /* DEMO_BUG_* planted in this object */
};

static struct demo *wrap(int fd, unsigned bugs) {
  struct demo *d = malloc(sizeof *d);
  if (!d) {
    errno = ENOMEM;
    return NULL;
  }
  d->fd = fd;
  d->bugs = bugs;
  return d;
}

struct demo *demo_open_planted(const char *path, unsigned bugs) {
  int fd = os_open(path);
  struct demo *d;
  if (fd < 0)
    return NULL;
  d = wrap(fd, bugs);
  if (!d)
    os_close(fd);
  return d;
}

struct demo *demo_adopt_planted(int fd, unsigned bugs) {
  if (os_valid(fd) < 0)
    return NULL; /* EBADF; the caller keeps fd */
  return wrap(fd, bugs);
}

struct demo *demo_open(const char *path) {
  return demo_open_planted(path, 0);
}

struct demo *demo_adopt(int fd) {
  return demo_adopt_planted(fd, 0);
}

int demo_fd(const struct demo *d) {
  return d->fd;
}

int demo_export(struct demo *d) {
  if (d->bugs & DEMO_BUG_EXPORT_NODUP)
    return d->fd;
  return os_dup(d->fd);
}

int demo_detach(struct demo *d) {
  int fd = d->fd;
  if (d->bugs & DEMO_BUG_DETACH_CLOSES)
    os_close(fd);
  free(d);
  return fd;
}

long demo_write(struct demo *d, const void *buf, size_t n) {
  return os_write(d->fd, buf, n);
}

int demo_close(struct demo *d) {
  int r = (d->bugs & DEMO_BUG_CLOSE_LEAKS) ? 0 : os_close(d->fd);
  free(d);
  return r;
}
