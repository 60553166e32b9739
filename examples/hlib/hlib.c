/*
 * hlib: see hlib.h. Written as an ordinary small Windows library would be;
 * closeonce checks it only through its public functions.
 */
#include "hlib.h"

#include <errno.h>
#include <io.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef HLIB_PLANTED_BUG
#define HLIB_PLANTED_BUG 0
#endif

struct hlib {
  HANDLE h;    /* hlib_open, hlib_adopt */
  int fd;      /* the C-runtime descriptor it owns (hlib_fdopen), else -1 */
  int adopted; /* made by hlib_adopt */
};

/* The HANDLE now: a descriptor's is asked for each time, never kept, since
 * _dup2 onto it replaces it (under Wine even _dup2(fd, fd) does; closeonce
 * found a kept copy gone stale). */
static HANDLE handle(const struct hlib *f) {
  return f->fd >= 0 ? (HANDLE)_get_osfhandle(f->fd) : f->h;
}

static int win_fail(void) {
  DWORD e = GetLastError();
  errno = e == ERROR_INVALID_HANDLE || e == ERROR_ACCESS_DENIED ? EBADF : EIO;
  return -1;
}

static struct hlib *make(HANDLE h, int fd) {
  struct hlib *f = malloc(sizeof *f);
  if (!f) {
    errno = ENOMEM;
    return NULL;
  }
  f->h = h;
  f->fd = fd;
  f->adopted = 0;
  return f;
}

struct hlib *hlib_open(const wchar_t *path) {
  /* not inheritable (no SECURITY_ATTRIBUTES) */
  HANDLE h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
  struct hlib *f;
  if (h == INVALID_HANDLE_VALUE) {
    win_fail();
    return NULL;
  }
  if (!(f = make(h, -1)))
    CloseHandle(h);
  return f;
}

struct hlib *hlib_adopt(HANDLE h) {
  DWORD flags;
  struct hlib *f;
  if (!GetHandleInformation(h, &flags)) {
    win_fail();
    return NULL; /* the caller keeps h */
  }
  if ((f = make(h, -1)))
    f->adopted = 1;
  return f;
}

struct hlib *hlib_fdopen(int fd) {
  if (_get_osfhandle(fd) == -1)
    return NULL; /* EBADF: fd is not open */
  return make(INVALID_HANDLE_VALUE, fd);
}

HANDLE hlib_handle(const struct hlib *f) {
  return handle(f);
}

HANDLE hlib_export(const struct hlib *f) {
  HANDLE self = GetCurrentProcess(), d;
#if HLIB_PLANTED_BUG & 1
  (void)self;
  d = handle(f); /* the lent handle itself: two owners */
#else
  if (!DuplicateHandle(self, handle(f), self, &d, 0, TRUE,
                       DUPLICATE_SAME_ACCESS)) {
    win_fail();
    return INVALID_HANDLE_VALUE;
  }
#endif
  return d;
}

long hlib_write(struct hlib *f, const void *buf, size_t n) {
  DWORD done;
  if (f->fd >= 0) /* through the descriptor: its _O_APPEND and _O_TEXT */
    return _write(f->fd, buf, (unsigned)n);
  if (!WriteFile(handle(f), buf, (DWORD)n, &done, NULL))
    return win_fail();
  return (long)done;
}

int hlib_close(struct hlib *f) {
  int r = 0;
  if (f->fd >= 0)
    r = _close(f->fd); /* the descriptor owns the HANDLE */
  else if ((HLIB_PLANTED_BUG & 2) && f->adopted)
    r = 0; /* planted: an adopted HANDLE is left open */
  else if (!CloseHandle(f->h))
    r = win_fail();
  free(f);
  return r;
}
