/*
 * The owner layers' effect interpreter (closeonce/contract.h): what an
 * entry point does to descriptors and objects, from its contract alone.
 * One function per effect, dispatched by a table; one object constructor
 * (co__obj_make) and one layer-side close rule (co__obj_close_fd, over
 * fdtable.c's co__fd_close). Numbered layers' effects are in numbered.c,
 * a paged layer's calls in paged.c, ownership-first entries' in asrun.c. Also:
 * who owns a number now, and the model's view of an object (model.h).
 */
#include <string.h>

#include "model_internal.h"

/* Does this entry make a system call on the object's descriptor? */
int co__call_hits_os(const struct co_entry *e, const struct objent *o) {
  if (o->pg.on) /* its parked descriptor: duplicated to page in, closed */
    return e->effect == CO_EFF_CLOSE || e->effect == CO_EFF_DUP_OBJ ||
           (!o->pg.resident &&
            (e->effect == CO_EFF_LEND || e->effect == CO_EFF_USE ||
             e->effect == CO_EFF_PAGE_IN));
  return (e->effect == CO_EFF_CLOSE &&
          (o->hold.owns || (e->io & CO_IO_CLOSES_ANY))) ||
         ((e->effect == CO_EFF_USE || e->effect == CO_EFF_READ) &&
          !o->failed) ||
         e->effect == CO_EFF_DUP || e->effect == CO_EFF_SEEK ||
         e->effect == CO_EFF_STAT || e->effect == CO_EFF_SIZE ||
         e->effect == CO_EFF_RESIZE || e->effect == CO_EFF_DUP_OBJ ||
         e->effect == CO_EFF_DUP2_OBJ;
}

/* The first entry id of the layer a wrapper's entry wraps
 * (co__operand_layer). */
int co__wrapped_layer(const struct co__step *s) {
  const struct co_adapter *ad = co_adapter_find(s->e->inner); /* may register
                                                     after the wrapper */
  return ad ? co_adapter_first_entry(ad) : -1;
}

/* The situation of a layer call's operand: its descriptor reference, or
 * its object (unset: no object; live; stale: its descriptor is gone;
 * reused: its number now holds another handle). */
enum co_sit co__call_sit(const struct co_model *m, const struct co__step *s) {
  const struct co_entry *e = s->e;
  const struct objent *o = &m->obj[s->op->obj % CO_OBJS];
  if (!e)
    return CO_SIT_NEG;
  if (s->r->nrefs)
    return co_model_sit(m, s->op->a);
  if (!s->r->has_obj)
    return CO_SIT_NEG;
  if (!o->live)
    return CO_SIT_UNSET;
  if (co__obj_num_valid(m, o))
    return CO_SIT_LIVE;
  return co__is_live(m, o->hold.num) ? CO_SIT_REUSED : CO_SIT_STALE;
}

/* Would this layer call hand the library a foreign descriptor? */
int co__call_touches_foreign(const struct co_model *m,
                             const struct co__step *s) {
  const struct co_entry *e = s->e;
  const struct objent *o = &m->obj[s->op->obj % CO_OBJS];
  if (!e)
    return 0;
  /* _open_osfhandle(INVALID_HANDLE_VALUE): the C runtime only asks
   * GetFileType, which fails, and adopts nothing (docs/crt.md#open-osfhandle);
   * -1 is no handle of anyone's there. */
  if (s->r->nrefs && s->c->a == -1 && s->ad->contract->numbered &&
      e->effect == CO_EFF_ADOPT_ON_SUCCESS && (e->checks & CO_CHK_VALID))
    return 0;
  /* a handle on the process (docs/win32.md#pseudo): the layers are
   * modelled over files only, so it is not handed to one */
  if (s->r->nrefs && co__is_live(m, s->c->a) && co__ofd_of(m, s->c->a)->proc)
    return 1;
  if (s->r->nrefs)
    return co__is_foreign(m, s->c->a);
  /* a layer's I/O through a SOCKET (docs/win32.md#socket-misuse): the
   * model follows a socket's bytes through send and recv only (Win32;
   * on Linux a layer's I/O through a socket is the socket's) */
  if (m->plat->pre && s->r->has_obj && e->effect != CO_EFF_CLOSE &&
      e->effect != CO_EFF_LEND) {
    const struct objent *on = o;
    /* a closed descriptor's number that another object holds now: the
     * call acts on that one (co__call_step), so the same rule */
    int h = !o->live && s->ad->contract->numbered
                ? co__reused_holder(m, o, s->r->first, e->effect)
                : -1;
    if (h >= 0)
      on = &m->obj[h];
    if (on->live && co__is_sock(m, on->hold.num))
      return 1;
  }
  return s->r->has_obj && o->live && co__is_foreign(m, o->hold.num);
}

