/*
 * The Microsoft C runtime's descriptor layer as an adapter: a CRT
 * descriptor adopts a HANDLE (_open_osfhandle), lends it (_get_osfhandle),
 * writes through it (_write) and closes it (_close). Windows builds only.
 *
 * Contract (docs/crt.md; UCRT lowio/osfinfo.cpp and close.cpp):
 *  - _open_osfhandle takes the handle without duplicating it; on success
 *    the descriptor owns it (_close will CloseHandle it); when GetFileType
 *    fails (a closed handle) it returns -1 with EBADF and no
 *    invalid-parameter handler, and the caller keeps what it passed.
 *  - _get_osfhandle returns the stored value: a borrow, stale once
 *    someone else closes the handle.
 *  - _close frees the descriptor whatever CloseHandle says; if CloseHandle
 *    failed (the handle was closed by another party) it returns -1, EBADF.
 *  - descriptors are numbers, the lowest free (the model predicts
 *    them from the numbers in use when the trace starts:
 *    docs/crt.md#allocation).
 *  - _dup: the lowest free number over DuplicateHandle(inheritable, same
 *    access) of the handle; _dup2(s, t) duplicates first, then closes t's
 *    old handle ignoring errors, returns 0; _dup2(s, s) changes nothing in
 *    UCRT and re-duplicates in Wine (quirk WINE_DUP2_SAME_REDUPS).
 *  - _open/_sopen: a new file in the executor's private directory
 *    (_O_CREAT | _O_EXCL | _O_TEMPORARY), the lowest free descriptor,
 *    which owns the new HANDLE (inheritable unless _O_NOINHERIT);
 *    _sopen's share flag only matters to a second open of the same file,
 *    which a trace never makes (docs/crt.md#open).
 *  - _fstat, _filelength, _chsize, _chsize_s (docs/crt.md#fstat, #chsize):
 *    the descriptor's file's status and size; the offset never moves.
 *  - a closed descriptor is a number (docs/crt.md#stale): every call with
 *    it runs; still free, it fails EBADF (UCRT's handler first; Wine's
 *    differences are quirks WINE_BADFD_NO_IPH, WINE_FSTAT_CHSIZE_ERRNO,
 *    probed at start-up: co_crt_badfd_no_iph, co_crt_fstat_chsize_errno);
 *    given out again, the call acts on the descriptor that has it now.
 * The C runtime's streams over descriptors are a second adapter, crt-stdio:
 *  - _fdopen wraps a descriptor without checking the mode against the
 *    handle's access and never closes it (UCRT stdio/fdopen.cpp); a bad
 *    mode fires the invalid-parameter handler.
 *  - fclose flushes and _closes the descriptor: the stream owns it.
 *  - _fileno returns the stored number, unchecked.
 *  - the glue makes streams unbuffered (setvbuf _IONBF) so fwrite is one
 *    _write and nothing is left for fclose.
 *  - _read (docs/crt.md#read): the descriptor's translation mode applies
 *    (CR LF read as LF, Ctrl+Z ends the file, a Unicode mode takes even
 *    counts); _setmode (docs/crt.md#setmode) returns the previous mode as
 *    the index of its word in the entry's mode list; fread over an
 *    unbuffered stream reads through _read. A failing _read, _write,
 *    fread or fwrite reports _doserrno as the outcome's data
 *    (docs/crt.md#doserrno); a successful read the digest of its bytes.
 * The _setmaxstdio/_getmaxstdio limits and the descriptor table's capacity
 * (2048 msvcrt, 8192 UCRT) are checked against the real CRT in the Windows
 * suite; with 8 objects a trace never reaches them.
 *
 * The invalid-parameter handler: a recording handler counts, per thread,
 * how often it fired (mingw's start-up installs a do-nothing one,
 * docs/wine.md#iph). A
 * call during which it fires in the calling thread reports CO_IPH; the
 * contract never expects it, so any firing is an invalid-handle finding.
 * UCRT has a handler per thread (_set_thread_local_invalid_parameter_handler,
 * which takes precedence over the process's): each thread that calls the
 * glue installs it for itself. msvcrt.dll has only the process's: the
 * recording handler is installed there; either way the count is
 * thread-local, so a firing in one executor's thread never shows in
 * another's call.
 */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <share.h>
#include <sys/stat.h>
#include <windows.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"

#ifdef _UCRT
/* ucrtbase.dll exports it; mingw-w64's headers do not declare it. */
_CRTIMP
_invalid_parameter_handler __cdecl _set_thread_local_invalid_parameter_handler(
    _invalid_parameter_handler h);
_CRTIMP
_invalid_parameter_handler __cdecl _get_thread_local_invalid_parameter_handler(
    void);
