/*
 * closeonce: traces, the programs that the model and a backend run in
 * lockstep.
 *
 * A trace is a sequence of operations on numbered slots (s0..s15), never on
 * raw descriptor values. A slot is a variable of the traced program: an
 * operation that creates a handle binds its result to a slot, and later
 * operations name the slot. After a close the slot keeps its number (it is
 * stale), so a trace can misuse a handle exactly as a buggy program does.
 *
 * Operands that name a number are references (struct co_ref): a slot's
 * current number, the k-th number that was free when the trace started
 * ("fk"), the first number free at the start at or above a boundary
 * ("f>=1024", CO_REF_AT), -1, or the descriptor limit. No reference can name a
 * descriptor that the harness or the fuzz engine owns.
 *
 * Two forms, one meaning:
 *  - binary (fuzzer input): 4 bytes an operation; total (every byte string
 *    decodes), a truncated tail ends the trace, a record whose first byte is
 *    zero is skipped, so all-zero input is the empty trace and zeroing a
 *    record deletes it; changing one byte changes one operation. The first
 *    byte picks the operation in the target's opset; an opset of more than
 *    255 operations also uses the top bits of the fourth byte of a call
 *    (harness/trace.c), so every opset round-trips.
 *  - text (corpus, reports, reproducers): one operation a line, '#' starts a
 *    comment; co_trace_print() output parses back to the same trace.
 *
 * The operation list is one X-macro, CO_OP_LIST; the decoder, the printer,
 * the parser, the generator, the model and every backend use it. CO_OP_CALL
 * is the call of an owner layer's entry point (closeonce/contract.h); its
 * text is the entry's own name and its shape follows the entry's effect.
 */
#ifndef CLOSEONCE_TRACE_H
#define CLOSEONCE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CO_SLOTS 16     /* s0..s15 */
#define CO_OBJS 8       /* o0..o7: objects of owner layers */
#define CO_FREE_REFS 32 /* #0..#31 */
#define CO_MAX_OPS 4096 /* a longer trace is truncated by the decoders */
#define CO_THREADS 4    /* t1..t4: the threads of a parallel trace */

/* Kinds of the integer argument of an operation. */
enum co_argkind {
  CO_ARG_NONE,
  CO_ARG_COUNT,  /* 0..255: a byte count */
  CO_ARG_OFFSET, /* -128..127: a signed offset, plus op.blk whole blocks */
  CO_ARG_MODE,   /* 0..0777: permission bits, octal in text ("0444"); in
                    binary the fourth byte and bit 0 of the flags (0400) */
  CO_ARG_ACCESS, /* 0..31: a Win32 access mask, CO_ACC_* bits */
  CO_ARG_FAULT   /* fail: the error and the count (co_fault_of) */
};

/* Whole blocks in an offset (lseek, lseek_ext, ftruncate): the offset is
 * blk * the block of the trace's files + n, blk 0..CO_BLK_MAX. The block
 * is the file system's hole granularity, probed where the backend makes
 * its files (docs/posix.md#blocks); text "10b-1" is blk 10, n -1. */
#define CO_BLK_MAX 31

/*
 * X(ID, text name, binds a slot (2: two slots), number of references,
 *   argument kind, flag vocabulary)
 *
 * The flag vocabularies are defined in harness/trace.c; each word is a
 * (mask, value) pair on the operation's 4-bit flags field.
 */
