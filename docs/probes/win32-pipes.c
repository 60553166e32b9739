/*
 * win32-pipes: what an anonymous pipe does under this Wine (issue 20,
 * docs/win32.md#pipes, docs/wine.md#pipe-seek): CreatePipe's handles and
 * buffer, ReadFile and WriteFile through the ends (a call that would wait
 * runs in a thread, given 300 ms, then cancelled), the ends closed and
 * duplicated, SetFilePointerEx on an end, and the C runtime over the ends
 * (_open_osfhandle, _lseek, _read, _write). Build it against msvcrt.dll and
 * against UCRT; run.sh writes win32-pipes-{msvcrt,ucrt}.out.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>

static char buf[8192];

struct io {
  HANDLE h;
  DWORD n, got, err;
  int read;
  BOOL ok;
};

static DWORD WINAPI io_thread(void *p) {
  struct io *a = p;
  a->got = 0xdeadbeef;
  a->ok = a->read ? ReadFile(a->h, buf, a->n, &a->got, NULL)
                  : WriteFile(a->h, buf, a->n, &a->got, NULL);
  a->err = a->ok ? 0 : GetLastError();
  return 0;
}

/* One ReadFile or WriteFile, in a thread: does it return, and with what. */
static void io(const char *what, HANDLE h, DWORD n, int read) {
  struct io a = {h, n, 0, 0, read, FALSE};
  HANDLE t = CreateThread(NULL, 0, io_thread, &a, 0, NULL);
  if (WaitForSingleObject(t, 300) == WAIT_TIMEOUT) {
    CancelSynchronousIo(t);
    WaitForSingleObject(t, 2000);
    printf("%-44s n=%-4lu waits (cancelled: error %lu)\n", what, n, a.err);
  } else {
    printf("%-44s n=%-4lu returns %d, %lu bytes, error %lu\n", what, n, a.ok,
           a.got, a.err);
  }
  CloseHandle(t);
}

static DWORD queued(HANDLE r) {
  DWORD avail = 0;
  if (!PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL))
    return (DWORD)-1;
  return avail;
}

static void handles(void) {
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  HANDLE r, w;
  DWORD fl = 0, out = 0, in = 0, sz;
  CreatePipe(&r, &w, &sa, 0);
  GetHandleInformation(r, &fl);
  printf("CreatePipe(inherit, 0): read end flags %lu, GetFileType %lu %lu\n",
         fl, GetFileType(r), GetFileType(w));
  GetNamedPipeInfo(r, NULL, &out, &in, NULL);
  printf("  read end: out buffer %lu, in buffer %lu\n", out, in);
  CloseHandle(r);
  CloseHandle(w);
  sa.bInheritHandle = FALSE;
  CreatePipe(&r, &w, &sa, 0);
  GetHandleInformation(w, &fl);
  printf("CreatePipe(no inherit, 0): write end flags %lu\n", fl);
  CloseHandle(r);
  CloseHandle(w);
  for (sz = 1; sz <= 4096; sz *= 16) {
    CreatePipe(&r, &w, NULL, sz);
    GetNamedPipeInfo(r, NULL, &out, &in, NULL);
    printf("CreatePipe(nSize %lu): in buffer %lu\n", sz, in);
    CloseHandle(r);
    CloseHandle(w);
  }
}

static void buffer(void) {
  HANDLE r, w;
  CreatePipe(&r, &w, NULL, 0);
  io("empty: ReadFile", r, 0, 1);
  io("empty: ReadFile", r, 1, 1);
  io("empty: WriteFile", w, 0, 0);
  io("empty, nSize 0: WriteFile", w, 4096, 0);
  io("full: WriteFile", w, 1, 0);
  io("full: WriteFile", w, 0, 0);
  printf("  queued %lu\n", queued(r));
  CloseHandle(r);
  CloseHandle(w);
  CreatePipe(&r, &w, NULL, 16);
  io("nSize 16: WriteFile", w, 10, 0);
  io("nSize 16, 10 queued: WriteFile", w, 7, 0);
  io("nSize 16, 10 queued: WriteFile", w, 6, 0);
  io("nSize 16, 16 queued: ReadFile", r, 5, 1);
  io("nSize 16, 11 queued: WriteFile", w, 5, 0);
  printf("  queued %lu\n", queued(r));
  CloseHandle(r);
  CloseHandle(w);
  CreatePipe(&r, &w, NULL, 16);
  io("nSize 16, empty: WriteFile", w, 20, 0);
  printf("  queued %lu\n", queued(r));
  CloseHandle(r);
  CloseHandle(w);
}

