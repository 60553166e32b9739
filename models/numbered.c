/*
 * Numbered layers: the C runtime's descriptors (docs/crt.md). Their objects
 * are numbers the library allocates lowest-free from 0, skipping those in
 * use when the trace starts; all numbered layers of a target share one
 * number space (struct co_model onum_used). Here: the number table, the
 * wrappers over numbered objects (_fdopen's streams), and the C runtime's
 * effects: _close and fclose, _dup, _dup2, _fdopen, _fileno.
 */
#include "model_internal.h"

/* The live object that is number n now, or -1. */
int co__onum_holder(const struct co_model *m, int64_t n) {
  int k;
  for (k = 0; k < CO_OBJS; k++)
    if (m->obj[k].live && m->obj[k].nb.n == n && co__onum_valid(m, &m->obj[k]))
      return k;
  return -1;
}

int co__reused_holder(const struct co_model *m, const struct objent *o,
                      int layer, enum co_effect f) {
  int h;
  if (o->live || !o->nb.on || (int)o->entry_base != layer ||
      (f != CO_EFF_CLOSE && f != CO_EFF_LEND && f != CO_EFF_USE &&
       f != CO_EFF_SEEK && f != CO_EFF_DUP_OBJ && f != CO_EFF_STAT &&
       f != CO_EFF_SIZE && f != CO_EFF_RESIZE))
    return -1;
  h = co__onum_holder(m, o->nb.n);
  return h >= 0 && m->obj[h].nb.on && (int)m->obj[h].entry_base == layer ? h
                                                                         : -1;
}

/* The lowest free number (UCRT osfinfo.cpp: a linear scan for the lowest
 * free slot; docs/crt.md#allocation), or -1. */
int co__onum_lowest_free(const struct co_model *m) {
  int n;
  for (n = 0; n < CO_OBJNUMS; n++)
    if (!m->onum_used[n])
      return n;
  return -1;
}

/* Give o the lowest free number. 0, or -1 if none is free (EMFILE). */
int co__onum_take(struct co_model *m, struct objent *o) {
  int n = co__onum_lowest_free(m);
  if (n < 0)
    return -1;
  m->onum_used[n] = 2;
  o->nb.n = n;
  o->nb.gen = m->onum_gen[n] = ++m->ogen;
  return 0;
}

int co__onum_left(const struct co_model *m) {
  return co__onum_lowest_free(m) >= 0;
}

/* The live wrapper of object k, or -1. */
int co__wrapper_of(const struct co_model *m, int k) {
  int w;
  for (w = 0; w < CO_OBJS; w++)
    if (m->obj[w].live && co__inner_of(m, &m->obj[w]) == k)
      return w;
  return -1;
}

/* Descriptor 1 or 2 holding the handle value the other of them holds: its
 * _close frees the number and leaves the handle open, returning 0 (UCRT
 * close.cpp, Wine dlls/msvcrt/file.c _close; docs/crt.md#close). Only
 * a trace that owns 0-2 (co_exec_set_free_std) gets there. */
static int shares_std_handle(const struct co_model *m, const struct objent *k) {
  int o;
  if (k->nb.n != 1 && k->nb.n != 2)
    return 0;
  o = co__onum_holder(m, 3 - k->nb.n);
  return o >= 0 && m->obj[o].hold.num == k->hold.num;
}

/* _close of numbered object k (directly, or by its stream's fclose): the
 * number is freed whatever happens (UCRT close.cpp: "the slot is always
 * freed"); CloseHandle of what it owns, failing on a closed or protected
 * handle (docs/crt.md#close: -1, EBADF, the handle survives). */
static void close_numbered(struct co_model *m, struct objent *k,
                           struct co_outcome *pred, struct co_aftermath *t,
                           int errs) {
  int err;
  co__std_follow(m, k->nb.n, 0); /* freed: 0-2 clear their standard handle */
  if (shares_std_handle(m, k)) {
    m->onum_used[k->nb.n] = 0;
    co__touch(t, k->hold.num);
    return;
  }
  m->onum_used[k->nb.n] = 0;
  k->own &= (uint8_t) ~(CO_OWN_TEXT | CO_OWN_UTF16 | CO_OWN_UTF8); /* the */
  k->eof = 0; /* freed slot's flags are cleared (crtio.c, _setmode) */
  if ((err = co__obj_close_fd(m, k, k->hold.owns, t)) != CO_OK)
    co__fail(pred, errs ? err : CO_OTHER);
}

/* fclose (_close of its descriptor) and _close: the number is freed
 * whatever happens; the handle is closed if the object owns it. */
