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
  size_t corpus;
  double elapsed; /* seconds */
};

struct co_campaign_config {
  const struct co_target *target;
  uint64_t seed;
  uint64_t runs;         /* stop after this many traces; 0: no limit */
  double seconds;        /* stop after this long; 0: no limit */
  size_t max_ops;        /* operations per trace, at most */
  double progress_every; /* seconds between progress calls; 0: never */
  void (*progress)(const struct co_campaign_status *st, void *env);
  void *env;
};

struct co_campaign_result {
  struct co_campaign_status status;
  int found;                 /* a finding stopped the campaign */
  struct co_verdict verdict; /* when found */
  struct co_trace trace;     /* the trace of the finding (caller frees) */
  uint64_t run;              /* index of the run that found it */
};

/* Returns 0 (result filled; res->trace must be freed with co_trace_free),
 * or -1 with a message in err if the campaign could not start. */
int co_campaign_run(const struct co_campaign_config *cfg,
                    struct co_campaign_result *res, char *err, size_t errcap);

#endif
