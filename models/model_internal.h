/*
 * The model's private header: its state, and the functions its modules
 * share. Not installed; nothing outside models/ includes it.
 *
 * The modules (each file says what it holds):
 *   model.c         the public entry points: begin, resolve, step, queries
 *   fdtable.c       the descriptor table and the open file descriptions
 *   posix_rules.c   one rule function per built-in operation (Linux)
 *   win32_rules.c   the Win32 HANDLE rules (the table's overrides)
 *   quirks.c        documented deviations (CO_QUIRK_*) as profile hooks
 *   layers.c        the owner layers' effect interpreter (contract.h)
 *   numbered.c      numbered layers: the C runtime's descriptors
 *   paged.c         paged layers: the descriptor pager
 *   events.c        ownership events, with their precedence table
 *   chan.c          kinds with bytes in flight: pipes, channels, blocking
 *   sock.c          sockets: socketpair, shutdown, their reads and writes
 *
 * Object state is grouped by capability (struct objent): what every object
 * has, the descriptor it holds, its number, what it wraps, its window. A
 * new capability (a handle kind, a thread, a child process) adds its own
 * sub-struct and module and is reached from the tables, not from inline
 * branches.
 */
#ifndef CO_MODEL_INTERNAL_H
#define CO_MODEL_INTERNAL_H

#include <stdint.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"
#include "closeonce/model.h"
#include "closeonce/trace.h"

/* ---- state ---- */

struct fdent {
  int32_t ofd; /* -1: not open (a foreign number is open, but not ours) */
  uint32_t gen;
  uint8_t cloexec, foreign;
  uint8_t protect; /* Win32 HANDLE_FLAG_PROTECT_FROM_CLOSE */
  uint8_t acc;     /* Win32: the handle's granted access, mapped (CO__W_*) */
};

/* A Win32 handle's granted access, as DuplicateHandle compares it
 * (docs/win32.md#access): the generic rights mapped to the file rights
 * (File Security and Access Rights; Wine server/file.c file_map_access).
 * FILE_GENERIC_READ is FILE_READ_DATA and rights no other bit of the
 * argument grants (FILE_READ_EA, FILE_READ_ATTRIBUTES, READ_CONTROL,
 * SYNCHRONIZE): CO__W_GR stands for those; FILE_GENERIC_WRITE is
 * FILE_WRITE_DATA, FILE_APPEND_DATA and CO__W_GW (FILE_WRITE_EA,
 * FILE_WRITE_ATTRIBUTES and the standard rights). One bit each, so "the
 * access asked is contained in the handle's" is a mask test. */
#define CO__W_RD CO_ACC_READ_DATA
#define CO__W_WD CO_ACC_WRITE_DATA
#define CO__W_AD CO_ACC_APPEND_DATA
#define CO__W_GR CO_ACC_GENERIC_READ
#define CO__W_GW CO_ACC_GENERIC_WRITE
static inline uint8_t co__w32_map(unsigned access) {
  unsigned a = access & CO_ACC_MASK;
  if (a & CO_ACC_GENERIC_READ)
    a |= CO__W_RD;
  if (a & CO_ACC_GENERIC_WRITE)
    a |= CO__W_WD | CO__W_AD;
  return (uint8_t)a;
}

/* What kind of object an open file description is on (docs/posix.md#kinds).
 * Every rule that depends on it asks ofdent.kind; a kind with state of
 * its own keeps it in its module, indexed by ofdent.kobj. Helpers adding a
 * kind append its value here (before CO__KIND_COUNT) and its release to
 * co__kind_release (chan.c). */
enum co__kind {
  CO__KIND_FILE,   /* a regular file (open, reopen of one) */
  CO__KIND_PIPE,   /* an end of a pipe (pipe, pipe2; a reopen of one):
                      its acc says which (O_RDONLY the read end, O_WRONLY
                      the write end, O_RDWR both: a reopen by name) */
  CO__KIND_SOCKET, /* an AF_UNIX socket (socketpair) */
  /* issue 20's other helpers append theirs: directory, eventfd, epoll */
  CO__KIND_DIR,     /* evdir: a directory (opendir; models/evdir.c) */
  CO__KIND_EVENTFD, /* evdir: an eventfd (its counter: ofdent.count) */
  CO__KIND_EPOLL,   /* evdir: an epoll instance (its interest list:
                       co_model.epreg) */
  CO__KIND_COUNT
};

struct ofdent {
  int64_t off; /* -1: unknown (after a layer's opaque I/O); a pipe's or a
                  socket's: -1 (no offset: ESPIPE) */
  int32_t file, refs;
  uint8_t kind; /* enum co__kind */
  int32_t kobj; /* the kind's object: a pipe's channel (chan.c), a
                   socket end's (sock.c); -1 for a file */
  uint8_t acc, append;
  uint8_t nonblock; /* O_NONBLOCK (F_SETFL); 2: unknown (a layer's object
                       held it: libraries set it, libuv does) */
  uint8_t created;  /* F_CREATED_QUERY: the open created the file by name;
                       2: unknown (a layer's open) */
  uint8_t proc;     /* Win32: a process, not a file (models/stdh.c) */
  uint8_t deny;     /* Win32 share mode of its open: CO_F_DENYW/DENYR */
  uint8_t dev;      /* Win32: a character device (opendev), not a file */
  uint8_t nodata;   /* Win32: its open has no read or write data access
                       (open_access 0): no part in share checks */
  uint8_t sem;      /* evdir: an eventfd in EFD_SEMAPHORE mode */
  uint8_t reopened; /* evdir: a pipe end opened again by name (its poll
                       hang-up follows fifo_open's counter: not modelled) */
  uint64_t count;   /* evdir: an eventfd's counter */
};
/* evdir: at most this many live registrations in a trace (an ADD past
 * them is not issued: docs/posix.md#epoll-limits) */
#define CO__EPREG_MAX 64
/* evdir: one registration of an epoll interest list, keyed by the target's
 * open file description and the number it was added through (fs/eventpoll.c
 * struct epoll_filefd). It lives while it is not deleted, its epoll's
 * description and its target's are open (refs > 0). */
struct co__epreg {
  int32_t ep, ofd; /* the epoll's description, the target's */
  int64_t num;     /* the number it was added through: the event's data */
  uint8_t events;  /* CO_EPOLL_IN | CO_EPOLL_OUT asked for */
  uint8_t live;    /* not deleted */
};

/* What a file holds, for read (docs/posix.md#read): its bytes up to its
 * size (m->fsize), the gaps that writes past the end left as zeros.
 * Buffers are kept from trace to trace (by file index). */