static void ends(void) {
  HANDLE r, w, d;
  HANDLE self = GetCurrentProcess();
  CreatePipe(&r, &w, NULL, 0);
  io("WriteFile through the read end", r, 1, 0);
  io("ReadFile through the write end", w, 1, 1);
  io("WriteFile", w, 5, 0);
  io("ReadFile, 5 queued", r, 0, 1);
  io("ReadFile, 5 queued", r, 3, 1);
  DuplicateHandle(self, w, self, &d, 0, FALSE, DUPLICATE_SAME_ACCESS);
  CloseHandle(w);
  io("write end closed, a duplicate open: ReadFile", r, 10, 1);
  CloseHandle(d);
  io("every write handle closed: ReadFile", r, 10, 1);
  io("every write handle closed: ReadFile", r, 0, 1);
  CloseHandle(r);
  CreatePipe(&r, &w, NULL, 0);
  io("WriteFile", w, 3, 0);
  CloseHandle(r);
  io("read end closed, 3 queued: WriteFile", w, 2, 0);
  io("read end closed: WriteFile", w, 0, 0);
  CloseHandle(w);
}

static void seek(void) {
  static const char *const origin[3] = {"FILE_BEGIN", "FILE_CURRENT",
                                        "FILE_END"};
  HANDLE r, w;
  LARGE_INTEGER d, p;
  DWORD k;
  LONGLONG dist[2] = {0, -5};
  int i;
  CreatePipe(&r, &w, NULL, 0);
  for (k = 0; k < 3; k++)
    for (i = 0; i < 2; i++) {
      BOOL ok;
      d.QuadPart = dist[i];
      SetLastError(0);
      ok = SetFilePointerEx(i ? w : r, d, &p, k);
      printf("SetFilePointerEx(%s end, %lld, %s): %d, error %lu\n",
             i ? "write" : "read", dist[i], origin[k], ok, GetLastError());
    }
  CloseHandle(r);
  CloseHandle(w);
}

static void crt(void) {
  HANDLE r, w;
  int fr, fw, n;
  long pos;
  CreatePipe(&r, &w, NULL, 0);
  fr = _open_osfhandle((intptr_t)r, _O_RDONLY | _O_BINARY);
  fw = _open_osfhandle((intptr_t)w, _O_WRONLY | _O_BINARY);
  errno = 0;
  _doserrno = 0;
  pos = _lseek(fr, 0, SEEK_CUR);
  printf("_lseek(read end, 0, SEEK_CUR): %ld, errno %d, _doserrno %lu\n", pos,
         errno, _doserrno);
  errno = 0;
  _doserrno = 0;
  pos = _lseek(fw, 5, SEEK_SET);
  printf("_lseek(write end, 5, SEEK_SET): %ld, errno %d, _doserrno %lu\n", pos,
         errno, _doserrno);
  printf("_write 5: %d\n", _write(fw, "hello", 5));
  printf("_read 3: %d\n", _read(fr, buf, 3));
  _close(fw);
  printf("write end closed: _read 10: %d\n", _read(fr, buf, 10));
  errno = 0;
  _doserrno = 0;
  n = _read(fr, buf, 10);
  printf("write end closed, empty: _read 10: %d, errno %d, _doserrno %lu\n", n,
         errno, _doserrno);
  _close(fr);
  CreatePipe(&r, &w, NULL, 0);
  fw = _open_osfhandle((intptr_t)w, _O_WRONLY | _O_BINARY);
  CloseHandle(r);
  errno = 0;
  _doserrno = 0;
  n = _write(fw, "abc", 3);
  printf("read end closed: _write 3: %d, errno %d, _doserrno %lu\n", n, errno,
         _doserrno);
  errno = 0;
  _doserrno = 0;
  n = _write(fw, "", 0);
  printf("read end closed: _write 0: %d, errno %d, _doserrno %lu\n", n, errno,
         _doserrno);
  _close(fw);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  handles();
  buffer();
  ends();
  seek();
  crt();
  return 0;
}
