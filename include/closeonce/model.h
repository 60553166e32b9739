/*
 * closeonce: the reference model.
 *
 * Pure C, deterministic, no system calls. Given the set of descriptors that
 * were open when a trace started (the foreign set: the harness's, the test
 * runner's, the fuzz engine's) and the descriptor limit, it predicts every
 * operation's exact outcome: the number returned (lowest free), the error,
 * the per-descriptor flags, which descriptors share an open file description
 * and that description's offset and status flags.
 *
 * Each rule cites the section of docs/ that states it, docs/<page>.md#<id>
 * (docs/README.md#citing); "man X" is Linux man-pages 6.03. The
 * implementation is in models/ (models/model_internal.h lists its
 * modules).
 */
#ifndef CLOSEONCE_MODEL_H
#define CLOSEONCE_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "closeonce/trace.h"

struct co_model;

/* The platform whose rules the model follows. */
enum co_platform {
  /* Linux: descriptors are the lowest free number (predicted). */
  CO_PLATFORM_POSIX,
  /* Win32 HANDLEs: values are multiples of 4 chosen by the OS (not
   * predicted: a new handle binds to the value the platform returned, the
   * call's hint); per-handle inherit and protect-from-close flags. */
  CO_PLATFORM_WIN32
};

/* Documented deviations of one implementation from the platform's
 * reference behaviour, each with its source. A backend declares the ones of
 * what it runs on (a profile); the model applies them, never silently. */