#define CO__CONTENT_MAX (1 << 20) /* past it, the bytes are not kept */
struct co__content {
  uint8_t *b;
  size_t cap;
  uint8_t gap;  /* a write began past the end: the file may have holes */
  uint8_t lost; /* bytes not kept (past CO__CONTENT_MAX, or ENOMEM) */
  /* files.c: which blocks (m->block) hold data, one bit each, up to
   * CO__CONTENT_MAX; kept from trace to trace like b */
  uint64_t *data;
  size_t datacap; /* words */
  uint16_t mode;  /* permission bits: 0600 as made, then fchmod's */
};

/* Ownership: the descriptor an object holds. */
struct obj_hold {
  uint8_t owns; /* closes it when closed */
  int64_t num;  /* the descriptor */
  uint32_t gen; /* that number's generation when taken; 0: not open then */
};
/* Numbered layers: the object is a number (the C runtime's descriptor). */
struct obj_number {
  uint8_t on;
  int64_t n;    /* its number */
  uint32_t gen; /* that number's generation when taken */
};
/* A wrapper (CO_EFF_WRAP): the object it wraps. */
struct obj_wrap {
  int8_t inner; /* the slot of the object it wraps (which may since hold
                   another object); -1 */
  int64_t n;    /* the number of the object it wraps, */
  uint32_t gen; /* and that number's generation when wrapped */
};
/* Paged layers (a descriptor pager): hold.num is the parked descriptor. */
struct obj_page {
  uint8_t on, resident;
  uint16_t pins;   /* lends not yet returned */
  uint32_t tick;   /* when last used: the LRU order */
  int64_t win;     /* the window copy while resident */
  uint32_t wingen; /* its generation when made */
  int64_t wnum;    /* Win32: its C-runtime number (POSIX: win) */
  uint32_t wngen;  /* that number's generation */
};

/* An owner layer's object (a FILE*, a gzFile, ...). */
struct objent {
  uint8_t live;
  uint8_t failed; /* a sticky I/O error (CO_IO_STICKY) */
  uint8_t needs;  /* CO_NEED_* of the mode it was made with */
  uint8_t own;    /* CO_OWN_*: the object's own append and text flags */
  uint8_t polls;  /* libs: its writes wait on epoll (CO_CHK_POLL) */
  uint8_t sends;  /* libs: it writes with send(2) (CO_CHK_SOCKET) */
  /* issue 21: a fault fired inside the library while it made or worked on
   * this object: its later calls are followed as run (docs/faults.md#model) */
  uint8_t faulted;
  uint8_t eof; /* the C runtime's end-of-file flag (docs/crt.md#read):
                  its _read returns 0 until a _lseek; 2: not known
                  (after a read the model did not follow, under Wine) */
  unsigned entry_base;
  struct obj_hold hold;
  struct obj_number nb;
  struct obj_wrap wrap;
  struct obj_page pg;
};

struct slotent {
  int64_t num; /* -1: unset */
  uint32_t gen;
};

/* chan.c: what a pipe holds, or one direction of a socket pair
 * (docs/posix.md#pipes): the bytes queued, in segments (a pipe's page
 * buffers, fs/pipe.c; a socket's messages), and who can still read and
 * write. Buffers are kept from trace to trace. */
struct co__chan {
  uint8_t *b; /* the bytes queued: b[head .. head + len) */
  size_t cap, head, len;
  uint32_t *seg; /* the segments' lengths: seg[shead .. shead + nseg) */
  size_t segcap, shead, nseg;
  uint32_t first_off;       /* a pipe: the first buffer's bytes read already */
  int32_t readers, writers; /* open file descriptions that read, write */
  uint8_t dgram;            /* messages keep their boundaries */
  uint8_t lost;             /* a layer's bytes went through: not known */
  uint32_t bufs;            /* a pipe: its buffers (F_GETPIPE_SZ / page) */
  uint32_t quota; /* Win32: a pipe's buffer, bytes (docs/win32.md#pipes) */
};
/* sock.c: a socket (docs/posix.md#sockets): its protocol, its receive
 * channel, its peer (socketpair's other end) and its state. Helpers adding
 * a protocol (TCP) append it to enum co__proto and its calls to sock.c's
 * dispatch. */
enum co__proto {
  CO__PROTO_UNIX_STREAM, /* AF_UNIX SOCK_STREAM */
  CO__PROTO_UNIX_DGRAM,  /* AF_UNIX SOCK_DGRAM */
  CO__PROTO_TCP,         /* AF_INET SOCK_STREAM on loopback (tcp.c) */
  CO__PROTO_COUNT
};
struct co__sockend {
  int32_t rx, peer;         /* channel it reads; the other end (-1: none) */
  uint8_t proto;            /* enum co__proto */
  uint8_t dgram;            /* messages keep their boundaries */
  uint8_t shut_rd, shut_wr; /* RCV_SHUTDOWN, SEND_SHUTDOWN */
  uint8_t closed;    /* released: its last descriptor closed (SOCK_DEAD) */
  uint8_t connected; /* a datagram socket still has its peer */
  uint8_t err;       /* a pending error (sk_err: ECONNRESET), co_err; 0 */
  /* a datagram end a layer may have written through (as run) after its
   * peer was gone: whether that write disconnected it, so whether the next
   * write fails with ECONNREFUSED or ENOTCONN, is not known */
  uint8_t wlost;
  int32_t tcp; /* CO__PROTO_TCP: its state in m->tcp (tcp.c) */
};
/* tcp.c: a loopback TCP socket's state beside its end (docs/posix.md#tcp):
 * a listener holds its pending connections (established, not yet
 * accepted: server ends no descriptor names yet) in a FIFO; a connected
 * socket its peer's state as it reached it. */
#define CO__TCP_QUEUE_MAX                                                      \
  65536 /* unread bytes a write may leave, past                                \
           which it is refused (docs/posix.md#tcp) */
struct co__tcp {
  int32_t end;          /* its socket end (m->sock) */
  int32_t peer;         /* the other end's m->tcp index, -1: a listener */
  int32_t next;         /* in a listener's queue: the next pending one */
  int32_t qhead, qtail; /* a listener's pending connections, -1: none */
  uint16_t qlen, backlog;
  uint8_t listening;
  uint8_t fin;    /* the peer's FIN came: reads give 0 after the data */
  uint8_t err;    /* a pending error (enum co_err), reported once */
  uint8_t down;   /* reset: reads give 0, writes EPIPE */
  uint8_t shutwr; /* shut for writing (its FIN sent): writes EPIPE */
  uint8_t gone;   /* its last descriptor was closed (or, pending, its
                     listener's) */
};

