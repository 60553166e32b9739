/*
 * Ownership-first entries (CO_IO_AS_RUN, closeonce/contract.h): the
 * contract states what a call does to ownership on success and on failure,
 * and the library's own outcome, issued before the model steps (the call's
 * real), says which path it took. The model copies what it cannot know (the
 * result, the error, how many bytes) and applies the ownership consequences
 * of that path, which the executor then observes at this step: a library
 * that closed, replaced or leaked a descriptor against them is blamed at
 * its own step (harness/exec.c). What the contract still pins is predicted:
 * a LEND or DETACH returns the object's own descriptor, a DUP or OPEN gets
 * a number nobody holds.
 */
#include "model_internal.h"

/* A number the library made (an OPEN's, a DUP's) that the model can take:
 * a free number of the trace. */
static int fresh_number(struct co_model *m, int64_t n) {
  return n >= 0 && n < m->limit && !co__is_open(m, n) &&
         !co__is_foreign(m, n) && co__ensure(m, n) == 0;
}

/* The library may read, seek, buffer or flush through num: its offset (and
 * its file's size) is no longer known. */
static void unknown_offset(struct co_model *m, int64_t num,
                           struct co_aftermath *t) {
  co__touch(t, num);
  if (co__is_live(m, num))
    co__ofd_unknown(m, co__ofd_of(m, num));
}

static void as_run_open(struct co_model *m, struct co__callctx *x,
                        struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n = x->c->hint; /* the descriptor the new object holds */
  int32_t ofd;
  if (pred->err != CO_OK)
    return;
  if (!fresh_number(m, n) ||
      (ofd = co__new_ofd(m, co__mode_acc(x->md), x->md->sets_append)) < 0) {
    /* not a number the library could have opened now */
    co__fail(pred, CO_OTHER);
    return;
  }
  co__install(m, n, ofd, 0);
  co__ofd_unknown(m, &m->ofd[ofd]);
  co__obj_make(m, x->o, 0, x->base, n, 1);
  x->o->own = x->md->own;
  x->o->needs = co__mode_does(x->md);
  t->obj = x->op->dst % CO_OBJS;
  co__touch(t, n);
}

/* ADOPT, ADOPT_ON_SUCCESS, BORROW over descriptor a. */
static void as_run_take(struct co_model *m, struct co__callctx *x,
                        struct co_outcome *pred, struct co_aftermath *t) {
  enum co_effect f = x->e->effect;
  int64_t a = x->c->a;
  unknown_offset(m, a, t); /* it may have read or seeked, even failing */
  /* The library sets O_NONBLOCK before its checks (as eff_take); after a
   * fault inside it, whether it got that far, or its F_SETFL was the call
   * that failed, is its own: unknown. */
  if ((x->e->io & CO_IO_NONBLOCK) && co__is_live(m, a))
    co__ofd_of(m, a)->nonblock = x->c->faulted ? 2 : 1;
  if (pred->err != CO_OK) {
    /* ADOPT closes it on its failure path; the others leave it with the
     * caller, open */
    if (f == CO_EFF_ADOPT)
      (void)co__fd_close(m, a);
    return;
  }
  co__obj_make(m, x->o, 0, x->base, a, f != CO_EFF_BORROW);
  x->o->own = x->md->own;
  x->o->needs = co__mode_does(x->md);
  if (co__is_live(m, a) && x->md->sets_append)
    co__ofd_of(m, a)->append = 1;
  t->obj = x->op->dst % CO_OBJS;
}

/* LEND, DUP, DETACH, CLOSE, USE on the object's descriptor. */
static void as_run_obj(struct co_model *m, struct co__callctx *x,
                       struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o;
  int64_t num = o->hold.num;
  int ok = pred->err == CO_OK;
  t->obj = x->op->obj % CO_OBJS;
  switch (x->e->effect) {
  case CO_EFF_LEND:
    if (ok)
      pred->ret = num; /* its own descriptor, still its own */
    break;
  case CO_EFF_DUP:
    if (!ok)
      break;
    if (!co__is_live(m, num) || !fresh_number(m, pred->ret))
      co__fail(pred, CO_OTHER); /* no duplicate it could have made */
    else
      co__dup_new(m, pred->ret, num, 0, pred, t);
    break;
  case CO_EFF_DETACH:
    /* the object is gone; its descriptor is the caller's, open, even when
     * a flush failed (BSD fdclose) */
    o->live = 0;
    t->obj = -1;
    if (ok)
      pred->ret = num;
    unknown_offset(m, num, t);
    break;
  case CO_EFF_CLOSE:
    /* gone whatever it reports; it closes what it owns, nothing else
     * (anything, with CO_IO_CLOSES_ANY) */
    o->live = 0;
    t->obj = -1;
    unknown_offset(m, num, t);
    (void)co__obj_close_fd(m, o, o->hold.owns || (x->e->io & CO_IO_CLOSES_ANY),
                           t);
    break;
  default: /* CO_EFF_USE */
    unknown_offset(m, num, t);
  }
}

void co__as_run_step(struct co_model *m, struct co__callctx *x,
                     struct co_outcome *pred, struct co_aftermath *t) {
  pred->ret = x->c->real->ret;
  pred->err = x->c->real->err;
  switch (x->e->effect) {
  case CO_EFF_OPEN:
    as_run_open(m, x, pred, t);
    break;
  case CO_EFF_ADOPT:
  case CO_EFF_ADOPT_ON_SUCCESS:
  case CO_EFF_BORROW:
    as_run_take(m, x, pred, t);
    break;
  default:
    as_run_obj(m, x, pred, t);
  }
}