#define CO_QUIRK_LIST(X)                                                       \
  X(WINE_SEEK_BEFORE_HANDLE, 0x1, "wine",                                      \
    "SetFilePointerEx(FILE_BEGIN, negative) fails ERROR_NEGATIVE_SEEK before " \
    "the handle is looked up, so a closed handle gives EINVAL, not EBADF "     \
    "(Wine dlls/kernelbase/file.c SetFilePointerEx; found by closeonce, "      \
    "corpus/win32/wine-negative-seek-on-closed-handle.trace)")                 \
  X(WINE_EMPTY_APPEND_WRITE_MOVES, 0x2, "wine",                                \
    "WriteFile of 0 bytes through an append-only handle (FILE_APPEND_DATA) "   \
    "moves the file pointer to the end of the file; on Linux write(fd, "       \
    "buf, 0) leaves an O_APPEND offset alone (observed under Wine 8.0 by "     \
    "closeonce fuzz --target win32; "                                          \
    "corpus/win32/wine-empty-append-write-moves.trace)")                       \
  X(MSVCRT_NO_IPH, 0x4, "msvcrt",                                              \
    "msvcrt.dll returns its error without calling the handler installed "      \
    "with _set_invalid_parameter_handler: _close or fclose of a descriptor "   \
    "that is not open gives -1/EBADF, _fdopen with a bad mode NULL/EINVAL; "   \
    "UCRT calls the handler (UCRT lowio/close.cpp, stdio/fdopen.cpp; "         \
    "docs/wine.md#iph; observed under Wine's msvcrt.dll and ucrtbase.dll, "    \
    "corpus/win32-crt/fclose-after-close.trace)")                              \
  X(WINE_DUP2_SAME_REDUPS, 0x8, "wine",                                        \
    "_dup2(fd, fd) duplicates the handle and closes the old one, so fd holds " \
    "a new handle value; UCRT returns 0 and changes nothing (Wine "            \
    "dlls/msvcrt/file.c _dup2; UCRT lowio/dup2.cpp; docs/wine.md#dup2-same)")  \
  X(WINE_GET_OSFHANDLE_NO_IPH, 0x10, "wine",                                   \
    "_get_osfhandle of a descriptor that is not open returns -1 with EBADF "   \
    "without calling the invalid-parameter handler, under msvcrt.dll and "     \
    "ucrtbase.dll; UCRT calls it (Wine dlls/msvcrt/file.c _get_osfhandle; "    \
    "UCRT lowio/osfinfo.cpp; docs/wine.md#iph; "                               \
    "corpus/win32-crt/refused-get-osfhandle-closed.trace)")                    \
  X(WINE_SAMEATTR_IGNORED, 0x20, "wine",                                       \
    "DuplicateHandle ignores DUPLICATE_SAME_ATTRIBUTES: the new handle's "     \
    "inherit flag follows bInheritHandle and it is not protected; Windows "    \
    "copies both flags from the source (Wine dlls/kernel32/tests/process.c "   \
    "test_DuplicateHandle; observed under Wine 8.0, "                          \
    "corpus/win32/wine-sameattr-ignored.trace; docs/wine.md#sameattr)")        \
  X(WINE_LSEEK_NO_IPH, 0x40, "wine",                                           \
    "_lseek of a descriptor that is not open returns -1 with EBADF without "   \
    "calling the invalid-parameter handler, under msvcrt.dll and "             \
    "ucrtbase.dll; UCRT calls it (Wine dlls/msvcrt/file.c _lseeki64; UCRT "    \
    "lowio/lseek.cpp; docs/crt.md#lseek; "                                     \
    "corpus/win32-crt/lseek-closed-descriptor.trace)")                         \
  X(WINE_DUP_ACCESS_UNCHECKED, 0x80, "wine",                                   \
    "DuplicateHandle of a file handle with an access the source does not "     \
    "have succeeds, the new handle having the access asked for (the "          \
    "server checks it against the file's security only), and its writes go "   \
    "through the Unix descriptor opened for the file's creator: "              \
    "ERROR_INVALID_HANDLE if that had no write right; Windows fails the "      \
    "duplicate ERROR_ACCESS_DENIED (Wine dlls/kernel32/tests/file.c "          \
    "test_file_access, todo_wine; server/fd.c open_fd; "                       \
    "server/handle.c duplicate_handle; observed under Wine 8.0, "              \
    "corpus/conformance/wine/win32/file-access-duplicate-*.trace; "            \
    "docs/wine.md#dup-access)")                                                \
  X(WINE_BADFD_NO_IPH, 0x800, "wine",                                          \
    "_write, _dup, _dup2 (of its source) and _fdopen of a descriptor that is " \
    "not open return -1 (NULL) with EBADF without calling the "                \
    "invalid-parameter handler, under msvcrt.dll and ucrtbase.dll, and "       \
    "_read of 0 bytes of one returns 0; UCRT calls the handler "               \
    "(Wine dlls/msvcrt/file.c _write, _dup2, read_i, msvcrt_init_fp; UCRT "    \
    "lowio/write.cpp, dup.cpp, dup2.cpp, stdio/fdopen.cpp; docs/wine.md#iph; " \
    "corpus/win32-crt/stale-descriptor-calls.trace)")                          \
  X(WINE_FSTAT_CHSIZE_ERRNO, 0x1000, "wine",                                   \
    "_fstat of a descriptor that is not open returns -1 and sets no errno; "   \
    "_chsize_s of one returns errno as it was and sets none, so with errno "   \
    "0 it and _chsize report success; UCRT fails both with EBADF after the "   \
    "invalid-parameter handler. _fstat of a descriptor whose handle was "      \
    "closed fails with EINVAL; UCRT's with EBADF. And _chsize on a handle "    \
    "without write "                                                           \
    "access fails with EBADF whatever the size; UCRT gives EACCES, or 0 when " \
    "the size is the file's already (Wine dlls/msvcrt/file.c _fstat64, "       \
    "_chsize_s; UCRT lowio/chsize.cpp, filesystem/stat.cpp; docs/wine.md; "    \
    "corpus/win32-crt/file-calls-closed-descriptor.trace)")                    \
  X(WINE_TEXT_MODES, 0x200, "wine",                                            \
    "_setmode and the Unicode text modes as Wine has them under msvcrt.dll "   \
    "and ucrtbase.dll: a bad mode and an odd count in a Unicode mode fail "    \
    "without the invalid-parameter handler, a closed descriptor's freed "      \
    "slot takes the mode (UCRT: EBADF), _O_BINARY "                            \
    "resets the Unicode mode, _dup and _dup2 do not copy it, a previous "      \
    "_O_U8TEXT is reported as _O_WTEXT; UCRT calls the handler, keeps and "    \
    "copies the Unicode mode and reports _O_U8TEXT "                           \
    "(Wine dlls/msvcrt/file.c _setmode; UCRT lowio/setmode.cpp; found by a "   \
    "start-up probe; docs/wine.md#text-modes)")                                \
  X(WINE_READ_EOF_STICKY, 0x400, "wine",                                       \
    "a _read that gets 0 bytes at the end of a file sets the descriptor's "    \
    "end-of-file flag, and its later _read calls return 0 without reading "    \
    "until a _lseek; Windows sets that flag at a Ctrl+Z in text mode only "    \
    "(Wine dlls/msvcrt/file.c read_i; UCRT lowio/read.cpp; found by a "        \
    "start-up probe; docs/wine.md#read-eof)")                                  \
  X(WINE_VALIDDATA_NO_PRIVILEGE, 0x8000, "wine",                               \
    "SetFileValidData on a handle with write access does not ask for the "     \
    "SE_MANAGE_VOLUME_NAME privilege: a length of 0 or less, or past the "     \
    "file's size, fails ERROR_INVALID_PARAMETER and any other succeeds; "      \
    "Windows fails ERROR_PRIVILEGE_NOT_HELD (Wine dlls/kernel32/tests/"        \
    "file.c test_SetFileValidData, todo_wine; docs/wine.md#validdata; "        \
    "corpus/conformance/wine/win32/setfilevaliddata-access.trace)")            \
  /* issue 20, Win32 SOCKETs (docs/wine.md#closesocket-list) */                \
  X(WINE_CLOSESOCKET_LIST, 0x10000, "wine",                                    \
    "closesocket looks the value up in ws2_32's own list of the sockets it "   \
    "made, not in the handle table: after CloseHandle (or the C runtime's "    \
    "_close) closed a socket's handle, closesocket of the value returns 0, "   \
    "closing whatever handle the value names by then; Windows fails it "       \
    "WSAENOTSOCK (Wine dlls/ws2_32/socket.c closesocket, socket_list_remove; " \
    "found by a start-up probe, corpus/win32-sock/closehandle-on-socket."      \
    "trace)")                                                                  \
  X(WINE_DUPHANDLE_NOT_SOCKET, 0x20000, "wine",                                \
    "a DuplicateHandle copy of a SOCKET is not a socket to ws2_32: send and "  \
    "closesocket of it fail WSAENOTSOCK (it is not in ws2_32's list), though " \
    "it names the same socket and CloseHandle of it closes that; Microsoft "   \
    "documents only that winsock may not recognize it (Wine "                  \
    "dlls/ws2_32/socket.c WSASendTo, socket_list_find; found by a start-up "   \
    "probe, corpus/win32-sock/duphandle-on-socket.trace)")                     \
  X(WINE_SEND_UNCONNECTED_RESET, 0x40000, "wine",                              \
    "send on a socket that was never connected fails WSAECONNRESET; "          \
    "Microsoft's send page gives WSAENOTCONN (recv gives WSAENOTCONN under "   \
    "Wine too; found by a start-up probe, "                                    \
    "corpus/win32-sock/unconnected-socket.trace; "                             \
    "docs/wine.md#send-unconnected)")                                          \
  /* issue 20, Windows anonymous pipes (docs/wine.md#pipe-seek) */             \
  X(WINE_PIPE_SEEK_FAILS, 0x100000, "wine",                                    \
    "SetFilePointerEx on an end of an anonymous pipe fails: "                  \
    "ERROR_BAD_DEV_TYPE for FILE_BEGIN, ERROR_INVALID_FUNCTION for "           \
    "FILE_CURRENT and FILE_END (EINVAL, as the C runtime maps both; a "        \
    "negative FILE_BEGIN is ERROR_NEGATIVE_SEEK first), and _lseek over one "  \
    "with them; Microsoft says the call is not for a pipe, and on Windows "    \
    "it succeeds there (gnulib lib/lseek.c: \"mingw lseek mistakenly "         \
    "succeeds on pipes\"), a result the model does not predict (Wine "         \
    "dlls/kernelbase/file.c SetFilePointerEx; found by a start-up probe; "     \
    "docs/wine.md#pipe-seek; "                                                 \
    "corpus/conformance/wine/pipe/pipe-seek-fails.trace)")                     \
  X(WINE_PIPE_NO_DATA_FIRST, 0x200000, "wine",                                 \
    "WriteFile to an anonymous pipe whose read end is closed fails "           \
    "ERROR_NO_DATA the first time too; Windows gives ERROR_BROKEN_PIPE to "    \
    "the first such write and ERROR_NO_DATA after it (git/git commit "         \
    "b2f5e268, write_or_die.c; Wine server/named_pipe.c pipe_end_write). "     \
    "Both are EPIPE to the model, which predicts the same on both; the raw "   \
    "code differs (found by a start-up probe; docs/wine.md#pipes; "            \
    "corpus/conformance/wine/pipe/closehandle-other-end.trace)")
