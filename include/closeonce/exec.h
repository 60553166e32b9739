/*
 * closeonce: the executor, which steps the model and a backend together.
 *
 * For each operation it resolves the references, asks the model for the
 * prediction, issues the call (never on a foreign descriptor; close_range is
 * split around foreign ones), compares result and normalized error, and
 * observes what the model says the operation touched: validity, cloexec,
 * identity of the open file description (kcmp), offset. At the end of a
 * trace it compares every number the trace reached, closes everything the
 * trace left open, and checks that the reachable numbers are closed again.
 */
#ifndef CLOSEONCE_EXEC_H
#define CLOSEONCE_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/backend.h"
#include "closeonce/model.h"
#include "closeonce/target.h"
#include "closeonce/trace.h"

/* X(ID, name, explanation) */
#define CO_VERDICT_LIST(X)                                                     \
  X(OK, "ok", "model and platform agreed at every step")                       \
  X(DIVERGENCE, "divergence",                                                  \
    "the platform's observable behaviour differs from the model's "            \
    "prediction")                                                              \
  X(OWNERSHIP, "ownership-violation",                                          \
    "a party closed, replaced, adopted or used a handle it did not own, or "   \
    "two parties came to own one handle; each will close it")                  \
  X(INVALID_HANDLE, "invalid-handle",                                          \
    "a call the caller was entitled to make failed with EBADF: its handle "    \
    "had been closed by another party")                                        \
  X(LEAK, "leak",                                                              \
    "a descriptor is open that no model party holds, or one stayed open "      \
    "after the trace was torn down")                                           \
  X(HARNESS, "harness-error",                                                  \
    "the harness could not run the trace safely (environment changed, out "    \
    "of memory)")

enum co_vkind {
#define CO__V_ENUM(id, name, expl) CO_V_##id,
  CO_VERDICT_LIST(CO__V_ENUM)
#undef CO__V_ENUM
      CO_V_COUNT
};
const char *co_verdict_name(int kind);
const char *co_verdict_explain(int kind);

struct co_verdict {
  int kind;    /* enum co_vkind */
  size_t step; /* index of the operation; the trace length for end checks */
  int has_outcomes;
  int client;   /* an ownership event caused by the client's own move (not
                   the platform's or library's behaviour) */
  int cause;    /* for an ownership event: enum co_evwhy + 1; else 0 */
  int periodic; /* found by the periodic whole-process check: the stray may
                   come from an earlier trace */
  /* The library at fault: set when a layer call's own step closed,
   * replaced or leaked a descriptor against its contract (an ownership
   * violation by that layer, kind CO_V_OWNERSHIP or CO_V_LEAK), or raised
   * an ownership event that is not the client's move; else NULL. */
  const char *layer;            /* its contract's layer name */
  const struct co_entry *entry; /* the entry that did it */
  /* What was compared or broken, in a short stable word ("closed",
   * "left-open", "offset", "fails"...: no numbers), set where the verdict
   * is made; bug names use it. NULL: an ownership event's (cause says
   * which rule) or a verdict made outside the executor. */
  const char *rule;
  struct co_outcome model, real; /* when has_outcomes */
  /* Steps the executor did not run (the model refused them: a freed
   * object, a descriptor the trace does not own): nothing was compared
   * there, so no verdict is agreement over them. Set by co_exec_end. */
  size_t not_run;
  size_t not_run_step;    /* the first of them */
  char not_run_what[112]; /* what it was, in words */
  char what[512];         /* what differed, in words */
};
/* "1 step not run (step 4: fclose of a freed crt-stdio object o1)" into
 * buf; "" when every step ran. Returns v->not_run. */
size_t co_verdict_not_run(const struct co_verdict *v, char *buf, size_t cap);

/* Observation depth. */
#define CO_OBSERVE_RESULT 0x1   /* result and error (always) */
#define CO_OBSERVE_TOUCHED 0x2  /* validity/cloexec of touched numbers */
#define CO_OBSERVE_IDENTITY 0x4 /* kcmp after dup-family calls */
#define CO_OBSERVE_OFFSET 0x8   /* offset after write */
#define CO_OBSERVE_DEFAULT 0xf

