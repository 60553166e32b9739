/*
 * Directories, eventfd and epoll descriptors (Linux; issue 20, evdir): the
 * rules of opendir, eventfd, epoll_create1, epoll_ctl and epoll_wait, the
 * rules of read, write, lseek, lseek_ext, fstat and ftruncate on a
 * description that is not a regular file (each falls back to the file
 * rule otherwise), the calls that are not issued on them (a call that
 * would block, or whose effect the model does not follow), and the stale
 * registration epoll_wait reports. Each rule cites its section of
 * docs/posix.md, where its sources are.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

#define EFD_MAX UINT64_MAX /* the counter never reaches it (man eventfd) */
/* readiness the model does not know (a pipe a layer's bytes went through) */
#define RDY_UNKNOWN 0x80u

/* One of this module's kinds (pipes and sockets are chan.c's, sock.c's). */
static int evdir_kind(unsigned k) {
  return k == CO__KIND_DIR || k == CO__KIND_EVENTFD || k == CO__KIND_EPOLL;
}

int co__kind_of(const struct co_model *m, int64_t num) {
  return co__is_live(m, num) ? co__ofd_of(m, num)->kind : CO__KIND_FILE;
}

static struct co__table rule_table(const struct co_model *m) {
  struct co__table t = {m->fd, m->cap};
  return t;
}
static int kind_in(const struct co_model *m, struct co__table t, int64_t num) {
  int32_t o = co__table_ofd(t, num);
  return o >= 0 ? m->ofd[o].kind : CO__KIND_FILE;
}

void co__evdir_begin(struct co_model *m) {
  m->nepreg = 0;
  unsigned k;
  for (k = 0; k < CO__KIND_COUNT; k++)
    m->kfile[k] = -1;
  m->nkind = 0;
}

/* A new description of kind k for a new number; -1 with the error set. */
static int64_t new_kind(struct co_model *m, int kind, int acc, int append,
                        int cloexec, struct co_outcome *pred,
                        struct co_aftermath *t) {
  int32_t ofd,
      *file = &m->kfile[kind == CO__KIND_DIR ? CO__KIND_DIR : CO__KIND_EVENTFD];
  int64_t n = m->plat->alloc(m, 0);
  if (n < 0) {
    co__fail(pred, CO_EMFILE);
    return -1;
  }
  ofd = *file >= 0 ? co__new_ofd_on(m, *file, acc, append)
                   : co__new_ofd(m, acc, append);
  if (ofd < 0) {
    co__fail(pred, CO_OTHER);
    return -1;
  }
  *file = m->ofd[ofd].file;
  m->ofd[ofd].kind = (uint8_t)kind;
  m->nkind++;
  m->ofd[ofd].created = 0;
  co__install(m, n, ofd, cloexec);
  pred->ret = n;
  co__touch(t, n);
  return n;
}

/* docs/posix.md#dirs: open(2) with O_DIRECTORY: a number first (EMFILE),
 * then write access to a directory is EISDIR; every opendir names the one
 * private directory (the same file). */
void co__rule_opendir(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  if ((c->flags & CO_F_ACC_MASK) != CO_F_ACC_RDONLY) {
    if (m->plat->alloc(m, 0) < 0)
      co__fail(pred, CO_EMFILE);
    else
      co__fail(pred, CO_EISDIR);
    return;
  }
  new_kind(m, CO__KIND_DIR, CO_F_ACC_RDONLY, c->flags & CO_F_APPEND,
           c->flags & CO_F_CLOEXEC, pred, t);
}

/* docs/posix.md#eventfd: eventfd2(N, flags): a new description, read and
 * write, its counter N; EFD_NONBLOCK is its O_NONBLOCK. */
void co__rule_eventfd(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n = new_kind(m, CO__KIND_EVENTFD, CO_F_ACC_RDWR, 0,
                       c->flags & CO_F_EFD_CLOEXEC, pred, t);
  struct ofdent *o;
  if (n < 0)
    return;
  o = co__ofd_of(m, n);
  o->count = (uint64_t)(c->n < 0 ? 0 : c->n);
  o->sem = (uint8_t)((c->flags & CO_F_EFD_SEMAPHORE) != 0);
  o->nonblock = (uint8_t)((c->flags & CO_F_EFD_NONBLOCK) != 0);
}

