/*
 * Inside the library (issue 21): the descriptor calls an adapted library
 * makes while one of its entry points runs, logged for the step and
 * attributed to the layer whose step it is, and the faults a trace arms
 * (`fail CALL ERR [N]`) injected into them (docs/faults.md).
 *
 * The platform's interposer routes the library's own calls to wrappers:
 * on Linux harness/posix/ipose_elf.c rewrites the global offset table of
 * each shared object an adapter names (co_adapter.objects), so that only
 * calls made from that object's code reach a wrapper; the harness's, the
 * engine's and every other library's calls never do. A wrapper asks
 * co_ipose_fault whether to fail, makes the real call (or not), and logs
 * it with co_ipose_log.
 *
 * A wrapper has no context argument: the context of the step running is
 * found through one thread-local pointer, which co_ipose_enter sets for the
 * duration of one glue call and co_ipose_leave clears. Outside a glue call
 * it is NULL and a wrapper is the real call and nothing else. The patched
 * tables are written once, when the registry freezes, and hold the same
 * wrappers for every thread.
 *
 * Issue 22, a library's own threads (docs/threads.md#library-threads): a
 * thread the routed library made itself (libuv's pool) has no pointer of
 * its own. Its calls reach the context the executor attached to that
 * library's objects (co_ipose_attach: the process's list of attached
 * contexts, beside the patched tables, is the one other shared state):
 * during a step of that context they are the step's (logged, checked,
 * faulted: CO_ICALL_OTHER); between its steps they are kept, and head the
 * log of its next step (CO_ICALL_LATE). A context's log, faults and late
 * calls are guarded by its own lock.
 */
