/*
 * Paged layers: the descriptor pager (pager/vfd.h; contract.h, from
 * CO_EFF_UNPIN). Its objects are virtual descriptors: a parked descriptor
 * (hold.num; POSIX: at or above the watermark, close-on-exec; Win32: not
 * inheritable) and, while paged in, a window copy of it (struct obj_page)
 * below the watermark, lent between vget and vput. At most `window` copies
 * are resident; paging in when full pages out the least recently used one
 * that is not lent.
 */
#include "model_internal.h"

static int pager_resident(const struct co_model *m) {
  int k, n = 0;
  for (k = 0; k < CO_OBJS; k++)
    n += m->obj[k].live && m->obj[k].pg.on && m->obj[k].pg.resident;
  return n;
}

/* The object a page-in would page out first: the resident, unpinned one
 * used longest ago (vfd.h: least recently used); -1 if none. */
static int pager_victim(const struct co_model *m) {
  int k, v = -1;
  for (k = 0; k < CO_OBJS; k++) {
    const struct objent *o = &m->obj[k];
    if (o->live && o->pg.on && o->pg.resident && !o->pg.pins &&
        (v < 0 || o->pg.tick < m->obj[v].pg.tick))
      v = k;
  }
  return v;
}

/* Would paging o in evict a victim first? Its slot, or -1. */
int co__pager_evicts(const struct co_model *m, const struct objent *o) {
  if (o->pg.resident || pager_resident(m) < (int)m->window)
    return -1;
  return pager_victim(m);
}

/* Close o's window copy (page-out, eviction, close): closes whatever has
 * that number now (its own copy, or another party's if it was closed and
 * reused under it); EBADF if nothing does. Win32: _close frees the C
 * runtime's number too. */
static int win_close(struct co_model *m, struct objent *o,
                     struct co_aftermath *t) {
  int err;
  co__touch(t, o->pg.win);
  err = co__fd_close(m, o->pg.win);
  if (m->plat->window_numbered && co__onum_is(m, o->pg.wnum, o->pg.wngen)) {
    m->onum_used[o->pg.wnum] = 0;
    co__std_follow(m, o->pg.wnum, 0);
  }
  o->pg.resident = 0;
  o->pg.win = o->pg.wnum = -1;
  return err;
}

/* The window copy of o at n (just allocated, below the watermark), and
 * its C-runtime number k (-1: none). Win32: window copies are never
 * inheritable (pager/vfd.c). */
static void win_make(struct co_model *m, struct objent *o, int64_t n, int k,
                     struct co_aftermath *t) {
  co__install(m, n, m->fd[o->hold.num].ofd,
              m->plat->window_numbered || (o->own & CO_OWN_CLOEXEC));
  co__touch(t, n);
  t->same_a = n;
  t->same_b = o->hold.num;
  o->pg.resident = 1;
  o->pg.win = n;
  o->pg.wingen = m->fd[n].gen;
  o->pg.wnum = n;
  if (k >= 0) {
    m->onum_used[k] = 2;
    co__std_follow(m, k, n);
    o->pg.wnum = k;
    o->pg.wngen = m->onum_gen[k] = ++m->ogen;
  }
}

/* Page o in and make it the most recent: page out the victim if the window
 * is full (EBUSY if every resident one is lent), duplicate the parked
 * descriptor to the lowest free number with o's own close-on-exec (Win32:
 * DuplicateHandle, then _open_osfhandle's lowest free C-runtime number),
 * which must be below the watermark (else it is closed again: EMFILE). */
static int page_in(struct co_model *m, struct objent *o,
                   struct co_aftermath *t) {
  int64_t n;
  int v, k = -1;
  if (!o->pg.resident) {
    if (pager_resident(m) >= (int)m->window) {
      if ((v = pager_victim(m)) < 0)
        return CO_EBUSY;
      win_close(m, &m->obj[v], t); /* its errors are not o's */
    }
    if (!co__is_live(m, o->hold.num))
      return CO_EBADF;
    if ((n = m->plat->alloc(m, 0)) < 0)
      return CO_EMFILE;
    if (m->plat->window_numbered) {
      k = co__onum_lowest_free(m);
      if (k < 0 || k >= m->watermark)
        return CO_EMFILE; /* the duplicate is closed again */
    } else if (n >= m->watermark) {
      co__touch(t, n); /* dup'ed there and closed again */
      return CO_EMFILE;
    }
    win_make(m, o, n, k, t);
  }
  o->pg.tick = ++m->tick;
  return CO_OK;
}

/* A fresh virtual descriptor in o, parked at num, paged out. */
static void pager_obj(struct co_model *m, struct objent *o, int64_t num,
                      unsigned own, unsigned needs, unsigned base) {
  co__obj_make(m, o, 0, base, num, 1);
  o->pg.on = 1;
  o->own = (uint8_t)own;
  o->needs = (uint8_t)needs;
}

#define PFAIL(x) co__fail(pred, errs ? (x) : CO_OTHER)

/* OPEN parks a new descriptor at the lowest free number at or above the
 * watermark; ADOPT_ON_SUCCESS moves the argument there and closes it
 * (Win32 keeps the handle where it is; on failure the caller keeps it). */