#define CO_OP_LIST(X)                                                          \
  X(OPEN, "open", 1, 0, CO_ARG_NONE, open)                                     \
  X(DUP, "dup", 1, 1, CO_ARG_NONE, none)                                       \
  X(DUP2, "dup2", 1, 2, CO_ARG_NONE, none)                                     \
  X(DUP3, "dup3", 1, 2, CO_ARG_NONE, dup3)                                     \
  X(DUPFD, "dupfd", 1, 2, CO_ARG_NONE, cloexec)                                \
  X(GETFD, "getfd", 0, 1, CO_ARG_NONE, none)                                   \
  X(SETFD, "setfd", 0, 1, CO_ARG_NONE, cloexec)                                \
  X(GETFL, "getfl", 0, 1, CO_ARG_NONE, none)                                   \
  X(SETFL, "setfl", 0, 1, CO_ARG_NONE, setfl)                                  \
  X(CLOSE, "close", 0, 1, CO_ARG_NONE, none)                                   \
  X(CLOSE_RANGE, "close_range", 0, 2, CO_ARG_NONE, crange)                     \
  X(WRITE, "write", 0, 1, CO_ARG_COUNT, none)                                  \
  X(LSEEK, "lseek", 0, 1, CO_ARG_OFFSET, whence)                               \
  X(DUP_CLOSE, "dup_close", 1, 1, CO_ARG_NONE, duph)                           \
  X(SETPROTECT, "setprotect", 0, 1, CO_ARG_NONE, protect)                      \
  X(DUPH, "duphandle", 1, 1, CO_ARG_NONE, duph)                                \
  X(READ, "read", 0, 1, CO_ARG_COUNT, none)                                    \
  X(FSTAT, "fstat", 0, 1, CO_ARG_NONE, none)                                   \
  X(LSEEK_EXT, "lseek_ext", 0, 1, CO_ARG_OFFSET, seekext)                      \
  X(CALL, "call", 0, 0, CO_ARG_NONE, none)                                     \
  X(SETLIMIT, "setlimit", 0, 1, CO_ARG_NONE, none) /* soft RLIMIT_NOFILE */    \
  X(FTRUNCATE, "ftruncate", 0, 1, CO_ARG_OFFSET, none)                         \
  X(FCHMOD, "fchmod", 0, 1, CO_ARG_MODE, none)                                 \
  X(REOPEN, "reopen", 1, 1, CO_ARG_NONE, open) /* the file, by name */         \
  X(CREATED_QUERY, "created_query", 0, 1, CO_ARG_NONE, none)                   \
  X(THREAD, "thread", 0, 0, CO_ARG_NONE, party) /* who runs what follows */    \
  X(OPEN_ACCESS, "open_access", 1, 0, CO_ARG_ACCESS, noinherit)                \
  X(DUPH_ACCESS, "duphandle_access", 1, 1, CO_ARG_ACCESS, duph)                \
  X(GETSTD, "getstd", 0, 0, CO_ARG_NONE, std)                                  \
  X(SETSTD, "setstd", 0, 1, CO_ARG_NONE, std)                                  \
  X(CLOSESTD, "closestd", 0, 0, CO_ARG_NONE, std)                              \
  X(EXITCODE, "exitcode", 0, 1, CO_ARG_NONE, hval)                             \
  X(REOPENFILE, "reopenfile", 1, 1, CO_ARG_COUNT, reopenfile) /* Win32 */      \
  X(SETVALID, "setvaliddata", 0, 1, CO_ARG_OFFSET, none)                       \
  X(FILETYPE, "filetype", 0, 1, CO_ARG_NONE, none)                             \
  X(OPENDEV, "opendev", 1, 0, CO_ARG_NONE, dev)                                \
  /* issue 20, pipes and socketpairs (docs/posix.md#pipes): two slots */       \
  X(PIPE, "pipe", 2, 0, CO_ARG_NONE, none)                                     \
  X(PIPE2, "pipe2", 2, 0, CO_ARG_NONE, pipe2)                                  \
  X(SOCKETPAIR, "socketpair", 2, 0, CO_ARG_NONE, sockpair)                     \
  X(SHUTDOWN, "shutdown", 0, 1, CO_ARG_NONE, shut)                             \
  /* issue 20, Win32 SOCKETs (winsock; docs/win32.md#sockets) */               \
  X(TCP_CONNECT, "tcp_connect", 1, 0, CO_ARG_NONE, none)                       \
  X(TCP_ACCEPT, "tcp_accept", 1, 0, CO_ARG_NONE, none)                         \
  X(SOCKET, "socket", 1, 0, CO_ARG_NONE, noinherit)                            \
  X(CLOSESOCKET, "closesocket", 0, 1, CO_ARG_NONE, none)                       \
  X(SEND, "send", 0, 1, CO_ARG_COUNT, none)                                    \
  X(RECV, "recv", 0, 1, CO_ARG_COUNT, none)                                    \
  X(WSADUP, "wsadup", 1, 1, CO_ARG_NONE, none)                                 \
  /* issue 20, Windows anonymous pipes (docs/win32.md#pipes): CreatePipe */    \
  X(CREATEPIPE, "createpipe", 2, 0, CO_ARG_COUNT, noinherit)                   \
  /* issue 20, loopback TCP (docs/posix.md#tcp) */                             \
  X(LISTEN, "listen", 1, 0, CO_ARG_COUNT, listen)                              \
  X(CONNECT, "connect", 1, 1, CO_ARG_NONE, connect)                            \
  X(ACCEPT, "accept", 1, 1, CO_ARG_NONE, none)                                 \
  X(ACCEPT4, "accept4", 1, 1, CO_ARG_NONE, accept4)                            \
  /* evdir (issue 20): directories, eventfd, epoll; Linux only */              \
  X(OPENDIR, "opendir", 1, 0, CO_ARG_NONE, open)                               \
  X(EVENTFD, "eventfd", 1, 0, CO_ARG_COUNT, eventfd)                           \
  X(EPOLL_CREATE, "epoll_create1", 1, 0, CO_ARG_NONE, cloexec)                 \
  X(EPOLL_CTL, "epoll_ctl", 0, 2, CO_ARG_NONE, epctl)                          \
  X(EPOLL_WAIT, "epoll_wait", 0, 1, CO_ARG_COUNT, none)                        \
  /* issue 21: a fault inside the library (docs/faults.md#fail) */             \
  X(FAIL, "fail", 0, 0, CO_ARG_FAULT, none)

