/*
 * The model's public entry points (closeonce/model.h): allocation, the
 * start of a trace, resolving references, the refusal guard, and the step
 * that dispatches one operation to its rule: a built-in operation to the
 * platform's table (posix_rules.c, win32_rules.c), a layer call to the
 * effect interpreter (layers.c). Pure C, deterministic, no system calls.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

int64_t co_platform_stride(int platform) {
  return platform == CO_PLATFORM_WIN32 ? co__win32_platform.stride
                                       : co__posix_platform.stride;
}

const unsigned co_model_transition_max =
    (CO_OP_COUNT + CO_ENTRIES_MAX) * CO_SIT_COUNT * CO_SIT_COUNT * CO_ERR_COUNT;

static const char *const sit_names[CO_SIT_COUNT] = {
    "unset", "live", "stale", "reused", "free", "free-live", "neg", "limit"};

const char *co_sit_name(enum co_sit s) {
  return (unsigned)s < CO_SIT_COUNT ? sit_names[s] : "?";
}

struct co_model *co_model_new(void) {
  struct co_model *m = calloc(1, sizeof(struct co_model));
  unsigned i;
  if (m)
    for (i = 0; i < sizeof m->pattern; i++)
      m->pattern[i] = CO_WRITE_BYTE(i);
  return m;
}

void co_model_free(struct co_model *m) {
  if (!m)
    return;
  free(m->fd);
  free(m->ofd);
  free(m->fsize);
  if (m->content) {
    size_t i;
    for (i = 0; i < m->contentcap; i++) {
      free(m->content[i].b);
      free(m->content[i].data);
    }
    free(m->content);
  }
  free(m->foreign);
  free(m->frun);
  co__chan_free_all(m);
  free(m->tcp);
  co__party_free(m);
  free(m);
}

/* Slots unset, objects none, the C runtime's numbers those in use. */
static void reset_parties(struct co_model *m,
                          const struct co_model_config *cfg) {
  size_t i;
  for (i = 0; i < CO_SLOTS; i++) {
    m->slot[i].num = -1;
    m->slot[i].gen = 0;
  }
  memset(m->obj, 0, sizeof m->obj);
  m->made = 0;
  for (i = 0; i < CO_OBJS; i++) {
    m->obj[i].wrap.inner = -1;
    m->obj[i].nb.n = -1;
    m->obj[i].pg.win = m->obj[i].pg.wnum = -1;
  }
  memset(m->onum_used, 0, sizeof m->onum_used);
  for (i = 0; i < cfg->nobjforeign; i++)
    if (cfg->objforeign[i] >= 0 && cfg->objforeign[i] < CO_OBJNUMS)
      m->onum_used[cfg->objforeign[i]] = 1;
}

int co_model_begin(struct co_model *m, const struct co_model_config *cfg) {
  m->platform = cfg->platform;
  m->plat = cfg->platform == CO_PLATFORM_WIN32 ? &co__win32_platform
                                               : &co__posix_platform;
  m->stride = m->plat->stride;
  m->threads_share = cfg->threads_share != 0;
  m->limit = cfg->limit;
  m->hard = cfg->hard_limit > 0 ? cfg->hard_limit : INT64_MAX;
  m->files = cfg->files;
  if (m->files.block <= 0) {
    m->files.block = CO_BLOCK_DEFAULT;
    m->files.holes = -1;
  }
  m->quirks = cfg->quirks;
  co__hooks_init(&m->hook, cfg->quirks);
  m->hint = -1;
  co__wsock_begin(m);
  co__party_begin(m);
  co__evdir_begin(m);
  m->own_std = cfg->own_std != 0;
  m->stdh[0] = m->stdh[1] = m->stdh[2] = 0;
  if (co__fd_begin(m, cfg) < 0)
    return -1;
  reset_parties(m, cfg);
  /* The pager's watermark: the configured one, or the platform's
   * default (model.h). */
  m->window = cfg->window;
  m->tick = 0;
  m->watermark = -1;
  if (cfg->window) {
    m->watermark = cfg->watermark;
    if (m->watermark <= 0)
      m->watermark = m->plat->watermark(m);
    if (m->watermark <= 0 || co__ensure(m, m->watermark + 64) < 0)
      return -1;
  }
  return 0;
}

int64_t co_model_watermark(const struct co_model *m) {
  return m->window ? m->watermark : -1;
}