static void pager_make(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t) {
  const struct co_mode *md = x->md;
  int errs = x->errs, err = CO_OK, adopt = x->e->effect != CO_EFF_OPEN;
  int64_t a = x->c->a, n = a;
  int32_t ofd;
  if (adopt)
    co__touch(t, a);
  if (!md->valid)
    err = CO_EINVAL;
  else if (adopt && !co__is_live(m, a))
    err = CO_EBADF;
  else if ((!adopt || !m->plat->pager_keeps) &&
           (n = m->plat->alloc(m, m->watermark)) < 0)
    err = CO_EMFILE;
  if (err != CO_OK) {
    PFAIL(err);
    return;
  }
  if (!adopt) {
    if ((ofd = co__new_ofd(m, co__mode_acc(md), md->sets_append)) < 0) {
      co__fail(pred, CO_OTHER);
      return;
    }
    co__install(m, n, ofd, 1);
    co__touch(t, n);
  } else if (!m->plat->pager_keeps) {
    co__install(m, n, m->fd[a].ofd, 1);
    (void)co__fd_close(m, a);
    co__touch(t, n);
  }
  pager_obj(m, x->d, n, md->own, co__mode_does(md), x->base);
  t->obj = x->op->dst % CO_OBJS;
}

/* DUP_OBJ: a second virtual descriptor, parked on a duplicate, paged out,
 * without close-on-exec (as dup(2)). */
static void pager_dup(struct co_model *m, struct co__callctx *x,
                      struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o;
  int errs = x->errs;
  int64_t n;
  t->actor = x->op->obj % CO_OBJS;
  t->obj = x->op->dst % CO_OBJS;
  if (!co__is_live(m, o->hold.num)) {
    PFAIL(CO_EBADF);
    return;
  }
  if ((n = m->plat->alloc(m, m->watermark)) < 0) {
    PFAIL(CO_EMFILE);
    return;
  }
  co__dup_new(m, n, o->hold.num, 1, pred, t);
  pager_obj(m, x->d, n, o->own & ~CO_OWN_CLOEXEC, o->needs, o->entry_base);
  pred->ret = 0;
}

/* CLOSE: the window copy first, then the parked descriptor; the first
 * error is reported, the object is freed whatever happens. */
static void pager_close(struct co_model *m, struct co__callctx *x,
                        struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o;
  int errs = x->errs, err = CO_OK, e2;
  o->live = 0;
  if (o->pg.resident)
    err = win_close(m, o, t);
  e2 = co__obj_close_fd(m, o, 1, t);
  if (err == CO_OK)
    err = e2;
  if (err != CO_OK)
    PFAIL(err);
}

/* USE: pages in and writes through the window copy (its own append and
 * text flags, as the C runtime's _write). */
static void pager_use(struct co_model *m, struct co__callctx *x,
                      struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o;
  struct ofdent *f;
  int errs = x->errs, err;
  int32_t n = x->c->n;
  if ((err = page_in(m, o, t)) != CO_OK) {
    PFAIL(err);
    return;
  }
  if (!co__is_live(m, o->pg.win)) {
    PFAIL(CO_EBADF);
    return;
  }
  f = co__ofd_of(m, o->pg.win);
  t->offset_num = o->pg.win;
  if (o->own & CO_OWN_APPEND)
    f->off = m->fsize[f->file];
  if (f->acc == CO_F_ACC_RDONLY) {
    PFAIL(CO_EBADF);
    return;
  }
  if (f->kind != CO__KIND_FILE) { /* a pipe's or a socket's: its rule */
    t->offset_num = -1;
    co__use_channel(m, x, o->pg.win, '\n', pred, t); /* vfd.c: newlines */
    return;
  }
  co__ofd_write(m, f, (o->own & CO_OWN_TEXT) ? 2 * (int64_t)n : n);
  pred->ret = n;
}

/* LEND pages in and pins; UNPIN returns a lend (EINVAL if none); PAGE_OUT
 * closes the window copy (EBUSY if lent); PAGE_IN pages in, no pin. */
static void pager_window(struct co_model *m, struct co__callctx *x,
                         struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o;
  int errs = x->errs, err = CO_OK;
  switch (x->e->effect) {
  case CO_EFF_LEND:
    if ((err = page_in(m, o, t)) == CO_OK) {
      o->pg.pins++;
      pred->ret = o->pg.win; /* Win32: the glue lends the handle (slots
                                hold handles); its C-runtime number is
                                pg.wnum */
    }
    break;
  case CO_EFF_UNPIN:
    if (!o->pg.pins) {
      err = CO_EINVAL;
      break;
    }
    o->pg.pins--;
    o->pg.tick = ++m->tick;
    break;
  case CO_EFF_PAGE_OUT:
    if (o->pg.pins)
      err = CO_EBUSY;
    else if (o->pg.resident)
      err = win_close(m, o, t);
    break;
  default: /* CO_EFF_PAGE_IN */
    err = page_in(m, o, t);
  }
  if (err != CO_OK)
    PFAIL(err);
}

/* A call of a paged layer. */
void co__pager_step(struct co_model *m, struct co__callctx *x,
                    struct co_outcome *pred, struct co_aftermath *t) {
  switch (x->e->effect) {
  case CO_EFF_OPEN:
  case CO_EFF_ADOPT_ON_SUCCESS:
    pager_make(m, x, pred, t);
    break;
  case CO_EFF_DUP_OBJ:
    pager_dup(m, x, pred, t);
    break;
  case CO_EFF_CLOSE:
    pager_close(m, x, pred, t);
    break;
  case CO_EFF_USE:
    t->obj = x->op->obj % CO_OBJS;
    pager_use(m, x, pred, t);
    break;
  case CO_EFF_LEND:
  case CO_EFF_UNPIN:
  case CO_EFF_PAGE_OUT:
  case CO_EFF_PAGE_IN:
    t->obj = x->op->obj % CO_OBJS;
    pager_window(m, x, pred, t);
    break;
  default:
    co__fail(pred, CO_ENOSYS);
  }
}
