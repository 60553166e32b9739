/*
 * closeonce: the shrinker. Makes a finding's trace minimal while keeping the
 * finding: the same verdict kind, caused by the same party (a client's move
 * or the platform/library) for the same reason (the ownership event's
 * cause), at the same kind of operation (the same entry point for layer
 * calls; or at the end of the trace).
 *
 * Deterministic. Passes, repeated until none makes progress or the round
 * limit is reached: remove chunks of operations (halves down to single
 * operations), simplify arguments (flags, counts, offsets, references
 * toward s0/f0, a free-number reference #k replaced by a slot bound
 * earlier), renumber slots and objects in order of first use; when none
 * helps, remove pairs of operations (traces up to the pair limit). The
 * shrinker then runs the result once more to confirm it.
 *
 * What it verified is returned, never assumed (co_shrink_stats): the
 * result is 1-minimal only if the last round ran every single removal and
 * each lost the finding; removing any two was checked only if the pair
 * pass ran to its end as well; a result the confirming run does not
 * reproduce is dropped for the unshrunk trace.
 */
#ifndef CLOSEONCE_SHRINK_H
#define CLOSEONCE_SHRINK_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/exec.h"
#include "closeonce/trace.h"

/* The defaults of co_shrink. */
#define CO_SHRINK_ROUNDS 16    /* rounds of passes, at most */
#define CO_SHRINK_PAIRS_MAX 48 /* pair removal only for traces this long */

struct co_shrink_limits {
  unsigned rounds;  /* rounds of passes, at most (>= 1) */
  size_t pairs_max; /* the pair pass runs on traces of at most this many
                       operations (O(n^2) candidates) */
};

struct co_shrink_stats {
  size_t before, after; /* operations */
  uint64_t tried;       /* candidate traces run */
  double seconds;
  unsigned rounds;     /* rounds of passes run */
  int round_limit;     /* 1: stopped at the round limit, still progressing */
  int singles_checked; /* 1: every trace with one operation of the result
                          removed was run and lost the finding (1-minimal) */
  int pairs_checked;   /* 1: every trace with two removed was run too */
  int pairs_skipped;   /* 1: the result is longer than the pair limit */
  size_t pairs_max;    /* the pair limit used */
  int confirmed;       /* 1: the final run of the result showed the
                          finding; 0: it did not, and the trace and verdict
                          are the unshrunk ones given */
  /* parallel traces: threads named and schedule switches (neighbouring
   * operations of two threads), before and after */
  unsigned threads_before, threads_after;
  size_t switches_before, switches_after;
};

/* Shrink t in place with the default limits. ex runs every candidate as a
 * given trace (in contract mode every move runs, as replay does). *v is the
 * finding to keep; it is updated to the result's verdict. Returns 0 (*st
 * says what was verified; if !st->confirmed, t and *v are as given), or -1
 * if t does not show the finding at all (t unchanged). */
int co_shrink(struct co_exec *ex, struct co_trace *t,
              struct co_verdict *v /* IN/OUT */,
              struct co_shrink_stats *st /* OUT */);
/* The same with explicit limits. */
int co_shrink_limited(struct co_exec *ex, struct co_trace *t,
                      struct co_verdict *v /* IN/OUT */,
                      const struct co_shrink_limits *lim,
                      struct co_shrink_stats *st /* OUT */);

/* What st verified, in one line without a newline, e.g. "shrunk from 10 to
 * 3 operations (23 candidate traces, 3 rounds, 0.00 s); 1-minimal: removing
 * any one or any two operations loses it". Returns what snprintf returns. */
int co_shrink_describe(const struct co_shrink_stats *st, char *buf, size_t cap);
/* The verification alone, as a short token for tools: "pairs" (1- and
 * 2-removals checked), "singles" (1-minimal checked), "unchecked" (a limit
 * stopped it first) or "unconfirmed" (the result did not reproduce). */
const char *co_shrink_checked(const struct co_shrink_stats *st);

/* 1 if running t gives the same finding as v did on ref (as co_shrink
 * judges it: kind, party, cause and kind of operation). */
int co_shrink_same(struct co_exec *ex, const struct co_trace *t,
                   const struct co_trace *ref, const struct co_verdict *v,
                   struct co_verdict *got);

#endif