#ifndef CO_IPOSE_H
#define CO_IPOSE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The families of calls a fault names (`fail CALL`). Append only: the
 * binary form of `fail` holds the index. Each lists the functions the
 * interposers send to it (docs/faults.md#calls). */
#define CO_IFAM_LIST(X)                                                        \
  X(CLOSE, "close")     /* close, fclose, syscall(SYS_close); CloseHandle,     \
                           _close (Win32) */                                   \
  X(OPEN, "open")       /* open, openat, creat, fopen; CreateFileW */          \
  X(DUP, "dup")         /* dup, dup2, dup3, F_DUPFD; DuplicateHandle */        \
  X(FCNTL, "fcntl")     /* fcntl other than F_DUPFD */                         \
  X(READ, "read")       /* read, readv, recv, recvmsg, fread */                \
  X(WRITE, "write")     /* write, writev, send, sendmsg, fwrite, fflush;       \
                           WriteFile */                                        \
  X(LSEEK, "lseek")     /* lseek */                                            \
  X(SOCKET, "socket")   /* socket, socketpair */                               \
  X(ACCEPT, "accept")   /* accept, accept4 */                                  \
  X(PIPE, "pipe")       /* pipe, pipe2 */                                      \
  X(ALLOC, "malloc")    /* malloc, calloc, realloc: ENOMEM only */             \
  X(ADOPT, "osfhandle") /* _open_osfhandle (Win32) */

enum co_ifam {
#define CO__IFAM_ENUM(id, name) CO_IF_##id,
  CO_IFAM_LIST(CO__IFAM_ENUM)
#undef CO__IFAM_ENUM
      CO_IF_COUNT
};
/* The text name of a family ("close"), or NULL. */
const char *co_ifam_name(unsigned fam);
/* The family named by n bytes of text, or -1. */
int co_ifam_find(const char *t, size_t n);

/* The errors a fault of a family may inject (enum co_err values, at most
 * CO_IFAULT_ERRS, the first the default): close EINTR EIO; open, dup,
 * socket, accept, pipe EMFILE ENFILE; write ENOSPC EIO EAGAIN; read EIO
 * EAGAIN; fcntl and lseek EBADF; malloc ENOMEM (docs/faults.md#errors). */
#define CO_IFAULT_ERRS 4
unsigned co_ifam_errs(unsigned fam, const int **errs /* OUT */);

/* The two answers to "is the descriptor still open after close failed with
 * EINTR or EIO" (docs/faults.md#profiles). */
enum co_close_profile {
  /* Linux (man 2 close): the number is freed before the error is
   * reported; a retry closes whatever now has it. */
  CO_CLOSE_FREES,
  /* HP-UX, and POSIX.1-2024 for EINTR: after EINTR the descriptor stays
   * open and the caller must close it again (or use posix_close); after
   * any other error (EIO) it is closed, as on Linux. */
  CO_CLOSE_KEEPS
};

/* One call a library made, as the wrapper saw it. */
struct co_icall {
  uint8_t fam;      /* enum co_ifam */
  uint8_t fn;       /* the function (co_ipose_fn_name) */
  uint8_t injected; /* CO_INJ_* */
  int64_t a, b;     /* its descriptor operands, -1 if none: close(a),
                       dup2(a, b), write(a), fcntl(a); a FILE's: fileno */
  int64_t arg;      /* fcntl's command, write's count, open's flags */
  int64_t ret;      /* what it returned: a descriptor, a count, 0 or -1 */
  int64_t ret2;     /* pipe, socketpair: the second descriptor, else -1 */
  int err;          /* enum co_err on failure, CO_OK on success */
  uint8_t thr;      /* CO_ICALL_*: the thread that made it */
};
/* co_icall.thr */
#define CO_ICALL_STEP 0  /* the thread running the step */
#define CO_ICALL_OTHER 1 /* a thread of the library's own, during the step */
#define CO_ICALL_LATE                                                          \
  2 /* a thread of the library's own, after the context's last step            \
       returned: logged at the head of its next step */
/* co_icall.injected */
#define CO_INJ_NONE 0
#define CO_INJ_FAILED 1 /* the fault replaced the call: it was not made */
#define CO_INJ_CLOSED                                                          \
  2 /* close under CO_CLOSE_FREES: it was made (the number is free) and its    \
       result replaced by the fault's error */

/* Function ids for co_icall.fn; the interposers of each platform use
 * theirs, names by co_ipose_fn_name. Append only. */
#define CO_IFN_LIST(X)                                                         \
  X(CLOSE, "close")                                                            \
  X(FCLOSE, "fclose")                                                          \
  X(OPEN, "open")                                                              \
  X(OPENAT, "openat")                                                          \
  X(CREAT, "creat")                                                            \
  X(FOPEN, "fopen")                                                            \
  X(FDOPEN, "fdopen")                                                          \
  X(DUP, "dup")                                                                \
  X(DUP2, "dup2")                                                              \
  X(DUP3, "dup3")                                                              \
  X(FCNTL, "fcntl")                                                            \
  X(READ, "read")                                                              \
  X(READV, "readv")                                                            \
  X(RECV, "recv")                                                              \
  X(RECVMSG, "recvmsg")                                                        \
  X(WRITE, "write")                                                            \
  X(WRITEV, "writev")                                                          \
  X(SEND, "send")                                                              \
  X(SENDMSG, "sendmsg")                                                        \
  X(LSEEK, "lseek")                                                            \
  X(SOCKET, "socket")                                                          \
  X(SOCKETPAIR, "socketpair")                                                  \
  X(ACCEPT, "accept")                                                          \
  X(ACCEPT4, "accept4")                                                        \
  X(PIPE, "pipe")                                                              \
  X(PIPE2, "pipe2")                                                            \
  X(CLOSE_RANGE, "close_range")                                                \
  X(MALLOC, "malloc")                                                          \
  X(CALLOC, "calloc")                                                          \
  X(REALLOC, "realloc")                                                        \
  X(CLOSEHANDLE, "CloseHandle")                                                \
  X(DUPHANDLE, "DuplicateHandle")                                              \
  X(CREATEFILEW, "CreateFileW")                                                \
  X(OSFHANDLE, "_open_osfhandle")                                              \
  X(CRT_CLOSE, "_close")                                                       \
  X(WRITEFILE, "WriteFile")                                                    \
  X(EVENTFD, "eventfd")                                                        \
  X(EPOLL_CREATE, "epoll_create1")                                             \
  X(TIMERFD, "timerfd_create")                                                 \
  X(SIGNALFD, "signalfd")                                                      \
  X(INOTIFY, "inotify_init1")                                                  \
  X(MEMFD, "memfd_create")                                                     \
  X(FWRITE, "fwrite")                                                          \
  X(FFLUSH, "fflush")                                                          \
  X(FREAD, "fread")                                                            \
  X(SYS_CLOSE, "SYS_close")
enum co_ifn {
#define CO__IFN_ENUM(id, name) CO_IFN_##id,
  CO_IFN_LIST(CO__IFN_ENUM)
#undef CO__IFN_ENUM
      CO_IFN_COUNT
};
const char *co_ipose_fn_name(unsigned fn);

#define CO_ICALLS_MAX 64 /* calls logged per step; more are counted */
#define CO_FAULTS_MAX 4  /* faults armed at once */
#define CO_ILATE_MAX 8   /* late calls kept between two steps */

/* The context of one executor. Plain data: the executor embeds it. While a
 * library's thread may reach it (it is attached), the log, the counters
 * and the faults are written under lock only; the executor reads them
 * between its steps (after co_ipose_leave: no library thread writes them
 * then) and arms faults between steps. */
struct co_ipose {
  struct co_icall log[CO_ICALLS_MAX];
  unsigned n;     /* calls logged in this step */
  unsigned lost;  /* calls past CO_ICALLS_MAX in this step */
  unsigned fired; /* faults that fired in this step */
  unsigned other; /* calls in the log made on another thread (OTHER, LATE) */
  struct {
    uint8_t fam;
    int err;        /* enum co_err */
    unsigned count; /* calls of fam still to pass before it fires (0: the
                       next one fails) */
  } fault[CO_FAULTS_MAX];
  _Atomic unsigned nfault;
  enum co_close_profile profile;
  /* The executor's own descriptors (its private directory): a library's
   * call on one of them is the harness's, never the library's; -1 none. */
  int64_t own_fd;
  /* issue 22 (docs/threads.md#library-threads) */
  _Atomic int lock;          /* a spin lock: held for a few stores */
  _Atomic int open;          /* a step runs: between enter and leave */
  _Atomic unsigned inflight; /* library-thread calls on their way here */
  struct co_icall late[CO_ILATE_MAX]; /* since the last step, in order */
  unsigned nlate, late_lost;
  /* Since co_ipose_init, for the figures: calls of the library's threads
   * logged in a step (OTHER), kept for the next step (LATE), dropped
   * (co_ipose_drop_late: made outside any trace's steps), and calls that
   * could have been this context's or another one's (two contexts attached
   * to the same library with steps running: neither logs it). */
  _Atomic uint64_t total_other, total_late, total_dropped, total_ambiguous;
};

void co_ipose_init(struct co_ipose *ip, enum co_close_profile profile);
/* Arm: the (count+1)-th next call of family fam a library makes fails with
 * err; with CO_FAULTS_MAX armed already, the oldest is dropped. Returns 0,
 * or -1 if err is not one of the family's (co_ifam_errs). */
int co_ipose_arm(struct co_ipose *ip, unsigned fam, int err, unsigned count);
/* Drop every armed fault (teardown: no fault outlives its trace). */
void co_ipose_disarm(struct co_ipose *ip);
/* 1 if a fault is armed. */
static inline int co_ipose_armed(const struct co_ipose *ip) {
  return atomic_load_explicit(&ip->nfault, memory_order_relaxed) != 0;
}

/* Around one glue call (an entry point, a state's set-up, a reset, a
 * teardown's free): the step's log starts with the late calls kept since
 * the last step (CO_ICALL_LATE), else empty; this thread's wrappers see ip
 * until leave, and the library's own threads do too. Not nested. */
void co_ipose_enter(struct co_ipose *ip);
void co_ipose_leave(struct co_ipose *ip);
/* The late calls kept now (made since the last step), and how many more
 * were counted; *first (if not NULL) the first kept. Between steps. */
unsigned co_ipose_late(struct co_ipose *ip, struct co_icall *first);
/* Drop the late calls kept (a trace starts: what the library's threads did
 * before it, in the last trace's teardown, is no step's); counted in
 * total_dropped. Returns how many were dropped. */
unsigned co_ipose_drop_late(struct co_ipose *ip);

/* Library threads (issue 22): make ip the context that the calls of the
 * threads made by the objects names matches (the co_ipose_install list)
 * reach. Several names lists may be attached to one context (one per
 * layer). Returns 0, or -1 with a message in err (too many). Thread-safe. */
int co_ipose_attach(struct co_ipose *ip, const char *const *names, char *err,
                    size_t cap);
/* Before ip's memory goes: no library thread reaches it any more (waits
 * for the calls on their way to it). Thread-safe; idempotent. */
void co_ipose_detach(struct co_ipose *ip);
/* For the platform's wrappers, on a thread the library object named
 * object (its file name) made: the context attached to it, or NULL (none,
 * or more than one with a step running or none running: counted in each
 * as total_ambiguous). A context returned is held until co_ipose_done. */
struct co_ipose *co_ipose_route(const char *object);
void co_ipose_done(struct co_ipose *ip);

/* For the platform's wrappers. The context of the glue call running on
 * this thread, or NULL (then do the real call only). */
struct co_ipose *co_ipose_current(void);
/* Before the real call of family fam: 1 if an armed fault fires now (it is
 * consumed; *err is its enum co_err), else 0. */
int co_ipose_fault(struct co_ipose *ip, unsigned fam, int *err);
/* After it: append the call to the step's log; a call of the library's own
 * thread (c->thr CO_ICALL_OTHER) made when no step runs is kept as late. */
void co_ipose_log(struct co_ipose *ip, const struct co_icall *c);

/* One call in words, "close(5) = -1 EINTR (injected)", into buf. */
int co_icall_format(const struct co_icall *c, char *buf, size_t cap);

/* The platform's interposer (harness/posix/ipose_elf.c, harness/win32/):
 * route the calls of every loaded shared object whose file name starts
 * with one of names (a NULL-terminated list: "libz.so.1") to the wrappers.
 * nofault: families (1 << enum co_ifam) whose functions are left alone in
 * those objects (co_adapter.nofault). Idempotent and thread-safe; done
 * once per object for the process (the first install's nofault holds).
 * Returns the number of loaded objects that match, patched now or before
 * (0: none is loaded: the library is linked in statically, or not at
 * all, and is seen from outside), or -1 with a message in err. */
int co_ipose_install(const char *const *names, unsigned nofault, char *err,
                     size_t cap);
/* 1 if a loaded shared object (a DLL) other than the program itself has a
 * file name that starts with one of names: co_ipose_install would route
 * it. A library linked into the program statically has none. */
int co_ipose_loaded(const char *const *names);
/* Put every patched table back as it was (the benchmark's A/B); 0 or -1. */
int co_ipose_uninstall(void);

#endif
