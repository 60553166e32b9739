/*
 * The executor's internals that another harness module shares (not
 * installed): the free runs of parallel traces (harness/free.c, issue 22,
 * docs/threads.md#free) compare outcomes as a step does, begin the model
 * as a trace does, and bring the executor's model to the order they found
 * before co_exec_end's checks.
 */
#ifndef CO_EXEC_INTERNAL_H
#define CO_EXEC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/exec.h"

struct co_sched;

/* The step's comparison: 1 if real is the outcome pred predicts. */
int co__outcome_match(const struct co_outcome *pred,
                      const struct co_outcome *real);
/* The configuration the current trace's model began with (its arrays are
 * the executor's: valid until the trace ends). */
void co__exec_model_config(const struct co_exec *ex,
                           struct co_model_config *cfg /* OUT */);
/* The executor's model, to be stepped without the platform (a free run
 * steps it along the order it found); its backend and the backend's state. */
struct co_model *co__exec_model_mut(struct co_exec *ex);
const struct co_backend *co__exec_backend(const struct co_exec *ex);
/* Operations a free run made the platform run since co_exec_begin: the
 * step count the end checks report at, and the highest number they were
 * given (the teardown's sweep reaches it). */
void co__exec_ran(struct co_exec *ex, size_t steps, int64_t high);
/* The executor's pool of threads (made at first use); NULL with a message. */
struct co_sched *co__exec_sched(struct co_exec *ex, char *err, size_t cap);

#endif
