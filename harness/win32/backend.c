/*
 * The Win32 backend: real HANDLEs, one call per operation, files in a
 * private temporary directory. Windows builds only (mingw-w64 here, run
 * under Wine; the same code is meant for MSVC and clang-cl).
 *
 * How the trace's abstract operations map to Win32 (the one place):
 *   open [rdonly|wronly|rdwr] [append] [cloexec]
 *        CreateFileW(new file, GENERIC_READ/GENERIC_WRITE, or
 *        FILE_APPEND_DATA instead of write for append; share all;
 *        bInheritHandle = !cloexec; CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE)
 *   dup  DuplicateHandle(self, h, self, &n, 0, TRUE, DUPLICATE_SAME_ACCESS)
 *   duphandle [noinherit] [sameattr]  the same, bInheritHandle FALSE with
 *        noinherit, | DUPLICATE_SAME_ATTRIBUTES with sameattr
 *   dup_close [noinherit] [sameattr]  the same with DUPLICATE_CLOSE_SOURCE
 *   close      CloseHandle
 *   getfd/setfd  Get/SetHandleInformation(HANDLE_FLAG_INHERIT): cloexec is
 *        "not inherited by a child", as on POSIX
 *   setprotect   SetHandleInformation(HANDLE_FLAG_PROTECT_FROM_CLOSE)
 *   open_access MASK [noinherit]  CreateFileW as open, with dwDesiredAccess
 *        MASK (GENERIC_READ, GENERIC_WRITE, FILE_READ_DATA,
 *        FILE_WRITE_DATA, FILE_APPEND_DATA, or 0)
 *   duphandle_access h MASK [noinherit] [sameattr]  DuplicateHandle with
 *        dwDesiredAccess MASK instead of DUPLICATE_SAME_ACCESS
 *   write n      WriteFile(h, n bytes of CO_WRITE_BYTE)
 *   read n       ReadFile(h, n bytes): the count, the bytes' digest
 *   lseek n whence  SetFilePointerEx
 * A failed ReadFile or WriteFile reports its byte count (0 if the
 * platform zeroed it, as documented) as the outcome's data.
 *   getstd in|out|err   GetStdHandle(STD_INPUT_HANDLE ...); setstd K h
 *        SetStdHandle(K, h); closestd K  CloseHandle((HANDLE)STD_K_HANDLE);
 *        badstd: a value naming no standard handle (docs/win32.md#std)
 *   exitcode h [low32] [hi32]  GetExitCodeProcess of h, of its low 32
 *        bits, or plus 1 << 32 (docs/win32.md#values)
 *   -1   GetCurrentProcess() (and INVALID_HANDLE_VALUE), as it is
 *   reopenfile N [rdonly|wronly|rdwr] [denyw] [denyr]  ReOpenFile(h, access,
 *        share all less write/read, co_reopen_flags[N])
 *   setvaliddata n  SetFileValidData(h, n)
 *   filetype     GetFileType (FILE_TYPE_UNKNOWN with an error: -1)
 *   opendev nul [cloexec]  CreateFileW("NUL", read and write, share read
 *        and write, bInheritHandle = !cloexec, OPEN_EXISTING)
 *   tcp_connect, tcp_accept, socket [noinherit], closesocket, send n,
 *        recv n, wsadup   winsock (harness/win32/sock.c: socket, connect to
 *        the backend's loopback listener, accept, closesocket, send, recv,
 *        WSADuplicateSocketW then WSASocketW; all non-blocking)
 *   sR sW = pipe  CreatePipe(&r, &w, bInheritHandle TRUE, nSize 0)
 *   sR sW = createpipe N [noinherit]  CreatePipe with nSize N (0: the
 *        default), bInheritHandle FALSE with noinherit; the read end is
 *        the result, the write end the outcome's data (docs/win32.md#pipes)
 * Observations: GetHandleInformation (validity, inherit, protect),
 * SetFilePointerEx(0, FILE_CURRENT), CompareObjectHandles (kernelbase,
 * Windows 10+ and Wine; else file identity), and the process's handle list
 * from NtQuerySystemInformation(SystemExtendedHandleInformation), which
 * Wine implements (GetProcessHandleCount is a stub there,
 * docs/wine.md#handle-count).
 *
 * Not used: GetLastError codes are normalized by the table below; the raw
 * code is kept.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/backend.h"
#include "closeonce/error.h"
#include "win32.h"

/* DuplicateHandle's option that copies the source's flags: winnt.h in
 * mingw-w64 lacks it; its value is NtDuplicateObject's (docs/win32.md,
 * ZwDuplicateObject), which kernel32 passes through. */