struct co_model;
typedef void co__rule(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t);

/* A platform's rules: one function per built-in operation (NULL: the
 * platform has no such call, ENOSYS; CO_OP_CALL is the layers'), and the
 * facts the other modules ask. posix_rules.c, win32_rules.c. */
struct co__platform {
  int64_t stride;              /* numbers are multiples of it */
  co__rule *rule[CO_OP_COUNT]; /* by enum co_opkind */
  /* A new number at or above from; -1 if none (EMFILE). */
  int64_t (*alloc)(struct co_model *m, int64_t from);
  uint8_t lowest_free;     /* numbers are lowest-free: all below f0 are
                              foreign all trace long */
  uint8_t neg_foreign;     /* negative values name objects outside any
                              trace (Win32 pseudo-handles) */
  uint8_t pager_keeps;     /* the pager keeps an adopted handle where it
                              is (Win32) instead of moving it */
  uint8_t window_numbered; /* window copies take a C-runtime number too */
  /* The pager's default watermark (cfg.watermark 0). */
  int64_t (*watermark)(const struct co_model *m);
  /* Steps predicted before the table (Win32: models/stdh.c); 1 if it
   * predicted the step. NULL: none. */
  int (*pre)(struct co_model *m, const struct co_call *c,
             struct co_outcome *pred, struct co_aftermath *t);
};
extern const struct co__platform co__posix_platform, co__win32_platform;

/* ---- stdh.c: Win32 standard handles and the pseudo-handle ---- */
int co__w32_pre(struct co_model *m, const struct co_call *c,
                struct co_outcome *pred, struct co_aftermath *t);
void co__std_follow(struct co_model *m, int64_t k, int64_t h);
int co__w32_std_refused(const struct co_model *m, const struct co_call *c);
int co__w32_pseudo_ok(const struct co_model *m, const struct co_call *c);

/* ---- posix_rules.c: the reference rules, by operation ---- */
co__rule co__rule_open, co__rule_dup, co__rule_dup2, co__rule_dup3,
    co__rule_dupfd, co__rule_getfd, co__rule_setfd, co__rule_getfl,
    co__rule_setfl, co__rule_close, co__rule_close_range, co__rule_write,
    co__rule_lseek, co__rule_read, co__rule_fstat, co__rule_lseek_ext,
    co__rule_setlimit, co__rule_ftruncate, co__rule_fchmod, co__rule_reopen,
    co__rule_created_query, co__rule_thread;
/* ---- chan.c: pipes (and socket pairs' directions) ---- */
int32_t co__chan_new(struct co_model *m, uint32_t bufs, int dgram);
void co__chan_free_all(struct co_model *m);
void co__chan_put(struct co__chan *ch, const uint8_t *src, size_t n, int merge);
size_t co__chan_take(struct co__chan *ch, size_t n, uint8_t *out,
                     uint64_t *digest);
/* A read of up to n bytes from ch, queued ones: their count and digest
 * the outcome, the bytes co_model_last_read's. */
void co__chan_read(struct co_model *m, struct co__chan *ch, int32_t n,
                   struct co_outcome *pred);
/* A new description of a kind with no offset on file (a pipe end, a
 * socket: its kobj), O_NONBLOCK as given; -1 on ENOMEM. */
int32_t co__kind_ofd(struct co_model *m, int32_t file, int acc, int kind,
                     int32_t kobj, int nonblock);
co__rule co__rule_pipe;
void co__pipe_read(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred);
void co__pipe_write(struct co_model *m, const struct co_call *c,
                    struct ofdent *o, struct co_outcome *pred);
int32_t co__pipe_reopen(struct co_model *m, const struct ofdent *o, int acc);
/* A read or write c through a pipe end would wait (docs/posix.md#blocking):
 * never issued. */
int co__pipe_would_block(const struct co_model *m, const struct co_call *c);
/* win32_rules.c: the same for Win32's pipes; a new end on a channel. */
int co__w32_pipe_would_block(const struct co_model *m, const struct co_call *c);
int32_t co__pipe_end(struct co_model *m, int32_t file, int32_t chan, int acc,
                     int nonblock);
/* The same for any kind: 0, or the aftermath's blocks (model.h). */
int co__would_block(const struct co_model *m, const struct co_call *c);
/* A layer's I/O went through description o of a kind with bytes: its
 * channel's bytes are not known from then on. */
void co__kind_unknown(struct co_model *m, struct ofdent *o);
/* ---- sock.c: sockets (socketpair, shutdown; their reads and writes) ---- */
co__rule co__rule_socketpair, co__rule_shutdown;
void co__sock_read(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred);
void co__sock_write(struct co_model *m, const struct co_call *c,
                    struct ofdent *o, struct co_outcome *pred);
void co__sock_release(struct co_model *m, struct ofdent *o);
/* A new socket end of protocol proto reading channel rx, and a new
 * description for end k (its own inode, mode 0777, O_RDWR, no offset);
 * their indexes, or -1 on ENOMEM. */
int32_t co__sock_new(struct co_model *m, int proto, int32_t rx);
int32_t co__sock_ofd(struct co_model *m, int32_t k, int nonblock);
/* 1: a read or write through a socket would wait; 2: whether a write
 * fits is past what the model knows (docs/posix.md#socket-capacity) */
int co__sock_would_block(const struct co_model *m, const struct co_call *c);
/* ---- wsock.c: Win32 SOCKETs (docs/win32.md#sockets) ---- */
#define CO__WSLIST 64     /* values ws2_32's list holds, at most */
#define CO__WSPEND 8      /* connections waiting on the listener, at most */
#define CO__WSQ_MAX 65536 /* bytes queued at one end, at most */
co__rule co__rule_tcp_connect, co__rule_tcp_accept, co__rule_socket,
    co__rule_closesocket, co__rule_send, co__rule_recv, co__rule_wsadup;
void co__wsock_begin(struct co_model *m);
/* A socket call the model does not follow, or one that would block: never
 * issued (the reason: co_model_refusal_why). */
struct co__step;
int co__wsock_refused(const struct co_model *m, const struct co__step *s);
static inline int co__is_sock(const struct co_model *m, int64_t num);
/* ---- tcp.c: loopback TCP (docs/posix.md#tcp) ---- */
co__rule co__rule_listen, co__rule_connect, co__rule_accept;
/* read and write through o, a TCP socket's description (sock.c) */
void co__tcp_read(struct co_model *m, const struct co_call *c, struct ofdent *o,
                  struct co_outcome *pred);
