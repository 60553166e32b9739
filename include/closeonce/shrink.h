/*
 * closeonce: the shrinker. Makes a finding's trace minimal while keeping the
 * finding: the same verdict kind, caused by the same party (a client's move
 * or the platform/library) for the same reason (the ownership event's
 * cause), at the same kind of operation (the same entry point for layer
 * calls; or at the end of the trace).
 *
 * Deterministic. Passes, repeated until none makes progress: remove chunks of
 * operations (halves down to single operations), simplify arguments (flags,
 * counts, offsets, references toward s0/f0, a free-number reference #k
 * replaced by a slot bound earlier), renumber slots and objects in order of
 * first use; when none helps, remove pairs of operations (traces of up to
 * 48). The result is 1-minimal: removing any single operation, or any two,
 * loses the finding.
 */
#ifndef CLOSEONCE_SHRINK_H
#define CLOSEONCE_SHRINK_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/exec.h"
#include "closeonce/trace.h"

struct co_shrink_stats {
  size_t before, after; /* operations */
  uint64_t tried;       /* candidate traces run */
  double seconds;
};

/* Shrink t in place. ex runs every candidate as a given trace (in contract
 * mode every move runs, as replay does). *v is the finding to keep; it is
 * updated to the minimal trace's verdict. Returns 0, or -1 if t does not
 * show the finding at all (t unchanged). */
int co_shrink(struct co_exec *ex, struct co_trace *t,
              struct co_verdict *v /* IN/OUT */,
              struct co_shrink_stats *st /* OUT */);

/* 1 if running t gives the same finding as v did on ref (as co_shrink
 * judges it: kind, party, cause and kind of operation). */
int co_shrink_same(struct co_exec *ex, const struct co_trace *t,
                   const struct co_trace *ref, const struct co_verdict *v,
                   struct co_verdict *got);

#endif