#ifndef DUPLICATE_SAME_ATTRIBUTES
#define DUPLICATE_SAME_ATTRIBUTES 0x00000004
#endif

/* GetLastError -> normalized error (the CRT's own mapping sends
 * ERROR_INVALID_HANDLE to EBADF, TOO_MANY_OPEN_FILES to EMFILE:
 * docs/win32.md#errors, docs/crt.md#errors). */
#define CO_WIN32_ERROR_MAP(X)                                                  \
  X(ERROR_INVALID_HANDLE, EBADF)                                               \
  X(ERROR_ACCESS_DENIED, EACCES)                                               \
  X(ERROR_TOO_MANY_OPEN_FILES, EMFILE)                                         \
  X(ERROR_NEGATIVE_SEEK, EINVAL)                                               \
  X(ERROR_INVALID_PARAMETER, EINVAL)                                           \
  X(ERROR_FILE_NOT_FOUND, ENOENT)                                              \
  X(ERROR_PATH_NOT_FOUND, ENOENT)                                              \
  X(ERROR_FILE_EXISTS, EPERM)                                                  \
  X(ERROR_DISK_FULL, ENOSPC)                                                   \
  X(ERROR_HANDLE_DISK_FULL, ENOSPC)                                            \
  X(ERROR_NOT_SUPPORTED, ENOSYS)                                               \
  X(ERROR_SHARING_VIOLATION, EACCES)                                           \
  X(ERROR_PRIVILEGE_NOT_HELD, EPERM)                                           \
  X(ERROR_CALL_NOT_IMPLEMENTED, ENOSYS)                                        \
  /* winsock's (WSAGetLastError is GetLastError; docs/win32.md#sockets) */     \
  X(WSAEWOULDBLOCK, EAGAIN)                                                    \
  X(WSAENOTSOCK, ENOTSOCK)                                                     \
  X(WSAECONNRESET, ECONNRESET)                                                 \
  X(WSAECONNABORTED, ECONNRESET)                                               \
  X(WSAENOTCONN, ENOTCONN)                                                     \
  X(WSAESHUTDOWN, EPIPE)                                                       \
  X(WSAEINVAL, EINVAL)                                                         \
  X(WSAEMFILE, EMFILE)                                                         \
  /* docs/win32.md#pipes: a pipe without its other end; a seek on one */       \
  X(ERROR_BROKEN_PIPE, EPIPE)                                                  \
  X(ERROR_NO_DATA, EPIPE)                                                      \
  X(ERROR_INVALID_FUNCTION, EINVAL)                                            \
  X(ERROR_BAD_DEV_TYPE, EINVAL)

int co_err_from_win32(unsigned long code) {
  switch (code) {
  case 0:
    return CO_OK;
#define CO__W(win, co)                                                         \
  case win:                                                                    \
    return CO_##co;
    CO_WIN32_ERROR_MAP(CO__W)
#undef CO__W
  default:
    return CO_OTHER;
  }
}

/* Windows limits a process to 2^24 handles (Pushing the Limits of Windows:
 * Handles, Mark Russinovich); numbers at or above it are never handles. */
#define WIN32_HANDLE_LIMIT ((int64_t)1 << 24)

/* SystemExtendedHandleInformation (64): winternl.h does not declare it. */
struct sys_handle_entry {
  PVOID object;
  ULONG_PTR pid;
  ULONG_PTR value;
  ULONG access;
  USHORT backtrace;
  USHORT type;
  ULONG attributes;
  ULONG reserved;
};
struct sys_handle_info {
  ULONG_PTR count;
  ULONG_PTR reserved;
  struct sys_handle_entry entry[1];
};
typedef LONG(NTAPI *query_fn)(ULONG, PVOID, ULONG, PULONG);
typedef BOOL(WINAPI *compare_fn)(HANDLE, HANDLE);

struct win32_be {
  wchar_t dir[MAX_PATH];
  char dir8[MAX_PATH * 3];
  unsigned long serial;
  query_fn query;
  compare_fn compare;
  void *buf; /* for the handle list */
  ULONG buflen;
  char data[256];         /* what write writes: CO_WRITE_BYTE */
  char rbuf[256];         /* what read reads */
  HANDLE std_out[3];      /* the standard handles std_park found */
  struct co_w32sock sock; /* winsock: WSAStartup, the listener (sock.c) */
  int pipe_default; /* CreatePipe's buffer for nSize 0 (GetNamedPipeInfo) */
};

