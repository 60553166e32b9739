/*
 * The built-in generator's campaign loop, and the reproducer of what it
 * finds; the bug names that group findings (co_bug_name); running traces
 * in other processes (POSIX): isolated traces, and the fresh process that
 * confirms a finding (co_fresh_*).
 */
#include "closeonce/campaign.h"
#include "portable.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef _WIN32
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "closeonce/gen.h"
#include "closeonce/shrink.h"

#define CORPUS_MAX 512
#define RING CO_FULL_CHECK_EVERY
/* An isolated trace's child that runs longer than this is killed (a hang
 * is a finding, SIGALRM). */
#define ISO_TIMEOUT 60

/* ---- bug names ---- */

/* The ownership rule an event broke (enum co_evwhy, closeonce/model.h). */
static const char *const why_names[] = {
    [CO_WHY_STALE] = "stale",
    [CO_WHY_REUSED] = "reused",
    [CO_WHY_OWNED] = "owned",
    [CO_WHY_ADOPT] = "adopt",
    [CO_WHY_NOT_OPEN] = "not-open",
    [CO_WHY_DEAD_OBJ] = "dead-object",
    [CO_WHY_OVERWRITE] = "overwrite",
    [CO_WHY_WRONG_LAYER] = "wrong-layer",
    [CO_WHY_GONE] = "gone",
    [CO_WHY_LOST] = "lost",
    [CO_WHY_RETURNED] = "returned",
    [CO_WHY_SOCK_CLOSEHANDLE] = "socket-closehandle",
    [CO_WHY_SOCK_DUPHANDLE] = "socket-duplicatehandle",
    [CO_WHY_SOCK_CRT] = "socket-crt",
    [CO_WHY_KIND] = "wrong-kind",
    [CO_WHY_EPOLL_STALE] = "epoll-stale"};
_Static_assert(sizeof why_names / sizeof *why_names == CO_WHY_EPOLL_STALE + 1,
               "a name for every enum co_evwhy");

/* The rule of a verdict made outside the executor (which names its own:
 * co_verdict.rule), from its words: the campaign's own harness verdicts
 * and the whole-process check after a campaign (co_exec_check_process). */
static const struct {
  const char *words, *rule;
} what_rules[] = {
    {"is open and was not at start", "stray"},
    {"was open at start and is closed now", "closed-foreign"},
    {"cannot fork", "fork"},
    {"exited with status", "exit"},
};

/* The rule of a verdict without an event: its words, else a hash of them
 * without their numbers and quoted operations (stable across seeds). */
static void what_rule(const struct co_verdict *v, char *buf, size_t cap) {
  const char *w = v->what, *sig;
  uint32_t h = 2166136261u;
  size_t i;
  int quoted = 0;
  if (v->rule) { /* named where the verdict was made */
    snprintf(buf, cap, "%s", v->rule);
    return;
  }
  if ((sig = strstr(w, "killed by signal ")) != NULL) {
    snprintf(buf, cap, "signal-%.*s", (int)strcspn(sig + 17, " ,;:()"),
             sig + 17);
    return;
  }
  for (i = 0; i < sizeof what_rules / sizeof *what_rules; i++)
    if (strstr(w, what_rules[i].words)) {
      snprintf(buf, cap, "%s", what_rules[i].rule);
      return;
    }
  for (; *w; w++) {
    if (*w == '`')
      quoted = !quoted;
    else if (!quoted && !(*w >= '0' && *w <= '9'))
      h = (h ^ (uint8_t)*w) * 16777619u;
  }
  snprintf(buf, cap, "x%08x", (unsigned)h);
}

static void name_clean(char *s) {
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
      *s = '_';
}

void co_bug_name(const struct co_trace *t, const struct co_verdict *v,
                 char *buf, size_t cap) {
  const char *party = "end", *at = "end";
  char rule[48];
  if (v->step < t->len) {
    const struct co_op *op = &t->ops[v->step];
    struct co_step st;
    co_step_of(&st, op);
    at = st.call ? st.call->e->name : co_opdesc[op->kind % CO_OP_COUNT].name;
    party = st.call ? st.call->adapter->contract->layer : "platform";
  }
  if (v->layer) /* the library at fault at its own step */
    party = v->layer;
  if (v->client)
    party = "client";
  if (v->cause > 0 &&
      (size_t)v->cause <= sizeof why_names / sizeof *why_names &&
      why_names[v->cause - 1])
    snprintf(rule, sizeof rule, "%s", why_names[v->cause - 1]);
  else
    what_rule(v, rule, sizeof rule);
  snprintf(buf, cap, "%s.%s.%s.%s", co_verdict_name(v->kind), party, rule, at);
  name_clean(buf);
}

/* ---- running a trace: here, or in a child process ---- */

