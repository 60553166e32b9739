/*
 * The Windows interposer (harness/win32/ipose_iat.c) on a real DLL, under
 * Wine: examples/hlib's hlib.c and app.c built as libhlib.dll and
 * libapp.dll (tests/win32/CMakeLists.txt), their import tables patched by
 * co_ipose_install. Each case calls their entry points between
 * co_ipose_enter and co_ipose_leave, as the executor does around a glue
 * call, and checks the step's log against the HANDLE values and
 * descriptors the calls really made and closed; faults armed with
 * co_ipose_arm make the DLL's next call fail as Win32 or the C runtime
 * reports it, and never a call of this program's own (the harness's) or
 * of the C runtime's internals. One ctest test per case:
 * test_ipose_win32 CASE.
 */
#include <windows.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../examples/hlib/app.h"
#include "../../examples/hlib/hlib.h"
#include "closeonce/error.h"
#include "ipose.h"
#include "win32/win32.h"

#include "check.h"

static const char *const dlls[] = {"libhlib.dll", "libapp.dll", NULL};
/* CO_IPOSE_WRAP: hlib and app are linked into this program through the
 * partial link that wraps their imports: always routed, no DLL to patch. */
#ifdef CO_IPOSE_WRAP
#define NMODULES 0
#else
#define NMODULES 2
#endif

/* The interposer installed on both DLLs: 2 modules routed (they are
 * linked to this program, so loaded). Idempotent: again, the same 2, each
 * patched once (the log_* tests show each call logged once). */
static void install(void) {
  char err[200];
  int n = co_ipose_install(dlls, 0, err, sizeof err);
  CHECK(n == NMODULES, "co_ipose_install routed %d modules (%s)", n,
        n < 0 ? err : "");
  n = co_ipose_install(dlls, 0, err, sizeof err);
  CHECK(n == NMODULES, "a second install routed %d", n);
}

/* A fresh path for hlib_open (CREATE_NEW, deleted on close): Wine reuses
 * process ids soon, so the time is in the name too. */
static const wchar_t *path_new(void) {
  static wchar_t p[MAX_PATH + 64];
  static unsigned serial;
  wchar_t dir[MAX_PATH];
  LARGE_INTEGER t;
  QueryPerformanceCounter(&t);
  GetTempPathW(MAX_PATH, dir);
  swprintf(p, sizeof p / sizeof *p, L"%lsco-ipose-%lu-%llx-%u", dir,
           (unsigned long)GetCurrentProcessId(), (unsigned long long)t.QuadPart,
           serial++);
  return p;
}

static int64_t hv(HANDLE h) {
  return (int64_t)(intptr_t)h;
}

static const char *fmt(const struct co_icall *c) {
  static char buf[160];
  co_icall_format(c, buf, sizeof buf);
  return buf;
}

/* The log holds exactly n calls; call i is fn on a. */
static void expect_call(const struct co_ipose *ip, unsigned i, unsigned fn,
                        int64_t a) {
  CHECK(i < ip->n, "call %u missing (%u logged)", i, ip->n);
  if (i >= ip->n)
    return;
  CHECK(ip->log[i].fn == fn && ip->log[i].a == a,
        "call %u is %s, expected %s(%lld)", i, fmt(&ip->log[i]),
        co_ipose_fn_name(fn), (long long)a);
}

static int handle_open(HANDLE h) {
  DWORD fl;
  return GetHandleInformation(h, &fl) != 0;
}

/* A case's start: a fresh context (profile CO_CLOSE_FREES), the
 * interposer installed, and a file hlib_open made outside any glue call
 * (NULL, a failed check, if it could not). */
static struct hlib *start(struct co_ipose *ip) {
  struct hlib *f;
  co_ipose_init(ip, CO_CLOSE_FREES);
  install();
  f = hlib_open(path_new());
  CHECK(f != NULL, "hlib_open failed (%lu)", (unsigned long)GetLastError());
  return f;
}

/* Each hlib entry's own calls, with the HANDLE values they made and
 * closed; the harness's own calls (this program's) never logged, inside a
 * glue call or outside one. */