/* The buffer CreatePipe gives a pipe with nSize 0: the read end's input
 * buffer (docs/win32.md#pipes); 0 if it cannot be asked. */
static int pipe_default_size(void) {
  HANDLE r, w;
  DWORD in = 0;
  if (!CreatePipe(&r, &w, NULL, 0))
    return 0;
  if (!GetNamedPipeInfo(r, NULL, NULL, &in, NULL))
    in = 0;
  CloseHandle(r);
  CloseHandle(w);
  return (int)in;
}

static void *win32_create(char *err, size_t errcap) {
  struct win32_be *be = calloc(1, sizeof *be);
  wchar_t tmp[MAX_PATH];
  DWORD n;
  unsigned i;
  if (!be) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  be->query = (query_fn)(void (*)(void))GetProcAddress(
      GetModuleHandleW(L"ntdll.dll"), "NtQuerySystemInformation");
  be->compare = (compare_fn)(void (*)(void))GetProcAddress(
      GetModuleHandleW(L"kernelbase.dll"), "CompareObjectHandles");
  n = GetTempPathW(MAX_PATH, tmp);
  if (!n || n > MAX_PATH - 40) {
    snprintf(err, errcap, "GetTempPathW failed (error %lu)", GetLastError());
    free(be);
    return NULL;
  }
  for (i = 0;; i++) {
    _snwprintf(be->dir, MAX_PATH, L"%lscloseonce-%lu-%u", tmp,
               GetCurrentProcessId(), i);
    if (CreateDirectoryW(be->dir, NULL))
      break;
    if (GetLastError() != ERROR_ALREADY_EXISTS || i > 1000) {
      snprintf(err, errcap, "cannot create a directory in %ls (error %lu)", tmp,
               GetLastError());
      free(be);
      return NULL;
    }
  }
  WideCharToMultiByte(CP_UTF8, 0, be->dir, -1, be->dir8, sizeof be->dir8, NULL,
                      NULL);
  be->buflen = 1 << 16;
  be->buf = malloc(be->buflen);
  be->pipe_default = pipe_default_size();
  for (i = 0; i < sizeof be->data; i++)
    be->data[i] = (char)CO_WRITE_BYTE(i);
  if (!be->query || !be->buf || co_w32sock_init(&be->sock, err, errcap)) {
    if (!be->query || !be->buf)
      snprintf(err, errcap,
               "NtQuerySystemInformation is missing: cannot list the "
               "process's handles");
    RemoveDirectoryW(be->dir);
    free(be->buf);
    free(be);
    return NULL;
  }
  return be;
}

static void win32_destroy(void *self) {
  struct win32_be *be = self;
  if (!be)
    return;
  /* Every file is delete-on-close; the directory is empty once the last
   * handle on them is closed. */
  RemoveDirectoryW(be->dir);
  co_w32sock_fini(&be->sock);
  free(be->buf);
  free(be);
}

static int win32_open_set(void *self, int64_t **out, size_t *n) {
  struct win32_be *be = self;
  struct sys_handle_info *info;
  ULONG ret = 0;
  LONG st;
  ULONG_PTR i, pid = GetCurrentProcessId();
  int64_t *v;
  size_t len = 0;
  while ((st = be->query(64, be->buf, be->buflen, &ret)) ==
         (LONG)0xC0000004L /* STATUS_INFO_LENGTH_MISMATCH */) {
    void *nb = realloc(be->buf, be->buflen * 2);
    if (!nb)
      return -1;
    be->buf = nb;
    be->buflen *= 2;
  }
  if (st < 0)
    return -1;
  info = be->buf;
  v = malloc((info->count + 1) * sizeof *v);
  if (!v)
    return -1;
  for (i = 0; i < info->count; i++)
    if (info->entry[i].pid == pid)
      v[len++] = (int64_t)info->entry[i].value;
  *out = v;
  *n = len;
  return 0;
}

static int64_t win32_limit(void *self) {
  (void)self;
  return WIN32_HANDLE_LIMIT;
}

static HANDLE H(int64_t v) {
  return (HANDLE)(intptr_t)v;
}