enum co_quirk {
#define CO__Q_ENUM(id, bit, profile, text) CO_QUIRK_##id = bit,
  CO_QUIRK_LIST(CO__Q_ENUM)
#undef CO__Q_ENUM
};
/* Print the quirks in mask, one "  - profile: text" line each. */
void co_quirks_print(unsigned mask, FILE *out);

/* The trace's files, as the backend probed them where it makes them (its
 * files(); all zero: not known, holes -1). */
struct co_files {
  /* docs/posix.md#blocks: block, the unit of an offset's whole blocks
   * (co_op.blk), and where the file system puts holes: holes 1, in blocks
   * of exactly that size (written blocks are data, the others holes); 0,
   * none (the file is data up to its end); -1, not known (SEEK_DATA and
   * SEEK_HOLE on a file with a gap: any offset). block 0:
   * CO_BLOCK_DEFAULT, holes not known. */
  int64_t block;
  int holes;
  /* docs/posix.md#reopen: tmpfile 1 if an open with write access makes
   * an unnamed file (O_TMPFILE: F_CREATED_QUERY 0; otherwise a named
   * create, 1); created_query 1 if the kernel has F_CREATED_QUERY (else
   * EINVAL); reopen 1 if a file can be opened again by its /proc name
   * (else ENOSYS); dac_override 1 if the caller may open a file whatever
   * its mode says (CAP_DAC_OVERRIDE; else the owner's bits decide) */
  int tmpfile, created_query, reopen, dac_override;
  /* docs/posix.md#pipes: a new pipe's buffers (F_GETPIPE_SZ / the page)
   * and the page a buffer holds, as the backend found them; 0: the Linux
   * defaults (16 of 4096 bytes) */
  int pipe_bufs, pipe_page;
  /* docs/win32.md#pipes: the buffer of a pipe CreatePipe makes with nSize
   * 0, in bytes, as the backend found it; 0: 4096 */
  int pipe_default;
  /* docs/posix.md#socket-capacity: a new AF_UNIX socket's send buffer
   * (SO_SNDBUF), as the backend found it; 0: the Linux default, 212992 */
  int sock_sndbuf;
  /* evdir (docs/posix.md#eventfd-write): efd_exact 1 if an eventfd's
   * write takes exactly 8 bytes (Linux 6.9 on; before, 8 or more), as a
   * start-up probe found; dir_mode the permission bits of the private
   * directory (opendir's fstat); epwait_fd_first 1 if epoll_wait looks
   * the descriptor up before it checks maxevents (EBADF before EINVAL:
   * Linux 6.15 on, docs/posix.md#epoll-wait) */
  int efd_exact, epwait_fd_first;
  unsigned dir_mode;
};
#define CO_BLOCK_DEFAULT 4096

