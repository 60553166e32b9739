/*
 * The Windows interposer (harness/ipose.h), the twin of
 * harness/posix/ipose_elf.c: the import address table of each loaded
 * module an adapter names (co_adapter.objects: "libhlib.dll") is rewritten
 * once, so that the module's own calls of kernel32's CloseHandle,
 * DuplicateHandle, CreateFileW and WriteFile and of the C runtime's
 * _open_osfhandle and _close go to the wrappers here. Only calls made from
 * that module's code are routed (docs/faults.md#windows): the harness, the
 * engine, the C runtime's own calls (its _close's CloseHandle) and every
 * other module keep their tables. A wrapper outside a glue call (no
 * context on its thread) is the real call only.
 *
 * The C runtime comes in two flavours with two descriptor tables and two
 * errnos (CO_CRT=msvcrt: msvcrt.dll; ucrt: ucrtbase.dll, imported through
 * the api-ms-win-crt-*.dll names): a module's _close is the one its table
 * named, kept per flavour, and an injected error is set in that flavour's
 * errno.
 *
 * The patched slots are the process's, in one list guarded by a lock:
 * written when the registry freezes (co_ipose_install), put back by
 * co_ipose_uninstall (the benchmark's A/B). Nothing else here is shared.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <errno.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../ipose.h"
#include "closeonce/error.h"
#include "win32.h"

/* kernel32 exports these on Windows 7 and later (and Wine): no psapi. */
BOOL WINAPI K32EnumProcessModules(HANDLE, HMODULE *, DWORD, LPDWORD);
DWORD WINAPI K32GetModuleBaseNameA(HANDLE, HMODULE, LPSTR, DWORD);

/* The two C runtimes a module may import from. */
enum { CRT_MSVCRT, CRT_UCRT, CRT_N };

typedef int(__cdecl *close_fn)(int);
typedef int(__cdecl *osf_fn)(intptr_t, int);
typedef int *(__cdecl *errno_fn)(void);

/* The process's patched slots (for uninstall), the modules done, and each
 * C runtime's real functions as the first patched table named them. */
#define SLOTS_MAX 256
#define MODULES_MAX 32
static struct patched {
  SRWLOCK lock;
  struct {
    void **slot;
    void *old;
  } slot[SLOTS_MAX];
  size_t nslot;
  HMODULE module[MODULES_MAX];
  size_t nmodule;
  struct {
    close_fn close;
    osf_fn osfhandle;
    errno_fn err; /* its _errno: where an injected error goes */
  } crt[CRT_N];
} patched = {SRWLOCK_INIT, {{0, 0}}, 0, {0}, 0, {{0, 0, 0}}};

/* enum co_err -> the C runtime's errno for an injected fault of _close or
 * _open_osfhandle (the families' errors: close EINTR EIO; osfhandle
 * EMFILE ENFILE). */
static int crt_errno_of(int err) {
  switch (err) {
  case CO_EINTR:
    return EINTR;
  case CO_EMFILE:
    return EMFILE;
  case CO_ENFILE:
    return ENFILE;
  default:
    return EIO;
  }
}

/* enum co_err -> what a kernel32 call reports through GetLastError for an
 * injected fault of its family (docs/faults.md#windows). */
static DWORD win32_error_of(unsigned fn, int err) {
  switch (fn) {
  case CO_IFN_CLOSEHANDLE: /* its one failure: not a closable handle */
    return ERROR_INVALID_HANDLE;
  case CO_IFN_DUPHANDLE: /* the process's handle table cannot grow */
    return ERROR_NO_SYSTEM_RESOURCES;
  case CO_IFN_CREATEFILEW:
    return err == CO_EMFILE ? ERROR_TOO_MANY_OPEN_FILES
                            : ERROR_NO_SYSTEM_RESOURCES;
  default: /* WriteFile (EAGAIN is a short write, not an error) */
    return err == CO_ENOSPC ? ERROR_DISK_FULL : ERROR_IO_DEVICE;
  }
}

/* err: the call's normalized error; for an injected one the fault's, as
 * the trace armed it (what the library was given is the function's own
 * code for it: win32_error_of, crt_errno_of). */
