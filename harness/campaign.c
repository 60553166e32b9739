/*
 * The built-in generator's campaign loop.
 */
#include "closeonce/campaign.h"

#include <string.h>
#include <time.h>

#include "closeonce/gen.h"

#define CORPUS_MAX 512

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int co_campaign_run(const struct co_campaign_config *cfg,
                    struct co_campaign_result *res, char *err, size_t errcap) {
  struct co_exec *ex;
  struct co_trace corpus[CORPUS_MAX];
  struct co_trace t;
  struct co_rng rng;
  struct co_exec_stats st;
  size_t ncorpus = 0, i;
  double start = now(), next_progress, t_now = start;
  uint64_t run;
  int rc = 0;

  memset(res, 0, sizeof *res);
  co_trace_init(&res->trace);
  ex = co_exec_new(cfg->target->backend, err, errcap);
  if (!ex)
    return -1;
  co_trace_init(&t);
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
    if (ncorpus && co_rng_below(&rng, 2)) {
      const struct co_trace *src =
          &corpus[co_rng_below(&rng, (uint32_t)ncorpus)];
      co_trace_clear(&t);
      for (i = 0; i < src->len; i++)
        if (co_trace_push(&t, &src->ops[i]) < 0)
          goto oom;
      if (co_gen_mutate(&rng, &cfg->target->ops, cfg->max_ops, &t) < 0)
        goto oom;
    } else if (co_gen_trace(&rng, &cfg->target->ops, cfg->max_ops, &t) < 0) {
      goto oom;
    }
    co_exec_stats(ex, &st);
    before = st.transitions;
    if (co_exec_run(ex, &t, &v) != CO_V_OK) {
      res->found = 1;
      res->verdict = v;
      res->run = run;
      for (i = 0; i < t.len; i++)
        if (co_trace_push(&res->trace, &t.ops[i]) < 0)
          goto oom;
      run++;
      break;
    }
    co_exec_stats(ex, &st);
    if (st.transitions > before) {
      struct co_trace *slot;
      if (ncorpus < CORPUS_MAX) {
        slot = &corpus[ncorpus++];
        co_trace_init(slot);
      } else {
        slot = &corpus[co_rng_below(&rng, CORPUS_MAX)];
        co_trace_clear(slot);
      }
      for (i = 0; i < t.len; i++)
        if (co_trace_push(slot, &t.ops[i]) < 0)
          goto oom;
    }
    if (cfg->progress && cfg->progress_every > 0 && t_now >= next_progress) {
      struct co_campaign_status s;
      s.runs = run + 1;
      s.ops = st.ops;
      s.transitions = st.transitions;
      s.findings = 0;
      s.corpus = ncorpus;
      s.elapsed = t_now - start;
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
  res->status.runs = run;
  res->status.ops = st.ops;
  res->status.transitions = st.transitions;
  res->status.findings = (uint64_t)res->found;
  res->status.corpus = ncorpus;
  res->status.elapsed = now() - start;
  for (i = 0; i < ncorpus; i++)
    co_trace_free(&corpus[i]);
  co_trace_free(&t);
  co_exec_free(ex);
  return rc;
}
