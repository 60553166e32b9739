/*
 * Free runs of parallel traces (closeonce/exec.h co_exec_free_run; issue
 * 22, docs/threads.md#free): the prefix through the executor, then the
 * threads racing straight to the backend, each recording what it passed,
 * what it got and when, then the linearizability check (harness/lin.h),
 * and the executor's end checks against the model stepped in the order
 * found.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/error.h"
#include "closeonce/exec.h"

#include "baton.h"
#include "exec_internal.h"
#include "lin.h"
#include "portable.h"

/* Why a kind is not taken in a free run (NULL: taken). A taken one is a
 * built-in operation on regular files or the descriptor table that the
 * POSIX backend issues as one system call (harness/posix/backend.c
 * posix_call_here: the call's own buffer, nothing shared), which cannot
 * block on a regular file, and whose numbers are the slots' or the start's
 * (no model help to make the call). */
static const char *not_taken(unsigned kind) {
  switch (kind) {
  case CO_OP_OPEN:
  case CO_OP_DUP:
  case CO_OP_DUP2:
  case CO_OP_DUP3:
  case CO_OP_DUPFD:
  case CO_OP_GETFD:
  case CO_OP_SETFD:
  case CO_OP_GETFL:
  case CO_OP_SETFL:
  case CO_OP_CLOSE:
  case CO_OP_WRITE:
  case CO_OP_LSEEK:
  case CO_OP_READ:
  case CO_OP_FSTAT:
  case CO_OP_LSEEK_EXT:
  case CO_OP_FTRUNCATE:
  case CO_OP_FCHMOD:
  case CO_OP_REOPEN:
    return NULL;
  case CO_OP_CALL:
    return "a layer's call: a library object used by two threads at once "
           "may crash the harness";
  case CO_OP_CLOSE_RANGE:
    return "the executor splits it around the foreign numbers, so it is "
           "not one call";
  case CO_OP_SETLIMIT:
    return "it moves the process's limit under the other threads";
  case CO_OP_FAIL:
    return "its fault is armed inside a library's calls";
  case CO_OP_THREAD:
    return "it starts or switches the model's second party";
  default:
    return "its call can block, or is not the POSIX target's";
  }
}

long co_exec_free_refuses(const struct co_exec *ex, const struct co_trace *t,
                          char *msg, size_t cap) {
  const struct co_backend *be = co__exec_backend(ex);
  size_t i, first = t->len;
  char text[112];
  if (!be->name || strcmp(be->name, "posix") != 0) {
    snprintf(msg, cap,
             "free runs run on the posix target only (the %s backend's calls "
             "are not known to be safe from threads at once)",
             be->name ? be->name : "unnamed");
    return (long)t->len;
  }
  for (i = 0; i < t->len; i++) {
    const char *why = not_taken(t->ops[i].kind);
    co_op_format_thr(&t->ops[i], text, sizeof text);
    if (!why && !t->ops[i].thr && first < i)
      why = "a prefix operation after a thread's";
    if (why) {
      snprintf(msg, cap, "step %zu `%s` is not taken in a free run: %s", i,
               text, why);
      return (long)i;
    }
    if (t->ops[i].thr && first == t->len)
      first = i;
  }
  if (first == t->len) {
    snprintf(msg, cap, "the trace has no thread (tK:) operations to race");
    return (long)t->len;
  }
  return -1;
}

/* One free run: what the racers share, and what each recorded. */
struct free_run {
  struct co_exec *ex;
  const struct co_backend *be;
  void *self;
  const struct co_model *m0; /* the model at the prefix's end (read only
                                while the threads race) */
  int64_t limit;
  size_t nprefix, n;
  struct co_lin_op *rec; /* the threads' operations, in trace order */
  struct co_call *pre;   /* each resolved at the prefix's end */
  uint64_t seed; /* the run's: each thread's pauses between operations */
  atomic_uint_fast64_t ticket;
  _Atomic int64_t slots[CO_SLOTS];
};
struct racer_env {
  struct free_run *fr;
  unsigned thr;
};