static void record(struct co_ipose *ip, unsigned fam, unsigned fn, int injected,
                   int64_t a, int64_t arg, int64_t ret, int err) {
  /* (a library's own threads are not routed on Windows: docs/threads.md) */
  struct co_icall c = {
      (uint8_t)fam, (uint8_t)fn, (uint8_t)injected, a, -1, arg, ret,
      -1,           err,         CO_ICALL_STEP};
  co_ipose_log(ip, &c);
}

/* A HANDLE as the log's number (docs/win32.md#values: values, not
 * pointers). */
static int64_t hval(HANDLE h) {
  return (int64_t)(intptr_t)h;
}

/* BOOL-returning kernel32 calls: the log's err from GetLastError, which
 * is left as the call set it. */
static int err_of_bool(BOOL ok) {
  return ok ? CO_OK : co_err_from_win32(GetLastError());
}

static BOOL WINAPI w_CloseHandle(HANDLE h) {
  struct co_ipose *ip = co_ipose_current();
  BOOL ok;
  int e;
  if (!ip)
    return CloseHandle(h);
  /* Win32 has no close that fails having freed the handle: CloseHandle
   * fails on a value that is not a handle, or on one protected from
   * close, and either way the table is as it was. The injected failure
   * is that: not closed, whatever the profile. */
  if (co_ipose_fault(ip, CO_IF_CLOSE, &e)) {
    record(ip, CO_IF_CLOSE, CO_IFN_CLOSEHANDLE, CO_INJ_FAILED, hval(h), 0, -1,
           e);
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  ok = CloseHandle(h);
  e = err_of_bool(ok);
  record(ip, CO_IF_CLOSE, CO_IFN_CLOSEHANDLE, 0, hval(h), 0, ok ? 0 : -1, e);
  return ok;
}

static BOOL WINAPI w_DuplicateHandle(HANDLE sp, HANDLE src, HANDLE tp,
                                     LPHANDLE out, DWORD access, BOOL inherit,
                                     DWORD options) {
  struct co_ipose *ip = co_ipose_current();
  BOOL ok;
  int e = CO_OK, inj = 0;
  DWORD code = 0;
  if (!ip)
    return DuplicateHandle(sp, src, tp, out, access, inherit, options);
  if (co_ipose_fault(ip, CO_IF_DUP, &e)) {
    /* DUPLICATE_CLOSE_SOURCE closes the source whatever the result
     * (Microsoft's DuplicateHandle page; Wine server/handle.c
     * dup_handle): a failed call with it has closed the source */
    inj = CO_INJ_FAILED;
    if ((options & DUPLICATE_CLOSE_SOURCE) &&
        GetProcessId(sp) == GetCurrentProcessId()) {
      CloseHandle(src);
      inj = CO_INJ_CLOSED;
    }
    code = win32_error_of(CO_IFN_DUPHANDLE, e);
    ok = FALSE;
  } else {
    ok = DuplicateHandle(sp, src, tp, out, access, inherit, options);
    code = ok ? 0 : GetLastError();
    e = co_err_from_win32(code);
  }
  record(ip, CO_IF_DUP, CO_IFN_DUPHANDLE, inj, hval(src), options,
         ok && out ? hval(*out) : -1, e);
  SetLastError(code);
  return ok;
}

static HANDLE WINAPI w_CreateFileW(LPCWSTR path, DWORD access, DWORD share,
                                   LPSECURITY_ATTRIBUTES sa, DWORD disp,
                                   DWORD flags, HANDLE tmpl) {
  struct co_ipose *ip = co_ipose_current();
  HANDLE h;
  DWORD code;
  int e;
  if (!ip)
    return CreateFileW(path, access, share, sa, disp, flags, tmpl);
  if (co_ipose_fault(ip, CO_IF_OPEN, &e)) {
    code = win32_error_of(CO_IFN_CREATEFILEW, e);
    record(ip, CO_IF_OPEN, CO_IFN_CREATEFILEW, CO_INJ_FAILED, -1, disp, -1, e);
    SetLastError(code);
    return INVALID_HANDLE_VALUE;
  }
  h = CreateFileW(path, access, share, sa, disp, flags, tmpl);
  code = GetLastError(); /* set on success too (ERROR_ALREADY_EXISTS) */
  record(ip, CO_IF_OPEN, CO_IFN_CREATEFILEW, 0, -1, disp,
         h == INVALID_HANDLE_VALUE ? -1 : hval(h),
         h == INVALID_HANDLE_VALUE ? co_err_from_win32(code) : CO_OK);
  SetLastError(code);
  return h;
}

static BOOL WINAPI w_WriteFile(HANDLE h, LPCVOID buf, DWORD n, LPDWORD done,
                               LPOVERLAPPED ov) {
  struct co_ipose *ip = co_ipose_current();
  BOOL ok;
  DWORD code;
  int e;
  if (!ip)
    return WriteFile(h, buf, n, done, ov);
  if (co_ipose_fault(ip, CO_IF_WRITE, &e)) {
    /* WriteFile zeroes the count before any work or error check; a
     * non-blocking byte-mode pipe without room succeeds short, which is
     * what would-block is on Win32 (Microsoft's WriteFile page, Pipes) */
    if (done)
      *done = 0;
    if (e == CO_EAGAIN) {
      record(ip, CO_IF_WRITE, CO_IFN_WRITEFILE, CO_INJ_FAILED, hval(h), n, 0,
             e);
      SetLastError(0);
      return TRUE;
    }
    code = win32_error_of(CO_IFN_WRITEFILE, e);
    record(ip, CO_IF_WRITE, CO_IFN_WRITEFILE, CO_INJ_FAILED, hval(h), n, -1, e);
    SetLastError(code);
    return FALSE;
  }
  ok = WriteFile(h, buf, n, done, ov);
  code = ok ? 0 : GetLastError();
  record(ip, CO_IF_WRITE, CO_IFN_WRITEFILE, 0, hval(h), n,
         ok ? (done ? (int64_t)*done : 0) : -1, co_err_from_win32(code));
  SetLastError(code);
  return ok;
}

/* The C runtime's calls: real is the runtime's own function, err its
 * _errno (the IAT's wrappers, one per flavour, pass theirs). */
static int crt_close(close_fn real, errno_fn err, int fd) {
  struct co_ipose *ip = co_ipose_current();
  int r, e, inj = 0, *ep;
  if (!ip)
    return real(fd);
  ep = err();
  if (co_ipose_fault(ip, CO_IF_CLOSE, &e)) {
    /* the C runtime frees the descriptor even when its CloseHandle
     * fails (UCRT lowio/close.cpp, Wine dlls/msvcrt/file.c _close): the
     * close is made and its result replaced, except after an EINTR under
     * CO_CLOSE_KEEPS (docs/faults.md#profiles) */
    inj = CO_INJ_FAILED;
    if (ip->profile != CO_CLOSE_KEEPS || e != CO_EINTR) {
      real(fd);
      inj = CO_INJ_CLOSED;
    }
    record(ip, CO_IF_CLOSE, CO_IFN_CRT_CLOSE, inj, fd, 0, -1, e);
    *ep = crt_errno_of(e);
    return -1;
  }
  r = real(fd);
  e = *ep;
  record(ip, CO_IF_CLOSE, CO_IFN_CRT_CLOSE, 0, fd, 0, r,
         r < 0 ? co_err_from_errno(e) : CO_OK);
  *ep = e;
  return r;
}

/* _open_osfhandle: an injected failure adopts nothing (the HANDLE stays
 * the caller's), -1 with EMFILE or ENFILE. */
static int crt_osfhandle(osf_fn real, errno_fn err, intptr_t h, int flags) {
  struct co_ipose *ip = co_ipose_current();
  int r;
  int e, *ep;
  if (!ip)
    return real(h, flags);
  ep = err();
  if (co_ipose_fault(ip, CO_IF_ADOPT, &e)) {
    record(ip, CO_IF_ADOPT, CO_IFN_OSFHANDLE, CO_INJ_FAILED, h, flags, -1, e);
    *ep = crt_errno_of(e);
    return -1;
  }
  r = real(h, flags);
  e = *ep;
  record(ip, CO_IF_ADOPT, CO_IFN_OSFHANDLE, 0, h, flags, r,
         r < 0 ? co_err_from_errno(e) : CO_OK);
  *ep = e;
  return r;
}

#define CRT_WRAPPERS(K, k)                                                     \
  static int __cdecl w_close_##k(int fd) {                                     \
    return crt_close(patched.crt[K].close, patched.crt[K].err, fd);            \
  }                                                                            \
  static int __cdecl w_osf_##k(intptr_t h, int fl) {                           \
    return crt_osfhandle(patched.crt[K].osfhandle, patched.crt[K].err, h, fl); \
  }