static void log_hlib(void) {
  struct co_ipose ip;
  struct hlib *f;
  HANDLE h, d, mine;
  long w;
  co_ipose_init(&ip, CO_CLOSE_FREES);
  install();
  co_ipose_enter(&ip);
  f = hlib_open(path_new());
  co_ipose_leave(&ip);
  CHECK(f != NULL, "hlib_open failed (%lu)", (unsigned long)GetLastError());
  if (!f)
    return;
  h = hlib_handle(f);
  CHECK(ip.n == 1, "hlib_open logged %u calls", ip.n);
  expect_call(&ip, 0, CO_IFN_CREATEFILEW, -1);
  CHECK(ip.log[0].ret == hv(h) && ip.log[0].err == CO_OK,
        "CreateFileW returned %s, hlib holds %lld", fmt(&ip.log[0]),
        (long long)hv(h));

  co_ipose_enter(&ip);
  w = hlib_write(f, "abc", 3);
  /* the harness's own call inside the glue call: not the library's */
  CHECK(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &mine, 0,
                        FALSE, DUPLICATE_SAME_ACCESS),
        "the harness's DuplicateHandle failed");
  CloseHandle(mine);
  co_ipose_leave(&ip);
  CHECK(w == 3, "hlib_write wrote %ld", w);
  CHECK(ip.n == 1, "hlib_write logged %u calls", ip.n);
  expect_call(&ip, 0, CO_IFN_WRITEFILE, hv(h));
  CHECK(ip.log[0].arg == 3 && ip.log[0].ret == 3, "%s", fmt(&ip.log[0]));

  co_ipose_enter(&ip);
  d = hlib_export(f);
  co_ipose_leave(&ip);
  CHECK(d != INVALID_HANDLE_VALUE && d != h, "hlib_export gave %p", d);
  CHECK(ip.n == 1, "hlib_export logged %u calls", ip.n);
  expect_call(&ip, 0, CO_IFN_DUPHANDLE, hv(h));
  CHECK(ip.log[0].ret == hv(d), "%s, the copy is %lld", fmt(&ip.log[0]),
        (long long)hv(d));
  CloseHandle(d); /* outside a glue call: the harness's */
  CHECK(ip.n == 1, "a CloseHandle outside enter/leave was logged");

  co_ipose_enter(&ip);
  CHECK(hlib_close(f) == 0, "hlib_close failed");
  co_ipose_leave(&ip);
  CHECK(ip.n == 1, "hlib_close logged %u calls", ip.n);
  expect_call(&ip, 0, CO_IFN_CLOSEHANDLE, hv(h));
  CHECK(ip.log[0].ret == 0 && ip.log[0].injected == CO_INJ_NONE, "%s",
        fmt(&ip.log[0]));
  CHECK(!handle_open(h), "hlib_close left %lld open", (long long)hv(h));

  /* put back: the DLL's calls are the real ones again, logged nowhere
   * (linked in through --wrap they stay routed: the link made them so) */
  CHECK(co_ipose_uninstall() == 0, "uninstall failed");
  if (NMODULES == 0)
    return;
  co_ipose_enter(&ip);
  f = hlib_open(path_new());
  if (f)
    hlib_close(f);
  co_ipose_leave(&ip);
  CHECK(f && ip.n == 0, "after uninstall %u calls logged", ip.n);
}

/* app's bridge: DuplicateHandle, _open_osfhandle and _close from
 * libapp.dll; the C runtime's own CloseHandle inside _close is not app's. */
static void log_app(void) {
  struct co_ipose ip;
  struct hlib *f;
  HANDLE h;
  int fd;
  if (!(f = start(&ip)))
    return;
  h = hlib_handle(f);
  co_ipose_enter(&ip);
  fd = app_crt_fd(h);
  co_ipose_leave(&ip);
  CHECK(fd >= 0, "app_crt_fd failed (errno %d)", errno);
  CHECK(ip.n == 2, "app_crt_fd logged %u calls", ip.n);
  expect_call(&ip, 0, CO_IFN_DUPHANDLE, hv(h));
  expect_call(&ip, 1, CO_IFN_OSFHANDLE, ip.log[0].ret);
  CHECK(ip.n == 2 && ip.log[1].ret == fd &&
            co_crt_peek_osfhandle(fd) == ip.log[0].ret,
        "%s, fd %d over %lld", fmt(&ip.log[1]), fd,
        (long long)co_crt_peek_osfhandle(fd));
  co_ipose_enter(&ip);
  CHECK(app_crt_close(fd) == 0, "app_crt_close failed");
  co_ipose_leave(&ip);
  CHECK(ip.n == 1,
        "app_crt_close logged %u calls (the C runtime's own "
        "CloseHandle is not app's)",
        ip.n);
  expect_call(&ip, 0, CO_IFN_CRT_CLOSE, fd);
  CHECK(handle_open(h), "closing app's copy closed hlib's HANDLE");
  hlib_close(f);
  co_ipose_uninstall();
}