/* The number a slot reference names now (its live value), else the one
 * resolved at the prefix's end. */
static int64_t live_ref(struct free_run *fr, struct co_ref r, int64_t at0) {
  return r.type == CO_REF_SLOT ? atomic_load(&fr->slots[r.idx % CO_SLOTS])
                               : at0;
}

/* The model's guard (models/model.c refuses): never a foreign number. */
static int guard(const struct free_run *fr, const struct co_call *c,
                 int nrefs) {
  return (nrefs >= 1 && co_model_is_foreign(fr->m0, c->a)) ||
         ((c->kind == CO_OP_DUP2 || c->kind == CO_OP_DUP3) && c->b >= 0 &&
          c->b < fr->limit && co_model_is_foreign(fr->m0, c->b));
}

/* A pause before an operation, its length drawn from the run's seed: 0
 * to about a microsecond of spinning, or (one in 16) a yield, so that
 * runs interleave the threads differently where they share a core. */
static void pause_before(uint64_t *x) {
  volatile unsigned spin = 0;
  unsigned k;
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  if ((*x & 255) == 0) {
    co__yield();
    return;
  }
  for (k = (unsigned)(*x >> 40) & 255; k > 0; k--)
    spin++;
}

static void race_thread(void *env) {
  struct racer_env *re = env;
  struct free_run *fr = re->fr;
  uint64_t rnd = (fr->seed + re->thr) * 0x9e3779b97f4a7c15ull | 1;
  size_t i;
  for (i = 0; i < fr->n; i++) {
    struct co_lin_op *x = &fr->rec[i];
    struct co_call c = fr->pre[i];
    int nrefs = co_op_nrefs(&x->op), refused;
    if (x->op.thr != re->thr)
      continue;
    pause_before(&rnd);
    x->inv = atomic_fetch_add(&fr->ticket, 1);
    c.a = live_ref(fr, x->op.a, c.a);
    c.b = live_ref(fr, x->op.b, c.b);
    if ((refused = guard(fr, &c, nrefs)) != 0)
      x->out = (struct co_outcome){-1, CO_REFUSED, 0, 0, 0};
    else
      fr->be->call(fr->self, &c, &x->out);
    if (!refused && co_opdesc[x->op.kind].binds == 1)
      atomic_store(&fr->slots[x->op.dst % CO_SLOTS],
                   x->out.err == CO_OK ? x->out.ret : -1);
    x->resp = atomic_fetch_add(&fr->ticket, 1);
    x->a = c.a;
    x->b = c.b;
  }
}

/* The threads' operations ready to race: each resolved at the prefix's
 * end (a slot's is read again when it runs), the slots' values set. */
static int race_setup(struct free_run *fr, const struct co_trace *t) {
  size_t i;
  fr->n = t->len - fr->nprefix;
  fr->rec = calloc(fr->n ? fr->n : 1, sizeof *fr->rec);
  fr->pre = calloc(fr->n ? fr->n : 1, sizeof *fr->pre);
  if (!fr->rec || !fr->pre)
    return -1;
  for (i = 0; i < fr->n; i++) {
    fr->rec[i].op = t->ops[fr->nprefix + i];
    fr->rec[i].step = fr->nprefix + i;
    co_model_resolve(fr->m0, &fr->rec[i].op, &fr->pre[i]);
  }
  for (i = 0; i < CO_SLOTS; i++)
    atomic_init(&fr->slots[i], co_model_slot(fr->m0, (unsigned)i));
  atomic_init(&fr->ticket, 0);
  return 0;
}