/* docs/posix.md#epoll: epoll_create1: a new description, read and write,
 * with an empty interest list. */
void co__rule_epoll_create(struct co_model *m, const struct co_call *c,
                           struct co_outcome *pred, struct co_aftermath *t) {
  new_kind(m, CO__KIND_EPOLL, CO_F_ACC_RDWR, 0, c->flags & CO_F_BIT0, pred, t);
}

/* ---- the interest lists ---- */

static int reg_alive(const struct co_model *m, const struct co__epreg *r) {
  return r->live && m->ofd[r->ep].refs > 0 && m->ofd[r->ofd].refs > 0;
}

/* The live registration of (ofd, num) in epoll description ep, or -1. */
static int reg_find(const struct co_model *m, int32_t ep, int32_t ofd,
                    int64_t num) {
  unsigned i;
  for (i = 0; i < m->nepreg; i++)
    if (m->epreg[i].ep == ep && m->epreg[i].ofd == ofd &&
        m->epreg[i].num == num && reg_alive(m, &m->epreg[i]))
      return (int)i;
  return -1;
}

/* docs/posix.md#epoll-wait: what description ofd is ready for (CO_EPOLL_*):
 * an eventfd is readable while its counter is above 0 and writable while
 * it is below UINT64_MAX - 1; an epoll is readable while a registration of
 * its own is ready (depth: the nesting, which the model bounds). */
static unsigned ready_bits(const struct co_model *m, int32_t ofd,
                           unsigned depth);
static unsigned reg_events(const struct co_model *m, const struct co__epreg *r,
                           unsigned depth) {
  unsigned b;
  if (!reg_alive(m, r))
    return 0;
  b = ready_bits(m, r->ofd, depth);
  return b & RDY_UNKNOWN ? RDY_UNKNOWN
                         : b & (r->events | CO_EPOLL_ERR | CO_EPOLL_HUP);
}
/* A pipe end (fs/pipe.c pipe_poll): the read end readable while bytes
 * are queued and hung up when no writer is left; the write end writable
 * while a buffer is free and in error when no reader is left. A pipe a
 * layer's bytes went through: not known (RDY_UNKNOWN). */
static unsigned pipe_ready(const struct co_model *m, const struct ofdent *o) {
  const struct co__chan *ch = &m->chan[o->kobj];
  unsigned b = 0;
  if (ch->lost)
    return RDY_UNKNOWN;
  if (o->acc != CO_F_ACC_WRONLY)
    b |= (ch->len > 0 ? CO_EPOLL_IN : 0) | (ch->writers ? 0 : CO_EPOLL_HUP);
  if (o->acc != CO_F_ACC_RDONLY)
    b |= (ch->nseg < ch->bufs ? CO_EPOLL_OUT : 0) |
         (ch->readers ? 0 : CO_EPOLL_ERR);
  return b;
}
static unsigned ready_bits(const struct co_model *m, int32_t ofd,
                           unsigned depth) {
  const struct ofdent *o = &m->ofd[ofd];
  unsigned i, b, any = 0;
  if (o->kind == CO__KIND_PIPE)
    return pipe_ready(m, o);
  if (o->kind == CO__KIND_EVENTFD)
    return (o->count > 0 ? CO_EPOLL_IN : 0) |
           (o->count < EFD_MAX - 1 ? CO_EPOLL_OUT : 0);
  if (o->kind != CO__KIND_EPOLL || depth > 4)
    return 0;
  for (i = 0; i < m->nepreg; i++)
    if (m->epreg[i].ep == ofd &&
        (b = reg_events(m, &m->epreg[i], depth + 1)) != 0)
      any |= b & RDY_UNKNOWN ? RDY_UNKNOWN : CO_EPOLL_IN;
  return any & CO_EPOLL_IN ? CO_EPOLL_IN : any;
}

/* How many epolls deep below description ofd registrations go (0: none of
 * its registrations is an epoll), and how many above it hold it. */