/*
 * pipe and pipe2 bind two slots, the read end and then the write end, as
 * `int fd[2]; pipe2(fd, flags)` fills fd[0] and fd[1]:
 *   s0 s1 = pipe
 *   s2 s3 = pipe2 nonblock cloexec
 * The first slot is op.dst, the second op.dst2 (the same slot twice is
 * legal: it ends holding the write end, the read end unheld). On failure
 * both slots take -1. The outcome's ret is the read end's number and its
 * data the write end's (the model predicts both). Binary form: the first
 * byte the kind, the second the first slot (low 4 bits) and the flags
 * (high 4), the third the second slot (low 4 bits; the high ones are
 * ignored), the fourth ignored. pipe2's flags: bit 0 O_NONBLOCK ("nonblock"),
 * bit 1 O_CLOEXEC ("cloexec"), bit 2 a flag pipe2 does not take
 * ("badflags": O_APPEND, EINVAL). docs/posix.md#pipes.
 */
#define CO_F_PIPE_NONBLOCK 0x1
#define CO_F_PIPE_CLOEXEC 0x2
#define CO_F_PIPE_BAD 0x4
/*
 * Win32 (docs/win32.md#pipes): `pipe` is CreatePipe with bInheritHandle
 * TRUE and nSize 0, and pipe2 is not in the win32 opset;
 *   s0 s1 = createpipe N [noinherit]
 * is CreatePipe with nSize N (the count argument, 0-255; 0: the default)
 * and bInheritHandle FALSE with noinherit. Both bind as pipe does; the
 * binary form is pipe's, with N in the fourth byte.
 */
/*
 * socketpair binds two slots as pipe does, the two ends of an AF_UNIX
 * pair (sv[0], sv[1]), each reading what the other writes:
 *   s0 s1 = socketpair stream nonblock cloexec
 *   s2 s3 = socketpair dgram
 * Its flags: bits 0-1 the type ("stream" SOCK_STREAM, "dgram" SOCK_DGRAM),
 * bit 2 SOCK_NONBLOCK ("nonblock"), bit 3 SOCK_CLOEXEC ("cloexec").
 * shutdown sK rd|wr|rdwr|badhow: shutdown(2) with SHUT_RD, SHUT_WR,
 * SHUT_RDWR, or 3, which no SHUT_ names (EINVAL); over every socket kind.
 * docs/posix.md#sockets.
 */