#define iph_get _get_thread_local_invalid_parameter_handler
#define iph_set _set_thread_local_invalid_parameter_handler
#else
#define iph_get _get_invalid_parameter_handler
#define iph_set _set_invalid_parameter_handler
#endif

/* How often the handler fired in this thread (the handler runs in the
 * thread whose call fired it). */
static _Thread_local long iph_fired;

static void __cdecl record_iph(const wchar_t *expr, const wchar_t *func,
                               const wchar_t *file, unsigned line,
                               uintptr_t reserved) {
  (void)expr;
  (void)func;
  (void)file;
  (void)line;
  (void)reserved;
  iph_fired++;
}

/* Make sure the recording handler is the one that runs for this thread
 * (installing is idempotent: no flag to keep); returns the count before a
 * call. */
static long iph_begin(void) {
  if (iph_get() != record_iph)
    iph_set(record_iph);
  errno = 0;
  _doserrno = 0;
  return iph_fired;
}

/* The outcome of a CRT call that returned r: a firing of the handler during
 * it is reported as CO_IPH. */
static void iph_end(long before, long r, struct co_outcome *out) {
  co_outcome_from_c(out, r, errno);
  if (iph_fired != before) {
    out->ret = -1;
    out->err = CO_IPH;
    out->raw = errno;
  }
}

/* _open_osfhandle's flags, kept in the descriptor's slot: the handle's own
 * flags are untouched, _O_NOINHERIT leaves them at 0
 * (docs/crt.md#open-osfhandle). */
static const struct co_mode modes[] = {
    {"rw", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, 0},
    {"append", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, CO_OWN_APPEND},
    {"text", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, CO_OWN_TEXT},
    {"noinherit", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0}};
static const int mode_flags[] = {_O_BINARY, _O_APPEND | _O_BINARY, _O_TEXT,
                                 _O_NOINHERIT | _O_BINARY};

/* What the glue writes: newlines, so that text mode shows (each one is
 * stored as CR LF). */
#define NL16                                                                   \
  '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n',      \
      '\n', '\n', '\n', '\n'
#define NL64 NL16, NL16, NL16, NL16
static const char lines[256] = {NL64, NL64, NL64, NL64};
static const char *newlines(void) {
  return lines;
}

/* _open's and _sopen's modes: the access, and the C runtime's own flags
 * (docs/crt.md#open). Always _O_BINARY or _O_TEXT, never the _fmode
 * default; the glue adds _O_CREAT | _O_EXCL | _O_TEMPORARY (a new file,
 * deleted on its last close). _write checks no access of its own (the
 * handle's, whatever it is by then, decides: CO_THEN_*), so a descriptor
 * of _O_RDONLY whose handle value was reused writes. */
#define ANY_IO (CO_THEN_READ | CO_THEN_WRITE)
static const struct co_mode open_modes[] = {
    {"rdonly", 1, CO_NEED_READ | ANY_IO, 0, 0, 0},
    {"wronly", 1, CO_NEED_WRITE | ANY_IO, 0, 0, 0},
    {"rdwr", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, 0},
    {"append", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, CO_OWN_APPEND},
    {"wappend", 1, CO_NEED_WRITE | ANY_IO, 0, 0, CO_OWN_APPEND},
    {"text", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, CO_OWN_TEXT},
    {"noinherit", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, CO_OWN_CLOEXEC},
    {NULL, 0, 0, 0, 0, 0}};
#define OPEN_FLAGS_C                                                           \
  "{_O_RDONLY | _O_BINARY, _O_WRONLY | _O_BINARY, _O_RDWR | _O_BINARY,\n"      \
  " _O_RDWR | _O_APPEND | _O_BINARY, _O_WRONLY | _O_APPEND | _O_BINARY,\n"     \
  " _O_RDWR | _O_TEXT, _O_RDWR | _O_NOINHERIT | _O_BINARY}"
static const int open_flags[] = {_O_RDONLY | _O_BINARY,
                                 _O_WRONLY | _O_BINARY,
                                 _O_RDWR | _O_BINARY,
                                 _O_RDWR | _O_APPEND | _O_BINARY,
                                 _O_WRONLY | _O_APPEND | _O_BINARY,
                                 _O_RDWR | _O_TEXT,
                                 _O_RDWR | _O_NOINHERIT | _O_BINARY};
#define OPEN_NEW (_O_CREAT | _O_EXCL | _O_TEMPORARY)

/* _lseek's origins (CO_WHENCE_*); "bad" is 42, which no origin is (Wine's
 * test_lseek passes 42). */
static const struct co_mode whence_modes[] = {
    {"set", 1, 0, 0, CO_WHENCE_SET, 0},
    {"cur", 1, 0, 0, CO_WHENCE_CUR, 0},
    {"end", 1, 0, 0, CO_WHENCE_END, 0},
    {"bad", 0, 0, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0}};
