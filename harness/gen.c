/*
 * The built-in generator: random traces and structure-aware mutation.
 * Knows only the trace language, not the model; the executor's coverage of
 * model transitions decides which traces are kept (see the CLI's fuzz loop).
 */
#include "closeonce/gen.h"

#include "closeonce/contract.h"

#include <string.h>

void co_rng_seed(struct co_rng *r, uint64_t seed) {
  r->s = seed ^ 0x9e3779b97f4a7c15ull;
}

/* splitmix64 */
uint64_t co_rng_next(struct co_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint32_t co_rng_below(struct co_rng *r, uint32_t n) {
  return (uint32_t)(((co_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static int has_kind(const struct co_opset *set, int kind) {
  size_t i;
  for (i = 0; i < set->n; i++)
    if (set->kinds[i] == kind)
      return 1;
  return 0;
}

/* bound: slots in bits 0..15, objects in bits 16..23. */
static struct co_ref gen_ref(struct co_rng *r, uint32_t bound) {
  uint32_t p = co_rng_below(r, 100);
  bound &= 0xffffu;
  if (bound && p < 78) {
    uint32_t k = co_rng_below(r, (uint32_t)__builtin_popcount(bound)), s;
    for (s = 0; s < CO_SLOTS; s++)
      if ((bound >> s) & 1 && k-- == 0)
        break;
    return (struct co_ref){CO_REF_SLOT, (uint8_t)s};
  }
  if (p < 82)
    return (struct co_ref){CO_REF_SLOT, (uint8_t)co_rng_below(r, CO_SLOTS)};
  if (p < 94)
    return (struct co_ref){CO_REF_FREE,
                           (uint8_t)(co_rng_below(r, 4) + co_rng_below(r, 5))};
  if (p < 97)
    return (struct co_ref){CO_REF_NEG, 0};
  return (struct co_ref){CO_REF_LIMIT, 0};
}

/* A random member of the set bits of mask (mask != 0). */
static unsigned pick_bit(struct co_rng *r, uint32_t mask) {
  uint32_t k = co_rng_below(r, (uint32_t)__builtin_popcount(mask)), b;
  for (b = 0; b < 32; b++)
    if ((mask >> b) & 1 && k-- == 0)
      return b;
  return 0;
}

static void gen_call(struct co_rng *r, uint8_t entry, uint32_t bound,
                     struct co_op *op) {
  struct co_step st;
  uint32_t objs = (bound >> 16) & 0xffu;
  unsigned nm;
  op->kind = CO_OP_CALL;
  op->entry = entry;
  co_step_of(&st, op);
  nm = st.call ? st.call->nmodes : 0;
  op->flags = (uint8_t)(nm ? co_rng_below(r, nm) : 0);
  op->a = gen_ref(r, bound);
  op->n = (int32_t)(1 + co_rng_below(r, 32));
  op->obj =
      (uint8_t)(objs && co_rng_below(r, 100) < 85 ? pick_bit(r, objs)
                                                  : co_rng_below(r, CO_OBJS));
  if (st.target) {
    op->dst =
        (uint8_t)(objs && co_rng_below(r, 100) < 85 ? pick_bit(r, objs)
                                                    : co_rng_below(r, CO_OBJS));
  } else if (st.binds == 1) {
    uint32_t free_objs = ~objs & 0xffu;
    op->dst = (uint8_t)(free_objs && co_rng_below(r, 100) < 80
                            ? pick_bit(r, free_objs)
                            : co_rng_below(r, CO_OBJS));
  } else {
    op->dst = (uint8_t)(co_rng_below(r, 100) < 75 ? co_rng_below(r, 6)
                                                  : co_rng_below(r, CO_SLOTS));
  }
  co_op_canon(op);
}

void co_gen_op(struct co_rng *r, const struct co_opset *set, uint32_t bound,
               struct co_op *op) {
  int nbound = __builtin_popcount(bound & 0xffffu);
  memset(op, 0, sizeof *op);
  if (set->nentries &&
      co_rng_below(r, (uint32_t)(set->n + set->nentries)) >= set->n) {
    gen_call(r, set->entries[co_rng_below(r, (uint32_t)set->nentries)], bound,
             op);
    return;
  }
  /* Open often while few slots hold something, so that there is something
   * to dup, close and misuse. */
  if (has_kind(set, CO_OP_OPEN) && co_rng_below(r, 100) < (nbound < 2   ? 50u
                                                           : nbound < 4 ? 15u
                                                                        : 5u))
    op->kind = CO_OP_OPEN;
  /* an opset of sockets without open (posix-tcp): listen so, the
   * listeners for connect and accept (docs/posix.md#tcp) */
  else if (!has_kind(set, CO_OP_OPEN) && has_kind(set, CO_OP_LISTEN) &&
           co_rng_below(r, 100) < (nbound < 2   ? 50u
                                   : nbound < 4 ? 15u
                                                : 5u))
    op->kind = CO_OP_LISTEN;
  else
    op->kind = set->kinds[co_rng_below(r, (uint32_t)set->n)];
  /* a fault (issue 21) a third as often as another kind: most traces
   * should also show the library's paths that do not fail */
  if (op->kind == CO_OP_FAIL && co_rng_below(r, 3))
    op->kind = set->kinds[co_rng_below(r, (uint32_t)set->n)];
  op->dst = (uint8_t)(co_rng_below(r, 100) < 75 ? co_rng_below(r, 6)
                                                : co_rng_below(r, CO_SLOTS));
  if (co_opdesc[op->kind].binds == 2) /* two slots (pipe): mostly two */
    op->dst2 =
        (uint8_t)((op->dst + 1 +
                   co_rng_below(r, 100) / 90 * co_rng_below(r, CO_SLOTS)) %
                  CO_SLOTS);
  op->flags = (uint8_t)co_rng_below(r, 16);
  op->a = gen_ref(r, bound);
  op->b = gen_ref(r, bound);
  if (op->kind == CO_OP_CLOSE_RANGE && co_rng_below(r, 3) == 0)
    op->b = (struct co_ref){CO_REF_NEG, 0};
  /* Where the opset sets the limit (the whole POSIX set), numbers at the
   * boundaries f>=63 .. f>=8192 too, one operand in 32 (other opsets draw
   * as they always did: their campaigns stay reproducible). */
  if (has_kind(set, CO_OP_SETLIMIT) && co_rng_below(r, 128) == 0) {
    struct co_ref *at = co_rng_below(r, 2) ? &op->a : &op->b;
    *at = (struct co_ref){CO_REF_AT, (uint8_t)co_rng_below(r, CO_AT_REFS)};
  }
  /* invalid close_range flags (EINVAL) one time in eight, not in half */
  if (op->kind == CO_OP_CLOSE_RANGE && (op->flags & CO_F_BIT2) &&
      co_rng_below(r, 4))
    op->flags &= (uint8_t)~CO_F_BIT2;
  switch (co_opdesc[op->kind].arg) {
  case CO_ARG_COUNT:
    op->n = co_rng_below(r, 10) == 0 ? 0 : (int32_t)(1 + co_rng_below(r, 32));
    /* evdir: an eventfd takes exactly 8 bytes (docs/posix.md#eventfd-write):
     * where the opset has eventfd, a count of 8 one time in four */
    if (op->kind != CO_OP_EVENTFD && has_kind(set, CO_OP_EVENTFD) &&
        co_rng_below(r, 4) == 0) /* (other opsets draw as they did) */
      op->n = 8;
    break;
  case CO_ARG_OFFSET:
    op->n = (int32_t)co_rng_below(r, 48) - 8;
    /* whole blocks (files with holes) where the opset has ftruncate, one
     * offset in four: mostly the first few blocks, at times any */
    if (has_kind(set, CO_OP_FTRUNCATE) && co_rng_below(r, 4) == 0)
      op->blk = (uint8_t)(co_rng_below(r, 4) ? 1 + co_rng_below(r, 3)
                                             : co_rng_below(r, CO_BLK_MAX + 1));
    break;
  case CO_ARG_MODE: /* LTP's modes mostly, at times any */
    op->n = co_rng_below(r, 4) ? (int32_t)(0111 * co_rng_below(r, 8))
                               : (int32_t)co_rng_below(r, 01000);
    break;
  case CO_ARG_ACCESS: /* every mask of the 5 rights */
    op->n = (int32_t)co_rng_below(r, CO_ACC_MASK + 1);
    break;
  case CO_ARG_FAULT: /* mostly the next call, at times one of the next 4;
                        any of the family's errors */
    op->n = (int32_t)((co_rng_below(r, 2) ? 0 : co_rng_below(r, 4)) |
                      co_rng_below(r, 4) << 4);
    break;
  default:
    op->n = 0;
  }
  co_op_canon(op);
}

/* The slots and objects an operation binds, as a bound mask. */
static uint32_t binds_mask(const struct co_op *op) {
  struct co_step st;
  co_step_of(&st, op);
  return st.binds == 1   ? 1u << (16 + op->dst)
         : st.binds == 2 ? 1u << op->dst | (st.binds2 ? 1u << op->dst2 : 0)
                         : 0;
}

static uint32_t bound_mask(const struct co_trace *t) {
  uint32_t m = 0;
  size_t i;
  for (i = 0; i < t->len; i++)
    m |= binds_mask(&t->ops[i]);
  return m;
}

/* Parallel traces (set->threads): a prefix of up to a third of the
 * operations, then the threads' operations in an order with few switches
 * (each next operation stays on its thread two times in three), so that a
 * schedule is short to read and cheap to run (one hand-over a switch:
 * harness/baton.h). Every thread is drawn, so that one of them is not
 * lost to chance in short traces. */
static void gen_threads(struct co_rng *r, unsigned threads,
                        struct co_trace *t) {
  size_t pre, i;
  unsigned cur;
  if (!threads || t->len < 2)
    return;
  pre = co_rng_below(r, (uint32_t)(t->len / 3 + 1));
  cur = 1 + co_rng_below(r, threads);
  for (i = 0; i < t->len; i++) {
    if (i < pre) {
      t->ops[i].thr = 0;
      continue;
    }
    if (i > pre && threads > 1 && !co_rng_below(r, 3))
      cur = 1 + (cur + co_rng_below(r, threads - 1)) % threads;
    t->ops[i].thr = (uint8_t)cur;
  }
}

int co_gen_trace(struct co_rng *r, const struct co_opset *set, size_t max_ops,
                 struct co_trace *out) {
  size_t len, i;
  uint32_t bound = 0;
  co_trace_clear(out);
  if (!max_ops)
    max_ops = 1;
  len = 1 + co_rng_below(r, (uint32_t)max_ops);
  for (i = 0; i < len; i++) {
    struct co_op op;
    co_gen_op(r, set, bound, &op);
    bound |= binds_mask(&op);
    if (co_trace_push(out, &op) < 0)
      return -1;
  }
  gen_threads(r, set->threads, out);
  return 0;
}

int co_gen_mutate(struct co_rng *r, const struct co_opset *set, size_t max_ops,
                  struct co_trace *t) {
  int edits = 1 + (int)co_rng_below(r, 4), e;
  for (e = 0; e < edits; e++) {
    uint32_t bound = bound_mask(t);
    size_t i = t->len ? co_rng_below(r, (uint32_t)t->len) : 0, j;
    struct co_op op;
    switch (co_rng_below(r, set->threads ? 8 : 7)) {
    case 7: /* move an operation to another thread (or to the prefix) */
      if (t->len)
        t->ops[i].thr = (uint8_t)co_rng_below(r, set->threads + 1u);
      break;
    case 0: /* insert */
      if (t->len >= max_ops)
        break;
      co_gen_op(r, set, bound, &op);
      if (co_trace_push(t, &op) < 0)
        return -1;
      memmove(&t->ops[i + 1], &t->ops[i], (t->len - 1 - i) * sizeof op);
      t->ops[i] = op;
      break;
    case 1: /* delete */
      if (t->len <= 1)
        break;
      memmove(&t->ops[i], &t->ops[i + 1], (t->len - 1 - i) * sizeof op);
      t->len--;
      break;
    case 2: /* replace (on the same thread) */
      if (t->len) {
        uint8_t thr = t->ops[i].thr;
        co_gen_op(r, set, bound, &t->ops[i]);
        t->ops[i].thr = thr;
      }
      break;
    case 3: /* duplicate to a later place */
      if (!t->len || t->len >= max_ops)
        break;
      op = t->ops[i];
      if (co_trace_push(t, &op) < 0)
        return -1;
      j = i + co_rng_below(r, (uint32_t)(t->len - i));
      memmove(&t->ops[j + 1], &t->ops[j], (t->len - 1 - j) * sizeof op);
      t->ops[j] = op;
      break;
    case 4: /* swap */
      if (t->len < 2)
        break;
      j = co_rng_below(r, (uint32_t)t->len);
      op = t->ops[i];
      t->ops[i] = t->ops[j];
      t->ops[j] = op;
      break;
    case 5: /* retarget a reference */
      if (!t->len)
        break;
      if (co_rng_below(r, 2))
        t->ops[i].a = gen_ref(r, bound);
      else
        t->ops[i].b = gen_ref(r, bound);
      if (co_rng_below(r, 2))
        t->ops[i].dst = (uint8_t)co_rng_below(r, CO_SLOTS);
      co_op_canon(&t->ops[i]);
      break;
    default: /* flags or argument */
      if (!t->len)
        break;
      co_gen_op(r, set, bound, &op);
      t->ops[i].flags = (uint8_t)co_rng_below(r, 16);
      if (op.kind == t->ops[i].kind) {
        t->ops[i].n = op.n;
        t->ops[i].blk = op.blk;
      } else
        t->ops[i].n += (int32_t)co_rng_below(r, 9) - 4;
      co_op_canon(&t->ops[i]);
    }
  }
  if (!t->len) {
    struct co_op op;
    co_gen_op(r, set, 0, &op);
    return co_trace_push(t, &op);
  }
  co_trace_canon_threads(t); /* an inserted or moved prefix operation */
  return 0;
}
