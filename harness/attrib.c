/*
 * Attribution (harness/attrib.h): each call a library made in one step,
 * against the model's view of the descriptor it names (docs/faults.md#
 * attribution). A close is the library's right when the descriptor is one
 * it made in this step, one the trace does not own (the library's own, made
 * outside a trace), or one the model says this step closes; a second close
 * of a number the library closed in this step, with no new descriptor on it
 * in between, is a double close (after an EINTR under Linux's semantics,
 * the retry that closes someone else's file); a close of a number that was
 * not open (EBADF) is a stale close. (A number the model has free that a
 * close finds open was made by a call no wrapper sees: the library's own.) A
 * use (read, write, lseek, fcntl, a dup's source) is its right on what the
 * step's objects hold, on the call's descriptor argument, on what it made, and
 * on numbers the trace does not own; a use of a descriptor another party owns,
 * or of one it closed earlier in the step, is not.
 */
#include "attrib.h"

#include <string.h>

#include "closeonce/error.h"

static int find(const int64_t *v, unsigned n, int64_t x) {
  unsigned i;
  for (i = 0; i < n; i++)
    if (v[i] == x)
      return (int)i;
  return -1;
}

static void snap_add(const struct co_model *m, struct co_attrib_snap *s,
                     int64_t num) {
  if (num < 0 || s->n >= CO_ATTRIB_NUMS || find(s->num, s->n, num) >= 0)
    return;
  s->num[s->n] = num;
  s->owner[s->n] = (int8_t)co_model_owner(m, num);
  s->foreign[s->n] = (uint8_t)co_model_is_foreign(m, num);
  s->n++;
}

static void held_add(struct co_attrib_snap *s, int64_t num) {
  if (num >= 0 && s->nheld < sizeof s->held / sizeof s->held[0] &&
      find(s->held, s->nheld, num) < 0)
    s->held[s->nheld++] = num;
}

static void held_obj(const struct co_model *m, struct co_attrib_snap *s, int k,
                     int depth) {
  struct co_objstate os;
  if (k < 0 || k >= 8 || depth > 2)
    return;
  co_model_obj(m, (unsigned)k, &os);
  if (!os.live)
    return;
  held_add(s, os.num);
  held_add(s, os.window);
  held_obj(m, s, os.inner, depth + 1);
}

void co_attrib_snap(const struct co_model *m, const struct co_ipose *ip,
                    int obj, int dst, int64_t arg, struct co_attrib_snap *s) {
  unsigned i;
  s->n = s->nheld = 0;
  for (i = 0; i < ip->n; i++) {
    snap_add(m, s, ip->log[i].a);
    snap_add(m, s, ip->log[i].b);
  }
  held_obj(m, s, obj, 0);
  if (dst != obj)
    held_obj(m, s, dst, 0);
  held_add(s, arg);
}

/* What one call does to descriptors. */
/* What one call does to descriptors; for a call an injected fault
 * replaced (not made), what it tried to do: its rights are checked all the
 * same (a fault must not hide the bug it is there to expose), and it
 * changes nothing (attempt). */
struct effect {
  int64_t closes, uses, made[2];
  int attempt;
};

static struct effect effect_of(const struct co_icall *c) {
  struct effect f = {-1, -1, {-1, -1}, 0};
  int ok = c->err == 0;
  if (c->injected == CO_INJ_FAILED) {
    f.attempt = 1;
    ok = 1; /* as it would have run */
  }
  switch (c->fam) {
  case CO_IF_CLOSE:
    if (c->fn != CO_IFN_CLOSE_RANGE)
      f.closes = c->a;
    break;
  case CO_IF_DUP:
    f.uses = c->a;
    if (ok && (c->fn == CO_IFN_DUP2 || c->fn == CO_IFN_DUP3)) {
      if (c->b != c->a)
        f.closes = c->b; /* what the target held is closed first */
      f.made[0] = c->b;
    } else if (ok)
      f.made[0] = c->ret;
    break;
  case CO_IF_OPEN:
  case CO_IF_SOCKET:
  case CO_IF_PIPE:
    if (ok) {
      f.made[0] = c->ret;
      f.made[1] = c->ret2;
    }
    break;
  case CO_IF_ACCEPT:
    f.uses = c->a;
    if (ok)
      f.made[0] = c->ret;
    break;
  case CO_IF_ALLOC:
    f.uses = c->a; /* fdopen's descriptor */
    break;
  default: /* read, write, lseek, fcntl */
    f.uses = c->a;
  }
  return f;
}

/* After the step, does owner (the party that owned num before it) still
 * hold num, as the model has it? Then the step does not close it, and a
 * close of it is not the library's to make. An object that gave num up
 * (closed, paged out, freed) does not; the client does while num is open
 * and not an object's (the library may have made a new descriptor on the
 * number in the step: then it is that object's). */
static int still_held(const struct co_model *m, int owner, int64_t num) {
  struct co_objstate os;
  if (owner == CO_PARTY_CLIENT)
    return co_model_owner(m, num) == CO_PARTY_CLIENT;
  if (owner < 0 || owner >= 8)
    return 0;
  co_model_obj(m, (unsigned)owner, &os);
  return os.live && ((os.num == num && os.num_valid) ||
                     (os.window == num && os.window_valid));
}

