/*
 * The reference model of the POSIX (Linux) descriptor layer.
 *
 * State: a descriptor table indexed by number (an entry is free, foreign, or
 * points at an open file description with a per-descriptor cloexec bit), the
 * open file descriptions (offset, access mode, O_APPEND, reference count),
 * the files (size), and the trace's slots. Pure C: no system calls.
 *
 * Not modelled: EINTR/EIO from close (the descriptor is freed anyway, man
 * close NOTES), EBUSY from dup2 races (single-threaded traces), descriptor
 * limits other than RLIMIT_NOFILE.
 */
#include "closeonce/model.h"

#include <stdlib.h>
#include <string.h>

#include "closeonce/error.h"

struct fdent {
  int32_t ofd; /* -1: not open */
  uint32_t gen;
  uint8_t cloexec, foreign;
};

struct ofdent {
  int64_t off;
  int32_t file, refs;
  uint8_t acc, append;
};

struct slotent {
  int64_t num; /* -1: unset */
  uint32_t gen;
};

struct co_model {
  struct fdent *fd;
  size_t cap; /* numbers 0..cap-1 have entries; above, all are free */
  struct ofdent *ofd;
  size_t nofd, ofdcap;
  int64_t *fsize; /* file sizes */
  size_t nfile, filecap;
  struct slotent slot[CO_SLOTS];
  int64_t *foreign;
  size_t nforeign, foreigncap;
  int64_t freenum[CO_FREE_REFS];
  int64_t limit, high;
  uint32_t gen;
};

const unsigned co_model_transition_max =
    CO_OP_COUNT * CO_SIT_COUNT * CO_SIT_COUNT * CO_ERR_COUNT;

static const char *const sit_names[CO_SIT_COUNT] = {
    "unset", "live", "stale", "reused", "free", "free-live", "neg", "limit"};

const char *co_sit_name(enum co_sit s) {
  return (unsigned)s < CO_SIT_COUNT ? sit_names[s] : "?";
}

struct co_model *co_model_new(void) {
  return calloc(1, sizeof(struct co_model));
}

void co_model_free(struct co_model *m) {
  if (!m)
    return;
  free(m->fd);
  free(m->ofd);
  free(m->fsize);
  free(m->foreign);
  free(m);
}

static int is_foreign_list(const struct co_model *m, int64_t num) {
  size_t lo = 0, hi = m->nforeign;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->foreign[mid] == num)
      return 1;
    if (m->foreign[mid] < num)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

/* Make entries exist for numbers 0..num. Returns -1 on ENOMEM. */
static int ensure(struct co_model *m, int64_t num) {
  size_t need = (size_t)num + 1, cap, i;
  struct fdent *fd;
  if (need <= m->cap)
    return 0;
  cap = m->cap ? m->cap : 64;
  while (cap < need)
    cap *= 2;
  fd = realloc(m->fd, cap * sizeof *fd);
  if (!fd)
    return -1;
  for (i = m->cap; i < cap; i++) {
    fd[i].ofd = -1;
    fd[i].gen = 0;
    fd[i].cloexec = 0;
    fd[i].foreign = 0;
  }
  m->fd = fd;
  for (i = 0; i < m->nforeign; i++)
    if ((size_t)m->foreign[i] >= m->cap && (size_t)m->foreign[i] < cap)
      fd[m->foreign[i]].foreign = 1;
  m->cap = cap;
  return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  size_t c;
  void *q;
  if (need <= *cap)
    return 0;
  c = *cap ? *cap * 2 : 32;
  while (c < need)
    c *= 2;
  q = realloc(*p, c * size);
  if (!q)
    return -1;
  *p = q;
  *cap = c;
  return 0;
}