struct co_model_config {
  const int64_t *foreign; /* sorted ascending, no duplicates */
  size_t nforeign;
  int64_t limit;   /* RLIMIT_NOFILE soft limit; the handle limit on Win32 */
  int platform;    /* enum co_platform */
  unsigned quirks; /* CO_QUIRK_* */
  /* Numbered layers (the C runtime's descriptors): the numbers in use when
   * the trace starts, sorted, all below CO_OBJNUMS. */
  const int64_t *objforeign;
  size_t nobjforeign;
  /* A paged layer (a descriptor pager): its window size (0: none) and
   * watermark. Watermark 0: the CO_PAGER_LOW-th number free at the start
   * (POSIX; Win32: the CO_PAGER_LOW_WIN32-th free C-runtime number), so that a
   * trace can fill the window range. */
  unsigned window;
  int64_t watermark;
  /* The hard descriptor limit (RLIMIT_NOFILE hard), setlimit's bound;
   * 0: none known (any soft limit is accepted). */
  int64_t hard_limit;
  /* The trace's files, as the backend found them (struct co_files). */
  struct co_files files;
  /* The trace owns the process's standard descriptors 0-2 and (Win32) its
   * standard handles, which start NULL (--free-std: the executor parked
   * them): getstd, setstd and closestd run only then. */
  int own_std;
  /* Issue 22: the descriptor table is shared by other threads of the
   * process (a parallel trace's, docs/threads.md#unshare). A close_range
   * with CLOSE_RANGE_UNSHARE would then give its caller a table of its
   * own, which the model does not follow: it is refused (not run). */
  int threads_share;
};

/* Where traces put a pager's watermark by default (see above). On Win32
 * the C-runtime numbers are taken by objects only (8 slots), so the range
 * is smaller there, for a trace to fill it. */
#define CO_PAGER_LOW 8
#define CO_PAGER_LOW_WIN32 3
/* The pager's watermark for the current trace, -1 if no window. */
int64_t co_model_watermark(const struct co_model *m);