#define CO_F_SOCK_TYPE_MASK 0x3
#define CO_F_SOCK_STREAM 0x0
#define CO_F_SOCK_DGRAM 0x1
#define CO_F_SOCK_NONBLOCK 0x4
#define CO_F_SOCK_CLOEXEC 0x8
#define CO_F_SHUT_MASK 0x3 /* 0 SHUT_RD, 1 SHUT_WR, 2 SHUT_RDWR, 3 bad */
/*
 * Loopback TCP (Linux; docs/posix.md#tcp). A trace never names an address
 * or a port: the backend binds every listener to 127.0.0.1 port 0 (the
 * kernel picks the port), and connect takes its address from the listener
 * the trace holds (getsockname), so no trace reaches another address.
 *   s0 = listen 2 nonblock cloexec   socket(AF_INET, SOCK_STREAM | flags),
 *                                    bind 127.0.0.1:0, listen(s, 2)
 *   s1 = connect s0 cloexec          a new socket connected to s0's address
 *   s2 = accept s0                   accept(s0, NULL, NULL)
 *   s3 = accept4 s0 nonblock cloexec accept4 with SOCK_NONBLOCK, SOCK_CLOEXEC
 * listen's backlog is 0..7 (the argument, folded). Flags: bit 0
 * SOCK_NONBLOCK ("nonblock"; not connect's: a blocking connect to a
 * loopback listener with room returns at once), bit 1 SOCK_CLOEXEC
 * ("cloexec"), bit 2 a flag accept4 does not take ("badflags": O_APPEND,
 * EINVAL). read, write and shutdown (SHUT_WR; docs/posix.md#tcp-shutdown)
 * take the connected sockets.
 */
#define CO_F_TCP_NONBLOCK 0x1
#define CO_F_TCP_CLOEXEC 0x2
#define CO_F_TCP_BAD 0x4
#define CO_TCP_BACKLOG_MAX 7

/*
 * Win32 SOCKETs (docs/win32.md#sockets). The backend owns a listener on
 * 127.0.0.1, port 0 (made with the backend, never named by a trace):
 *   s0 = tcp_connect   socket(AF_INET, SOCK_STREAM), non-blocking
 *                      (ioctlsocket FIONBIO), connect to the listener
 *   s1 = tcp_accept    accept on the listener (WSAEWOULDBLOCK, EAGAIN, if
 *                      no connection waits), made non-blocking
 *   s2 = socket [noinherit]  socket(), or WSASocketW with
 *                      WSA_FLAG_NO_HANDLE_INHERIT; unconnected
 *   closesocket s0
 *   send s0 N, recv s1 N    N bytes (CO_WRITE_BYTE), non-blocking
 *   s3 = wsadup s0     WSADuplicateSocketW into this process, then
 *                      WSASocketW(FROM_PROTOCOL_INFO, ...,
 *                      WSA_FLAG_NO_HANDLE_INHERIT): the documented copy
 * A SOCKET is a HANDLE value: close, duphandle and the C runtime's
 * _open_osfhandle take one too, and the model flags them (the misuses).
 */

/* evdir (issue 20; docs/posix.md#dirs, #eventfd, #epoll), Linux only:
 *   sK = opendir [rdonly|rdwr|wronly] [cloexec] [append]
 *        open(2) of the backend's private directory with O_DIRECTORY and
 *        open's words (the trace never names a path)
 *   sK = eventfd N [nonblock] [semaphore] [cloexec]
 *        eventfd(N, EFD_*): N (0..255) the counter's first value
 *   sK = epoll_create1 [cloexec]
 *   epoll_ctl sE sF add|del [in] [out]
 *        EPOLL_CTL_ADD or EPOLL_CTL_DEL of sF in sE, events EPOLLIN and
 *        EPOLLOUT as the words say, the event's data the number sF holds
 *   epoll_wait sE N
 *        epoll_wait(sE, events, N, 0): timeout 0, never blocks
 * A write to an eventfd writes the write pattern's first 8 bytes (the
 * counter grows by them read as a host-order uint64_t). */
#define CO_F_EFD_NONBLOCK 0x1
#define CO_F_EFD_SEMAPHORE 0x2
#define CO_F_EFD_CLOEXEC 0x4
#define CO_F_EPCTL_OP 0x9 /* a group: 0 add, 1 del (8, 9 fold to add) */
#define CO_F_EPCTL_DEL 0x1
#define CO_F_EPCTL_IN 0x2
#define CO_F_EPCTL_OUT 0x4

enum co_opkind {
#define CO__OP_ENUM(id, name, binds, nrefs, arg, words) CO_OP_##id,
  CO_OP_LIST(CO__OP_ENUM)
#undef CO__OP_ENUM
      CO_OP_COUNT
};