/* An armed close fault: hlib_close's CloseHandle fails as Win32 reports
 * it (FALSE, ERROR_INVALID_HANDLE) and the HANDLE stays open (no Win32
 * close fails having freed it). Armed before the harness's own
 * CloseHandle calls, inside and outside the glue call, it is not consumed
 * by them. */
static void fault_closehandle(void) {
  struct co_ipose ip;
  struct hlib *f;
  HANDLE h, mine;
  int r;
  if (!(f = start(&ip)))
    return;
  h = hlib_handle(f);
  CHECK(co_ipose_arm(&ip, CO_IF_CLOSE, CO_EINTR, 0) == 0, "arm failed");
  DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &mine, 0, FALSE,
                  DUPLICATE_SAME_ACCESS);
  co_ipose_enter(&ip);
  CHECK(CloseHandle(mine), "the harness's own CloseHandle failed");
  CHECK(co_ipose_armed(&ip) && ip.n == 0,
        "the harness's CloseHandle consumed the fault or was logged");
  r = hlib_close(f);
  co_ipose_leave(&ip);
  CHECK(r == -1 && errno == EBADF, "hlib_close gave %d errno %d", r, errno);
  CHECK(!co_ipose_armed(&ip) && ip.fired == 1, "the fault did not fire");
  CHECK(ip.n == 1, "logged %u calls", ip.n);
  expect_call(&ip, 0, CO_IFN_CLOSEHANDLE, hv(h));
  CHECK(ip.log[0].injected == CO_INJ_FAILED && ip.log[0].err == CO_EINTR, "%s",
        fmt(&ip.log[0]));
  CHECK(handle_open(h), "the injected CloseHandle failure closed it");
  CloseHandle(h); /* hlib freed its object: the HANDLE is left to us */
  co_ipose_uninstall();
}

/* WriteFile: ENOSPC is ERROR_DISK_FULL, EIO ERROR_IO_DEVICE, nothing
 * written; EAGAIN a short write of 0 bytes (TRUE). A WriteFile of the
 * harness's, and the C runtime's own inside _write (hlib_write over a
 * descriptor), do not consume the fault. */
static void fault_writefile(void) {
  static const struct {
    int err;
    long ret;
    DWORD code;
  } cases[] = {{CO_ENOSPC, -1, ERROR_DISK_FULL},
               {CO_EIO, -1, ERROR_IO_DEVICE},
               {CO_EAGAIN, 0, 0}};
  struct co_ipose ip;
  struct hlib *f, *g;
  HANDLE h, d;
  DWORD done, code;
  LARGE_INTEGER size;
  unsigned i;
  long w;
  if (!(f = start(&ip)) || !(g = hlib_open(path_new()))) {
    CHECK(0, "hlib_open failed");
    return;
  }
  h = hlib_handle(f);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK(co_ipose_arm(&ip, CO_IF_WRITE, cases[i].err, 0) == 0, "arm");
    co_ipose_enter(&ip);
    w = hlib_write(f, "abcd", 4);
    code = GetLastError();
    co_ipose_leave(&ip);
    CHECK(w == cases[i].ret && (w == 0 || code == cases[i].code),
          "%s: hlib_write gave %ld, last error %lu", co_err_name(cases[i].err),
          w, (unsigned long)code);
    CHECK(ip.n == 1 && ip.log[0].injected == CO_INJ_FAILED &&
              ip.log[0].err == cases[i].err && ip.log[0].ret == cases[i].ret,
          "%s", ip.n ? fmt(&ip.log[0]) : "nothing logged");
  }
  GetFileSizeEx(h, &size);
  CHECK(size.QuadPart == 0, "an injected write wrote %lld bytes",
        (long long)size.QuadPart);

  CHECK(co_ipose_arm(&ip, CO_IF_WRITE, CO_ENOSPC, 0) == 0, "arm");
  co_ipose_enter(&ip);
  CHECK(WriteFile(h, "x", 1, &done, NULL) && done == 1,
        "the harness's own WriteFile failed");
  {
    /* over a descriptor: hlib calls _write, whose WriteFile is the C
     * runtime's, not hlib's */
    HANDLE gh = hlib_handle(g);
    int fd;
    struct hlib *viafd;
    DuplicateHandle(GetCurrentProcess(), gh, GetCurrentProcess(), &d, 0, FALSE,
                    DUPLICATE_SAME_ACCESS);
    fd = _open_osfhandle((intptr_t)d, _O_BINARY);
    viafd = hlib_fdopen(fd);
    CHECK(viafd && hlib_write(viafd, "yz", 2) == 2,
          "hlib_write over a descriptor failed");
    CHECK(co_ipose_armed(&ip), "the C runtime's WriteFile consumed it");
    if (viafd)
      hlib_close(viafd); /* _close: logged, not a write */
  }
  w = hlib_write(f, "abcd", 4);
  co_ipose_leave(&ip);
  CHECK(w == -1 && !co_ipose_armed(&ip), "hlib's WriteFile gave %ld", w);
  CHECK(ip.n == 2, "logged %u calls", ip.n);
  expect_call(&ip, 0, CO_IFN_CRT_CLOSE, ip.n ? ip.log[0].a : 0);
  expect_call(&ip, 1, CO_IFN_WRITEFILE, hv(h));
  hlib_close(f);
  hlib_close(g);
  co_ipose_uninstall();
}