/* What an isolated trace's child hands back, in memory shared with it. */
struct iso_shared {
  int done;    /* the child got to the end */
  size_t step; /* the step it was running (where it was if it died) */
  struct co_verdict v;
  struct co_exec_stats delta;
  size_t nevents, ntrans;
  struct co_event_rec events[CO_EVENTS_KEPT];
  uint8_t skipped[CO_MAX_OPS / 8 + 1];
  unsigned trans[CO_MAX_OPS];
};

/* How the campaign runs its traces: ex in this process, or (iso) each in a
 * child forked from it. */
struct runner {
  struct co_exec *ex;
  struct iso_shared *iso;  /* NULL: in this process */
  uint8_t *seen;           /* iso: the transitions the children reached */
  struct co_exec_stats st; /* iso: the children's counts, summed */
};

static int ran_skipped(const struct runner *r, size_t i) {
  if (!r->iso)
    return co_exec_skipped(r->ex, i);
  return i < CO_MAX_OPS && (r->iso->skipped[i / 8] >> (i % 8)) & 1;
}

static size_t ran_events(const struct runner *r,
                         const struct co_event_rec **evs) {
  if (!r->iso)
    return co_exec_events(r->ex, evs);
  *evs = r->iso->events;
  return r->iso->nevents;
}

#ifndef _WIN32
static const char *signal_name(int sig) {
  switch (sig) {
  case SIGSEGV:
    return "SIGSEGV";
  case SIGABRT:
    return "SIGABRT";
  case SIGFPE:
    return "SIGFPE";
  case SIGILL:
    return "SIGILL";
  case SIGTERM:
    return "SIGTERM";
  case SIGBUS:
    return "SIGBUS";
  case SIGALRM:
    return "SIGALRM";
  case SIGKILL:
    return "SIGKILL";
  case SIGPIPE:
    return "SIGPIPE";
  default:
    return NULL;
  }
}

/* The verdict of a child that died at step (of a trace of len) with wait
 * status st. */
static void child_died(struct co_verdict *v, size_t step, size_t len, int sig,
                       int code) {
  const char *n = signal_name(sig);
  char num[16];
  memset(v, 0, sizeof *v);
  v->kind = CO_V_HARNESS;
  v->step = step < len ? step : len;
  snprintf(num, sizeof num, "%d", sig);
  if (sig)
    snprintf(v->what, sizeof v->what,
             "the trace's process was killed by signal %s%s at step %zu "
             "(in the library or the harness; run it with replay to see "
             "where)",
             n ? n : num, sig == SIGALRM ? " (it ran too long)" : "", step);
  else
    snprintf(v->what, sizeof v->what,
             "the trace's process exited with status %d at step %zu without "
             "a verdict",
             code, step);
}

#endif

#ifndef _WIN32
/* Run t on ex step by step, saying in *at which step is running (where
 * the process was if it dies); sh (NULL: none) gets the transitions
 * reached and the steps skipped as they go. co_exec_run does the same. */
static int run_steps(struct co_exec *ex, const struct co_trace *t,
                     struct co_verdict *v, size_t *at, struct iso_shared *sh) {
  size_t i;
  struct co_limit_need need;
  (void)co_exec_fit_limit(ex, t, &need); /* f>=B numbers, as co_exec_run */
  if (co_exec_set_trace(ex, t, v->what, sizeof v->what) < 0) {
    char err[sizeof v->what];
    memcpy(err, v->what, sizeof err);
    memset(v, 0, sizeof *v);
    memcpy(v->what, err, sizeof err);
    v->kind = CO_V_HARNESS;
    return v->kind;
  }
  if (co_exec_begin(ex, v) != CO_V_OK)
    return v->kind;
  for (i = 0; i < t->len; i++) {
    int k;
    *at = i;
    k = co_exec_step(ex, &t->ops[i], v);
    if (sh && i < CO_MAX_OPS && co_exec_skipped(ex, i))
      sh->skipped[i / 8] |= (uint8_t)(1u << (i % 8));
    else if (sh && sh->ntrans < CO_MAX_OPS)
      sh->trans[sh->ntrans++] = co_exec_last_transition(ex);
    if (k != CO_V_OK)
      break;
  }
  *at = t->len;
  return co_exec_end(ex, v);
}

static void stats_sub(struct co_exec_stats *d, const struct co_exec_stats *a,
                      const struct co_exec_stats *b) {
  d->traces = a->traces - b->traces;
  d->ops = a->ops - b->ops;
  d->syscalls_refused = a->syscalls_refused - b->syscalls_refused;
  d->env_rescans = a->env_rescans - b->env_rescans;
  d->events = a->events - b->events;
  d->events_refused = a->events_refused - b->events_refused;
  d->skipped = a->skipped - b->skipped;
  d->faults = a->faults - b->faults;
  d->transitions = 0;
}