/* Numbers of numbered layers are predicted below this (the model has 8
 * objects; the rest were in use at the start). */
#define CO_OBJNUMS 256

/* The numbers of a platform: every stride-th value, from first. */
int64_t co_platform_stride(int platform);

/* An operation with its references resolved to numbers. */
struct co_call {
  uint8_t kind, flags; /* as in struct co_op */
  int64_t a, b;        /* the resolved references (a: 1st, b: 2nd) */
  int32_t n;           /* the integer argument */
  int64_t hint; /* Win32: the value the platform returned for a new handle
                   (the model binds it), -1 if none; an ownership-first
                   entry (CO_IO_AS_RUN): the descriptor its OPEN made */
  /* an ownership-first entry, issued before the model steps: what the
   * library returned (the model follows that path); else NULL */
  const struct co_outcome *real;
  int64_t hint2; /* Win32: a second new handle's value (a pipe's write end,
                    docs/win32.md#pipes), -1 if none */
  /* issue 21: a fault the trace armed fired inside the library during this
   * layer call (harness/ipose.h); with real set, the model follows the
   * path the library took, as for an ownership-first entry
   * (docs/faults.md#model) */
  uint8_t faulted;
};

/* The observable result of one call. */
struct co_outcome {
  int64_t ret; /* return value; -1 on failure for every POSIX call */
  int err;     /* enum co_err; CO_OK on success */
  int raw;     /* the platform's code (errno); the model leaves it 0 */
  /* What a call returned besides ret: read, the digest of the bytes
   * (co_bytes_digest); fstat, its fields packed (CO_STAT_*); getfl,
   * CO_GETFL_NONBLOCK if O_NONBLOCK is set. 0 for every other call. dmask: in a
   * prediction, the bits of data the model knows (the executor compares those);
   * 0 compares nothing. */
  uint64_t data, dmask;
};

/* The bytes a built-in write puts in a file: byte i of every write is
 * CO_WRITE_BYTE(i) ("abc...z" repeated), so a read shows which write put
 * its bytes there and at what offset in it. The POSIX backend writes them;
 * the model predicts reads from them. */
#define CO_WRITE_BYTE(i) ((uint8_t)('a' + (i) % 26))
/* The digest of the bytes a read returned (64-bit FNV-1a), which the
 * backend reports and the model predicts (data of a read). */
static inline uint64_t co_bytes_digest(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}
/* getfl's data: the description has O_NONBLOCK (docs/posix.md#nonblock) */
#define CO_GETFL_NONBLOCK 0x1
/* fstat's fields as data: st_mode's permission bits (07777), its type
 * (st_mode >> 12: 8 a regular file), st_nlink (capped at 255), st_size
 * (capped at 2^40 - 1). docs/posix.md#fstat. */
#define CO_STAT_PERM_SHIFT 0
#define CO_STAT_TYPE_SHIFT 12
#define CO_STAT_NLINK_SHIFT 16
#define CO_STAT_SIZE_SHIFT 24
#define CO_STAT_SIZE_MASK (((uint64_t)1 << 40) - 1)
static inline uint64_t co_stat_pack(unsigned mode, uint64_t nlink,
                                    uint64_t size) {
  return (uint64_t)(mode & 07777) << CO_STAT_PERM_SHIFT |
         (uint64_t)((mode >> 12) & 0xf) << CO_STAT_TYPE_SHIFT |
         (uint64_t)(nlink > 255 ? 255 : nlink) << CO_STAT_NLINK_SHIFT |
         (size > CO_STAT_SIZE_MASK ? CO_STAT_SIZE_MASK : size)
             << CO_STAT_SIZE_SHIFT;
}

/* A predicted ret that the model cannot know (an offset after a layer's
 * opaque I/O): any value >= 0 matches. */
#define CO_RET_ANY INT64_MIN

/* epoll_wait's data (evdir, docs/posix.md#epoll-wait): each event as
 * (the number its data holds) << 32 | its CO_EPOLL_* bits, the keys sorted
 * (the kernel's order is its ready list's), then digested. The backend
 * and the model both call this; it sorts keys in place. */
#define CO_EPOLL_IN 0x1
#define CO_EPOLL_OUT 0x2
#define CO_EPOLL_ERR 0x4
#define CO_EPOLL_HUP 0x8
uint64_t co_epoll_digest(uint64_t *keys, size_t n);

/* Who acts, or owns: the client (the trace's own code) or object oK. */
#define CO_PARTY_CLIENT (-1)
#define CO_PARTY_NONE (-2)