/* CreateFileW: EMFILE is ERROR_TOO_MANY_OPEN_FILES, ENFILE
 * ERROR_NO_SYSTEM_RESOURCES; no file made. DuplicateHandle: EMFILE is
 * ERROR_NO_SYSTEM_RESOURCES, no copy made. */
static void fault_open_dup(void) {
  struct co_ipose ip;
  struct hlib *f;
  const wchar_t *p;
  HANDLE d;
  DWORD code;
  co_ipose_init(&ip, CO_CLOSE_FREES);
  install();
  CHECK(co_ipose_arm(&ip, CO_IF_OPEN, CO_EMFILE, 0) == 0 &&
            co_ipose_arm(&ip, CO_IF_OPEN, CO_ENFILE, 1) == 0,
        "arm");
  co_ipose_enter(&ip);
  p = path_new();
  f = hlib_open(p);
  code = GetLastError();
  CHECK(!f && code == ERROR_TOO_MANY_OPEN_FILES && errno == EIO,
        "hlib_open gave %p, last error %lu, errno %d", (void *)f,
        (unsigned long)code, errno);
  CHECK(GetFileAttributesW(p) == INVALID_FILE_ATTRIBUTES,
        "the injected CreateFileW made the file");
  f = hlib_open(path_new());
  code = GetLastError();
  CHECK(!f && code == ERROR_NO_SYSTEM_RESOURCES,
        "second hlib_open gave %p, last error %lu", (void *)f,
        (unsigned long)code);
  co_ipose_leave(&ip);
  CHECK(ip.n == 2 && ip.fired == 2, "logged %u, fired %u", ip.n, ip.fired);

  f = hlib_open(path_new());
  if (!f) {
    CHECK(0, "hlib_open failed");
    return;
  }
  CHECK(co_ipose_arm(&ip, CO_IF_DUP, CO_EMFILE, 0) == 0, "arm");
  co_ipose_enter(&ip);
  d = hlib_export(f);
  code = GetLastError();
  co_ipose_leave(&ip);
  CHECK(d == INVALID_HANDLE_VALUE && code == ERROR_NO_SYSTEM_RESOURCES,
        "hlib_export gave %p, last error %lu", d, (unsigned long)code);
  CHECK(ip.n == 1 && ip.log[0].fn == CO_IFN_DUPHANDLE &&
            ip.log[0].injected == CO_INJ_FAILED && ip.log[0].ret == -1,
        "%s", ip.n ? fmt(&ip.log[0]) : "nothing logged");
  CHECK(handle_open(hlib_handle(f)), "the source was closed");
  hlib_close(f);
  co_ipose_uninstall();
}

/* The C runtime's calls: _open_osfhandle EMFILE fails app_crt_fd (errno
 * EMFILE in the DLL's C runtime) and takes it into its error path, whose
 * CloseHandle of its copy is logged; an injected _close fails -1 with the
 * fault's errno and frees the descriptor, except EINTR under
 * CO_CLOSE_KEEPS, which leaves it open. */