static unsigned nest_below(const struct co_model *m, int32_t ofd,
                           unsigned depth) {
  unsigned i, d = 0, k;
  if (depth > 4)
    return depth;
  for (i = 0; i < m->nepreg; i++)
    if (m->epreg[i].ep == ofd && reg_alive(m, &m->epreg[i]) &&
        m->ofd[m->epreg[i].ofd].kind == CO__KIND_EPOLL &&
        (k = 1 + nest_below(m, m->epreg[i].ofd, depth + 1)) > d)
      d = k;
  return d;
}
static unsigned nest_above(const struct co_model *m, int32_t ofd,
                           unsigned depth) {
  unsigned i, d = 0, k;
  if (depth > 4)
    return depth;
  for (i = 0; i < m->nepreg; i++)
    if (m->epreg[i].ofd == ofd && reg_alive(m, &m->epreg[i]) &&
        (k = 1 + nest_above(m, m->epreg[i].ep, depth + 1)) > d)
      d = k;
  return d;
}
/* Epoll description from reaches description to through registrations. */
static int reaches(const struct co_model *m, int32_t from, int32_t to,
                   unsigned depth) {
  unsigned i;
  if (from == to)
    return 1;
  if (depth > 4)
    return 0;
  for (i = 0; i < m->nepreg; i++)
    if (m->epreg[i].ep == from && reg_alive(m, &m->epreg[i]) &&
        m->ofd[m->epreg[i].ofd].kind == CO__KIND_EPOLL &&
        reaches(m, m->epreg[i].ofd, to, depth + 1))
      return 1;
  return 0;
}

/* The error epoll_ctl gives before the interest list is looked at
 * (docs/posix.md#epoll-ctl: fs/eventpoll.c do_epoll_ctl), or CO_OK. */
static int ctl_early(const struct co_model *m, struct co__table t,
                     const struct co_call *c) {
  int tk;
  int32_t ep = co__table_ofd(t, c->a), ofd = co__table_ofd(t, c->b);
  if (ep < 0 || ofd < 0)
    return CO_EBADF;
  tk = m->ofd[ofd].kind;
  if (tk == CO__KIND_FILE || tk == CO__KIND_DIR)
    return CO_EPERM; /* no poll: a regular file, a directory */
  if (ep == ofd || m->ofd[ep].kind != CO__KIND_EPOLL)
    return CO_EINVAL;
  if (!(c->flags & CO_F_EPCTL_DEL) && tk == CO__KIND_EPOLL &&
      reaches(m, ofd, ep, 0))
    return CO_ELOOP;
  return CO_OK;
}

/* docs/posix.md#epoll-ctl: EPOLL_CTL_ADD registers (the target's
 * description, the number) with the events asked for, EEXIST if that key
 * is registered; EPOLL_CTL_DEL removes it, ENOENT if it is not. */