/* An ownership event found by the model at a step. */
enum co_evkind { CO_EV_VIOLATION, CO_EV_INVALID_HANDLE };
enum co_evwhy {
  CO_WHY_STALE,       /* acts on a handle that has been closed */
  CO_WHY_REUSED,      /* acts on a number now holding someone else's handle */
  CO_WHY_OWNED,       /* closes or replaces a handle another party owns */
  CO_WHY_ADOPT,       /* takes ownership of a handle another party owns */
  CO_WHY_NOT_OPEN,    /* hands over a number that is not open */
  CO_WHY_DEAD_OBJ,    /* uses an object that was freed or never made */
  CO_WHY_OVERWRITE,   /* binds a new object over a live one (loses it) */
  CO_WHY_WRONG_LAYER, /* calls an entry on another layer's object */
  CO_WHY_GONE,        /* its own handle was closed by someone else: EBADF */
  CO_WHY_LOST,        /* acts through a numbered object's number, freed or
                         given to another object under it (not run) */
  CO_WHY_RETURNED,    /* uses a pager's window descriptor after returning it
                         (vput): the lending rule */
  /* Win32 SOCKETs (docs/win32.md#socket-misuse): a HANDLE call on one */
  CO_WHY_SOCK_CLOSEHANDLE, /* closes a SOCKET with CloseHandle, not
                              closesocket */
  CO_WHY_SOCK_DUPHANDLE,   /* duplicates a SOCKET with DuplicateHandle, not
                              WSADuplicateSocket */
  CO_WHY_SOCK_CRT,         /* hands a SOCKET to the C runtime
                              (_open_osfhandle), whose _close closes it
                              with CloseHandle */
  /* libs (issue 20): hands a layer a descriptor of a kind its entry does
   * not accept (contract.h CO_CHK_SOCKET, CO_CHK_WANTS_SOCKET) */
  CO_WHY_KIND,
  CO_WHY_EPOLL_STALE /* evdir: epoll_wait reports an event whose data names
                        a number that is closed or holds another open file
                        description now: the registration outlived the
                        number (docs/posix.md#epoll-stale) */
};
struct co_event {
  uint8_t kind;    /* enum co_evkind */
  uint8_t why;     /* enum co_evwhy */
  int8_t actor;    /* CO_PARTY_CLIENT or the object slot */
  int8_t owner;    /* the party owning num now, CO_PARTY_NONE if nobody */
  int8_t client;   /* 1: the client's move caused it (contract mode skips) */
  int64_t num;     /* the descriptor concerned, -1 if none */
  int8_t slot;     /* the slot or object operand named, -1 if none */
  int8_t objslot;  /* 1: slot names an object operand oK, not a slot sK */
  int8_t platform; /* enum co_platform of the model that raised it: how
                      co_event_format names num (closeonce/error.h) */
};
/* One line describing an event: "client closes descriptor 5 (s1), owned by
 * o0". */
int co_event_format(const struct co_event *ev, char *buf, size_t cap);

/* What an operation may have changed, for the executor to observe.
 * num[]: numbers whose validity and flags may have changed; sweep: any
 * number may have (close_range); refused: the operation was not issued
 * (its outcome is CO_REFUSED): it names a foreign descriptor (no reference
 * can produce one, so this is a guard, never expected), a freed object or
 * a live one it would lose, or a field out of range.
 *
 * The arrays hold what one operation can produce. Touches: at most 2 (a
 * page-in that evicts: the victim's window copy and the new one; a pager's
 * close: the window copy and the parked descriptor; _dup2: the duplicate
 * and the old handle). Events: a close_range raises one for every
 * descriptor in its range another party owns, and objects own at most two
 * each (their own and a pager's window copy); any other operation raises
 * at most 2. overflow: something did not fit (a model bug, never
 * expected); the executor reports it instead of losing it silently. */
#define CO_TOUCH_MAX 3
#define CO_EVENTS_MAX (2 * CO_OBJS)
struct co_aftermath {
  int n, sweep, refused, overflow;
  /* refused because the call would block: 1 it would wait (a read of an
   * empty pipe or socket with a writer, a write that does not fit, on a
   * description without O_NONBLOCK); 2 whether it fits is past what the
   * model knows (a socket's buffer, docs/posix.md#blocking); 3 a read of
   * bytes an opaque layer wrote, how many not known (libs,
   * docs/posix.md#layer-kinds) */
  int blocks;
  int64_t num[CO_TOUCH_MAX];
  /* pairs that must name the same open file description after the step */
  int64_t same_a, same_b; /* -1 when none */
  int64_t offset_num;     /* a number whose offset to observe, -1 none */
  /* same_a and same_b must be the same file (st_dev and st_ino: fstat),
   * not the same description */
  int same_file;
  int actor; /* CO_PARTY_CLIENT or the object acted through */
  int obj;   /* the object whose handle to observe, -1 none */
  int nev;
  struct co_event ev[CO_EVENTS_MAX];
};

