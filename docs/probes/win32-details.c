/*
 * Probe (not built by CMake): Win32 details the model cites: the low two
 * bits of a handle value, WriteFile without write access, a negative
 * absolute seek on a closed handle, a 0-byte write through an append-only
 * handle. Built and run under Wine by docs/probes/run.sh.
 */
#include <windows.h>
#include <stdio.h>
#define W32(expr)                                                              \
  do {                                                                         \
    SetLastError(0);                                                           \
    long long r_ = (long long)(expr);                                          \
    printf("%-60s -> %lld GLE %lu\n", #expr, r_, GetLastError());              \
  } while (0)
int main(void) {
  HANDLE h = CreateFileA("q1.tmp", GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         CREATE_ALWAYS, 0, NULL);
  DWORD n, fl;
  printf("h = %p\n", h);
  W32(GetHandleInformation((HANDLE)((ULONG_PTR)h | 1), &fl));
  W32(WriteFile((HANDLE)((ULONG_PTR)h | 3), "abc", 3, &n, NULL));
  HANDLE ro =
      CreateFileA("q1.tmp", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                  NULL, OPEN_EXISTING, 0, NULL);
  W32(WriteFile(ro, "x", 1, &n, NULL));
  LARGE_INTEGER neg;
  neg.QuadPart = -1;
  LARGE_INTEGER p;
  W32(SetFilePointerEx(h, neg, &p, FILE_BEGIN));
  CloseHandle(ro);
  W32(SetFilePointerEx(ro, neg, &p, FILE_BEGIN));
  LARGE_INTEGER z = {0};
  W32(SetFilePointerEx(ro, z, &p, FILE_BEGIN));
  HANDLE ap = CreateFileA(
      "q1.tmp", FILE_APPEND_DATA | FILE_READ_DATA | SYNCHRONIZE,
      FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
  SetFilePointerEx(ap, z, &p, FILE_BEGIN);
  W32(WriteFile(ap, "", 0, &n, NULL));
  SetFilePointerEx(ap, z, &p, FILE_CURRENT);
  printf("append handle: position after a 0-byte write %lld (file size 3)\n",
         p.QuadPart);
  return 0;
}