void co__tcp_write(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred);
/* shutdown(how) of TCP socket k, after sock.c's checks */
void co__tcp_shutdown(struct co_model *m, int32_t k, unsigned how,
                      struct co_outcome *pred);
/* The last descriptor on TCP socket k was closed: FIN or RST to its peer. */
void co__tcp_released(struct co_model *m, int32_t k);
/* Why call c on a TCP socket is not issued (enum co__tcp_why), 0 if it
 * may be: it would block, or its outcome is not predicted. */
int co__tcp_refused(const struct co_model *m, const struct co_call *c);

/* ---- evdir.c: directories, eventfd, epoll (Linux) ---- */
co__rule co__rule_opendir, co__rule_eventfd, co__rule_epoll_create,
    co__rule_epoll_ctl, co__rule_epoll_wait, co__rule_read_k, co__rule_write_k,
    co__rule_lseek_k, co__rule_lseek_ext_k, co__rule_fstat_k,
    co__rule_ftruncate_k, co__rule_created_query_k;
/* The kind of live number num's description (CO__KIND_FILE if not live). */
int co__kind_of(const struct co_model *m, int64_t num);
/* Call c on a description that is not a file, which is not issued (a call
 * that would block, or whose effect the model does not follow). */
int co__kind_refuses(const struct co_model *m, const struct co_call *c);
/* epoll_wait's events (co__epoll_stale): the first registration it reports
 * whose number is closed or holds another description now, or -1. */
int64_t co__epoll_stale(const struct co_model *m, const struct co_call *c);
void co__evdir_begin(struct co_model *m);

/* ---- party.c ---- */
void co__party_begin(struct co_model *m);
void co__party_free(struct co_model *m);
/* Before a step's rule: unshare the table if c does, and swap in the
 * child's own table for its step (1). 0: nothing swapped; -1: ENOMEM. */
int co__party_enter(struct co_model *m, const struct co_call *c);
void co__party_leave(struct co_model *m, int swapped, struct co_aftermath *t);
/* ---- files.c: data blocks of the trace's files ---- */
/* Bytes [start, start + n) of file were written: their blocks are data. */
void co__data_write(struct co_model *m, int32_t file, int64_t start, int64_t n);
/* The description a read, write or ftruncate goes through: EBADF if not
 * open; err if its access mode is deny (the one without the access it
 * needs; -1: any will do); NULL then. */
struct ofdent *co__io_ofd(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t,
                          int deny, int err);
void co__write_with(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t,
                    int ro_err);
void co__read_from(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred,
                   struct co_aftermath *t);
/* fail (issue 21): arms a fault inside the library, which the executor
 * holds (harness/ipose.h); nothing of the table changes. Returns 0. */
void co__rule_fail(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t);
/* The rules every platform table shares (lseek: evdir's, which is the
 * file rule on a file) (each adds its own write, and
 * Win32 its DuplicateHandle and protect-from-close). */
#define CO__SHARED_RULES                                                       \
  [CO_OP_OPEN] = co__rule_open, [CO_OP_DUP] = co__rule_dup,                    \
  [CO_OP_DUP2] = co__rule_dup2, [CO_OP_DUP3] = co__rule_dup3,                  \
  [CO_OP_DUPFD] = co__rule_dupfd, [CO_OP_GETFD] = co__rule_getfd,              \
  [CO_OP_SETFD] = co__rule_setfd, [CO_OP_GETFL] = co__rule_getfl,              \
  [CO_OP_SETFL] = co__rule_setfl, [CO_OP_CLOSE] = co__rule_close,              \
  [CO_OP_CLOSE_RANGE] = co__rule_close_range,                                  \
  [CO_OP_LSEEK] = co__rule_lseek_k, [CO_OP_FAIL] = co__rule_fail

/* The profile's hooks: where a documented quirk replaces the reference
 * rule (quirks.c builds them from the CO_QUIRK_* mask). */
struct co__hooks {
  /* lseek: an error it gives before the handle is looked up, or CO_OK */
  int (*seek_early)(const struct co_call *c);
  /* a write of 0 bytes through description o */
  void (*empty_write)(struct co_model *m, struct ofdent *o);
  /* a C-runtime parameter check failed with err: what the call returns */
  int (*param_err)(int err);
  /* _get_osfhandle of a descriptor that is not open: what it returns */
  int (*lend_err)(int err);
  /* _dup2(fd, fd): 1 if it duplicates anyway, 0 if it changes nothing */
  int (*dup2_same)(void);
  /* DuplicateHandle: 1 if DUPLICATE_SAME_ATTRIBUTES copies the source's
   * flags, 0 if it is ignored */
  int (*sameattr)(void);
  /* _lseek of a descriptor that is not open: what it returns */
  int (*seek_badfd_err)(int err);
  /* DuplicateHandle with an explicit access the source does not have: 1
   * if it succeeds anyway, 0 if it fails ERROR_ACCESS_DENIED */
  int (*dup_access_unchecked)(void);
  /* _write, _dup, _dup2 (its source) and _fdopen of a descriptor that is
   * not open: what they return */
  int (*badfd_err)(int err);
  /* _read of 0 bytes of a descriptor that is not open returns 0 (Wine's
   * read_i checks the count first; UCRT the descriptor: EBADF) */
  uint8_t read0_before_fd;
  /* _fstat and _chsize of a descriptor that is not open: the error
   * (CO_OK: _fstat fails setting no errno, _chsize succeeds) */
  int (*stat_badfd_err)(int err);
  int (*resize_badfd_err)(int err);
  /* _chsize on a handle without write access, same: the size is the
   * file's already: the error, or CO_OK */
  int (*resize_rdonly_err)(int same);
  /* _fstat of a descriptor whose handle is not open */
  int (*stat_gone_err)(void);
  /* the C runtime's text-mode checks (_setmode's mode and descriptor, an
   * odd count in a Unicode mode) failed with err: what the call returns */
  int (*text_param_err)(int err);
  /* docs/crt.md#setmode, docs/wine.md#text-modes: _O_BINARY keeps the
   * Unicode kind (UCRT) or resets it; a previous _O_U8TEXT is reported as
   * _O_U8TEXT (UCRT) or _O_WTEXT */
  uint8_t binary_keeps_unicode, u8_as_wtext;
  /* _setmode of a closed descriptor: EBADF (UCRT), or Wine's: the freed
   * slot takes the mode, its flags cleared at the close */
  uint8_t setmode_closed_slot;
  /* _dup and _dup2 copy the Unicode kind (UCRT dup.cpp) or not (Wine) */
  uint8_t dup_keeps_unicode;
  /* docs/wine.md#read-eof: a _read of 0 bytes at the end of the file sets
   * the descriptor's end-of-file flag (Wine; Windows sets it at Ctrl+Z
   * only) */
  uint8_t eof_sticky;
  /* SetFileValidData(h, n) with write access, the file's size known */
  int (*valid_data)(int64_t size, int32_t n);
  /* docs/win32.md#pipes: SetFilePointerEx on a pipe end fails (Wine:
   * ERROR_BAD_DEV_TYPE or ERROR_INVALID_FUNCTION, EINVAL); 0: what it
   * does is not documented, the step is not run */
  uint8_t pipe_seek_fails;
};
void co__hooks_init(struct co__hooks *h, unsigned quirks);