int co_model_begin(struct co_model *m, const struct co_model_config *cfg) {
  size_t i;
  int64_t num;
  int same =
      cfg->nforeign == m->nforeign && m->fd &&
      (cfg->nforeign == 0 || memcmp(cfg->foreign, m->foreign,
                                    cfg->nforeign * sizeof *cfg->foreign) == 0);
  if (!same) {
    if (grow((void **)&m->foreign, &m->foreigncap, cfg->nforeign + 1,
             sizeof *m->foreign) < 0)
      return -1;
    if (cfg->nforeign)
      memcpy(m->foreign, cfg->foreign, cfg->nforeign * sizeof *m->foreign);
    m->nforeign = cfg->nforeign;
    for (i = 0; i < m->cap; i++) {
      m->fd[i].ofd = -1;
      m->fd[i].foreign = 0;
    }
    for (i = 0; i < m->nforeign; i++)
      if ((size_t)m->foreign[i] < m->cap)
        m->fd[m->foreign[i]].foreign = 1;
  } else {
    /* Only numbers up to the last trace's high mark can be open. */
    for (i = 0; i < m->cap && (int64_t)i <= m->high; i++)
      m->fd[i].ofd = -1;
  }
  m->limit = cfg->limit;
  m->high = -1;
  m->nofd = m->nfile = 0;
  for (i = 0; i < CO_SLOTS; i++) {
    m->slot[i].num = -1;
    m->slot[i].gen = 0;
  }
  /* The free numbers f0..f31, and table entries a little past them. */
  num = 0;
  for (i = 0; i < CO_FREE_REFS; i++) {
    while (is_foreign_list(m, num))
      num++;
    m->freenum[i] = num < m->limit ? num : -1;
    num++;
  }
  if (ensure(m, num + 64) < 0)
    return -1;
  return 0;
}

static int is_open(const struct co_model *m, int64_t num) {
  if (num < 0 || (uint64_t)num >= m->cap)
    return 0;
  return m->fd[num].foreign || m->fd[num].ofd >= 0;
}

static int is_live(const struct co_model *m, int64_t num) {
  return num >= 0 && (uint64_t)num < m->cap && m->fd[num].ofd >= 0;
}

/* The lowest number >= from that is not open, or -1 if none is below the
 * limit (man open, man dup: "the lowest-numbered file descriptor not
 * currently open"). Ensures the entry exists. */
static int64_t lowest_free(struct co_model *m, int64_t from) {
  int64_t n = from < 0 ? 0 : from;
  for (;; n++) {
    if (n >= m->limit)
      return -1;
    if ((uint64_t)n >= m->cap && ensure(m, n) < 0)
      return -1;
    if (!is_open(m, n))
      return n;
  }
}

static void install(struct co_model *m, int64_t num, int32_t ofd, int cloexec) {
  struct fdent *e = &m->fd[num];
  e->ofd = ofd;
  e->cloexec = (uint8_t)(cloexec != 0);
  e->gen = ++m->gen;
  m->ofd[ofd].refs++;
  if (num > m->high)
    m->high = num;
}

static void release(struct co_model *m, int64_t num) {
  struct fdent *e = &m->fd[num];
  m->ofd[e->ofd].refs--;
  e->ofd = -1;
}

void co_model_resolve(const struct co_model *m, const struct co_op *op,
                      struct co_call *out) {
  const struct co_ref *r[2] = {&op->a, &op->b};
  int64_t v[2];
  int i;
  for (i = 0; i < 2; i++) {
    switch (r[i]->type) {
    case CO_REF_SLOT:
      v[i] = m->slot[r[i]->idx % CO_SLOTS].num;
      break;
    case CO_REF_FREE:
      v[i] = m->freenum[r[i]->idx % CO_FREE_REFS];
      break;
    case CO_REF_NEG:
      v[i] = -1;
      break;
    default:
      v[i] = m->limit;
    }
  }
  out->kind = op->kind;
  out->flags = op->flags;
  out->a = v[0];
  out->b = v[1];
  out->n = op->n;
}

enum co_sit co_model_sit(const struct co_model *m, struct co_ref r) {
  int64_t num;
  switch (r.type) {
  case CO_REF_SLOT:
    num = m->slot[r.idx % CO_SLOTS].num;
    if (num < 0)
      return CO_SIT_UNSET;
    if (!is_live(m, num))
      return CO_SIT_STALE;
    return m->fd[num].gen == m->slot[r.idx % CO_SLOTS].gen ? CO_SIT_LIVE
                                                           : CO_SIT_REUSED;
  case CO_REF_FREE:
    return is_live(m, m->freenum[r.idx % CO_FREE_REFS]) ? CO_SIT_FREE_LIVE
                                                        : CO_SIT_FREE;
  case CO_REF_NEG:
    return CO_SIT_NEG;
  default:
    return CO_SIT_LIMIT;
  }
}