/* What kind num's description is, for the kind checks (its kind,
 * model_internal.h enum co__kind; a Win32 process or device handle is
 * another kind than a file). */
int co__kind_class(const struct co_model *m, int64_t num) {
  const struct ofdent *d;
  if (!co__is_live(m, num))
    return CO__KC_NONE;
  d = co__ofd_of(m, num);
  if (d->proc || d->dev)
    return CO__KC_OTHER;
  switch (d->kind) {
  case CO__KIND_FILE:
    return CO__KC_FILE;
  case CO__KIND_PIPE:
    return CO__KC_PIPE;
  case CO__KIND_SOCKET:
    return CO__KC_SOCKET;
  case CO__KIND_DIR:
    return CO__KC_DIR;
  default:
    return CO__KC_OTHER;
  }
}

/* The write(2) a layer's USE of n bytes makes through object o's
 * descriptor, as a built-in write: the call the kind's write rule takes. */
static void use_as_write(const struct objent *o, int32_t n, struct co_call *c) {
  memset(c, 0, sizeof *c);
  c->kind = CO_OP_WRITE;
  c->a = o->hold.num;
  c->n = n;
  c->hint = -1;
}

static struct co__chan *chan_written(const struct co_model *m,
                                     const struct ofdent *d);

/* An entry that reads at making (CO_IO_READS: libsndfile's header
 * detection), in a mode that reads, over a pipe or a socket: it reads
 * until it has what it looks for, an amount the model does not know, so
 * it may wait whatever the channel holds, unless no more can come (no
 * writer left, the socket shut for reading) or the description is
 * non-blocking. */
static int reads_at_making_would_block(const struct co_model *m,
                                       const struct co__step *s) {
  const struct ofdent *d;
  if (!(s->e->io & CO_IO_READS) || !co__is_live(m, s->c->a) ||
      (s->nmodes &&
       !(s->e->modes[s->op->flags % s->nmodes].needs & CO_NEED_READ)))
    return 0;
  d = co__ofd_of(m, s->c->a);
  if (d->nonblock == 1 || d->acc == CO_F_ACC_WRONLY)
    return 0;
  if (d->kind == CO__KIND_PIPE)
    return m->chan[d->kobj].writers > 0;
  return d->kind == CO__KIND_SOCKET && !m->sock[d->kobj].shut_rd;
}

/* Non-zero if a layer call would wait in the kernel, its description not
 * known to be non-blocking (the same rule as a built-in write's,
 * docs/posix.md#blocking): never issued. An exact USE: through a full pipe
 * or socket. An opaque one, or an opaque CLOSE (zlib's gzwrite flush, its
 * gzclose trailer: how many bytes is not known): through a pipe or socket
 * that holds anything, or whose bytes are not known. An entry that reads
 * at making: reads_at_making_would_block. */
int co__call_would_block(const struct co_model *m, const struct co__step *s) {
  const struct objent *o = &m->obj[s->op->obj % CO_OBJS];
  const struct co__chan *ch;
  const struct ofdent *d;
  struct co_call c;
  if (s->e && co_effect_takes_fd(s->e->effect))
    return reads_at_making_would_block(m, s);
  if (!s->e || !s->r->has_obj || !o->live || o->failed || o->nb.on ||
      !(o->needs & CO_NEED_WRITE) || !co__obj_num_valid(m, o))
    return 0;
  if (s->e->effect == CO_EFF_USE && !(s->e->io & CO_IO_OPAQUE)) {
    use_as_write(o, s->c->n, &c);
    return co__would_block(m, &c);
  }
  if ((s->e->effect != CO_EFF_USE && s->e->effect != CO_EFF_CLOSE) ||
      !(s->e->io & CO_IO_OPAQUE))
    return 0;
  d = co__ofd_of(m, o->hold.num);
  ch = chan_written(m, d);
  return ch && d->nonblock != 1 && (ch->len || ch->lost);
}

/* The channel a write through description d queues into (a pipe's; a
 * socket's peer's receive channel), or NULL. */
static struct co__chan *chan_written(const struct co_model *m,
                                     const struct ofdent *d) {
  const struct co__sockend *e;
  if (d->kind == CO__KIND_PIPE)
    return &m->chan[d->kobj];
  if (d->kind != CO__KIND_SOCKET)
    return NULL;
  e = &m->sock[d->kobj];
  return e->peer >= 0 ? &m->chan[m->sock[e->peer].rx] : NULL;
}

int co__read_unknown(const struct co_model *m, const struct co_call *c) {
  const struct ofdent *d;
  if (c->n <= 0 || !co__is_live(m, c->a))
    return 0;
  d = co__ofd_of(m, c->a);
  if (d->kind == CO__KIND_PIPE)
    return m->chan[d->kobj].lost;
  return d->kind == CO__KIND_SOCKET && m->chan[m->sock[d->kobj].rx].lost;
}