/* party.c: a second party sharing the table (a second thread) */
struct co__party {
  uint8_t child;    /* the built-in operations run in the second thread */
  uint8_t started;  /* it exists: the table is shared */
  uint8_t unshared; /* it has its own table, fd/cap/high */
  struct fdent *fd;
  size_t cap, fdcap;
  int64_t high;
};

struct co_model {
  struct fdent *fd;
  size_t cap; /* numbers 0..cap-1 have entries; above, all are free */
  struct ofdent *ofd;
  size_t nofd, ofdcap;
  int64_t *fsize; /* file sizes; -1: unknown */
  size_t nfile, filecap;
  struct co__content *content; /* by file, contentcap of them */
  size_t contentcap;
  uint8_t pattern[256];  /* what a write of i bytes writes: CO_WRITE_BYTE */
  uint8_t lastread[256]; /* the last layer read's bytes (crtio.c), */
  int16_t lastread_n;    /* their count, -1 if not known */
  struct slotent slot[CO_SLOTS];
  struct objent obj[CO_OBJS];
  int64_t *foreign;
  size_t nforeign, foreigncap;
  int64_t *frun; /* frun[j]: the first number past foreign[j]'s run of
                    consecutive foreign numbers (lowest-free skips it) */
  size_t fruncap;
  int64_t fstride; /* the stride frun was computed with */
  int64_t freenum[CO_FREE_REFS];
  int64_t limit, high;
  int64_t atnum[CO_AT_REFS]; /* f>=B: the first number >= B free at start */
  int64_t hard;              /* the hard limit (setlimit's bound) */
  struct co_files files;     /* the trace's files (co_model_config) */
  struct co__party party;
  int64_t base; /* every number below it is foreign (open all trace long) */
  uint32_t gen;
  int platform; /* enum co_platform */
  const struct co__platform *plat;
  unsigned quirks;
  struct co__hooks hook;
  int64_t stride; /* numbers are multiples of it (Win32: 4) */
  int64_t hint;   /* Win32: the value the platform gave the new handle */
  /* Win32 standard handle slots (models/stdh.c), the trace's with own_std */
  int64_t stdh[3];
  uint8_t own_std;
  /* numbered layers' numbers: 0 free, 1 in use at the start, 2 an object's */
  uint8_t threads_share; /* co_model_config.threads_share */
  unsigned made; /* objects made in this trace (0: none is live, so every
                   live number is the client's) */
  uint8_t onum_used[CO_OBJNUMS];
  uint32_t onum_gen[CO_OBJNUMS], ogen;
  /* the pager (paged layers): window size, watermark, LRU clock */
  unsigned window;
  int64_t watermark;
  uint32_t tick;
  /* chan.c: the channels of the trace's pipes and sockets (kept from
   * trace to trace, their buffers reused) */
  struct co__chan *chan;
  size_t nchan, chancap;
  struct co__sockend *sock; /* chan.c: socket ends */
  size_t nsock, sockcap;
  /* wsock.c: ws2_32's own list of the values it made sockets at (Wine's
   * closesocket and send look a value up there; a multiset), and the
   * connections waiting on the backend's listener, oldest first */
  int64_t wslist[CO__WSLIST];
  int32_t wpend[CO__WSPEND];
  uint8_t nwslist, nwpend;
  struct co__tcp *tcp; /* tcp.c: TCP sockets' state */
  size_t ntcp, tcpcap;
  /* evdir (models/evdir.c): epoll interest lists, and the file index
   * the descriptions of a kind are on (-1 until one is made): every
   * opendir opens the private directory; every eventfd and epoll is on
   * the one anonymous inode (docs/posix.md#anon-inode) */
  struct co__epreg epreg[CO__EPREG_MAX];
  unsigned nepreg;               /* entries used (dead ones are taken again) */
  int32_t kfile[CO__KIND_COUNT]; /* CO__KIND_DIR; CO__KIND_EVENTFD for
                                    both eventfd and epoll */
  uint32_t nkind; /* descriptions made in this trace that are not files */
};

/* ---- fdtable.c: the descriptor table and open file descriptions ---- */
int co__grow(void **p, size_t *cap, size_t need, size_t size);
int co__fd_begin(struct co_model *m, const struct co_model_config *cfg);
int co__ensure(struct co_model *m, int64_t num);
int64_t co__past_foreign(const struct co_model *m, int64_t num);
int co__is_foreign_list(const struct co_model *m, int64_t num);
int64_t co__lowest_free(struct co_model *m, int64_t from);
int32_t co__new_ofd(struct co_model *m, int acc, int append);
/* A new open file description on file, an open of it again by name. */
int32_t co__new_ofd_on(struct co_model *m, int32_t file, int acc, int append);
int32_t co__new_file(struct co_model *m);
/* Win32: a reopen of a file whose delete-on-close handle is closed, where
 * Windows and Wine part (docs/win32.md#reopen): never run. */
int co__reopen_unsure(const struct co_model *m, const struct co_call *c);
/* Win32: I/O on a device handle (opendev), which the model does not
 * follow (docs/win32.md#devices): never run. */
int co__dev_io(const struct co_model *m, const struct co_call *c);
void co__ofd_write(struct co_model *m, struct ofdent *o, int64_t n);
void co__ofd_write_bytes(struct co_model *m, struct ofdent *o,
                         const uint8_t *src, int64_t n);
void co__ofd_write_as(struct co_model *m, struct ofdent *o, int64_t n,
                      int pattern);
void co__ofd_unknown(struct co_model *m, struct ofdent *o);
void co__content_truncate(struct co_model *m, int32_t file, int64_t size,
                          int64_t len);
int64_t co__same_file_other(const struct co_model *m, int64_t num);
void co__dup_onto(struct co_model *m, int64_t o, int64_t n, int cloexec,
                  struct co_outcome *pred, struct co_aftermath *t);
