/*
 * closeonce: the built-in generator. Random traces biased toward the slots a
 * trace has bound (so that closes, reuse and stale numbers happen often),
 * and structure-aware mutation of existing traces (insert, delete, replace,
 * duplicate, swap operations; retarget a reference; change an argument).
 * Deterministic for a given generator state.
 */
#ifndef CLOSEONCE_GEN_H
#define CLOSEONCE_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/trace.h"

struct co_rng {
  uint64_t s;
};

void co_rng_seed(struct co_rng *r, uint64_t seed);
uint64_t co_rng_next(struct co_rng *r);
/* Uniform in 0..n-1 (n > 0). */
uint32_t co_rng_below(struct co_rng *r, uint32_t n);

/* A fresh random trace of 1..max_ops operations from set. Returns 0 or -1
 * on ENOMEM. */
int co_gen_trace(struct co_rng *r, const struct co_opset *set, size_t max_ops,
                 struct co_trace *out);
/* Mutate t in place (1 to 4 edits), keeping it within 1..max_ops. */
int co_gen_mutate(struct co_rng *r, const struct co_opset *set, size_t max_ops,
                  struct co_trace *t);
/* One random operation; bound is the mask of slots bound so far. */
void co_gen_op(struct co_rng *r, const struct co_opset *set, uint32_t bound,
               struct co_op *out);

#endif