/* An opaque layer's write through a pipe's or a socket's end (its
 * buffers, a header, a flush: contract.h CO_IO_OPAQUE writes at least one
 * byte there), as the kind's write rule takes a write: its error (EPIPE
 * with nobody reading, ECONNREFUSED...), or CO_OK, what the channel holds
 * then not known. */
static int opaque_channel_write(struct co_model *m, const struct objent *o,
                                struct ofdent *d, struct co_aftermath *t) {
  struct co_outcome w;
  struct co_call c;
  memset(&w, 0, sizeof w);
  use_as_write(o, 1, &c);
  co__rule_write(m, &c, &w, t);
  if (w.err != CO_OK)
    return w.err;
  co__kind_unknown(m, d);
  return CO_OK;
}

/* A layer's exact write through a pipe's or a socket's end: the kind's
 * write rule says what happens (EPIPE with no reader, EAGAIN when full and
 * non-blocking, else all n bytes queued). The bytes are the library's:
 * zeros, as USE writes (contract.h), where the built-in write queued its
 * pattern. */
void co__use_channel(struct co_model *m, struct co__callctx *x, int64_t num,
                     uint8_t fill, struct co_outcome *pred,
                     struct co_aftermath *t) {
  struct ofdent *d = co__ofd_of(m, num);
  struct co__chan *ch = chan_written(m, d);
  size_t n = (size_t)x->c->n;
  struct co_call c;
  use_as_write(x->o, x->c->n, &c);
  c.a = num;
  co__rule_write(m, &c, pred, t);
  if (pred->err != CO_OK) {
    if (!x->errs)
      pred->err = CO_OTHER;
    if ((x->e->io & CO_IO_STICKY) && !x->o->failed)
      x->o->failed = 1; /* an error event: libevent stops writing */
    return;
  }
  if (!ch)
    co__kind_unknown(m, d); /* a kind whose bytes the model does not keep */
  else if (!ch->lost && ch->len >= n)
    memset(ch->b + ch->head + ch->len - n, fill, n);
}

/* Whether entry e accepts num's kind (a number that is not open: yes,
 * the other checks say what happens to it). */
int co__kind_accepted(const struct co_model *m, const struct co_entry *e,
                      int64_t num) {
  int k = co__kind_class(m, num);
  if (k == CO__KC_NONE)
    return 1;
  return !(e->checks & (CO_CHK_SOCKET | CO_CHK_WANTS_SOCKET)) ||
         k == CO__KC_SOCKET;
}

/* Kinds epoll_ctl refuses (EPERM): regular files and directories
 * (docs/posix.md#layer-kinds). */
static int kind_unpollable(const struct co_model *m, int64_t num) {
  int k = co__kind_class(m, num);
  return k == CO__KC_FILE || k == CO__KC_DIR;
}

static int access_ok(int acc, int needs) {
  if ((needs & CO_NEED_READ) && acc == CO_F_ACC_WRONLY)
    return 0;
  if ((needs & CO_NEED_WRITE) && acc == CO_F_ACC_RDONLY)
    return 0;
  return 1;
}

/* The access mode a layer's OPEN gives its new description. */
int co__mode_acc(const struct co_mode *md) {
  unsigned needs = md->needs & (CO_NEED_READ | CO_NEED_WRITE);
  return needs == CO_NEED_READ    ? CO_F_ACC_RDONLY
         : needs == CO_NEED_WRITE ? CO_F_ACC_WRONLY
                                  : CO_F_ACC_RDWR;
}

/* The object constructor, the only one: a fresh live object in o of the
 * layer starting at entry base, holding num (owning it if owns), wrapping
 * nothing, paged out; numbered layers take the lowest free number (the
 * caller checked one is left). Mode flags are the caller's to set. */
void co__obj_make(struct co_model *m, struct objent *o, int numbered,
                  unsigned base, int64_t num, int owns) {
  memset(o, 0, sizeof *o);
  o->live = 1;
  m->made++;
  o->entry_base = base;
  o->hold.owns = (uint8_t)(owns != 0);
  o->hold.num = num;
  o->hold.gen = co__is_live(m, num) ? m->fd[num].gen : 0;
  /* (O_NONBLOCK: a library that sets it says so, CO_IO_NONBLOCK) */
  o->wrap.inner = -1;
  o->nb.n = -1;
  o->nb.on = (uint8_t)(numbered != 0);
  if (numbered && co__onum_take(m, o) == 0)
    co__std_follow(m, o->nb.n, num); /* 0-2 set the standard handles */
  o->pg.win = o->pg.wnum = -1;
}