/* The number reference r names now. */
static inline int64_t ref_value(const struct co_model *m, struct co_ref r) {
  switch (r.type) {
  case CO_REF_SLOT:
    return m->slot[r.idx % CO_SLOTS].num;
  case CO_REF_FREE:
    return m->freenum[r.idx % CO_FREE_REFS];
  case CO_REF_AT:
    return m->atnum[r.idx % CO_AT_REFS];
  case CO_REF_NEG:
    return -1;
  default:
    return m->limit;
  }
}

void co_model_resolve(const struct co_model *m, const struct co_op *op,
                      struct co_call *out) {
  out->kind = op->kind;
  out->flags = op->flags;
  out->a = ref_value(m, op->a);
  out->b = ref_value(m, op->b);
  out->n = op->n;
  if (op->blk) /* whole blocks of the trace's files (co_op.blk) */
    out->n = (int32_t)(op->n + (int64_t)op->blk * m->files.block);
  out->hint = out->hint2 = -1;
  out->real = NULL;
}

enum co_sit co_model_sit(const struct co_model *m, struct co_ref r) {
  return co__sit(m, r);
}

int64_t co_model_slot(const struct co_model *m, unsigned slot) {
  return m->slot[slot % CO_SLOTS].num;
}

/* co_model_refuses, given the step's events. */
static inline int refuses(const struct co_model *m, const struct co__step *s,
                          const struct co_event *ev, int nev) {
  const struct co_call *c = s->c;
  const struct co_opdesc *d = &co_opdesc[c->kind];
  /* Never run: it would use freed memory or lose a live object. (A closed
   * C-runtime descriptor is a number, not memory: its event names the
   * number when the call on it runs, events.c ev_dead.) */
  if (nev && ((ev[0].why == CO_WHY_DEAD_OBJ && ev[0].num < 0) ||
              ev[0].why == CO_WHY_OVERWRITE ||
              ev[0].why == CO_WHY_WRONG_LAYER || ev[0].why == CO_WHY_LOST))
    return 1;
  /* Guard: never act on a descriptor the trace does not reach. (A dup2
   * target at or above the limit is refused by the kernel before it
   * touches anything: EBADF, man dup.) */
  return (d->nrefs >= 1 && c->kind != CO_OP_CLOSE_RANGE &&
          c->kind != CO_OP_SETLIMIT && co__is_foreign(m, c->a) &&
          !co__w32_pseudo_ok(m, c)) ||
         (m->plat->pre && co__w32_std_refused(m, c)) ||
         (m->plat->pre && co__wsock_refused(m, s)) || /* SOCKETs */
         /* a process handle's access rights are not modelled: only a
          * file's (docs/win32.md#access) */
         (c->kind == CO_OP_DUPH_ACCESS && co__is_live(m, c->a) &&
          co__ofd_of(m, c->a)->proc) ||
         (c->kind == CO_OP_REOPENFILE && co__reopen_unsure(m, c)) ||
         co__dev_io(m, c) || (m->nsock && co__tcp_refused(m, c)) ||
         (m->nkind && co__kind_refuses(m, c)) ||
         (c->kind == CO_OP_CALL && co__call_touches_foreign(m, s)) ||
         /* a table shared by threads: unshare is not followed */
         (c->kind == CO_OP_CLOSE_RANGE && (c->flags & CO_F_BIT1) &&
          m->threads_share) ||
         ((c->kind == CO_OP_DUP2 || c->kind == CO_OP_DUP3) &&
          (uint32_t)c->b < (uint64_t)m->limit && co__is_foreign(m, c->b));
}

int co_model_refuses(const struct co_model *m, const struct co_op *op,
                     const struct co_call *c) {
  struct co_step st;
  struct co_model_prep p;
  struct co_aftermath eff;
  co_step_of(&st, op);
  co_model_prepare(m, &st, c, &p, &eff);
  return eff.refused;
}