static void fault_crt(void) {
  /* POSIX.1-2024 (CO_CLOSE_KEEPS) keeps it after EINTR only */
  static const struct {
    enum co_close_profile profile;
    int err, keeps;
  } profiles[] = {{CO_CLOSE_FREES, CO_EIO, 0},
                  {CO_CLOSE_FREES, CO_EINTR, 0},
                  {CO_CLOSE_KEEPS, CO_EINTR, 1},
                  {CO_CLOSE_KEEPS, CO_EIO, 0}};
  struct co_ipose ip;
  struct hlib *f;
  HANDLE h;
  int fd, r;
  unsigned i;
  if (!(f = start(&ip)))
    return;
  h = hlib_handle(f);
  CHECK(co_ipose_arm(&ip, CO_IF_ADOPT, CO_EMFILE, 0) == 0, "arm");
  co_ipose_enter(&ip);
  fd = app_crt_fd(h);
  co_ipose_leave(&ip);
  CHECK(fd == -1 && errno == EMFILE, "app_crt_fd gave %d errno %d", fd, errno);
  CHECK(ip.n == 3, "logged %u calls", ip.n);
  expect_call(&ip, 0, CO_IFN_DUPHANDLE, hv(h));
  expect_call(&ip, 1, CO_IFN_OSFHANDLE, ip.n ? ip.log[0].ret : 0);
  expect_call(&ip, 2, CO_IFN_CLOSEHANDLE, ip.n ? ip.log[0].ret : 0);
  CHECK(ip.n == 3 && ip.log[1].injected == CO_INJ_FAILED &&
            ip.log[2].ret == 0 && !handle_open((HANDLE)(intptr_t)ip.log[0].ret),
        "app's error path did not close its copy");

  for (i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
    co_ipose_init(&ip, profiles[i].profile);
    fd = app_crt_fd(h);
    CHECK(fd >= 0, "app_crt_fd failed");
    CHECK(co_ipose_arm(&ip, CO_IF_CLOSE, profiles[i].err, 0) == 0, "arm");
    co_ipose_enter(&ip);
    r = app_crt_close(fd);
    co_ipose_leave(&ip);
    CHECK(r == -1 && errno == (profiles[i].err == CO_EINTR ? EINTR : EIO),
          "app_crt_close gave %d errno %d", r, errno);
    CHECK(ip.n == 1 && ip.log[0].injected ==
                           (profiles[i].keeps ? CO_INJ_FAILED : CO_INJ_CLOSED),
          "%s", ip.n ? fmt(&ip.log[0]) : "nothing logged");
    CHECK((co_crt_peek_osfhandle(fd) != -1) == profiles[i].keeps,
          "case %u: descriptor %d is %s", i, fd,
          co_crt_peek_osfhandle(fd) != -1 ? "open" : "closed");
    if (profiles[i].keeps)
      _close(fd);
  }
  CHECK(handle_open(h), "hlib's HANDLE was closed");
  hlib_close(f);
  co_ipose_uninstall();
}

/* The harness's own module (this program, where the wrappers are) named
 * as a library's: refused, naming it; nothing patched, so its calls stay
 * real (patching it would send the wrappers' real calls to themselves). */
static void refuse_self(void) {
  static const char *const self[] = {"test_ipose_win32", NULL};
  struct co_ipose ip;
  char err[200] = "";
  HANDLE d;
  int n = co_ipose_install(self, 0, err, sizeof err);
  CHECK(n == -1 && strncmp(err, "interposer: test_ipose_win32", 28) == 0 &&
            strstr(err, ".exe is the harness's own module"),
        "install gave %d: %s", n, err);
  co_ipose_init(&ip, CO_CLOSE_FREES);
  CHECK(co_ipose_arm(&ip, CO_IF_CLOSE, CO_EINTR, 0) == 0, "arm");
  co_ipose_enter(&ip);
  DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(),
                  &d, 0, FALSE, DUPLICATE_SAME_ACCESS);
  CHECK(CloseHandle(d), "the harness's CloseHandle failed");
  co_ipose_leave(&ip);
  CHECK(ip.n == 0 && co_ipose_armed(&ip), "the harness's calls were routed");
  co_ipose_uninstall();
}