/* A call after call i makes a descriptor on num. */
static int remade_later(const struct co_ipose *ip, unsigned i, int64_t num) {
  unsigned j;
  for (j = i + 1; j < ip->n; j++) {
    struct effect f = effect_of(&ip->log[j]);
    if (!f.attempt && (f.made[0] == num || f.made[1] == num))
      return 1;
  }
  return 0;
}

struct seen {
  int64_t made[CO_ATTRIB_NUMS], closed[CO_ATTRIB_NUMS];
  unsigned closed_at[CO_ATTRIB_NUMS]; /* the call that closed it */
  unsigned nmade, nclosed;
};

static void drop(int64_t *v, unsigned *n, int64_t x) {
  int i = find(v, *n, x);
  if (i >= 0)
    v[i] = v[--*n];
}

static void drop_closed(struct seen *w, int64_t x) {
  int i = find(w->closed, w->nclosed, x);
  if (i >= 0) {
    w->nclosed--;
    w->closed[i] = w->closed[w->nclosed];
    w->closed_at[i] = w->closed_at[w->nclosed];
  }
}

static unsigned closed_at(const struct seen *w, int64_t x) {
  int i = find(w->closed, w->nclosed, x);
  return i >= 0 ? w->closed_at[i] : 0;
}

static int bad_at(struct co_attrib_bad *bad, unsigned i, int64_t num,
                  const char *rule, int owner) {
  bad->call = i;
  bad->num = num;
  bad->rule = rule;
  bad->owner = owner;
  bad->earlier = 0;
  bad->after = owner;
  return 1;
}

int co_attrib_check(const struct co_model *m, const struct co_ipose *ip,
                    const struct co_attrib_snap *s, int strict,
                    struct co_attrib_bad *bad) {
  struct seen w;
  unsigned i, k;
  w.nmade = w.nclosed = 0;
  for (i = 0; i < ip->n; i++) {
    const struct co_icall *c = &ip->log[i];
    struct effect f = effect_of(c);
    int at, owner, foreign;
    if (f.uses >= 0 && find(w.made, w.nmade, f.uses) < 0) {
      at = find(s->num, s->n, f.uses);
      owner = at >= 0 ? s->owner[at] : CO_PARTY_NONE;
      if (find(w.closed, w.nclosed, f.uses) >= 0) {
        bad_at(bad, i, f.uses, "used-closed", owner);
        bad->earlier = closed_at(&w, f.uses);
        return 1;
      }
      if (at >= 0 && !s->foreign[at] && owner != CO_PARTY_NONE &&
          find(s->held, s->nheld, f.uses) < 0 && f.uses != ip->own_fd)
        return bad_at(bad, i, f.uses, "used", owner);
    }
    if (f.closes >= 0) {
      int mine = find(w.made, w.nmade, f.closes) >= 0;
      at = find(s->num, s->n, f.closes);
      owner = at >= 0 ? s->owner[at] : CO_PARTY_NONE;
      foreign = at >= 0 && s->foreign[at];
      if (!mine && find(w.closed, w.nclosed, f.closes) >= 0) {
        bad_at(bad, i, f.closes, "closed-twice", owner);
        bad->earlier = closed_at(&w, f.closes);
        return 1;
      }
      if (!mine && f.closes == ip->own_fd)
        return bad_at(bad, i, f.closes, "closed-harness", owner);
      if (strict && !mine && !foreign && owner == CO_PARTY_NONE &&
          c->err == CO_EBADF && !c->injected &&
          find(s->held, s->nheld, f.closes) < 0)
        return bad_at(bad, i, f.closes, "closed-stale", owner);
      /* the model keeps it open after the step, and not as a descriptor
       * the library made again on the number later in this step (a pager
       * evicting a window, then paging another object in on it) */
      if (!mine && !foreign && owner != CO_PARTY_NONE &&
          co_model_owner(m, f.closes) != CO_PARTY_NONE &&
          !(remade_later(ip, i, f.closes) && !still_held(m, owner, f.closes))) {
        bad_at(bad, i, f.closes, "closed", owner);
        bad->after = co_model_owner(m, f.closes);
        return 1;
      }
      /* (a close that found nothing open closed nothing; an attempt
       * closed nothing) */
      if ((c->err != CO_EBADF || c->injected) && !f.attempt) {
        drop(w.made, &w.nmade, f.closes);
        if (w.nclosed < CO_ATTRIB_NUMS) {
          w.closed_at[w.nclosed] = i;
          w.closed[w.nclosed++] = f.closes;
        }
      }
    }
    for (k = 0; k < 2 && !f.attempt; k++)
      if (f.made[k] >= 0) {
        drop_closed(&w, f.made[k]);
        if (w.nmade < CO_ATTRIB_NUMS && find(w.made, w.nmade, f.made[k]) < 0)
          w.made[w.nmade++] = f.made[k];
      }
  }
  return 0;
}