CRT_WRAPPERS(CRT_MSVCRT, msvcrt)
CRT_WRAPPERS(CRT_UCRT, ucrt)
#undef CRT_WRAPPERS

/* A static library has no table of its own: its objects, linked once with
 * `ld -r --wrap=__imp_CloseHandle ...` (docs/faults.md#windows), refer to
 * __wrap___imp_CloseHandle instead of the program's import slot, and these
 * are those slots, holding the wrappers. The library is built with this
 * build's C runtime, so its _close is this program's. */
static int __cdecl s_close(int fd) {
  return crt_close(_close, _errno, fd);
}
static int __cdecl s_osfhandle(intptr_t h, int fl) {
  return crt_osfhandle(_open_osfhandle, _errno, h, fl);
}
BOOL(WINAPI *const __wrap___imp_CloseHandle)(HANDLE) = w_CloseHandle;
BOOL(WINAPI *const __wrap___imp_DuplicateHandle)
(HANDLE, HANDLE, HANDLE, LPHANDLE, DWORD, BOOL, DWORD) = w_DuplicateHandle;
HANDLE(WINAPI *const __wrap___imp_CreateFileW)
(LPCWSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD,
 HANDLE) = w_CreateFileW;
BOOL(WINAPI *const __wrap___imp_WriteFile)
(HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED) = w_WriteFile;
int(__cdecl *const __wrap___imp__close)(int) = s_close;
int(__cdecl *const __wrap___imp__open_osfhandle)(intptr_t, int) = s_osfhandle;