void co__dup_new(struct co_model *m, int64_t n, int64_t num, int cloexec,
                 struct co_outcome *pred, struct co_aftermath *t);
void co__close_range(struct co_model *m, uint64_t lo, uint64_t hi, int cloexec);

static inline int co__is_open(const struct co_model *m, int64_t num) {
  if (num < 0 || (uint64_t)num >= m->cap)
    return 0;
  return m->fd[num].foreign || m->fd[num].ofd >= 0;
}
static inline int co__is_live(const struct co_model *m, int64_t num) {
  return num >= 0 && (uint64_t)num < m->cap && m->fd[num].ofd >= 0;
}
/* num (free, its entry existing) now names description ofd. */
static inline void co__install(struct co_model *m, int64_t num, int32_t ofd,
                               int cloexec) {
  struct fdent *e = &m->fd[num];
  /* the access open gives (harness/win32/backend.c win32_open): read
   * GENERIC_READ, write GENERIC_WRITE, or FILE_APPEND_DATA for append;
   * a duplicate copies its source's (co__dup_new) */
  static const uint8_t by_mode[8] = {
      [CO_F_ACC_RDWR] = CO__W_RD | CO__W_GR | CO__W_WD | CO__W_AD | CO__W_GW,
      [CO_F_ACC_RDONLY] = CO__W_RD | CO__W_GR,
      [CO_F_ACC_WRONLY] = CO__W_WD | CO__W_AD | CO__W_GW,
      [4 | CO_F_ACC_RDWR] = CO__W_RD | CO__W_GR | CO__W_AD,
      [4 | CO_F_ACC_RDONLY] = CO__W_RD | CO__W_GR,
      [4 | CO_F_ACC_WRONLY] = CO__W_AD};
  const struct ofdent *d = &m->ofd[ofd];
  e->ofd = ofd;
  e->cloexec = (uint8_t)(cloexec != 0);
  e->protect = 0;
  e->acc = by_mode[(d->acc & 3) | (d->append ? 4 : 0)];
  e->gen = ++m->gen;
  m->ofd[ofd].refs++;
  if (num > m->high)
    m->high = num;
}

/* The close rule, the only one: close(2), CloseHandle, and every layer's
 * close of a descriptor come here. A number that is not the trace's (not
 * open, or foreign: open, but never released by the model) fails with
 * EBADF; a handle protected from close fails with EBADF and stays open
 * (see the close rule in posix_rules.c); otherwise the entry is freed and its
 * description loses a reference (man close: freed even on error). */
void co__kind_release(struct co_model *m, int32_t ofd);
/* A live number on a socket (Win32: a SOCKET, wsock.c). */
static inline int co__is_sock(const struct co_model *m, int64_t num) {
  return co__is_live(m, num) && m->ofd[m->fd[num].ofd].kind == CO__KIND_SOCKET;
}

/* The descriptor table a step runs in: the client's, or the second
 * party's own once it unshared it (party.c swaps that in only while the
 * rule runs; refusals and events are decided before: tcp.c, evdir.c). */
struct co__table {
  const struct fdent *fd;
  size_t cap;
};
static inline struct co__table co__step_table(const struct co_model *m) {
  struct co__table t = {m->fd, m->cap};
  if (m->party.child && m->party.unshared) {
    t.fd = m->party.fd;
    t.cap = m->party.cap;
  }
  return t;
}
/* The description live number num names in t, or -1. */
static inline int32_t co__table_ofd(struct co__table t, int64_t num) {
  return num >= 0 && (uint64_t)num < t.cap ? t.fd[num].ofd : -1;
}

static inline int co__fd_close(struct co_model *m, int64_t num) {
  struct fdent *e;
  struct ofdent *o;
  if (!co__is_live(m, num))
    return CO_EBADF;
  e = &m->fd[num];
  if (e->protect)
    return CO_EBADF;
  o = &m->ofd[e->ofd];
  /* the last reference: the description is released (a pipe's last
   * reader or writer gone: chan.c) */
  if (--o->refs == 0 && o->kind != CO__KIND_FILE)
    co__kind_release(m, e->ofd);
  e->ofd = -1;
  return CO_OK;
}

/* An object's descriptor is still the one it took. */
static inline int co__obj_num_valid(const struct co_model *m,
                                    const struct objent *o) {
  return o->hold.gen && co__is_live(m, o->hold.num) &&
         m->fd[o->hold.num].gen == o->hold.gen;
}

/* A paged object's window copy is still the one it made. */
static inline int co__win_valid(const struct co_model *m,
                                const struct objent *o) {
  return o->pg.resident && co__is_live(m, o->pg.win) &&
         m->fd[o->pg.win].gen == o->pg.wingen;
}

/* Number n is still the one taken at generation gen (in use by an object,
 * not freed or taken again since). */
static inline int co__onum_is(const struct co_model *m, int64_t n,
                              uint32_t gen) {
  return n >= 0 && n < CO_OBJNUMS && m->onum_used[n] == 2 &&
         m->onum_gen[n] == gen;
}

static inline int co__onum_valid(const struct co_model *m,
                                 const struct objent *o) {
  return o->nb.on && co__onum_is(m, o->nb.n, o->nb.gen);
}

/* The slot of the live object wrapper o wraps, or -1 when that object is
 * gone (its slot may hold another object since: the generation tells). */
static inline int co__inner_of(const struct co_model *m,
                               const struct objent *o) {
  const struct objent *in;
  if (o->wrap.inner < 0)
    return -1;
  in = &m->obj[o->wrap.inner];
  return in->live && in->nb.on && in->nb.gen == o->wrap.gen ? o->wrap.inner
                                                            : -1;
}

/* A numbered object, or a wrapper over one, whose number was freed or given
 * to another object under it: what a call through it does depends on who
 * holds the number now, so it is never run. */
static inline int co__obj_lost(const struct co_model *m,
                               const struct objent *o) {
  if (o->nb.on)
    return !co__onum_valid(m, o);
  return o->wrap.inner >= 0 && !co__onum_is(m, o->wrap.n, o->wrap.gen);
}

static inline int64_t co__obj_number(const struct co_model *m,
                                     const struct objent *o) {
  (void)m;
  if (o->nb.on)
    return o->nb.n;
  return o->wrap.inner >= 0 ? o->wrap.n : -1;
}

/* A closed numbered object whose number is free now (not given out
 * again): a call on it passes a stale C-runtime descriptor, which is well
 * defined (docs/crt.md#close). */