/* Flag bits (4 bits; meaning depends on the operation). */
#define CO_F_ACC_MASK 0x3 /* open: 0 rdwr, 1 rdonly, 2 wronly */
#define CO_F_ACC_RDWR 0x0
#define CO_F_ACC_RDONLY 0x1
#define CO_F_ACC_WRONLY 0x2
#define CO_F_CLOEXEC 0x4 /* open; dup3, dupfd, setfd, close_range: bit 0 */
#define CO_F_APPEND 0x8  /* open; setfl: bit 0 */
#define CO_F_BIT0 0x1
#define CO_F_BIT1 0x2
#define CO_F_BIT2 0x4
#define CO_F_WHENCE_MASK 0x3 /* lseek: 0 set, 1 cur, 2 end */
/* setfl: bit 0 O_APPEND, bit 1 O_NONBLOCK, bit 2 O_NDELAY (on Linux the
 * same bit as O_NONBLOCK: docs/posix.md#nonblock). getfl's normalized
 * result is CO_F_ACC_* | CO_F_APPEND; O_NONBLOCK is in the outcome's data
 * (CO_GETFL_NONBLOCK, closeonce/model.h). */
/* lseek_ext: the whence values lseek does not take: 0 SEEK_DATA, 1
 * SEEK_HOLE, 2 an invalid whence (SEEK_HOLE + 1), 3 whence 7, 4 whence -1
 * (LTP lseek02's); docs/posix.md#seek-data. Its bit 3 is blk's bit 4. */
#define CO_F_XWHENCE_MASK 0x7
#define CO_F_XWHENCE_DATA 0x0
#define CO_F_XWHENCE_HOLE 0x1
#define CO_F_XWHENCE_BAD 0x2
#define CO_F_XWHENCE_BAD7 0x3
#define CO_F_XWHENCE_BADNEG 0x4
/* close_range: bit 0 cloexec, bit 1 CLOSE_RANGE_UNSHARE, bit 2 a flag the
 * kernel does not define (EINVAL) */
#define CO_F_BIT2 0x4
/* setprotect: bit 0 (HANDLE_FLAG_PROTECT_FROM_CLOSE). dup_close is
 * DuplicateHandle with DUPLICATE_CLOSE_SOURCE, duphandle the same without
 * it: Win32 only, both with DUPLICATE_SAME_ACCESS and bInheritHandle TRUE
 * unless a word says otherwise. */
/* dup_close, duphandle: bit 0 bInheritHandle FALSE, bit 1
 * DUPLICATE_SAME_ATTRIBUTES */
#define CO_F_NOINHERIT 0x1
#define CO_F_SAMEATTR 0x2
/* getstd, setstd, closestd (Win32 only: GetStdHandle, SetStdHandle,
 * CloseHandle((HANDLE)STD_x_HANDLE); docs/win32.md#std): bits 0-1 the
 * standard handle, 0 in (STD_INPUT_HANDLE), 1 out, 2 err, 3 a value that
 * names none (ERROR_INVALID_HANDLE) */
#define CO_F_STD_MASK 0x3
#define CO_F_STD_BAD 0x3
/* exitcode (Win32 only: GetExitCodeProcess; docs/win32.md#values): the
 * value passed is the reference's with bit 0 "low32" its low 32 bits
 * only (zero-extended), bit 1 "hi32" plus 1 << 32 */
#define CO_F_LOW32 0x1
#define CO_F_HI32 0x2
/* reopenfile sK N [rdwr|rdonly|wronly] [denyw] [denyr] (Win32 only): open
 * the file sK's handle refers to once more, a new open file object with its
 * own position and the access the words say (docs/win32.md#reopen):
 * ReOpenFile(h, access, share, dwFlags), the share mode FILE_SHARE_READ |
 * FILE_SHARE_WRITE | FILE_SHARE_DELETE less FILE_SHARE_WRITE with denyw and
 * FILE_SHARE_READ with denyr; N picks dwFlags from co_reopen_flags (0: none;
 * 1-8 a FILE_ATTRIBUTE_*, which ReOpenFile refuses; 9-12 a FILE_FLAG_* it
 * takes). The access bits are CO_F_ACC_*. Linux's open of the same file
 * again is reopen (open's words, docs/posix.md#reopen). */
