/*
 * Probe (not built by CMake): Win32 HANDLE and C-runtime descriptor rules
 * that docs/win32.md, docs/crt.md and docs/wine.md state. Cross-compiled
 * twice by docs/probes/run.sh, against msvcrt.dll and against UCRT, and run
 * under Wine. One argument: run only the unhandled _close(100) case with the
 * start-up handler in place; two: first remove the handler
 * (_set_invalid_parameter_handler(NULL)). The counter `iph` is a probe's
 * global: the CRT's handler has no context argument.
 */
#include <windows.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int iph;
static void __cdecl handler(const wchar_t *e, const wchar_t *f,
                            const wchar_t *fl, unsigned l, uintptr_t r) {
  (void)e;
  (void)f;
  (void)fl;
  (void)l;
  (void)r;
  iph++;
}
#define CRT(expr)                                                              \
  do {                                                                         \
    errno = 0;                                                                 \
    iph = 0;                                                                   \
    long long r_ = (long long)(expr);                                          \
    printf("%-44s -> %lld errno %d iph %d\n", #expr, r_, errno, iph);          \
  } while (0)
#define W32(expr)                                                              \
  do {                                                                         \
    SetLastError(0);                                                           \
    long long r_ = (long long)(expr);                                          \
    printf("%-44s -> %lld GLE %lu\n", #expr, r_, GetLastError());              \
  } while (0)
static HANDLE mk(const char *p) {
  return CreateFileA(p, GENERIC_READ | GENERIC_WRITE,
                     FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                     FILE_ATTRIBUTE_NORMAL, NULL);
}
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 2)
    _set_invalid_parameter_handler(NULL);
  if (argc > 1) {
    printf("no handler installed by the probe: _close(100):\n");
    fflush(stdout);
    CRT(_close(100));
    return 0;
  }
  _set_invalid_parameter_handler(handler);
  printf("std handles %p %p %p\n", GetStdHandle(STD_INPUT_HANDLE),
         GetStdHandle(STD_OUTPUT_HANDLE), GetStdHandle(STD_ERROR_HANDLE));
  HANDLE h1 = mk("p1.tmp"), h2 = mk("p2.tmp"), h3 = mk("p1.tmp");
  printf("CreateFile values %p %p %p\n", h1, h2, h3);
  DWORD n;
  WriteFile(h1, "hello", 5, &n, NULL);
  HANDLE d;
  DuplicateHandle(GetCurrentProcess(), h1, GetCurrentProcess(), &d, 0, FALSE,
                  DUPLICATE_SAME_ACCESS);
  LARGE_INTEGER z = {0}, p;
  SetFilePointerEx(d, z, &p, FILE_CURRENT);
  printf("dup %p: position through dup %lld\n", d, p.QuadPart);
  SetFilePointerEx(h3, z, &p, FILE_CURRENT);
  printf("second CreateFile position %lld\n", p.QuadPart);
  CloseHandle(d);
  HANDLE r = mk("p3.tmp");
  printf("after closing %p the next CreateFile got %p\n", d, r);
  CloseHandle(r);
  W32(CloseHandle(d));
  W32(CloseHandle(NULL));
  W32(CloseHandle((HANDLE)0x12345678));
  W32(CloseHandle(INVALID_HANDLE_VALUE));
  /* protect from close */
  HANDLE pr;
  DuplicateHandle(GetCurrentProcess(), h1, GetCurrentProcess(), &pr, 0, FALSE,
                  DUPLICATE_SAME_ACCESS);
  SetHandleInformation(pr, HANDLE_FLAG_PROTECT_FROM_CLOSE,
                       HANDLE_FLAG_PROTECT_FROM_CLOSE);
  W32(CloseHandle(pr));
  DWORD fl = 99;
  W32(GetHandleInformation(pr, &fl));
  printf("  flags %lu\n", fl);
  HANDLE out = 0;
  W32(DuplicateHandle(GetCurrentProcess(), pr, GetCurrentProcess(), &out, 0,
                      FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
  printf("  protected source %p -> %p; source still valid %d\n", pr, out,
         GetHandleInformation(pr, &fl));
  CloseHandle(out);
  SetHandleInformation(pr, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0);
  W32(DuplicateHandle(GetCurrentProcess(), pr, GetCurrentProcess(), &out, 0,
                      TRUE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
  GetHandleInformation(out, &fl);
  printf("  unprotected source %p -> %p, flags of result %lu\n", pr, out, fl);
  HANDLE s2;
  DuplicateHandle(GetCurrentProcess(), h1, GetCurrentProcess(), &s2, 0, FALSE,
                  DUPLICATE_SAME_ACCESS);
  W32(DuplicateHandle(GetCurrentProcess(), s2, NULL, &out, 0, FALSE,
                      DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
  printf("  NULL target: source %p still valid %d\n", s2,
         GetHandleInformation(s2, &fl));
  W32(SetHandleInformation(GetCurrentProcess(), HANDLE_FLAG_INHERIT, 0));
  DWORD cnt = 77;
  W32(GetProcessHandleCount(GetCurrentProcess(), &cnt));
  printf("  handle count %lu\n", cnt);
  /* CRT */
  int fd = _open_osfhandle((intptr_t)h2, 0);
  printf("_open_osfhandle(h2) -> %d, _get_osfhandle == h2: %d\n", fd,
         _get_osfhandle(fd) == (intptr_t)h2);
  CRT(_close(fd));
  W32(CloseHandle(h2));
  CRT(_get_osfhandle(fd));
  CRT(_get_osfhandle(-1));
  CRT(_get_osfhandle(100000));
  CRT(_close(fd));
  CRT(_dup(fd));
  CRT(_close(-2));
  CRT(_open_osfhandle((intptr_t)h2, 0));
  CRT(_open_osfhandle((intptr_t)INVALID_HANDLE_VALUE, 0));
  CRT(_open_osfhandle((intptr_t)GetCurrentProcess(), 0));
  /* two descriptors on one handle */
  HANDLE h4 = mk("p4.tmp");
  int a = _open_osfhandle((intptr_t)h4, 0),
      b = _open_osfhandle((intptr_t)h4, 0);
  printf("two fds %d %d on one handle\n", a, b);
  CRT(_close(a));
  CRT(_close(b));
  /* _dup, _dup2 */
  HANDLE h5 = mk("p5.tmp");
  int s = _open_osfhandle((intptr_t)h5, 0);
  int t = _dup(s);
  printf("_dup(%d) -> %d handle %p vs %p\n", s, t, (void *)_get_osfhandle(t),
         h5);
  intptr_t before = _get_osfhandle(s);
  CRT(_dup2(s, s));
  printf("  _dup2(s,s): handle %p -> %p\n", (void *)before,
         (void *)_get_osfhandle(s));
  intptr_t told = _get_osfhandle(t);
  CRT(_dup2(s, t));
  printf("  _dup2(s,t): t's old handle %p still valid %d\n", (void *)told,
         GetHandleInformation((HANDLE)told, &fl));
  CRT(_dup2(s, 5000));
  CRT(_dup2(s, 9000));
  CRT(_dup2(1000, 7));
  /* protected handle under a descriptor */
  HANDLE h6 = mk("p6.tmp");
  SetHandleInformation(h6, HANDLE_FLAG_PROTECT_FROM_CLOSE,
                       HANDLE_FLAG_PROTECT_FROM_CLOSE);
  int pf = _open_osfhandle((intptr_t)h6, 0);
  CRT(_close(pf));
  printf("  slot freed: _get_osfhandle -> %lld; handle valid %d\n",
         (long long)_get_osfhandle(pf), GetHandleInformation(h6, &fl));
  /* _O_NOINHERIT leaves the handle flags */
  HANDLE h7 = mk("p7.tmp");
  SetHandleInformation(h7, HANDLE_FLAG_INHERIT, 0);
  int ni = _open_osfhandle((intptr_t)h7, _O_NOINHERIT);
  GetHandleInformation(h7, &fl);
  printf("_O_NOINHERIT: handle flags %lu\n", fl);
  FILE *fp = _fdopen(ni, "r+");
  CRT(fclose(fp));
  W32(CloseHandle(h7));
  CRT(_fdopen(3, "z"));
  /* lowest free */
  int x = _open_osfhandle((intptr_t)mk("p8.tmp"), 0),
      y = _open_osfhandle((intptr_t)mk("p9.tmp"), 0);
  _close(x);
  int z2 = _open_osfhandle((intptr_t)mk("pa.tmp"), 0);
  printf("fds %d %d; after closing %d next is %d\n", x, y, x, z2);
  /* limits */
  CRT(_getmaxstdio());
  CRT(_setmaxstdio(2048));
  CRT(_setmaxstdio(8192));
  CRT(_setmaxstdio(8193));
  CRT(_setmaxstdio(2));
  int cap = 0, last = -1, e = 0;
  for (;;) {
    int q = _dup(y);
    if (q < 0) {
      e = errno;
      break;
    }
    cap++;
    last = q;
  }
  printf("descriptor capacity: %d more, last %d, then errno %d\n", cap, last,
         e);
  CRT(_open_osfhandle((intptr_t)h1, 0));
  return 0;
}
