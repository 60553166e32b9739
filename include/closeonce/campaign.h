/*
 * closeonce: a fuzz campaign with the built-in generator.
 *
 * Runs generated traces through the executor until a finding, a run count
 * or a time budget. Traces that reach a model transition no earlier trace
 * reached are kept and mutated (coverage of the model, no instrumentation
 * needed). For a given seed and run count the campaign is deterministic.
 * With keep_going it goes on after a finding and groups what it finds by
 * bug (co_bug_name); with isolate each trace runs in a child process.
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
  uint64_t faults;         /* faults that fired inside a library (fail) */
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
  /* 1: go on after a finding: findings are grouped by their bug name
   * (co_bug_name) into res->bugs, one reproducer each, until max_findings
   * distinct bugs (0: no limit) or the budget. 0: stop at the first
   * finding, res->bugs stays NULL. */
  int keep_going;
  uint64_t max_findings;
  /* 1 (POSIX): every trace runs in a child forked from the campaign's
   * process, which itself runs none, so what a library keeps in the
   * process cannot carry over from one trace to the next. A child killed
   * by a signal is a finding (harness-error naming the signal). */
  int isolate;
  /* 1: descriptors 0-2 are the traces' (co_exec_set_free_std) in every
   * executor of the campaign; an error if the platform cannot. */
  int free_std;
  /* 1: the generator draws no `fail` (issue 21, docs/faults.md#fail). */
  int no_faults;
  /* issue 22: parallel traces of up to this many threads (1..CO_THREADS;
   * 0: sequential), drawn by the generator and decoded by the naive
   * baseline (docs/threads.md#scheduled) */
  unsigned threads;
  /* the close semantics of every executor (co_exec_set_close_profile):
   * CO_CLOSE_LINUX (0) or CO_CLOSE_KEEPS_OPEN */
  int close_profile;
};

/* One distinct bug of a campaign. */
#define CO_BUG_NAME_MAX 160
struct co_bug {
  char name[CO_BUG_NAME_MAX]; /* co_bug_name of its first hit */
  uint64_t hits;              /* traces that found it */
  uint64_t first_run;         /* the index of the first of them */
  double first_seconds;       /* when, in seconds since the start */
  struct co_verdict verdict;  /* the reproducer's */
  struct co_trace trace;      /* the reproducer (co_campaign_reproducer) */
  struct co_event_rec events[CO_EVENTS_KEPT];
  size_t nevents;
};

/* The bug's name, a stable signature of finding v of trace t:
 * VERDICT.PARTY.RULE.STEP, e.g. ownership-violation.mlib.owned.mlib_adopt.
 * PARTY: "client" for the client's own move, else the library at fault
 * (co_verdict.layer) or the layer of the entry called at the step,
 * "platform" for a built-in operation, "end" for the end-of-trace checks; RULE:
 * the ownership rule broken (the model's event: owned, adopt, stale, ...) or
 * what was compared (closed-early, left-open, cloexec, offset, fails, succeeds,
 * errno, value, ...); STEP: the entry's name or the operation's ("close",
 * "dup2"), "end" at the end. Numbers, slots and the seed are not in it: the
 * same bug found from any seed gets the same name. Only [A-Za-z0-9_.-]. */
void co_bug_name(const struct co_trace *t, const struct co_verdict *v,
                 char *buf, size_t cap);

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
  /* keep_going: every distinct bug, in the order first found (the first
   * is also found/verdict/trace above); free with co_campaign_result_free */
  struct co_bug *bugs;
  size_t nbugs;
  uint64_t hits; /* traces with a finding, all bugs */
};
/* Frees res->trace and res->bugs. */
void co_campaign_result_free(struct co_campaign_result *res);

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

/* Returns 0 (result filled; res->trace must be freed with co_trace_free,
 * or all of it with co_campaign_result_free), or -1 with a message in err
 * if the campaign could not start (cfg->isolate on Windows: not
 * available). */
int co_campaign_run(const struct co_campaign_config *cfg,
                    struct co_campaign_result *res, char *err, size_t errcap);

/*
 * A fresh process (POSIX): a process forked when co_fresh_start is called
 * (before the campaign runs anything), which runs no trace itself; each
 * request runs in a child of it, with an executor of its own, so what the
 * campaign's traces left in the process (a library's pool, cache or
 * counter) is not there. A finding is confirmed by running its reproducer
 * there: when the verdict differs, it depends on earlier traces.
 */
struct co_fresh;
/* NULL with the reason in err (on Windows: not available). */
struct co_fresh *co_fresh_start(const struct co_target *t, char *err,
                                size_t cap);
/* Run t in a fresh process in mode (skip: skip a client's illegal moves);
 * *v gets its verdict (a child killed by a signal: a harness error naming
 * it). Returns 0, or -1 with the reason in err (no process could run). */
int co_fresh_run(struct co_fresh *f, const struct co_trace *t, int mode,
                 int skip, struct co_verdict *v, char *err, size_t cap);
void co_fresh_stop(struct co_fresh *f);
/* Its executors with descriptors 0-2 the traces' (co_exec_set_free_std). */
void co_fresh_set_free_std(struct co_fresh *f, int on);
/* Its executors' close profile (co_exec_set_close_profile). */
void co_fresh_set_close_profile(struct co_fresh *f, int profile);
/* 1 if the platform can run traces in other processes (fork). */
int co_fresh_available(void);

struct co_shrink_stats; /* closeonce/shrink.h */
/* co_shrink (closeonce/shrink.h) of t with ex, run in a child of this
 * process (POSIX; elsewhere here), so that the traces the shrinker runs
 * leave nothing in this one and a trace that kills its process cannot
 * kill this one. On return t, *v, *st and the events (ev, CO_EVENTS_KEPT,
 * *nev) are the shrunk trace's. Returns 0, -1 if the finding did not
 * reproduce (t kept), or -2 if the child died (a crash: t, *v kept). */
int co_shrink_isolated(struct co_exec *ex, struct co_trace *t,
                       struct co_verdict *v, struct co_shrink_stats *st,
                       struct co_event_rec *ev, size_t *nev);

#endif