#define CO_F_DENYW 0x4
#define CO_F_DENYR 0x8
#define CO_REOPEN_FLAGS 13
#define CO_F_DEV_MASK 0x3 /* opendev: 0 NUL (the one device so far) */
#define CO_F_DEV_NUL 0x0
extern const uint32_t co_reopen_flags[CO_REOPEN_FLAGS];
/* Win32 only: opendev nul [cloexec]: CreateFileW("NUL", GENERIC_READ |
 * GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING), a
 * character device (docs/win32.md#devices). setvaliddata sK N:
 * SetFileValidData(h, N) (docs/win32.md#setvaliddata). filetype sK:
 * GetFileType(h): 1 FILE_TYPE_DISK, 2 FILE_TYPE_CHAR, 3 FILE_TYPE_PIPE;
 * an invalid handle is FILE_TYPE_UNKNOWN, -1 here with the error
 * (docs/win32.md#filetype). */

/*
 * open_access and duphandle_access (Win32 only): CreateFileW and
 * DuplicateHandle with an explicit access mask, the argument (the fourth
 * byte of the binary record, its low 5 bits; the top 3 are ignored, so
 * every byte decodes). Its text is the Win32 names joined by '|', in this
 * order, or 0 for no access at all:
 *   s0 = open_access FILE_READ_DATA|FILE_APPEND_DATA
 *   s1 = duphandle_access s0 GENERIC_READ noinherit
 *   s2 = open_access 0
 * open_access takes noinherit (bInheritHandle FALSE; the file is new, as
 * open's); duphandle_access takes duphandle's words and never
 * DUPLICATE_SAME_ACCESS. docs/win32.md#access has the rules.
 */
#define CO_ACC_READ_DATA 0x01     /* FILE_READ_DATA */
#define CO_ACC_WRITE_DATA 0x02    /* FILE_WRITE_DATA */
#define CO_ACC_APPEND_DATA 0x04   /* FILE_APPEND_DATA */
#define CO_ACC_GENERIC_READ 0x08  /* GENERIC_READ */
#define CO_ACC_GENERIC_WRITE 0x10 /* GENERIC_WRITE */
#define CO_ACC_MASK 0x1f

enum co_reftype {
  CO_REF_SLOT,  /* the number currently held by slot idx (-1 if never set) */
  CO_REF_FREE,  /* the idx-th number free when the trace started */
  CO_REF_NEG,   /* -1 */
  CO_REF_LIMIT, /* the descriptor limit (RLIMIT_NOFILE soft) */
  CO_REF_AT,    /* the first number at or above co_ref_at[idx] that was
                   free when the trace started ("f>=1024") */
  CO_REF_COUNT
};

struct co_ref {
  uint8_t type; /* enum co_reftype */
  uint8_t idx;  /* slot, free or boundary index; 0 for the others */
};

/* The boundaries a CO_REF_AT reference names (docs/posix.md#boundaries):
 * 64-bit words of a descriptor bitmap, FD_SETSIZE, the C runtimes' table
 * limits, and 100 (LTP fcntl02's F_DUPFD minimum, close_range02's dup2
 * target). */
#define CO_AT_REFS 9
#define CO_AT_LIST 63, 64, 100, 1023, 1024, 2047, 2048, 8191, 8192
extern const int32_t co_ref_at[CO_AT_REFS];

struct co_op {
  uint8_t kind;  /* enum co_opkind */
  uint8_t dst;   /* slot (or, for CALL, object slot) bound to the result */
  uint8_t flags; /* 4 bits, see CO_F_*; for CALL the mode index */
  struct co_ref a, b;
  int32_t n;     /* the integer argument, if any */
  uint8_t entry; /* CALL: the entry id (closeonce/contract.h) */
  uint8_t obj;   /* CALL: the object operand o0..o7 */
  uint8_t blk;   /* CO_ARG_OFFSET: whole blocks added to n (CO_BLK_MAX) */
  uint8_t dst2;  /* an operation that binds two slots (pipe): the second */
  uint8_t thr;   /* the thread that runs it: 0 the sequential prefix,
                    1..CO_THREADS a thread of a parallel trace (below) */
};

/*
 * fail CALL ERR [N] (issue 21, docs/faults.md#fail): the N-th next call of
 * family CALL (harness/ipose.h: close, open, dup, fcntl, read, write,
 * lseek, socket, accept, pipe, malloc, osfhandle) that a library makes
 * fails with ERR, one of the family's errors; N 1..16, 1 if not written.
 *   fail close EINTR
 *   fail write ENOSPC 3
 * In an operation: flags the family, n = (N - 1) | error index << 4 (the
 * index in the family's list, co_ifam_errs). Binary: the flags nibble of
 * byte 1, and byte 3.
 */
