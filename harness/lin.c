/*
 * The linearizability check of a free run (harness/lin.h,
 * docs/threads.md#free): a depth-first search over the orders of the
 * threads' operations, the model stepped along the order, each
 * (progress, state digest) pair explored once.
 */
#include "lin.h"

#include <stdlib.h>
#include <string.h>

#include "closeonce/error.h"
#include "exec_internal.h"

int co_lin_start(struct co_model *m, const struct co_lin_hist *h) {
  struct co_call c;
  struct co_outcome pred;
  struct co_aftermath eff;
  size_t i;
  if (co_model_begin(m, h->cfg) < 0)
    return -1;
  for (i = 0; i < h->nprefix; i++) {
    co_model_resolve(m, &h->prefix[i], &c);
    co_model_step(m, &h->prefix[i], &c, &pred, &eff);
  }
  return 0;
}

/* An operation that takes a new number the way alloc_fd does (the
 * lowest free one, reserved before it is installed). */
static int allocates(const struct co_op *op) {
  return op->kind == CO_OP_OPEN || op->kind == CO_OP_DUP ||
         op->kind == CO_OP_DUPFD || op->kind == CO_OP_REOPEN;
}

/* dup2 or dup3 that failed EBUSY is explained at this point when the
 * kernel got as far as the target's check (the source open, the target
 * below the limit and not the source, dup3's flags good), and an
 * operation overlapping it in real time, not placed yet, allocated the
 * target (docs/threads.md#dup2-ebusy). */
static int ebusy_ok(const struct co_model *m, const struct co_lin_hist *h,
                    size_t k, const uint8_t *placed, const struct co_call *c) {
  const struct co_lin_op *x = &h->ops[k];
  struct co_fdstate fs;
  size_t j;
  co_model_fd(m, c->a, &fs);
  if (!fs.live || c->a == c->b || c->b < 0 || c->b >= h->cfg->limit ||
      (x->op.kind == CO_OP_DUP3 && (x->op.flags & CO_F_BIT1)))
    return 0;
  for (j = 0; j < h->n; j++) {
    const struct co_lin_op *y = &h->ops[j];
    if (j != k && !placed[j] && allocates(&y->op) && y->out.err == CO_OK &&
        y->out.ret == c->b && y->inv < x->resp && x->inv < y->resp)
      return 1;
  }
  return 0;
}

/* ---- the search ---- */

struct memo_ent {
  uint64_t prog, digest; /* prog 0: empty (a key's has its top bit set) */
};

struct lin {
  const struct co_lin_hist *h;
  struct co_lin_result *r;
  struct co_model *m;
  uint64_t budget;
  size_t thr[CO_THREADS + 1][CO_LIN_MAX]; /* each thread's operations */
  size_t nthr[CO_THREADS + 1], prog[CO_THREADS + 1];
  uint8_t placed[CO_LIN_MAX];
  uint8_t weak[CO_LIN_MAX]; /* order[i] passed an earlier value of a slot */
  size_t order[CO_LIN_MAX], depth;
  /* the slots' values after order[0..d), each d of the path */
  int64_t slotv[CO_LIN_MAX + 1][CO_SLOTS];
  size_t best; /* the longest consistent prefix noted (+1; 0: none) */
  int dirty;   /* the model is not at order[0..depth)'s end */
  /* copies of the model at the path's branching nodes (co_model_copy),
   * snap_ok[d] when snap[d] is order[0..d)'s, its digest sdig[d]; nocopy:
   * the model cannot be copied (the model re-run from the start) */
  struct co_model *snap[CO_LIN_MAX + 1];
  uint8_t snap_ok[CO_LIN_MAX + 1];
  uint64_t sdig[CO_LIN_MAX + 1];
  int nocopy;
  struct memo_ent *memo;
  size_t mcap, mlen;
};