static void fail(struct co_outcome *o, int err) {
  o->ret = -1;
  o->err = err;
}

static void touch(struct co_effect *t, int64_t num) {
  if (num >= 0 && t->n < CO_TOUCH_MAX)
    t->num[t->n++] = num;
}

/* A new file and a new open file description on it. Returns the description
 * id, or -1 on ENOMEM. */
static int32_t new_ofd(struct co_model *m, int acc, int append) {
  struct ofdent *d;
  if (grow((void **)&m->ofd, &m->ofdcap, m->nofd + 1, sizeof *m->ofd) < 0 ||
      grow((void **)&m->fsize, &m->filecap, m->nfile + 1, sizeof *m->fsize) < 0)
    return -1;
  m->fsize[m->nfile] = 0;
  d = &m->ofd[m->nofd];
  d->off = 0;
  d->file = (int32_t)m->nfile++;
  d->refs = 0;
  d->acc = (uint8_t)acc;
  d->append = (uint8_t)(append != 0);
  return (int32_t)m->nofd++;
}

/* dup2/dup3 after validation: close the target silently, then install
 * (man dup: "the steps of closing and reusing newfd are performed
 * atomically"; errors of the implicit close are lost). */
static void dup_onto(struct co_model *m, int64_t o, int64_t n, int cloexec,
                     struct co_outcome *pred, struct co_effect *t) {
  int32_t ofd = m->fd[o].ofd;
  if (ensure(m, n) < 0) {
    fail(pred, CO_OTHER);
    return;
  }
  if (m->fd[n].ofd >= 0)
    release(m, n);
  install(m, n, ofd, cloexec);
  pred->ret = n;
  t->same_a = n;
  t->same_b = o;
}