/* The model's view of one descriptor number. */
struct co_fdstate {
  int live;
  int cloexec;
  int32_t ofd;    /* open file description id, stable within a trace */
  int64_t rep;    /* the lowest live number on the same description */
  int64_t offset; /* the description's offset */
  int acc;        /* CO_F_ACC_* */
  int append;     /* O_APPEND on the description */
  int protect;    /* Win32 HANDLE_FLAG_PROTECT_FROM_CLOSE */
  /* Win32: the handle's granted access, CO_ACC_* bits with the generic
   * rights mapped (GENERIC_READ also sets CO_ACC_READ_DATA, GENERIC_WRITE
   * CO_ACC_WRITE_DATA and CO_ACC_APPEND_DATA; docs/win32.md#access) */
  int access;
  int process; /* Win32: a handle on the process (a duplicate of
                  GetCurrentProcess()), not a file */
};

/* Situations an operand can be in; part of a model transition. */
enum co_sit {
  CO_SIT_UNSET,  /* a slot never bound (resolves to -1) */
  CO_SIT_LIVE,   /* a slot whose number is live and still its own */
  CO_SIT_STALE,  /* a slot whose number has been closed */
  CO_SIT_REUSED, /* a slot whose number was closed and given to another */
  CO_SIT_FREE,   /* a free-number reference, not live now */
  CO_SIT_FREE_LIVE,
  CO_SIT_NEG,
  CO_SIT_LIMIT,
  CO_SIT_COUNT
};

/* The ownership events op would raise now, without applying it. Returns
 * the number written (at most CO_EVENTS_MAX; ev must hold that many). */
int co_model_events(const struct co_model *m, const struct co_op *op,
                    const struct co_call *call, struct co_event *ev /* OUT */);
/* The party owning num now: an object that holds and owns it, else the
 * client if it is open, else CO_PARTY_NONE. */
int co_model_owner(const struct co_model *m, int64_t num);

/* The model's view of object slot k. */
struct co_objstate {
  int live;
  int owns;            /* closes its descriptor when closed */
  int64_t num;         /* the descriptor number it holds */
  int num_valid;       /* that number is still the one it took (not closed or
                          reused since) */
  unsigned entry_base; /* id of its adapter's first entry */
  int inner;           /* a wrapper: the live object it wraps, else -1 */
  int wraps;           /* 1: a wrapper (even when what it wrapped is gone) */
  int64_t number;      /* numbered layers: its number (a wrapper: its
                          inner's), else -1 */
  int lost;            /* live, but that number was closed under it */
  /* Paged layers: the window descriptor paged in (-1: paged out), its
   * number in the C runtime's table on Win32 (else = window), and the
   * pins (lends not yet returned). */
  int64_t window, window_number;
  int pins;
  /* issue 21: the window descriptor paged in is still the one the object
   * made (not closed, or reused, under it since) */
  int window_valid;
};
void co_model_obj(const struct co_model *m, unsigned k,
                  struct co_objstate *out /* OUT */);

/* Why the model refuses call c on a loopback TCP socket, in words (it
 * would block, or its outcome is the kernel's timing's), or NULL when
 * that is not why (docs/posix.md#tcp). */
const char *co_model_refusal(const struct co_model *m, const struct co_call *c);

/* Allocate a model; NULL on ENOMEM. */
struct co_model *co_model_new(void);
void co_model_free(struct co_model *m);

/* Start a trace from the given platform state. Returns 0, or -1 on ENOMEM.
 * The foreign array is copied. */
int co_model_begin(struct co_model *m, const struct co_model_config *cfg);

/* Resolve op's references against the current slots. */
void co_model_resolve(const struct co_model *m, const struct co_op *op,
                      struct co_call *out /* OUT */);

/* 1 if op must not be issued to the platform (it names a foreign number,
 * would use a freed object or lose a live one, has a field out of range,
 * or call is of another kind than op); co_model_step then predicts it refused
 * (CO_REFUSED). For backends that call before the model steps. */
