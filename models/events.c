/*
 * Ownership events (model.h: struct co_event): what a step does wrong, and
 * who is to blame, found before the step is applied. Which event wins is
 * the order of the precedence tables below, one per shape of layer call
 * (on objects, or taking a descriptor): rules are tried in order, and a
 * rule marked STOP ends the search once any event has been found. A
 * built-in operation's rules all add up, in the fixed order its kind
 * gives (co__op_events). Also the text of an event.
 */
#include <stdio.h>

#include "closeonce/error.h"
#include "model_internal.h"

/* What the rules look at. */
struct evctx {
  const struct co_model *m;
  const struct co_op *op;
  const struct co_call *c;
  const struct co_entry *e;     /* CALL: the entry */
  const struct co_entry_ref *r; /* CALL: the entry as registered */
  const struct objent *o, *d;   /* CALL: the object operand, the second one */
  int obj, dst;                 /* their slots, masked */
  int layer, two;               /* the operand layer; a second object */
  int binds;                    /* CALL: co_call_binds */
  enum co_sit sa, sb;           /* the operands' situations */
  struct co_event *ev;
  int lost; /* events that did not fit (never expected: CO_EVENTS_MAX) */
};

static int add_ev(struct evctx *x, int n, int kind, int why, int actor,
                  int owner, int client, int64_t num, int slot) {
  struct co_event *ev = x->ev;
  if (n >= CO_EVENTS_MAX) {
    x->lost++;
    return n;
  }
  ev[n].kind = (uint8_t)kind;
  ev[n].why = (uint8_t)why;
  ev[n].actor = (int8_t)actor;
  ev[n].owner = (int8_t)owner;
  ev[n].client = (int8_t)client;
  ev[n].num = num;
  ev[n].slot = (int8_t)slot;
  ev[n].objslot = 0;
  ev[n].platform = (int8_t)x->m->platform;
  return n + 1;
}

/* An event whose operand is an object (the client closing oK, ...). */
static int add_obj_ev(struct evctx *x, int n, int kind, int why, int actor,
                      int owner, int client, int64_t num, int obj) {
  int r = add_ev(x, n, kind, why, actor, owner, client, num, obj);
  if (r > n)
    x->ev[n].objslot = 1;
  return r;
}

/* A client's misuse that is never run (model.h CO_WHY_DEAD_OBJ...). */
static int client_ev(struct evctx *x, int n, int why, int slot) {
  return add_ev(x, n, CO_EV_VIOLATION, why, CO_PARTY_CLIENT, CO_PARTY_NONE, 1,
                -1, slot);
}

/* Party `actor` acts on num, which is not its own any more: another
 * party's now (reused), or nobody's (its call fails: gone). */
static int reused_or_gone(struct evctx *x, int n, int actor, int64_t num,
                          int slot, int client) {
  if (co__is_live(x->m, num))
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_REUSED, actor,
                  co__owner(x->m, num), client, num, slot);
  return add_ev(x, n, CO_EV_INVALID_HANDLE, CO_WHY_GONE, actor, CO_PARTY_NONE,
                client, num, slot);
}

static int ref_slot(struct co_ref r) {
  return r.type == CO_REF_SLOT ? r.idx % CO_SLOTS : -1;
}

/* The client's first operand r, in situation sit (stale or reused). */
static int stale_add(struct evctx *x, int n, enum co_sit sit, struct co_ref r,
                     int64_t num) {
  if (sit == CO_SIT_STALE)
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_STALE, CO_PARTY_CLIENT,
                  CO_PARTY_NONE, 1, num, ref_slot(r));
  if (sit == CO_SIT_REUSED)
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_REUSED, CO_PARTY_CLIENT,
                  co__owner(x->m, num), 1, num, ref_slot(r));
  return n;
}

static inline int stale_ev(struct evctx *x, int n, enum co_sit sit,
                           struct co_ref r, int64_t num) {
  return sit == CO_SIT_STALE || sit == CO_SIT_REUSED
             ? stale_add(x, n, sit, r, num)
             : n;
}

/* ---- a layer call on objects ---- */

/* The objects named must exist, be of the entry's layer, and a new one
 * must not overwrite a live one (never run: freed memory, a lost object). */
