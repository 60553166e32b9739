/*
 * The POSIX (Linux) rules: one function per built-in operation, each with
 * its source, and the platform table that the model dispatches on. The
 * table is the reference; win32_rules.c overrides what HANDLEs do
 * differently. Rules run after the step's events and refusal guard, on a
 * call whose references are resolved (struct co_call). Not modelled: EINTR
 * and EIO from close (the descriptor is freed anyway, man close NOTES),
 * EBUSY from dup2 races (single-threaded traces), descriptor limits other
 * than RLIMIT_NOFILE.
 */
#include "model_internal.h"

/* The kernel takes descriptor arguments as unsigned int (fs/file.c); a
 * negative number is a huge one, never open, never below the limit. */
#define UA(c) ((uint32_t)(c)->a)
#define UB(c) ((uint32_t)(c)->b)

/* man open: lowest unused number, a new open file description; cloexec iff
 * O_CLOEXEC; EMFILE at RLIMIT_NOFILE. */
void co__rule_open(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t) {
  int32_t ofd;
  int64_t n = m->plat->alloc(m, 0);
  if (n < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  ofd = co__new_ofd(m, c->flags & CO_F_ACC_MASK, c->flags & CO_F_APPEND);
  if (ofd < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  co__install(m, n, ofd, c->flags & CO_F_CLOEXEC);
  /* the backend creates a file by name (O_CREAT) unless it can make it
   * unnamed (O_TMPFILE, write access only): docs/posix.md#reopen */
  m->ofd[ofd].created =
      (uint8_t)((c->flags & CO_F_ACC_MASK) == CO_F_ACC_RDONLY ||
                !m->files.tmpfile);
  pred->ret = n;
  co__touch(t, n);
}

/* man dup: EBADF; lowest unused number, same description, cloexec off. */
void co__rule_dup(struct co_model *m, const struct co_call *c,
                  struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n;
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  n = m->plat->alloc(m, 0);
  if (n < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  co__dup_new(m, n, c->a, 0, pred, t);
}

/* docs/posix.md#dup2: oldfd == newfd returns newfd if oldfd is open
 * (cloexec kept), else EBADF; newfd >= limit: EBADF; oldfd not open:
 * EBADF and newfd untouched. */
void co__rule_dup2(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t) {
  co__touch(t, c->b);
  if (UA(c) == UB(c)) {
    if (co__is_live(m, c->a))
      pred->ret = c->a;
    else
      co__fail(pred, CO_EBADF);
    return;
  }
  if ((int64_t)UB(c) >= m->limit || !co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  co__dup_onto(m, c->a, c->b, 0, pred, t);
}

/* man dup3; fs/file.c ksys_dup3: bad flags EINVAL, then oldfd == newfd
 * EINVAL, then newfd >= limit EBADF, then oldfd not open EBADF. */
void co__rule_dup3(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t) {
  co__touch(t, c->b);
  if ((c->flags & CO_F_BIT1) || UA(c) == UB(c)) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if ((int64_t)UB(c) >= m->limit || !co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  co__dup_onto(m, c->a, c->b, c->flags & CO_F_BIT0, pred, t);
}

/* man fcntl: F_DUPFD(_CLOEXEC) gives the lowest free number >= arg; the
 * descriptor is looked up first (EBADF), then arg >= limit (arg is
 * unsigned, so -1 too) is EINVAL; none free below the limit: EMFILE
 * (docs/posix.md#fcntl-dupfd). */
void co__rule_dupfd(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n;
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  if ((int64_t)UB(c) >= m->limit) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  n = m->plat->alloc(m, (int64_t)UB(c));
  if (n < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  co__dup_new(m, n, c->a, c->flags & CO_F_BIT0, pred, t);
}

/* man fcntl: F_GETFD returns the per-descriptor FD_CLOEXEC bit. */
void co__rule_getfd(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  co__touch(t, c->a);
  if (!co__is_live(m, c->a))
    co__fail(pred, CO_EBADF);
  else
    pred->ret = m->fd[c->a].cloexec;
}

void co__rule_setfd(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  co__touch(t, c->a);
  if (!co__is_live(m, c->a))
    co__fail(pred, CO_EBADF);
  else
    m->fd[c->a].cloexec = (uint8_t)(c->flags & CO_F_BIT0);
}

/* man fcntl: F_GETFL reads the open file description's flags; the value
 * is normalized to CO_F_ACC_* | CO_F_APPEND by the backend, O_NONBLOCK in
 * its data (unknown once a layer's object held the description). */
void co__rule_getfl(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  const struct ofdent *o;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  o = co__ofd_of(m, c->a);
  pred->ret = o->acc | (o->append ? CO_F_APPEND : 0);
  if (o->nonblock < 2) {
    pred->data = o->nonblock ? CO_GETFL_NONBLOCK : 0;
    pred->dmask = CO_GETFL_NONBLOCK;
  }
}

/* man fcntl: F_SETFL sets O_APPEND and O_NONBLOCK (O_NDELAY is the same
 * bit on Linux) on the description, clearing what the argument leaves
 * out: every descriptor on it sees the change (docs/posix.md#fcntl-flags,
 * docs/posix.md#nonblock). */
void co__rule_setfl(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  o = co__ofd_of(m, c->a);
  o->append = (uint8_t)(c->flags & CO_F_BIT0);
  o->nonblock = (uint8_t)((c->flags & (CO_F_BIT1 | CO_F_BIT2)) != 0);
}

/* man close: not open -> EBADF; otherwise freed, even on error.
 * CloseHandle: a closed or never-valid value -> FALSE,
 * ERROR_INVALID_HANDLE (docs/win32.md#closehandle); a protected handle ->
 * FALSE, GLE 6, and it stays open (docs/win32.md#protect). */
void co__rule_close(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  int err;
  co__touch(t, c->a);
  if ((err = co__fd_close(m, c->a)) != CO_OK)
    co__fail(pred, err);
}

/* man close_range; fs/file.c close_range: a flag other than
 * CLOSE_RANGE_UNSHARE and CLOSE_RANGE_CLOEXEC -> EINVAL, then first > last
 * (unsigned) -> EINVAL; otherwise every open number in the range is closed
 * (or marked cloexec), errors ignored. CLOSE_RANGE_UNSHARE gives the
 * calling thread a table of its own first: the trace's numbers are the
 * same after it (docs/posix.md#close-range-flags). Foreign numbers are
 * outside any trace: the executor splits the call around them. */
void co__rule_close_range(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t) {
  t->sweep = 1;
  if ((c->flags & CO_F_BIT2) || UA(c) > UB(c)) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  co__close_range(m, UA(c), UB(c), c->flags & CO_F_BIT0);
}

/* man write: EBADF if not open for writing (ro_err: what the platform
 * says for a description without write access); a count of 0 returns 0
 * and changes nothing; O_APPEND moves the offset to the end first. */
/* (co__io_ofd: model_internal.h) */
struct ofdent *co__io_ofd(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t,
                          int deny, int err) {
  struct ofdent *o;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return NULL;
  }
  o = co__ofd_of(m, c->a);
  if (o->acc == deny) {
    co__fail(pred, err);
    return NULL;
  }
  return o;
}

void co__write_with(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t,
                    int ro_err) {
  struct ofdent *o = co__io_ofd(m, c, pred, t, CO_F_ACC_RDONLY, ro_err);
  if (!o)
    return;
  pred->ret = c->n;
  /* the bytes are the backends' pattern (CO_WRITE_BYTE) */
  co__ofd_write_as(m, o, c->n, 1);
  t->offset_num = c->a;
}

/* A live description of a kind with no offset (a pipe end, a socket)
 * that c reads or writes, or NULL (a file, or not open: the file rules).
 * Nothing to observe after it: a read or write changes no number's
 * validity or flags, and there is no offset (docs/posix.md#pipes). */
static struct ofdent *chan_ofd(const struct co_model *m,
                               const struct co_call *c) {
  struct ofdent *o;
  if (!co__is_live(m, c->a))
    return NULL;
  o = co__ofd_of(m, c->a);
  return o->kind == CO__KIND_PIPE || o->kind == CO__KIND_SOCKET ? o : NULL;
}

void co__rule_write(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o = chan_ofd(m, c);
  if (!o)
    co__write_with(m, c, pred, t, CO_EBADF);
  else if (o->acc == CO_F_ACC_RDONLY) /* a pipe's read end */
    co__fail(pred, CO_EBADF);
  else if (o->kind == CO__KIND_SOCKET)
    co__sock_write(m, c, o, pred); /* docs/posix.md#sockets */
  else
    co__pipe_write(m, c, o, pred); /* docs/posix.md#pipes */
}

/* man lseek: the offset of the description; a negative result is EINVAL
 * and leaves the offset. */
void co__rule_lseek(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o;
  int64_t base, pos;
  int err;
  co__touch(t, c->a);
  if ((err = m->hook.seek_early(c)) != CO_OK) {
    co__fail(pred, err);
    return;
  }
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  o = co__ofd_of(m, c->a);
  if (o->kind != CO__KIND_FILE) { /* docs/posix.md#pipes: no offset */
    /* Win32: SetFilePointerEx on a pipe end, run only where it fails
     * (quirk WINE_PIPE_SEEK_FAILS, docs/win32.md#pipes): EINVAL */
    co__fail(pred, m->plat == &co__win32_platform ? CO_EINVAL : CO_ESPIPE);
    return;
  }
  switch (c->flags & CO_F_WHENCE_MASK) {
  case 0:
    base = 0;
    break;
  case 1:
    base = o->off;
    break;
  default:
    base = m->fsize[o->file];
  }
  if (base < 0) {
    /* Unknown after a layer's opaque I/O: the platform tells. */
    pred->ret = CO_RET_ANY;
    o->off = -1;
    return;
  }
  pos = base + c->n;
  co__seek_to(o, pred, pos, CO_EINVAL);
}

/* docs/posix.md#read: EBADF if not open or not open for reading (checked
 * before the count: a read of 0 bytes on a write-only descriptor is
 * EBADF too); then co__read_from. */
void co__rule_read(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o = chan_ofd(m, c);
  if (o && o->acc == CO_F_ACC_WRONLY) /* a pipe's write end */
    co__fail(pred, CO_EBADF);
  else if (o && o->kind == CO__KIND_SOCKET)
    co__sock_read(m, c, o, pred); /* docs/posix.md#sockets */
  else if (o)
    co__pipe_read(m, c, o, pred); /* docs/posix.md#pipes */
  else if ((o = co__io_ofd(m, c, pred, t, CO_F_ACC_WRONLY, CO_EBADF)))
    co__read_from(m, c, o, pred, t);
}

/* A read through description o that may read: min(n, size - offset)
 * bytes, 0 at or past the end; the offset moves by what was read; the
 * bytes are the writes' (zeros in a gap). O_NONBLOCK changes nothing on a
 * regular file. */
void co__read_from(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred,
                   struct co_aftermath *t) {
  const struct co__content *f;
  int64_t size, k;
  size = m->fsize[o->file];
  if (o->off < 0 || size < 0) {
    /* after a layer's opaque I/O: the platform tells */
    pred->ret = CO_RET_ANY;
    o->off = -1;
    return;
  }
  k = size - o->off;
  k = k < 0 ? 0 : k > c->n ? c->n : k;
  f = &m->content[o->file];
  if (!f->lost) {
    pred->data = co_bytes_digest(k ? f->b + o->off : f->b, (size_t)k);
    pred->dmask = ~(uint64_t)0;
  }
  pred->ret = k;
  o->off += k;
  t->offset_num = c->a;
}

/* docs/posix.md#fstat: EBADF if not open; a trace's file is a regular
 * file, mode 0600 (the backend creates it so) or what fchmod made it,
 * unlinked (st_nlink 0), of
 * the size the writes made; another descriptor on it is the same file
 * (st_dev, st_ino). */
void co__rule_fstat(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  /* a kind's st_mode type (docs/posix.md#kinds): a pipe is a FIFO, of
   * one link and size 0 (fs/pipe.c get_pipe_inode) */
  static const unsigned type[CO__KIND_COUNT] = {[CO__KIND_FILE] = 0100000,
                                                [CO__KIND_PIPE] = 0010000,
                                                [CO__KIND_SOCKET] = 0140000};
  const struct ofdent *o;
  int64_t size, other;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  o = co__ofd_of(m, c->a);
  size = m->fsize[o->file];
  pred->data =
      co_stat_pack(type[o->kind] | m->content[o->file].mode,
                   o->kind != CO__KIND_FILE, size < 0 ? 0 : (uint64_t)size);
  pred->dmask =
      size < 0 ? ((uint64_t)1 << CO_STAT_SIZE_SHIFT) - 1 : ~(uint64_t)0;
  if ((other = co__same_file_other(m, c->a)) >= 0) {
    t->same_a = c->a;
    t->same_b = other;
    t->same_file = 1;
  }
}

/* docs/posix.md#fchmod; fs/open.c fchmod: EBADF if not open; otherwise
 * the file's permission bits are the mode, whatever the descriptor's
 * access: every descriptor on the file sees them (the caller owns the
 * file: the backend made it). */
void co__rule_fchmod(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  m->content[co__ofd_of(m, c->a)->file].mode = (uint16_t)(c->n & 0777);
}

/* setrlimit(RLIMIT_NOFILE) of the soft limit to the operand's number, the
 * hard one kept (docs/posix.md#setlimit): above the hard limit (-1 is
 * RLIM_INFINITY) EINVAL and nothing changes; otherwise every later
 * allocation, dup2/dup3 target and F_DUPFD minimum is checked against the
 * new limit, and descriptors open at or above it stay open. */
void co__rule_setlimit(struct co_model *m, const struct co_call *c,
                       struct co_outcome *pred, struct co_aftermath *t) {
  (void)t;
  if ((uint64_t)c->a > (uint64_t)m->hard) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  m->limit = c->a;
}

/* Linux: every number is a candidate, the lowest free wins; f0 and above
 * are the trace's. */
static int64_t posix_watermark(const struct co_model *m) {
  return m->freenum[CO_PAGER_LOW];
}

const struct co__platform co__posix_platform = {
    .stride = 1,
    .rule =
        {CO__SHARED_RULES, [CO_OP_WRITE] = co__rule_write_k,
         [CO_OP_READ] = co__rule_read_k, [CO_OP_FSTAT] = co__rule_fstat_k,
         [CO_OP_LSEEK_EXT] = co__rule_lseek_ext_k,
         [CO_OP_SETLIMIT] = co__rule_setlimit,
         [CO_OP_FTRUNCATE] = co__rule_ftruncate_k,
         [CO_OP_FCHMOD] = co__rule_fchmod, [CO_OP_REOPEN] = co__rule_reopen,
         [CO_OP_CREATED_QUERY] = co__rule_created_query,
         [CO_OP_THREAD] = co__rule_thread, [CO_OP_PIPE] = co__rule_pipe,
         [CO_OP_PIPE2] = co__rule_pipe,
         [CO_OP_SOCKETPAIR] = co__rule_socketpair,
         [CO_OP_SHUTDOWN] = co__rule_shutdown, [CO_OP_LISTEN] = co__rule_listen,
         [CO_OP_CONNECT] = co__rule_connect, [CO_OP_ACCEPT] = co__rule_accept,
         [CO_OP_ACCEPT4] = co__rule_accept,
         /* evdir: directories, eventfd, epoll (models/evdir.c) */
         [CO_OP_OPENDIR] = co__rule_opendir, [CO_OP_EVENTFD] = co__rule_eventfd,
         [CO_OP_EPOLL_CREATE] = co__rule_epoll_create,
         [CO_OP_EPOLL_CTL] = co__rule_epoll_ctl,
         [CO_OP_EPOLL_WAIT] = co__rule_epoll_wait},
    .alloc = co__lowest_free,
    .lowest_free = 1,
    .watermark = posix_watermark,
};