/* The trace's access argument (CO_ACC_*) as dwDesiredAccess. */
static DWORD win32_access(int32_t n) {
  return (n & CO_ACC_READ_DATA ? FILE_READ_DATA : 0) |
         (n & CO_ACC_WRITE_DATA ? FILE_WRITE_DATA : 0) |
         (n & CO_ACC_APPEND_DATA ? FILE_APPEND_DATA : 0) |
         (n & CO_ACC_GENERIC_READ ? GENERIC_READ : 0) |
         (n & CO_ACC_GENERIC_WRITE ? GENERIC_WRITE : 0);
}

/* A new file in the private directory, delete-on-close, shared. */
static HANDLE win32_create_file(struct win32_be *be, DWORD acc, BOOL inherit) {
  wchar_t path[MAX_PATH + 40];
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, inherit};
  _snwprintf(path, MAX_PATH + 40, L"%ls\\f%lu", be->dir, be->serial++);
  return CreateFileW(path, acc,
                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                     &sa, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
}

static HANDLE win32_open(struct win32_be *be, unsigned flags) {
  DWORD acc = 0;
  unsigned a = flags & CO_F_ACC_MASK;
  if (a != CO_F_ACC_WRONLY)
    acc |= GENERIC_READ;
  if (a != CO_F_ACC_RDONLY)
    acc |= flags & CO_F_APPEND ? FILE_APPEND_DATA : GENERIC_WRITE;
  return win32_create_file(be, acc, !(flags & CO_F_CLOEXEC));
}

/* ReadFile into be->rbuf: the count, and the bytes' digest as data; a
 * failure's count as data (docs/win32.md#access). */
static BOOL win32_read(struct win32_be *be, HANDLE h, DWORD n,
                       struct co_outcome *out) {
  DWORD got = 0xdeadbeef; /* as Wine's test: the call must set it */
  BOOL ok = ReadFile(h, be->rbuf, n, &got, NULL);
  out->data =
      ok ? co_bytes_digest((const uint8_t *)be->rbuf, got <= n ? got : n) : got;
  out->ret = got;
  return ok;
}

/* The standard handle calls (docs/win32.md#std). The STD_x_HANDLE
 * values are DWORDs; cast to HANDLE on Win64 they are zero-extended, as
 * Wine's test_Handles passes them to CloseHandle. */
static BOOL win32_std_call(const struct co_call *c, int64_t *ret) {
  static const DWORD which[4] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
                                 STD_ERROR_HANDLE, (DWORD)-13};
  DWORD k = which[c->flags & CO_F_STD_MASK];
  HANDLE h;
  switch ((enum co_opkind)c->kind) {
  case CO_OP_GETSTD:
    h = GetStdHandle(k);
    *ret = (int64_t)(intptr_t)h;
    return h != INVALID_HANDLE_VALUE || GetLastError() == 0;
  case CO_OP_SETSTD:
    return SetStdHandle(k, H(c->a));
  default:
    return CloseHandle((HANDLE)(ULONG_PTR)k);
  }
}

/* The calls of the names part: a second open of one file (ReOpenFile),
 * SetFileValidData, GetFileType (docs/win32.md#reopen). */
static BOOL win32_names_call(const struct co_call *c, int64_t *ret) {
  HANDLE h = H(c->a), n;
  DWORD acc = 0, share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
  unsigned a = c->flags & CO_F_ACC_MASK;
  switch ((enum co_opkind)c->kind) {
  case CO_OP_REOPENFILE:
    if (a != CO_F_ACC_WRONLY)
      acc |= GENERIC_READ;
    if (a != CO_F_ACC_RDONLY)
      acc |= GENERIC_WRITE;
    if (c->flags & CO_F_DENYW)
      share &= ~(DWORD)FILE_SHARE_WRITE;
    if (c->flags & CO_F_DENYR)
      share &= ~(DWORD)FILE_SHARE_READ;
    n = ReOpenFile(h, acc, share,
                   co_reopen_flags[(uint32_t)c->n % CO_REOPEN_FLAGS]);
    *ret = (int64_t)(intptr_t)n;
    return n != INVALID_HANDLE_VALUE;
  case CO_OP_SETVALID:
    return SetFileValidData(h, c->n);
  case CO_OP_OPENDEV: {
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, !(c->flags & CO_F_CLOEXEC)};
    n = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0,
                    NULL);
    *ret = (int64_t)(intptr_t)n;
    return n != INVALID_HANDLE_VALUE;
  }
  case CO_OP_FILETYPE:
    *ret = GetFileType(h);
    return *ret != FILE_TYPE_UNKNOWN || GetLastError() == NO_ERROR;
  default:
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
  }
}