static int ev_dead(struct evctx *x, int n) {
  int r, h;
  if (x->o->live)
    return n;
  if ((h = co__reused_holder(x->m, x->o, x->layer, x->e->effect)) >= 0 &&
      (x->binds != 1 || !x->d->live)) {
    /* its number given out again: the call acts on the holder's
     * descriptor, as the C runtime does (it sees a number) */
    r = client_ev(x, n, CO_WHY_DEAD_OBJ, x->obj);
    if (r > n) {
      x->ev[n].num = x->o->nb.n;
      x->ev[n].owner = (int8_t)h;
    }
    return r;
  }
  if (!co__stale_number(x->m, x->o) || (int)x->o->entry_base != x->layer)
    return client_ev(x, n, CO_WHY_DEAD_OBJ, x->obj);
  /* A closed C-runtime descriptor is a number: every call of its own layer
   * on it (_close, _get_osfhandle, _lseek, _write, _dup, _dup2 of it) and
   * _fdopen of it are well defined (docs/crt.md#stale) and run. A new
   * object over a live one, and a _dup2 onto another layer's object, are
   * refused by the rules after this one (ev_overwrite, ev_layer_dst), in
   * their words; a _dup2 onto a closed target whose number was given out
   * again is not run either. The event carries the number; num -1 means
   * not run. */
  if ((x->binds == 1 && x->d->live) ||
      (x->two && (int)x->d->entry_base != x->layer))
    return n;
  r = client_ev(x, n, CO_WHY_DEAD_OBJ, x->obj);
  if (r > n && (!x->two || x->d->live || co__stale_number(x->m, x->d)))
    x->ev[n].num = x->o->nb.n;
  return r;
}
static int ev_layer(struct evctx *x, int n) {
  return (int)x->o->entry_base == x->layer
             ? n
             : client_ev(x, n, CO_WHY_WRONG_LAYER, x->obj);
}
static int ev_overwrite(struct evctx *x, int n) {
  return x->binds == 1 && x->d->live ? client_ev(x, n, CO_WHY_OVERWRITE, x->dst)
                                     : n;
}
static int ev_dead_dst(struct evctx *x, int n) {
  int r;
  if (!x->two || x->d->live)
    return n;
  r = client_ev(x, n, CO_WHY_DEAD_OBJ, x->dst);
  /* _dup2 onto a closed descriptor whose number is free: well defined,
   * the number is opened again (docs/crt.md#dup2) */
  if (r > n && co__stale_number(x->m, x->d) &&
      (int)x->d->entry_base == x->layer)
    x->ev[n].num = x->d->nb.n;
  return r;
}
static int ev_layer_dst(struct evctx *x, int n) {
  return x->two && (int)x->d->entry_base != x->layer
             ? client_ev(x, n, CO_WHY_WRONG_LAYER, x->dst)
             : n;
}

/* A stream whose descriptor was closed under it: its close closes that
 * number again, whoever holds it now. */
static int ev_close_lost(struct evctx *x, int n) {
  int64_t num;
  int w;
  if (x->e->effect != CO_EFF_CLOSE || x->o->wrap.inner < 0 ||
      !co__obj_lost(x->m, x->o))
    return n;
  num = x->o->wrap.n;
  if ((w = co__onum_holder(x->m, num)) >= 0)
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_REUSED, x->obj, w, 0, num,
                  x->obj);
  return add_ev(x, n, CO_EV_INVALID_HANDLE, CO_WHY_GONE, x->obj, CO_PARTY_NONE,
                0, num, x->obj);
}

/* Acting through a numbered object's number that was freed or given to
 * another object (not run). */
static int ev_lost(struct evctx *x, int n) {
  const struct objent *l;
  int slot;
  int64_t num;
  if (x->e->effect == CO_EFF_NUMBER)
    return n;
  if (co__obj_lost(x->m, x->o))
    l = x->o, slot = x->obj;
  else if (x->two && co__obj_lost(x->m, x->d))
    l = x->d, slot = x->dst;
  else
    return n;
  num = co__obj_number(x->m, l);
  return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_LOST, slot,
                co__onum_holder(x->m, num), 0, num, slot);
}

