/*
 * app: see app.h. The client's bridge from hlib's HANDLE to the C runtime,
 * as the story's program had it, and as it should be.
 */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>

#ifndef APP_PLANTED_BUG
#define APP_PLANTED_BUG 0
#endif

int app_crt_fd(HANDLE h) {
  HANDLE d = h;
  int fd;
  /* The fix: the C runtime adopts a copy, never the lender's HANDLE. */
  if (!APP_PLANTED_BUG &&
      !DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0,
                       FALSE, DUPLICATE_SAME_ACCESS)) {
    errno = EBADF;
    return -1;
  }
  fd = _open_osfhandle((intptr_t)d, _O_BINARY);
  if (fd < 0 && d != h)
    CloseHandle(d); /* _open_osfhandle failed: the copy is still ours */
  return fd;
}

int app_write(int fd, const void *buf, unsigned n) {
  return _write(fd, buf, n);
}

int app_crt_close(int fd) {
  return _close(fd);
}