/* Where operation k's read of a slot may have been, in the order: after
 * the last operation placed that must come before k began (its thread's
 * previous one, or one that responded before k was invoked), up to now.
 * A thread reads a slot before its call, and another thread's store of a
 * slot comes after that thread's call returned: k may pass any value the
 * slot held from there on (docs/threads.md#free-slots). */
static size_t window_start(const struct lin *L, size_t k) {
  const struct co_lin_op *ops = L->h->ops;
  size_t i;
  for (i = L->depth; i > 0; i--) {
    const struct co_lin_op *y = &ops[L->order[i - 1]];
    if (y->op.thr == ops[k].op.thr || y->resp < ops[k].inv)
      return i;
  }
  return 0;
}

/* Reference r of k, which the model resolves to now, passed v: 1 if the
 * slot held v in k's window (*weak: not now). */
static int ref_ok(const struct lin *L, size_t q, struct co_ref r, int64_t now,
                  int64_t v, int *weak) {
  size_t p;
  if (now == v)
    return 1;
  if (r.type != CO_REF_SLOT)
    return 0;
  for (p = q; p < L->depth; p++)
    if (L->slotv[p][r.idx % CO_SLOTS] == v) {
      *weak = 1;
      return 1;
    }
  return 0;
}

/* Step m with operation k placed next: 1 if it is explained there (m
 * stepped, *eff its aftermath), 0 if not (*why, the model's resolution
 * and prediction; m stepped if why is CO_LIN_WHY_OUTCOME). */
static int place(const struct lin *L, struct co_model *m, size_t k, int *why,
                 int64_t *pa, int64_t *pb, struct co_outcome *pred,
                 struct co_aftermath *eff, int *weak) {
  const struct co_lin_hist *h = L->h;
  const struct co_lin_op *x = &h->ops[k];
  struct co_call c;
  struct co_step st;
  struct co_model_prep prep;
  int nrefs = co_op_nrefs(&x->op);
  int busy = (x->op.kind == CO_OP_DUP2 || x->op.kind == CO_OP_DUP3) &&
             x->out.err == CO_EBUSY;
  size_t q = window_start(L, k);
  co_model_resolve(m, &x->op, &c);
  *pa = c.a;
  *pb = c.b;
  *weak = 0;
  memset(pred, 0, sizeof *pred);
  if ((nrefs >= 1 && !ref_ok(L, q, x->op.a, c.a, x->a, weak)) ||
      (nrefs >= 2 && !ref_ok(L, q, x->op.b, c.b, x->b, weak))) {
    *why = CO_LIN_WHY_NUMBERS;
    return 0;
  }
  if (nrefs >= 1) /* the numbers the thread passed */
    c.a = x->a;
  if (nrefs >= 2)
    c.b = x->b;
  if (busy && !ebusy_ok(m, h, k, L->placed, &c)) {
    *why = CO_LIN_WHY_EBUSY;
    return 0;
  }
  if (busy) /* it failed changing nothing: the same as dup2(-1, -1) */
    c.a = c.b = -1;
  co_step_of(&st, &x->op);
  co_model_prepare(m, &st, &c, &prep, eff);
  co_model_apply(m, &prep, pred, eff);
  *why = CO_LIN_WHY_NONE;
  if (busy)
    *pred = x->out;
  else if (!co__outcome_match(pred, &x->out))
    *why = CO_LIN_WHY_OUTCOME;
  return *why == CO_LIN_WHY_NONE;
}

/* k placed next, the model stepped with it. */
static void push(struct lin *L, const struct co_model *m, size_t k, int weak) {
  unsigned s;
  L->placed[k] = 1;
  L->weak[L->depth] = (uint8_t)weak;
  L->order[L->depth++] = k;
  L->prog[L->h->ops[k].op.thr]++;
  for (s = 0; s < CO_SLOTS; s++)
    L->slotv[L->depth][s] = co_model_slot(m, s);
}

static void pop(struct lin *L) {
  size_t k = L->order[--L->depth];
  L->placed[k] = 0;
  L->prog[L->h->ops[k].op.thr]--;
}