/* Closing or replacing an object another one wraps (owns). */
static int ev_wrapped(struct evctx *x, int n) {
  int w, close = x->e->effect == CO_EFF_CLOSE;
  if (close && (w = co__wrapper_of(x->m, x->obj)) >= 0)
    return add_obj_ev(x, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w,
                      1, x->o->hold.num, x->obj);
  if (!close && x->two && x->dst != x->obj &&
      (w = co__wrapper_of(x->m, x->dst)) >= 0)
    return add_obj_ev(x, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w,
                      1, x->d->hold.num, x->dst);
  return n;
}

/* Wrapping an object that is wrapped already: two owners. */
static int ev_wrap_twice(struct evctx *x, int n) {
  int w;
  if (x->e->effect == CO_EFF_WRAP && (w = co__wrapper_of(x->m, x->obj)) >= 0)
    return add_obj_ev(x, n, CO_EV_VIOLATION, CO_WHY_ADOPT, CO_PARTY_CLIENT, w,
                      1, x->o->hold.num, x->obj);
  return n;
}

/* _dup2's silent close of the target's old handle, which someone closed:
 * it closes whatever has that value now, another party's handle or the
 * new duplicate itself. */
static int ev_dup2_target(struct evctx *x, int n) {
  const struct objent *d = x->d;
  if (!x->two || x->dst == x->obj || !d->hold.owns ||
      co__obj_num_valid(x->m, d))
    return n;
  return reused_or_gone(x, n, x->dst, d->hold.num, x->dst, 0);
}

/* Closes a descriptor it borrows: its owner's (the client asked). */
static int ev_closes_borrowed(struct evctx *x, int n) {
  const struct objent *o = x->o;
  if (x->e->effect == CO_EFF_CLOSE && (x->e->io & CO_IO_CLOSES_ANY) &&
      !o->hold.owns && co__obj_num_valid(x->m, o))
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_OWNED, x->obj,
                  co__owner(x->m, o->hold.num), 1, o->hold.num, x->obj);
  return n;
}

/* The object's own descriptor is not the one it took. A borrowing object
 * that outlived the descriptor's owner: using it is the client's mistake,
 * like a borrowed slot used too late. An owning one: the layer's (its
 * descriptor was closed by someone else). */
static int ev_own_fd(struct evctx *x, int n) {
  const struct objent *o = x->o;
  int64_t num = o->hold.num;
  if (!co__call_hits_os(x->e, o) || co__obj_num_valid(x->m, o))
    return n;
  if (!o->hold.owns)
    return add_ev(x, n, CO_EV_VIOLATION,
                  co__is_live(x->m, num) ? CO_WHY_REUSED : CO_WHY_STALE, x->obj,
                  co__owner(x->m, num), 1, num, x->obj);
  return reused_or_gone(x, n, x->obj, num, x->obj, 0);
}

/* A pager closing or writing through a window copy that was closed under
 * it (its own, or a victim it pages out). */
static int ev_window(struct evctx *x, int n) {
  const struct objent *o = x->o, *w = NULL;
  enum co_effect f = x->e->effect;
  int v = -1;
  if (!o->pg.on || !x->m->window)
    return n;
  if (o->pg.resident && !co__win_valid(x->m, o) &&
      (f == CO_EFF_CLOSE || f == CO_EFF_PAGE_OUT || f == CO_EFF_USE))
    w = o, v = x->obj;
  else if ((f == CO_EFF_LEND || f == CO_EFF_USE || f == CO_EFF_PAGE_IN) &&
           (v = co__pager_evicts(x->m, o)) >= 0 &&
           !co__win_valid(x->m, &x->m->obj[v]))
    w = &x->m->obj[v];
  return w ? reused_or_gone(x, n, x->obj, w->pg.win, v, 0) : n;
}

/* ---- a layer call taking a descriptor (OPEN, ADOPT, BORROW) ---- */

static int ev_take_overwrite(struct evctx *x, int n) {
  return x->m->obj[x->dst].live ? client_ev(x, n, CO_WHY_OVERWRITE, x->dst) : n;
}

