/*
 * The shrinker: delta debugging over operations, then argument
 * simplification and renumbering, until nothing more can go.
 */
#include "closeonce/shrink.h"
#include "portable.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct ctx {
  struct co_exec *ex;
  int kind, client, cause, opkind, entry; /* the finding to keep */
  int oom; /* a candidate could not be built: a removal went untried */
  uint64_t tried;
  struct co_trace cand;
  struct co_verdict last;
};

/* The kind of operation a verdict is at: (kind, entry), or (-1, -1) for
 * the end of the trace. */
static void op_key(const struct co_trace *t, size_t step, int *kind,
                   int *entry) {
  if (step >= t->len) {
    *kind = *entry = -1;
    return;
  }
  *kind = t->ops[step].kind;
  *entry = t->ops[step].kind == CO_OP_CALL ? t->ops[step].entry : -1;
}

static int same(struct ctx *c, const struct co_trace *t) {
  struct co_verdict g;
  int k, e;
  c->tried++;
  if (co_exec_run(c->ex, t, &g) != c->kind || g.client != c->client ||
      g.cause != c->cause)
    return 0;
  op_key(t, g.step, &k, &e);
  if (k != c->opkind || e != c->entry)
    return 0;
  c->last = g;
  return 1;
}

int co_shrink_same(struct co_exec *ex, const struct co_trace *t,
                   const struct co_trace *ref, const struct co_verdict *v,
                   struct co_verdict *got) {
  struct ctx c;
  int r;
  memset(&c, 0, sizeof c);
  c.ex = ex;
  c.kind = v->kind;
  c.client = v->client;
  c.cause = v->cause;
  op_key(ref, v->step, &c.opkind, &c.entry);
  r = same(&c, t);
  if (r && got)
    *got = c.last;
  return r;
}

/* Try t without operations [i, i+n); keep it if the finding stays. */
static int try_remove(struct ctx *c, struct co_trace *t, size_t i, size_t n) {
  size_t k;
  co_trace_clear(&c->cand);
  for (k = 0; k < t->len; k++)
    if ((k < i || k >= i + n) && co_trace_push(&c->cand, &t->ops[k]) < 0)
      return c->oom = 1, 0;
  if (c->cand.len == 0 || !same(c, &c->cand))
    return 0;
  if (co_trace_copy(t, &c->cand) < 0)
    return c->oom = 1, 0;
  return 1;
}

static int remove_pass(struct ctx *c, struct co_trace *t) {
  size_t chunk = t->len / 2 ? t->len / 2 : 1, i;
  int progress = 0;
  for (;;) {
    for (i = 0; i < t->len;) {
      if (t->len > 1 && try_remove(c, t, i, chunk))
        progress = 1;
      else
        i += chunk;
    }
    if (chunk == 1)
      break;
    chunk /= 2;
  }
  return progress;
}

/* Try t without operations i and j (i < j): two that only make sense
 * together (an open and the close that frees its number again) go in one
 * step. */
static int pair_pass(struct ctx *c, struct co_trace *t) {
  size_t i, j, k;
  for (i = 0; i + 1 < t->len; i++)
    for (j = i + 1; j < t->len; j++) {
      co_trace_clear(&c->cand);
      for (k = 0; k < t->len; k++)
        if (k != i && k != j && co_trace_push(&c->cand, &t->ops[k]) < 0)
          return c->oom = 1, 0;
      if (c->cand.len && same(c, &c->cand)) {
        if (co_trace_copy(t, &c->cand) < 0)
          return c->oom = 1, 0;
        return 1;
      }
    }
  return 0;
}

/* Try one changed operation; keep it if the finding stays. */
static int try_op(struct ctx *c, struct co_trace *t, size_t i,
                  const struct co_op *op) {
  struct co_op o = *op;
  co_op_canon(&o);
  if (!memcmp(&o, &t->ops[i], sizeof o) || co_trace_copy(&c->cand, t) < 0)
    return 0;
  c->cand.ops[i] = o;
  if (!same(c, &c->cand))
    return 0;
  t->ops[i] = o;
  return 1;
}