static inline int co__stale_number(const struct co_model *m,
                                   const struct objent *o) {
  return !o->live && o->nb.on && o->nb.n >= 0 && o->nb.n < CO_OBJNUMS &&
         m->onum_used[o->nb.n] == 0;
}

/* co_model_is_foreign, the common cases inline: a number with an entry,
 * and a negative one where negatives name nothing (the foreign set is
 * sorted: none of it is negative if its first is not). */
static inline int co__is_foreign(const struct co_model *m, int64_t num) {
  if (num >= 0 && (uint64_t)num < m->cap)
    return m->fd[num].foreign;
  if (num < 0 && !m->plat->neg_foreign && (!m->nforeign || m->foreign[0] >= 0))
    return 0;
  return co_model_is_foreign(m, num);
}

/* co_model_owner, inline while no object was made in the trace (the
 * POSIX target's every step). */
static inline int co__owner(const struct co_model *m, int64_t num) {
  if (m->made)
    return co_model_owner(m, num);
  return co__is_live(m, num) ? CO_PARTY_CLIENT : CO_PARTY_NONE;
}
/* The description of live number num. */
static inline struct ofdent *co__ofd_of(const struct co_model *m, int64_t num) {
  return &m->ofd[m->fd[num].ofd];
}

/* ---- model.c: outcomes and observations ---- */
/* One operation as a step sees it, its entry looked up once. valid: op
 * is within range (kind, entry, object slots, mode) and c is of its
 * kind; else the model refuses it unseen. */
struct co__step {
  const struct co_op *op;
  const struct co_call *c;
  const struct co_entry_ref *r; /* CALL: its entry as registered (NULL:
                                   none, ENOSYS); e, ad, nmodes, binds are
                                   its fields */
  const struct co_entry *e;     /* CALL: its entry (NULL: none, ENOSYS) */
  const struct co_adapter *ad;  /* CALL: its adapter */
  unsigned nmodes;              /* CALL: the entry's mode count */
  int binds;                    /* co_call_binds */
  int valid;
  enum co_sit sa, sb; /* the operands' situations (co__step_sit) */
};
/* co_model_sit, inline for the step path. */
static inline enum co_sit co__sit(const struct co_model *m, struct co_ref r) {
  const struct slotent *sl;
  switch (r.type) {
  case CO_REF_SLOT:
    sl = &m->slot[r.idx % CO_SLOTS];
    if (sl->num < 0)
      return CO_SIT_UNSET;
    if (!co__is_live(m, sl->num))
      return CO_SIT_STALE;
    return m->fd[sl->num].gen == sl->gen ? CO_SIT_LIVE : CO_SIT_REUSED;
  case CO_REF_FREE:
    return co__is_live(m, m->freenum[r.idx % CO_FREE_REFS]) ? CO_SIT_FREE_LIVE
                                                            : CO_SIT_FREE;
  case CO_REF_AT:
    return co__is_live(m, m->atnum[r.idx % CO_AT_REFS]) ? CO_SIT_FREE_LIVE
                                                        : CO_SIT_FREE;
  case CO_REF_NEG:
    return CO_SIT_NEG;
  default:
    return CO_SIT_LIMIT;
  }
}

/* The step st with call c (its entry resolved once, co_step_of). */
static inline void co__step_init(struct co__step *s, const struct co_step *st,
                                 const struct co_call *c) {
  const struct co_op *op = st->op;
  const struct co_entry_ref *r = st->call;
  s->op = op;
  s->c = c;
  s->r = NULL;
  s->e = NULL;
  s->ad = NULL;
  s->nmodes = 0;
  s->binds = 0;
  s->valid = op->kind < CO_OP_COUNT && c->kind == op->kind;
  if (!s->valid || op->kind != CO_OP_CALL || !r)
    return; /* a CALL of no such entry: ENOSYS */
  s->r = r;
  s->e = r->e;
  s->ad = r->adapter;
  s->binds = r->binds;
  s->nmodes = r->nmodes;
  s->valid = op->obj < CO_OBJS &&
             op->dst < (s->binds == 2 ? CO_SLOTS : CO_OBJS) &&
             (!s->nmodes || op->flags < s->nmodes);
}

enum co_sit co__call_sit(const struct co_model *m, const struct co__step *s);
/* The operands' situations (coverage, in the transition id; the events
 * read them), of a valid step. */
static inline void co__step_sit(const struct co_model *m, struct co__step *s) {
  const struct co_op *op = s->op;
  const struct co_opdesc *d = &co_opdesc[op->kind];
  s->sa = s->sb = CO_SIT_NEG;
  if (op->kind == CO_OP_CALL)
    s->sa = co__call_sit(m, s);
  else if (d->nrefs >= 1)
    s->sa = co__sit(m, op->a);
  if (d->nrefs >= 2)
    s->sb = co__sit(m, op->b);
}
static inline void co__fail(struct co_outcome *o, int err) {
  o->ret = -1;
  o->err = err;
}
/* A seek's result: the offset moves to pos, which it returns; a negative
 * pos fails with err and leaves the offset. */
static inline void co__seek_to(struct ofdent *o, struct co_outcome *pred,
                               int64_t pos, int err) {
  if (pos < 0) {
    co__fail(pred, err);
    return;
  }
  o->off = pos;
  pred->ret = pos;
}
/* Record that num's validity or flags may have changed. The array holds
 * what any operation can touch (CO_TOUCH_MAX); an overflow is flagged,
 * never dropped silently. */
static inline void co__touch(struct co_aftermath *t, int64_t num) {
  if (num < 0)
    return;
  if (t->n < CO_TOUCH_MAX)
    t->num[t->n++] = num;
  else
    t->overflow = 1;
}

/* ---- layers.c: owner layers ---- */
/* A call's resolved context: the entry, its mode, its layer. */
struct co__callctx {
  const struct co_op *op;
  const struct co_call *c;
  const struct co_entry *e;
  const struct co_mode *md;
  unsigned base;    /* the layer's first entry id */
  int numbered;     /* the layer's objects are numbers */
  int errs;         /* the entry sets errno */
  struct objent *o; /* the object operand (or the one it makes) */
  struct objent *d; /* the second object operand (dst), masked */
};
/* numbered.c: _fstat, _filelength, _chsize (CO_EFF_STAT, SIZE, RESIZE) */
void co__numbered_file(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t);
void co__call_step(struct co_model *m, const struct co__step *s,
                   struct co_outcome *pred, struct co_aftermath *t);