/* What an import descriptor's DLL is: kernel32's functions (kernel32.dll,
 * kernelbase.dll, the api-ms-win-core-* sets), one of the C runtimes, or
 * neither (-1). */
enum { DLL_KERNEL = CRT_N };
static int dll_kind(const char *dll) {
  if (_stricmp(dll, "kernel32.dll") == 0 ||
      _stricmp(dll, "kernelbase.dll") == 0 ||
      _strnicmp(dll, "api-ms-win-core-", 16) == 0)
    return DLL_KERNEL;
  if (_stricmp(dll, "msvcrt.dll") == 0)
    return CRT_MSVCRT;
  if (_stricmp(dll, "ucrtbase.dll") == 0 ||
      _strnicmp(dll, "api-ms-win-crt-", 15) == 0)
    return CRT_UCRT;
  return -1;
}

/* The wrapper of an import, NULL if it is not one of the six, or if its
 * family is one the adapter never fails (nofault: 1 << enum co_ifam). */
static void *wrapper_of(int kind, const char *name, unsigned nofault) {
  static const struct {
    const char *name;
    unsigned fam;
    void *k32, *msvcrt, *ucrt;
  } fns[] = {
      {"CloseHandle", CO_IF_CLOSE, (void *)w_CloseHandle, NULL, NULL},
      {"DuplicateHandle", CO_IF_DUP, (void *)w_DuplicateHandle, NULL, NULL},
      {"CreateFileW", CO_IF_OPEN, (void *)w_CreateFileW, NULL, NULL},
      {"WriteFile", CO_IF_WRITE, (void *)w_WriteFile, NULL, NULL},
      {"_close", CO_IF_CLOSE, NULL, (void *)w_close_msvcrt,
       (void *)w_close_ucrt},
      {"_open_osfhandle", CO_IF_ADOPT, NULL, (void *)w_osf_msvcrt,
       (void *)w_osf_ucrt}};
  size_t i;
  for (i = 0; i < sizeof fns / sizeof fns[0]; i++)
    if (strcmp(fns[i].name, name) == 0)
      return nofault >> fns[i].fam & 1 ? NULL
             : kind == DLL_KERNEL      ? fns[i].k32
             : kind == CRT_MSVCRT      ? fns[i].msvcrt
                                       : fns[i].ucrt;
  return NULL;
}