static int race(struct free_run *fr, const struct co_trace *t, char *err,
                size_t cap) {
  struct co_sched *s = co__exec_sched(fr->ex, err, cap);
  struct racer_env env[CO_THREADS];
  void *envs[CO_THREADS];
  unsigned k, n = co_trace_threads(t);
  if (!s)
    return -1;
  for (k = 0; k < n; k++) {
    env[k] = (struct racer_env){fr, k + 1};
    envs[k] = &env[k];
  }
  co_sched_race(s, n, race_thread, envs);
  return 0;
}

/* The trace of an order: the prefix, then the threads' operations in it
 * (each with its thread), then, for the closest order, the one it could
 * not explain. */
static int order_trace(const struct free_run *fr, const struct co_trace *t,
                       const struct co_lin_result *r, struct co_trace *out) {
  size_t i;
  co_trace_clear(out);
  for (i = 0; i < fr->nprefix; i++)
    if (co_trace_push(out, &t->ops[i]) < 0)
      return -1;
  for (i = 0; i < r->norder; i++)
    if (co_trace_push(out, &fr->rec[r->order[i]].op) < 0)
      return -1;
  if (r->verdict == CO_LIN_NONE && r->bad >= 0 &&
      co_trace_push(out, &fr->rec[r->bad].op) < 0)
    return -1;
  return 0;
}

static void fmt_out(const struct co_outcome *o, char *buf, size_t cap) {
  if (o->err == CO_OK)
    snprintf(buf, cap, "returned %" PRId64, o->ret);
  else
    snprintf(buf, cap, "failed %s", co_err_name(o->err));
}

/* No order explains the run: the closest one's first unexplained
 * operation, in words. */
static void say_unexplained(const struct free_run *fr,
                            const struct co_lin_result *r,
                            struct co_verdict *v) {
  const struct co_lin_op *x = &fr->rec[r->bad];
  char text[112], seen[64], said[64];
  size_t n;
  co_op_format_thr(&x->op, text, sizeof text);
  snprintf(v->what, sizeof v->what,
           "no order of the threads' operations explains the run: the "
           "closest explains %zu of %zu; then `%s` (step %zu) ",
           r->norder, fr->n, text, x->step);
  n = strlen(v->what);
  fmt_out(&x->out, seen, sizeof seen);
  fmt_out(&r->pred, said, sizeof said);
  if (r->why == CO_LIN_WHY_NUMBERS && co_op_nrefs(&x->op) < 2)
    snprintf(v->what + n, sizeof v->what - n,
             "passed %" PRId64 "; there the model resolves its reference to "
             "%" PRId64,
             x->a, r->pa);
  else if (r->why == CO_LIN_WHY_NUMBERS)
    snprintf(v->what + n, sizeof v->what - n,
             "passed %" PRId64 ", %" PRId64 "; there the model resolves "
             "its references to %" PRId64 ", %" PRId64,
             x->a, x->b, r->pa, r->pb);
  else if (r->why == CO_LIN_WHY_EBUSY)
    snprintf(v->what + n, sizeof v->what - n,
             "failed EBUSY, and no operation overlapping it that is not "
             "placed before it allocated descriptor %" PRId64
             " (docs/threads.md#dup2-ebusy)",
             x->b);
  else
    snprintf(v->what + n, sizeof v->what - n, "%s; the model says it %s", seen,
             said);
  v->kind = CO_V_DIVERGENCE;
  v->rule = r->why == CO_LIN_WHY_NUMBERS ? "numbers" : "not-linearizable";
  v->step = x->step;
  v->has_outcomes = 1;
  v->model = r->pred;
  v->real = x->out;
}

/* Step the executor's model along the order found; 1 if the model raised
 * an ownership event on the way. */
static int follow_order(struct free_run *fr, const struct co_lin_hist *h,
                        const struct co_lin_result *r) {
  int events = 0;
  if (co_lin_follow(co__exec_model_mut(fr->ex), h, r, &events) < 0)
    return 0;
  return events;
}

/* An explained run whose order raised an ownership event: the order as a
 * scheduled trace, run twice; its verdict if both runs give it. */
