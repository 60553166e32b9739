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

int co_lin_place(struct co_model *m, const struct co_lin_hist *h, size_t k,
                 const uint8_t *placed, int *why, int64_t *pa, int64_t *pb,
                 struct co_outcome *pred, struct co_aftermath *eff) {
  const struct co_lin_op *x = &h->ops[k];
  struct co_call c;
  struct co_step st;
  struct co_model_prep prep;
  int nrefs = co_op_nrefs(&x->op);
  int busy = (x->op.kind == CO_OP_DUP2 || x->op.kind == CO_OP_DUP3) &&
             x->out.err == CO_EBUSY;
  co_model_resolve(m, &x->op, &c);
  *pa = c.a;
  *pb = c.b;
  memset(pred, 0, sizeof *pred);
  if ((nrefs >= 1 && c.a != x->a) || (nrefs >= 2 && c.b != x->b)) {
    *why = CO_LIN_WHY_NUMBERS;
    return 0;
  }
  if (busy && !ebusy_ok(m, h, k, placed, &c)) {
    *why = CO_LIN_WHY_EBUSY;
    return 0;
  }
  if (busy) /* it failed changing nothing: the same as dup2(-1, -1) */
    c.a = c.b = -1;
  co_step_of(&st, &x->op);
  co_model_prepare(m, &st, &c, &prep, eff);
  co_model_apply(m, &prep, pred, eff);
  if (busy) {
    *pred = x->out;
    return 1;
  }
  if (!co__outcome_match(pred, &x->out)) {
    *why = CO_LIN_WHY_OUTCOME;
    return 0;
  }
  *why = CO_LIN_WHY_NONE;
  return 1;
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
  uint8_t placed[CO_LIN_MAX], replay[CO_LIN_MAX];
  size_t order[CO_LIN_MAX], depth;
  size_t best; /* the longest consistent prefix noted (+1; 0: none) */
  int dirty;   /* the model is not at order[0..depth)'s end */
  struct memo_ent *memo;
  size_t mcap, mlen;
};

static uint64_t prog_key(const struct lin *L) {
  uint64_t p = 1ull << 63;
  unsigned t;
  for (t = 1; t <= CO_THREADS; t++)
    p |= (uint64_t)L->prog[t] << (16 * (t - 1));
  return p;
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
  while (L->memo[i].prog &&
         (L->memo[i].prog != prog || L->memo[i].digest != d))
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

/* The model back at order[0..depth)'s end: from the start, the order
 * placed again. */
static int restore(struct lin *L) {
  struct co_outcome pred;
  struct co_aftermath eff;
  int64_t pa, pb;
  size_t i;
  int why;
  if (co_lin_start(L->m, L->h) < 0)
    return -1;
  memset(L->replay, 0, L->h->n);
  for (i = 0; i < L->depth; i++) {
    if (!co_lin_place(L->m, L->h, L->order[i], L->replay, &why, &pa, &pb,
                      &pred, &eff))
      return -1; /* the model is deterministic: never */
    L->replay[L->order[i]] = 1;
  }
  L->dirty = 0;
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
  uint64_t prog = prog_key(L), d;
  int rc;
  if (L->depth == L->h->n)
    return 1;
  if (L->budget && L->r->nodes >= L->budget)
    return -1;
  L->r->nodes++;
  d = co_model_digest(L->m);
  if ((rc = memo_add(L, prog, d)) != 0)
    return rc > 0 ? 0 : -2;
  n = candidates(L, c);
  for (i = 0; i < n; i++) {
    size_t k = c[i];
    const struct co_op *op = &L->h->ops[k].op;
    struct co_outcome pred;
    struct co_aftermath eff;
    int64_t pa, pb;
    int why;
    if (L->dirty && restore(L) < 0)
      return -2;
    if (!co_lin_place(L->m, L->h, k, L->placed, &why, &pa, &pb, &pred, &eff)) {
      note_fail(L, k, why, pa, pb, &pred);
      L->dirty |= why == CO_LIN_WHY_OUTCOME; /* it stepped */
      continue;
    }
    L->placed[k] = 1;
    L->order[L->depth++] = k;
    L->prog[op->thr]++;
    if ((rc = dfs(L)) != 0)
      return rc;
    L->prog[op->thr]--;
    L->depth--;
    L->placed[k] = 0;
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
      co_lin_start(L->m, h) == 0)
    rc = dfs(L);
  if (rc == 1) {
    memcpy(r->order, L->order, h->n * sizeof *L->order);
    r->norder = h->n;
    r->bad = -1;
    r->why = CO_LIN_WHY_NONE;
    for (i = 0; i < h->n; i++) /* docs/threads.md#dup2-ebusy */
      r->ebusy |= h->ops[i].out.err == CO_EBUSY &&
                  (h->ops[i].op.kind == CO_OP_DUP2 ||
                   h->ops[i].op.kind == CO_OP_DUP3);
  }
  r->verdict = rc == 1    ? CO_LIN_OK
               : rc == 0  ? CO_LIN_NONE
               : rc == -1 ? CO_LIN_UNCHECKED
                          : CO_LIN_ERROR;
  co_model_free(L->m);
  free(L->memo);
  free(L);
  return r->verdict;
}