/* CreatePipe (docs/win32.md#pipes): the read end is the result, the
 * write end the data. */
static BOOL win32_pipe(const struct co_call *c, int64_t *ret,
                       struct co_outcome *out) {
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  HANDLE r = NULL, w = NULL;
  DWORD nsize = 0;
  BOOL ok;
  if (c->kind == CO_OP_CREATEPIPE) {
    sa.bInheritHandle = !(c->flags & CO_F_NOINHERIT);
    nsize = (DWORD)c->n;
  }
  ok = CreatePipe(&r, &w, &sa, nsize);
  *ret = (int64_t)(intptr_t)r;
  out->data = ok ? (uint64_t)(uintptr_t)w : 0;
  return ok;
}

static void win32_call(void *self, const struct co_call *c,
                       struct co_outcome *out) {
  struct win32_be *be = self;
  HANDLE self_proc = GetCurrentProcess(), h = H(c->a), n = NULL;
  DWORD fl = 0, done = 0;
  LARGE_INTEGER off, pos;
  BOOL ok;
  int r;
  int64_t ret = 0;
  out->data = out->dmask = 0;
  SetLastError(0);
  switch ((enum co_opkind)c->kind) {
  case CO_OP_OPEN:
    n = win32_open(be, c->flags);
    ok = n != INVALID_HANDLE_VALUE;
    ret = (int64_t)(intptr_t)n;
    break;
  case CO_OP_DUP:
    ok = DuplicateHandle(self_proc, h, self_proc, &n, 0, TRUE,
                         DUPLICATE_SAME_ACCESS);
    ret = (int64_t)(intptr_t)n;
    break;
  case CO_OP_DUPH:
  case CO_OP_DUP_CLOSE:
    ok = DuplicateHandle(
        self_proc, h, self_proc, &n, 0, !(c->flags & CO_F_NOINHERIT),
        DUPLICATE_SAME_ACCESS |
            (c->flags & CO_F_SAMEATTR ? DUPLICATE_SAME_ATTRIBUTES : 0) |
            (c->kind == CO_OP_DUP_CLOSE ? DUPLICATE_CLOSE_SOURCE : 0));
    ret = (int64_t)(intptr_t)n;
    break;
  case CO_OP_CLOSE:
    ok = CloseHandle(h);
    break;
  case CO_OP_GETFD:
    ok = GetHandleInformation(h, &fl);
    ret = !(fl & HANDLE_FLAG_INHERIT);
    break;
  case CO_OP_SETFD:
    ok = SetHandleInformation(h, HANDLE_FLAG_INHERIT,
                              c->flags & CO_F_BIT0 ? 0 : HANDLE_FLAG_INHERIT);
    break;
  case CO_OP_SETPROTECT:
    ok = SetHandleInformation(
        h, HANDLE_FLAG_PROTECT_FROM_CLOSE,
        c->flags & CO_F_BIT0 ? HANDLE_FLAG_PROTECT_FROM_CLOSE : 0);
    break;
  case CO_OP_OPEN_ACCESS:
    n = win32_create_file(be, win32_access(c->n), !(c->flags & CO_F_NOINHERIT));
    ok = n != INVALID_HANDLE_VALUE;
    ret = (int64_t)(intptr_t)n;
    break;
  case CO_OP_DUPH_ACCESS:
    ok = DuplicateHandle(self_proc, h, self_proc, &n, win32_access(c->n),
                         !(c->flags & CO_F_NOINHERIT),
                         c->flags & CO_F_SAMEATTR ? DUPLICATE_SAME_ATTRIBUTES
                                                  : 0);
    ret = (int64_t)(intptr_t)n;
    break;
  case CO_OP_WRITE:
    done = 0xdeadbeef; /* as Wine's test: the call must set it */
    ok = WriteFile(h, be->data, (DWORD)c->n, &done, NULL);
    out->data = ok ? 0 : done;
    ret = done;
    break;
  case CO_OP_READ:
    ok = win32_read(be, h, (DWORD)c->n, out);
    ret = out->ret;
    break;
  case CO_OP_LSEEK:
    off.QuadPart = c->n;
    ok = SetFilePointerEx(h, off, &pos,
                          (c->flags & CO_F_WHENCE_MASK) == 0   ? FILE_BEGIN
                          : (c->flags & CO_F_WHENCE_MASK) == 1 ? FILE_CURRENT
                                                               : FILE_END);
    ret = pos.QuadPart;
    break;
  case CO_OP_GETSTD:
  case CO_OP_SETSTD:
  case CO_OP_CLOSESTD:
    ok = win32_std_call(c, &ret);
    break;
  case CO_OP_EXITCODE: /* the value with its upper half changed */
    ok = GetExitCodeProcess(
        H((c->flags & CO_F_LOW32 ? (int64_t)(uint32_t)c->a : c->a) +
          (c->flags & CO_F_HI32 ? (int64_t)1 << 32 : 0)),
        &fl);
    ret = fl;
    break;
  case CO_OP_PIPE:
  case CO_OP_CREATEPIPE:
    ok = win32_pipe(c, &ret, out);
    break;
  default:
    if ((r = co_w32sock_call(&be->sock, c, be->data, be->rbuf, &ret,
                             &out->data)) >= 0)
      ok = r;
    else
      ok = win32_names_call(c, &ret);
  }
  if (ok) {
    out->ret = ret;
    out->err = CO_OK;
    out->raw = 0;
  } else {
    DWORD e = GetLastError();
    out->ret = -1;
    out->raw = (int)e;
    out->err = co_err_from_win32(e);
  }
}