static const int whence_of[] = {SEEK_SET, SEEK_CUR, SEEK_END, 42};

/* _setmode's modes (docs/crt.md#setmode): the five it takes, then four it
 * rejects (Wine's test_setmode passes 0, -1, _O_BINARY | _O_TEXT and
 * _O_WTEXT | _O_U16TEXT). */
#define TXT CO_OWN_TEXT
static const struct co_mode setmode_modes[] = {
    {"binary", 1, 0, 0, 0, 0},
    {"text", 1, 0, 0, 0, TXT},
    {"wtext", 1, 0, 0, 0, TXT | CO_OWN_UTF16},
    {"u8text", 1, 0, 0, 0, TXT | CO_OWN_UTF8},
    {"u16text", 1, 0, 0, 0, TXT | CO_OWN_UTF16},
    {"zero", 0, 0, 0, 0, 0},
    {"all", 0, 0, 0, 0, 0},
    {"bintext", 0, 0, 0, 0, 0},
    {"wu16", 0, 0, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0}};
#undef TXT
#define SETMODE_VALS_C                                                         \
  "{_O_BINARY, _O_TEXT, _O_WTEXT, _O_U8TEXT, _O_U16TEXT, 0, -1,\n"             \
  " _O_BINARY | _O_TEXT, _O_WTEXT | _O_U16TEXT}"
static const int setmode_vals[] = {_O_BINARY,
                                   _O_TEXT,
                                   _O_WTEXT,
                                   _O_U8TEXT,
                                   _O_U16TEXT,
                                   0,
                                   -1,
                                   _O_BINARY | _O_TEXT,
                                   _O_WTEXT | _O_U16TEXT};

enum {
  E_OPEN_OSFHANDLE,
  E_GET_OSFHANDLE,
  E_WRITE,
  E_CLOSE,
  E_DUP,
  E_DUP2,
  E_OPEN,
  E_SOPEN,
  E_LSEEK,
  /* crtmisc (issue 19) */
  E_FSTAT,
  E_FILELENGTH,
  E_CHSIZE,
  E_CHSIZE_S,
  E_READ,
  E_SETMODE
};