/* The path at its root: m at the prefix's end, nothing placed. */
static int root(struct lin *L, struct co_model *m) {
  unsigned s;
  while (L->depth)
    pop(L);
  if (co_lin_start(m, L->h) < 0)
    return -1;
  for (s = 0; s < CO_SLOTS; s++)
    L->slotv[0][s] = co_model_slot(m, s);
  return 0;
}

/* order[from..n) placed again after order[0..from), m at that's end;
 * *events: the model raised an ownership event on the way. -1 if an
 * operation is not explained again (the model is deterministic: never). */
static int replace_from(struct lin *L, struct co_model *m, const size_t *order,
                        size_t from, size_t n, int *events) {
  struct co_outcome pred;
  struct co_aftermath eff;
  int64_t pa, pb;
  size_t i;
  int why, weak;
  for (i = from; i < n; i++) {
    size_t k = order[i];
    if (!place(L, m, k, &why, &pa, &pb, &pred, &eff, &weak))
      return -1;
    *events |= eff.nev > 0;
    push(L, m, k, weak);
  }
  return 0;
}

/* m at the end of order[0..n) placed again from the root. -1 as above or
 * ENOMEM. */
static int replay(struct lin *L, struct co_model *m, const size_t *order,
                  size_t n, int *events) {
  *events = 0;
  if (root(L, m) < 0)
    return -1;
  return replace_from(L, m, order, 0, n, events);
}

/* Keep a copy of the model at this node (its digest d), to come back to. */
static void snapshot(struct lin *L, uint64_t d) {
  size_t k = L->depth;
  L->snap_ok[k] = 0;
  if (L->nocopy)
    return;
  if ((!L->snap[k] && !(L->snap[k] = co_model_new())) ||
      co_model_copy(L->snap[k], L->m) < 0) {
    L->nocopy = 1;
    return;
  }
  L->snap_ok[k] = 1;
  L->sdig[k] = d;
}

/* The model back at order[0..depth)'s end: from the nearest copy on the
 * path, else from the start. A copy that does not give its digest back
 * (never expected) is not used again. */
static int restore(struct lin *L) {
  size_t want = L->depth, from = want, path[CO_LIN_MAX];
  int events = 0;
  memcpy(path, L->order, want * sizeof *path);
  while (from > 0 && !L->snap_ok[from])
    from--;
  if (L->snap_ok[from]) {
    while (L->depth > from)
      pop(L);
    if (co_model_copy(L->m, L->snap[from]) == 0 &&
        co_model_digest(L->m) == L->sdig[from])
      return replace_from(L, L->m, path, from, want, &events);
    L->nocopy = 1;
    memset(L->snap_ok, 0, sizeof L->snap_ok);
  }
  return replay(L, L->m, path, want, &events);
}

static uint64_t prog_key(const struct lin *L) {
  uint64_t p = 1ull << 63;
  unsigned t;
  for (t = 1; t <= CO_THREADS; t++)
    p |= (uint64_t)L->prog[t] << (16 * (t - 1));
  return p;
}

/* Slot s's values in rows [q, depth) other than its value now, as a set
 * (a sum of their hashes; past 8 distinct ones, the sequence: too fine
 * only prunes less). */
