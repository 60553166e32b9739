/*
 * The built-in generator's campaign loop, and the reproducer of what it
 * finds.
 */
#include "closeonce/campaign.h"
#include "portable.h"

#include <string.h>
#include <time.h>

#include "closeonce/gen.h"

#define CORPUS_MAX 512
#define RING CO_FULL_CHECK_EVERY

/* The operations of t up to step upto that ran (contract mode skips
 * some). */
static int keep_executed(const struct co_exec *ex, const struct co_trace *t,
                         size_t upto, struct co_trace *out) {
  size_t i;
  co_trace_clear(out);
  for (i = 0; i < t->len && i <= upto; i++)
    if (!co_exec_skipped(ex, i) && co_trace_push(out, &t->ops[i]) < 0)
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
  v->has_outcomes = 0;
  snprintf(v->what, sizeof v->what, "%s", what);
}

int co_campaign_reproducer(struct co_exec *ex, const struct co_trace *culprit,
                           const struct co_verdict *v,
                           struct co_campaign_result *res) {
  const struct co_event_rec *evs;
  struct co_verdict v2;
  res->verdict = *v;
  /* Up to the finding's step (what follows never ran), without the
   * skipped moves. */
  if (keep_executed(ex, culprit, v->step, &res->trace) < 0)
    return -1;
  if (res->trace.len != culprit->len) {
    /* Without the skipped moves the trace must find the same; else the
     * whole trace is the reproducer, and it must show the finding again. */
    if (co_exec_run(ex, &res->trace, &v2) == v->kind)
      res->verdict = v2;
    else if (co_trace_copy(&res->trace, culprit) < 0)
      return -1;
    else if (co_exec_run(ex, &res->trace, &v2) != v->kind)
      not_reproduced(&res->verdict, v, &v2);
  }
  res->nevents = co_exec_events(ex, &evs);
  memcpy(res->events, evs, res->nevents * sizeof *evs);
  return 0;
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
  s->corpus = ncorpus;
  s->elapsed = elapsed;
}

/* The next trace of the campaign into t: random bytes decoded (naive), a
 * corpus trace mutated, or a new one. Returns 0 or -1 (out of memory). */
static int next_trace(const struct co_campaign_config *cfg, struct co_rng *rng,
                      const struct co_trace *corpus, size_t ncorpus,
                      uint8_t *naive_buf, size_t naive_cap,
                      struct co_trace *t) {
  if (cfg->naive) {
    size_t nb = 1 + co_rng_below(rng, (uint32_t)(4 * cfg->max_ops)), b;
    if (nb > naive_cap)
      nb = naive_cap;
    for (b = 0; b < nb; b++)
      naive_buf[b] = (uint8_t)co_rng_next(rng);
    return co_trace_decode(naive_buf, nb, &cfg->target->ops, cfg->max_ops, t) <
                   0
               ? -1
               : 0;
  }
  if (ncorpus && co_rng_below(rng, 2)) {
    const struct co_trace *src = &corpus[co_rng_below(rng, (uint32_t)ncorpus)];
    if (co_trace_copy(t, src) < 0)
      return -1;
    return co_gen_mutate(rng, &cfg->target->ops, cfg->max_ops, t) < 0 ? -1 : 0;
  }
  return co_gen_trace(rng, &cfg->target->ops, cfg->max_ops, t) < 0 ? -1 : 0;
}

int co_campaign_run(const struct co_campaign_config *cfg,
                    struct co_campaign_result *res, char *err, size_t errcap) {
  struct co_exec *ex;
  struct co_trace corpus[CORPUS_MAX];
  struct co_trace ring[RING];
  size_t ring_n = 0, ring_head = 0;
  struct co_trace t;
  struct co_rng rng;
  struct co_exec_stats st;
  size_t ncorpus = 0, i;
  double start = now(), next_progress, t_now = start;
  uint64_t run;
  int rc = 0;
  static uint8_t naive_buf[4 * CO_MAX_OPS];

  memset(res, 0, sizeof *res);
  co_trace_init(&res->trace);
  ex = co_exec_new_target(cfg->target, err, errcap);
  if (!ex)
    return -1;
  res->mode = cfg->mode_set ? cfg->mode : cfg->target->mode;
  co_exec_set_mode(ex, res->mode, 1);
  co_trace_init(&t);
  for (i = 0; i < RING; i++)
    co_trace_init(&ring[i]);
  co_rng_seed(&rng, cfg->seed);
  next_progress = start + cfg->progress_every;

  for (run = 0;; run++) {
    struct co_verdict v;
    uint64_t before;
    if (cfg->runs && run >= cfg->runs)
      break;
    if (cfg->seconds > 0 || cfg->progress_every > 0)
      t_now = now();
    if (cfg->seconds > 0 && t_now - start >= cfg->seconds)
      break;
    if (next_trace(cfg, &rng, corpus, ncorpus, naive_buf, sizeof naive_buf,
                   &t) < 0)
      goto oom;
    co_exec_stats(ex, &st);
    before = st.transitions;
    if (co_trace_copy(&ring[ring_head], &t) < 0)
      goto oom;
    ring_head = (ring_head + 1) % RING;
    if (ring_n < RING)
      ring_n++;
    if (co_exec_run(ex, &t, &v) != CO_V_OK) {
      const struct co_trace *culprit = &t;
      if (v.kind == CO_V_LEAK && v.periodic) {
        struct co_verdict v2;
        long k = attribute_leak(ex, ring, ring_n, ring_head, &v2);
        if (k >= 0) {
          culprit = &ring[k];
          v = v2;
          run -= ((size_t)RING + ring_head - 1 - (size_t)k) % RING;
        }
      }
      res->found = 1;
      res->run = run;
      if (co_campaign_reproducer(ex, culprit, &v, res) < 0)
        goto oom;
      run++;
      break;
    }
    co_exec_stats(ex, &st);
    if (st.transitions > before && !cfg->naive) {
      struct co_trace *slot;
      if (ncorpus < CORPUS_MAX) {
        slot = &corpus[ncorpus++];
        co_trace_init(slot);
      } else {
        slot = &corpus[co_rng_below(&rng, CORPUS_MAX)];
        co_trace_clear(slot);
      }
      if (co_trace_copy(slot, &t) < 0)
        goto oom;
    }
    if (cfg->progress && cfg->progress_every > 0 && t_now >= next_progress) {
      struct co_campaign_status s;
      status(&st, run + 1, 0, ncorpus, t_now - start, &s);
      cfg->progress(&s, cfg->env);
      next_progress = t_now + cfg->progress_every;
    }
  }
  /* The whole process must be back to the set of descriptors it had. */
  if (!res->found) {
    char msg[200];
    if (co_exec_check_process(ex, msg, sizeof msg) < 0) {
      res->found = 1;
      memset(&res->verdict, 0, sizeof res->verdict);
      res->verdict.kind = CO_V_LEAK;
      snprintf(res->verdict.what, sizeof res->verdict.what,
               "after the campaign: %s", msg);
      res->run = run;
    }
  }
  goto done;
oom:
  snprintf(err, errcap, "out of memory");
  rc = -1;
done:
  co_exec_stats(ex, &st);
  status(&st, run, (uint64_t)res->found, ncorpus, now() - start, &res->status);
  for (i = 0; i < ncorpus; i++)
    co_trace_free(&corpus[i]);
  for (i = 0; i < RING; i++)
    co_trace_free(&ring[i]);
  co_trace_free(&t);
  co_exec_free(ex);
  return rc;
}