static const struct co_entry entries[] = {
    {"_open_osfhandle", CO_EFF_ADOPT_ON_SUCCESS, CO_CHK_VALID, CO_IO_EXACT, 1,
     modes,
     "docs/crt.md#open-osfhandle: the descriptor takes the handle (no "
     "duplicate); "
     "UCRT lowio/osfinfo.cpp: the lowest free descriptor; GetFileType "
     "failure -> -1, errno from GetLastError (EBADF), the handle stays the "
     "caller's",
     NULL,
     "int fd = _open_osfhandle($fd, _O_RDWR | crt_mode_flags[$modeno]);\n"
     "$o = CRT_OBJ(fd);\n$r = fd >= 0 ? 0 : -1;"},
    {"_get_osfhandle", CO_EFF_LEND, 0, CO_IO_EXACT, 1, NULL,
     "docs/crt.md#get-osfhandle: returns the stored handle; the descriptor "
     "still "
     "owns it",
     NULL, "$r = _get_osfhandle(CRT_FD($o));"},
    {"_write", CO_EFF_USE, 0, CO_IO_DOSERRNO, 1, NULL,
     "docs/crt.md#write, UCRT lowio/write.cpp: _O_APPEND seeks to the "
     "end first; "
     "text mode writes each newline as CR LF and returns n",
     NULL, "$r = _write(CRT_FD($o), crt_nl, (unsigned)$n);"},
    {"_close", CO_EFF_CLOSE, 0, CO_IO_EXACT, 1, NULL,
     "UCRT lowio/close.cpp: CloseHandle, the slot is freed even when it "
     "fails; then -1 with errno mapped (EBADF)",
     NULL, "$r = _close(CRT_FD($o));"},
    {"_dup", CO_EFF_DUP_OBJ, 0, CO_IO_EXACT, 1, NULL,
     "UCRT lowio/dup.cpp: the lowest free descriptor over "
     "DuplicateHandle(inherit, DUPLICATE_SAME_ACCESS); the slot is released "
     "if that fails (EBADF)",
     NULL,
     "int fd = _dup(CRT_FD($src));\n$o = CRT_OBJ(fd);\n$r = fd >= 0 ? 0 : -1;"},
    {"_dup2", CO_EFF_DUP2_OBJ, 0, CO_IO_EXACT, 1, NULL,
     "UCRT lowio/dup2.cpp, docs/crt.md#dup2: duplicate first (the target "
     "untouched "
     "on failure), then the target is closed ignoring errors and takes the "
     "duplicate; returns 0; s == t changes nothing",
     NULL, "$r = _dup2(CRT_FD($src), CRT_FD($o));"},
    {"_open", CO_EFF_OPEN, 0, CO_IO_EXACT, 1, open_modes,
     "docs/crt.md#open, UCRT lowio/open.cpp: the lowest free descriptor "
     "over CreateFileW(a new file, the access of _O_RDONLY/_O_WRONLY/_O_RDWR, "
     "inheritable unless _O_NOINHERIT), owned by it; _O_APPEND and _O_TEXT "
     "are the descriptor's own flags",
     NULL,
     "static const int crt_open_flags[] = " OPEN_FLAGS_C ";\n"
     "int fd = _open($path, _O_CREAT | _O_EXCL | _O_TEMPORARY | "
     "crt_open_flags[$modeno], _S_IREAD | _S_IWRITE);\n"
     "$o = CRT_OBJ(fd);\n$r = fd >= 0 ? 0 : -1;"},
    {"_sopen", CO_EFF_OPEN, 0, CO_IO_EXACT, 1, open_modes,
     "docs/crt.md#open, UCRT lowio/open.cpp: _open with a share flag "
     "(_SH_DENYNO here), which matters only to a second open of the file",
     NULL,
     "static const int crt_open_flags[] = " OPEN_FLAGS_C ";\n"
     "int fd = _sopen($path, _O_CREAT | _O_EXCL | _O_TEMPORARY | "
     "crt_open_flags[$modeno], _SH_DENYNO, _S_IREAD | _S_IWRITE);\n"
     "$o = CRT_OBJ(fd);\n$r = fd >= 0 ? 0 : -1;"},
    {"_lseek", CO_EFF_SEEK, 0, CO_IO_EXACT, 1, whence_modes,
     "docs/crt.md#lseek, UCRT lowio/lseek.cpp, Wine dlls/msvcrt/file.c "
     "_lseeki64: SetFilePointerEx of the descriptor's handle; a bad origin "
     "or a result before the start -> -1 EINVAL, the offset kept; returns "
     "the new offset",
     NULL,
     "static const int crt_whence[] = {SEEK_SET, SEEK_CUR, SEEK_END, 42};\n"
     "$r = _lseek(CRT_FD($o), $n, crt_whence[$modeno]);"},
    /* crtmisc (issue 19): the descriptor's file (docs/crt.md#fstat) */
    {"_fstat", CO_EFF_STAT, 0, CO_IO_EXACT, 1, NULL,
     "docs/crt.md#fstat, UCRT filesystem/stat.cpp, Wine dlls/msvcrt/file.c "
     "_fstat64: a disk file is _S_IFREG with mode 0666 (0444 if read-only), "
     "one link, its size; returns 0",
     NULL, "struct _stat64 crt_st;\n$r = _fstat64(CRT_FD($o), &crt_st);"},
    {"_filelength", CO_EFF_SIZE, 0, CO_IO_EXACT, 1, NULL,
     "docs/crt.md#chsize, UCRT lowio/filelength.cpp: the size, by seeks "
     "that put the offset back",
     NULL, "$r = _filelength(CRT_FD($o));"},
    {"_chsize", CO_EFF_RESIZE, 0, CO_IO_EXACT, 1, NULL,
     "docs/crt.md#chsize, UCRT lowio/chsize.cpp: SetEndOfFile at the size, "
     "zeros past the old end, the offset put back; a negative size EINVAL "
     "after the invalid-parameter handler",
     NULL, "$r = _chsize(CRT_FD($o), $n);"},
    {"_chsize_s", CO_EFF_RESIZE, 0, CO_IO_EXACT, 1, NULL,
     "docs/crt.md#chsize: _chsize returning the errno value, not -1", NULL,
     "errno_t crt_e = _chsize_s(CRT_FD($o), $n);\n"
     "if (crt_e)\n  errno = crt_e;\n$r = crt_e ? -1 : 0;"},
    /* crtread: _read and _setmode (docs/crt.md#read, #setmode) */
    {"_read", CO_EFF_READ, 0, CO_IO_DOSERRNO, 1, NULL,
     "docs/crt.md#read, UCRT lowio/read.cpp, Wine dlls/msvcrt/file.c "
     "read_i: ReadFile of the descriptor's handle; text mode reads CR LF as "
     "LF and stops at Ctrl+Z; ERROR_ACCESS_DENIED -> EBADF, _doserrno kept",
     NULL,
     "static char crt_rb[256];\n"
     "$r = _read(CRT_FD($o), crt_rb, (unsigned)$n);"},
    {"_setmode", CO_EFF_SETMODE, 0, CO_IO_EXACT, 1, setmode_modes,
     "docs/crt.md#setmode, UCRT lowio/setmode.cpp, Wine _setmode: the mode "
     "checked first (EINVAL), then the descriptor (EBADF); returns the "
     "previous mode (here its index in the mode list)",
     NULL,
     "static const int crt_sm[] = " SETMODE_VALS_C ";\n"
     "int crt_k, crt_p = _setmode(CRT_FD($o), crt_sm[$modeno]);\n"
     "$r = crt_p;\n"
     "for (crt_k = 0; crt_p != -1 && crt_k < 5; crt_k++)\n"
     "  if (crt_p == crt_sm[crt_k])\n"
     "    $r = crt_k;"},
};