/* The C runtime's _errno, which every flavour exports from its one DLL. */
static errno_fn crt_errno(int kind) {
  HMODULE m =
      GetModuleHandleA(kind == CRT_MSVCRT ? "msvcrt.dll" : "ucrtbase.dll");
  FARPROC p = m ? GetProcAddress(m, "_errno") : NULL;
  errno_fn f;
  memcpy(&f, &p, sizeof f); /* a function pointer of another type */
  return f;
}

/* The IAT is read-only where the linker put it in .rdata: made writable
 * for the one store, and given its protection back. */
static int write_slot(void **slot, void *fn) {
  DWORD old, tmp;
  if (!VirtualProtect(slot, sizeof *slot, PAGE_READWRITE, &old))
    return -1;
  InterlockedExchangePointer(slot, fn);
  VirtualProtect(slot, sizeof *slot, old, &tmp);
  return 0;
}

struct walk {
  unsigned nofault;
  char *err;
  size_t cap;
};

/* Note what the slot held (the real function; a C runtime's is kept for
 * its wrappers), and route it. */
static int patch_slot(int kind, const char *name, void **slot, void *fn,
                      struct walk *w) {
  if (patched.nslot >= SLOTS_MAX) {
    snprintf(w->err, w->cap, "interposer: more than %d slots to patch",
             SLOTS_MAX);
    return -1;
  }
  if (kind != DLL_KERNEL) {
    if (!patched.crt[kind].err && !(patched.crt[kind].err = crt_errno(kind))) {
      snprintf(w->err, w->cap, "interposer: no _errno in the C runtime of %s",
               name);
      return -1;
    }
    if (strcmp(name, "_close") == 0 && !patched.crt[kind].close)
      memcpy(&patched.crt[kind].close, slot, sizeof(void *));
    else if (strcmp(name, "_open_osfhandle") == 0 &&
             !patched.crt[kind].osfhandle)
      memcpy(&patched.crt[kind].osfhandle, slot, sizeof(void *));
  }
  patched.slot[patched.nslot].slot = slot;
  patched.slot[patched.nslot].old = *slot;
  if (write_slot(slot, fn) < 0) {
    snprintf(w->err, w->cap,
             "interposer: cannot make the import table of %s writable "
             "(error %lu)",
             name, (unsigned long)GetLastError());
    return -1;
  }
  patched.nslot++;
  return 0;
}

/* The module's import descriptors: each names a DLL, its lookup table
 * (the names, OriginalFirstThunk) and its address table (FirstThunk, the
 * slots the loader filled). A table without names (an old bound image)
 * is left alone. Returns 1 if the module imports anything, 0, or -1. */
static int patch_module(HMODULE m, struct walk *w) {
  BYTE *base = (BYTE *)m;
  const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
  const IMAGE_NT_HEADERS *nt;
  const IMAGE_DATA_DIRECTORY *dir;
  const IMAGE_IMPORT_DESCRIPTOR *imp;
  if (dos->e_magic != IMAGE_DOS_SIGNATURE)
    return 0;
  nt = (const IMAGE_NT_HEADERS *)(base + dos->e_lfanew);
  if (nt->Signature != IMAGE_NT_SIGNATURE)
    return 0;
  dir = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
  if (!dir->VirtualAddress || !dir->Size)
    return 0;
  for (imp = (const IMAGE_IMPORT_DESCRIPTOR *)(base + dir->VirtualAddress);
       imp->Name; imp++) {
    int kind = dll_kind((const char *)(base + imp->Name));
    const IMAGE_THUNK_DATA *names;
    IMAGE_THUNK_DATA *iat;
    size_t i;
    if (kind < 0 || !imp->OriginalFirstThunk)
      continue;
    names = (const IMAGE_THUNK_DATA *)(base + imp->OriginalFirstThunk);
    iat = (IMAGE_THUNK_DATA *)(base + imp->FirstThunk);
    for (i = 0; names[i].u1.AddressOfData; i++) {
      const IMAGE_IMPORT_BY_NAME *by;
      void *fn;
      if (IMAGE_SNAP_BY_ORDINAL(names[i].u1.Ordinal))
        continue;
      by = (const IMAGE_IMPORT_BY_NAME *)(base + names[i].u1.AddressOfData);
      if ((fn = wrapper_of(kind, (const char *)by->Name, w->nofault)) &&
          patch_slot(kind, (const char *)by->Name, (void **)&iat[i].u1.Function,
                     fn, w) < 0)
        return -1;
    }
  }
  return 1;
}