/* Handing over a stale number, one that is not open, or one that another
 * party owns (two owners). A borrowing entry only cares if it reads the
 * descriptor's state once: over one not open that state is undefined
 * (GLib: uninitialised flags). An adopt-dup entry takes a copy: as a
 * borrow, its own check (CO_CHK_VALID) or the duplicate's failure says
 * EBADF. */
static int ev_take(struct evctx *x, int n) {
  const struct co_entry *e = x->e;
  int64_t a = x->c->a;
  int before = n, w,
      borrow = e->effect == CO_EFF_BORROW || e->effect == CO_EFF_ADOPT_DUP;
  if (!x->r->nrefs || (n = stale_ev(x, n, x->sa, x->op->a, a)) != before)
    return n;
  if ((!borrow || (e->io & CO_IO_ACCESS_ONCE)) && !co__is_open(x->m, a))
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_NOT_OPEN, CO_PARTY_CLIENT,
                  CO_PARTY_NONE, 1, a, ref_slot(x->op->a));
  if (!borrow && (w = co__owner(x->m, a)) >= 0)
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_ADOPT, CO_PARTY_CLIENT, w, 1, a,
                  ref_slot(x->op->a));
  return n;
}

/* Handing a descriptor of a kind the entry does not accept (a socket
 * entry given a file or a pipe): the client's mistake; if it runs, the
 * model predicts the library's answer (layers.c). */
static int ev_kind(struct evctx *x, int n) {
  int64_t a = x->c->a;
  if (!x->r->nrefs || !(x->e->checks & (CO_CHK_SOCKET | CO_CHK_WANTS_SOCKET)) ||
      co__kind_accepted(x->m, x->e, a))
    return n;
  return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_KIND, CO_PARTY_CLIENT,
                CO_PARTY_NONE, 1, a, ref_slot(x->op->a));
}

/* ---- a built-in operation ---- */

/* Its first operand: stale, or closing another party's descriptor, or
 * using a pager's window descriptor after returning it (the lending rule,
 * pager/vfd.h: the caller's only between vget and vput). */
static int ev_first(struct evctx *x, int n) {
  const struct co_model *m = x->m;
  int64_t a = x->c->a;
  int before = n, w, kind = x->c->kind;
  if (co_opdesc[kind].nrefs < 1 || kind == CO_OP_CLOSE_RANGE ||
      kind == CO_OP_SETLIMIT || /* its operand is a value */
      (n = stale_ev(x, n, x->sa, x->op->a, a)) != before)
    return n;
  if (kind != CO_OP_CLOSE && kind != CO_OP_DUP_CLOSE &&
      kind != CO_OP_CLOSESOCKET && !m->window)
    return n; /* only a pager (a window) lends */
  if ((w = co__owner(m, a)) < 0)
    return n;
  if (kind == CO_OP_CLOSE || kind == CO_OP_DUP_CLOSE ||
      kind == CO_OP_CLOSESOCKET)
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w, 1, a,
                  ref_slot(x->op->a));
  if (m->obj[w].pg.on && m->obj[w].pg.win == a && !m->obj[w].pg.pins)
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_RETURNED, CO_PARTY_CLIENT, w, 1,
                  a, ref_slot(x->op->a));
  return n;
}

/* Win32: a HANDLE call on a live SOCKET (docs/win32.md#socket-misuse):
 * CloseHandle (Microsoft's CloseHandle page: use closesocket), and
 * DuplicateHandle (its page: winsock may not recognize the copy; use
 * WSADuplicateSocket). */
static int ev_socket(struct evctx *x, int n) {
  int kind = x->c->kind, why;
  if (!x->m->plat->pre || !co__is_sock(x->m, x->c->a))
    return n;
  if (kind == CO_OP_CLOSE)
    why = CO_WHY_SOCK_CLOSEHANDLE;
  else if (kind == CO_OP_DUP || kind == CO_OP_DUPH || kind == CO_OP_DUP_CLOSE ||
           kind == CO_OP_DUPH_ACCESS)
    why = CO_WHY_SOCK_DUPHANDLE;
  else
    return n;
  return add_ev(x, n, CO_EV_VIOLATION, why, CO_PARTY_CLIENT, CO_PARTY_NONE, 1,
                x->c->a, ref_slot(x->op->a));
}

/* A SOCKET handed to the C runtime, which adopts it: its _close will
 * close the socket with CloseHandle (docs/win32.md#socket-misuse). */