/* The layer-side close rule, the only one: an object's close of the
 * descriptor it holds. The number is always observed (a borrowing object
 * must leave it open); it is closed only if the object owns it or the
 * entry closes any (CO_IO_CLOSES_ANY), by the one close rule. */
int co__obj_close_fd(struct co_model *m, struct objent *o, int owns_or_any,
                     struct co_aftermath *t) {
  co__touch(t, o->hold.num);
  return owns_or_any ? co__fd_close(m, o->hold.num) : CO_OK;
}

/* A duplicate of object o's handle (a layer's dup, _dup, _dup2): EBADF if
 * the handle is not open, EMFILE if no number is free (or full: the layer
 * has no room). Returns the new number, or -1 with *pred failed. */
int64_t co__obj_dup(struct co_model *m, const struct objent *o, int full,
                    int errs, struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n;
  if (!co__is_live(m, o->hold.num)) {
    co__fail(pred, errs ? CO_EBADF : CO_OTHER);
    return -1;
  }
  n = m->plat->alloc(m, 0);
  if (n < 0 || full) {
    co__fail(pred, errs ? CO_EMFILE : CO_OTHER);
    return -1;
  }
  co__dup_new(m, n, o->hold.num, 0, pred, t);
  return n;
}

/* A failure, as the entry reports it (errno, or only "failed"). */
static void lfail(struct co_outcome *pred, const struct co__callctx *x,
                  int err) {
  co__fail(pred, x->errs ? err : CO_OTHER);
}