static void win32_query(void *self, int64_t num, struct co_obs *out) {
  DWORD fl = 0;
  (void)self;
  out->valid = GetHandleInformation(H(num), &fl) != 0;
  out->cloexec = out->valid && !(fl & HANDLE_FLAG_INHERIT);
  out->protect = out->valid && (fl & HANDLE_FLAG_PROTECT_FROM_CLOSE) != 0;
}

static int64_t win32_offset(void *self, int64_t num) {
  LARGE_INTEGER z, p;
  (void)self;
  z.QuadPart = 0;
  if (!SetFilePointerEx(H(num), z, &p, FILE_CURRENT))
    return -1;
  return p.QuadPart;
}

static int win32_object_key(void *self, int64_t num, uint64_t *key) {
  BY_HANDLE_FILE_INFORMATION bi;
  (void)self;
  if (!GetFileInformationByHandle(H(num), &bi))
    return -1;
  *key = ((uint64_t)bi.nFileIndexHigh << 32 | bi.nFileIndexLow) ^
         ((uint64_t)bi.dwVolumeSerialNumber << 40);
  return 0;
}

static int win32_same(void *self, int64_t a, int64_t b) {
  struct win32_be *be = self;
  uint64_t ka, kb;
  if (be->compare)
    return be->compare(H(a), H(b)) ? 0 : 1;
  /* Without CompareObjectHandles: the file, which names the object unless
   * a reopen opened it again (then "same" is all this can say). */
  if (win32_object_key(self, a, &ka) < 0 || win32_object_key(self, b, &kb) < 0)
    return -1;
  return ka == kb ? 0 : 1;
}

static int win32_valid_many(void *self, const int64_t *nums, size_t n,
                            uint8_t *out) {
  size_t i;
  DWORD fl;
  (void)self;
  for (i = 0; i < n; i++)
    out[i] = nums[i] > 0 && GetHandleInformation(H(nums[i]), &fl) != 0;
  return 0;
}

/* Is DUPLICATE_SAME_ATTRIBUTES ignored (Wine 8.0, docs/wine.md#sameattr;
 * Windows copies the source's flags)? Asked of the system, not of a version
 * number: an inheritable handle on this process is duplicated with
 * bInheritHandle FALSE. */
static int sameattr_ignored(void) {
  HANDLE self = GetCurrentProcess(), a = NULL, b = NULL;
  DWORD fl = 0;
  int drops = 0;
  if (!DuplicateHandle(self, self, self, &a, 0, TRUE, DUPLICATE_SAME_ACCESS))
    return 0;
  if (DuplicateHandle(self, a, self, &b, 0, FALSE,
                      DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES)) {
    drops = GetHandleInformation(b, &fl) && !(fl & HANDLE_FLAG_INHERIT);
    CloseHandle(b);
  }
  CloseHandle(a);
  return drops;
}

/* Does DuplicateHandle grant a file handle more access than its source
 * has (Wine 8.0, docs/wine.md#dup-access; Windows fails
 * ERROR_ACCESS_DENIED)? Asked of the system: a new file opened with
 * FILE_READ_DATA is duplicated asking for FILE_WRITE_DATA. */