/* The reproducer's C (closeonce/contract.h): a descriptor object is its
 * number + 1, as in the glue; _write writes newlines (text mode shows). */
static const struct co_contract_c repro = {
    .head = "#include <share.h>\n#include <sys/stat.h>\n"
            "#define CRT_FD(obj) ((int)((intptr_t)(obj)-1))\n"
            "#define CRT_OBJ(fd) ((fd) >= 0 ? (void *)(intptr_t)((fd) + 1) "
            ": NULL)\n"
            "static const int crt_mode_flags[] = {_O_BINARY, _O_APPEND | "
            "_O_BINARY, _O_TEXT,\n"
            "                                     _O_NOINHERIT | _O_BINARY};\n"
            "static char crt_nl[256];",
    .init = "memset(crt_nl, '\\n', sizeof crt_nl);"};

static const struct co_contract contract = {.layer = "crt",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .numbered = 1,
                                            .repro = &repro};

/* The object is the descriptor number + 1 (never NULL). */
static int fd_of(void *obj) {
  return (int)((intptr_t)obj - 1);
}

static void *obj_of(int fd) {
  return fd >= 0 ? (void *)(intptr_t)(fd + 1) : NULL;
}

/* One executor's glue state: the serial of the files _open makes. */
struct crt_glue {
  unsigned serial;
};

static int crt_state_new(const struct co_glue_env *env, void **state, char *err,
                         size_t cap) {
  (void)env;
  if (!(*state = calloc(1, sizeof(struct crt_glue)))) {
    snprintf(err, cap, "crt glue: out of memory");
    return -1;
  }
  return 0;
}

static void crt_state_free(void *state) {
  free(state);
}

/* _open or _sopen of a new file in the executor's private directory
 * (deleted when its last handle closes: _O_TEMPORARY). */
static int open_new(const struct co_glue_env *env, unsigned e, unsigned mode) {
  struct crt_glue *g = env->state;
  char path[1100];
  int flags = OPEN_NEW | open_flags[mode];
  if (!g || snprintf(path, sizeof path, "%s\\crt-%u", env->dir, g->serial++) >=
                (int)sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if (e == E_SOPEN)
    return _sopen(path, flags, _SH_DENYNO, _S_IREAD | _S_IWRITE);
  return _open(path, flags, _S_IREAD | _S_IWRITE);
}

/* crtmisc (issue 19): _fstat (its fields in out->data), _filelength,
 * _chsize and _chsize_s (its errno value made -1 and errno). */
static void file_call(unsigned e, int fd, int32_t n, long before,
                      struct co_outcome *out) {
  struct _stat64 st;
  long r;
  if (e == E_FSTAT) {
    r = _fstat64(fd, &st);
  } else if (e == E_FILELENGTH) {
    r = _filelength(fd);
  } else if (e == E_CHSIZE) {
    r = _chsize(fd, n);
  } else {
    errno_t err = _chsize_s(fd, n);
    if (err)
      errno = err;
    r = err ? -1 : 0;
  }
  iph_end(before, r, out);
  if (e == E_FSTAT && out->err == CO_OK && r == 0)
    out->data = co_stat_pack(st.st_mode, st.st_nlink, (uint64_t)st.st_size);
}

/* crtread: the outcome of a read (n bytes of buf: their digest) or of a
 * failed I/O call (_doserrno), docs/crt.md#doserrno. */
static void io_end(long before, long r, const char *buf,
                   struct co_outcome *out) {
  unsigned long dos = (unsigned long)_doserrno;
  iph_end(before, r, out);
  if (out->err != CO_OK)
    out->data = dos;
  else if (buf)
    out->data = co_bytes_digest((const uint8_t *)buf, (size_t)r);
}

/* _read (its bytes' digest as data) and _setmode (the previous mode as
 * the index of its value in setmode_vals, docs/crt.md#setmode). */
static void crt_read_or_setmode(unsigned e, unsigned mode, void *obj, int32_t n,
                                long before, struct co_outcome *out) {
  char buf[256];
  long r;
  unsigned k;
  if (e == E_READ) {
    r = _read(fd_of(obj), buf, (unsigned)n);
    io_end(before, r, buf, out);
    return;
  }
  r = _setmode(fd_of(obj), setmode_vals[mode]);
  for (k = 0; r != -1 && k < 5; k++)
    if (r == setmode_vals[k]) {
      r = (long)k;
      break;
    }
  iph_end(before, r, out);
}

static void crt_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                     void **obj, int64_t h, int32_t n, struct co_outcome *out) {
  long before = iph_begin(), r = 0;
  switch (e) {
  case E_OPEN:
  case E_SOPEN: {
    int fd = open_new(env, e, mode);
    *obj = obj_of(fd);
    r = fd >= 0 ? 0 : -1;
    break;
  }
  case E_OPEN_OSFHANDLE: {
    int fd = _open_osfhandle((intptr_t)h, _O_RDWR | mode_flags[mode]);
    *obj = obj_of(fd);
    r = fd >= 0 ? 0 : -1;
    break;
  }
  case E_GET_OSFHANDLE:
    r = (long)_get_osfhandle(fd_of(*obj));
    break;
  case E_WRITE:
    r = _write(fd_of(*obj), newlines(), (unsigned)n);
    io_end(before, r, NULL, out);
    return;
  case E_CLOSE:
    r = _close(fd_of(*obj));
    *obj = NULL;
    break;
  case E_LSEEK:
    r = _lseek(fd_of(*obj), n, whence_of[mode]);
    break;
  case E_FSTAT:
  case E_FILELENGTH:
  case E_CHSIZE:
  case E_CHSIZE_S:
    file_call(e, fd_of(*obj), n, before, out);
    return;
  case E_READ:
  case E_SETMODE:
    crt_read_or_setmode(e, mode, *obj, n, before, out);
    return;
  default:
    r = -1;
    errno = ENOSYS;
  }
  iph_end(before, r, out);
}

