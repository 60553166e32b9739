/*
 * The executor: model and backend in lockstep, observation, comparison,
 * teardown, and the harness's own safety.
 *
 * Safety argument. A trace names numbers only through references: a slot
 * (which holds a number some call of this trace returned, or -1), a number
 * free when the trace started, -1 or the limit. None of them is a number
 * that was open at the start (the foreign set), as long as the foreign set
 * is current; begin() re-checks that with one poll() and takes the set again
 * if the environment opened something in between. The model refuses any call
 * that would still act on a foreign number, close_range is split around
 * foreign numbers, and teardown closes only non-foreign numbers.
 */
#include "closeonce/exec.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"

#include "attrib.h"
#include "ipose.h"
#include "baton.h"
#include "exec_internal.h"

struct co_exec {
  const struct co_backend *be;
  void *self;
  int platform;    /* enum co_platform */
  int64_t stride;  /* numbers are its multiples */
  unsigned quirks; /* the backend's documented deviations, CO_QUIRK_* */
  struct co_model *model;
  int64_t *foreign;
  size_t nforeign;
  /* The descriptor limit; during a trace that raised it (setlimit, or
   * co_exec_fit_limit), the highest it was: numbers below it are reached. */
  int64_t limit;
  int64_t hard;          /* the hard limit (0: the backend sets none) */
  struct co_files files; /* the trace's files (backend.h files) */
  int64_t limit0;        /* the soft limit before the trace moved it, */
  int limit_moved;       /* restored at co_exec_end */
  unsigned observe;

  /* per trace */
  int active;
  size_t step;
  int64_t real_high;
  struct co_verdict first;

  /* scratch: the non-foreign numbers 0..H and their validity */
  int64_t *nums;
  uint8_t *valid;
  size_t scratch_cap;

  uint8_t *seen;
  unsigned last_tid;
  unsigned full_every, since_full;
  void (*hook)(void *env, const struct co_step_info *s);
  void *hook_env;
  struct co_exec_stats stats;

  /* owner layers */
  int mode, skip;
  struct co_glue_env genv; /* what every layer's env shares */
  /* Each layer's env (genv plus its adapter's state, which this executor
   * made and frees): the adapters keep a run's state here, nowhere else. */
  struct co_glue_env lenv[CO_EXEC_LAYERS];
  const struct co_adapter *lad[CO_EXEC_LAYERS];
  unsigned nlayers;
  void *robj[CO_OBJS]; /* the real objects behind o0..o7 */
  const struct co_adapter *robj_ad[CO_OBJS];
  /* A numbered layer's object after its close: the number it was, which a
   * later call may pass stale (the model decides: events.c ev_dead). */
  void *rstale[CO_OBJS];
  const struct co_adapter *rstale_ad[CO_OBJS];
  /* steps refused in this trace, and the first one's words */
  size_t nrefused, refused_step;
  char refused_what[112];
  struct co_event_rec events[CO_EVENTS_KEPT];
  size_t nevents;
  struct co_verdict ev_verdict;   /* contract mode: the first event */
  const struct co_adapter *numad; /* the target's numbered layer, if any */
  unsigned window;                /* a paged layer's window, 0 if none */
  size_t *frunend; /* past foreign[i]'s run of consecutive numbers */
  int64_t objforeign[CO_OBJNUMS]; /* its numbers in use at the start */
  size_t nobjforeign;
  uint8_t skipped[CO_MAX_OPS];
  int actor;                    /* the party acting in the current step */
  const struct co_words *words; /* how the platform names handles */
  /* A layer call being observed: its step (NULL otherwise) and whether the
   * library reported failure. */
  const struct co_step *cur;
  int cur_failed;
  const struct co_entry_ref *blame; /* the next verdict's layer at fault */
  /* co_exec_set_free_std: on, and while a trace runs, where the process's
   * 0-2 are (parked: 1) */
  int free_std, parked;
  int64_t std_saved[3];
  int64_t *outside; /* the foreign set before parking: restored after */
  size_t noutside;
  /* issue 21: inside the library (harness/ipose.h): the calls of an
   * interposed layer's library during its step, the faults the trace
   * armed, and what the model said of the calls' numbers before the step */
  struct co_ipose ipose;
  struct co_attrib_snap snap;
  /* issue 22: the threads of scheduled runs (harness/baton.h), made at the
   * first parallel trace; the thread whose batch of steps runs now (0: the
   * caller's) */
  struct co_sched *sched;
  unsigned on_thread;
  int parallel; /* the trace is parallel (co_exec_set_trace) */
  /* a parallel trace's numbers: the last step (+1; 0: none) and thread
   * that closed each, and that opened it (numbers / stride below
   * CO_NUMHIST) */
  struct numhist {
    int32_t closed_at, opened_at;
    uint8_t closed_thr, opened_thr;
  } hist[256];
  uint8_t lrouted[CO_EXEC_LAYERS]; /* layer k's library objects are loaded
                                      and routed (co_ipose_install) */
};

/* A layer that names its library's objects (co_adapter.objects). */
static int names_objects(const struct co_adapter *ad) {
  return ad && ad->version >= 7 && ad->objects && ad->objects[0];
}

/* A layer whose library's own calls are seen: it names its objects and at
 * least one is loaded (a library linked in statically is not). */
static int interposed(const struct co_exec *ex, const struct co_adapter *ad) {
  unsigned k;
  if (!names_objects(ad))
    return 0;
  for (k = 0; k < ex->nlayers; k++)
    if (ex->lad[k] == ad)
      return ex->lrouted[k];
  return 0;
}

/* num as the platform names it: "descriptor 4", "HANDLE 0x1c". */
#define HNAME 40
static const char *hname(const struct co_exec *ex, int64_t num,
                         char buf[HNAME]) {
  return co_words_num(ex->words, num, buf, HNAME);
}

static const char *const vnames[CO_V_COUNT] = {
#define CO__V_NAME(id, name, expl) name,
    CO_VERDICT_LIST(CO__V_NAME)
#undef CO__V_NAME
};
static const char *const vexpl[CO_V_COUNT] = {
#define CO__V_EXPL(id, name, expl) expl,
    CO_VERDICT_LIST(CO__V_EXPL)
#undef CO__V_EXPL
};

const char *co_verdict_name(int kind) {
  return kind >= 0 && kind < CO_V_COUNT ? vnames[kind] : "?";
}