void co__rule_epoll_ctl(struct co_model *m, const struct co_call *c,
                        struct co_outcome *pred, struct co_aftermath *t) {
  int err = ctl_early(m, rule_table(m), c), k;
  int32_t ep, ofd;
  unsigned i;
  (void)t;
  if (err != CO_OK) {
    co__fail(pred, err);
    return;
  }
  ep = m->fd[c->a].ofd;
  ofd = m->fd[c->b].ofd;
  k = reg_find(m, ep, ofd, c->b);
  if (c->flags & CO_F_EPCTL_DEL) {
    if (k < 0)
      co__fail(pred, CO_ENOENT);
    else
      m->epreg[k].live = 0;
    return;
  }
  if (k >= 0) {
    co__fail(pred, CO_EEXIST);
    return;
  }
  for (i = 0; i < m->nepreg && reg_alive(m, &m->epreg[i]); i++)
    ;
  if (i == m->nepreg)
    m->nepreg++; /* co__kind_refuses keeps it within CO__EPREG_MAX */
  m->epreg[i].ep = ep;
  m->epreg[i].ofd = ofd;
  m->epreg[i].num = c->b;
  m->epreg[i].events =
      (uint8_t)((c->flags & CO_F_EPCTL_IN ? CO_EPOLL_IN : 0) |
                (c->flags & CO_F_EPCTL_OUT ? CO_EPOLL_OUT : 0));
  m->epreg[i].live = 1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

uint64_t co_epoll_digest(uint64_t *keys, size_t n) {
  uint8_t b[8];
  uint64_t h = co_bytes_digest(NULL, 0);
  size_t i, j;
  qsort(keys, n, sizeof *keys, cmp_u64);
  for (i = 0; i < n; i++) {
    for (j = 0; j < 8; j++)
      b[j] = (uint8_t)(keys[i] >> (8 * j));
    for (j = 0; j < 8; j++) {
      h ^= b[j];
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

/* The ready registrations of epoll description ep: their keys (up to
 * cap), and how many there are. */
static unsigned ready_keys(const struct co_model *m, int32_t ep, uint64_t *keys,
                           unsigned cap, int *unknown) {
  unsigned i, n = 0, ev;
  *unknown = 0;
  for (i = 0; i < m->nepreg; i++)
    if (m->epreg[i].ep == ep && (ev = reg_events(m, &m->epreg[i], 0)) != 0) {
      *unknown |= (ev & RDY_UNKNOWN) != 0;
      if (n < cap)
        keys[n] = (uint64_t)(uint32_t)m->epreg[i].num << 32 | ev;
      n++;
    }
  return n;
}

/* docs/posix.md#epoll-wait: maxevents <= 0 is EINVAL before the descriptor
 * is looked up (EBADF), or after it where the kernel looks it up first
 * (files.epwait_fd_first), then one that is not an epoll is EINVAL; the
 * timeout is 0: it returns the ready registrations at once (level
 * triggered: nothing changes), at most N. Their set is predicted when all
 * of them fit; the kernel's ready list picks which when they do not. */
void co__rule_epoll_wait(struct co_model *m, const struct co_call *c,
                         struct co_outcome *pred, struct co_aftermath *t) {
  uint64_t keys[CO__EPREG_MAX];
  unsigned n;
  int unknown;
  co__touch(t, c->a);
  if (c->n <= 0 && !(m->files.epwait_fd_first && !co__is_live(m, c->a))) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  if (co__kind_of(m, c->a) != CO__KIND_EPOLL) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  n = ready_keys(m, m->fd[c->a].ofd, keys, CO__EPREG_MAX, &unknown);
  if (unknown) { /* a pipe a layer's bytes went through */
    pred->ret = CO_RET_ANY;
    return;
  }
  pred->ret = n < (unsigned)c->n ? (int64_t)n : (int64_t)c->n;
  if (n <= (unsigned)c->n) {
    pred->data = co_epoll_digest(keys, n);
    pred->dmask = ~(uint64_t)0;
  }
}

int64_t co__epoll_stale(const struct co_model *m, const struct co_call *c) {
  struct co__table tb = co__step_table(m);
  unsigned i, n = 0;
  int32_t ep;
  int64_t stale = -1;
  if (c->n <= 0 || kind_in(m, tb, c->a) != CO__KIND_EPOLL)
    return -1;
  ep = co__table_ofd(tb, c->a);
  for (i = 0; i < m->nepreg; i++) {
    const struct co__epreg *r = &m->epreg[i];
    unsigned ev;
    if (r->ep != ep || !(ev = reg_events(m, r, 0)))
      continue;
    if (ev & RDY_UNKNOWN)
      return -1; /* which are reported is not known */
    n++;
    if (stale < 0 && co__table_ofd(tb, r->num) != r->ofd)
      stale = r->num;
  }
  /* reported for certain only when every ready one fits */
  return n <= (unsigned)c->n ? stale : -1;
}

/* ---- read, write, seeks, fstat, ftruncate on the other kinds ---- */

/* The write pattern's first 8 bytes as a host-order counter value: what a
 * write to an eventfd adds (docs/posix.md#eventfd-write). */
static uint64_t efd_value(const struct co_model *m) {
  uint64_t v;
  memcpy(&v, m->pattern, sizeof v);
  return v;
}

/* The description of c's live first operand if it is of this module's
 * kinds, else NULL (the rule of its own kind applies). */
static struct ofdent *other_kind(struct co_model *m, const struct co_call *c) {
  struct ofdent *o;
  if (!co__is_live(m, c->a))
    return NULL;
  o = co__ofd_of(m, c->a);
  return evdir_kind(o->kind) ? o : NULL;
}

/* docs/posix.md#dirs, #eventfd-read, #epoll: a directory's read is EISDIR;
 * an eventfd's of fewer than 8 bytes EINVAL, else 8 bytes, its counter
 * (1 in semaphore mode), which drops by that much, EAGAIN at 0 with
 * O_NONBLOCK; an epoll's EINVAL. */
void co__rule_read_k(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o = other_kind(m, c);
  uint64_t v;
  uint8_t b[8];
  if (!o) {
    co__rule_read(m, c, pred, t);
    return;
  }
  co__touch(t, c->a);
  if (o->kind == CO__KIND_DIR || o->kind == CO__KIND_EPOLL || c->n < 8) {
    co__fail(pred, o->kind == CO__KIND_DIR ? CO_EISDIR : CO_EINVAL);
    return;
  }
  if (o->count == 0) { /* with O_NONBLOCK: co__kind_refuses */
    co__fail(pred, CO_EAGAIN);
    return;
  }
  v = o->sem ? 1 : o->count;
  o->count -= v;
  memcpy(b, &v, sizeof b);
  pred->ret = 8;
  pred->data = co_bytes_digest(b, sizeof b);
  pred->dmask = ~(uint64_t)0;
}

/* An eventfd write of n bytes is the size the kernel takes. */
static int efd_size_ok(const struct co_model *m, int32_t n) {
  return m->files.efd_exact ? n == 8 : n >= 8;
}

/* docs/posix.md#dirs, #eventfd-write, #epoll: a directory is open for
 * reading only (EBADF); an eventfd takes 8 bytes (else EINVAL) and adds
 * their value, EAGAIN with O_NONBLOCK when the sum would reach
 * UINT64_MAX; an epoll's write is EINVAL. */
void co__rule_write_k(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o = other_kind(m, c);
  uint64_t v = efd_value(m);
  if (!o || o->kind == CO__KIND_DIR) {
    co__rule_write(m, c, pred, t); /* a directory: read-only, EBADF */
    return;
  }
  co__touch(t, c->a);
  if (o->kind == CO__KIND_EPOLL || !efd_size_ok(m, c->n) || v == EFD_MAX) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if (EFD_MAX - o->count <= v) { /* with O_NONBLOCK: co__kind_refuses */
    co__fail(pred, CO_EAGAIN);
    return;
  }
  o->count += v;
  pred->ret = 8;
}

/* docs/posix.md#dirs, #eventfd-seek: an eventfd or an epoll does not seek
 * (noop_llseek: any whence lseek takes returns the position, 0); a
 * directory seeks from the start or the current position (SEEK_END is not
 * issued: it depends on the file system). */
void co__rule_lseek_k(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o = other_kind(m, c);
  if (!o || m->hook.seek_early(c) != CO_OK) {
    co__rule_lseek(m, c, pred, t);
    return;
  }
  co__touch(t, c->a);
  if (o->kind != CO__KIND_DIR) {
    pred->ret = 0;
    return;
  }
  co__seek_to(o, pred, ((c->flags & CO_F_WHENCE_MASK) ? o->off : 0) + c->n,
              CO_EINVAL);
}

/* docs/posix.md#eventfd-seek: SEEK_DATA and SEEK_HOLE on an eventfd or an
 * epoll return 0 as lseek does; an invalid whence is EINVAL first (the
 * file rule); a directory's are not issued. */
void co__rule_lseek_ext_k(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o = other_kind(m, c);
  if (!o || (c->flags & CO_F_XWHENCE_MASK) >= CO_F_XWHENCE_BAD) {
    co__rule_lseek_ext(m, c, pred, t);
    return;
  }
  co__touch(t, c->a);
  pred->ret = 0;
}

/* docs/posix.md#dirs, #eventfd: fstat of a directory is its type and the
 * private directory's permission bits (its link count and size are the
 * file system's); of an eventfd or an epoll, the anonymous inode's: no
 * type bits, mode 0600, one link, size 0. */
void co__rule_fstat_k(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o = other_kind(m, c);
  int64_t other;
  if (!o) {
    co__rule_fstat(m, c, pred, t);
    return;
  }
  co__touch(t, c->a);
  if (o->kind == CO__KIND_DIR) {
    pred->data = co_stat_pack(040000 | (m->files.dir_mode & 07777), 0, 0);
    pred->dmask = ((uint64_t)1 << CO_STAT_NLINK_SHIFT) - 1;
    if ((other = co__same_file_other(m, c->a)) >= 0) {
      t->same_a = c->a;
      t->same_b = other;
      t->same_file = 1;
    }
    return;
  }
  pred->data = co_stat_pack(0600, 1, 0);
  pred->dmask = ~(uint64_t)0;
}

/* docs/posix.md#dirs, #eventfd: ftruncate of anything but a regular file
 * is EINVAL (after the length and descriptor checks of the file rule). */
void co__rule_ftruncate_k(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t) {
  if (c->n < 0 || !other_kind(m, c)) {
    co__rule_ftruncate(m, c, pred, t);
    return;
  }
  co__touch(t, c->a);
  co__fail(pred, CO_EINVAL);
}

/* ---- what is not issued (docs/posix.md#evdir-refused) ---- */

static const char *refusal(const struct co_model *m, const struct co_call *c) {
  struct co__table tb = co__step_table(m);
  const struct ofdent *o;
  unsigned wh;
  if (c->kind == CO_OP_EPOLL_CTL) {
    if (ctl_early(m, tb, c) != CO_OK || (c->flags & CO_F_EPCTL_DEL) ||
        reg_find(m, co__table_ofd(tb, c->a), co__table_ofd(tb, c->b), c->b) >=
            0)
      return NULL;
    if (m->nepreg >= CO__EPREG_MAX) {
      unsigned i;
      for (i = 0; i < m->nepreg && reg_alive(m, &m->epreg[i]); i++)
        ;
      if (i == m->nepreg)
        return "the model follows at most 64 epoll registrations";
    }
    if (kind_in(m, tb, c->b) == CO__KIND_SOCKET)
      return "a socket's epoll readiness is not modelled";
    if (kind_in(m, tb, c->b) == CO__KIND_PIPE &&
        m->ofd[co__table_ofd(tb, c->b)].reopened)
      return "a reopened pipe end's epoll hang-up is not modelled";
    if (kind_in(m, tb, c->b) == CO__KIND_EPOLL &&
        nest_above(m, co__table_ofd(tb, c->a), 0) + 1 +
                nest_below(m, co__table_ofd(tb, c->b), 0) >
            1)
      return "epoll nested more than one deep, where the kernel's path "
             "limits apply, is not modelled";
    return NULL;
  }
  if (co__table_ofd(tb, c->a) < 0 ||
      !evdir_kind((o = &m->ofd[co__table_ofd(tb, c->a)])->kind))
    return NULL;
  switch (c->kind) {
  case CO_OP_READ:
    return o->kind == CO__KIND_EVENTFD && c->n >= 8 && o->count == 0 &&
                   o->nonblock != 1
               ? "would block: a read of an eventfd whose counter is 0, "
                 "without O_NONBLOCK"
               : NULL;
  case CO_OP_WRITE:
    return o->kind == CO__KIND_EVENTFD && efd_size_ok(m, c->n) &&
                   efd_value(m) != EFD_MAX &&
                   EFD_MAX - o->count <= efd_value(m) && o->nonblock != 1
               ? "would block: a write that would take an eventfd's "
                 "counter to UINT64_MAX, without O_NONBLOCK"
               : NULL;
  case CO_OP_LSEEK:
    return o->kind == CO__KIND_DIR && (c->flags & CO_F_WHENCE_MASK) >= 2
               ? "SEEK_END on a directory depends on the file system"
               : NULL;
  case CO_OP_LSEEK_EXT:
    wh = c->flags & CO_F_XWHENCE_MASK;
    return o->kind == CO__KIND_DIR && wh < CO_F_XWHENCE_BAD
               ? "SEEK_DATA and SEEK_HOLE on a directory depend on the "
                 "file system"
               : NULL;
  case CO_OP_FCHMOD:
    return o->kind == CO__KIND_DIR
               ? "fchmod of the private directory is not issued"
               : "fchmod of an anonymous inode (shared by every eventfd "
                 "and epoll in the system) is not issued";
  case CO_OP_REOPEN:
    return "reopen of a directory, an eventfd or an epoll is not modelled";
  default:
    return NULL;
  }
}

int co__kind_refuses(const struct co_model *m, const struct co_call *c) {
  return refusal(m, c) != NULL;
}

const char *co_model_kind_refusal(const struct co_model *m,
                                  const struct co_call *c) {
  return c->kind < CO_OP_COUNT ? refusal(m, c) : NULL;
}