int co_model_refuses(const struct co_model *m, const struct co_op *op,
                     const struct co_call *call);

/* One step's prediction in two halves, so that what the executor needs
 * before it issues a call (is the call refused, is it the client's
 * mistake) is computed once, from the step as resolved (co_step_of):
 * co_model_prepare reads the model and writes eff's events, its refusal
 * and its overflow flag; co_model_apply then predicts the outcome and
 * applies the step, with those events. Nothing may change the model in
 * between (the platform may be called: Win32 backends issue first and
 * set call->hint). s, call and p must stay valid until co_model_apply
 * returns. co_model_step is the two in one. */
struct co_model_prep {
  const struct co_step *step;
  const struct co_call *call;
  int valid;          /* every field in range */
  int client;         /* one of the events is the client's move */
  enum co_sit sa, sb; /* the operands' situations before the step */
};
void co_model_prepare(const struct co_model *m, const struct co_step *s,
                      const struct co_call *call,
                      struct co_model_prep *p /* OUT */,
                      struct co_aftermath *eff /* OUT */);
unsigned co_model_apply(struct co_model *m, const struct co_model_prep *p,
                        struct co_outcome *pred /* OUT */,
                        struct co_aftermath *eff /* IN/OUT */);

/* Predict and apply one operation. *pred and *eff are always written.
 * Any op and call are safe: fields out of range are refused, never used
 * as indexes.
 * Returns the transition id (for coverage), always < co_model_transition_max.
 */
unsigned co_model_step(struct co_model *m, const struct co_op *op,
                       const struct co_call *call,
                       struct co_outcome *pred /* OUT */,
                       struct co_aftermath *eff /* OUT */);
extern const unsigned co_model_transition_max;

/* State of number num (any value; out of range is reported not live). */
void co_model_fd(const struct co_model *m, int64_t num,
                 struct co_fdstate *out /* OUT */);
/* The lowest live number on the same open file description as num (num
 * itself if it is the lowest), or -1 if num is not live. O(numbers). */
int64_t co_model_rep(const struct co_model *m, int64_t num);
/* The file live number num is on (an index stable within a trace: two
 * numbers name one file exactly when it is the same; a reopen or a Win32
 * reopenfile is on its original's file), or -1 if num is not live. */
int32_t co_model_file_of(const struct co_model *m, int64_t num);
/* 1 if live number num is on a device (Win32 opendev), not a file. */
int co_model_is_device(const struct co_model *m, int64_t num);
/* num is live and an end of a pipe (docs/win32.md#pipes). */
int co_model_is_pipe(const struct co_model *m, int64_t num);
/* num is live and an end of a pipe or a socket (bytes queue there). */
int co_model_is_channel(const struct co_model *m, int64_t num);
/* evdir: why the model does not issue call c, a built-in operation on a
 * directory, an eventfd or an epoll descriptor ("would block: ..."), or
 * NULL if that is not why (docs/posix.md#evdir-refused). */
const char *co_model_kind_refusal(const struct co_model *m,
                                  const struct co_call *c);
/* The lowest live number > after, or -1. */
int64_t co_model_next_live(const struct co_model *m, int64_t after);
/* The highest number that was live at any point of this trace, or -1. */
int64_t co_model_high(const struct co_model *m);
/* The k-th number that was free at the start (k >= 0), or -1 if that is not
 * below the limit. */
int64_t co_model_free_number(const struct co_model *m, unsigned k);
/* 1 if num was open when the trace started. */
int co_model_is_foreign(const struct co_model *m, int64_t num);
/* The situation of a reference now. */
enum co_sit co_model_sit(const struct co_model *m, struct co_ref r);
const char *co_sit_name(enum co_sit s);
/* The bytes at offset off of the file live number num is on, as the model
 * has them (what writes put there): at most n into buf. Returns how many
 * (0 past the end), or -1 if num is not live or the model does not know
 * them. */
long co_model_file_bytes(const struct co_model *m, int64_t num, int64_t off,
                         uint8_t *buf /* OUT */, size_t n);
/* The bytes the last layer read (a C-runtime _read or fread), or the last
 * read of a pipe or a socket (docs/posix.md#pipes), returned, as
 * the model has them (the executor compared their digest): copies at most
 * cap into buf; returns their count, -1 if the model does not know them. */
long co_model_last_read(const struct co_model *m, uint8_t *buf, size_t cap);
/* Current number of a slot, -1 if unset. */
int64_t co_model_slot(const struct co_model *m, unsigned slot);

#endif
