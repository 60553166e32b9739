/*
 * hlib: see hlib.h. Written as an ordinary small Windows library would be;
 * closeonce checks it only through its public functions.
 */
#include "hlib.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct hlib {
  HANDLE h;
  FILE *log; /* a log: a stream over a duplicate of h (h is borrowed) */
};

static int win_fail(void) {
  DWORD e = GetLastError();
  errno = e == ERROR_INVALID_HANDLE || e == ERROR_ACCESS_DENIED ? EBADF : EIO;
  return -1;
}

static struct hlib *make(HANDLE h, FILE *log) {
  struct hlib *f = malloc(sizeof *f);
  if (!f) {
    errno = ENOMEM;
    return NULL;
  }
  f->h = h;
  f->log = log;
  return f;
}

struct hlib *hlib_open(const wchar_t *path) {
  /* inheritable, as open(2) without O_CLOEXEC */
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  HANDLE h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         &sa, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
  struct hlib *f;
  if (h == INVALID_HANDLE_VALUE) {
    win_fail();
    return NULL;
  }
  if (!(f = make(h, NULL)))
    CloseHandle(h);
  return f;
}

struct hlib *hlib_adopt(HANDLE h) {
  DWORD flags;
  if (!GetHandleInformation(h, &flags)) {
    win_fail();
    return NULL; /* the caller keeps h */
  }
  return make(h, NULL);
}

struct hlib *hlib_log(HANDLE h) {
  HANDLE self = GetCurrentProcess(), w = h;
  struct hlib *f;
  FILE *s;
  int fd;
#ifndef HLIB_PLANTED_BUG
  /* the C runtime will own (and close) what it is given: give it a copy */
  if (!DuplicateHandle(self, h, self, &w, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    win_fail();
    return NULL;
  }
#else
  DWORD flags;
  (void)self;
  if (!GetHandleInformation(h, &flags)) {
    win_fail();
    return NULL;
  }
#endif
  if ((fd = _open_osfhandle((intptr_t)w, _O_BINARY)) < 0) {
    if (w != h)
      CloseHandle(w);
    return NULL;
  }
  if (!(s = _fdopen(fd, "wb"))) {
    _close(fd);
    return NULL;
  }
  setvbuf(s, NULL, _IONBF, 0); /* one fwrite, one WriteFile */
  if (!(f = make(h, s)))
    fclose(s);
  return f;
}

HANDLE hlib_handle(const struct hlib *f) {
  return f->h;
}

long hlib_write(struct hlib *f, const void *buf, size_t n) {
  DWORD done;
  if (f->log) {
    if (fwrite(buf, 1, n, f->log) != n) {
      clearerr(f->log);
      errno = EBADF;
      return -1;
    }
    return (long)n;
  }
  if (!WriteFile(f->h, buf, (DWORD)n, &done, NULL))
    return win_fail();
  return (long)done;
}

int hlib_close(struct hlib *f) {
  int r = 0;
  if (f->log)
    r = fclose(f->log) == 0 ? 0 : -1; /* closes its copy; f->h is borrowed */
  else if (!CloseHandle(f->h))
    r = win_fail();
  free(f);
  return r;
}