/* co_adapter.nofault: a family the library dies of is left alone in its
 * table: installed with close in nofault, hlib's CloseHandle is the real
 * one, never logged and never failed; its CreateFileW is still routed. */
static void nofault(void) {
  struct co_ipose ip;
  struct hlib *f;
  char err[200];
  int n = co_ipose_install(dlls, 1u << CO_IF_CLOSE, err, sizeof err);
  CHECK(n == NMODULES, "install gave %d (%s)", n, n < 0 ? err : "");
  co_ipose_init(&ip, CO_CLOSE_FREES);
  CHECK(co_ipose_arm(&ip, CO_IF_CLOSE, CO_EINTR, 0) == 0, "arm");
  co_ipose_enter(&ip);
  f = hlib_open(path_new());
  CHECK(f && hlib_close(f) == 0, "hlib_open or hlib_close failed");
  co_ipose_leave(&ip);
  CHECK(ip.n == 1 && ip.log[0].fn == CO_IFN_CREATEFILEW && co_ipose_armed(&ip),
        "%u logged (%s), fault %s", ip.n, ip.n ? fmt(&ip.log[0]) : "",
        co_ipose_armed(&ip) ? "armed" : "consumed");
  co_ipose_uninstall();
}

/* The platform's codes the injected faults copy: the NTSTATUS of a full
 * handle table, of too many open files, of a full disk and of a device
 * error, as kernel32 reports them (docs/faults.md#windows-errors). */
ULONG WINAPI RtlNtStatusToDosError(LONG status);
static void platform_codes(void) {
  static const struct {
    unsigned long status;
    ULONG code;
  } m[] = {{0xC000009AUL, ERROR_NO_SYSTEM_RESOURCES}, /* INSUFFICIENT_RES. */
           {0xC000011FUL, ERROR_TOO_MANY_OPEN_FILES}, /* TOO_MANY_OPENED_F. */
           {0xC000007FUL, ERROR_DISK_FULL},           /* DISK_FULL */
           {0xC0000185UL, ERROR_IO_DEVICE}};          /* IO_DEVICE_ERROR */
  size_t i;
  for (i = 0; i < sizeof m / sizeof m[0]; i++)
    CHECK(RtlNtStatusToDosError((LONG)m[i].status) == m[i].code,
          "0x%08lx gives %lu, expected %lu", m[i].status,
          (unsigned long)RtlNtStatusToDosError((LONG)m[i].status),
          (unsigned long)m[i].code);
}

/* The wrappers' cost: hlib_write's WriteFile N times, the real call, the
 * wrapper outside a glue call, and inside one (logged); five rounds, the
 * fastest of each. Linked in through --wrap there is no real call to
 * compare with: the first is the wrapper outside a glue call too. */
static double per_call(struct hlib *f, struct co_ipose *ip, int inside,
                       int *ok) {
  enum { N = 20000 };
  LARGE_INTEGER fq, t0, t1;
  int i;
  QueryPerformanceFrequency(&fq);
  if (inside)
    co_ipose_enter(ip);
  QueryPerformanceCounter(&t0);
  for (i = 0; i < N; i++)
    *ok &= hlib_write(f, "a", 1) == 1;
  QueryPerformanceCounter(&t1);
  if (inside) {
    co_ipose_leave(ip);
    *ok &= ip->n + ip->lost == N;
  }
  return (double)(t1.QuadPart - t0.QuadPart) * 1e9 / (double)fq.QuadPart / N;
}

static void cost(void) {
  struct co_ipose ip;
  struct hlib *f = hlib_open(path_new());
  double best[3] = {1e18, 1e18, 1e18}, t;
  int round, mode, ok = 1;
  char err[200];
  if (!f) {
    CHECK(0, "hlib_open failed");
    return;
  }
  co_ipose_init(&ip, CO_CLOSE_FREES);
  for (round = 0; round < 5; round++)
    for (mode = 0; mode < 3; mode++) {
      if (mode == 1)
        CHECK(co_ipose_install(dlls, 0, err, sizeof err) == NMODULES,
              "install");
      t = per_call(f, &ip, mode == 2, &ok);
      if (t < best[mode])
        best[mode] = t;
      if (mode == 2)
        CHECK(co_ipose_uninstall() == 0, "uninstall");
    }
  CHECK(ok, "a write failed, or a call inside was not logged");
  printf("hlib_write (one WriteFile) per call, fastest of 5 x 20000: "
         "%.0f ns %s, %.0f ns installed outside a glue call, %.0f ns "
         "inside one (logged)\n",
         best[0], NMODULES ? "real" : "wrapped (linked in)", best[1], best[2]);
  hlib_close(f);
}