/* The module's file name starts with one of names (case-insensitively,
 * as Windows compares file names). */
static int wanted(const char *base, const char *const *names) {
  for (; *names; names++)
    if (**names && _strnicmp(base, *names, strlen(*names)) == 0)
      return 1;
  return 0;
}

static int done_before(HMODULE m) {
  size_t i;
  for (i = 0; i < patched.nmodule; i++)
    if (patched.module[i] == m)
      return 1;
  return 0;
}

int co_ipose_loaded(const char *const *names) {
  HMODULE mods[512], self = NULL;
  DWORD need = 0, n, i;
  if (!names || !*names ||
      !K32EnumProcessModules(GetCurrentProcess(), mods, sizeof mods, &need))
    return 0;
  GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                         GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                     (LPCSTR)(void *)co_ipose_loaded, &self);
  n = need / sizeof mods[0];
  if (n > sizeof mods / sizeof mods[0])
    n = sizeof mods / sizeof mods[0];
  for (i = 0; i < n; i++) {
    char base[MAX_PATH];
    if (mods[i] != self &&
        K32GetModuleBaseNameA(GetCurrentProcess(), mods[i], base,
                              sizeof base) &&
        wanted(base, names))
      return 1;
  }
  return 0;
}

int co_ipose_install(const char *const *names, unsigned nofault, char *err,
                     size_t cap) {
  HMODULE mods[512], self;
  DWORD need = 0, n, i;
  struct walk w = {nofault, err, cap};
  int count = 0, r;
  if (!names || !*names)
    return 0;
  if (!K32EnumProcessModules(GetCurrentProcess(), mods, sizeof mods, &need)) {
    snprintf(err, cap,
             "interposer: cannot list the process's modules "
             "(error %lu)",
             (unsigned long)GetLastError());
    return -1;
  }
  /* the module this code is in holds the wrappers, whose real calls go
   * through its own table: its calls are the harness's, never patched */
  if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                              GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          (LPCSTR)(void *)co_ipose_install, &self)) {
    snprintf(err, cap, "interposer: cannot find its own module (error %lu)",
             (unsigned long)GetLastError());
    return -1;
  }
  n = need / sizeof mods[0];
  if (n > sizeof mods / sizeof mods[0])
    n = sizeof mods / sizeof mods[0];
  AcquireSRWLockExclusive(&patched.lock);
  for (i = 0; i < n; i++) {
    char base[MAX_PATH];
    if (!K32GetModuleBaseNameA(GetCurrentProcess(), mods[i], base,
                               sizeof base) ||
        !wanted(base, names))
      continue;
    if (done_before(mods[i])) {
      count++; /* routed already */
      continue;
    }
    if (mods[i] == self) {
      snprintf(err, cap,
               "interposer: %s is the harness's own module (a library "
               "linked into it statically is not a DLL: see "
               "docs/faults.md#windows)",
               base);
      count = -1;
      break;
    }
    if (patched.nmodule >= MODULES_MAX) {
      snprintf(err, cap, "interposer: more than %d modules", MODULES_MAX);
      count = -1;
      break;
    }
    if ((r = patch_module(mods[i], &w)) < 0) {
      count = -1;
      break;
    }
    patched.module[patched.nmodule++] = mods[i];
    count += r;
  }
  ReleaseSRWLockExclusive(&patched.lock);
  return count;
}

int co_ipose_uninstall(void) {
  int rc = 0;
  AcquireSRWLockExclusive(&patched.lock);
  while (patched.nslot) {
    patched.nslot--;
    if (write_slot(patched.slot[patched.nslot].slot,
                   patched.slot[patched.nslot].old) < 0)
      rc = -1;
  }
  patched.nmodule = 0;
  ReleaseSRWLockExclusive(&patched.lock);
  return rc;
}
