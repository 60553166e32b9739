/*
 * The linearizability check of a free run (issue 22, docs/threads.md#free).
 *
 * A free run's threads raced; each recorded, for every operation, the
 * numbers it passed, what it returned and two tickets of one counter
 * taken before it began and after it ended. The run is linearizable when
 * some order of the operations keeps each thread's order and the
 * real-time order (one whose response ticket is below another's
 * invocation ticket comes first) and the sequential model, stepped in that
 * order from the prefix's end, resolves each operation's references to
 * the numbers it passed and predicts its outcome (the executor's own
 * comparison, co__outcome_match). A slot reference may pass any value the
 * slot held since the operation could have begun: its thread read the
 * slot before the call, and a store into a slot follows its call's
 * return (docs/threads.md#free-slots). One outcome no order explains is
 * accepted: dup2 or dup3 failing EBUSY, when an operation overlapping it
 * in real time, not yet placed, allocated the target number
 * (docs/threads.md#dup2-ebusy).
 *
 * The search is depth-first, trying the operation invoked first first; it
 * prunes a (each thread's progress, co_model_digest) pair it explored
 * already, comes back to a node from a copy of the model kept there
 * (co_model_copy; where the model cannot be copied, it re-runs the model
 * from the trace's start), and
 * stops past a node budget: the run is then not checked, neither
 * explained nor a finding.
 */
#ifndef CO_LIN_H
#define CO_LIN_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/model.h"
#include "closeonce/trace.h"

/* One operation of a thread, as it ran. */
struct co_lin_op {
  struct co_op op;       /* from the trace; op.thr is its thread (1..4) */
  size_t step;           /* its index in the trace */
  int64_t a, b;          /* the numbers it passed (its references) */
  struct co_outcome out; /* what it returned */
  uint64_t inv, resp;    /* tickets before it began and after it ended */
};

/* A history: the model's start, and the threads' operations, each
 * thread's in its order (any interleaving of the threads). */
struct co_lin_hist {
  const struct co_model_config *cfg;
  const struct co_op *prefix; /* run on the model first, in order */
  size_t nprefix;
  const struct co_lin_op *ops;
  size_t n; /* at most CO_LIN_MAX */
};
#define CO_LIN_MAX 256

enum co_lin_verdict {
  CO_LIN_OK,        /* an order explains every operation */
  CO_LIN_NONE,      /* no order does: a finding */
  CO_LIN_UNCHECKED, /* the node budget ran out first */
  CO_LIN_ERROR      /* out of memory, or a history past CO_LIN_MAX */
};
/* Why an operation was not explained where the closest order stops. */
enum co_lin_why {
  CO_LIN_WHY_NONE,
  CO_LIN_WHY_NUMBERS, /* the model resolves its references otherwise */
  CO_LIN_WHY_OUTCOME, /* the model predicts another outcome */
  CO_LIN_WHY_EBUSY    /* EBUSY with no concurrent allocation of the target */
};

struct co_lin_result {
  int verdict; /* enum co_lin_verdict */
  /* the order found (every index into ops), or the longest prefix of a
   * consistent order (CO_LIN_NONE) */
  size_t order[CO_LIN_MAX];
  size_t norder;
  /* CO_LIN_NONE: the operation that prefix could not explain next (the
   * one invoked first of those it tried), why, and what the model
   * resolved and predicted there; -1 if none was tried */
  long bad;
  int why;
  int64_t pa, pb;
  struct co_outcome pred;
  int ebusy; /* the order accepted an EBUSY (docs/threads.md#dup2-ebusy) */
  /* an operation of the order passed a value its slot held earlier in its
   * window, not the one it holds where the order places it
   * (docs/threads.md#free-slots) */
  int weak;
  uint64_t nodes; /* search nodes explored */
};

/* Check h, exploring at most budget nodes (0: no limit). Returns
 * r->verdict. */
int co_lin_check(const struct co_lin_hist *h, uint64_t budget,
                 struct co_lin_result *r /* OUT */);

/* Bring m to the prefix's end (co_model_begin, then the prefix). 0 or -1. */
int co_lin_start(struct co_model *m, const struct co_lin_hist *h);
/* Bring m to the end of r's order (an order co_lin_check found for h),
 * each operation stepped as the search stepped it; *events: the model
 * raised an ownership event on the way. 0, or -1 (ENOMEM). */
int co_lin_follow(struct co_model *m, const struct co_lin_hist *h,
                  const struct co_lin_result *r, int *events);

#endif