void co_fault_of(const struct co_op *op, unsigned *fam, int *err,
                 unsigned *count /* N - 1 */);

/*
 * Parallel traces (issue 22, docs/threads.md). An operation's thr names
 * the thread that runs it: 0 for the sequential prefix, run on the calling
 * thread before any other starts, 1..CO_THREADS for the trace's threads,
 * each running its own operations in trace order. Slots and objects are
 * shared by every thread, as a program's variables are. The order of the
 * operations is the schedule: a scheduled run (harness/baton.c) runs them
 * in that order, each on its thread, one at a time, so the model predicts
 * every step; a free run races the threads and checks that some
 * interleaving explains what each saw. In canonical form every prefix
 * operation comes before the first thread's.
 *  - text: a thread's operation is written after "tK:"
 *      s0 = open
 *      t1: close s0
 *      t2: s1 = open
 *      t1: write s0 3
 *    A prefix line after a thread's is an error at its line.
 *  - binary: in a threaded opset (co_opset.threads, 1..CO_THREADS), each
 *    record is 5 bytes, the 4 of the operation and then its thread, taken
 *    modulo threads + 1; a 0 after the first thread's record continues the
 *    thread before it. All-zero input is still the empty trace, and one
 *    byte changes one operation (its thread, or what it does).
 */
#define CO_REC_THREADED 5 /* bytes of a record in a threaded opset */

struct co_trace {
  struct co_op *ops;
  size_t len, cap;
};
/* The number of the highest thread a trace names (0: sequential). */
unsigned co_trace_threads(const struct co_trace *t);
/* Bring a trace's threads to canonical form: a prefix operation after a
 * thread's continues that thread (what the decoder does). */
void co_trace_canon_threads(struct co_trace *t);

/* The operations a target accepts, in decoding order: the built-in kinds,
 * then the layer entry points (entry ids). */
struct co_opset {
  const uint8_t *kinds;
  size_t n;
  const uint8_t *entries;
  size_t nentries;
  /* parallel traces: how many threads (1..CO_THREADS) the binary form's
   * thread byte names and the generator draws (0: sequential, 4 bytes a
   * record) */
  uint8_t threads;
};

/* Static description of one operation kind. */
struct co_opdesc {
  const char *name;
  uint8_t binds, nrefs, arg;
};
extern const struct co_opdesc co_opdesc[CO_OP_COUNT];

/* An operation resolved once (co_step_of): its entry, its mode and the
 * roles of its operands, for every kind. The executor resolves each
 * operation once, where it enters (co_exec_step, co_exec_run), and hands
 * this down: the model's prediction (co_model_prepare, co_model_apply),
 * the library call, the comparison and the step hook all read it, and none
 * looks the entry up again. The printer, the parser and the generator
 * resolve through the same function. Operations stay plain data that the
 * generator and the shrinker edit in place; a step is made from one as it is.
 */
struct co_entry_ref;
struct co_mode;
struct co_step {
  const struct co_op *op;
  /* CALL of a registered entry: the entry, its adapter, effect, checks,
   * I/O and shape (closeonce/contract.h); NULL for built-in kinds and for
   * an id no adapter has (the model predicts ENOSYS) */
  const struct co_entry_ref *call;
  /* the mode it names, NULL if the entry has no modes or the index is out
   * of range (refused) */
  const struct co_mode *mode;
  /* 2 if it binds a descriptor slot (built-ins that return a number, LEND,
   * DUP, DETACH), 1 an object slot, 0 nothing */
  uint8_t binds;
  uint8_t nrefs;   /* number references used (0..2) */
  uint8_t has_obj; /* names an object operand */
  uint8_t target;  /* names a target object in dst without binding it */
  uint8_t binds2;  /* binds a second descriptor slot, dst2 (pipe) */
};
void co_step_of(struct co_step *s /* OUT */, const struct co_op *op);

/* How many number references op really uses (0..2), and whether it names
 * an object operand. */
int co_op_nrefs(const struct co_op *op);
int co_op_has_obj(const struct co_op *op);

/* 1 if a CALL binds an object slot (OPEN/ADOPT/BORROW/DUP_OBJ/WRAP), 2 if it
 * binds a descriptor slot (LEND/DUP/DETACH), 0 if it binds nothing. */