/* An ownership event at a step (closeonce/model.h). */
struct co_event_rec {
  size_t step;
  struct co_event ev;
  int refused; /* 1: its step was refused (not run): predicted only, and
                  nothing on the platform was compared with it */
  /* Issue 22, a parallel trace's (docs/threads.md#verdicts): the thread
   * that acted (0: the prefix), and for a number acted on after a close
   * (stale, reused, gone), the last step that closed it and the last that
   * opened it again, with their threads (step -1: none in this trace) */
  uint8_t thr, closed_thr, opened_thr;
  int32_t closed_at, opened_at;
};
/* An event's line: co_event_format's, and in a parallel trace which
 * threads closed and reopened its number ("...; t1 closed it at step 1,
 * t3 reused it at step 2"; the rec's closed_at is -1 outside one).
 * Returns the length (snprintf). */
int co_event_rec_format(const struct co_event_rec *r, char *buf, size_t cap);
#define CO_EVENTS_KEPT 64 /* events kept per trace */

struct co_exec_stats {
  uint64_t traces, ops, syscalls_refused, env_rescans;
  uint64_t events; /* ownership events seen (conformance: reported only) */
  uint64_t events_refused; /* of them, on steps refused (not run) */
  uint64_t skipped;        /* operations skipped in contract mode */
  uint64_t transitions;    /* distinct model transitions seen */
  uint64_t faults;         /* issue 21: faults that fired inside a library */
};

struct co_exec;

/* The owner layers one executor calls (each with its adapter's state). */
#define CO_EXEC_LAYERS 8

/*
 * Threads. An executor holds all of its run's state: its model, its
 * backend's, and each adapter's (struct co_glue_env.state, made and freed
 * with it); nothing of a run is kept in a static object. Executors in
 * different threads may step at the same time. Each one must be used by
 * one thread at a time, and descriptors are the process's: two POSIX
 * executors see each other's numbers unless each thread has its own
 * descriptor table (Linux: unshare(CLONE_FILES) before co_exec_new, which
 * tests/test_threads.c does). Creating the first executor freezes the
 * adapter registry (closeonce/contract.h).
 */

/* Parallel traces (closeonce/trace.h, docs/threads.md#scheduled): each
 * operation with a thread runs on that thread of the executor's pool, one
 * at a time, in trace order; co_exec_run hands a run of one thread's
 * operations over at once. The hand-overs made so far: */
unsigned long long co_exec_handoffs(const struct co_exec *ex);
/* Before a trace that is stepped one operation at a time (co_exec_run does
 * it itself): a parallel trace's threads are made before its prefix runs,
 * and the model is told the table is shared (docs/threads.md#unshare). 0,
 * or -1 with a message in err (the threads could not be made). */
int co_exec_set_trace(struct co_exec *ex, const struct co_trace *t, char *err,
                      size_t cap);

/*
 * Free runs of a parallel trace (issue 22, docs/threads.md#free). The
 * prefix runs as co_exec_run runs it; then the threads race, each issuing
 * its operations straight to the backend, all started at once, and each
 * records what it passed and what it got; then a search looks for an
 * order of the operations, keeping each thread's order and the real-time
 * order, that the model explains (harness/lin.h). An explained run ends
 * with the executor's end checks against the model stepped in that order.
 * Only the posix target, and only operations whose real call cannot block
 * and that need nothing of the model to be made (regular files and the
 * dup family): co_exec_free_refuses says which step is not.
 *
 * co_exec_free_run runs t `repeats` times (stopping at the first
 * finding). It returns v->kind for a finding (CO_V_DIVERGENCE: no order
 * explains the run, v->what names the closest order's first unexplained
 * operation; or what the end checks or the order's scheduled trace
 * found); CO_V_OK when every run was explained; CO_FREE_UNCHECKED when
 * none was a finding but the search's node budget ran out on some (v->kind
 * is then CO_V_OK and v->what says how many: those runs were neither
 * explained nor found wrong); CO_FREE_REFUSED when the trace is not one a
 * free run takes (v->kind CO_V_HARNESS, v->what why).
 */