static int simpler_ref(struct co_ref *r) {
  if ((r->type == CO_REF_SLOT || r->type == CO_REF_FREE) && r->idx > 0) {
    r->idx = 0;
    return 1;
  }
  return 0;
}

/* Reference which (0: a, 1: b) of step i, a free number (#k), replaced by
 * a slot bound before step i: a number reached by counting becomes a
 * variable, and the operations that were only there to make the count
 * reach it can then be removed. */
static int slot_for_free(struct ctx *c, struct co_trace *t, size_t i,
                         int which) {
  struct co_op o = t->ops[i];
  struct co_ref *r = which ? &o.b : &o.a;
  uint32_t bound = 0;
  size_t k;
  int s;
  if (r->type != CO_REF_FREE || which >= co_op_nrefs(&o))
    return 0;
  for (k = 0; k < i; k++) {
    const struct co_op *p = &t->ops[k];
    if (p->kind == CO_OP_CALL ? co_call_binds(p) == 2
                              : co_opdesc[p->kind].binds)
      bound |= 1u << (p->dst % CO_SLOTS);
    if (p->kind != CO_OP_CALL && co_opdesc[p->kind].binds == 2)
      bound |= 1u << (p->dst2 % CO_SLOTS); /* two slots (pipe) */
  }
  for (s = CO_SLOTS - 1; s >= 0; s--)
    if ((bound >> s) & 1) {
      r->type = CO_REF_SLOT;
      r->idx = (uint8_t)s;
      if (try_op(c, t, i, &o))
        return 1;
    }
  return 0;
}

/* fail CALL ERR N (issue 21; n packs N - 1 and the error's index in the
 * family's list, closeonce/trace.h): a lower N, the lowest that keeps the
 * finding, then the family's first error (its default). The family stays:
 * another family's fault is another fault, not a simpler one. */
static int simplify_fault(struct ctx *c, struct co_trace *t, size_t i) {
  struct co_op o = t->ops[i];
  unsigned count = (unsigned)o.n & 0xf, err = (unsigned)o.n >> 4, k;
  int progress = 0;
  for (k = 0; k < count; k++) {
    o.n = (int32_t)(k | err << 4);
    if (try_op(c, t, i, &o)) {
      progress = 1;
      count = k;
      break;
    }
  }
  if (err) {
    o.n = (int32_t)count;
    progress |= try_op(c, t, i, &o);
  }
  return progress;
}

static int simplify_pass(struct ctx *c, struct co_trace *t) {
  size_t i;
  int progress = 0;
  for (i = 0; i < t->len; i++) {
    struct co_op o;
    if (t->ops[i].kind == CO_OP_FAIL) {
      progress |= simplify_fault(c, t, i);
      continue;
    }
    progress |= slot_for_free(c, t, i, 0);
    progress |= slot_for_free(c, t, i, 1);
    o = t->ops[i];
    if (o.flags) {
      o.flags = 0;
      progress |= try_op(c, t, i, &o);
      o = t->ops[i];
    }
    if (o.n != 0 && o.n != 1) {
      o.n = co_opdesc[o.kind].arg == CO_ARG_OFFSET ? 0 : 1;
      progress |= try_op(c, t, i, &o);
      o = t->ops[i];
    }
    if (o.blk) { /* whole blocks: fewer, then none */
      o.blk = o.blk > 1 ? 1 : 0;
      progress |= try_op(c, t, i, &o);
      o = t->ops[i];
    }
    if (simpler_ref(&o.a)) {
      progress |= try_op(c, t, i, &o);
      o = t->ops[i];
    }
    if (simpler_ref(&o.b)) {
      progress |= try_op(c, t, i, &o);
      o = t->ops[i];
    }
    if (o.obj) {
      o.obj = 0;
      progress |= try_op(c, t, i, &o);
    }
  }
  return progress;
}