/* The access an object's later I/O uses (CO_THEN_*, else CO_NEED_*). */
static inline uint8_t co__mode_does(const struct co_mode *md) {
  unsigned then = (md->needs >> 2) & (CO_NEED_READ | CO_NEED_WRITE);
  return (uint8_t)(then ? then : md->needs & (CO_NEED_READ | CO_NEED_WRITE));
}
/* An ownership-first entry (CO_IO_AS_RUN) whose library ran first
 * (x->c->real): asrun.c. */
void co__as_run_step(struct co_model *m, struct co__callctx *x,
                     struct co_outcome *pred, struct co_aftermath *t);
int co__call_hits_os(const struct co_entry *e, const struct objent *o);
/* The kind checks (contract.h CO_CHK_SOCKET, CO_CHK_POLL,
 * CO_CHK_WANTS_SOCKET): what kind num's description is, as they see it
 * (CO__KC_NONE: not open), and whether entry e accepts it (0: the client's
 * mistake). */
enum {
  CO__KC_NONE,
  CO__KC_FILE,
  CO__KC_DIR,
  CO__KC_PIPE,
  CO__KC_SOCKET,
  CO__KC_OTHER
};
int co__kind_class(const struct co_model *m, int64_t num);
int co__kind_accepted(const struct co_model *m, const struct co_entry *e,
                      int64_t num);
/* A layer call that would wait in the kernel (a USE through a full pipe):
 * never issued, as a built-in write that would wait. */
/* A layer's exact write through live number num, a pipe's or a socket's
 * end: the kind's write rule (layers.c; the pager's vwrite through its
 * window), its n bytes all fill (a library's zeros, the pager's
 * newlines). */
struct co__callctx;
void co__use_channel(struct co_model *m, struct co__callctx *x, int64_t num,
                     uint8_t fill, struct co_outcome *pred,
                     struct co_aftermath *t);
int co__call_would_block(const struct co_model *m, const struct co__step *s);
/* A read of a pipe or socket whose bytes an opaque layer wrote (how many
 * is not known): never issued (co_aftermath.blocks 3). */
int co__read_unknown(const struct co_model *m, const struct co_call *c);
int co__wrapped_layer(const struct co__step *s);
/* The first entry id of the layer whose objects the step's entry takes:
 * its own, or a wrapper's the wrapped layer's. */
static inline int co__operand_layer(const struct co__step *s) {
  return s->e->effect != CO_EFF_WRAP ? s->r->first : co__wrapped_layer(s);
}
int co__call_touches_foreign(const struct co_model *m,
                             const struct co__step *s);
/* The one object constructor: a fresh live object in o holding num. */
void co__obj_make(struct co_model *m, struct objent *o, int numbered,
                  unsigned base, int64_t num, int owns);
/* The one layer-side close rule: close what object o holds (if it owns
 * it, or closes any); CO_OK or the error. */
int co__obj_close_fd(struct co_model *m, struct objent *o, int owns_or_any,
                     struct co_aftermath *t);
int64_t co__obj_dup(struct co_model *m, const struct objent *o, int full,
                    int errs, struct co_outcome *pred, struct co_aftermath *t);
int co__mode_acc(const struct co_mode *md);

/* ---- numbered.c: the C runtime's descriptors ---- */
int co__onum_holder(const struct co_model *m, int64_t n);
/* A closed numbered object o of layer `layer` whose number was given to
 * another live object of that layer since: that object's slot, when a
 * call with effect f through o's number runs on it (docs/crt.md#stale:
 * _close, _get_osfhandle, _write, _lseek, _dup, _fstat, _filelength,
 * _chsize); else -1. */
int co__reused_holder(const struct co_model *m, const struct objent *o,
                      int layer, enum co_effect f);
int co__onum_take(struct co_model *m, struct objent *o);
int co__onum_left(const struct co_model *m);
int co__onum_lowest_free(const struct co_model *m);
int co__wrapper_of(const struct co_model *m, int k);
void co__numbered_close(struct co_model *m, struct co__callctx *x,
                        struct co_outcome *pred, struct co_aftermath *t);
void co__numbered_dup(struct co_model *m, struct co__callctx *x,
                      struct co_outcome *pred, struct co_aftermath *t);
void co__numbered_dup2(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t);
void co__numbered_wrap(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t);

/* ---- crtio.c: the C runtime's reads, writes and text modes ---- */
void co__crt_read(struct co_model *m, struct co__callctx *x,
                  struct co_outcome *pred, struct co_aftermath *t);
void co__crt_setmode(struct co_model *m, struct co__callctx *x,
                     struct co_outcome *pred, struct co_aftermath *t);
int co__crt_write(struct co_model *m, struct ofdent *d, unsigned own, int32_t n,
                  struct co_outcome *pred);
void co__crt_dup_flags(const struct co_model *m, const struct objent *o,
                       struct objent *d);
/* _doserrno after a failed ReadFile or WriteFile (docs/crt.md#doserrno) */
#define CO__ERROR_ACCESS_DENIED 5
#define CO__ERROR_INVALID_HANDLE 6

/* ---- paged.c: the descriptor pager ---- */
int co__pager_evicts(const struct co_model *m, const struct objent *o);
void co__pager_step(struct co_model *m, struct co__callctx *x,
                    struct co_outcome *pred, struct co_aftermath *t);

/* ---- events.c ---- */
int co__op_events(const struct co_model *m, const struct co__step *s,
                  struct co_event *ev, int *lost);
int co__call_events(const struct co_model *m, const struct co__step *s,
                    struct co_event *ev, int *lost);
/* The events of a valid step (co__step_init, co__step_sit), and how many
 * did not fit (*lost): a layer call's by the shape of its entry, a
 * built-in operation's by its kind (none for one without an operand). */
static inline int co__events(const struct co_model *m, const struct co__step *s,
                             struct co_event *ev, int *lost) {
  *lost = 0;
  if (s->op->kind == CO_OP_CALL)
    return s->e ? co__call_events(m, s, ev, lost) : 0;
  if (!co_opdesc[s->op->kind].nrefs)
    return 0;
  if (s->op->kind == CO_OP_EPOLL_WAIT) /* evdir: a stale registration */
    return co__op_events(m, s, ev, lost);
  /* With no object made, no number has an owner but the client: a
   * built-in operation's only events are then its operands' situations,
   * a stale or reused first one, a reused second (events.c). */
  if (!m->made && s->sa != CO_SIT_STALE && s->sa != CO_SIT_REUSED &&
      s->sb != CO_SIT_REUSED && !(m->plat->pre && co__is_sock(m, s->c->a)))
    return 0;
  return co__op_events(m, s, ev, lost);
}
#endif