static void crt_call2(const struct co_glue_env *env, unsigned e, unsigned mode,
                      void *src, void **dst, struct co_outcome *out) {
  long before = iph_begin(), r;
  (void)env;
  (void)mode;
  switch (e) {
  case E_DUP: {
    int fd = _dup(fd_of(src));
    *dst = obj_of(fd);
    r = fd >= 0 ? 0 : -1;
    break;
  }
  case E_DUP2:
    r = _dup2(fd_of(src), fd_of(*dst));
    break;
  default:
    r = -1;
    errno = ENOSYS;
  }
  iph_end(before, r, out);
}

/* The handle descriptor fd stores, -1 if it is not open: an observation,
 * not a call of the trace, so a firing of the handler is not counted. */
int64_t co_crt_peek_osfhandle(int fd) {
  long before = iph_begin();
  intptr_t h = _get_osfhandle(fd);
  iph_fired = before;
  return (int64_t)h;
}

/* ---- crtmisc (issue 19): a closed descriptor's number ---- */

/* Quirk WINE_BADFD_NO_IPH, asked of the runtime: -1 is no descriptor, so
 * each call fails; UCRT's validation fires the handler for each
 * (write.cpp, dup.cpp, dup2.cpp, fdopen.cpp), Wine's returns EBADF
 * (dlls/msvcrt/file.c _write, _dup2, msvcrt_init_fp). */
static int badfd_no_iph(void) {
  long before = iph_begin();
  FILE *f;
  char b[1];
  int quiet = _write(-1, "", 0) == -1 && errno == EBADF;
  errno = 0;
  quiet &= _read(-1, b, 0) == 0 && errno == 0;
  quiet &= _dup(-1) == -1 && errno == EBADF;
  errno = 0;
  quiet &= _dup2(-1, -1) == -1 && errno == EBADF;
  errno = 0;
  f = _fdopen(-1, "r");
  quiet &= !f && errno == EBADF;
  if (f) /* never: -1 is not open */
    fclose(f);
  quiet &= iph_fired == before;
  iph_fired = before;
  return quiet;
}

/* Quirk WINE_FSTAT_CHSIZE_ERRNO, asked of the runtime: _fstat64 and
 * _chsize_s of -1 (no descriptor) with errno 0. UCRT fires the handler
 * and sets EBADF (stat.cpp, chsize.cpp); Wine's _fstat64 returns -1 and
 * its _chsize_s the errno it finds, setting none (dlls/msvcrt/file.c). */
static int fstat_chsize_errno(void) {
  long before = iph_begin();
  struct _stat64 st;
  int keeps = _fstat64(-1, &st) == -1 && errno == 0;
  errno = 0;
  keeps &= _chsize_s(-1, 0) == 0 && errno == 0;
  keeps &= iph_fired == before;
  iph_fired = before;
  return keeps;
}