static int ev_take_socket(struct evctx *x, int n) {
  const struct co_entry *e = x->e;
  if (!x->r->nrefs || !x->m->plat->pre || !x->r->adapter->contract->numbered ||
      (e->effect != CO_EFF_ADOPT && e->effect != CO_EFF_ADOPT_ON_SUCCESS) ||
      !co__is_sock(x->m, x->c->a))
    return n;
  return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_SOCK_CRT, CO_PARTY_CLIENT,
                CO_PARTY_NONE, 1, x->c->a, ref_slot(x->op->a));
}

/* dup2/dup3's target: a reused number, or another party's descriptor. */
static int ev_dup2(struct evctx *x, int n) {
  const struct co_call *c = x->c;
  int w;
  if ((c->kind != CO_OP_DUP2 && c->kind != CO_OP_DUP3) ||
      (uint32_t)c->a == (uint32_t)c->b)
    return n;
  if (x->sb == CO_SIT_REUSED)
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_REUSED, CO_PARTY_CLIENT,
                  co__owner(x->m, c->b), 1, c->b, ref_slot(x->op->b));
  if ((w = co__owner(x->m, c->b)) >= 0)
    return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w, 1,
                  c->b, ref_slot(x->op->b));
  return n;
}

/* close_range: every descriptor in the range another party owns, one
 * event each (a foreign run is nobody's). */
static int ev_close_range(struct evctx *x, int n) {
  const struct co_model *m = x->m;
  const struct co_call *c = x->c;
  int64_t i, hi = (int64_t)(uint32_t)c->b;
  int w;
  if (c->kind != CO_OP_CLOSE_RANGE || (uint32_t)c->a > (uint32_t)c->b)
    return n;
  if (hi > m->high)
    hi = m->high; /* nothing is live above it */
  for (i = (uint32_t)c->a; i <= hi; i++)
    if ((uint64_t)i < m->cap && m->fd[i].foreign)
      i = co__past_foreign(m, i) - 1;
    else if ((w = co__owner(m, i)) >= 0)
      n = add_ev(x, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w, 1, i,
                 -1);
  return n;
}

/* ---- the precedence tables ---- */

#define STOP 1 /* ends the search once any event has been found */
struct evrule {
  int (*fn)(struct evctx *x, int n);
  int stop;
};

#define NRULES(r) (sizeof r / sizeof r[0])

/* A layer call on objects: the first rule that fires wins, except that
 * the owner rules (wrapped, wrapped twice, a dup2 target) add up. */
static const struct evrule obj_rules[] = {
    {ev_dead, STOP},
    {ev_layer, STOP},
    {ev_overwrite, STOP},
    {ev_dead_dst, STOP},
    {ev_layer_dst, STOP},
    {ev_close_lost, STOP},
    {ev_lost, STOP},
    {ev_wrapped, 0},
    {ev_wrap_twice, 0},
    {ev_dup2_target, STOP},
    {ev_closes_borrowed, STOP},
    {ev_own_fd, STOP},
    {ev_window, STOP},
};
/* A layer call that takes a descriptor or makes one. */
static const struct evrule take_rules[] = {
    {ev_take_overwrite, STOP},
    {ev_take, STOP},
    {ev_take_socket, STOP},
    {ev_kind, STOP},
};
/* A built-in operation has no table: its rules all add up (none stops
 * the search), so co__op_events calls the ones its kind can fire, in this
 * order: its first operand (ev_first), then a dup2/dup3 target (ev_dup2);
 * a close_range its range alone (ev_close_range). */

/* Inline, and (GCC) its loop unrolled over the constant tables, so that
 * each rule is a direct call. (Not forced under clang: a forced unroll
 * the optimiser declines is an error there, at -O0 for one.) */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
run_rules(struct evctx *x, const struct evrule *r, size_t nr) {
  size_t i;
  int n = 0;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 16
#endif
  for (i = 0; i < nr; i++) {
    n = r[i].fn(x, n);
    if (r[i].stop && n)
      break;
  }
  return n;
}