/* Slots and objects renamed in order of first use (s0, s1, ...). */
static int renumber_pass(struct ctx *c, struct co_trace *t) {
  int smap[CO_SLOTS], omap[CO_OBJS], ns = 0, no = 0;
  size_t i;
  memset(smap, -1, sizeof smap);
  memset(omap, -1, sizeof omap);
  if (co_trace_copy(&c->cand, t) < 0)
    return 0;
  for (i = 0; i < c->cand.len; i++) {
    struct co_op *o = &c->cand.ops[i];
    struct co_ref *r[2] = {&o->a, &o->b};
    int k, b = o->kind == CO_OP_CALL ? co_call_binds(o)
                                     : (co_opdesc[o->kind].binds ? 2 : 0);
    for (k = 0; k < co_op_nrefs(o); k++)
      if (r[k]->type == CO_REF_SLOT) {
        if (smap[r[k]->idx] < 0)
          smap[r[k]->idx] = ns++;
        r[k]->idx = (uint8_t)smap[r[k]->idx];
      }
    if (co_op_has_obj(o)) {
      if (omap[o->obj] < 0)
        omap[o->obj] = no++;
      o->obj = (uint8_t)omap[o->obj];
    }
    if (b == 2) {
      if (smap[o->dst] < 0)
        smap[o->dst] = ns++;
      o->dst = (uint8_t)smap[o->dst];
      if (o->kind != CO_OP_CALL && co_opdesc[o->kind].binds == 2) {
        if (smap[o->dst2] < 0)
          smap[o->dst2] = ns++;
        o->dst2 = (uint8_t)smap[o->dst2];
      }
    } else if (b == 1 || co_call_target(o)) {
      if (omap[o->dst] < 0)
        omap[o->dst] = no++;
      o->dst = (uint8_t)omap[o->dst];
    }
    co_op_canon(o);
  }
  if (!memcmp(c->cand.ops, t->ops, t->len * sizeof *t->ops) ||
      !same(c, &c->cand))
    return 0;
  return co_trace_copy(t, &c->cand) == 0;
}

/* ---- parallel traces (docs/threads.md#shrink) ---- */

/* Schedule switches: neighbouring thread operations of two threads. */
static size_t switches(const struct co_trace *t) {
  size_t i, n = 0;
  for (i = 1; i < t->len; i++)
    n += t->ops[i - 1].thr && t->ops[i].thr != t->ops[i - 1].thr;
  return n;
}

/* Keep c->cand if it still shows the finding. */
static int keep_cand(struct ctx *c, struct co_trace *t) {
  co_trace_canon_threads(&c->cand);
  if (!memcmp(c->cand.ops, t->ops, t->len * sizeof *t->ops) ||
      !same(c, &c->cand))
    return 0;
  if (co_trace_copy(t, &c->cand) < 0)
    return c->oom = 1, 0;
  return 1;
}

/* Fewer threads: every operation of thread k goes to thread j (j < k; 0,
 * the prefix, when all of k's come before any other thread's). */
static int thread_pass(struct ctx *c, struct co_trace *t) {
  unsigned k, j;
  size_t i;
  int progress = 0;
  for (k = co_trace_threads(t); k >= 1; k--)
    for (j = 0; j < k; j++) {
      if (co_trace_copy(&c->cand, t) < 0)
        return c->oom = 1, progress;
      for (i = 0; i < c->cand.len; i++)
        if (c->cand.ops[i].thr == k)
          c->cand.ops[i].thr = (uint8_t)j;
      if (keep_cand(c, t)) {
        progress = 1;
        break;
      }
    }
  return progress;
}

/* The run of thread operations of one thread that starts at i: its end. */
static size_t block_end(const struct co_trace *t, size_t i) {
  size_t e = i + 1;
  while (e < t->len && t->ops[e].thr == t->ops[i].thr)
    e++;
  return e;
}

/* Fewer switches: for blocks X Y X' (X and X' of one thread), try X X' Y
 * and then X' moved before Y (Y X X'): each keeps every thread's own
 * order. */