unsigned co_model_step(struct co_model *m, const struct co_op *op,
                       const struct co_call *c, struct co_outcome *pred,
                       struct co_effect *t) {
  enum co_sit sa = CO_SIT_NEG, sb = CO_SIT_NEG;
  const struct co_opdesc *d = &co_opdesc[op->kind];
  int64_t a = c->a, b = c->b, n;
  /* The kernel takes descriptor arguments as unsigned int (fs/file.c); a
   * negative number is a huge one, never open, never below the limit. */
  uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
  unsigned id;

  if (d->nrefs >= 1)
    sa = co_model_sit(m, op->a);
  if (d->nrefs >= 2)
    sb = co_model_sit(m, op->b);
  pred->ret = 0;
  pred->err = CO_OK;
  pred->raw = 0;
  t->n = t->sweep = t->refused = 0;
  t->same_a = t->same_b = -1;

  /* Guard: never act on a descriptor the trace does not reach. */
  if ((d->nrefs >= 1 && c->kind != CO_OP_CLOSE_RANGE &&
       co_model_is_foreign(m, a)) ||
      ((c->kind == CO_OP_DUP2 || c->kind == CO_OP_DUP3) &&
       co_model_is_foreign(m, b))) {
    t->refused = 1;
    fail(pred, CO_EPERM);
    goto done;
  }

  switch ((enum co_opkind)c->kind) {
  case CO_OP_OPEN: {
    /* man open: lowest unused number, a new open file description;
     * cloexec iff O_CLOEXEC; EMFILE at RLIMIT_NOFILE. */
    int32_t ofd;
    n = lowest_free(m, 0);
    if (n < 0) {
      fail(pred, CO_EMFILE);
      break;
    }
    ofd = new_ofd(m, c->flags & CO_F_ACC_MASK, c->flags & CO_F_APPEND);
    if (ofd < 0) {
      fail(pred, CO_OTHER);
      break;
    }
    install(m, n, ofd, c->flags & CO_F_CLOEXEC);
    pred->ret = n;
    touch(t, n);
    break;
  }
  case CO_OP_DUP:
    /* man dup: EBADF; lowest unused number, same description, cloexec off.
     */
    if (!is_open(m, a)) {
      fail(pred, CO_EBADF);
      break;
    }
    n = lowest_free(m, 0);
    if (n < 0) {
      fail(pred, CO_EMFILE);
      break;
    }
    install(m, n, m->fd[a].ofd, 0);
    pred->ret = n;
    t->same_a = n;
    t->same_b = a;
    touch(t, n);
    break;
  case CO_OP_DUP2:
    /* man dup; S§4; fs/file.c: oldfd == newfd returns newfd if oldfd is
     * open (cloexec kept, P), else EBADF; newfd >= limit: EBADF; oldfd not
     * open: EBADF and newfd untouched. */
    touch(t, b);
    if (ua == ub) {
      if (is_open(m, a))
        pred->ret = a;
      else
        fail(pred, CO_EBADF);
      break;
    }
    if ((int64_t)ub >= m->limit || !is_open(m, a)) {
      fail(pred, CO_EBADF);
      break;
    }
    dup_onto(m, a, b, 0, pred, t);
    break;
  case CO_OP_DUP3:
    /* man dup3; fs/file.c ksys_dup3: bad flags EINVAL, then oldfd == newfd
     * EINVAL, then newfd >= limit EBADF, then oldfd not open EBADF. */
    touch(t, b);
    if (c->flags & CO_F_BIT1) {
      fail(pred, CO_EINVAL);
      break;
    }
    if (ua == ub) {
      fail(pred, CO_EINVAL);
      break;
    }
    if ((int64_t)ub >= m->limit || !is_open(m, a)) {
      fail(pred, CO_EBADF);
      break;
    }
    dup_onto(m, a, b, c->flags & CO_F_BIT0, pred, t);
    break;
  case CO_OP_DUPFD:
    /* man fcntl: F_DUPFD(_CLOEXEC) gives the lowest free number >= arg;
     * the descriptor is looked up first (EBADF), then arg >= limit (arg is
     * unsigned, so -1 too) is EINVAL, S§4; none free below the limit:
     * EMFILE. */
    if (!is_open(m, a)) {
      fail(pred, CO_EBADF);
      break;
    }
    if ((int64_t)ub >= m->limit) {
      fail(pred, CO_EINVAL);
      break;
    }
    n = lowest_free(m, (int64_t)ub);
    if (n < 0) {
      fail(pred, CO_EMFILE);
      break;
    }
    install(m, n, m->fd[a].ofd, c->flags & CO_F_BIT0);
    pred->ret = n;
    t->same_a = n;
    t->same_b = a;
    touch(t, n);
    break;
  case CO_OP_GETFD:
    /* man fcntl: F_GETFD returns the per-descriptor FD_CLOEXEC bit. */
    touch(t, a);
    if (!is_open(m, a))
      fail(pred, CO_EBADF);
    else
      pred->ret = m->fd[a].cloexec;
    break;
  case CO_OP_SETFD:
    touch(t, a);
    if (!is_open(m, a))
      fail(pred, CO_EBADF);
    else
      m->fd[a].cloexec = (uint8_t)(c->flags & CO_F_BIT0);
    break;
  case CO_OP_GETFL:
    /* man fcntl: F_GETFL reads the open file description's flags; the
     * value is normalized to CO_F_ACC_* | CO_F_APPEND by the backend. */
    touch(t, a);
    if (!is_open(m, a)) {
      fail(pred, CO_EBADF);
      break;
    }
    pred->ret = m->ofd[m->fd[a].ofd].acc |
                (m->ofd[m->fd[a].ofd].append ? CO_F_APPEND : 0);
    break;
  case CO_OP_SETFL:
    /* man fcntl: F_SETFL changes O_APPEND on the description: every
     * descriptor on it sees the change (P). */
    touch(t, a);
    if (!is_open(m, a))
      fail(pred, CO_EBADF);
    else
      m->ofd[m->fd[a].ofd].append = (uint8_t)(c->flags & CO_F_BIT0);
    break;
  case CO_OP_CLOSE:
    /* man close: not open -> EBADF; otherwise freed, even on error. */
    touch(t, a);
    if (!is_open(m, a))
      fail(pred, CO_EBADF);
    else
      release(m, a);
    break;
  case CO_OP_CLOSE_RANGE: {
    /* man close_range: first > last (unsigned) -> EINVAL; otherwise every
     * open number in the range is closed (or marked cloexec), errors
     * ignored. Foreign numbers are outside any trace: the executor splits
     * the call around them. */
    uint64_t i, hi;
    t->sweep = 1;
    if (ua > ub) {
      fail(pred, CO_EINVAL);
      break;
    }
    hi = ub < m->cap ? ub : m->cap - 1;
    for (i = ua; i <= hi && i < m->cap; i++) {
      if (m->fd[i].ofd < 0)
        continue;
      if (c->flags & CO_F_BIT0)
        m->fd[i].cloexec = 1;
      else
        release(m, (int64_t)i);
    }
    break;
  }
  case CO_OP_WRITE: {
    /* man write: EBADF if not open for writing; a count of 0 returns 0 and
     * changes nothing; O_APPEND moves the offset to the end first. */
    struct ofdent *o;
    touch(t, a);
    if (!is_open(m, a)) {
      fail(pred, CO_EBADF);
      break;
    }
    o = &m->ofd[m->fd[a].ofd];
    if (o->acc == CO_F_ACC_RDONLY) {
      fail(pred, CO_EBADF);
      break;
    }
    pred->ret = c->n;
    if (c->n == 0)
      break;
    if (o->append)
      o->off = m->fsize[o->file];
    o->off += c->n;
    if (o->off > m->fsize[o->file])
      m->fsize[o->file] = o->off;
    break;
  }
  case CO_OP_LSEEK: {
    /* man lseek: the offset of the description; a negative result is
     * EINVAL and leaves the offset. */
    struct ofdent *o;
    int64_t base, pos;
    touch(t, a);
    if (!is_open(m, a)) {
      fail(pred, CO_EBADF);
      break;
    }
    o = &m->ofd[m->fd[a].ofd];
    switch (c->flags & CO_F_WHENCE_MASK) {
    case 0:
      base = 0;
      break;
    case 1:
      base = o->off;
      break;
    default:
      base = m->fsize[o->file];
    }
    pos = base + c->n;
    if (pos < 0) {
      fail(pred, CO_EINVAL);
      break;
    }
    o->off = pos;
    pred->ret = pos;
    break;
  }
  default:
    fail(pred, CO_ENOSYS);
  }

done:
  /* The result variable: the slot takes the return value, -1 on failure,
   * as `s = dup(x)` does in C. */
  if (d->binds) {
    struct slotent *s = &m->slot[op->dst % CO_SLOTS];
    s->num = pred->ret;
    s->gen = is_live(m, pred->ret) ? m->fd[pred->ret].gen : 0;
  }
  id = (((unsigned)c->kind * CO_SIT_COUNT + (unsigned)sa) * CO_SIT_COUNT +
        (unsigned)sb) *
           CO_ERR_COUNT +
       (unsigned)pred->err;
  return id;
}