void co__numbered_close(struct co_model *m, struct co__callctx *x,
                        struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o;
  int self = o->nb.on ? (int)(o - m->obj) : co__inner_of(m, o);
  int h = co__onum_holder(m, co__obj_number(m, o));
  o->live = 0;
  t->obj = o->wrap.inner >= 0 ? self : -1;
  if (h < 0) {
    /* a descriptor closed already: UCRT's _close validation fires the
     * invalid-parameter handler (close.cpp); msvcrt does not (a quirk) */
    co__fail(pred, m->hook.param_err(CO_EBADF));
    return;
  }
  /* the object it wraps, or one given that number since */
  close_numbered(m, &m->obj[h], pred, t, x->errs);
  if (h == self)
    m->obj[h].live = 0;
  else
    t->obj = h;
}

/* _dup (docs/crt.md#dup): the lowest free descriptor, a duplicate of the
 * handle (inheritable, DUPLICATE_SAME_ACCESS), owned by the new descriptor;
 * if DuplicateHandle fails the slot is released. */
void co__numbered_dup(struct co_model *m, struct co__callctx *x,
                      struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o, *d = x->d;
  int64_t n;
  t->actor = x->op->obj % CO_OBJS;
  t->obj = x->op->dst % CO_OBJS;
  if (!o->live) { /* a closed descriptor, its number free */
    co__fail(pred, m->hook.badfd_err(x->errs ? CO_EBADF : CO_OTHER));
    return;
  }
  n = co__obj_dup(m, o, o->nb.on && !co__onum_left(m), x->errs, pred, t);
  if (n < 0)
    return;
  co__obj_make(m, d, o->nb.on, o->entry_base, n, 1);
  d->needs = o->needs;
  d->own = o->own; /* the flags but FNOINHERIT (UCRT dup.cpp) */
  co__crt_dup_flags(m, o, d);
  pred->ret = 0;
}

/* A closed descriptor's free number opened again over handle num (_dup2
 * onto it): the object is live again, a new generation of its number. */
static void reopen_number(struct co_model *m, struct objent *d, int64_t num) {
  int n = (int)d->nb.n;
  d->live = 1;
  d->failed = 0;
  d->hold = (struct obj_hold){1, num, m->fd[num].gen};
  m->onum_used[n] = 2;
  d->nb.gen = m->onum_gen[n] = ++m->ogen;
  m->made++;
}

/* _dup2 (docs/crt.md#dup2, docs/wine.md#dup2-same): the duplicate is
 * made first (on failure the target is untouched), then the target's
 * handle is closed with its errors ignored (a protected one survives), the
 * target holds the duplicate; returns 0. s == t: UCRT changes nothing;
 * Wine re-duplicates (a quirk). */
void co__numbered_dup2(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o, *d = x->d;
  int64_t old = d->hold.num, n;
  int w, dst = x->op->dst % CO_OBJS;
  t->obj = dst;
  if (!o->live) { /* a closed source: the target untouched */
    co__fail(pred, m->hook.badfd_err(x->errs ? CO_EBADF : CO_OTHER));
    return;
  }
  if (d == o && !m->hook.dup2_same())
    return;
  if ((n = co__obj_dup(m, o, 0, x->errs, pred, t)) < 0)
    return;
  if (!d->live) {
    reopen_number(m, d, n);
    d->needs = o->needs;
    d->own = o->own;
    co__crt_dup_flags(m, o, d);
    if (d->nb.on)
      co__std_follow(m, d->nb.n, n); /* onto 0-2 sets it, as below */
    pred->ret = 0;
    return;
  }
  /* (its old handle closed as _close does: not when it is 1 or 2 and
   * shares it with the other, Wine _dup2 calls _close, UCRT dup2.cpp
   * _close_nolock) */
  if (d->hold.owns && !shares_std_handle(m, d) &&
      co__fd_close(m, old) == CO_OK) {
    /* the source's handle was the target's too; or the target's value
     * was stale and the duplicate got it (Wine reuses the lowest free
     * value, docs/wine.md#handle-values): CloseHandle closes the
     * duplicate itself */
    if (old == t->same_a || old == t->same_b)
      t->same_a = t->same_b = -1;
  }
  co__touch(t, old);
  d->hold.owns = 1;
  d->failed = 0;
  d->needs = o->needs;
  d->own = o->own;
  co__crt_dup_flags(m, o, d);
  d->hold.num = n;
  d->hold.gen = m->fd[n].gen;
  if (d->nb.on)
    co__std_follow(m, d->nb.n, n); /* _dup2 onto 0-2 sets it (dup2.cpp) */
  for (w = 0; w < CO_OBJS; w++)
    if (m->obj[w].live && co__inner_of(m, &m->obj[w]) == dst)
      m->obj[w].hold = (struct obj_hold){m->obj[w].hold.owns, n, d->hold.gen};
  pred->ret = 0;
}

