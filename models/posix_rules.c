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
 * is normalized to CO_F_ACC_* | CO_F_APPEND by the backend. */
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
}

/* man fcntl: F_SETFL changes O_APPEND on the description: every
 * descriptor on it sees the change (docs/posix.md#fcntl-flags). */
void co__rule_setfl(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  co__touch(t, c->a);
  if (!co__is_live(m, c->a))
    co__fail(pred, CO_EBADF);
  else
    co__ofd_of(m, c->a)->append = (uint8_t)(c->flags & CO_F_BIT0);
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
void co__write_with(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t,
                    int ro_err) {
  struct ofdent *o;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  o = co__ofd_of(m, c->a);
  if (o->acc == CO_F_ACC_RDONLY) {
    co__fail(pred, ro_err);
    return;
  }
  pred->ret = c->n;
  co__ofd_write(m, o, c->n);
  t->offset_num = c->a;
}

void co__rule_write(struct co_model *m, const struct co_call *c,
                    struct co_outcome *pred, struct co_aftermath *t) {
  co__write_with(m, c, pred, t, CO_EBADF);
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
  if (pos < 0) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  o->off = pos;
  pred->ret = pos;
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
    .rule = {CO__SHARED_RULES, [CO_OP_WRITE] = co__rule_write,
             [CO_OP_SETLIMIT] = co__rule_setlimit},
    .alloc = co__lowest_free,
    .lowest_free = 1,
    .watermark = posix_watermark,
};