const char *co_verdict_explain(int kind) {
  return kind >= 0 && kind < CO_V_COUNT ? vexpl[kind] : "?";
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The backend's open set, ascending. */
static int open_set(struct co_exec *ex, int64_t **v, size_t *n) {
  if (ex->be->open_set(ex->self, v, n) < 0)
    return -1;
  qsort(*v, *n, sizeof **v, cmp_i64);
  return 0;
}

/* Make v (n numbers, ascending, malloc'd: the executor keeps it) the
 * foreign set. */
static int set_foreign(struct co_exec *ex, int64_t *v, size_t n) {
  free(ex->foreign);
  ex->foreign = v;
  ex->nforeign = n;
  ex->limit = ex->be->limit(ex->self);
  ex->hard = ex->be->version >= 4 && ex->be->hard_limit
                 ? ex->be->hard_limit(ex->self)
                 : 0;
  /* For each foreign number, the index just past its run of consecutive
   * ones: the sweeps skip a run at once. */
  {
    size_t *e = realloc(ex->frunend, (n + 1) * sizeof *e), i;
    if (!e)
      return -1;
    ex->frunend = e;
    for (i = n; i-- > 0;)
      e[i] = i + 1 < n && v[i + 1] == v[i] + ex->stride ? e[i + 1] : i + 1;
  }
  return 0;
}

static int take_foreign(struct co_exec *ex) {
  int64_t *v;
  size_t n;
  if (open_set(ex, &v, &n) < 0)
    return -1;
  return set_foreign(ex, v, n);
}

/* The env of adapter ad's glue: its layer's, made on first use (a layer
 * the target does not list) with its adapter state. NULL with a message if
 * the state cannot be made. */
static struct co_glue_env *layer_env(struct co_exec *ex,
                                     const struct co_adapter *ad, char *err,
                                     size_t cap) {
  unsigned i;
  struct co_glue_env *env;
  int routed = 0;
  for (i = 0; i < ex->nlayers; i++)
    if (ex->lad[i] == ad)
      return &ex->lenv[i];
  if (ex->nlayers == CO_EXEC_LAYERS) {
    snprintf(err, cap, "more than %d layers", CO_EXEC_LAYERS);
    return NULL;
  }
  env = &ex->lenv[ex->nlayers];
  *env = ex->genv;
  if (names_objects(ad) &&
      ((routed = co_ipose_install(ad->objects, ad->nofault, err, cap)) < 0 ||
       (routed && co_ipose_attach(&ex->ipose, ad->objects, err, cap) < 0)))
    return NULL;
  if (co_glue_start(env, ad, err, cap) < 0)
    return NULL;
  ex->lrouted[ex->nlayers] = routed > 0;
  ex->lad[ex->nlayers++] = ad;
  return env;
}

static int set_verdict(struct co_exec *ex, struct co_verdict *v, int kind,
                       const char *rule, const char *fmt, ...);
static void drop_pool(struct co_exec *ex);

/* The env for a call of ad's glue (step and teardown), or NULL: a layer
 * the target does not list (an executor made by co_exec_new) gets its
 * state at its first call, and when that state cannot be made the trace's
 * verdict says so (a harness error) and the glue is not called. */
static const struct co_glue_env *glue_env(struct co_exec *ex,
                                          const struct co_adapter *ad) {
  char err[160];
  const struct co_glue_env *env = layer_env(ex, ad, err, sizeof err);
  struct co_verdict v;
  if (!env)
    set_verdict(ex, &v, CO_V_HARNESS, "layer-state", "layer %s: %s",
                ad->contract->layer, err);
  return env;
}

/* A new trace's window and watermark, for every layer's env. */
static void sync_layer_envs(struct co_exec *ex) {
  unsigned i;
  for (i = 0; i < ex->nlayers; i++) {
    ex->lenv[i].window = ex->genv.window;
    ex->lenv[i].watermark = ex->genv.watermark;
  }
}

static void free_layer_states(struct co_exec *ex) {
  unsigned i;
  for (i = 0; i < ex->nlayers; i++)
    co_glue_stop(&ex->lenv[i], ex->lad[i]);
  ex->nlayers = 0;
}

int co_glue_start(struct co_glue_env *env, const struct co_adapter *a,
                  char *err, size_t cap) {
  env->state = NULL;
  if (!a || a->version < 4 || !a->state_new)
    return 0;
  if (a->state_new(env, &env->state, err, cap) < 0) {
    env->state = NULL;
    return -1;
  }
  return 0;
}

void co_glue_stop(struct co_glue_env *env, const struct co_adapter *a) {
  if (a && a->version >= 4 && a->state_free && env->state)
    a->state_free(env->state);
  env->state = NULL;
}

struct co_exec *co_exec_new(const struct co_backend *be, char *err,
                            size_t errcap) {
  struct co_exec *ex;
  /* From here on the adapter registry is read-only. */
  co_registry_freeze();
  if (be->version < 1 || be->version > CO_BACKEND_VERSION) {
    snprintf(err, errcap, "backend %s has table version %d, expected 1..%d",
             be->name, be->version, CO_BACKEND_VERSION);
    return NULL;
  }
  ex = calloc(1, sizeof *ex);
  if (!ex || !(ex->model = co_model_new()) ||
      !(ex->seen = calloc((co_model_transition_max + 7) / 8, 1))) {
    snprintf(err, errcap, "out of memory");
    goto fail;
  }
  ex->be = be;
  ex->platform = be->version >= 3 ? be->platform : CO_PLATFORM_POSIX;
  ex->words = co_words(ex->platform);
  ex->stride = co_platform_stride(ex->platform);
  ex->observe = CO_OBSERVE_DEFAULT;
  ex->full_every = CO_FULL_CHECK_EVERY;
  ex->self = be->create(err, errcap);
  if (!ex->self)
    goto fail;
  ex->genv.dirfd = -1;
  ex->genv.dir = "";
  if (be->version >= 2 && be->private_dir)
    ex->genv.dirfd = be->private_dir(ex->self, &ex->genv.dir);
  co_ipose_init(&ex->ipose, CO_CLOSE_FREES);
  ex->ipose.own_fd = ex->genv.dirfd;
  if (be->version >= 3 && be->quirks)
    ex->quirks = be->quirks(ex->self);
  ex->files.holes = -1;
  if (be->version >= 5 && be->files)
    be->files(ex->self, &ex->files);
  if (take_foreign(ex) < 0) {
    snprintf(err, errcap, "cannot list the open descriptors");
    goto fail;
  }
  return ex;
fail:
  co_exec_free(ex);
  return NULL;
}

struct co_exec *co_exec_new_target(const struct co_target *t, char *err,
                                   size_t errcap) {
  struct co_exec *ex = co_exec_new(t->backend, err, errcap);
  unsigned k, states = 0;
  if (!ex)
    return NULL;
  ex->genv.variant = t->variant;
  for (k = 0; k < sizeof t->layers / sizeof *t->layers && t->layers[k]; k++) {
    const struct co_adapter *a = co_adapter_find(t->layers[k]);
    char why[240];
    const struct co_glue_env *env = NULL;
    if (a && !(env = layer_env(ex, a, why, sizeof why))) {
      snprintf(err, errcap, "target %s cannot start: %s", t->name, why);
      co_exec_free(ex);
      return NULL;
    }
    states += a && env->state;
    if (a && a->contract->numbered && !ex->numad)
      ex->numad = a;
    if (co_adapter_paged(a) && a->number_open && !ex->numad)
      ex->numad = a; /* Win32: its window takes C-runtime numbers */
    if (co_adapter_paged(a))
      ex->window = CO_VARIANT_WINDOW_OF(t->variant)
                       ? CO_VARIANT_WINDOW_OF(t->variant)
                       : CO_WINDOW_DEFAULT;
  }
  /* The layers' own states (an event loop) may hold descriptors: they are
   * the process's, so stock is taken again. */
  if (states && take_foreign(ex) < 0) {
    snprintf(err, errcap, "cannot list the open descriptors");
    co_exec_free(ex);
    return NULL;
  }
  co_exec_set_mode(ex, t->mode, 1);
  return ex;
}

unsigned co_exec_window(const struct co_exec *ex) {
  return ex->window;
}

void co_exec_set_mode(struct co_exec *ex, int mode, int skip) {
  ex->mode = mode;
  ex->skip = skip;
}

int co_exec_mode(const struct co_exec *ex) {
  return ex->mode;
}

size_t co_exec_events(const struct co_exec *ex,
                      const struct co_event_rec **out) {
  *out = ex->events;
  return ex->nevents;
}

int co_exec_skipped(const struct co_exec *ex, size_t step) {
  return step < CO_MAX_OPS && ex->skipped[step];
}

/* The process's 0-2 back where they were; the foreign set describes the
 * process outside a trace again (co_exec_check_process): on POSIX the set
 * from before parking (the same numbers are back); on Windows a new scan
 * (_dup2 gives the standard handles new values). */
static void std_restore(struct co_exec *ex) {
  if (!ex->parked)
    return;
  ex->be->std_restore(ex->self, ex->std_saved);
  ex->parked = 0;
  if (ex->platform == CO_PLATFORM_WIN32 || !ex->outside) {
    free(ex->outside);
    if (take_foreign(ex) < 0)
      ex->nforeign = 0; /* (the next begin takes it again) */
  } else if (set_foreign(ex, ex->outside, ex->noutside) < 0) {
    ex->nforeign = 0; /* (set_foreign kept the array; no room for runs) */
  }
  ex->outside = NULL;
}

int co_exec_set_free_std(struct co_exec *ex, int on) {
  if (on && (ex->be->version < 4 || !ex->be->std_park))
    return -1;
  ex->free_std = on != 0;
  return 0;
}

int co_exec_free_std(const struct co_exec *ex) {
  return ex->free_std;
}

/* closeonce/exec.h's profiles are the interposer's (harness/ipose.h) */
_Static_assert(CO_CLOSE_LINUX == (int)CO_CLOSE_FREES &&
                   CO_CLOSE_KEEPS_OPEN == (int)CO_CLOSE_KEEPS,
               "enum co_close_sem is enum co_close_profile");

int co_exec_set_close_profile(struct co_exec *ex, int profile) {
  if (profile != CO_CLOSE_LINUX && profile != CO_CLOSE_KEEPS_OPEN)
    return -1;
  ex->ipose.profile = (enum co_close_profile)profile;
  return 0;
}

int co_exec_close_profile(const struct co_exec *ex) {
  return (int)ex->ipose.profile;
}

const char *co_close_profile_name(int profile) {
  return profile == CO_CLOSE_LINUX        ? "linux"
         : profile == CO_CLOSE_KEEPS_OPEN ? "keeps-open"
                                          : NULL;
}

int co_close_profile_parse(const char *s, int *profile) {
  int p;
  for (p = CO_CLOSE_LINUX; p <= CO_CLOSE_KEEPS_OPEN; p++)
    if (s && strcmp(s, co_close_profile_name(p)) == 0) {
      *profile = p;
      return 0;
    }
  return -1;
}

/* The backend can set the limit (version 4, hard_limit). */
static int can_set_limit(const struct co_exec *ex) {
  return ex->be->version >= 4 && ex->be->hard_limit;
}

/* Before the trace moves the soft limit: keep the one to restore. */
static void keep_limit(struct co_exec *ex) {
  if (!ex->limit_moved && can_set_limit(ex)) {
    ex->limit0 = ex->be->limit(ex->self);
    ex->limit_moved = 1;
  }
}

/* After a move: numbers below the highest limit of the trace are reached. */
static void moved_limit(struct co_exec *ex) {
  int64_t cur = ex->be->limit(ex->self);
  if (cur > ex->limit)
    ex->limit = cur;
}

/* The soft limit back to what it was before the trace, whatever the trace
 * did (docs/posix.md#setlimit). */
static void restore_limit(struct co_exec *ex) {
  struct co_call c = {CO_OP_SETLIMIT, 0, 0, 0, 0, -1, NULL, -1, 0};
  struct co_outcome r;
  if (!ex->limit_moved)
    return;
  c.a = ex->limit0;
  ex->be->call(ex->self, &c, &r);
  ex->limit = ex->be->limit(ex->self);
  ex->limit_moved = 0;
}

/* The highest number the f>=B references of t name, with the step that
 * names it first; -1 if none. */
static int64_t at_high(const struct co_exec *ex, const struct co_trace *t,
                       size_t *step) {
  int64_t high = -1;
  size_t i;
  for (i = 0; i < t->len; i++) {
    const struct co_op *op = &t->ops[i];
    int k, nr;
    if (op->a.type != CO_REF_AT && op->b.type != CO_REF_AT)
      continue; /* most operations: no resolving */
    nr = co_op_nrefs(op);
    for (k = 0; k < nr; k++) {
      struct co_ref r = k ? op->b : op->a;
      int64_t num;
      size_t f;
      if (r.type != CO_REF_AT)
        continue;
      num = (co_ref_at[r.idx % CO_AT_REFS] + ex->stride - 1) / ex->stride *
            ex->stride;
      for (f = 0; f < ex->nforeign && ex->foreign[f] <= num; f++)
        if (ex->foreign[f] == num)
          num += ex->stride;
      if (num > high) {
        high = num;
        *step = i;
      }
    }
  }
  return high;
}

int co_exec_fit_limit(struct co_exec *ex, const struct co_trace *t,
                      struct co_limit_need *need) {
  struct co_call c = {CO_OP_SETLIMIT, 0, 0, 0, 0, -1, NULL, -1, 0};
  struct co_outcome r;
  int64_t target;
  memset(need, 0, sizeof *need);
  need->num = at_high(ex, t, &need->step);
  /* --free-std parks 0-2 above them before the trace: up to 3 numbers
   * more below the trace's (the f>=B numbers are taken after it) */
  if (need->num >= 0 && ex->free_std && !ex->parked)
    need->num += 3;
  need->hard = can_set_limit(ex) ? ex->hard : -1;
  if (need->num < ex->limit)
    return 0;
  if (need->hard <= need->num)
    return -1;
  /* the next power of two above it, within the hard limit */
  for (target = 64; target <= need->num; target *= 2)
    ;
  if (target > need->hard)
    target = need->hard;
  keep_limit(ex);
  c.a = target;
  ex->be->call(ex->self, &c, &r);
  ex->limit = ex->be->limit(ex->self);
  return r.err == CO_OK ? 0 : -1;
}

void co_exec_free(struct co_exec *ex) {
  if (!ex)
    return;
  co_ipose_detach(&ex->ipose); /* no library thread reaches it any more */
  restore_limit(ex);           /* as co_exec_end: the limit, then 0-2 */
  std_restore(ex);
  drop_pool(ex);
  free_layer_states(ex);
  if (ex->self)
    ex->be->destroy(ex->self);
  co_model_free(ex->model);
  free(ex->foreign);
  free(ex->frunend);
  free(ex->nums);
  free(ex->valid);
  free(ex->seen);
  free(ex);
}

void co_exec_set_observe(struct co_exec *ex, unsigned observe) {
  ex->observe = observe | CO_OBSERVE_RESULT;
}

void co_exec_set_hook(struct co_exec *ex,
                      void (*fn)(void *env, const struct co_step_info *s),
                      void *env) {
  ex->hook = fn;
  ex->hook_env = env;
}

const struct co_words *co_exec_words(const struct co_exec *ex) {
  return ex->words;
}

const struct co_model *co_exec_model(const struct co_exec *ex) {
  return ex->model;
}

void *co_exec_backend_self(struct co_exec *ex) {
  return ex->self;
}

void co_exec_stats(const struct co_exec *ex, struct co_exec_stats *out) {
  *out = ex->stats;
}

int co_exec_seen(const struct co_exec *ex, unsigned id) {
  return id < co_model_transition_max && (ex->seen[id / 8] >> (id % 8)) & 1;
}

unsigned co_exec_last_transition(const struct co_exec *ex) {
  return ex->last_tid;
}

/* Every verdict the executor makes: its kind, its rule (a short stable
 * name of what was compared, for bug names: co_verdict.rule) and its
 * words. */
static int set_verdict(struct co_exec *ex, struct co_verdict *v, int kind,
                       const char *rule, const char *fmt, ...) {
  va_list ap;
  memset(v, 0, sizeof *v);
  v->kind = kind;
  v->rule = rule;
  v->step = ex->step;
  va_start(ap, fmt);
  vsnprintf(v->what, sizeof v->what, fmt, ap);
  va_end(ap);
  if (ex->blame) { /* the layer call at fault */
    v->layer = ex->blame->adapter->contract->layer;
    v->entry = ex->blame->e;
    ex->blame = NULL;
  }
  if (ex->first.kind == CO_V_OK)
    ex->first = *v;
  return kind;
}

/* Fill ex->nums with the non-foreign numbers 0..hi; returns the count or
 * (size_t)-1 on ENOMEM. */
static size_t reachable(struct co_exec *ex, int64_t hi) {
  size_t n = 0, f = 0, need;
  int64_t i;
  /* Nothing is open at or above the limit (and poll() refuses more
   * entries than the limit). */
  if (hi >= ex->limit)
    hi = ex->limit - 1;
  need = hi < 0 ? 0 : (size_t)hi + 1;
  if (need > ex->scratch_cap) {
    size_t cap = ex->scratch_cap ? ex->scratch_cap : 64;
    int64_t *nums;
    uint8_t *valid;
    while (cap < need)
      cap *= 2;
    nums = realloc(ex->nums, cap * sizeof *nums);
    if (!nums)
      return (size_t)-1;
    ex->nums = nums;
    valid = realloc(ex->valid, cap);
    if (!valid)
      return (size_t)-1;
    ex->valid = valid;
    ex->scratch_cap = cap;
  }
  for (i = ex->stride > 1 ? ex->stride : 0; i <= hi; i += ex->stride) {
    while (f < ex->nforeign && ex->foreign[f] < i)
      f++;
    if (f < ex->nforeign && ex->foreign[f] == i) {
      /* skip the whole run of foreign numbers */
      f = ex->frunend[f];
      i = ex->foreign[f - 1];
      continue;
    }
    ex->nums[n++] = i;
  }
  return n;
}

unsigned co_exec_quirks(const struct co_exec *ex) {
  return ex->quirks;
}

const struct co_files *co_exec_files(const struct co_exec *ex) {
  return &ex->files;
}

static int begin_model(struct co_exec *ex) {
  struct co_model_config cfg;
  size_t n = 0, nfree;
  int64_t k;
  memset(&cfg, 0, sizeof cfg);
  /* A trace holds at most CO_OBJS objects at once, so numbers past the
   * CO_OBJS-th free one are never given: probe up to there. */
  if (ex->numad)
    for (k = 0, nfree = 0; k < CO_OBJNUMS && nfree < CO_OBJS; k++) {
      if (ex->numad->number_open(k))
        ex->objforeign[n++] = k;
      else
        nfree++;
    }
  ex->nobjforeign = n;
  co__exec_model_config(ex, &cfg);
  if (co_model_begin(ex->model, &cfg) < 0)
    return -1;
  ex->genv.window = ex->window;
  ex->genv.watermark = co_model_watermark(ex->model);
  sync_layer_envs(ex);
  return 0;
}

void co__exec_model_config(const struct co_exec *ex,
                           struct co_model_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->objforeign = ex->objforeign;
  cfg->nobjforeign = ex->nobjforeign;
  cfg->foreign = ex->foreign;
  cfg->nforeign = ex->nforeign;
  cfg->limit = ex->limit;
  cfg->hard_limit = ex->hard;
  cfg->platform = ex->platform;
  cfg->quirks = ex->quirks;
  cfg->window = ex->window;
  cfg->files = ex->files;
  cfg->own_std = ex->parked;
  cfg->threads_share = ex->parallel;
}

#define FOREIGN_CHECK 64

static int begin_trace(struct co_exec *ex, struct co_verdict *v);

/* Whatever the trace started beyond its calls ends (backend.h
 * trace_end: the second party's thread). */
static void trace_end(struct co_exec *ex) {
  if (ex->be->version >= 5 && ex->be->trace_end)
    ex->be->trace_end(ex->self);
}

int co_exec_begin(struct co_exec *ex, struct co_verdict *v) {
  int kind = begin_trace(ex, v);
  if (kind != CO_V_OK) {
    /* no trace runs: the limit (co_exec_fit_limit's raise) and the
     * process's 0-2 back at once */
    trace_end(ex);
    restore_limit(ex);
    std_restore(ex);
  }
  return kind;
}

static int begin_trace(struct co_exec *ex, struct co_verdict *v) {
  int64_t nums[CO_FREE_REFS + FOREIGN_CHECK];
  uint8_t ok[CO_FREE_REFS + FOREIGN_CHECK];
  size_t k, n = 0, nfree;
  int tries;
  memset(&ex->first, 0, sizeof ex->first);
  memset(&ex->ev_verdict, 0, sizeof ex->ev_verdict);
  ex->nevents = 0;
  if (ex->parallel)
    memset(ex->hist, 0, sizeof ex->hist);
  ex->nrefused = 0;
  co_ipose_disarm(&ex->ipose);    /* a trace arms its own faults */
  co_ipose_drop_late(&ex->ipose); /* (the last teardown's library threads) */
  memset(ex->rstale_ad, 0, sizeof ex->rstale_ad);
  ex->step = 0;
  ex->real_high = -1;
  ex->active = 1;
  for (k = 0; k < ex->nlayers; k++) /* the adapters' per-trace reset */
    if (ex->lad[k]->version >= 5 && ex->lad[k]->reset)
      ex->lad[k]->reset(&ex->lenv[k]);
  if (ex->free_std && !ex->parked) {
    /* 0-2 free for the trace: the process's own, parked above them, are
     * foreign numbers like any other it holds */
    size_t sz = ex->nforeign * sizeof *ex->foreign;
    if (!(ex->outside = malloc(sz ? sz : 1)))
      return set_verdict(ex, v, CO_V_HARNESS, "oom", "out of memory");
    memcpy(ex->outside, ex->foreign, sz);
    ex->noutside = ex->nforeign;
    if (ex->be->std_park(ex->self, ex->std_saved) < 0) {
      free(ex->outside);
      ex->outside = NULL;
      return set_verdict(ex, v, CO_V_HARNESS, "std",
                         "cannot move the standard descriptors out of the "
                         "way (out of descriptors?)");
    }
    ex->parked = 1;
    if (take_foreign(ex) < 0)
      return set_verdict(ex, v, CO_V_HARNESS, "list",
                         "cannot list the open descriptors");
  }
  for (tries = 0; tries < 2; tries++) {
    if (begin_model(ex) < 0)
      return set_verdict(ex, v, CO_V_HARNESS, "oom", "out of memory");
    /* Are the numbers the trace may name still free, and are the lowest
     * foreign ones still open (lowest-free numbering depends on both)? */
    for (k = 0, n = 0; k < CO_FREE_REFS; k++) {
      int64_t num = co_model_free_number(ex->model, (unsigned)k);
      if (num >= 0)
        nums[n++] = num;
    }
    nfree = n;
    /* (poll() takes at most RLIMIT_NOFILE entries; nothing is open at or
     * above the limit anyway, for the trace's purposes.) */
    for (k = 0; k < ex->nforeign && k < FOREIGN_CHECK &&
                (int64_t)n < ex->limit && ex->foreign[k] < ex->limit;
         k++)
      nums[n++] = ex->foreign[k];
    if (ex->be->valid_many(ex->self, nums, n, ok) < 0)
      return set_verdict(ex, v, CO_V_HARNESS, "poll", "poll() failed");
    for (k = 0; k < n && ok[k] == (k >= nfree); k++)
      ;
    if (k == n)
      break;
    /* Something outside the trace opened or closed a descriptor since:
     * take the set again. */
    ex->stats.env_rescans++;
    if (take_foreign(ex) < 0)
      return set_verdict(ex, v, CO_V_HARNESS, "list",
                         "cannot list the open descriptors");
  }
  if (tries == 2) {
    char h[HNAME];
    return set_verdict(ex, v, CO_V_HARNESS, "unsettled",
                       "%s keeps changing outside the trace",
                       hname(ex, nums[k], h));
  }
  memset(v, 0, sizeof *v);
  ex->stats.traces++;
  return CO_V_OK;
}

static int is_foreign(const struct co_exec *ex, int64_t num) {
  return co_model_is_foreign(ex->model, num);
}

/* close_range split around foreign numbers: every sub-range is issued, the
 * first failure is the result. */
static void split_close_range(struct co_exec *ex, const struct co_call *c,
                              struct co_outcome *real) {
  uint64_t lo = (uint32_t)c->a, hi = (uint32_t)c->b, cur = lo;
  struct co_call sub = *c;
  struct co_outcome r;
  size_t f;
  real->ret = 0;
  real->err = CO_OK;
  real->raw = 0;
  if (lo > hi || (c->flags & CO_F_BIT2)) {
    /* EINVAL before the table is looked at (fs/file.c close_range: the
     * flags, then the range): closes nothing, one call */
    ex->be->call(ex->self, c, real);
    return;
  }
  for (f = 0; f <= ex->nforeign; f++) {
    uint64_t end;
    if (f < ex->nforeign) {
      if ((uint64_t)ex->foreign[f] < cur)
        continue;
      if ((uint64_t)ex->foreign[f] > hi)
        end = hi + 1;
      else
        end = (uint64_t)ex->foreign[f];
    } else {
      end = hi + 1;
    }
    if (cur < end) {
      sub.a = (int64_t)cur;
      sub.b = (int64_t)(end - 1);
      ex->be->call(ex->self, &sub, &r);
      if (r.err != CO_OK && real->err == CO_OK)
        *real = r;
    }
    if (end > hi)
      break;
    /* past the whole run of foreign numbers that starts at end */
    cur = (uint64_t)ex->foreign[ex->frunend[f] - 1] + 1;
    f = ex->frunend[f] - 1;
  }
}

/* An outcome: a returned handle in the platform's words (hw, NULL: a
 * count), an error in the words of the call that gave it (w: a Win32
 * error by its GetLastError name); real: with the raw code. */
static void fmt_outcome(const struct co_outcome *o, char *buf, size_t cap,
                        int real, const struct co_words *w,
                        const struct co_words *hw) {
  const char *raw = real ? co_words_raw(w, o->raw) : NULL;
  char v[24];
  if (o->ret == CO_RET_ANY)
    snprintf(buf, cap, "an offset it cannot know");
  else if (o->err == CO_OK)
    snprintf(buf, cap, "%s",
             co_words_value(hw ? hw : co_words(CO_PLATFORM_POSIX), o->ret, v,
                            sizeof v));
  else if (raw)
    snprintf(buf, cap, "%" PRId64 " %s (%s %d)", o->ret, raw, w->code, o->raw);
  else if (real)
    snprintf(buf, cap, "%" PRId64 " %s (raw %d)", o->ret, co_err_name(o->err),
             o->raw);
  else
    snprintf(buf, cap, "%" PRId64 " %s", o->ret, co_words_err(w, o->err));
}

/* Why the contract keeps a number open through a layer call (borrowed:
 * the object acted through only borrowed it). */
static const char *kept_open_because(const struct co_entry *e, int owner,
                                     int actor, int failed, int borrowed) {
  if (owner >= 0 && owner != actor)
    return "another object owns it and will close it";
  if (borrowed && e->effect == CO_EFF_CLOSE)
    return "the object only borrowed it: its close must leave it open";
  if (failed && (e->effect == CO_EFF_ADOPT_ON_SUCCESS ||
                 e->effect == CO_EFF_BORROW || e->effect == CO_EFF_ADOPT_DUP ||
                 e->effect == CO_EFF_OPEN || e->effect == CO_EFF_WRAP))
    return "its failure path must leave it with the caller";
  if (e->effect == CO_EFF_BORROW)
    return "a borrowing entry leaves it with the caller";
  if (e->effect == CO_EFF_ADOPT_DUP)
    return "the entry takes a duplicate: the caller keeps its own";
  if (e->effect == CO_EFF_DETACH)
    return "a detach hands the descriptor to the caller, open";
  if (owner >= 0)
    return "its object still owns it: the contract's step leaves it open";
  return "the contract's step leaves it open";
}

/* The library of the layer call being observed closed num, which the
 * model (the contract) keeps open: that layer broke its contract at its
 * own step. An ownership violation by it, not a disagreement with the
 * platform. */
/* A party as reports name it: "o2", or "the client" (any party that is
 * not an object). */
static const char *party_name(int w, char buf[24]) {
  if (w >= 0)
    snprintf(buf, 24, "o%d", w);
  else
    snprintf(buf, 24, "the client");
  return buf;
}

static int closed_by_layer(struct co_exec *ex, struct co_verdict *v,
                           int64_t num) {
  const struct co_entry_ref *r = ex->cur->call;
  int w = co_model_owner(ex->model, num), borrowed = 0;
  char owner[24];
  if (ex->actor >= 0) {
    struct co_objstate os;
    co_model_obj(ex->model, (unsigned)ex->actor, &os);
    borrowed = !os.owns && os.num == num;
  }
  char h[HNAME];
  ex->blame = r;
  set_verdict(ex, v, CO_V_OWNERSHIP, "closed",
              "%s (layer %s) closed %s, which %s owns (%s)", r->e->name,
              r->adapter->contract->layer, hname(ex, num, h),
              party_name(w, owner),
              kept_open_because(r->e, w, ex->actor, ex->cur_failed, borrowed));
  return v->kind;
}

/* The library of the layer call being observed left num open, which
 * nothing owns now: a leak by that layer at its own step. */
static int leaked_by_layer(struct co_exec *ex, struct co_verdict *v,
                           int64_t num) {
  const struct co_entry_ref *r = ex->cur->call;
  char h[HNAME];
  ex->blame = r;
  set_verdict(ex, v, CO_V_LEAK, "left-open",
              "%s (layer %s) left %s open, which nothing owns now (the "
              "contract's step leaves it closed)",
              r->e->name, r->adapter->contract->layer, hname(ex, num, h));
  return v->kind;
}

/* Compare one number's validity and cloexec with the model. */
static int check_number(struct co_exec *ex, struct co_verdict *v, int64_t num,
                        int want_offset) {
  struct co_fdstate ms;
  struct co_obs ro = {0, 0, 0};
  char h[HNAME];
  if (num < 0 || num >= ex->limit || is_foreign(ex, num))
    return CO_V_OK;
  co_model_fd(ex->model, num, &ms);
  ex->be->query(ex->self, num, &ro);
  if (ms.live != ro.valid && ex->cur)
    return ms.live ? closed_by_layer(ex, v, num) : leaked_by_layer(ex, v, num);
  if (ms.live && !ro.valid) {
    int w = co_model_owner(ex->model, num);
    if (w >= 0 && w != ex->actor) {
      char who[24];
      return set_verdict(ex, v, CO_V_OWNERSHIP, "closed-owned",
                         "%s, owned by o%d, was closed by %s",
                         hname(ex, num, h), w, party_name(ex->actor, who));
    }
  }
  if (ms.live != ro.valid)
    return set_verdict(ex, v, ms.live ? CO_V_DIVERGENCE : CO_V_LEAK,
                       ms.live ? "closed-early" : "left-open",
                       "%s is %s but the model has it %s", hname(ex, num, h),
                       ro.valid ? "open" : "closed",
                       ms.live ? "open" : "closed");
  if (!ms.live)
    return CO_V_OK;
  if (ms.cloexec != ro.cloexec && ex->words->win32)
    return set_verdict(ex, v, CO_V_DIVERGENCE, "cloexec",
                       "%s: HANDLE_FLAG_INHERIT is %d, the model says %d",
                       hname(ex, num, h), !ro.cloexec, !ms.cloexec);
  if (ms.cloexec != ro.cloexec)
    return set_verdict(ex, v, CO_V_DIVERGENCE, "cloexec",
                       "%s: cloexec is %d, the model says %d",
                       hname(ex, num, h), ro.cloexec, ms.cloexec);
  if (ms.protect != ro.protect)
    return set_verdict(ex, v, CO_V_DIVERGENCE, "protect",
                       "%s: HANDLE_FLAG_PROTECT_FROM_CLOSE is %d, the model "
                       "says %d",
                       hname(ex, num, h), ro.protect, ms.protect);
  if (want_offset && ms.offset >= 0) {
    int64_t off = ex->be->offset(ex->self, num);
    if (off != ms.offset)
      return set_verdict(ex, v, CO_V_DIVERGENCE, "offset",
                         "%s: offset is %" PRId64 ", the model says %" PRId64,
                         hname(ex, num, h), off, ms.offset);
  }
  return CO_V_OK;
}

/* fstat: a and b name the same file (st_dev, st_ino). */
static int check_same_file(struct co_exec *ex, struct co_verdict *v, int64_t a,
                           int64_t b) {
  uint64_t ka, kb;
  char ha[24], hb[24];
  if (ex->be->object_key(ex->self, a, &ka) == 0 &&
      ex->be->object_key(ex->self, b, &kb) == 0 && ka != kb)
    return set_verdict(ex, v, CO_V_DIVERGENCE, "same-file",
                       "%s %s and %s should be on one file (st_dev, st_ino) "
                       "but are not",
                       ex->words->handles,
                       co_words_value(ex->words, a, ha, sizeof ha),
                       co_words_value(ex->words, b, hb, sizeof hb));
  return CO_V_OK;
}

static int check_same(struct co_exec *ex, struct co_verdict *v, int64_t a,
                      int64_t b) {
  int r = ex->be->same(ex->self, a, b);
  char ha[24], hb[24];
  if (r == 1)
    return set_verdict(ex, v, CO_V_DIVERGENCE, "description",
                       "%s %s and %s should share one open file %s but do not",
                       ex->words->handles,
                       co_words_value(ex->words, a, ha, sizeof ha),
                       co_words_value(ex->words, b, hb, sizeof hb),
                       ex->words->win32 ? "object" : "description");
  return CO_V_OK;
}

/* Validity of every reachable number up to hi against the model. */
static int sweep(struct co_exec *ex, struct co_verdict *v, int64_t hi,
                 int with_flags) {
  size_t n = reachable(ex, hi), i;
  if (n == (size_t)-1)
    return set_verdict(ex, v, CO_V_HARNESS, "oom", "out of memory");
  if (ex->be->valid_many(ex->self, ex->nums, n, ex->valid) < 0)
    return set_verdict(ex, v, CO_V_HARNESS, "poll", "poll() failed");
  for (i = 0; i < n; i++) {
    struct co_fdstate ms;
    char h[HNAME];
    co_model_fd(ex->model, ex->nums[i], &ms);
    if (ms.live != ex->valid[i] && ex->cur)
      return ms.live ? closed_by_layer(ex, v, ex->nums[i])
                     : leaked_by_layer(ex, v, ex->nums[i]);
    if (ms.live != ex->valid[i]) {
      int r = set_verdict(
          ex, v, ms.live ? CO_V_DIVERGENCE : CO_V_LEAK,
          ms.live ? "closed-early" : "left-open",
          "%s is %s but the model has it %s%s", hname(ex, ex->nums[i], h),
          ex->valid[i] ? "open" : "closed", ms.live ? "open" : "closed",
          ms.live ? "" : " (no slot or description owns it)");
      /* A number no slot owns may be an earlier trace's stray, which the
       * periodic whole-process check has not looked for yet (a trace that
       * reaches f>=1024 sweeps far above its own): the campaign runs the
       * traces since that check again to find the one that made it. */
      if (!ms.live && ex->first.kind == CO_V_LEAK &&
          ex->first.step == v->step && ex->first.rule == v->rule)
        ex->first.periodic = v->periodic = ex->full_every > 1;
      return r;
    }
    if (with_flags && ms.live && check_number(ex, v, ex->nums[i], 0))
      return ex->first.kind;
  }
  return CO_V_OK;
}

/* Before object k of adapter ad is closed: a numbered layer's object is a
 * number, kept for a later call with it stale. */
static void keep_stale(struct co_exec *ex, unsigned k,
                       const struct co_adapter *ad) {
  ex->rstale_ad[k] = NULL;
  if (ad && ad->contract->numbered && ex->robj[k]) {
    ex->rstale[k] = ex->robj[k];
    ex->rstale_ad[k] = ad;
  }
}

/* A stale number that is open for real (the model has it free): never
 * passed; the outcome shows the divergence. */
static int stale_open(const struct co_adapter *ad, void *obj) {
  return !ad->number_of || !ad->number_open ||
         ad->number_open(ad->number_of(obj));
}

/* Object slot k holds the number of a closed descriptor of layer ad
 * that is free for real too (the model decides whether the call runs:
 * events.c ev_dead); a number open for real is never passed. */
static int is_stale(const struct co_exec *ex, unsigned k,
                    const struct co_adapter *ad) {
  return ad && ex->rstale_ad[k] == ad && !stale_open(ad, ex->rstale[k]);
}

/* The slot of the live real object of layer ad that has the number the
 * closed object in slot k had (given out again), or -1: a call through
 * k's number then acts on it, a number the trace owns. */
static int reused_by(const struct co_exec *ex, unsigned k,
                     const struct co_adapter *ad) {
  unsigned j;
  if (!ad || ex->rstale_ad[k] != ad || !ad->number_of)
    return -1;
  for (j = 0; j < CO_OBJS; j++)
    if (j != k && ex->robj[j] && ex->robj_ad[j] == ad &&
        ad->number_of(ex->robj[j]) == ad->number_of(ex->rstale[k]))
      return (int)j;
  return -1;
}

/* Call a layer's entry point on the real library. */
static void call_layer(struct co_exec *ex, const struct co_step *st,
                       const struct co_call *c, struct co_outcome *real) {
  const struct co_op *op = st->op;
  const struct co_entry_ref *r = st->call;
  const struct co_entry *e = r ? r->e : NULL;
  const struct co_adapter *ad = r ? r->adapter : NULL;
  unsigned idx = r ? r->index : 0;
  int binds = r ? r->binds : 0, target = r && r->target;
  const struct co_glue_env *env;
  int two = r && r->two;
  unsigned obj = op->obj % CO_OBJS, dst = op->dst % CO_OBJS; /* the model
                                                  refuses others: a guard */
  unsigned k = binds == 1 ? dst : obj;
  void **objp = &ex->robj[k], *stale = NULL, *src, *tgt = NULL;
  void **dstp = &ex->robj[dst];
  int holder = -1;
  struct co_objstate os;
  *real = (struct co_outcome){-1, CO_REFUSED, 0, 0, 0};
  if (!e)
    return;
  src = ex->robj[obj];
  if ((binds != 1 || two) && !src && !e->inner &&
      (holder = reused_by(ex, obj, ad)) >= 0) {
    /* its number given out again, to the trace's object holder */
    src = stale = ex->rstale[obj];
    if (!two)
      objp = &stale;
  } else if ((binds != 1 || two) && !src &&
             is_stale(ex, obj, e->inner ? co_adapter_find(e->inner) : ad)) {
    /* a closed descriptor's number, which the model runs */
    src = stale = ex->rstale[obj];
    if (!two)
      objp = &stale;
  } else if (((binds != 1 || two) && !src) ||
             (binds != 1 && ex->robj_ad[obj] != ad))
    return; /* no real object, or another layer's object: never passed to
               the library; shows as a divergence */
  if (target && !ex->robj[dst] && is_stale(ex, dst, ad)) {
    tgt = ex->rstale[dst]; /* _dup2 onto a closed descriptor's number */
    dstp = &tgt;
  } else if (target && (!ex->robj[dst] || ex->robj_ad[dst] != ad))
    return;
  if (!(env = glue_env(ex, ad)))
    return; /* its state could not be made: the trace's verdict says so */
  co_model_obj(ex->model, obj, &os); /* before the step */
  if (e->effect == CO_EFF_CLOSE && !stale)
    keep_stale(ex, k, ad);
  if (binds == 1)
    ex->rstale_ad[dst] = NULL; /* a new object there */
  if (interposed(ex, ad))      /* its own calls, logged for the step */
    co_ipose_enter(&ex->ipose);
  if (two)
    ad->call2(env, idx, op->flags, src, dstp, real);
  else
    ad->call(env, idx, op->flags, objp, c->a, op->n, real);
  if (interposed(ex, ad))
    co_ipose_leave(&ex->ipose);
  if (holder >= 0 && e->effect == CO_EFF_CLOSE) {
    /* the holder's descriptor is the one that closed */
    keep_stale(ex, (unsigned)holder, ad);
    ex->robj[holder] = NULL;
    ex->robj_ad[holder] = NULL;
  }
  if (tgt && real->err == CO_OK) { /* the number is open again */
    ex->robj[dst] = tgt;
    ex->robj_ad[dst] = ad;
    ex->rstale_ad[dst] = NULL;
  }
  if (two && binds == 1)
    k = dst;
  if (binds == 1) {
    ex->robj_ad[k] = *objp ? ad : NULL;
    if (*objp && ad->handle_of) {
      int64_t h = ad->handle_of(*objp);
      if (h > ex->real_high)
        ex->real_high = h;
    }
  }
  if (e->effect == CO_EFF_CLOSE || e->effect == CO_EFF_DETACH) {
    *objp = NULL; /* freed whatever the result */
    ex->robj_ad[k] = NULL;
    if (e->effect == CO_EFF_CLOSE && os.inner >= 0 && !os.lost) {
      /* a stream's close closed its descriptor too */
      keep_stale(ex, (unsigned)os.inner, ex->robj_ad[os.inner]);
      ex->robj[os.inner] = NULL;
      ex->robj_ad[os.inner] = NULL;
    }
  }
}

/* fail CALL ERR N: armed for the library's calls to come (harness/ipose.h);
 * a fifth fault armed at once replaces the oldest. */
static void arm_fault(struct co_exec *ex, const struct co_op *op,
                      struct co_outcome *real) {
  unsigned fam, count;
  int err;
  co_fault_of(op, &fam, &err, &count);
  *real = (struct co_outcome){0, CO_OK, 0, 0, 0};
  if (co_ipose_arm(&ex->ipose, fam, err, count) < 0)
    *real = (struct co_outcome){-1, CO_OTHER, 0, 0, 0};
}

/* Issue one operation to the platform. */
static void issue(struct co_exec *ex, const struct co_step *st,
                  const struct co_call *c, struct co_outcome *real) {
  if (c->kind == CO_OP_CLOSE_RANGE)
    split_close_range(ex, c, real);
  else if (c->kind == CO_OP_CALL)
    call_layer(ex, st, c, real);
  else if (c->kind == CO_OP_FAIL)
    arm_fault(ex, st->op, real);
  else
    ex->be->call(ex->self, c, real);
}

int co__outcome_match(const struct co_outcome *pred,
                      const struct co_outcome *real) {
  /* An offset the model cannot know (after opaque layer I/O): any offset,
   * or EINVAL when the seek went below 0, or ENXIO when SEEK_DATA or
   * SEEK_HOLE was at or past an end it does not know. */
  if (pred->ret == CO_RET_ANY)
    return (real->err == CO_OK && real->ret >= 0) || real->err == CO_EINVAL ||
           real->err == CO_ENXIO;
  /* read's bytes, fstat's fields: the bits the model knows */
  return pred->ret == real->ret && pred->err == real->err &&
         ((pred->data ^ real->data) & pred->dmask) == 0;
}

/* What a read's bytes or fstat's fields that differ from the model's
 * are, in words; 0 if ret and err differ instead. */
static int data_differs(const struct co_outcome *pred,
                        const struct co_outcome *real, const char *text,
                        int kind, char *what, size_t cap) {
  uint64_t m = pred->data, r = real->data;
  if (pred->ret != real->ret || pred->err != real->err)
    return 0;
  if (kind < CO_OP_COUNT && co_opdesc[kind].binds == 2) { /* pipe */
    snprintf(what, cap,
             "`%s` returned descriptors %" PRId64 " and %" PRIu64
             "; the model says %" PRId64 " and %" PRIu64,
             text, real->ret, r, pred->ret, m);
    return 1;
  }
  if (kind == CO_OP_GETFL) {
    snprintf(what, cap,
             "`%s` returned %" PRId64 " with O_NONBLOCK %s; the "
             "model says O_NONBLOCK is %s",
             text, real->ret, r & CO_GETFL_NONBLOCK ? "set" : "clear",
             m & CO_GETFL_NONBLOCK ? "set" : "clear");
    return 1;
  }
  if ((kind == CO_OP_READ || kind == CO_OP_WRITE) && real->err != CO_OK) {
    snprintf(what, cap,
             "`%s` failed, leaving its byte count at %" PRIu64
             "; the model says %" PRIu64 " (docs/win32.md#access)",
             text, r, m);
    return 1;
  }
  if (kind == CO_OP_CALL && real->err != CO_OK) { /* C runtime: _doserrno */
    snprintf(what, cap,
             "`%s` failed with _doserrno %" PRIu64 "; the model says %" PRIu64,
             text, r, m);
    return 1;
  }
  if (kind == CO_OP_READ || kind == CO_OP_CALL) { /* a C-runtime read too */
    snprintf(what, cap,
             "`%s` returned %" PRId64 " bytes, but not the bytes the model "
             "says the writes put there (digest %016" PRIx64
             ", the model's %016" PRIx64 ")",
             text, real->ret, r, m);
    return 1;
  }
  snprintf(what, cap,
           "`%s`: st_mode %06" PRIo64 " st_nlink %" PRIu64 " st_size %" PRIu64
           "; the model says st_mode %06" PRIo64 " st_nlink %" PRIu64
           " st_size %" PRIu64 "%s",
           text, (r & 07777) | ((r >> CO_STAT_TYPE_SHIFT) & 0xf) << 12,
           (r >> CO_STAT_NLINK_SHIFT) & 0xff, r >> CO_STAT_SIZE_SHIFT,
           (m & 07777) | ((m >> CO_STAT_TYPE_SHIFT) & 0xf) << 12,
           (m >> CO_STAT_NLINK_SHIFT) & 0xff, m >> CO_STAT_SIZE_SHIFT,
           pred->dmask >> CO_STAT_SIZE_SHIFT ? "" : " (size unknown)");
  return 1;
}

/* What kind of disagreement a wrong result is. */
static int classify(struct co_exec *ex, const struct co_step *st,
                    const struct co_outcome *pred,
                    const struct co_outcome *real, char *what, size_t cap,
                    const char **rule) {
  /* a layer call's result is its library's (errno words); a built-in
   * operation's is the platform's own call's */
  const struct co_words *w = st->call ? co_words(CO_PLATFORM_POSIX) : ex->words;
  const char *raw = co_words_raw(w, real->raw);
  char m[64], r[64], text[128];
  const struct co_words *hw = st->binds == 2 ? ex->words : NULL;
  /* what the outcome's data holds: a layer's _fstat has fstat's fields */
  int dk = st->call && st->call->e->effect == CO_EFF_STAT ? CO_OP_FSTAT
                                                          : st->op->kind;
  fmt_outcome(pred, m, sizeof m, 0, w, hw);
  fmt_outcome(real, r, sizeof r, 1, w, hw);
  co_op_format_thr(st->op, text, sizeof text);
  if (data_differs(pred, real, text, dk, what, cap)) {
    *rule = st->binds2                               ? "value"
            : real->err != CO_OK && dk != CO_OP_CALL ? "byte-count"
            : dk == CO_OP_READ || dk == CO_OP_CALL   ? "content"
            : st->op->kind == CO_OP_GETFL            ? "nonblock"
                                                     : "stat";
    return CO_V_DIVERGENCE;
  }
  if (real->err == CO_IPH) {
    snprintf(what, cap,
             "`%s` fired the C runtime's invalid-parameter handler (errno "
             "%d); the model says it returns %s",
             text, real->raw, m);
    *rule = "invalid-parameter";
    return CO_V_INVALID_HANDLE;
  }
  if (pred->err == CO_OK && real->err == CO_EBADF) {
    snprintf(what, cap,
             "`%s` failed with %s (%s %d); the model says the call was "
             "legal and returns %s",
             text, raw ? raw : "EBADF", raw ? w->code : "raw", real->raw, m);
    *rule = "ebadf";
    return CO_V_INVALID_HANDLE;
  }
  if (real->err == CO_OK && st->binds == 2 && real->ret >= 0) {
    /* A descriptor handed to the client that an object still owns (a
     * lend is meant to be shared; anything else makes two owners), a
     * layer call's own doing. On Win32 the model then cannot bind the
     * value as a new handle, so its prediction is a failure. */
    int owner = co_model_owner(ex->model, real->ret);
    if (owner >= 0 && !(st->call && st->call->e->effect == CO_EFF_LEND)) {
      snprintf(what, cap,
               "`%s` returned %s %s, which o%d owns: the caller and "
               "o%d now both own it (%s%s)",
               text, ex->words->handle, r, owner, owner,
               pred->err == CO_OK ? "the model says " : "a new one was due",
               pred->err == CO_OK ? m : "");
      *rule = "two-owners";
      if (st->call)
        ex->blame = st->call;
      return CO_V_OWNERSHIP;
    }
  }
  snprintf(what, cap, "`%s` returned %s; the model says %s", text, r, m);
  /* how the result differs: fails, succeeds, value or errno */
  *rule = pred->err == CO_OK   ? (real->err == CO_OK ? "value" : "fails")
          : real->err == CO_OK ? "succeeds"
                               : "errno";
  return CO_V_DIVERGENCE;
}

/* Compare the descriptor an object really holds with the model's. */
static int check_obj(struct co_exec *ex, struct co_verdict *v, unsigned k) {
  struct co_objstate os;
  void *ro = ex->robj[k];
  int64_t h;
  int w;
  char hh[HNAME], hm[24], hv[24];
  co_model_obj(ex->model, k, &os);
  if (os.live != (ro != NULL))
    return set_verdict(
        ex, v, CO_V_DIVERGENCE, "object", "o%u %s, but the model says it %s", k,
        ro ? "exists" : "does not exist", os.live ? "does" : "does not");
  if (!ro)
    return CO_V_OK;
  if (os.number >= 0 && ex->robj_ad[k]->version >= 2 &&
      ex->robj_ad[k]->number_of) {
    int64_t num = ex->robj_ad[k]->number_of(ro);
    if (num != os.number)
      return set_verdict(ex, v, CO_V_DIVERGENCE, "number",
                         "o%u is C-runtime descriptor %" PRId64
                         "; the model says %" PRId64,
                         k, num, os.number);
  }
  if (os.lost || !ex->robj_ad[k]->handle_of)
    return CO_V_OK; /* a number closed under it stores nothing */
  h = ex->robj_ad[k]->handle_of(ro);
  if (h == os.num)
    return CO_V_OK;
  w = co_model_owner(ex->model, h);
  if (ex->cur && ex->robj_ad[k] == ex->cur->call->adapter)
    ex->blame = ex->cur->call; /* its library changed it at this step */
  hname(ex, h, hh);
  co_words_value(ex->words, os.num, hm, sizeof hm);
  if (w >= 0 && w != (int)k)
    return set_verdict(ex, v, CO_V_OWNERSHIP, "two-owners",
                       "o%u holds %s, which o%d owns: both will close it (the "
                       "model says o%u holds %s)",
                       k, hh, w, k, hm);
  if (ex->blame)
    return set_verdict(ex, v, CO_V_OWNERSHIP, "replaced",
                       "%s (layer %s) replaced o%u's %s %s with %s (the "
                       "contract's step keeps it; whoever was lent %s now "
                       "holds a stale number)",
                       ex->blame->e->name, ex->blame->adapter->contract->layer,
                       k, ex->words->handle, hm,
                       co_words_value(ex->words, h, hv, sizeof hv), hm);
  return set_verdict(ex, v, CO_V_DIVERGENCE, "object-handle",
                     "o%u holds %s; the model says %s", k, hh, hm);
}

/* A parallel trace's history of number n (NULL: not kept). */
static struct numhist *hist_of(struct co_exec *ex, int64_t n) {
  int64_t k = ex->stride > 1 ? n / ex->stride : n;
  return ex->parallel && n >= 0 &&
                 k < (int64_t)(sizeof ex->hist / sizeof *ex->hist)
             ? &ex->hist[k]
             : NULL;
}

/* After a step of a parallel trace: the numbers it closed (close, and a
 * dup2's target that was open) and the one it opened. */
static void note_history(struct co_exec *ex, const struct co_step *st,
                         const struct co_call *c, const struct co_outcome *r) {
  struct numhist *h;
  unsigned k = st->op->kind;
  if (r->err != CO_OK)
    return;
  if ((k == CO_OP_CLOSE ||
       ((k == CO_OP_DUP2 || k == CO_OP_DUP3) && c->a != c->b)) &&
      (h = hist_of(ex, k == CO_OP_CLOSE ? c->a : c->b))) {
    h->closed_at = (int32_t)ex->step + 1;
    h->closed_thr = st->op->thr;
  }
  if (st->binds == 2 && (h = hist_of(ex, r->ret))) {
    h->opened_at = (int32_t)ex->step + 1;
    h->opened_thr = st->op->thr;
  }
}

int co_event_rec_format(const struct co_event_rec *r, char *buf, size_t cap) {
  int n = r->thr && cap ? snprintf(buf, cap, "t%u: ", r->thr) : 0;
  char by[16], re[16];
  n += co_event_format(&r->ev, buf + ((size_t)n < cap ? (size_t)n : cap),
                       (size_t)n < cap ? cap - (size_t)n : 0);
  if (r->closed_at < 0 || !cap) /* none kept: not a parallel trace's */
    return n;
  snprintf(by, sizeof by, r->closed_thr ? "t%u" : "the prefix", r->closed_thr);
  snprintf(re, sizeof re, r->opened_thr ? "t%u" : "the prefix", r->opened_thr);
  size_t at = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
  int m = r->opened_at > r->closed_at
              ? snprintf(buf + at, cap - at,
                         "; %s closed it at step %d, %s reused it at step %d",
                         by, r->closed_at, re, r->opened_at)
              : snprintf(buf + at, cap - at, "; %s closed it at step %d", by,
                         r->closed_at);
  return n + (m > 0 ? m : 0);
}

static void record_events(struct co_exec *ex, const struct co_aftermath *eff,
                          const struct co_op *op) {
  int i;
  for (i = 0; i < eff->nev; i++) {
    struct co_event_rec rec;
    const struct numhist *h = hist_of(ex, eff->ev[i].num);
    ex->stats.events++;
    ex->stats.events_refused += eff->refused != 0;
    memset(&rec, 0, sizeof rec);
    rec.step = ex->step;
    rec.ev = eff->ev[i];
    rec.refused = eff->refused != 0;
    rec.thr = op->thr;
    rec.closed_at = rec.opened_at = -1;
    if (h && h->closed_at &&
        (eff->ev[i].why == CO_WHY_STALE || eff->ev[i].why == CO_WHY_REUSED ||
         eff->ev[i].why == CO_WHY_GONE)) {
      rec.closed_at = h->closed_at - 1;
      rec.closed_thr = h->closed_thr;
      rec.opened_at = h->opened_at - 1;
      rec.opened_thr = h->opened_thr;
    }
    if (ex->nevents < CO_EVENTS_KEPT)
      ex->events[ex->nevents++] = rec;
    if (ex->mode == CO_MODE_CONTRACT && ex->ev_verdict.kind == CO_V_OK) {
      struct co_verdict *ev = &ex->ev_verdict;
      ev->kind = eff->ev[i].kind == CO_EV_INVALID_HANDLE ? CO_V_INVALID_HANDLE
                                                         : CO_V_OWNERSHIP;
      ev->step = ex->step;
      co_event_rec_format(&rec, ev->what, sizeof ev->what);
      ev->client = eff->ev[i].client;
      ev->cause = eff->ev[i].why + 1;
    }
  }
}

/* An adopt-dup entry (CO_EFF_ADOPT_DUP) whose object holds the argument
 * itself, not a duplicate: its owner and the new object both own it, and
 * each will close it; the layer's doing at this step. 1 if so (*v set). */
static int kept_argument(struct co_exec *ex, const struct co_step *st,
                         const struct co_call *c, struct co_verdict *v) {
  unsigned k = st->op->dst % CO_OBJS;
  const struct co_adapter *ad = st->call->adapter;
  char h[HNAME], owner[24];
  int w;
  if (!ex->robj[k] || ex->robj_ad[k] != ad || !ad->handle_of ||
      ad->handle_of(ex->robj[k]) != c->a)
    return 0;
  w = co_model_owner(ex->model, c->a);
  ex->blame = st->call;
  set_verdict(ex, v, CO_V_OWNERSHIP, "two-owners",
              "%s (layer %s) made o%u over %s itself, not a duplicate: %s "
              "and o%u now both own it, and each will close it",
              st->call->e->name, ad->contract->layer, k, hname(ex, c->a, h),
              party_name(w, owner), k);
  return 1;
}

/* issue 21: the first call the library made at this step that it had no
 * right to (harness/attrib.c), named at that call: the layer's ownership
 * violation, as the observation would find it after the step, with the
 * call that did it. 1 if so (*v set). */
static int attributed(struct co_exec *ex, const struct co_step *st,
                      const struct co_outcome *real, struct co_verdict *v) {
  struct co_attrib_bad bad;
  const struct co_entry_ref *r = st->call;
  char call[96], before[96], h[HNAME], owner[24], at[112];
  const char *rule;
  if (!co_attrib_check(ex->model, &ex->ipose, &ex->snap,
                       ex->mode == CO_MODE_CONTRACT, &bad))
    return 0;
  co_icall_format(&ex->ipose.log[bad.call], call, sizeof call);
  co_icall_format(&ex->ipose.log[bad.earlier], before, sizeof before);
  hname(ex, bad.num, h);
  party_name(bad.owner, owner);
  snprintf(at, sizeof at, "%s (layer %s) -> %s", r->e->name,
           r->adapter->contract->layer, call);
  ex->blame = r;
  rule = bad.rule;
  if (!strcmp(rule, "closed-twice"))
    return set_verdict(ex, v, CO_V_OWNERSHIP, rule,
                       "%s: closed %s a second time: its %s earlier in this "
                       "call had freed the number (Linux frees it even when "
                       "close fails), which may be someone else's by now",
                       at, h, before) != CO_V_OK;
  if (!strcmp(rule, "used-closed"))
    return set_verdict(ex, v, CO_V_OWNERSHIP, rule,
                       "%s: used %s after its %s earlier in this call", at, h,
                       before) != CO_V_OK;
  if (!strcmp(rule, "closed-stale"))
    return set_verdict(ex, v, CO_V_OWNERSHIP, rule,
                       "%s: closed %s, which was not open: nobody gave it to "
                       "the library",
                       at, h) != CO_V_OK;
  if (!strcmp(rule, "closed-harness"))
    return set_verdict(ex, v, CO_V_OWNERSHIP, rule,
                       "%s: closed %s, the harness's own", at, h) != CO_V_OK;
  if (!strcmp(rule, "used"))
    return set_verdict(ex, v, CO_V_OWNERSHIP, rule,
                       "%s: used %s, which %s owns: the step's objects do not "
                       "hold it",
                       at, h, owner) != CO_V_OK;
  { /* closed: why the contract keeps it open, as the observation says */
    int borrowed = 0;
    if (ex->actor >= 0) {
      struct co_objstate os;
      co_model_obj(ex->model, (unsigned)ex->actor, &os);
      borrowed = !os.owns && os.num == bad.num;
    }
    if (bad.after != bad.owner) { /* a detach, a lend: the step's new owner */
      party_name(bad.after, owner);
      return set_verdict(
                 ex, v, CO_V_OWNERSHIP, rule,
                 "%s: closed %s, which the step hands to %s (%s)", at, h, owner,
                 kept_open_because(r->e, bad.after, ex->actor,
                                   real->err != CO_OK, borrowed)) != CO_V_OK;
    }
    return set_verdict(ex, v, CO_V_OWNERSHIP, rule,
                       "%s: closed %s, which %s owns (%s)", at, h, owner,
                       kept_open_because(r->e, bad.owner, ex->actor,
                                         real->err != CO_OK, borrowed)) !=
           CO_V_OK;
  }
}

/* Win32: the OS chooses handle values, so the call is issued before the
 * model steps, and the model binds the value it returned (c->hint). */
static void issue_first(struct co_exec *ex, const struct co_step *st,
                        struct co_call *c, struct co_outcome *real) {
  const struct co_op *op = st->op;
  const struct co_entry_ref *r = st->call;
  const struct co_adapter *pad = r ? r->adapter : NULL;
  unsigned obj = op->obj % CO_OBJS, dst = op->dst % CO_OBJS;
  int binds = st->binds;
  issue(ex, st, c, real);
  if (co_adapter_paged(pad) && binds != 1) {
    /* a pager call makes at most one handle: a window copy, paged in even
     * when the write fails */
    if (ex->robj[obj])
      c->hint = pad->window_of(ex->robj[obj]);
  } else if (real->err == CO_OK && binds == 2) {
    c->hint = real->ret; /* it returned a number */
    if (st->binds2)      /* and a second (a pipe's write end) */
      c->hint2 = (int64_t)real->data;
  } else if (real->err == CO_OK && r && (binds == 1 || r->target) &&
             ex->robj[dst] && ex->robj_ad[dst]->handle_of)
    /* an object that opened or duplicated a handle of its own */
    c->hint = ex->robj_ad[dst]->handle_of(ex->robj[dst]);
}

/* After the outcomes agreed: observe what the step may have changed (the
 * aftermath's numbers, offset, sweep, object, identity pair). Returns the
 * verdict kind (CO_V_OK if everything is as predicted). */
static int observe(struct co_exec *ex, struct co_verdict *v,
                   const struct co_aftermath *eff,
                   const struct co_outcome *pred) {
  int i, offsets = !!(ex->observe & CO_OBSERVE_OFFSET);
  if (ex->observe & CO_OBSERVE_TOUCHED) {
    int64_t hi = co_model_high(ex->model);
    for (i = 0; i < eff->n; i++)
      if (check_number(ex, v, eff->num[i],
                       offsets && eff->num[i] == eff->offset_num))
        return v->kind;
    if (eff->offset_num >= 0 && offsets &&
        check_number(ex, v, eff->offset_num, 1))
      return v->kind;
    if (eff->sweep && sweep(ex, v, hi > ex->real_high ? hi : ex->real_high, 1))
      return v->kind;
    if (eff->obj >= 0 && check_obj(ex, v, (unsigned)eff->obj))
      return v->kind;
  }
  if ((ex->observe & CO_OBSERVE_IDENTITY) && eff->same_a >= 0 &&
      pred->err == CO_OK &&
      (eff->same_file ? check_same_file : check_same)(ex, v, eff->same_a,
                                                      eff->same_b))
    return v->kind;
  return CO_V_OK;
}

/* exec_step clears a verdict up to its text: the text must stay last. */
_Static_assert(offsetof(struct co_verdict, what) +
                       sizeof(((struct co_verdict *)0)->what) ==
                   sizeof(struct co_verdict),
               "struct co_verdict: what is not the last field");

/* A layer call whose number operand is a handle on the process (a
 * duplicate of GetCurrentProcess(), docs/win32.md#pseudo). */
static int is_process_handle(const struct co_exec *ex, const struct co_op *op) {
  struct co_call c;
  struct co_fdstate fs;
  co_model_resolve(ex->model, op, &c);
  co_model_fd(ex->model, c.a, &fs);
  return fs.process;
}

/* Whether the model has num open as one of the trace's own. */
static int fd_live(const struct co_exec *ex, int64_t num) {
  struct co_fdstate fs;
  if (num < 0)
    return 0;
  co_model_fd(ex->model, num, &fs);
  return fs.live;
}

/* The first refused step of the trace, in words (once per trace). */
static void note_refused(struct co_exec *ex, const struct co_step *st,
                         const struct co_call *call,
                         const struct co_aftermath *eff) {
  const struct co_entry *e = st->call ? st->call->e : NULL;
  const char *layer = e ? st->call->adapter->contract->layer : "";
  const struct co_event *ev = eff->nev ? &eff->ev[0] : NULL;
  char *w = ex->refused_what, text[96];
  const char *why;
  int n;
  size_t cap = sizeof ex->refused_what;
  ex->refused_step = ex->step;
  co_op_format(st->op, text, sizeof text);
  if (e && ev && ev->why == CO_WHY_DEAD_OBJ)
    n = snprintf(w, cap, "%s of a freed %s object o%d", e->name, layer,
                 ev->slot);
  else if (e && ev && ev->why == CO_WHY_OVERWRITE)
    n = snprintf(w, cap, "%s into o%d, which is live (it would be lost)",
                 e->name, ev->slot);
  else if (e && ev && ev->why == CO_WHY_WRONG_LAYER)
    n = snprintf(w, cap, "%s on o%d, an object of another layer", e->name,
                 ev->slot);
  else if (e && ev && ev->why == CO_WHY_LOST)
    n = snprintf(w, cap,
                 "%s through C-runtime descriptor %lld, closed under it",
                 e->name, (long long)ev->num);
  else if (e && is_process_handle(ex, st->op))
    n = snprintf(w, cap,
                 "%s of a process handle (a duplicate of GetCurrentProcess(); "
                 "the layers are modelled over files only)",
                 e->name);
  else if (st->op->kind == CO_OP_CLOSE_RANGE && ex->parallel)
    n = snprintf(w, cap, /* a table of its own: docs/threads.md#unshare */
                 "close_range with unshare in a parallel trace (its thread "
                 "would get a table of its own)");
  else if (st->op->kind == CO_OP_DUPH_ACCESS && is_process_handle(ex, st->op))
    n = snprintf(w, cap, "`%s`: a process handle's access is not modelled",
                 text);
  else if (eff->blocks && ex->words->win32) /* docs/win32.md#pipes */
    n = snprintf(w, cap, "`%s` would block (docs/win32.md#pipes)", text);
  else if (eff->blocks)
    n = snprintf(w, cap,
                 eff->blocks == 1
                     ? "`%s` would block (nothing to read with a writer "
                       "left, or no room, without O_NONBLOCK: "
                       "docs/posix.md#blocking)"
                 : eff->blocks == 2
                     ? "`%s`: whether it fits in the socket's buffer is "
                       "past what the model knows (docs/posix.md#blocking)"
                     : "`%s`: how many bytes a library wrote into it is not "
                       "known (docs/posix.md#layer-kinds)",
                 text);
  else if (st->op->kind == CO_OP_GETSTD || st->op->kind == CO_OP_SETSTD ||
           st->op->kind == CO_OP_CLOSESTD)
    n = snprintf(w, cap,
                 "`%s`: the standard handles are the harness's (a trace "
                 "owns them with --free-std)",
                 text);
  else if (ex->words->win32 && co_model_is_pipe(ex->model, call->a))
    n = snprintf(w, cap,
                 "`%s` on a pipe end, where Windows does what Microsoft does "
                 "not document (docs/win32.md#pipes)",
                 text);
  else if (ex->words->win32 && co_model_is_device(ex->model, call->a))
    n = snprintf(w, cap,
                 "`%s` on a device handle, whose I/O the model does not "
                 "follow",
                 text);
  else if (st->op->kind == CO_OP_REOPENFILE && fd_live(ex, call->a))
    n = snprintf(w, cap,
                 "`%s`: its file's delete-on-close handle is closed, where "
                 "Windows and Wine part",
                 text);
  else if ((why = co_model_refusal(ex->model, call)) != NULL)
    n = snprintf(w, cap, "`%s`: %s", text, why);
  else if (co_model_kind_refusal(ex->model, call))
    n = snprintf(w, cap, "`%s`: %s", text,
                 co_model_kind_refusal(ex->model, call));
  else
    n = snprintf(w, cap, "`%s` on a %s the trace does not own", text,
                 ex->words->handle);
  if (n < 0) /* (truncated words are fine) */
    w[0] = '\0';
}

size_t co_verdict_not_run(const struct co_verdict *v, char *buf, size_t cap) {
  if (!v->not_run)
    snprintf(buf, cap, "%s", "");
  else
    snprintf(buf, cap, "%zu step%s not run (%sstep %zu: %s)", v->not_run,
             v->not_run == 1 ? "" : "s", v->not_run == 1 ? "" : "the first, ",
             v->not_run_step, v->not_run_what);
  return v->not_run;
}

/* One step, resolved once where it entered (co_exec_step, co_exec_run):
 * everything below reads st, never the registry. */
static int exec_step(struct co_exec *ex, const struct co_step *st,
                     struct co_verdict *v) {
  const struct co_op *op = st->op;
  struct co_call call;
  struct co_model_prep prep;
  struct co_outcome pred, real;
  struct co_aftermath eff;
  int issued, as_run, inside;
  unsigned tid;

  if (ex->first.kind != CO_V_OK) {
    *v = ex->first;
    return v->kind;
  }
  /* A clean verdict: every field before its 512-byte text (the last), and
   * the text empty (set_verdict writes it whole when needed). */
  memset(v, 0, offsetof(struct co_verdict, what));
  v->what[0] = '\0';
  co_model_resolve(ex->model, op, &call);
  if (ex->step < CO_MAX_OPS)
    ex->skipped[ex->step] = 0;
  co_model_prepare(ex->model, st, &call, &prep, &eff);
  if (ex->mode == CO_MODE_CONTRACT && ex->skip && prep.client) {
    /* A well-behaved client would not make this move: skip it. */
    if (ex->step < CO_MAX_OPS)
      ex->skipped[ex->step] = 1;
    ex->stats.skipped++;
    ex->step++;
    return CO_V_OK;
  }
  /* Win32 picks handle values; an ownership-first entry's library says
   * which path it took: both are issued before the model steps */
  as_run = st->call && (st->call->e->io & CO_IO_AS_RUN);
  /* a library whose own calls are seen is issued first too: the calls are
   * checked against the model's view before the step (attribution) */
  /* (a layer an executor made by co_exec_new first calls now gets its
   * state, and its objects routed, before it is asked) */
  if (st->call && names_objects(st->call->adapter) && !eff.refused)
    (void)glue_env(ex, st->call->adapter);
  inside = st->call && interposed(ex, st->call->adapter);
  if (inside) /* this step's log only, never an earlier step's */
    ex->ipose.n = ex->ipose.lost = ex->ipose.fired = 0;
  issued =
      (ex->platform == CO_PLATFORM_WIN32 || as_run || inside) && !eff.refused;
  if (issued)
    issue_first(ex, st, &call, &real);
  if (issued && (as_run || inside))
    call.real = &real; /* (followed as run only where a fault fired) */
  if (issued && inside) {
    call.faulted = ex->ipose.fired != 0;
    ex->stats.faults += ex->ipose.fired;
    co_attrib_snap(ex->model, &ex->ipose, st->op->obj % CO_OBJS,
                   st->binds == 1 || st->target ? st->op->dst % CO_OBJS
                                                : st->op->obj % CO_OBJS,
                   co_effect_takes_fd(st->call->e->effect) ? call.a : -1,
                   &ex->snap);
  }
  tid = co_model_apply(ex->model, &prep, &pred, &eff);
  ex->last_tid = tid;
  ex->actor = eff.actor;
  if (!((ex->seen[tid / 8] >> (tid % 8)) & 1)) {
    ex->seen[tid / 8] |= (uint8_t)(1u << (tid % 8));
    ex->stats.transitions++;
  }
  ex->stats.ops++;
  if (eff.nev)
    record_events(ex, &eff, op);

  if (eff.refused) {
    ex->stats.syscalls_refused++;
    if (!ex->nrefused++)
      note_refused(ex, st, &call, &eff);
    real = pred;
  } else if (!issued) {
    if (op->kind == CO_OP_SETLIMIT)
      keep_limit(ex);
    issue(ex, st, &call, &real);
    if (op->kind == CO_OP_SETLIMIT)
      moved_limit(ex);
  }
  if (ex->first.kind != CO_V_OK) { /* the harness failed during the call */
    *v = ex->first;
    goto out;
  }
  if (ex->parallel && !eff.refused)
    note_history(ex, st, &call, &real);
  if (st->binds == 2 && real.err == CO_OK && real.ret > ex->real_high)
    ex->real_high = real.ret;
  if (st->binds2 && real.err == CO_OK && (int64_t)real.data > ex->real_high)
    ex->real_high = (int64_t)real.data; /* a pipe's write end */
  if (ex->hook) {
    struct co_step_info si = {ex->step, op,  &call, &pred, &real, prep.sa,
                              prep.sb,  tid, st,    NULL,  0,     0};
    if (inside && issued) {
      si.icalls = ex->ipose.log;
      si.nicalls = ex->ipose.n;
      si.icalls_lost = ex->ipose.lost;
    }
    ex->hook(ex->hook_env, &si);
  }

  if (eff.overflow) {
    /* never expected: the model's arrays hold what an operation can do */
    char text[96];
    co_op_format(op, text, sizeof text);
    set_verdict(ex, v, CO_V_HARNESS, "overflow",
                "the model found more touched numbers or events at `%s` than "
                "it can hold (a model bug): they would have been lost",
                text);
    goto out;
  }
  if (issued && inside && attributed(ex, st, &real, v))
    goto out;
  if (st->call && st->call->e->effect == CO_EFF_ADOPT_DUP &&
      real.err == CO_OK && kept_argument(ex, st, &call, v))
    goto out;
  if (!co__outcome_match(&pred, &real)) {
    char what[sizeof v->what];
    const char *rule;
    int kind = classify(ex, st, &pred, &real, what, sizeof what, &rule);
    set_verdict(ex, v, kind, rule, "%s", what);
    goto out;
  }
  ex->cur = st->call ? st : NULL;
  ex->cur_failed = real.err != CO_OK;
  observe(ex, v, &eff, &pred);
  ex->cur = NULL;
out:
  ex->step++;
  if (v->kind != CO_V_OK) {
    v->has_outcomes = 1;
    v->model = pred;
    v->real = real;
    ex->first = *v;
  }
  return v->kind;
}

/* A scheduled run of ops[i..n) (harness/baton.h): each thread's run of
 * operations on that thread, which then hands the baton straight to the
 * next operation's thread; the chain ends at the end, at a verdict, or at
 * an operation of the caller's (thr 0). */
struct chain {
  struct co_exec *ex;
  const struct co_op *ops;
  size_t i, n;
  struct co_verdict *v;
  int rc;
};

static void run_chain(void *env) {
  struct chain *c = env;
  struct co_exec *ex = c->ex;
  unsigned k = c->ops[c->i].thr;
  struct co_step st;
  ex->on_thread = k;
  do {
    co_step_of(&st, &c->ops[c->i]);
    c->rc = exec_step(ex, &st, c->v);
    c->i++;
  } while (c->rc == CO_V_OK && c->i < c->n && c->ops[c->i].thr == k);
  ex->on_thread = 0;
  if (c->rc == CO_V_OK && c->i < c->n && c->ops[c->i].thr)
    co_sched_pass(ex->sched, k, c->ops[c->i].thr, run_chain, c); /* last */
}

/* Each pool thread's first errand: what the backend makes once a thread
 * (closeonce/backend.h thread_init). */
static void thread_init(void *env) {
  struct co_exec *ex = env;
  if (ex->be->version >= 6 && ex->be->thread_init)
    ex->be->thread_init(ex->self);
}

/* End the pool's threads (only forget it in a forked child: they are the
 * parent's). */
static void drop_pool(struct co_exec *ex) {
  if (ex->sched && co_sched_owned(ex->sched))
    co_sched_free(ex->sched);
  else
    co_sched_forget(ex->sched);
  ex->sched = NULL;
}

/* The executor's pool, made if it has none, or if it was made in the
 * process this one was forked from (whose threads are not here: the
 * isolated and shrinking children, harness/campaign.c). */
static struct co_sched *make_pool(struct co_exec *ex, char *err, size_t cap) {
  if (ex->sched && co_sched_owned(ex->sched))
    return ex->sched;
  co_sched_forget(ex->sched);
  return ex->sched = co_sched_new(CO_THREADS, thread_init, ex, err, cap);
}

/* Steps ops[0..n): the caller's own (thr 0) here, the threads' on them. */
static int run_ops(struct co_exec *ex, const struct co_op *ops, size_t n,
                   struct co_verdict *v) {
  struct chain c = {ex, ops, 0, n, v, CO_V_OK};
  struct co_step st;
  while (c.i < n && c.rc == CO_V_OK) {
    if (!ops[c.i].thr || ex->on_thread == ops[c.i].thr) {
      co_step_of(&st, &ops[c.i++]);
      c.rc = exec_step(ex, &st, v);
      continue;
    }
    if (!ex->sched || !co_sched_owned(ex->sched)) {
      char err[128];
      if (!make_pool(ex, err, sizeof err))
        return set_verdict(ex, v, CO_V_HARNESS, NULL, "%s", err);
    }
    co_sched_run(ex->sched, ops[c.i].thr, run_chain, &c);
  }
  return c.rc;
}

int co_exec_step(struct co_exec *ex, const struct co_op *op,
                 struct co_verdict *v) {
  return run_ops(ex, op, 1, v);
}

int co_exec_set_trace(struct co_exec *ex, const struct co_trace *t, char *err,
                      size_t cap) {
  size_t i;
  ex->parallel = co_trace_threads(t) > 0;
  if (ex->parallel) { /* the threads exist from the prefix on */
    if (!make_pool(ex, err, cap))
      return -1;
    return 0;
  }
  /* a sequential trace's close_range: a table nobody shares, as the model
   * has it (the pool's threads would share it) */
  for (i = 0; i < t->len && ex->sched; i++)
    if (t->ops[i].kind == CO_OP_CLOSE_RANGE)
      drop_pool(ex);
  return 0;
}

unsigned long long co_exec_handoffs(const struct co_exec *ex) {
  return co_sched_handoffs(ex->sched);
}

static int full_check(struct co_exec *ex, char *msg, size_t cap);

/* The end-of-trace comparison of every live number. */
static int final_compare(struct co_exec *ex, struct co_verdict *v, int64_t hi) {
  uint64_t keys[64];
  int64_t keynum[64];
  int32_t keyfile[64];
  size_t nk = 0, i, j;
  int64_t num;
  unsigned k;
  for (k = 0; k < CO_OBJS; k++)
    if (check_obj(ex, v, k))
      return v->kind;
  if (sweep(ex, v, hi, 0))
    return v->kind;
  for (num = co_model_next_live(ex->model, -1); num >= 0;
       num = co_model_next_live(ex->model, num)) {
    int64_t rep = co_model_rep(ex->model, num);
    if (check_number(ex, v, num, 1))
      return v->kind;
    if (rep != num) {
      if (check_same(ex, v, num, rep))
        return v->kind;
    } else if (nk < 64 && ex->be->object_key(ex->self, num, &keys[nk]) == 0) {
      keyfile[nk] = co_model_file_of(ex->model, num);
      keynum[nk++] = num;
    }
  }
  /* Distinct descriptions are on one file exactly when the model has them
   * there: each open makes a file, a reopen (Linux) or reopenfile (Win32)
   * opens one again. */
  for (i = 0; i < nk; i++)
    for (j = i + 1; j < nk; j++) {
      int one = keyfile[i] == keyfile[j];
      char ha[24], hb[24];
      if ((keys[i] == keys[j]) == one)
        continue;
      return set_verdict(
          ex, v, CO_V_DIVERGENCE, "file",
          "%s %s and %s name %s; the model has them on %s", ex->words->handles,
          co_words_value(ex->words, keynum[i], ha, sizeof ha),
          co_words_value(ex->words, keynum[j], hb, sizeof hb),
          one ? "different files" : "one file",
          one                ? "one file"
          : ex->words->win32 ? "separate open file objects"
                             : "separate open file descriptions");
    }
  return CO_V_OK;
}

/* Close num whatever its flags (a Win32 handle protected from close is
 * unprotected first). */
static void force_close(struct co_exec *ex, int64_t num) {
  struct co_call c = {CO_OP_SETPROTECT, 0, num, 0, 0, -1, NULL, -1, 0};
  struct co_outcome r;
  if (ex->platform == CO_PLATFORM_WIN32)
    ex->be->call(ex->self, &c, &r);
  c.kind = CO_OP_CLOSE;
  ex->be->call(ex->self, &c, &r);
}

/* Close every number of ex->nums[0..n) that ex->valid says is open. On
 * POSIX, three or more of them in one close_range split around the
 * foreign numbers (the same numbers: every other one in the span is
 * closed already, and the split never reaches a foreign one), one close
 * each where the backend has no close_range. */
static void close_valid(struct co_exec *ex, size_t n) {
  size_t i, first = n, last = 0, open = 0;
  for (i = 0; i < n; i++)
    if (ex->valid[i]) {
      first = first < n ? first : i;
      last = i;
      open++;
    }
  if (open >= 3 && ex->platform == CO_PLATFORM_POSIX) {
    struct co_call c = {CO_OP_CLOSE_RANGE,
                        0,
                        ex->nums[first],
                        ex->nums[last],
                        0,
                        -1,
                        NULL,
                        -1,
                        0};
    struct co_outcome r;
    split_close_range(ex, &c, &r);
    if (r.err == CO_OK)
      return;
  }
  for (i = 0; i < n; i++)
    if (ex->valid[i])
      force_close(ex, ex->nums[i]);
}

/* Before the layers' closes at teardown: each object's descriptor that is
 * a pipe or a socket is made non-blocking (Linux), so that a close that
 * writes (zlib's gzclose trailer into a full pipe) fails instead of
 * waiting: nothing is compared after this, and the model refuses such a
 * close inside a trace (docs/posix.md#blocking). */
static void teardown_nonblock(struct co_exec *ex) {
  unsigned k;
  if (ex->platform != CO_PLATFORM_POSIX)
    return;
  for (k = 0; k < CO_OBJS; k++) {
    struct co_objstate os;
    struct co_call c;
    struct co_outcome r;
    co_model_obj(ex->model, k, &os);
    if (!os.live || !os.num_valid || !co_model_is_channel(ex->model, os.num))
      continue;
    memset(&c, 0, sizeof c);
    c.kind = CO_OP_SETFL;
    c.flags = CO_F_BIT1; /* O_NONBLOCK */
    c.a = os.num;
    c.b = -1;
    c.hint = -1;
    ex->be->call(ex->self, &c, &r);
  }
}

static void teardown_objects(struct co_exec *ex) {
  unsigned k, i, pass;
  const struct co_glue_env *env;
  teardown_nonblock(ex);
  /* Streams first (their close closes the descriptor they wrap), then the
   * rest, then streams whose descriptor was closed under them (closing one
   * earlier could close whoever holds that number now). */
  for (pass = 0; pass < 3; pass++)
    for (k = 0; k < CO_OBJS; k++) {
      const struct co_adapter *ad = ex->robj_ad[k];
      struct co_objstate os;
      struct co_outcome r;
      co_model_obj(ex->model, k, &os);
      if (pass == 0 && (!os.wraps || !os.live || os.lost))
        continue;
      if (pass == 1 && os.wraps && os.live && os.lost)
        continue;
      if (!ex->robj[k] || !ad) {
        ex->robj[k] = NULL;
        continue;
      }
      env = glue_env(ex, ad);
      for (i = 0; env && i < ad->contract->nentries; i++)
        if (ad->contract->entries[i].effect == CO_EFF_CLOSE) {
          ad->call(env, i, 0, &ex->robj[k], -1, 0, &r);
          break;
        }
      ex->robj[k] = NULL;
      ex->robj_ad[k] = NULL;
      if (pass == 0 && os.inner >= 0 && !os.lost) {
        ex->robj[os.inner] = NULL;
        ex->robj_ad[os.inner] = NULL;
      }
    }
}

/* Calls a thread of a library's own made after the trace's last step
 * returned, that no step of the trace took (docs/threads.md#late). */
static void late_verdict(struct co_exec *ex, struct co_verdict *v) {
  struct co_icall c;
  char call[96];
  unsigned n = co_ipose_late(&ex->ipose, &c);
  if (n && co_icall_format(&c, call, sizeof call) >= 0)
    set_verdict(ex, v, CO_V_DIVERGENCE, "after-last-step",
                "a thread of the library's own made %u call%s after the "
                "trace's last step had returned (the first: %s): no step "
                "accounts for %s",
                n, n > 1 ? "s" : "", call, n > 1 ? "them" : "it");
}

int co_exec_end(struct co_exec *ex, struct co_verdict *v) {
  int64_t hi = co_model_high(ex->model);
  size_t n, i;
  struct co_verdict tv;
  if (!ex->active)
    return v->kind;
  ex->active = 0;
  co_ipose_disarm(&ex->ipose); /* no fault reaches the teardown */
  if (ex->real_high > hi)
    hi = ex->real_high;
  ex->actor = CO_PARTY_NONE;
  /* Past the highest number the trace reached, a margin catches stray
   * descriptors the platform made without returning them (they take the
   * lowest free numbers); the periodic full check catches the rest. */
  hi += CO_SWEEP_MARGIN;
  if (ex->first.kind == CO_V_OK)
    final_compare(ex, &tv, hi);
  if (ex->first.kind == CO_V_OK) /* a library thread after the last step */
    late_verdict(ex, &tv);
  /* Teardown: every object the trace left is freed (its layer's close,
   * while the trace's SIGPIPE guard holds: a stream's close may write to a
   * pipe nobody reads), the second party ends (its own table with it),
   * then every reachable number that is open is closed, whatever the
   * model thinks, and none may be left. */
  teardown_objects(ex);
  trace_end(ex);
  n = reachable(ex, hi);
  if (n != (size_t)-1 &&
      ex->be->valid_many(ex->self, ex->nums, n, ex->valid) == 0) {
    close_valid(ex, n);
    if (ex->be->valid_many(ex->self, ex->nums, n, ex->valid) == 0)
      for (i = 0; i < n; i++)
        if (ex->valid[i]) {
          char h[HNAME];
          set_verdict(ex, &tv, CO_V_LEAK, "left-open-teardown",
                      "%s is still open after teardown",
                      hname(ex, ex->nums[i], h));
          break;
        }
  } else if (ex->first.kind == CO_V_OK) {
    set_verdict(ex, &tv, CO_V_HARNESS, "oom", "teardown failed: out of memory");
  }
  /* Everything the trace reached is closed: the limit goes back before
   * the harness needs descriptors of its own again. */
  restore_limit(ex);
  /* Reading the whole open set costs O(descriptors): with thousands open
   * before the run, check proportionally less often, so that its cost per
   * trace stays what it is with a few. */
  if (ex->full_every &&
      ++ex->since_full >=
          ex->full_every * (ex->full_every > 1 && ex->nforeign > 256
                                ? ex->nforeign / 256
                                : 1)) {
    char msg[200];
    ex->since_full = 0;
    if (full_check(ex, msg, sizeof msg) < 0 && ex->first.kind == CO_V_OK) {
      set_verdict(ex, &tv, CO_V_LEAK,
                  strstr(msg, "was not at start") ? "stray" : "closed-foreign",
                  "%s%s", msg,
                  ex->full_every > 1 ? " (left by this trace or one of the "
                                       "traces since the last full check)"
                                     : "");
      ex->first.periodic = ex->full_every > 1;
    }
  }
  std_restore(ex); /* the process's 0-2 back, after the teardown */
  /* The earliest finding: in contract mode an ownership event counts. */
  if (ex->ev_verdict.kind != CO_V_OK &&
      (ex->first.kind == CO_V_OK || ex->ev_verdict.step <= ex->first.step))
    *v = ex->ev_verdict;
  else
    *v = ex->first;
  v->not_run = ex->nrefused;
  v->not_run_step = ex->nrefused ? ex->refused_step : 0;
  snprintf(v->not_run_what, sizeof v->not_run_what, "%s",
           ex->nrefused ? ex->refused_what : "");
  return v->kind;
}

int co_exec_run(struct co_exec *ex, const struct co_trace *t,
                struct co_verdict *v) {
  struct co_limit_need need;
  char err[128];
  /* Numbers named by f>=B must be below the limit: raise it within the
   * hard one. If the hard one is too low the trace runs with the limit it
   * has (the model predicts the calls there fail); `closeonce replay`
   * refuses such a trace first (co_exec_fit_limit). */
  (void)co_exec_fit_limit(ex, t, &need);
  if (co_exec_set_trace(ex, t, err, sizeof err) < 0)
    return set_verdict(ex, v, CO_V_HARNESS, NULL, "%s", err);
  if (co_exec_begin(ex, v) != CO_V_OK) {
    restore_limit(ex);
    return v->kind;
  }
  (void)run_ops(ex, t->ops, t->len, v); /* one hand-over a switch */
  return co_exec_end(ex, v);
}

/* Compare the process's open set with the foreign set; with fix, close
 * the strays (never a foreign number). Returns 0 if equal. */
static int compare_process(struct co_exec *ex, char *msg, size_t cap, int fix) {
  int64_t *now;
  size_t n, i = 0, j = 0;
  int rc = 0;
  char v[24];
  if (open_set(ex, &now, &n) < 0) {
    snprintf(msg, cap, "cannot list the open %s", ex->words->handles);
    return -1;
  }
  while (i < n || j < ex->nforeign) {
    if (j == ex->nforeign || (i < n && now[i] < ex->foreign[j])) {
      if (!rc)
        snprintf(msg, cap, "%s %s is open and was not at start",
                 ex->words->handle,
                 co_words_value(ex->words, now[i], v, sizeof v));
      rc = -1;
      if (fix)
        force_close(ex, now[i]);
      i++;
      continue;
    }
    if (i == n || now[i] > ex->foreign[j]) {
      if (!rc)
        snprintf(msg, cap, "%s %s was open at start and is closed now",
                 ex->words->handle,
                 co_words_value(ex->words, ex->foreign[j], v, sizeof v));
      rc = -1;
      j++;
      continue;
    }
    i++;
    j++;
  }
  free(now);
  return rc;
}

static int full_check(struct co_exec *ex, char *msg, size_t cap) {
  return compare_process(ex, msg, cap, 1);
}

int co_exec_check_process(struct co_exec *ex, char *msg, size_t cap) {
  return compare_process(ex, msg, cap, 0);
}

void co_exec_set_full_check(struct co_exec *ex, unsigned every) {
  ex->full_every = every;
  ex->since_full = 0;
}

/* ---- free runs (exec_internal.h; harness/free.c) ---- */
struct co_model *co__exec_model_mut(struct co_exec *ex) {
  return ex->model;
}
const struct co_backend *co__exec_backend(const struct co_exec *ex) {
  return ex->be;
}
void co__exec_ran(struct co_exec *ex, size_t steps, int64_t high) {
  ex->step = steps;
  if (high > ex->real_high)
    ex->real_high = high;
}
struct co_sched *co__exec_sched(struct co_exec *ex, char *err, size_t cap) {
  return make_pool(ex, err, cap);
}