/* _fdopen (docs/crt.md#fdopen): a stream over the descriptor, no check
 * of the mode against the handle's access, the descriptor never closed; a
 * bad mode fires the invalid-parameter handler (msvcrt: EINVAL, a quirk). */
void co__numbered_wrap(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o, *d = x->d;
  t->actor = x->op->obj % CO_OBJS;
  t->obj = x->op->dst % CO_OBJS;
  if (!x->md->valid) {
    co__fail(pred, m->hook.param_err(CO_EINVAL));
    return;
  }
  if (!o->live) { /* a closed descriptor, its number free: checked after
                     the mode (Wine _wfdopen; UCRT's handler fires for
                     either) */
    co__fail(pred, m->hook.badfd_err(CO_EBADF));
    return;
  }
  co__obj_make(m, d, 0, x->base, o->hold.num, 1);
  d->needs = co__mode_does(x->md);
  d->hold.gen = o->hold.gen;
  d->wrap.inner = (int8_t)(x->op->obj % CO_OBJS);
  d->wrap.n = o->nb.n;
  d->wrap.gen = o->nb.gen;
  pred->ret = 0;
}

/* ---- crtmisc (issue 19): _fstat, _filelength, _chsize ---- */

/* A closed descriptor, its number free: what each call gives
 * (docs/crt.md#fstat): UCRT's validation fires the handler; Wine's
 * _filelength is its _lseeki64's, its _fstat sets no errno, its _chsize
 * succeeds (quirks). */
static void file_badfd(struct co_model *m, enum co_effect f,
                       struct co_outcome *pred) {
  int err = f == CO_EFF_STAT   ? m->hook.stat_badfd_err(CO_EBADF)
            : f == CO_EFF_SIZE ? m->hook.seek_badfd_err(CO_EBADF)
                               : m->hook.resize_badfd_err(CO_EBADF);
  if (err == CO_OK && f == CO_EFF_STAT)
    pred->ret = -1; /* no errno */
  else if (err != CO_OK)
    co__fail(pred, err);
}

/* _fstat (STAT), _filelength (SIZE), _chsize and _chsize_s (RESIZE) of
 * the file of object o's handle (docs/crt.md#fstat, #chsize): the handle
 * not open, EBADF; a size below 0, EINVAL after the handler (checked
 * first: Wine's _chsize_s; UCRT's handler fires either way); the offset
 * never moves. */
void co__numbered_file(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t) {
  enum co_effect f = x->e->effect;
  int64_t num = x->o->hold.num, *size;
  int err;
  t->obj = x->op->obj % CO_OBJS;
  if (f == CO_EFF_RESIZE && x->c->n < 0) {
    co__fail(pred, m->hook.param_err(CO_EINVAL));
    return;
  }
  if (!x->o->live) {
    file_badfd(m, f, pred);
    return;
  }
  co__touch(t, num);
  if (!co__is_live(m, num)) {
    co__fail(pred, f == CO_EFF_STAT ? m->hook.stat_gone_err() : CO_EBADF);
    return;
  }
  size = &m->fsize[co__ofd_of(m, num)->file];
  /* _filelength and _chsize seek (and put the offset back), and a seek
   * clears the end-of-file flag (UCRT lowio/filelength.cpp, chsize.cpp,
   * lseek.cpp; Wine _filelength, _chsize_s through _lseeki64;
   * docs/crt.md#read) */
  if (f != CO_EFF_STAT)
    x->o->eof = 0;
  if (f == CO_EFF_STAT) {
    pred->data = co_stat_pack(0100666, 1, *size < 0 ? 0 : (uint64_t)*size);
    pred->dmask =
        *size < 0 ? ((uint64_t)1 << CO_STAT_SIZE_SHIFT) - 1 : ~(uint64_t)0;
  } else if (f == CO_EFF_SIZE) {
    pred->ret = *size < 0 ? CO_RET_ANY : *size;
  } else if (co__ofd_of(m, num)->acc == CO_F_ACC_RDONLY &&
             (err = m->hook.resize_rdonly_err(x->c->n == *size)) != CO_OK) {
    co__fail(pred, x->errs ? err : CO_OTHER);
  } else if (co__ofd_of(m, num)->acc != CO_F_ACC_RDONLY) {
    /* the bytes are not kept past a resize (the zeros past the old end,
     * what a shrink cut off): a read's bytes are then not predicted */
    m->content[co__ofd_of(m, num)->file].lost = 1;
    *size = x->c->n;
  }
}