static int switch_pass(struct ctx *c, struct co_trace *t) {
  size_t a, b, d, e;
  int progress = 0, side;
  for (a = 0; a < t->len; a = b) {
    b = block_end(t, a);
    if (!t->ops[a].thr || b >= t->len)
      continue;
    for (d = b; d < t->len && t->ops[d].thr != t->ops[a].thr; d = e)
      e = block_end(t, d);
    if (d >= t->len)
      continue;
    e = block_end(t, d); /* X = [a,b), Y = [b,d), X' = [d,e) */
    for (side = 0; side < 2; side++) {
      size_t k, n = 0;
      if (co_trace_copy(&c->cand, t) < 0)
        return c->oom = 1, progress;
      if (side == 0) { /* X X' Y */
        for (k = d; k < e; k++)
          c->cand.ops[b + n++] = t->ops[k];
        for (k = b; k < d; k++)
          c->cand.ops[b + n++] = t->ops[k];
      } else { /* Y X X' */
        for (k = b; k < d; k++)
          c->cand.ops[a + n++] = t->ops[k];
        for (k = a; k < b; k++)
          c->cand.ops[a + n++] = t->ops[k];
      }
      if (switches(&c->cand) < switches(t) && keep_cand(c, t)) {
        progress = 1;
        b = a; /* look at the merged block again */
        break;
      }
    }
    if (b == a)
      b = block_end(t, a);
  }
  return progress;
}

/* Threads numbered in the order they first run (t1 first); the schedule
 * is the same. */
static int thread_renumber_pass(struct ctx *c, struct co_trace *t) {
  uint8_t map[CO_THREADS + 1] = {0};
  uint8_t next = 1;
  size_t i;
  if (co_trace_copy(&c->cand, t) < 0)
    return c->oom = 1, 0;
  for (i = 0; i < c->cand.len; i++) {
    uint8_t k = c->cand.ops[i].thr;
    if (k && !map[k])
      map[k] = next++;
    c->cand.ops[i].thr = map[k];
  }
  return keep_cand(c, t);
}

static int threads_pass(struct ctx *c, struct co_trace *t) {
  int p;
  if (!co_trace_threads(t))
    return 0;
  p = thread_pass(c, t);
  p |= switch_pass(c, t);
  p |= thread_renumber_pass(c, t);
  return p;
}

/* Rounds of passes until none makes progress or the limit; records in
 * *st what the last round verified. */
static void rounds(struct ctx *c, struct co_trace *t,
                   const struct co_shrink_limits *lim,
                   struct co_shrink_stats *st) {
  unsigned max = lim->rounds ? lim->rounds : 1;
  int p = 1;
  while (p && st->rounds < max) {
    int pairs = t->len <= lim->pairs_max;
    st->rounds++;
    c->oom = 0;
    p = remove_pass(c, t);
    p |= simplify_pass(c, t);
    p |= renumber_pass(c, t);
    p |= threads_pass(c, t);
    if (!p && pairs)
      p = pair_pass(c, t);
    if (!p) {
      /* Nothing changed this round: every single removal of t (and, if
       * the pair pass ran, every pair) was run and lost the finding. */
      st->singles_checked = !c->oom;
      st->pairs_checked = pairs && !c->oom;
      st->pairs_skipped = !pairs;
    }
  }
  st->round_limit = p;
}

int co_shrink(struct co_exec *ex, struct co_trace *t, struct co_verdict *v,
              struct co_shrink_stats *st) {
  static const struct co_shrink_limits def = {CO_SHRINK_ROUNDS,
                                              CO_SHRINK_PAIRS_MAX};
  return co_shrink_limited(ex, t, v, &def, st);
}