/* The handle a descriptor stores (no validation: a stale value shows). */
static int64_t crt_handle_of(void *obj) {
  return co_crt_peek_osfhandle(fd_of(obj));
}

static int64_t crt_number_of(void *obj) {
  return fd_of(obj);
}

static int crt_number_open(int64_t n) {
  return co_crt_peek_osfhandle((int)n) != -1;
}

/* crtread: the start-up probes of the C runtime's quirks (model.h
 * CO_QUIRK_WINE_TEXT_MODES, CO_QUIRK_WINE_READ_EOF_STICKY), on a temporary
 * file; the recording handler is installed for them and what it counts is
 * put back. Returns the quirk bits found. */
/* A new temporary file for the probes: a name of this process and thread
 * (processes probing at once never share one), a few tries; -1 if none. */
static int probe_open(void) {
  char dir[MAX_PATH], path[MAX_PATH + 64];
  DWORD n = GetTempPathA(sizeof dir, dir);
  unsigned i;
  int fd = -1;
  for (i = 0; fd < 0 && n && n < sizeof dir && i < 8; i++)
    if (snprintf(path, sizeof path, "%scoq-%lu-%lu-%u", dir,
                 (unsigned long)GetCurrentProcessId(),
                 (unsigned long)GetCurrentThreadId(), i) < (int)sizeof path)
      fd = _open(path, OPEN_NEW | _O_RDWR | _O_BINARY, _S_IREAD | _S_IWRITE);
  return fd;
}

unsigned co_crt_quirks(void) {
  char b[2];
  long before = iph_begin();
  unsigned q = 0;
  int fd = probe_open();
  int fd2 = fd >= 0 ? _dup(fd) : -1;
  if (fd2 >= 0) {
    /* a read at the end, a write through the duplicate, its seek back:
     * Windows reads the byte, Wine's flag says the end (docs/wine.md) */
    int sticky = _read(fd, b, 1) == 0 && _write(fd2, "x", 1) == 1 &&
                 _lseek(fd2, 0, SEEK_SET) == 0 && _read(fd, b, 1) == 0;
    int u8w =
        _setmode(fd2, _O_U8TEXT) != -1 && _setmode(fd2, _O_TEXT) == _O_WTEXT;
    int resets = _setmode(fd2, _O_WTEXT) != -1 &&
                 _setmode(fd2, _O_BINARY) != -1 && _write(fd2, "x", 1) == 1;
    /* a duplicate of a UTF-16 descriptor: does it take an odd count? */
    int fd3 = _setmode(fd, _O_U16TEXT) != -1 ? _dup(fd) : -1;
    int dupdrops = fd3 >= 0 && _write(fd3, "x", 1) == 1;
    long fired = iph_fired;
    int noiph = _setmode(fd2, 0) == -1 && iph_fired == fired, slot;
    _close(fd2);
    /* the freed slot: Windows EBADF, Wine takes the mode (then put back) */
    slot = _setmode(fd2, _O_TEXT) == _O_BINARY;
    if (slot)
      _setmode(fd2, _O_BINARY);
    if (sticky)
      q |= CO_QUIRK_WINE_READ_EOF_STICKY;
    if (fd3 >= 0)
      _close(fd3);
    if (u8w && resets && noiph && slot && dupdrops)
      q |= CO_QUIRK_WINE_TEXT_MODES;
  }
  if (fd >= 0)
    _close(fd);
  iph_fired = before;
  if (badfd_no_iph())
    q |= CO_QUIRK_WINE_BADFD_NO_IPH;
  if (fstat_chsize_errno())
    q |= CO_QUIRK_WINE_FSTAT_CHSIZE_ERRNO;
  return q;
}

const struct co_adapter co_adapter_crt = {.version = CO_ADAPTER_VERSION,
                                          .contract = &contract,
                                          .call = crt_call,
                                          .handle_of = crt_handle_of,
                                          .call2 = crt_call2,
                                          .number_of = crt_number_of,
                                          .number_open = crt_number_open,
                                          .state_new = crt_state_new,
                                          .state_free = crt_state_free};

/* ---- crt-stdio: FILE streams over C-runtime descriptors ---- */

static const struct co_mode fdopen_modes[] = {
    {"w", 1, CO_NEED_WRITE, 0, 0, 0},
    {"r+", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, 0},
    {"q", 0, 0, 0, 0, 0}, /* not a mode: the invalid-parameter handler */
    {NULL, 0, 0, 0, 0, 0}};

enum { S_FDOPEN, S_FILENO, S_FWRITE, S_FCLOSE, S_FREAD };