/* OPEN: a new object over a fresh descriptor of its own. */
static void eff_open(struct co_model *m, struct co__callctx *x,
                     struct co_outcome *pred, struct co_aftermath *t) {
  int32_t ofd;
  int64_t n;
  if (!x->md->valid) {
    lfail(pred, x, CO_EINVAL);
    return;
  }
  n = m->plat->alloc(m, 0);
  if (n < 0 || (x->numbered && !co__onum_left(m))) {
    lfail(pred, x, CO_EMFILE);
    return;
  }
  if ((ofd = co__new_ofd(m, co__mode_acc(x->md), x->md->sets_append)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  /* (CO_OWN_CLOEXEC: made close-on-exec / not inheritable) */
  co__install(m, n, ofd, (x->md->own & CO_OWN_CLOEXEC) != 0);
  co__obj_make(m, x->o, x->numbered, x->base, n, 1);
  x->o->own = x->md->own;
  x->o->needs = co__mode_does(x->md);
  t->obj = x->op->dst % CO_OBJS;
  co__touch(t, n);
}

/* The checks an adopting or borrowing entry makes before taking a. */
static int take_check(const struct co_model *m, const struct co__callctx *x,
                      int64_t a) {
  const struct co_entry *e = x->e;
  if (!x->md->valid)
    return CO_EINVAL;
  if (a < 0 && !(e->checks & CO_CHK_ANY))
    return CO_EBADF; /* docs/posix.md#fdopen; gzdopen(-1): NULL */
  if ((e->checks & (CO_CHK_VALID | CO_CHK_SOCKET)) && !co__is_open(m, a))
    return CO_EBADF;
  if ((e->checks & CO_CHK_SOCKET) && co__kind_class(m, a) != CO__KC_SOCKET)
    return CO_ENOTSOCK; /* getsockopt SO_TYPE's */
  if ((e->checks & CO_CHK_DIR) && co__is_live(m, a) &&
      co__kind_of(m, a) != CO__KIND_DIR)
    return CO_ENOTDIR; /* evdir: docs/posix.md#fdopendir */
  if ((e->checks & CO_CHK_ACCESS) && co__is_live(m, a) &&
      !access_ok(co__ofd_of(m, a)->acc, x->md->needs))
    return CO_EINVAL;
  if (x->numbered && !co__onum_left(m))
    return CO_EMFILE; /* no free descriptor (docs/crt.md#open-osfhandle) */
  return CO_OK;
}

/* ADOPT_DUP: the duplicate of a the new object will own, made as dup(2) /
 * DuplicateHandle make one (docs/posix.md#dup, docs/win32.md#values: the
 * OS's value), inheritable unless the mode says CO_OWN_CLOEXEC. Returns
 * it, or -1 with *pred failed (EBADF: a not open; EMFILE). */
static int64_t take_dup(struct co_model *m, const struct co__callctx *x,
                        int64_t a, struct co_outcome *pred,
                        struct co_aftermath *t) {
  int64_t n;
  if (!co__is_live(m, a)) {
    lfail(pred, x, CO_EBADF);
    return -1;
  }
  if ((n = m->plat->alloc(m, 0)) < 0) {
    lfail(pred, x, CO_EMFILE);
    return -1;
  }
  co__dup_new(m, n, a, (x->md->own & CO_OWN_CLOEXEC) != 0, pred, t);
  pred->ret = 0;
  return n;
}

/* ADOPT, ADOPT_ON_SUCCESS, BORROW, ADOPT_DUP: a new object over
 * descriptor a (ADOPT_DUP: over a duplicate of it). */
static void eff_take(struct co_model *m, struct co__callctx *x,
                     struct co_outcome *pred, struct co_aftermath *t) {
  const struct co_entry *e = x->e;
  const struct co_mode *md = x->md;
  struct objent *o = x->o;
  int64_t a = x->c->a;
  int err = take_check(m, x, a);
  co__touch(t, a);
  if ((e->io & CO_IO_NONBLOCK) && co__is_live(m, a))
    co__ofd_of(m, a)->nonblock = 1; /* before its checks (contract.h) */
  if (err != CO_OK) {
    lfail(pred, x, err);
    /* adopts even on failure: closes it on the error path */
    if (e->effect == CO_EFF_ADOPT)
      (void)co__fd_close(m, a);
    return;
  }
  if (e->effect == CO_EFF_ADOPT_DUP && (a = take_dup(m, x, a, pred, t)) < 0)
    return;
  co__obj_make(m, o, x->numbered, x->base, a, e->effect != CO_EFF_BORROW);
  if ((e->io & CO_IO_NONBLOCK) && co__is_live(m, a))
    co__ofd_of(m, a)->nonblock = 1; /* known, not a library's guess */
  o->own = md->own;
  o->needs = co__mode_does(md);
  if (co__is_live(m, a)) {
    struct ofdent *d = co__ofd_of(m, a);
    int had_append = d->append;
    if (md->sets_append)
      d->append = 1;
    if ((md->seeks_end == CO_SEEK_ALWAYS ||
         (md->seeks_end == CO_SEEK_IF_SET_APPEND && !had_append)) &&
        d->kind == CO__KIND_FILE) /* (a pipe has no offset: ESPIPE) */
      d->off = m->fsize[d->file];
    if (e->io & CO_IO_READS)
      co__ofd_unknown(m, d);
    if (e->io & CO_IO_SETS_CLOEXEC) /* evdir: docs/posix.md#fdopendir */
      m->fd[a].cloexec = 1;
  }
  if ((e->io & CO_IO_ACCESS_ONCE) &&
      (!co__is_live(m, a) || co__ofd_of(m, a)->acc == CO_F_ACC_RDONLY))
    o->failed = 1; /* never writes: no system call */
  o->polls = (e->checks & CO_CHK_POLL) != 0;
  o->sends = (e->checks & CO_CHK_SOCKET) != 0;
  t->obj = x->op->dst % CO_OBJS;
}

/* LEND: the object's descriptor, still the object's. */
static void eff_lend(struct co_model *m, struct co__callctx *x,
                     struct co_outcome *pred, struct co_aftermath *t) {
  if (!x->o->live) { /* a closed descriptor (docs/crt.md#get-osfhandle) */
    co__fail(pred, m->hook.lend_err(CO_EBADF));
    return;
  }
  pred->ret = x->o->hold.num;
  t->obj = x->op->obj % CO_OBJS;
}

/* DUP: a duplicate of the object's descriptor, the caller's. */
static void eff_dup(struct co_model *m, struct co__callctx *x,
                    struct co_outcome *pred, struct co_aftermath *t) {
  t->obj = x->op->obj % CO_OBJS;
  co__obj_dup(m, x->o, 0, x->errs, pred, t);
}

/* DETACH: frees the object, the caller gets its descriptor. */
static void eff_detach(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t) {
  (void)m;
  (void)t;
  pred->ret = x->o->hold.num;
  x->o->live = 0;
}

/* CLOSE: frees the object and closes what it owns. A layer that writes at
 * close (compression trailer, buffers) fails when the descriptor is gone
 * or not writable, and closes anyway; even after a sticky error the close
 * writes what is pending (zlib gzclose_w runs gz_comp(Z_FINISH)
 * unconditionally), into whatever file the number names by then. */
static void eff_close(struct co_model *m, struct co__callctx *x,
                      struct co_outcome *pred, struct co_aftermath *t) {
  const struct co_entry *e = x->e;
  struct objent *o = x->o;
  int flush = CO_OK, err;
  if (o->wrap.inner >= 0 || o->nb.on) {
    co__numbered_close(m, x, pred, t);
    return;
  }
  o->live = 0;
  if ((e->io & CO_IO_OPAQUE) && (o->needs & CO_NEED_WRITE)) {
    struct ofdent *d =
        co__is_live(m, o->hold.num) ? co__ofd_of(m, o->hold.num) : NULL;
    if (!d || d->acc == CO_F_ACC_RDONLY)
      flush = CO_EBADF;
    else if (d->kind != CO__KIND_FILE)
      flush = opaque_channel_write(m, o, d, t); /* what it writes at close */
    else
      co__ofd_unknown(m, d);
  }
  err = co__obj_close_fd(
      m, o,
      (o->hold.owns || (e->io & CO_IO_CLOSES_ANY)) &&
          !((e->io & CO_IO_KEEPS_STD) && o->hold.num >= 0 && o->hold.num <= 2),
      t);
  if (err != CO_OK) {
    if (!(e->io & CO_IO_SILENT))
      lfail(pred, x, err); /* a protected handle: docs/win32.md#protect */
    return;
  }
  if (flush != CO_OK && !(e->io & CO_IO_SILENT))
    lfail(pred, x, flush);
}

/* USE: a stream writes through the descriptor it wraps, with its flags. */
static void eff_use(struct co_model *m, struct co__callctx *x,
                    struct co_outcome *pred, struct co_aftermath *t) {
  const struct co_entry *e = x->e;
  struct objent *o = x->o;
  int in = co__inner_of(m, o);
  unsigned own = in >= 0 ? m->obj[in].own : o->own;
  int reaches =
      !o->failed && (o->needs & CO_NEED_WRITE) && co__is_live(m, o->hold.num);
  struct ofdent *d = reaches ? co__ofd_of(m, o->hold.num) : NULL;
  int32_t n = x->c->n;
  t->obj = x->op->obj % CO_OBJS;
  if (!o->live) { /* _write of a closed descriptor, its number free */
    co__fail(pred, m->hook.badfd_err(x->errs ? CO_EBADF : CO_OTHER));
    return;
  }
  /* (UCRT write.cpp: the descriptor is checked first, then the count) */
  if ((in >= 0 || o->nb.on) && (own & (CO_OWN_UTF16 | CO_OWN_UTF8)) &&
      (n & 1)) { /* UCRT write.cpp: a Unicode mode takes even counts */
    co__fail(pred, m->hook.text_param_err(x->errs ? CO_EINVAL : CO_OTHER));
    return;
  }
  if (reaches && (own & CO_OWN_APPEND)) {
    /* UCRT write.cpp: seek to the end first, even when the write then
     * fails (observed on a read-only handle, msvcrt and UCRT under Wine) */
    d->off = m->fsize[d->file];
    t->offset_num = o->hold.num;
  }
  if (reaches && o->sends && co__kind_class(m, o->hold.num) != CO__KC_SOCKET) {
    /* send(2) on a number that no longer names a socket (CO_CHK_SOCKET's
     * object, its descriptor closed and the number reused): ENOTSOCK */
    lfail(pred, x, CO_ENOTSOCK);
    return;
  }
  if (reaches && o->polls && kind_unpollable(m, o->hold.num)) {
    /* epoll refuses its kind (CO_CHK_POLL): the write waits for an event
     * that cannot be registered, with no system call on it; not sticky */
    lfail(pred, x, CO_EBADF);
    return;
  }
  if ((e->io & CO_IO_SILENT) && (o->needs & CO_NEED_WRITE) && !o->failed &&
      (!reaches || d->acc == CO_F_ACC_RDONLY)) {
    pred->ret = n; /* buffered: the failure shows later, if ever */
    t->offset_num = -1;
    return;
  }
  if (!reaches || d->acc == CO_F_ACC_RDONLY) {
    lfail(pred, x, CO_EBADF);
    /* (sticky after a failed write(2); an object that polls first never
     * issued one: epoll_ctl refused the number, no error event) */
    if ((e->io & CO_IO_STICKY) && !o->polls)
      o->failed = 1;
    if (e->io & CO_IO_DOSERRNO) { /* the C runtime's _doserrno */
      pred->data = d ? CO__ERROR_ACCESS_DENIED : CO__ERROR_INVALID_HANDLE;
      pred->dmask =
          d || ((o->needs & CO_NEED_WRITE) && !o->failed) ? ~(uint64_t)0 : 0;
    }
    return;
  }
  if ((e->io & CO_IO_OPAQUE) && d->kind != CO__KIND_FILE) {
    int err = opaque_channel_write(m, o, d, t);
    if (err != CO_OK) {
      lfail(pred, x, err);
      if (e->io & CO_IO_STICKY)
        o->failed = 1;
      return;
    }
    t->offset_num = -1;
    pred->ret = n;
    return;
  }
  if (e->io & CO_IO_OPAQUE) {
    co__ofd_unknown(m, d);
    t->offset_num = -1;
  } else if (d->kind != CO__KIND_FILE) {
    co__use_channel(m, x, o->hold.num, 0, pred, t);
    return;
  } else if (in >= 0 || o->nb.on) {
    if (co__crt_write(m, d, own, n, pred) < 0)
      return;
    t->offset_num = o->hold.num;
  } else {
    co__ofd_write(m, d, n);
    t->offset_num = o->hold.num;
  }
  pred->ret = n;
}

/* SEEK: _lseek (docs/crt.md#lseek). An origin the entry rejects is EINVAL
 * before the handle is used (Wine's _lseeki64 checks it first; UCRT's
 * SetFilePointerEx fails ERROR_INVALID_PARAMETER on a live handle); then
 * the handle's own seek, the platform's lseek rule (SetFilePointerEx: not
 * open, EBADF; before the start, EINVAL and the offset stays; Wine's
 * negative FILE_BEGIN quirk, docs/wine.md). */
static void eff_seek(struct co_model *m, struct co__callctx *x,
                     struct co_outcome *pred, struct co_aftermath *t) {
  struct co_call c;
  int64_t num = x->o->hold.num;
  t->obj = x->op->obj % CO_OBJS;
  if (!x->o->live) { /* a closed descriptor, its number free: UCRT's
                        handler, then EBADF (docs/crt.md#lseek) */
    co__fail(pred, m->hook.seek_badfd_err(x->errs ? CO_EBADF : CO_OTHER));
    return;
  }
  if (!x->md->valid) {
    lfail(pred, x, CO_EINVAL);
    return;
  }
  memset(&c, 0, sizeof c);
  c.kind = CO_OP_LSEEK;
  c.flags = (uint8_t)(x->md->seeks_end & CO_F_WHENCE_MASK);
  c.a = num;
  c.n = x->c->n;
  c.hint = c.hint2 = -1;
  co__rule_lseek(m, &c, pred, t);
  if (pred->ret == -1 && !x->errs)
    pred->err = CO_OTHER;
  if (pred->ret != -1)
    x->o->eof = 0; /* UCRT lseek.cpp: "Clear the Ctrl-Z flag" */
  if (co__is_live(m, num))
    t->offset_num = num;
}

/* NUMBER: _fileno, the stored number, unchecked (docs/crt.md#fileno). */
static void eff_number(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t) {
  t->obj = x->op->obj % CO_OBJS;
  pred->ret = co__obj_number(m, x->o);
}

typedef void eff_fn(struct co_model *m, struct co__callctx *x,
                    struct co_outcome *pred, struct co_aftermath *t);
/* The owner layers' effects (a paged layer's are in paged.c); NULL: not an
 * effect of an unpaged layer (ENOSYS). */
static eff_fn *const effects[CO_EFF_COUNT] = {
    [CO_EFF_OPEN] = eff_open,
    [CO_EFF_ADOPT] = eff_take,
    [CO_EFF_ADOPT_ON_SUCCESS] = eff_take,
    [CO_EFF_BORROW] = eff_take,
    [CO_EFF_LEND] = eff_lend,
    [CO_EFF_DUP] = eff_dup,
    [CO_EFF_DETACH] = eff_detach,
    [CO_EFF_CLOSE] = eff_close,
    [CO_EFF_USE] = eff_use,
    [CO_EFF_DUP_OBJ] = co__numbered_dup,
    [CO_EFF_DUP2_OBJ] = co__numbered_dup2,
    [CO_EFF_WRAP] = co__numbered_wrap,
    [CO_EFF_NUMBER] = eff_number,
    [CO_EFF_ADOPT_DUP] = eff_take,
    [CO_EFF_SEEK] = eff_seek,
    [CO_EFF_STAT] = co__numbered_file,
    [CO_EFF_SIZE] = co__numbered_file,
    [CO_EFF_RESIZE] = co__numbered_file,
    [CO_EFF_READ] = co__crt_read,
    [CO_EFF_SETMODE] = co__crt_setmode,
};

/* A mode index the entry does not have is a mode it rejects. */
static const struct co_mode mode_rw = {
    "", 1, CO_NEED_READ | CO_NEED_WRITE, 0, CO_SEEK_NEVER, 0};
static const struct co_mode mode_bad = {"", 0, 0, 0, CO_SEEK_NEVER, 0};

/* A layer call, after its events: the entry's effect on descriptors and
 * objects, from the contract alone (closeonce/contract.h). */
/* Whether this call is followed as run after a fault (issue 21): one
 * fired in it, or in an earlier call on its object; and the model can
 * follow its effect so (asrun.c: not a numbered or paged layer's, not an
 * adopt-dup, an OPEN only with handle_of). */
static int after_fault(const struct co__callctx *x,
                       const struct co_adapter *ad) {
  enum co_effect f = x->e->effect;
  if (!x->c->faulted && !(x->o && x->o->live && x->o->faulted &&
                          f != CO_EFF_OPEN && !co_effect_takes_fd(f)))
    return 0;
  if (ad->contract->numbered || co_adapter_paged(ad) || f == CO_EFF_ADOPT_DUP ||
      (f == CO_EFF_OPEN && !ad->handle_of))
    return 0;
  return f == CO_EFF_OPEN || co_effect_takes_fd(f) || f == CO_EFF_LEND ||
         f == CO_EFF_DUP || f == CO_EFF_DETACH || f == CO_EFF_CLOSE ||
         f == CO_EFF_USE;
}

void co__call_step(struct co_model *m, const struct co__step *s,
                   struct co_outcome *pred, struct co_aftermath *t) {
  const struct co_op *op = s->op;
  const struct co_adapter *ad = s->ad;
  struct co__callctx x;
  unsigned nm = s->nmodes;
  eff_fn *f;
  x.e = s->e;
  if (!x.e || (unsigned)x.e->effect >= CO_EFF_COUNT) {
    co__fail(pred, CO_ENOSYS);
    return;
  }
  x.md = !nm ? &mode_rw : op->flags < nm ? &x.e->modes[op->flags] : &mode_bad;
  x.op = op;
  x.c = s->c;
  x.base = (unsigned)s->r->first;
  x.numbered = ad->contract->numbered != 0;
  x.errs = x.e->sets_errno;
  x.o = &m->obj[(s->r->has_obj ? op->obj : op->dst) % CO_OBJS];
  x.d = &m->obj[op->dst % CO_OBJS];
  if (!x.o->live && x.numbered && s->r->has_obj) {
    /* a closed descriptor's number held by another object now: the call
     * acts on that one (events.c ev_dead decided that it runs; before
     * the result variable is cleared: it may be the operand) */
    int h = co__reused_holder(m, x.o, (int)x.base, x.e->effect);
    if (h >= 0)
      x.o = &m->obj[h];
  }
  if (s->binds == 1 && !x.d->live)
    x.d->nb.n = -1; /* its result variable is written (NULL on failure): a
                       closed descriptor's number is not kept there */
  t->actor = s->r->has_obj ? op->obj % CO_OBJS : CO_PARTY_CLIENT;
  if ((x.e->io & CO_IO_AS_RUN) && x.c->real) {
    co__as_run_step(m, &x, pred, t);
    return;
  }
  if (x.c->real && after_fault(&x, ad)) {
    /* a fault fired inside the library, now or at an earlier call on this
     * object: what it did is its error path's, taken as it ran; what that
     * path does to ownership is still checked (docs/faults.md#model) */
    co__as_run_step(m, &x, pred, t);
    if (x.o->live || x.e->effect == CO_EFF_OPEN)
      x.o->faulted = 1;
    return;
  }
  if (m->window && co_adapter_paged(ad)) {
    co__pager_step(m, &x, pred, t);
    return;
  }
  if ((f = effects[x.e->effect]) != NULL)
    f(m, &x, pred, t);
  else
    co__fail(pred, CO_ENOSYS);
}

int co_model_owner(const struct co_model *m, int64_t num) {
  int k, w, depth = 0;
  if (!co__is_live(m, num))
    return CO_PARTY_NONE;
  if (!m->made)
    return CO_PARTY_CLIENT; /* no object */
  for (k = 0; k < CO_OBJS; k++) {
    const struct objent *o = &m->obj[k];
    if (o->live && o->pg.on && o->pg.win == num && co__win_valid(m, o))
      return k; /* a pager's window copy (lent or not) */
    if (o->live && o->hold.owns && o->hold.num == num &&
        co__obj_num_valid(m, o)) {
      /* an object another one wraps belongs to its wrapper */
      while ((w = co__wrapper_of(m, k)) >= 0 && depth++ < CO_OBJS)
        k = w;
      return k;
    }
  }
  return CO_PARTY_CLIENT;
}

void co_model_obj(const struct co_model *m, unsigned k,
                  struct co_objstate *out) {
  const struct objent *o = &m->obj[k % CO_OBJS];
  out->live = o->live;
  out->owns = o->hold.owns;
  out->num = o->hold.num;
  out->num_valid = o->live && co__obj_num_valid(m, o);
  out->entry_base = o->entry_base;
  out->inner = co__inner_of(m, o);
  out->wraps = o->wrap.inner >= 0;
  out->number = co__obj_number(m, o);
  out->lost = o->live && co__obj_lost(m, o);
  out->window = o->live && o->pg.resident ? o->pg.win : -1;
  out->window_valid = out->window >= 0 && co__is_live(m, out->window) &&
                      m->fd[out->window].gen == o->pg.wingen;
  out->window_number = o->live && o->pg.resident ? o->pg.wnum : -1;
  out->pins = o->live ? o->pg.pins : 0;
}

void co__rule_fail(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t) {
  (void)m;
  (void)c;
  (void)t;
  pred->ret = 0;
}