int co_shrink_limited(struct co_exec *ex, struct co_trace *t,
                      struct co_verdict *v, const struct co_shrink_limits *lim,
                      struct co_shrink_stats *st) {
  struct ctx c;
  struct co_trace orig;
  struct co_verdict given;
  double t0;
  memset(&c, 0, sizeof c);
  memset(st, 0, sizeof *st);
  st->pairs_max = lim->pairs_max;
  t0 = co__seconds();
  c.ex = ex;
  c.kind = v->kind;
  c.client = v->client;
  c.cause = v->cause;
  op_key(t, v->step, &c.opkind, &c.entry);
  co_trace_init(&c.cand);
  co_trace_init(&orig);
  st->before = t->len;
  st->threads_before = co_trace_threads(t);
  st->switches_before = switches(t);
  if (!same(&c, t) || co_trace_copy(&orig, t) < 0) {
    co_trace_free(&c.cand);
    co_trace_free(&orig);
    return -1;
  }
  given = c.last;
  /* What follows a step's finding never ran. */
  if (c.last.step < t->len)
    t->len = c.last.step + 1;
  rounds(&c, t, lim, st);
  /* Confirm the result (passes may end on a rejected candidate, and a
   * target may not behave the same every time). */
  st->confirmed = same(&c, t);
  if (st->confirmed) {
    *v = c.last;
  } else {
    /* Keep what showed the finding: the trace as given. */
    co_trace_copy(t, &orig); /* fits: t held it before */
    *v = given;
    /* the executor's events are now the unconfirmed run's: run the trace
     * as given again, so that they are its own */
    same(&c, t);
    st->singles_checked = st->pairs_checked = st->pairs_skipped = 0;
  }
  st->after = t->len;
  st->threads_after = co_trace_threads(t);
  st->switches_after = switches(t);
  st->tried = c.tried;
  st->seconds = co__seconds() - t0;
  co_trace_free(&c.cand);
  co_trace_free(&orig);
  return 0;
}

const char *co_shrink_checked(const struct co_shrink_stats *st) {
  if (!st->confirmed)
    return "unconfirmed";
  if (st->pairs_checked)
    return "pairs";
  return st->singles_checked ? "singles" : "unchecked";
}

int co_shrink_describe(const struct co_shrink_stats *st, char *buf,
                       size_t cap) {
  char what[160], sched[96] = "";
  if (!st->confirmed)
    return snprintf(buf, cap,
                    "shrinking did not hold: the shrunk trace did not show "
                    "the finding when run again; kept the unshrunk trace (%zu "
                    "operation%s, %" PRIu64 " candidate traces, %.2f s)",
                    st->before, st->before == 1 ? "" : "s", st->tried,
                    st->seconds);
  if (st->pairs_checked)
    snprintf(what, sizeof what,
             "1-minimal: removing any one or any two operations loses it");
  else if (st->singles_checked && st->pairs_skipped)
    snprintf(what, sizeof what,
             "1-minimal: removing any one operation loses it (pairs not "
             "tried: longer than %zu operations)",
             st->pairs_max);
  else if (st->singles_checked)
    snprintf(what, sizeof what,
             "1-minimal: removing any one operation loses it");
  else if (st->round_limit)
    snprintf(what, sizeof what,
             "not checked for 1-minimality: stopped at the round limit (%u "
             "round%s) while still shrinking",
             st->rounds, st->rounds == 1 ? "" : "s");
  else
    snprintf(what, sizeof what,
             "not checked for 1-minimality: out of memory building candidates");
  if (st->threads_before)
    snprintf(sched, sizeof sched,
             ", %u thread%s and %zu switch%s (from %u and %zu)",
             st->threads_after, st->threads_after == 1 ? "" : "s",
             st->switches_after, st->switches_after == 1 ? "" : "es",
             st->threads_before, st->switches_before);
  return snprintf(buf, cap,
                  "shrunk from %zu to %zu operation%s%s (%" PRIu64
                  " candidate traces, %u round%s, %.2f s); %s",
                  st->before, st->after, st->after == 1 ? "" : "s", sched,
                  st->tried, st->rounds, st->rounds == 1 ? "" : "s",
                  st->seconds, what);
}