static int dup_access_unchecked(void) {
  HANDLE self = GetCurrentProcess(), f, d = NULL;
  wchar_t tmp[MAX_PATH], path[MAX_PATH + 64];
  DWORD n = GetTempPathW(MAX_PATH, tmp);
  int grants = 0;
  if (!n || n > MAX_PATH - 40)
    return 0;
  _snwprintf(path, MAX_PATH + 64, L"%lscloseonce-probe-%lu-%lu", tmp,
             GetCurrentProcessId(), GetTickCount());
  f = CreateFileW(path, FILE_READ_DATA,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
  if (f == INVALID_HANDLE_VALUE)
    return 0;
  if (DuplicateHandle(self, f, self, &d, FILE_WRITE_DATA, FALSE, 0)) {
    grants = 1;
    CloseHandle(d);
  }
  CloseHandle(f);
  return grants;
}

/* Does SetFileValidData on a writable handle skip the privilege check
 * (Wine 8.0, docs/wine.md#validdata; Windows fails
 * ERROR_PRIVILEGE_NOT_HELD unless SE_MANAGE_VOLUME_NAME is enabled, which
 * the harness never does)? Asked of the system on a new empty file in
 * the temporary directory (quirks() may be called without a backend). */
static int validdata_no_privilege(void) {
  wchar_t dir[MAX_PATH], path[MAX_PATH];
  HANDLE h;
  int skips;
  if (!GetTempPathW(MAX_PATH, dir) || !GetTempFileNameW(dir, L"co", 0, path))
    return 0;
  h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                  FILE_FLAG_DELETE_ON_CLOSE, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    DeleteFileW(path);
    return 0;
  }
  skips = !SetFileValidData(h, 0) && GetLastError() != ERROR_PRIVILEGE_NOT_HELD;
  CloseHandle(h);
  return skips;
}

/* Does SetFilePointerEx fail on an end of an anonymous pipe (Wine 8.0,
 * docs/wine.md#pipe-seek; on Windows it succeeds)? Asked of the system:
 * a new pipe's read end, moved by 0 from FILE_CURRENT. */
static int pipe_seek_fails(void) {
  HANDLE r, w;
  LARGE_INTEGER z, p;
  int fails;
  z.QuadPart = 0;
  if (!CreatePipe(&r, &w, NULL, 0))
    return 0;
  fails = !SetFilePointerEx(r, z, &p, FILE_CURRENT);
  CloseHandle(r);
  CloseHandle(w);
  return fails;
}

/* Does the first WriteFile to a pipe without a reader fail ERROR_NO_DATA
 * (Wine 8.0, docs/wine.md#pipes; Windows: ERROR_BROKEN_PIPE, then
 * ERROR_NO_DATA)? Asked of the system on a new pipe. */
static int pipe_no_data_first(void) {
  HANDLE r, w;
  DWORD n = 0;
  int no_data;
  if (!CreatePipe(&r, &w, NULL, 0))
    return 0;
  CloseHandle(r);
  no_data = !WriteFile(w, "x", 1, &n, NULL) && GetLastError() == ERROR_NO_DATA;
  CloseHandle(w);
  return no_data;
}

/* Under Wine, Wine's documented deviations (ntdll exports wine_get_version
 * there and nowhere else). */