/* In the child: run t, leave everything in sh, and end. */
static void iso_child(struct co_exec *ex, struct iso_shared *sh,
                      const struct co_trace *t) {
  struct co_exec_stats before, after;
  const struct co_event_rec *evs;
  alarm(ISO_TIMEOUT);
  co_exec_stats(ex, &before);
  run_steps(ex, t, &sh->v, &sh->step, sh);
  co_exec_stats(ex, &after);
  stats_sub(&sh->delta, &after, &before);
  sh->nevents = co_exec_events(ex, &evs);
  memcpy(sh->events, evs, sh->nevents * sizeof *evs);
  sh->done = 1;
  _exit(0);
}

/* Run t in a child of this process; the coverage and counts it reports
 * are added to r's. Returns v->kind. */
static int iso_run(struct runner *r, const struct co_trace *t,
                   struct co_verdict *v) {
  struct iso_shared *sh = r->iso;
  pid_t pid;
  int st = 0;
  size_t i;
  sh->done = 0;
  sh->step = 0;
  sh->nevents = sh->ntrans = 0;
  memset(sh->skipped, 0, (t->len < CO_MAX_OPS ? t->len : CO_MAX_OPS) / 8 + 1);
  pid = fork();
  if (pid == 0)
    iso_child(r->ex, sh, t);
  if (pid < 0 || waitpid(pid, &st, 0) < 0) {
    memset(v, 0, sizeof *v);
    v->kind = CO_V_HARNESS;
    v->step = t->len;
    snprintf(v->what, sizeof v->what, "cannot fork the trace's process");
    return v->kind;
  }
  for (i = 0; i < sh->ntrans; i++)
    r->seen[sh->trans[i] / 8] |= (uint8_t)(1u << (sh->trans[i] % 8));
  if (sh->done && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    *v = sh->v;
    r->st.traces += sh->delta.traces;
    r->st.ops += sh->delta.ops;
    r->st.events += sh->delta.events;
    r->st.events_refused += sh->delta.events_refused;
    r->st.skipped += sh->delta.skipped;
    r->st.faults += sh->delta.faults;
  } else {
    child_died(v, sh->step, t->len, WIFSIGNALED(st) ? WTERMSIG(st) : 0,
               WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    sh->nevents = 0;
  }
  return v->kind;
}
#endif

static int run_trace(struct runner *r, const struct co_trace *t,
                     struct co_verdict *v) {
#ifndef _WIN32
  if (r->iso)
    return iso_run(r, t, v);
#endif
  return co_exec_run(r->ex, t, v);
}

/* The transitions reached so far, and how many traces ran. */
static void runner_stats(const struct runner *r, struct co_exec_stats *st) {
  size_t i;
  if (!r->iso) {
    co_exec_stats(r->ex, st);
    return;
  }
  *st = r->st;
  st->transitions = 0;
  for (i = 0; i < co_model_transition_max / 8 + 1; i++) {
    unsigned b = r->seen[i];
    for (; b; b &= b - 1)
      st->transitions++;
  }
}

/* ---- reproducers ---- */

/* The operations of t up to step upto that ran (contract mode skips
 * some). */
static int keep_executed(const struct runner *r, const struct co_trace *t,
                         size_t upto, struct co_trace *out) {
  size_t i;
  co_trace_clear(out);
  for (i = 0; i < t->len && i <= upto; i++)
    if (!ran_skipped(r, i) && co_trace_push(out, &t->ops[i]) < 0)
      return -1;
  return 0;
}

/* A leak seen by the periodic whole-process check may come from any trace
 * since the previous check: run those again, oldest first, checking the
 * whole process after each, and return the index of the first that leaks
 * (its verdict in *v), or -1. */
static long attribute_leak(struct co_exec *ex, struct co_trace *ring, size_t n,
                           size_t head, struct co_verdict *v) {
  size_t k;
  long found = -1;
  co_exec_set_full_check(ex, 1);
  for (k = 0; k < n && found < 0; k++) {
    size_t i = (head + RING - n + k) % RING;
    if (co_exec_run(ex, &ring[i], v) == CO_V_LEAK)
      found = (long)i;
  }
  co_exec_set_full_check(ex, CO_FULL_CHECK_EVERY);
  return found;
}

static double now(void) {
  return co__seconds();
}

/* A finding's verdict when its trace, run again, does not show it: a
 * harness error that says what was seen and what the replay gave. */
static void not_reproduced(struct co_verdict *v, const struct co_verdict *seen,
                           const struct co_verdict *again) {
  char what[sizeof v->what], at[48] = "";
  if (again->kind != CO_V_OK)
    snprintf(at, sizeof at, " at step %zu", again->step);
  snprintf(what, sizeof what,
           "%s at step %zu (%.200s), but its trace run again gives %s%s: "
           "the finding does not reproduce",
           co_verdict_name(seen->kind), seen->step, seen->what,
           co_verdict_name(again->kind), at);
  *v = *seen;
  v->kind = CO_V_HARNESS;
  v->rule = "not-reproduced";
  v->has_outcomes = 0;
  snprintf(v->what, sizeof v->what, "%s", what);
}

/* The reproducer of finding v of culprit into b (verdict, trace,
 * events). Returns 0, or -1 out of memory. */
static int reproduce(struct runner *r, const struct co_trace *culprit,
                     const struct co_verdict *v, struct co_bug *b) {
  const struct co_event_rec *evs;
  struct co_verdict v2;
  b->verdict = *v;
  /* Up to the finding's step (what follows never ran), without the
   * skipped moves. */
  if (keep_executed(r, culprit, v->step, &b->trace) < 0)
    return -1;
  if (b->trace.len != culprit->len) {
    /* Without the skipped moves the trace must find the same; else the
     * whole trace is the reproducer, and it must show the finding again. */
    if (run_trace(r, &b->trace, &v2) == v->kind)
      b->verdict = v2;
    else if (co_trace_copy(&b->trace, culprit) < 0)
      return -1;
    else if (run_trace(r, &b->trace, &v2) != v->kind)
      not_reproduced(&b->verdict, v, &v2);
  }
  b->nevents = ran_events(r, &evs);
  memcpy(b->events, evs, b->nevents * sizeof *evs);
  return 0;
}

int co_campaign_reproducer(struct co_exec *ex, const struct co_trace *culprit,
                           const struct co_verdict *v,
                           struct co_campaign_result *res) {
  struct runner r = {ex, NULL, NULL, {0}};
  struct co_bug *b = malloc(sizeof *b);
  int rc;
  if (!b)
    return -1;
  co_trace_init(&b->trace);
  rc = reproduce(&r, culprit, v, b);
  if (rc == 0 && co_trace_copy(&res->trace, &b->trace) < 0)
    rc = -1;
  res->verdict = b->verdict;
  res->nevents = b->nevents;
  memcpy(res->events, b->events, b->nevents * sizeof *b->events);
  co_trace_free(&b->trace);
  free(b);
  return rc;
}

void co_campaign_result_free(struct co_campaign_result *res) {
  size_t i;
  co_trace_free(&res->trace);
  for (i = 0; i < res->nbugs; i++)
    co_trace_free(&res->bugs[i].trace);
  free(res->bugs);
  res->bugs = NULL;
  res->nbugs = 0;
}

static void status(const struct co_exec_stats *st, uint64_t runs,
                   uint64_t findings, size_t ncorpus, double elapsed,
                   struct co_campaign_status *s) {
  s->runs = runs;
  s->ops = st->ops;
  s->transitions = st->transitions;
  s->findings = findings;
  s->events = st->events;
  s->events_refused = st->events_refused;
  s->skipped = st->skipped;
  s->faults = st->faults;
  s->corpus = ncorpus;
  s->elapsed = elapsed;
}

/* The next trace of the campaign into t: random bytes decoded (naive), a
 * corpus trace mutated, or a new one. Returns 0 or -1 (out of memory). */
static int next_trace(const struct co_campaign_config *cfg,
                      const struct co_opset *gen, struct co_rng *rng,
                      const struct co_trace *corpus, size_t ncorpus,
                      uint8_t *naive_buf, size_t naive_cap,
                      struct co_trace *t) {
  if (cfg->naive) {
    size_t rec = cfg->threads ? CO_REC_THREADED : 4;
    size_t nb = 1 + co_rng_below(rng, (uint32_t)(rec * cfg->max_ops)), b;
    if (nb > naive_cap)
      nb = naive_cap;
    for (b = 0; b < nb; b++)
      naive_buf[b] = (uint8_t)co_rng_next(rng);
    struct co_opset set = cfg->target->ops;
    set.threads = (uint8_t)cfg->threads; /* a thread byte a record */
    return co_trace_decode(naive_buf, nb, &set, cfg->max_ops, t) < 0 ? -1 : 0;
  }
  if (ncorpus && co_rng_below(rng, 2)) {
    const struct co_trace *src = &corpus[co_rng_below(rng, (uint32_t)ncorpus)];
    if (co_trace_copy(t, src) < 0)
      return -1;
    return co_gen_mutate(rng, gen, cfg->max_ops, t) < 0 ? -1 : 0;
  }
  return co_gen_trace(rng, gen, cfg->max_ops, t) < 0 ? -1 : 0;
}

/* The kinds the generator draws: the target's, less the standard-handle
 * calls when the traces do not own 0-2 (without --free-std the model
 * refuses every one of them, docs/win32.md#std: drawing them would only
 * thin out the moves that run), and less `thread`: every step a second
 * party runs is a hand-over between two threads, which made a campaign
 * about 9 times slower (20,000 posix traces: 0.58 s before the operation,
 * 5.15 s with it; docs/posix.md#party). Its traces are in the corpus and
 * tests/test_party.c. Less `fail` with --no-faults. Decoding keeps the
 * target's own set. */
static void gen_opset(const struct co_campaign_config *cfg, uint8_t *kinds,
                      struct co_opset *out) {
  const struct co_opset *t = &cfg->target->ops;
  size_t i, n = 0;
  int std = !cfg->free_std;
  *out = *t;
  out->threads = (uint8_t)cfg->threads;
  if (t->n > CO_OP_COUNT)
    return;
  for (i = 0; i < t->n; i++)
    if (t->kinds[i] != CO_OP_THREAD &&
        !(cfg->no_faults && t->kinds[i] == CO_OP_FAIL) &&
        !(std && (t->kinds[i] == CO_OP_GETSTD || t->kinds[i] == CO_OP_SETSTD ||
                  t->kinds[i] == CO_OP_CLOSESTD)))
      kinds[n++] = t->kinds[i];
  if (n == t->n || (!n && !t->nentries))
    return;
  out->kinds = kinds;
  out->n = n;
}

/* One campaign: its configuration, how it runs traces, what it keeps. */
struct camp {
  const struct co_campaign_config *cfg;
  struct co_campaign_result *res;
  struct runner r;
  struct co_trace corpus[CORPUS_MAX];
  struct co_trace ring[RING];
  size_t ring_n, ring_head, ncorpus;
  struct co_trace t;
  struct co_rng rng;
  double start;
  uint8_t naive_buf[CO_REC_THREADED * CO_MAX_OPS];
  struct co_opset gen; /* what the generator draws (gen_opset) */
  uint8_t gen_kinds[CO_OP_COUNT];
};

/* A new bug b (its first hit, trace run, at seconds since the start). */
static int add_bug(struct camp *c, const struct co_trace *culprit,
                   const struct co_verdict *v, const char *name, uint64_t run) {
  struct co_campaign_result *res = c->res;
  struct co_bug *nb = realloc(res->bugs, (res->nbugs + 1) * sizeof *nb), *b;
  if (!nb)
    return -1;
  res->bugs = nb;
  b = &nb[res->nbugs];
  memset(b, 0, sizeof *b);
  co_trace_init(&b->trace);
  res->nbugs++;
  snprintf(b->name, sizeof b->name, "%s", name);
  b->hits = 1;
  b->first_run = run;
  b->first_seconds = now() - c->start;
  return reproduce(&c->r, culprit, v, b);
}

/* A finding v of culprit at trace run: grouped by bug (keep_going), or the
 * campaign's one finding. Returns 1 to stop, 0 to go on, -1 out of
 * memory. */
static int finding(struct camp *c, const struct co_trace *culprit,
                   const struct co_verdict *v, uint64_t run) {
  struct co_campaign_result *res = c->res;
  char name[CO_BUG_NAME_MAX];
  size_t i;
  res->hits++;
  if (c->cfg->keep_going) {
    co_bug_name(culprit, v, name, sizeof name);
    for (i = 0; i < res->nbugs; i++)
      if (!strcmp(res->bugs[i].name, name)) {
        res->bugs[i].hits++;
        return 0;
      }
    if (add_bug(c, culprit, v, name, run) < 0)
      return -1;
  }
  if (!res->found) {
    struct co_bug *b = c->cfg->keep_going ? &res->bugs[0] : NULL;
    res->found = 1;
    res->run = run;
    if (b) {
      res->verdict = b->verdict;
      res->nevents = b->nevents;
      memcpy(res->events, b->events, b->nevents * sizeof *b->events);
      if (co_trace_copy(&res->trace, &b->trace) < 0)
        return -1;
    } else {
      struct co_bug one;
      memset(&one, 0, sizeof one);
      co_trace_init(&one.trace);
      if (reproduce(&c->r, culprit, v, &one) < 0 ||
          co_trace_copy(&res->trace, &one.trace) < 0) {
        co_trace_free(&one.trace);
        return -1;
      }
      res->verdict = one.verdict;
      res->nevents = one.nevents;
      memcpy(res->events, one.events, one.nevents * sizeof *one.events);
      co_trace_free(&one.trace);
    }
  }
  if (!c->cfg->keep_going)
    return 1;
  return c->cfg->max_findings && res->nbugs >= c->cfg->max_findings;
}

/* Keep t in the corpus (it reached a new transition). */
static int keep_in_corpus(struct camp *c) {
  struct co_trace *slot;
  if (c->ncorpus < CORPUS_MAX) {
    slot = &c->corpus[c->ncorpus++];
    co_trace_init(slot);
  } else {
    slot = &c->corpus[co_rng_below(&c->rng, CORPUS_MAX)];
    co_trace_clear(slot);
  }
  return co_trace_copy(slot, &c->t);
}

/* Run trace c->t (index *run): its finding, if any, and its coverage.
 * Returns 1 to stop, 0 to go on, -1 out of memory. */
static int one_trace(struct camp *c, uint64_t *run) {
  struct co_exec_stats st;
  struct co_verdict v;
  uint64_t before;
  int stop;
  runner_stats(&c->r, &st);
  before = st.transitions;
  if (!c->r.iso) {
    if (co_trace_copy(&c->ring[c->ring_head], &c->t) < 0)
      return -1;
    c->ring_head = (c->ring_head + 1) % RING;
    if (c->ring_n < RING)
      c->ring_n++;
  }
  if (run_trace(&c->r, &c->t, &v) != CO_V_OK) {
    const struct co_trace *culprit = &c->t;
    uint64_t at = *run;
    if (v.kind == CO_V_LEAK && v.periodic) {
      struct co_verdict v2;
      long k = attribute_leak(c->r.ex, c->ring, c->ring_n, c->ring_head, &v2);
      if (k >= 0) {
        culprit = &c->ring[k];
        v = v2;
        at -= ((size_t)RING + c->ring_head - 1 - (size_t)k) % RING;
      }
    }
    stop = finding(c, culprit, &v, at);
    if (stop)
      return stop;
  }
  runner_stats(&c->r, &st);
  if (st.transitions > before && !c->cfg->naive && keep_in_corpus(c) < 0)
    return -1;
  return 0;
}

/* Make the runner: this process's executor, and for isolate the memory
 * the children share with it. Returns 0 or -1 (err says why). */
static int runner_start(struct camp *c, char *err, size_t errcap) {
  const struct co_campaign_config *cfg = c->cfg;
  if (cfg->isolate && !co_fresh_available()) {
    snprintf(err, errcap,
             "--isolate is not available on this platform "
             "(it needs fork)");
    return -1;
  }
  if (!(c->r.ex = co_exec_new_target(cfg->target, err, errcap)))
    return -1;
  if (co_exec_set_close_profile(c->r.ex, cfg->close_profile) < 0) {
    snprintf(err, errcap, "close profile %d is neither linux nor keeps-open",
             cfg->close_profile);
    return -1;
  }
  if (cfg->free_std && co_exec_set_free_std(c->r.ex, 1) < 0) {
    snprintf(err, errcap, "--free-std is not available on this platform");
    return -1;
  }
  c->res->mode = cfg->mode_set ? cfg->mode : cfg->target->mode;
  co_exec_set_mode(c->r.ex, c->res->mode, 1);
#ifndef _WIN32
  if (cfg->isolate) {
    void *m = mmap(NULL, sizeof *c->r.iso, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    c->r.seen = calloc(co_model_transition_max / 8 + 1, 1);
    if (m == MAP_FAILED || !c->r.seen) {
      if (m != MAP_FAILED)
        munmap(m, sizeof *c->r.iso);
      snprintf(err, errcap, "out of memory");
      return -1;
    }
    c->r.iso = m;
    /* each child starts from this process: check the whole process after
     * every trace (nothing carries over to check later) */
    co_exec_set_full_check(c->r.ex, 1);
  }
#endif
  return 0;
}

static void runner_stop(struct runner *r) {
#ifndef _WIN32
  if (r->iso)
    munmap(r->iso, sizeof *r->iso);
#endif
  free(r->seen);
  co_exec_free(r->ex);
}

/* The campaign's loop. Returns 0, or -1 out of memory. */
static int campaign_loop(struct camp *c, uint64_t *runs) {
  const struct co_campaign_config *cfg = c->cfg;
  double next_progress = c->start + cfg->progress_every, t_now = c->start;
  uint64_t run;
  int r = 0;
  for (run = 0;; run++) {
    if (cfg->runs && run >= cfg->runs)
      break;
    if (cfg->seconds > 0 || cfg->progress_every > 0)
      t_now = now();
    if (cfg->seconds > 0 && t_now - c->start >= cfg->seconds)
      break;
    if (next_trace(cfg, &c->gen, &c->rng, c->corpus, c->ncorpus, c->naive_buf,
                   sizeof c->naive_buf, &c->t) < 0 ||
        (r = one_trace(c, &run)) < 0) {
      *runs = run;
      return -1;
    }
    if (r) {
      run++;
      break;
    }
    if (cfg->progress && cfg->progress_every > 0 && t_now >= next_progress) {
      struct co_campaign_status s;
      struct co_exec_stats st;
      runner_stats(&c->r, &st);
      status(&st, run + 1,
             cfg->keep_going ? c->res->nbugs : (uint64_t)c->res->found,
             c->ncorpus, t_now - c->start, &s);
      cfg->progress(&s, cfg->env);
      next_progress = t_now + cfg->progress_every;
    }
  }
  *runs = run;
  return 0;
}

int co_campaign_run(const struct co_campaign_config *cfg,
                    struct co_campaign_result *res, char *err, size_t errcap) {
  struct camp *c = calloc(1, sizeof *c);
  struct co_exec_stats st;
  uint64_t run = 0;
  size_t i;
  int rc = 0;

  memset(res, 0, sizeof *res);
  co_trace_init(&res->trace);
  if (!c) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  c->cfg = cfg;
  c->res = res;
  c->start = now();
  if (runner_start(c, err, errcap) < 0) {
    runner_stop(&c->r);
    free(c);
    return -1;
  }
  co_trace_init(&c->t);
  for (i = 0; i < RING; i++)
    co_trace_init(&c->ring[i]);
  co_rng_seed(&c->rng, cfg->seed);
  gen_opset(cfg, c->gen_kinds, &c->gen);
  if (campaign_loop(c, &run) < 0) {
    snprintf(err, errcap, "out of memory");
    rc = -1;
  } else if (!res->found || cfg->keep_going) {
    /* The whole process must be back to the set of descriptors it had. */
    char msg[200];
    if (co_exec_check_process(c->r.ex, msg, sizeof msg) < 0 && !res->found) {
      res->found = 1;
      memset(&res->verdict, 0, sizeof res->verdict);
      res->verdict.kind = CO_V_LEAK;
      snprintf(res->verdict.what, sizeof res->verdict.what,
               "after the campaign: %s", msg);
      res->run = run;
    }
  }
  runner_stats(&c->r, &st);
  status(&st, run, res->nbugs ? (uint64_t)res->nbugs : (uint64_t)res->found,
         c->ncorpus, now() - c->start, &res->status);
  for (i = 0; i < c->ncorpus; i++)
    co_trace_free(&c->corpus[i]);
  for (i = 0; i < RING; i++)
    co_trace_free(&c->ring[i]);
  co_trace_free(&c->t);
  runner_stop(&c->r);
  free(c);
  return rc;
}

/* ---- a fresh process ---- */

#ifndef _WIN32
/* A request and its answer, in memory shared with the fresh process. */
struct fresh_shared {
  int mode, skip, free_std, close_profile;
  size_t len;
  struct co_op ops[CO_MAX_OPS];
  int done;
  size_t step;
  struct co_verdict v;
};

struct co_fresh {
  pid_t pid;    /* the fresh process */
  int req, rep; /* the pipes to it and from it */
  struct fresh_shared *sh;
};

int co_fresh_available(void) {
  return 1;
}

/* In a child of the fresh process: run the request, then end. */
static void fresh_child(const struct co_target *tg, struct fresh_shared *sh) {
  char err[256];
  struct co_exec *ex;
  struct co_trace t;
  alarm(ISO_TIMEOUT);
  if (!(ex = co_exec_new_target(tg, err, sizeof err)))
    _exit(3);
  co_exec_set_mode(ex, sh->mode, sh->skip);
  co_exec_set_full_check(ex, 1);
  if ((sh->free_std && co_exec_set_free_std(ex, 1) < 0) ||
      co_exec_set_close_profile(ex, sh->close_profile) < 0)
    _exit(3);
  t.ops = sh->ops;
  t.len = t.cap = sh->len;
  run_steps(ex, &t, &sh->v, &sh->step, NULL);
  sh->done = 1;
  _exit(0);
}

/* The fresh process: a child per request, until the campaign's end
 * closes the pipe. */
static void fresh_main(const struct co_target *tg, struct co_fresh *f) {
  char b;
  while (read(f->req, &b, 1) == 1) {
    pid_t pid;
    int st = 0;
    f->sh->done = 0;
    f->sh->step = 0;
    if ((pid = fork()) == 0)
      fresh_child(tg, f->sh);
    b = 'D';
    if (pid < 0 || waitpid(pid, &st, 0) < 0) {
      b = 'F';
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
      b = 'E'; /* no executor */
    } else if (!f->sh->done || !WIFEXITED(st) || WEXITSTATUS(st)) {
      child_died(&f->sh->v, f->sh->step, f->sh->len,
                 WIFSIGNALED(st) ? WTERMSIG(st) : 0,
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    if (write(f->rep, &b, 1) != 1)
      break;
  }
  _exit(0);
}

struct co_fresh *co_fresh_start(const struct co_target *t, char *err,
                                size_t cap) {
  struct co_fresh *f = calloc(1, sizeof *f);
  int req[2] = {-1, -1}, rep[2] = {-1, -1};
  void *m = MAP_FAILED;
  if (!f || pipe(req) < 0 || pipe(rep) < 0 ||
      (m = mmap(NULL, sizeof *f->sh, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED) {
    snprintf(err, cap, "cannot start a fresh process: out of resources");
    goto fail;
  }
  f->sh = m;
  fflush(NULL);
  if ((f->pid = fork()) < 0) {
    snprintf(err, cap, "cannot start a fresh process: fork failed");
    goto fail;
  }
  if (f->pid == 0) {
    close(req[1]);
    close(rep[0]);
    f->req = req[0];
    f->rep = rep[1];
    fresh_main(t, f);
  }
  close(req[0]);
  close(rep[1]);
  f->req = req[1];
  f->rep = rep[0];
  return f;
fail:
  if (m != MAP_FAILED)
    munmap(m, sizeof *f->sh);
  if (req[0] >= 0) {
    close(req[0]);
    close(req[1]);
  }
  if (rep[0] >= 0) {
    close(rep[0]);
    close(rep[1]);
  }
  free(f);
  return NULL;
}

int co_fresh_run(struct co_fresh *f, const struct co_trace *t, int mode,
                 int skip, struct co_verdict *v, char *err, size_t cap) {
  char b = 'R';
  if (t->len > CO_MAX_OPS) {
    snprintf(err, cap, "a trace of %zu operations is too long", t->len);
    return -1;
  }
  f->sh->mode = mode;
  f->sh->skip = skip;
  f->sh->len = t->len;
  memcpy(f->sh->ops, t->ops, t->len * sizeof *t->ops);
  if (write(f->req, &b, 1) != 1 || read(f->rep, &b, 1) != 1 || b == 'F') {
    snprintf(err, cap, "the fresh process did not answer");
    return -1;
  }
  if (b == 'E') {
    snprintf(err, cap, "the fresh process cannot make an executor for %s",
             "the target");
    return -1;
  }
  *v = f->sh->v;
  return 0;
}

void co_fresh_set_free_std(struct co_fresh *f, int on) {
  if (f)
    f->sh->free_std = on != 0;
}

void co_fresh_set_close_profile(struct co_fresh *f, int profile) {
  if (f)
    f->sh->close_profile = profile;
}

void co_fresh_stop(struct co_fresh *f) {
  int st;
  if (!f)
    return;
  close(f->req);
  waitpid(f->pid, &st, 0);
  close(f->rep);
  munmap(f->sh, sizeof *f->sh);
  free(f);
}
#else
int co_fresh_available(void) {
  return 0;
}

struct co_fresh *co_fresh_start(const struct co_target *t, char *err,
                                size_t cap) {
  (void)t;
  snprintf(err, cap, "a fresh process is not available on Windows (no fork)");
  return NULL;
}

void co_fresh_set_free_std(struct co_fresh *f, int on) {
  (void)f;
  (void)on;
}

void co_fresh_set_close_profile(struct co_fresh *f, int profile) {
  (void)f;
  (void)profile;
}

int co_fresh_run(struct co_fresh *f, const struct co_trace *t, int mode,
                 int skip, struct co_verdict *v, char *err, size_t cap) {
  (void)f;
  (void)t;
  (void)mode;
  (void)skip;
  (void)v;
  snprintf(err, cap, "a fresh process is not available on Windows (no fork)");
  return -1;
}

void co_fresh_stop(struct co_fresh *f) {
  (void)f;
}
#endif

/* ---- shrinking in a child ---- */

#ifndef _WIN32
struct shrink_shared {
  int done, rc;
  size_t len, nev;
  struct co_verdict v;
  struct co_shrink_stats st;
  struct co_event_rec ev[CO_EVENTS_KEPT];
  struct co_op ops[CO_MAX_OPS];
};

static void shrink_child(struct co_exec *ex, struct co_trace *t,
                         struct shrink_shared *sh) {
  const struct co_event_rec *ev;
  sh->rc = co_shrink(ex, t, &sh->v, &sh->st) < 0 ? -1 : 0;
  sh->len = t->len < CO_MAX_OPS ? t->len : CO_MAX_OPS;
  memcpy(sh->ops, t->ops, sh->len * sizeof *t->ops);
  sh->nev = co_exec_events(ex, &ev);
  memcpy(sh->ev, ev, sh->nev * sizeof *ev);
  sh->done = 1;
  _exit(0);
}
#endif

int co_shrink_isolated(struct co_exec *ex, struct co_trace *t,
                       struct co_verdict *v, struct co_shrink_stats *st,
                       struct co_event_rec *ev, size_t *nev) {
#ifndef _WIN32
  struct shrink_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t pid;
  int status = 0, rc = -2;
  if (sh == MAP_FAILED)
    return -2;
  sh->done = 0;
  sh->v = *v;
  fflush(NULL);
  if ((pid = fork()) == 0)
    shrink_child(ex, t, sh);
  if (pid > 0 && waitpid(pid, &status, 0) == pid && sh->done &&
      WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    rc = sh->rc;
    *st = sh->st;
    if (rc == 0) {
      struct co_trace out = {sh->ops, sh->len, sh->len};
      if (co_trace_copy(t, &out) < 0)
        rc = -1;
      *v = sh->v;
      *nev = sh->nev;
      memcpy(ev, sh->ev, sh->nev * sizeof *ev);
    }
  }
  munmap(sh, sizeof *sh);
  return rc;
#else
  const struct co_event_rec *e;
  int rc = co_shrink(ex, t, v, st) < 0 ? -1 : 0;
  *nev = co_exec_events(ex, &e);
  memcpy(ev, e, *nev * sizeof *e);
  return rc;
#endif
}
