/*
 * closeonce: a fuzz campaign with the built-in generator.
 *
 * Runs generated traces through the executor until a finding, a run count
 * or a time budget. Traces that reach a model transition no earlier trace
 * reached are kept and mutated (coverage of the model, no instrumentation
 * needed). For a given seed and run count the campaign is deterministic.
 */
#ifndef CLOSEONCE_CAMPAIGN_H
#define CLOSEONCE_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/exec.h"
#include "closeonce/target.h"
#include "closeonce/trace.h"

struct co_campaign_status {
  uint64_t runs, ops, transitions, findings;
  uint64_t events; /* ownership events (conformance mode: reported only) */
  uint64_t events_refused; /* of them, on steps refused (not run) */
  uint64_t skipped;        /* operations a well-behaved client would not make */
  size_t corpus;
  double elapsed; /* seconds */
};

struct co_campaign_config {
  const struct co_target *target;
  uint64_t seed;
  uint64_t runs;         /* stop after this many traces; 0: no limit */
  double seconds;        /* stop after this long; 0: no limit */
  size_t max_ops;        /* operations per trace, at most */
  int mode;              /* enum co_mode_kind */
  int mode_set;          /* 0: the target's default mode */
  double progress_every; /* seconds between progress calls; 0: never */
  void (*progress)(const struct co_campaign_status *st, void *env);
  void *env;
  /* 1: the naive baseline (benchmarks): each trace is uniformly random
   * bytes, up to 4 * max_ops, decoded; no corpus, no coverage feedback. */
  int naive;
};

struct co_campaign_result {
  struct co_campaign_status status;
  int found;                 /* a finding stopped the campaign */
  struct co_verdict verdict; /* when found */
  struct co_trace trace;     /* the trace of the finding (caller frees); in
                                contract mode without the skipped moves */
  uint64_t run;              /* index of the run that found it */
  int mode;                  /* the mode the campaign ran in */
  struct co_event_rec events[CO_EVENTS_KEPT]; /* of the finding's trace */
  size_t nevents;
};

/* The reproducer of a finding v that ex found running culprit (in the
 * campaign's mode): into res->trace the operations that ran up to the
 * finding's step, without the moves contract mode skipped, if that trace
 * finds the same kind; else the whole culprit, which must show it again.
 * res->verdict and the events are the reproducer's; a culprit that no
 * longer shows the finding gets a harness-error verdict saying so. Returns
 * 0, or -1 out of memory. */
int co_campaign_reproducer(struct co_exec *ex, const struct co_trace *culprit,
                           const struct co_verdict *v,
                           struct co_campaign_result *res);

/* Returns 0 (result filled; res->trace must be freed with co_trace_free),
 * or -1 with a message in err if the campaign could not start. */
int co_campaign_run(const struct co_campaign_config *cfg,
                    struct co_campaign_result *res, char *err, size_t errcap);

#endif