static unsigned win32_quirks(void *self) {
  struct win32_be *be = self;
  struct co_w32sock tmp;
  char err[128];
  unsigned q = 0;
  /* winsock's, probed as the backend starts (sock.c); without a backend,
   * by a winsock state of its own */
  if (be)
    q = be->sock.quirks;
  else if (co_w32sock_init(&tmp, err, sizeof err) == 0) {
    q = tmp.quirks;
    co_w32sock_fini(&tmp);
  }
  if (GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version"))
    q |= CO_QUIRK_WINE_SEEK_BEFORE_HANDLE |
         CO_QUIRK_WINE_EMPTY_APPEND_WRITE_MOVES |
         CO_QUIRK_WINE_DUP2_SAME_REDUPS | CO_QUIRK_WINE_GET_OSFHANDLE_NO_IPH |
         CO_QUIRK_WINE_LSEEK_NO_IPH;
  if (sameattr_ignored())
    q |= CO_QUIRK_WINE_SAMEATTR_IGNORED;
  if (dup_access_unchecked())
    q |= CO_QUIRK_WINE_DUP_ACCESS_UNCHECKED;
  q |= co_crt_quirks(); /* the C runtime's, probed (crt.c) */
  if (validdata_no_privilege())
    q |= CO_QUIRK_WINE_VALIDDATA_NO_PRIVILEGE;
  if (pipe_seek_fails())
    q |= CO_QUIRK_WINE_PIPE_SEEK_FAILS;
  if (pipe_no_data_first())
    q |= CO_QUIRK_WINE_PIPE_NO_DATA_FIRST;
#ifndef _UCRT
  /* linked against msvcrt.dll, not UCRT */
  q |= CO_QUIRK_MSVCRT_NO_IPH;
#endif
  return q;
}

/* A scheduled run's new thread (backend.h thread_init; sock.c). */
static void win32_thread_init(void *self) {
  struct win32_be *be = self;
  co_w32sock_thread_init(&be->sock);
}

/* The trace is over: the connections it left unaccepted go (sock.c). */
static void win32_trace_end(void *self) {
  struct win32_be *be = self;
  co_w32sock_drain(&be->sock);
}

/* The trace's files as the backend found them: here only a new pipe's
 * default buffer (the other fields keep the executor's defaults). */
static void win32_files(void *self, struct co_files *out) {
  out->pipe_default = ((struct win32_be *)self)->pipe_default;
}

static int win32_private_dir(void *self, const char **path) {
  struct win32_be *be = self;
  *path = be->dir8;
  return -1;
}

/* The C runtime's 0-2 (and so the process's standard handles: _close of
 * 0-2 clears them, _dup2 onto 0-2 sets them, UCRT close.cpp and
 * osfinfo.cpp) moved above them with _dup and closed; the streams flushed
 * first (docs/crt.md#free-std). The standard handles are then all NULL
 * (set so, for those the C runtime did not hold), the trace's to set. */
static int win32_std_park(void *self, int64_t saved[3]) {
  static const DWORD which[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
                                 STD_ERROR_HANDLE};
  struct win32_be *be = self;
  int i, k;
  for (i = 0; i < 3; i++)
    be->std_out[i] = GetStdHandle(which[i]);
  fflush(stdout);
  fflush(stderr);
  for (i = 0; i < 3; i++) {
    saved[i] = -1;
    if (co_crt_peek_osfhandle(i) == -1)
      continue;
    if ((saved[i] = _dup(i)) < 0) {
      for (k = 0; k < i; k++)
        if (saved[k] >= 0)
          _close((int)saved[k]);
      return -1;
    }
  }
  for (i = 0; i < 3; i++) {
    if (saved[i] >= 0)
      _close(i);
    SetStdHandle(which[i], NULL);
  }
  return 0;
}

/* 0-2 back (_dup2 sets the standard handle of each to its new value);
 * a standard handle the C runtime did not hold gets what park found. */
static void win32_std_restore(void *self, const int64_t saved[3]) {
  static const DWORD which[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
                                 STD_ERROR_HANDLE};
  struct win32_be *be = self;
  int i;
  for (i = 0; i < 3; i++) {
    if (saved[i] < 0) {
      SetStdHandle(which[i], be->std_out[i]);
      continue;
    }
    _dup2((int)saved[i], i);
    _close((int)saved[i]);
  }
  clearerr(stdout);
  clearerr(stderr);
}

const struct co_backend co_backend_win32 = {
    .version = CO_BACKEND_VERSION,
    .name = "win32",
    .create = win32_create,
    .destroy = win32_destroy,
    .open_set = win32_open_set,
    .limit = win32_limit,
    .call = win32_call,
    .query = win32_query,
    .offset = win32_offset,
    .same = win32_same,
    .object_key = win32_object_key,
    .valid_many = win32_valid_many,
    .private_dir = win32_private_dir,
    .platform = CO_PLATFORM_WIN32,
    .quirks = win32_quirks,
    .std_park = win32_std_park,
    .std_restore = win32_std_restore,
    .trace_end = win32_trace_end,
    .files = win32_files,
    .thread_init = win32_thread_init,
};

int co_win32_dir_entries(void *self) {
  struct win32_be *be = self;
  wchar_t pat[MAX_PATH + 4];
  WIN32_FIND_DATAW fd;
  HANDLE f;
  int n = 0;
  _snwprintf(pat, MAX_PATH + 4, L"%ls\\*", be->dir);
  f = FindFirstFileW(pat, &fd);
  if (f == INVALID_HANDLE_VALUE)
    return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : -1;
  do
    if (wcscmp(fd.cFileName, L".") && wcscmp(fd.cFileName, L".."))
      n++;
  while (FindNextFileW(f, &fd));
  FindClose(f);
  return n;
}