void co_model_prepare(const struct co_model *m, const struct co_step *st,
                      const struct co_call *c, struct co_model_prep *p,
                      struct co_aftermath *t) {
  struct co__step s;
  int i, lost = 0;
  co__step_init(&s, st, c);
  s.sa = s.sb = CO_SIT_NEG;
  if (s.valid)
    co__step_sit(m, &s);
  t->n = t->sweep = t->refused = t->overflow = 0;
  t->same_a = t->same_b = -1;
  t->same_file = 0;
  t->offset_num = -1;
  t->actor = CO_PARTY_CLIENT;
  t->obj = -1;
  t->nev = s.valid ? co__events(m, &s, t->ev, &lost) : 0;
  t->overflow = lost > 0;
  /* a read or write that would wait is never issued (docs/posix.md#blocking),
   * looked up in the table the step runs on: the second thread's own,
   * which co__party_enter swaps in only after this (party.c) */
  t->blocks = 0;
  if (s.valid && m->nchan) {
    struct co_model view;
    const struct co_model *on = m;
    if (m->party.child && m->party.unshared &&
        (c->kind == CO_OP_READ || c->kind == CO_OP_WRITE)) {
      view = *m;
      view.fd = m->party.fd;
      view.cap = m->party.cap;
      view.high = m->party.high;
      on = &view;
    }
    if (c->kind == CO_OP_READ || c->kind == CO_OP_WRITE)
      t->blocks = co__would_block(on, c);
    /* libs: a layer's bytes (its calls run in the client's table) */
    if (!t->blocks)
      t->blocks = c->kind == CO_OP_CALL   ? co__call_would_block(m, &s)
                  : c->kind == CO_OP_READ ? 3 * co__read_unknown(on, c)
                                          : 0;
  }
  /* not issued: the outcome is the model's own, never an errno */
  t->refused = !s.valid || t->blocks || refuses(m, &s, t->ev, t->nev);
  p->step = st;
  p->call = c;
  p->valid = s.valid;
  p->sa = s.sa;
  p->sb = s.sb;
  p->client = 0;
  for (i = 0; i < t->nev; i++)
    p->client |= t->ev[i].client;
}

unsigned co_model_step(struct co_model *m, const struct co_op *op,
                       const struct co_call *c, struct co_outcome *pred,
                       struct co_aftermath *t) {
  struct co_step st;
  struct co_model_prep p;
  co_step_of(&st, op);
  co_model_prepare(m, &st, c, &p, t);
  return co_model_apply(m, &p, pred, t);
}

unsigned co_model_apply(struct co_model *m, const struct co_model_prep *p,
                        struct co_outcome *pred, struct co_aftermath *t) {
  const struct co_op *op = p->step->op;
  const struct co_call *c = p->call;
  unsigned kind = op->kind < CO_OP_COUNT ? op->kind : op->kind % CO_OP_COUNT;
  int binds = co_opdesc[kind].binds, swapped = 0;
  co__rule *rule;

  pred->ret = 0;
  pred->err = CO_OK;
  pred->raw = 0;
  pred->data = pred->dmask = 0;
  m->hint = c->hint;
  if (!t->refused && (swapped = co__party_enter(m, c)) < 0) {
    co__fail(pred, CO_OTHER);
    return 0;
  }
  if (t->refused) {
    co__fail(pred, CO_REFUSED);
  } else if (kind == CO_OP_CALL) {
    struct co__step s; /* a built-in operation's rule needs only c */
    co__step_init(&s, p->step, c);
    s.sa = p->sa;
    s.sb = p->sb;
    co__call_step(m, &s, pred, t);
    binds = s.binds == 2;
  } else if (m->plat->pre && m->plat->pre(m, c, pred, t)) {
    /* predicted before the table (Win32 standard handles, -1) */
  } else if ((rule = m->plat->rule[kind]) != NULL) {
    rule(m, c, pred, t);
  } else {
    co__fail(pred, CO_ENOSYS);
  }
  /* The result variable: the slot takes the return value, -1 on failure,
   * as `s = dup(x)` does in C. */
  if (!t->refused && binds) {
    struct slotent *s = &m->slot[op->dst % CO_SLOTS];
    s->num = pred->ret;
    s->gen = co__is_live(m, pred->ret) ? m->fd[pred->ret].gen : 0;
  }
  if (!t->refused && binds == 2) { /* two slots: the second end (pipe) */
    struct slotent *s = &m->slot[op->dst2 % CO_SLOTS];
    s->num = pred->err == CO_OK ? (int64_t)pred->data : -1;
    s->gen = co__is_live(m, s->num) ? m->fd[s->num].gen : 0;
  }
  co__party_leave(m, swapped, t);
  return ((((kind + (kind == CO_OP_CALL ? op->entry : 0u)) * CO_SIT_COUNT +
            (unsigned)p->sa) *
               CO_SIT_COUNT +
           (unsigned)p->sb) *
              CO_ERR_COUNT +
          (unsigned)pred->err);
}