#define CO_FREE_UNCHECKED (CO_V_COUNT + 1)
#define CO_FREE_REFUSED (CO_V_COUNT + 2)
/* The search's default node budget a run (co_free_stats.budget 0). */
#define CO_FREE_BUDGET 200000
/* What the order in co_free_stats.order is. */
enum co_free_order {
  CO_FREE_ORDER_NONE,
  CO_FREE_ORDER_REPRO,  /* the order found, a scheduled trace that replays
                           to the finding (co_exec_run, checked twice) */
  CO_FREE_ORDER_FOUND,  /* the order found (the end checks' finding) */
  CO_FREE_ORDER_CLOSEST /* no order explains the run: the longest
                           consistent prefix, then the operation it could
                           not explain */
};
struct co_free_stats {
  uint64_t budget; /* IN: nodes a run's search may explore (0: default) */
  uint64_t runs, explained, unchecked;
  uint64_t nodes, nodes_max; /* explored in all, in the largest run */
  uint64_t ebusy;            /* runs explained by the EBUSY rule */
  uint64_t overlapped;       /* runs where two threads' operations overlapped in
                                real time (the others ran one after the other) */
  double seconds, check_seconds; /* wall time in all, in the search */
  /* the prefix and the threads' operations in the order (thr kept), for
   * a finding; the caller co_trace_init()s and co_trace_free()s it */
  struct co_trace order;
  int order_kind; /* enum co_free_order */
};
/* The first step of t that a free run does not take, with why in msg;
 * (long)t->len if the trace or the executor as a whole is not one (no
 * thread, not the posix target); -1 if t can run free. */
long co_exec_free_refuses(const struct co_exec *ex, const struct co_trace *t,
                          char *msg, size_t cap);
int co_exec_free_run(struct co_exec *ex, const struct co_trace *t,
                     unsigned repeats, struct co_verdict *v /* OUT */,
                     struct co_free_stats *st /* IN/OUT */);

/* Create an executor on a backend: creates the backend, takes the foreign
 * set. NULL with a message in err on failure. */
struct co_exec *co_exec_new(const struct co_backend *be, char *err,
                            size_t errcap);
/* An executor for a target: its backend, adapters, variant and default
 * mode (contract targets skip illegal client moves). */
struct co_exec *co_exec_new_target(const struct co_target *t, char *err,
                                   size_t errcap);
void co_exec_free(struct co_exec *ex);
/* Mode (enum co_mode_kind); skip: in contract mode, skip the moves a
 * well-behaved client would not make (for generated input) instead of
 * reporting them (for a given trace). */
void co_exec_set_mode(struct co_exec *ex, int mode, int skip);
int co_exec_mode(const struct co_exec *ex);
/* The window of the target's paged layer (a descriptor pager; the target's
 * variant carries it, CO_VARIANT_WINDOW), 0 if it has none. */
unsigned co_exec_window(const struct co_exec *ex);
/* The ownership events of the current or last trace. */
size_t co_exec_events(const struct co_exec *ex,
                      const struct co_event_rec **out /* OUT */);
/* 1 if step was skipped (contract mode) in the current or last trace. */
int co_exec_skipped(const struct co_exec *ex, size_t step);
void co_exec_set_observe(struct co_exec *ex, unsigned observe);
/* Standard descriptors for the traces (on: 1): before each trace the
 * executor moves the process's 0, 1 and 2 out of the way (the backend's
 * std_park: duplicated above them, closed; the C library's streams
 * flushed), so that they are free numbers a trace can own, close, reuse
 * and dup2 onto, and the lowest free ones (f0 is 0); after the trace it
 * puts them back. Nothing may write to them meanwhile: the trace's files
 * would get it (a report written during a trace goes to memory first).
 * Returns 0, or -1 if the backend cannot (the setting is unchanged). */
int co_exec_set_free_std(struct co_exec *ex, int on);
int co_exec_free_std(const struct co_exec *ex);

/* The close semantics a contract is checked against (issue 21,
 * docs/faults.md#profiles): is a descriptor still open after an injected
 * `fail close EINTR`? The values are harness/ipose.h's enum
 * co_close_profile (CO_CLOSE_FREES, CO_CLOSE_KEEPS). */
enum co_close_sem {
  /* Linux (close(2)): the number is freed before EINTR or EIO is
   * reported; a library that retries closes it twice. The default. */
  CO_CLOSE_LINUX = 0,
  /* POSIX.1-2024 for EINTR, HP-UX: the descriptor stays open after EINTR
   * (the caller must close it again); EIO closes it. */
  CO_CLOSE_KEEPS_OPEN = 1
};
/* Select the profile for the traces to come (CO_CLOSE_LINUX when made).
 * Returns 0, or -1 for a value that is neither. */