static const struct co_entry stdio_entries[] = {
    {"_fdopen", CO_EFF_WRAP, 0, CO_IO_EXACT, 1, fdopen_modes,
     "UCRT stdio/fdopen.cpp: a stream over the descriptor, the mode not "
     "checked against the handle's access, the descriptor never closed; a "
     "bad mode -> invalid-parameter handler, EINVAL",
     "crt",
     "$o = _fdopen(CRT_FD($src), $mode);\nif ($o)\n  setvbuf($o, NULL, _IONBF, "
     "0);\n"
     "$r = $o ? 0 : -1;"},
    {"_fileno", CO_EFF_NUMBER, 0, CO_IO_EXACT, 1, NULL,
     "docs/crt.md#fileno: the stream's descriptor, unchecked", NULL,
     "$r = _fileno($o);"},
    {"fwrite", CO_EFF_USE, 0, CO_IO_DOSERRNO, 1, NULL,
     "fwrite of n bytes on an unbuffered stream: one _write", NULL,
     "$r = fwrite(crt_stdio_nl, 1, (size_t)$n, $o) == (size_t)$n ? $n : -1;\n"
     "if ($r < 0)\n  clearerr($o);"},
    {"fclose", CO_EFF_CLOSE, 0, CO_IO_EXACT, 1, NULL,
     "UCRT stdio/fclose.cpp: flush, _close(the descriptor), free the "
     "stream; EOF if the close failed",
     NULL, "$r = fclose($o) == 0 ? 0 : -1;"},
    /* crtread: fread (docs/crt.md#fread) */
    {"fread", CO_EFF_READ, 0, CO_IO_DOSERRNO, 1, NULL,
     "docs/crt.md#fread, UCRT stdio/fread.cpp: an unbuffered stream reads "
     "through _read until n bytes or the end; -1 here (errno its _read's) "
     "if it read nothing and its error flag is set",
     NULL,
     "static char crt_frb[256];\n"
     "size_t crt_got = fread(crt_frb, 1, (size_t)$n, $o);\n"
     "$r = crt_got == 0 && ferror($o) ? -1 : (long)crt_got;\n"
     "clearerr($o);"},
};

/* The reproducer's C: unbuffered streams, fwrite writing newlines. */
static const struct co_contract_c stdio_repro = {
    .head = "static char crt_stdio_nl[256];",
    .init = "memset(crt_stdio_nl, '\\n', sizeof crt_stdio_nl);"};

static const struct co_contract stdio_contract = {
    .layer = "crt-stdio",
    .entries = stdio_entries,
    .nentries = sizeof stdio_entries / sizeof *stdio_entries,
    .repro = &stdio_repro};

static void stdio_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                       void **obj, int64_t h, int32_t n,
                       struct co_outcome *out) {
  FILE *f = *obj;
  long before = iph_begin(), r = 0;
  (void)env;
  (void)mode;
  (void)h;
  switch (e) {
  case S_FILENO:
    r = _fileno(f);
    break;
  case S_FWRITE:
    r = fwrite(newlines(), 1, (size_t)n, f) == (size_t)n ? n : -1;
    if (r < 0)
      clearerr(f);
    io_end(before, r, NULL, out);
    return;
  case S_FREAD: {
    char buf[256];
    size_t got = fread(buf, 1, (size_t)n, f);
    r = got == 0 && ferror(f) ? -1 : (long)got;
    clearerr(f);
    io_end(before, r, buf, out); /* errno: its _read's */
    return;
  }
  case S_FCLOSE:
    r = fclose(f) == 0 ? 0 : -1;
    *obj = NULL;
    break;
  default:
    r = -1;
    errno = ENOSYS;
  }
  iph_end(before, r, out);
}

static void stdio_call2(const struct co_glue_env *env, unsigned e,
                        unsigned mode, void *src, void **dst,
                        struct co_outcome *out) {
  long before = iph_begin(), r = -1;
  (void)env;
  if (e == S_FDOPEN) {
    FILE *f = _fdopen(fd_of(src), fdopen_modes[mode].name);
    if (f)
      setvbuf(f, NULL, _IONBF, 0);
    *dst = f;
    r = f ? 0 : -1;
  } else {
    errno = ENOSYS;
  }
  iph_end(before, r, out);
}

static int64_t stdio_handle_of(void *obj) {
  return co_crt_peek_osfhandle(_fileno((FILE *)obj));
}

static int64_t stdio_number_of(void *obj) {
  return _fileno((FILE *)obj);
}

const struct co_adapter co_adapter_crt_stdio = {.version = CO_ADAPTER_VERSION,
                                                .contract = &stdio_contract,
                                                .call = stdio_call,
                                                .handle_of = stdio_handle_of,
                                                .call2 = stdio_call2,
                                                .number_of = stdio_number_of};