/* A layer call's events: by the shape of the call. */
static int call_rules(struct evctx *x, const struct co__step *s) {
  const struct co_op *op = s->op;
  x->obj = op->obj % CO_OBJS;
  x->dst = op->dst % CO_OBJS;
  x->o = &x->m->obj[x->obj];
  x->d = &x->m->obj[x->dst]; /* dst: an object only for two-object entries */
  x->layer = x->two = 0;
  if (!x->r->has_obj)
    return run_rules(x, take_rules, NRULES(take_rules));
  x->layer = co__operand_layer(s);
  x->two = x->r->target;
  return run_rules(x, obj_rules, NRULES(obj_rules));
}

/* The context the rules read, from the step. */
static void ctx_init(struct evctx *x, const struct co_model *m,
                     const struct co__step *s, struct co_event *ev) {
  x->m = m;
  x->op = s->op;
  x->c = s->c;
  x->e = s->e;
  x->r = s->r;
  x->binds = s->binds;
  x->sa = s->sa;
  x->sb = s->sb;
  x->ev = ev;
  x->lost = 0;
}

/* evdir (docs/posix.md#epoll-stale): epoll_wait reports an event whose
 * data, the number registered, is closed or names another description
 * now: the registration outlived the client's number (its description is
 * still open through a duplicate). The client's move; one event at most. */
static int ev_epoll_stale(struct evctx *x, int n) {
  int64_t num = co__epoll_stale(x->m, x->c);
  if (num < 0)
    return n;
  return add_ev(x, n, CO_EV_VIOLATION, CO_WHY_EPOLL_STALE, CO_PARTY_CLIENT,
                co__is_live(x->m, num) ? co__owner(x->m, num) : CO_PARTY_NONE,
                1, num, -1);
}

/* A built-in operation's events, by kind (the order above). */
int co__op_events(const struct co_model *m, const struct co__step *s,
                  struct co_event *ev, int *lost) {
  struct evctx x;
  int n, kind = s->op->kind;
  ctx_init(&x, m, s, ev);
  if (kind == CO_OP_CLOSE_RANGE)
    n = ev_close_range(&x, 0);
  else {
    n = ev_first(&x, 0);
    if (kind == CO_OP_DUP2 || kind == CO_OP_DUP3)
      n = ev_dup2(&x, n);
    n = ev_socket(&x, n);
    if (kind == CO_OP_EPOLL_WAIT)
      n = ev_epoll_stale(&x, n);
  }
  *lost = x.lost;
  return n;
}

/* A layer call's events (valid, its entry known). */
int co__call_events(const struct co_model *m, const struct co__step *s,
                    struct co_event *ev, int *lost) {
  struct evctx x;
  int n;
  ctx_init(&x, m, s, ev);
  n = call_rules(&x, s);
  *lost = x.lost;
  return n;
}

int co_model_events(const struct co_model *m, const struct co_op *op,
                    const struct co_call *c, struct co_event *ev) {
  struct co_step st;
  struct co_model_prep p;
  struct co_aftermath eff;
  int i;
  co_step_of(&st, op);
  co_model_prepare(m, &st, c, &p, &eff);
  for (i = 0; i < eff.nev; i++)
    ev[i] = eff.ev[i];
  return eff.nev;
}

/* ---- text ---- */