static uint64_t window_values(const struct lin *L, size_t q, unsigned s) {
  int64_t now = L->slotv[L->depth][s], seen[8];
  uint64_t x = 0, seq = 0;
  size_t p, n = 0, j;
  for (p = q; p < L->depth; p++) {
    int64_t v = L->slotv[p][s];
    seq = (seq ^ (uint64_t)v) * 0x100000001b3ull;
    if (v == now)
      continue;
    for (j = 0; j < n && seen[j] != v; j++)
      ;
    if (j < n)
      continue;
    if (n == 8)
      return seq | 1;
    seen[n++] = v;
    x += ((uint64_t)v + 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull;
  }
  return x & ~(uint64_t)1;
}

/* The values each thread's next operation may still read in a slot
 * besides the slot's now (co_model_digest has now's): the memo's key is
 * sound only with them. */
static uint64_t window_key(const struct lin *L) {
  uint64_t x = 0;
  unsigned t, s;
  for (t = 1; t <= CO_THREADS; t++) {
    size_t q;
    if (L->prog[t] >= L->nthr[t])
      continue;
    q = window_start(L, L->thr[t][L->prog[t]]);
    if (q == L->depth)
      continue;
    for (s = 0; s < CO_SLOTS; s++) {
      uint64_t w = window_values(L, q, s);
      if (w)
        x = (x ^ (w + t * 131 + s)) * 0x100000001b3ull;
    }
  }
  return x;
}

static size_t memo_slot(const struct lin *L, uint64_t prog, uint64_t d) {
  uint64_t x = prog * 0x9e3779b97f4a7c15ull ^ d;
  size_t i;
  x ^= x >> 33; /* the finalizer of MurmurHash3: every bit reaches the low */
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  i = (size_t)x & (L->mcap - 1);
  while (L->memo[i].prog && (L->memo[i].prog != prog || L->memo[i].digest != d))
    i = (i + 1) & (L->mcap - 1);
  return i;
}

/* Add the pair; 1 if it was there already, -1 on ENOMEM. */
static int memo_add(struct lin *L, uint64_t prog, uint64_t d) {
  size_t i;
  if (2 * (L->mlen + 1) > L->mcap) {
    struct memo_ent *old = L->memo;
    size_t ocap = L->mcap, k;
    L->mcap = ocap ? 2 * ocap : 1024;
    if (!(L->memo = calloc(L->mcap, sizeof *L->memo))) {
      L->memo = old;
      L->mcap = ocap;
      return -1;
    }
    for (k = 0; k < ocap; k++)
      if (old[k].prog)
        L->memo[memo_slot(L, old[k].prog, old[k].digest)] = old[k];
    free(old);
  }
  i = memo_slot(L, prog, d);
  if (L->memo[i].prog)
    return 1;
  L->memo[i].prog = prog;
  L->memo[i].digest = d;
  L->mlen++;
  return 0;
}

/* Operation k could not come next: the longest such prefix is kept. */
static void note_fail(struct lin *L, size_t k, int why, int64_t pa, int64_t pb,
                      const struct co_outcome *pred) {
  struct co_lin_result *r = L->r;
  if (L->best && L->depth + 1 <= L->best)
    return;
  L->best = L->depth + 1;
  memcpy(r->order, L->order, L->depth * sizeof *L->order);
  r->norder = L->depth;
  r->bad = (long)k;
  r->why = why;
  r->pa = pa;
  r->pb = pb;
  r->pred = *pred;
}

/* The threads' next operations that real-time order lets come next (none
 * of the others responded before it was invoked), invoked first first. */
static size_t candidates(const struct lin *L, size_t *c) {
  const struct co_lin_op *ops = L->h->ops;
  size_t n = 0, i;
  unsigned t, u;
  for (t = 1; t <= CO_THREADS; t++) {
    size_t k;
    int ok = L->prog[t] < L->nthr[t];
    if (!ok)
      continue;
    k = L->thr[t][L->prog[t]];
    for (u = 1; u <= CO_THREADS && ok; u++)
      if (u != t && L->prog[u] < L->nthr[u] &&
          ops[L->thr[u][L->prog[u]]].resp < ops[k].inv)
        ok = 0;
    if (!ok)
      continue;
    for (i = n; i > 0 && ops[c[i - 1]].inv > ops[k].inv; i--)
      c[i] = c[i - 1];
    c[i] = k;
    n++;
  }
  return n;
}

/* 1 an order was found, 0 none from here, -1 the budget ran out, -2
 * ENOMEM. The model is at order[0..depth)'s end when called. */
static int dfs(struct lin *L) {
  size_t c[CO_THREADS], n, i;
  uint64_t d;
  int rc;
  if (L->depth == L->h->n)
    return 1;
  if (L->budget && L->r->nodes >= L->budget)
    return -1;
  L->r->nodes++;
  d = co_model_digest(L->m);
  rc = memo_add(L, prog_key(L), d ^ window_key(L));
  if (rc != 0)
    return rc > 0 ? 0 : -2;
  n = candidates(L, c);
  L->snap_ok[L->depth] = 0;
  if (n > 1)
    snapshot(L, d);
  for (i = 0; i < n; i++) {
    struct co_outcome pred;
    struct co_aftermath eff;
    int64_t pa, pb;
    int why, weak;
    if (L->dirty) {
      if (restore(L) < 0)
        return -2;
      L->dirty = 0;
    }
    if (!place(L, L->m, c[i], &why, &pa, &pb, &pred, &eff, &weak)) {
      note_fail(L, c[i], why, pa, pb, &pred);
      L->dirty |= why == CO_LIN_WHY_OUTCOME; /* it stepped */
      continue;
    }
    push(L, L->m, c[i], weak);
    if ((rc = dfs(L)) != 0)
      return rc;
    pop(L);
    L->dirty = 1;
  }
  return 0;
}

/* Each thread's operations, in the order given. -1 if a thread is out of
 * range or the history too long. */
static int split_threads(struct lin *L) {
  size_t i;
  if (L->h->n > CO_LIN_MAX)
    return -1;
  for (i = 0; i < L->h->n; i++) {
    unsigned t = L->h->ops[i].op.thr;
    if (t < 1 || t > CO_THREADS)
      return -1;
    L->thr[t][L->nthr[t]++] = i;
  }
  return 0;
}

/* The order found: what it took (an EBUSY, an earlier slot value). */
static void found(struct lin *L, struct co_lin_result *r) {
  const struct co_lin_hist *h = L->h;
  size_t i;
  memcpy(r->order, L->order, h->n * sizeof *L->order);
  r->norder = h->n;
  r->bad = -1;
  r->why = CO_LIN_WHY_NONE;
  for (i = 0; i < h->n; i++) {
    const struct co_lin_op *x = &h->ops[L->order[i]];
    r->ebusy |= x->out.err == CO_EBUSY &&
                (x->op.kind == CO_OP_DUP2 || x->op.kind == CO_OP_DUP3);
    r->weak |= L->weak[i];
  }
}

int co_lin_check(const struct co_lin_hist *h, uint64_t budget,
                 struct co_lin_result *r) {
  struct lin *L = calloc(1, sizeof *L);
  size_t i;
  int rc = -2;
  memset(r, 0, sizeof *r);
  r->bad = -1;
  r->verdict = CO_LIN_ERROR;
  if (!L)
    return r->verdict;
  L->h = h;
  L->r = r;
  L->budget = budget;
  if (split_threads(L) == 0 && (L->m = co_model_new()) != NULL &&
      root(L, L->m) == 0)
    rc = dfs(L);
  if (rc == 1)
    found(L, r);
  r->verdict = rc == 1    ? CO_LIN_OK
               : rc == 0  ? CO_LIN_NONE
               : rc == -1 ? CO_LIN_UNCHECKED
                          : CO_LIN_ERROR;
  co_model_free(L->m);
  for (i = 0; i <= CO_LIN_MAX; i++)
    co_model_free(L->snap[i]);
  free(L->memo);
  free(L);
  return r->verdict;
}

int co_lin_follow(struct co_model *m, const struct co_lin_hist *h,
                  const struct co_lin_result *r, int *events) {
  struct lin *L = calloc(1, sizeof *L);
  int rc = -1;
  *events = 0;
  if (L) {
    L->h = h;
    if (split_threads(L) == 0)
      rc = replay(L, m, r->order, r->norder, events);
  }
  free(L);
  return rc;
}