static int repro(struct free_run *fr, struct co_free_stats *st,
                 struct co_verdict *v) {
  struct co_verdict v1, v2;
  if (co_exec_run(fr->ex, &st->order, &v1) == CO_V_OK ||
      co_exec_run(fr->ex, &st->order, &v2) != v1.kind)
    return CO_V_OK;
  *v = v1;
  st->order_kind = CO_FREE_ORDER_REPRO;
  return v->kind;
}

/* The prefix's operations the model stepped (in contract mode a skipped
 * one did not change it), for the search to re-run. */
static struct co_op *prefix_ops(struct co_exec *ex, const struct co_trace *t,
                                size_t nprefix, size_t *n) {
  struct co_op *p = malloc((nprefix ? nprefix : 1) * sizeof *p);
  size_t i;
  *n = 0;
  for (i = 0; p && i < nprefix; i++)
    if (!co_exec_skipped(ex, i))
      p[(*n)++] = t->ops[i];
  return p;
}

/* After the check: the verdict of one run, the executor's trace ended. */
static int conclude(struct free_run *fr, const struct co_trace *t,
                    const struct co_lin_hist *h, const struct co_lin_result *r,
                    struct co_verdict *v, struct co_free_stats *st) {
  struct co_verdict end;
  int events;
  if (r->verdict != CO_LIN_OK) {
    /* teardown only: the end checks compare with the prefix's end */
    (void)co_exec_end(fr->ex, &end);
    if (r->verdict == CO_LIN_NONE) {
      say_unexplained(fr, r, v);
      st->order_kind = order_trace(fr, t, r, &st->order) == 0
                           ? CO_FREE_ORDER_CLOSEST
                           : CO_FREE_ORDER_NONE;
    } else if (r->verdict == CO_LIN_ERROR) {
      v->kind = CO_V_HARNESS;
      snprintf(v->what, sizeof v->what,
               "the free run's check ran out of memory");
    }
    return v->kind;
  }
  st->explained++;
  st->ebusy += r->ebusy != 0;
  events = follow_order(fr, h, r);
  if (co_exec_end(fr->ex, v) != CO_V_OK) {
    st->order_kind = order_trace(fr, t, r, &st->order) == 0
                         ? CO_FREE_ORDER_FOUND
                         : CO_FREE_ORDER_NONE;
    return v->kind;
  }
  /* an EBUSY, or a slot read before another thread's store, is the
   * race's: no scheduled trace shows it */
  if (events && !r->ebusy && !r->weak && order_trace(fr, t, r, &st->order) == 0)
    return repro(fr, st, v);
  return CO_V_OK;
}

/* Two operations of different threads ran at the same time. */
static int overlapped(const struct free_run *fr) {
  size_t i, j;
  for (i = 0; i < fr->n; i++)
    for (j = i + 1; j < fr->n; j++)
      if (fr->rec[i].op.thr != fr->rec[j].op.thr &&
          fr->rec[i].inv < fr->rec[j].resp && fr->rec[j].inv < fr->rec[i].resp)
        return 1;
  return 0;
}