void co_model_fd(const struct co_model *m, int64_t num,
                 struct co_fdstate *out) {
  memset(out, 0, sizeof *out);
  out->ofd = -1;
  if (!is_live(m, num))
    return;
  out->live = 1;
  out->cloexec = m->fd[num].cloexec;
  out->ofd = m->fd[num].ofd;
  out->offset = m->ofd[out->ofd].off;
  out->acc = m->ofd[out->ofd].acc;
  out->append = m->ofd[out->ofd].append;
}

int64_t co_model_rep(const struct co_model *m, int64_t num) {
  int64_t i;
  if (!is_live(m, num))
    return -1;
  for (i = 0; i <= m->high; i++)
    if (m->fd[i].ofd == m->fd[num].ofd)
      return i;
  return -1;
}

int64_t co_model_next_live(const struct co_model *m, int64_t after) {
  int64_t i = after < 0 ? 0 : after + 1;
  for (; i <= m->high; i++)
    if (m->fd[i].ofd >= 0)
      return i;
  return -1;
}

int64_t co_model_high(const struct co_model *m) {
  return m->high;
}

int64_t co_model_free_number(const struct co_model *m, unsigned k) {
  int64_t num;
  unsigned i;
  if (k < CO_FREE_REFS)
    return m->freenum[k];
  num = m->freenum[CO_FREE_REFS - 1];
  if (num < 0)
    return -1;
  for (i = CO_FREE_REFS - 1; i < k;) {
    num++;
    if (!is_foreign_list(m, num))
      i++;
  }
  return num < m->limit ? num : -1;
}

int co_model_is_foreign(const struct co_model *m, int64_t num) {
  if (num >= 0 && (uint64_t)num < m->cap)
    return m->fd[num].foreign;
  return is_foreign_list(m, num);
}

int64_t co_model_slot(const struct co_model *m, unsigned slot) {
  return m->slot[slot % CO_SLOTS].num;
}