int co_exec_set_close_profile(struct co_exec *ex, int profile);
int co_exec_close_profile(const struct co_exec *ex);
/* "linux", "keeps-open"; NULL for another value. */
const char *co_close_profile_name(int profile);
/* The profile named s: 0 and *profile set, or -1. */
int co_close_profile_parse(const char *s, int *profile);

/* What co_exec_fit_limit found: the highest number the trace's f>=B
 * references name (-1: none), the step naming it, the hard limit (-1: the
 * backend cannot set a limit). */
struct co_limit_need {
  int64_t num, hard;
  size_t step;
};
/* Make the soft descriptor limit allow every number t names with f>=B:
 * raised, within the hard limit, to the power of two above the highest
 * (the executor restores it at co_exec_end). Returns 0 (nothing needed or
 * raised), or -1 if the hard limit is too low (*need says why).
 * co_exec_run calls it first. */
int co_exec_fit_limit(struct co_exec *ex, const struct co_trace *t,
                      struct co_limit_need *need /* OUT */);

/* Run a whole trace; fills *v. Returns v->kind. */
int co_exec_run(struct co_exec *ex, const struct co_trace *t,
                struct co_verdict *v /* OUT */);

/* The same in pieces, for generators that choose each operation after
 * seeing the state. After a step returns non-OK, call co_exec_end (it tears
 * down and keeps the first verdict). */
int co_exec_begin(struct co_exec *ex, struct co_verdict *v /* OUT */);
int co_exec_step(struct co_exec *ex, const struct co_op *op,
                 struct co_verdict *v /* OUT */);
int co_exec_end(struct co_exec *ex, struct co_verdict *v /* IN/OUT */);

/* What one step did, for observers (tests, explain). */
struct co_icall;
struct co_step_info {
  size_t step;
  const struct co_op *op;
  const struct co_call *call; /* the resolved numbers */
  const struct co_outcome *model, *real;
  enum co_sit sit_a, sit_b; /* the operands' situations before the step
                               (a layer call: its operand's, in sit_a) */
  unsigned transition;
  const struct co_step *resolved; /* op as resolved (co_step_of) */
  /* issue 21: a layer call of a library whose own calls are seen
   * (co_adapter.objects): the descriptor calls it made in this step, in
   * order (harness/ipose.h struct co_icall; co_icall_format words one),
   * and how many did not fit; else NULL, 0, 0 */
  const struct co_icall *icalls;
  unsigned nicalls, icalls_lost;
};
/* Call fn after every step (before its observations are compared); NULL
 * removes it. */
void co_exec_set_hook(struct co_exec *ex,
                      void (*fn)(void *env, const struct co_step_info *s),
                      void *env);

/* How reports name this executor's handles (closeonce/error.h). */
const struct co_words *co_exec_words(const struct co_exec *ex);

/* The model (read-only use between steps). */
const struct co_model *co_exec_model(const struct co_exec *ex);
void co_exec_stats(const struct co_exec *ex,
                   struct co_exec_stats *out /* OUT */);
/* 1 if transition id was seen; for coverage feedback. */
int co_exec_seen(const struct co_exec *ex, unsigned id);
/* The transition id of the last step. */
unsigned co_exec_last_transition(const struct co_exec *ex);

/* Numbers past the highest one a trace reached that the end-of-trace sweep
 * still checks for strays. */
#define CO_SWEEP_MARGIN 32
/* Default: compare the whole open set of the process (/proc/self/fd) after
 * every this many traces; strays found are closed and reported as a leak.
 * With more than 256 descriptors open when the executor started (N), the
 * period is multiplied by N / 256, so the check's cost per trace stays
 * flat. */
#define CO_FULL_CHECK_EVERY 256
/* Set that period; 1 checks after every trace, 0 never. */
void co_exec_set_full_check(struct co_exec *ex, unsigned every);

/* Compare the whole open set of the process with the one taken when the
 * executor was created. Returns 0 if equal; otherwise writes the first
 * difference to msg. */
int co_exec_check_process(struct co_exec *ex, char *msg, size_t cap);

/* The documented deviations (CO_QUIRK_*) the model applies for this
 * backend (its profile). */
unsigned co_exec_quirks(const struct co_exec *ex);
/* The trace's files as the backend probed them (backend.h files): block
 * 0 and holes -1 if it did not. */
const struct co_files *co_exec_files(const struct co_exec *ex);

/* The backend's state, for tests and the raw benchmark. */
void *co_exec_backend_self(struct co_exec *ex);

#endif