int co_call_binds(const struct co_op *op);
/* 1 if a CALL names a second object, its target, in dst without binding it
 * (DUP2_OBJ: "NAME oK oD"). */
int co_call_target(const struct co_op *op);

/* Trace storage. co_trace_init never fails; push returns -1 on ENOMEM or
 * when the trace already holds CO_MAX_OPS operations. */
void co_trace_init(struct co_trace *t);
void co_trace_free(struct co_trace *t);
void co_trace_clear(struct co_trace *t);
int co_trace_push(struct co_trace *t, const struct co_op *op);
/* dst = src (dst cleared first). Returns 0 or -1 on ENOMEM. */
int co_trace_copy(struct co_trace *dst, const struct co_trace *src);

/* Bring an operation to canonical form: fields the kind does not use are
 * zeroed, out-of-range values are folded into range. Decoders and the parser
 * produce canonical operations; the generator calls this too. */
void co_op_canon(struct co_op *op);

/*
 * Binary form. Decoding is total: it fills *out (cleared first) from any
 * bytes, keeping at most max_ops operations (0: CO_MAX_OPS). Returns 0, or
 * -1 on ENOMEM.
 */
int co_trace_decode(const uint8_t *data, size_t size,
                    const struct co_opset *set, size_t max_ops,
                    struct co_trace *out);
/* Encode t for the opset (4 bytes an operation). Returns the number of bytes
 * needed; writes at most cap of them. An operation whose kind is not in set
 * is skipped. */
size_t co_trace_encode(const struct co_trace *t, const struct co_opset *set,
                       uint8_t *buf, size_t cap);

/*
 * Which form a file is in, when it is not said (--format auto). Text is
 * what a person writes; it must never be read as a binary trace, so the
 * rule leans to text, and a text file with a stray byte is a parse error
 * at its line:col rather than a binary trace run silently:
 *  - by name (name may be NULL): a name ending in .trace is text; an
 *    engine's names for its inputs are binary: libFuzzer's crash-, leak-,
 *    timeout-, oom-, slow-unit- files and corpus units (40 hex digits, the
 *    SHA-1 of the content), AFL++'s id: (id_) files, and names ending in
 *    .bin (closeonce encode, the build's seeds);
 *  - otherwise by content: text if its first CO_TEXT_LEAD bytes (all of
 *    it, if shorter; an empty file is text) are text: printable ASCII, tab,
 *    CR, LF or UTF-8. The shortest operation line is 8 characters
 *    ("close s0"), and a binary record's bytes are mostly below 0x20 (the
 *    operation's index, slots, objects), so a binary input begins with a
 *    byte that is not text.
 * Returns 1 for text, 0 for binary.
 */
#define CO_TEXT_LEAD 8
int co_trace_looks_text(const char *name, const void *data, size_t size);

/* Text form. */
struct co_parse_error {
  int line, col;     /* 1-based */
  char message[160]; /* what was expected and what was found */
};
/* Parse text of length len (no NUL needed). On error returns -1 and fills
 * *err; *out then holds the operations before the bad line. A byte that is
 * not text (NUL, a control byte, broken UTF-8) is an error at its place,
 * reported before anything else. */
int co_trace_parse(const char *text, size_t len, struct co_trace *out,
                   struct co_parse_error *err);
/* The 1-based line of text that holds operation step (one operation a line;
 * blank and comment-only lines hold none), or 0 if text has fewer
 * operations. For pointing reports at a trace file's lines. */
int co_trace_line_of(const char *text, size_t len, size_t step);
/* One operation, canonical text, no newline. Returns the length that would
 * have been written (snprintf style). */
int co_op_format(const struct co_op *op, char *buf, size_t cap);
int co_ref_format(struct co_ref r, char *buf, size_t cap);
/* An access argument's text (CO_ACC_* names joined by '|', or "0"). */
int co_access_format(int32_t n, char *buf, size_t cap);
/* One operation with its thread ("t2: close s0"; no prefix for thr 0). */
int co_op_format_thr(const struct co_op *op, char *buf, size_t cap);
/* The whole trace, one operation a line. Returns 0 or -1 on write error. */
int co_trace_print(const struct co_trace *t, FILE *out);

/* 64-bit FNV-1a of the canonical binary encoding (all operations). */
uint64_t co_trace_hash(const struct co_trace *t);

#endif