/* The race and its check; the trace is begun, its prefix run. */
static int race_and_check(struct free_run *fr, const struct co_trace *t,
                          struct co_verdict *v, struct co_free_stats *st,
                          struct co_lin_result *r) {
  struct co_model_config cfg;
  struct co_lin_hist h;
  struct co_op *prefix = NULL;
  size_t i, np = 0;
  int64_t high = -1;
  double t1;
  char err[160];
  co__exec_model_config(fr->ex, &cfg);
  fr->limit = cfg.limit;
  if (race_setup(fr, t) < 0 ||
      !(prefix = prefix_ops(fr->ex, t, fr->nprefix, &np)) ||
      race(fr, t, err, sizeof err) < 0) {
    struct co_verdict end;
    (void)co_exec_end(fr->ex, &end);
    free(prefix);
    v->kind = CO_V_HARNESS;
    snprintf(v->what, sizeof v->what, "free run: %s",
             prefix ? err : "out of memory");
    return v->kind;
  }
  for (i = 0; i < fr->n; i++)
    if (co_opdesc[fr->rec[i].op.kind].binds && fr->rec[i].out.err == CO_OK &&
        fr->rec[i].out.ret > high)
      high = fr->rec[i].out.ret;
  st->overlapped += overlapped(fr);
  co__exec_ran(fr->ex, t->len, high);
  h = (struct co_lin_hist){&cfg, prefix, np, fr->rec, fr->n};
  t1 = co__seconds();
  co_lin_check(&h, st->budget ? st->budget : CO_FREE_BUDGET, r);
  st->check_seconds += co__seconds() - t1;
  st->nodes += r->nodes;
  if (r->nodes > st->nodes_max)
    st->nodes_max = r->nodes;
  st->unchecked += r->verdict == CO_LIN_UNCHECKED;
  i = (size_t)conclude(fr, t, &h, r, v, st);
  free(prefix);
  return (int)i;
}

/* One free run of t. */
static int free_once(struct co_exec *ex, const struct co_trace *t,
                     struct co_verdict *v, struct co_free_stats *st) {
  struct free_run fr;
  struct co_lin_result *r = malloc(sizeof *r);
  struct co_limit_need need;
  int kind;
  memset(&fr, 0, sizeof fr);
  if (!r) {
    memset(v, 0, sizeof *v);
    v->kind = CO_V_HARNESS;
    snprintf(v->what, sizeof v->what, "free run: out of memory");
    return v->kind;
  }
  (void)co_exec_fit_limit(ex, t, &need);
  if (co_exec_set_trace(ex, t, v->what, sizeof v->what) < 0) {
    free(r);
    v->kind = CO_V_HARNESS;
    return v->kind;
  }
  if (co_exec_begin(ex, v) != CO_V_OK) {
    free(r);
    return v->kind;
  }
  for (; fr.nprefix < t->len && !t->ops[fr.nprefix].thr; fr.nprefix++)
    if (co_exec_step(ex, &t->ops[fr.nprefix], v) != CO_V_OK) {
      free(r);
      return co_exec_end(ex, v);
    }
  fr.ex = ex;
  fr.be = co__exec_backend(ex);
  fr.self = co_exec_backend_self(ex);
  fr.m0 = co_exec_model(ex);
  fr.seed = st->runs;
  kind = race_and_check(&fr, t, v, st, r);
  free(fr.rec);
  free(fr.pre);
  free(r);
  return kind;
}

int co_exec_free_run(struct co_exec *ex, const struct co_trace *t,
                     unsigned repeats, struct co_verdict *v,
                     struct co_free_stats *st) {
  uint64_t unchecked0 = st->unchecked;
  unsigned i;
  memset(v, 0, sizeof *v);
  st->order_kind = CO_FREE_ORDER_NONE;
  if (co_exec_free_refuses(ex, t, v->what, sizeof v->what) >= 0) {
    v->kind = CO_V_HARNESS;
    v->rule = "free-refused";
    return CO_FREE_REFUSED;
  }
  for (i = 0; i < repeats; i++) {
    double t0 = co__seconds();
    int kind;
    st->runs++;
    kind = free_once(ex, t, v, st);
    st->seconds += co__seconds() - t0;
    if (kind != CO_V_OK)
      return kind;
  }
  if (st->unchecked == unchecked0)
    return CO_V_OK;
  snprintf(v->what, sizeof v->what,
           "%" PRIu64 " of %u runs not checked: the search's node budget "
           "(%" PRIu64 " nodes) ran out before an order was found or ruled "
           "out",
           st->unchecked - unchecked0, repeats,
           st->budget ? st->budget : (uint64_t)CO_FREE_BUDGET);
  return CO_FREE_UNCHECKED;
}