static int party_name(int p, char *buf, size_t cap) {
  if (p == CO_PARTY_CLIENT)
    return snprintf(buf, cap, "the client");
  if (p == CO_PARTY_NONE)
    return snprintf(buf, cap, "nobody");
  return snprintf(buf, cap, "o%d", p);
}
int co_event_format(const struct co_event *ev, char *buf, size_t cap) {
  const struct co_words *w = co_words(ev->platform);
  char actor[16], owner[16], at[16] = "", h[40];
  co_words_num(w, ev->num, h, sizeof h);
  party_name(ev->actor, actor, sizeof actor);
  party_name(ev->owner, owner, sizeof owner);
  if (ev->slot >= 0 && ev->actor == CO_PARTY_CLIENT &&
      ev->why != CO_WHY_DEAD_OBJ && ev->why != CO_WHY_OVERWRITE &&
      ev->why != CO_WHY_WRONG_LAYER)
    snprintf(at, sizeof at, " (%c%d)", ev->objslot ? 'o' : 's', ev->slot);
  switch ((enum co_evwhy)ev->why) {
  case CO_WHY_STALE:
    return snprintf(buf, cap, "%s uses %s%s after it was closed", actor, h, at);
  case CO_WHY_REUSED:
    return snprintf(buf, cap,
                    "%s acts on %s%s, which was closed and "
                    "reused: it now belongs to %s",
                    actor, h, at, owner);
  case CO_WHY_OWNED:
    return snprintf(buf, cap,
                    "%s closes or replaces %s%s, "
                    "owned by %s",
                    actor, h, at, owner);
  case CO_WHY_ADOPT:
    return snprintf(buf, cap,
                    "%s hands %s%s, owned by %s, to a layer "
                    "that takes ownership: two owners will close it",
                    actor, h, at, owner);
  case CO_WHY_NOT_OPEN:
    return snprintf(buf, cap,
                    "%s hands %s%s, which is not open, to a "
                    "layer that takes it or reads its state",
                    actor, h, at);
  case CO_WHY_DEAD_OBJ:
    if (ev->num >= 0)
      return snprintf(buf, cap,
                      "%s uses o%d's C-runtime descriptor %lld after "
                      "closing it%s%s",
                      actor, ev->slot, (long long)ev->num,
                      ev->owner >= 0 ? ": the number now belongs to " : "",
                      ev->owner >= 0 ? owner : "");
    return snprintf(buf, cap,
                    "%s uses o%d, which was freed or never made "
                    "(not run)",
                    actor, ev->slot);
  case CO_WHY_OVERWRITE:
    return snprintf(buf, cap,
                    "%s makes a new object in o%d while o%d is live "
                    "(it would be lost; not run)",
                    actor, ev->slot, ev->slot);
  case CO_WHY_WRONG_LAYER:
    return snprintf(buf, cap,
                    "%s calls an entry of another layer on o%d "
                    "(not run)",
                    actor, ev->slot);
  case CO_WHY_GONE:
    return snprintf(buf, cap,
                    "%s's own %s is not open (closed by another "
                    "party, or never open): its call fails with %s",
                    actor, h, co_words_err(w, CO_EBADF));
  case CO_WHY_RETURNED:
    return snprintf(buf, cap,
                    "%s uses %s%s after returning it to %s "
                    "(vput): any page operation may close it",
                    actor, h, at, owner);
  case CO_WHY_SOCK_CLOSEHANDLE:
    return snprintf(buf, cap,
                    "%s closes %s%s, a SOCKET, with CloseHandle: a socket is "
                    "closed with closesocket (Microsoft: CloseHandle, "
                    "closesocket)",
                    actor, h, at);
  case CO_WHY_SOCK_DUPHANDLE:
    return snprintf(
        buf, cap,
        "%s duplicates %s%s, a SOCKET, with DuplicateHandle: winsock "
        "may not recognize the copy, WSADuplicateSocket makes one "
        "(Microsoft: DuplicateHandle)",
        actor, h, at);
  case CO_WHY_SOCK_CRT:
    return snprintf(
        buf, cap,
        "%s hands %s%s, a SOCKET, to the C runtime (_open_osfhandle): "
        "its _close closes the socket with CloseHandle, behind "
        "winsock's back",
        actor, h, at);
  case CO_WHY_EPOLL_STALE:
    return snprintf(buf, cap,
                    "%s's epoll_wait reports an event for %s, a number it "
                    "closed without EPOLL_CTL_DEL%s (a duplicate keeps the "
                    "registration alive)",
                    actor, h,
                    ev->owner == CO_PARTY_NONE
                        ? ""
                        : " and that now names another open file "
                          "description");
  case CO_WHY_LOST:
    return snprintf(buf, cap,
                    "%s acts through C-runtime descriptor %lld, which was "
                    "closed under it%s%s (not run)",
                    actor, (long long)ev->num,
                    ev->owner >= 0 ? " and now belongs to " : "",
                    ev->owner >= 0 ? owner : "");
  case CO_WHY_KIND:
    return snprintf(buf, cap,
                    "%s hands %s%s, not a socket, to an entry whose "
                    "library asks for a socket",
                    actor, h, at);
  }
  return snprintf(buf, cap, "?");
}