/* CO_IPOSE_CROSS: libapp.dll is built with msvcrt.dll and this program
 * with UCRT (tests/win32/CMakeLists.txt): app's descriptors are in
 * msvcrt.dll's table and its errno is msvcrt.dll's. The interposer calls
 * app's own _open_osfhandle and _close and sets app's errno; this
 * program's errno is untouched. msvcrt.dll's functions are asked of it
 * (its _get_osfhandle of a closed descriptor is -1, no handler). */
#ifdef CO_IPOSE_CROSS
typedef int *(__cdecl *errno_fn)(void);
typedef intptr_t(__cdecl *getosf_fn)(int);
static FARPROC msvcrt_fn(const char *name) {
  HMODULE m = GetModuleHandleA("msvcrt.dll");
  FARPROC p = m ? GetProcAddress(m, name) : NULL;
  CHECK(p != NULL, "msvcrt.dll is not loaded or has no %s", name);
  return p;
}
static void cross_crt(void) {
  struct co_ipose ip;
  struct hlib *f;
  errno_fn app_errno;
  getosf_fn app_getosf;
  HANDLE h;
  int fd, r;
  FARPROC p;
  if (!(f = start(&ip)))
    return;
  p = msvcrt_fn("_errno");
  memcpy(&app_errno, &p, sizeof p);
  p = msvcrt_fn("_get_osfhandle");
  memcpy(&app_getosf, &p, sizeof p);
  if (!app_errno || !app_getosf)
    return;
  h = hlib_handle(f);
  co_ipose_enter(&ip);
  fd = app_crt_fd(h);
  co_ipose_leave(&ip);
  CHECK(fd >= 0 && ip.n == 2 && ip.log[1].fn == CO_IFN_OSFHANDLE &&
            ip.log[1].ret == fd && app_getosf(fd) == ip.log[0].ret,
        "app_crt_fd gave %d; %u logged", fd, ip.n);

  CHECK(co_ipose_arm(&ip, CO_IF_ADOPT, CO_EMFILE, 0) == 0, "arm");
  errno = 0;
  *app_errno() = 0;
  co_ipose_enter(&ip);
  r = app_crt_fd(h);
  co_ipose_leave(&ip);
  CHECK(r == -1 && *app_errno() == EMFILE && errno == 0,
        "app_crt_fd gave %d, app's errno %d, ours %d", r, *app_errno(), errno);

  CHECK(co_ipose_arm(&ip, CO_IF_CLOSE, CO_EIO, 0) == 0, "arm");
  *app_errno() = 0;
  co_ipose_enter(&ip);
  r = app_crt_close(fd);
  co_ipose_leave(&ip);
  CHECK(r == -1 && *app_errno() == EIO && errno == 0,
        "app_crt_close gave %d, app's errno %d, ours %d", r, *app_errno(),
        errno);
  CHECK(app_getosf(fd) == -1, "msvcrt.dll's descriptor %d is still open", fd);
  CHECK(handle_open(h), "hlib's HANDLE was closed");
  hlib_close(f);
  co_ipose_uninstall();
}
#endif

static const struct {
  const char *name;
  void (*fn)(void);
} cases[] = {
#ifdef CO_IPOSE_CROSS
    {"cross_crt", cross_crt},
#endif
    {"log_hlib", log_hlib},
    {"log_app", log_app},
    {"fault_closehandle", fault_closehandle},
    {"fault_writefile", fault_writefile},
    {"fault_open_dup", fault_open_dup},
    {"fault_crt", fault_crt},
    {"refuse_self", refuse_self},
    {"platform_codes", platform_codes},
    {"nofault", nofault},
    {"cost", cost}};

int main(int argc, char **argv) {
  size_t i;
  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    if (argc > 1 && !strcmp(argv[1], cases[i].name)) {
      cases[i].fn();
      if (failures)
        printf("%s: %d checks failed\n", cases[i].name, failures);
      else
        printf("%s: passed\n", cases[i].name);
      return failures != 0;
    }
  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    printf("%s\n", cases[i].name);
  return argc > 1 ? 2 : 0;
}
