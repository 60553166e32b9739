/*
 * The reference model of the OS handle layer: POSIX (Linux) descriptors,
 * and Win32 HANDLEs (CO_PLATFORM_WIN32: values chosen by the OS and bound
 * from the platform's result, inherit and protect-from-close flags per
 * handle, DuplicateHandle's close-source rules).
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

#include "closeonce/contract.h"
#include "closeonce/error.h"

struct fdent {
  int32_t ofd; /* -1: not open */
  uint32_t gen;
  uint8_t cloexec, foreign;
  uint8_t protect; /* Win32 HANDLE_FLAG_PROTECT_FROM_CLOSE */
};

struct ofdent {
  int64_t off; /* -1: unknown (after a layer's opaque I/O) */
  int32_t file, refs;
  uint8_t acc, append;
};

/* An owner layer's object (a FILE*, a gzFile, ...). */
struct objent {
  uint8_t live, owns;
  uint8_t failed;  /* a sticky I/O error (CO_IO_STICKY) */
  uint8_t needs;   /* CO_NEED_* of the mode it was made with */
  uint8_t own;     /* CO_OWN_*: the object's own append and text flags */
  int64_t num;     /* the descriptor it holds */
  uint32_t numgen; /* that number's generation when taken; 0: not open then */
  unsigned entry_base;
  int8_t inner;      /* a wrapper (CO_EFF_WRAP): the slot of the object it
                        wraps (which may since hold another object); -1 */
  int64_t in_onum;   /* a wrapper: the number of the object it wraps, */
  uint32_t in_ongen; /* and that number's generation when wrapped */
  uint8_t numbered;  /* its layer's objects are numbers */
  int64_t onum;      /* numbered: its number */
  uint32_t ongen;    /* that number's generation when taken */
  /* paged layers (a descriptor pager): num is the parked descriptor */
  uint8_t paged, resident;
  uint16_t pins;   /* lends not yet returned */
  uint32_t tick;   /* when last used: the LRU order */
  int64_t win;     /* the window copy while resident */
  uint32_t wingen; /* its generation when made */
  int64_t wnum;    /* Win32: its C-runtime number (POSIX: win) */
  uint32_t wngen;  /* that number's generation */
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
  int64_t *fsize; /* file sizes; -1: unknown */
  size_t nfile, filecap;
  struct slotent slot[CO_SLOTS];
  struct objent obj[CO_OBJS];
  int64_t *foreign;
  size_t nforeign, foreigncap;
  int64_t *frun; /* frun[j]: the first number past foreign[j]'s run of
                    consecutive foreign numbers (lowest-free skips it) */
  size_t fruncap;
  int64_t freenum[CO_FREE_REFS];
  int64_t limit, high;
  int64_t base; /* every number below it is foreign (open all trace long) */
  uint32_t gen;
  int platform; /* enum co_platform */
  unsigned quirks;
  int64_t stride; /* numbers are multiples of it (Win32: 4) */
  int64_t hint;   /* Win32: the value the platform gave the new handle */
  /* numbered layers' numbers: 0 free, 1 in use at the start, 2 an object's */
  uint8_t onum_used[CO_OBJNUMS];
  uint32_t onum_gen[CO_OBJNUMS], ogen;
  /* the pager (paged layers): window size, watermark, LRU clock */
  unsigned window;
  int64_t watermark;
  uint32_t tick;
};

int64_t co_platform_stride(int platform) {
  /* Win32 handle values are multiples of 4; the low two bits are ignored
   * (docs/win32.md#values: 0x31 names 0x30). */
  return platform == CO_PLATFORM_WIN32 ? 4 : 1;
}

/* The first candidate number: 0 on POSIX; on Win32 NULL is never a handle.
 */
static int64_t first_number(const struct co_model *m) {
  return m->stride > 1 ? m->stride : 0;
}

const unsigned co_model_transition_max =
    (CO_OP_COUNT + CO_ENTRIES_MAX) * CO_SIT_COUNT * CO_SIT_COUNT * CO_ERR_COUNT;

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
  free(m->frun);
  free(m);
}

/* The index of num in the sorted foreign set, or -1. */
static long foreign_index(const struct co_model *m, int64_t num) {
  size_t lo = 0, hi = m->nforeign;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->foreign[mid] == num)
      return (long)mid;
    if (m->foreign[mid] < num)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static int is_foreign_list(const struct co_model *m, int64_t num) {
  return foreign_index(m, num) >= 0;
}

/* The first number >= num that is not foreign: past num's run of
 * consecutive foreign numbers, in O(log n). */
static int64_t past_foreign(const struct co_model *m, int64_t num) {
  long j = foreign_index(m, num);
  return j < 0 ? num : m->frun[j];
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
    fd[i].protect = 0;
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
  m->stride = co_platform_stride(cfg->platform);
  if (!same) {
    if (grow((void **)&m->foreign, &m->foreigncap, cfg->nforeign + 1,
             sizeof *m->foreign) < 0 ||
        grow((void **)&m->frun, &m->fruncap, cfg->nforeign + 1,
             sizeof *m->frun) < 0)
      return -1;
    if (cfg->nforeign)
      memcpy(m->foreign, cfg->foreign, cfg->nforeign * sizeof *m->foreign);
    m->nforeign = cfg->nforeign;
    for (i = m->nforeign; i-- > 0;)
      m->frun[i] =
          i + 1 < m->nforeign && m->foreign[i + 1] == m->foreign[i] + m->stride
              ? m->frun[i + 1]
              : m->foreign[i] + m->stride;
    for (i = 0; i < m->cap; i++) {
      m->fd[i].ofd = -1;
      m->fd[i].foreign = 0;
    }
    for (i = 0; i < m->nforeign; i++)
      if ((size_t)m->foreign[i] < m->cap)
        m->fd[m->foreign[i]].foreign = 1;
  } else {
    /* Only numbers from the base up to the last trace's high mark can have
     * been open in it (below the base all are foreign). */
    for (i = m->base > 0 ? (size_t)m->base : 0;
         i < m->cap && (int64_t)i <= m->high; i++)
      m->fd[i].ofd = -1;
  }
  m->limit = cfg->limit;
  m->platform = cfg->platform;
  m->quirks = cfg->quirks;
  m->hint = -1;
  m->high = -1;
  m->nofd = m->nfile = 0;
  for (i = 0; i < CO_SLOTS; i++) {
    m->slot[i].num = -1;
    m->slot[i].gen = 0;
  }
  memset(m->obj, 0, sizeof m->obj);
  for (i = 0; i < CO_OBJS; i++) {
    m->obj[i].inner = -1;
    m->obj[i].onum = -1;
  }
  memset(m->onum_used, 0, sizeof m->onum_used);
  for (i = 0; i < cfg->nobjforeign; i++)
    if (cfg->objforeign[i] >= 0 && cfg->objforeign[i] < CO_OBJNUMS)
      m->onum_used[cfg->objforeign[i]] = 1;
  /* Lowest-free searches start at the first number not foreign: with
   * thousands of descriptors open before the trace, an open costs the
   * same as with three. */
  /* The free numbers f0..f31 (runs of foreign numbers skipped at once),
   * and table entries a little past them. */
  num = first_number(m);
  for (i = 0; i < CO_FREE_REFS; i++) {
    num = past_foreign(m, num);
    m->freenum[i] = num < m->limit ? num : -1;
    num += m->stride;
  }
  /* Every number below f0 is foreign: searches start there. */
  m->base =
      m->platform == CO_PLATFORM_WIN32 || m->freenum[0] < 0 ? 0 : m->freenum[0];
  if (ensure(m, num + 64) < 0)
    return -1;
  m->window = cfg->window;
  m->tick = 0;
  m->watermark = -1;
  if (cfg->window) {
    m->watermark = cfg->watermark;
    if (m->watermark <= 0 && m->platform == CO_PLATFORM_WIN32) {
      int k, nfree = 0;
      for (k = 0; k < CO_OBJNUMS && nfree <= CO_PAGER_LOW_WIN32; k++)
        if (!m->onum_used[k] && nfree++ == CO_PAGER_LOW_WIN32)
          m->watermark = k;
    } else if (m->watermark <= 0) {
      m->watermark = m->freenum[CO_PAGER_LOW];
    }
    if (m->watermark <= 0 || ensure(m, m->watermark + 64) < 0)
      return -1;
  }
  return 0;
}

int64_t co_model_watermark(const struct co_model *m) {
  return m->window ? m->watermark : -1;
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
 * currently open"). Ensures the entry exists. On Win32 the OS chooses
 * (docs/win32.md#values): the value the platform returned,
 * if it is a handle value not open in the model; else -1. */
static int64_t lowest_free(struct co_model *m, int64_t from) {
  int64_t n = from < 0 ? 0 : from;
  if (m->platform == CO_PLATFORM_WIN32) {
    n = m->hint;
    if (n <= 0 || n % m->stride || n >= m->limit || is_open(m, n) ||
        ensure(m, n) < 0)
      return -1;
    return n;
  }
  if (n < m->base)
    n = m->base;
  for (;;) {
    if (n >= m->limit)
      return -1;
    if ((uint64_t)n >= m->cap && ensure(m, n) < 0)
      return -1;
    if (!is_open(m, n))
      return n;
    n = m->fd[n].foreign ? past_foreign(m, n) : n + 1;
  }
}

static void install(struct co_model *m, int64_t num, int32_t ofd, int cloexec) {
  struct fdent *e = &m->fd[num];
  e->ofd = ofd;
  e->cloexec = (uint8_t)(cloexec != 0);
  e->protect = 0;
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
  out->hint = -1;
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

static void touch(struct co_aftermath *t, int64_t num) {
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

/* n bytes written through description o: O_APPEND moves the offset to the
 * end first (man write); a count of 0 changes nothing. Unknown offsets and
 * sizes stay unknown. */
static void ofd_write(struct co_model *m, struct ofdent *o, int64_t n) {
  int64_t *size = &m->fsize[o->file];
  if (n == 0 && o->append &&
      (m->quirks & CO_QUIRK_WINE_EMPTY_APPEND_WRITE_MOVES))
    o->off = *size;
  if (n == 0)
    return;
  if (o->append)
    o->off = *size;
  if (o->off < 0) {
    *size = -1;
    return;
  }
  o->off += n;
  if (*size >= 0 && o->off > *size)
    *size = o->off;
}

/* After a layer's opaque I/O through description o. */
static void ofd_unknown(struct co_model *m, struct ofdent *o) {
  o->off = -1;
  m->fsize[o->file] = -1;
}

/* dup2/dup3 after validation: close the target silently, then install
 * (man dup: "the steps of closing and reusing newfd are performed
 * atomically"; errors of the implicit close are lost). */
static void dup_onto(struct co_model *m, int64_t o, int64_t n, int cloexec,
                     struct co_outcome *pred, struct co_aftermath *t) {
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

/* A new number n on num's open file description (dup, F_DUPFD,
 * DuplicateHandle, a layer's duplicate): the result, and an identity check
 * for the executor. */
static void dup_new(struct co_model *m, int64_t n, int64_t num, int cloexec,
                    struct co_outcome *pred, struct co_aftermath *t) {
  install(m, n, m->fd[num].ofd, cloexec);
  pred->ret = n;
  t->same_a = n;
  t->same_b = num;
  touch(t, n);
}

/* ---- owner layers ---- */

static int obj_num_valid(const struct co_model *m, const struct objent *o) {
  return o->numgen && is_live(m, o->num) && m->fd[o->num].gen == o->numgen;
}

/* ---- numbered layers: the C runtime's descriptors (docs/crt.md) ---- */

static int onum_valid(const struct co_model *m, const struct objent *o) {
  return o->numbered && o->onum >= 0 && o->onum < CO_OBJNUMS &&
         m->onum_used[o->onum] == 2 && m->onum_gen[o->onum] == o->ongen;
}

/* The live object that is number n now, or -1. */
static int onum_holder(const struct co_model *m, int64_t n) {
  int k;
  for (k = 0; k < CO_OBJS; k++)
    if (m->obj[k].live && m->obj[k].onum == n && onum_valid(m, &m->obj[k]))
      return k;
  return -1;
}

/* Give o the lowest free number (UCRT osfinfo.cpp: a linear scan for the
 * lowest free slot; docs/crt.md#allocation). 0, or -1 if none is free
 * (EMFILE). */
static int onum_take(struct co_model *m, struct objent *o) {
  int n;
  for (n = 0; n < CO_OBJNUMS; n++)
    if (!m->onum_used[n]) {
      m->onum_used[n] = 2;
      o->onum = n;
      o->ongen = m->onum_gen[n] = ++m->ogen;
      return 0;
    }
  return -1;
}

static int onum_left(const struct co_model *m) {
  int n;
  for (n = 0; n < CO_OBJNUMS; n++)
    if (!m->onum_used[n])
      return 1;
  return 0;
}

/* The slot of the live object wrapper o wraps, or -1 when that object is
 * gone (its slot may hold another object since: the generation tells). */
static int inner_of(const struct co_model *m, const struct objent *o) {
  const struct objent *in;
  if (o->inner < 0)
    return -1;
  in = &m->obj[o->inner];
  return in->live && in->numbered && in->ongen == o->in_ongen ? o->inner : -1;
}

/* The live wrapper of object k, or -1. */
static int wrapper_of(const struct co_model *m, int k) {
  int w;
  for (w = 0; w < CO_OBJS; w++)
    if (m->obj[w].live && inner_of(m, &m->obj[w]) == k)
      return w;
  return -1;
}

/* A numbered object, or a wrapper over one, whose number was freed or given
 * to another object under it: what a call through it does depends on who
 * holds the number now, so it is never run. */
static int obj_lost(const struct co_model *m, const struct objent *o) {
  if (o->numbered)
    return !onum_valid(m, o);
  return o->inner >= 0 && !(o->in_onum >= 0 && o->in_onum < CO_OBJNUMS &&
                            m->onum_used[o->in_onum] == 2 &&
                            m->onum_gen[o->in_onum] == o->in_ongen);
}

static int64_t obj_number(const struct co_model *m, const struct objent *o) {
  (void)m;
  if (o->numbered)
    return o->onum;
  return o->inner >= 0 ? o->in_onum : -1;
}

/* A paged object's window copy is still the one it made. */
static int win_valid(const struct co_model *m, const struct objent *o) {
  return o->resident && is_live(m, o->win) && m->fd[o->win].gen == o->wingen;
}

static int pager_resident(const struct co_model *m) {
  int k, n = 0;
  for (k = 0; k < CO_OBJS; k++)
    n += m->obj[k].live && m->obj[k].paged && m->obj[k].resident;
  return n;
}

/* The object a page-in would page out first: the resident, unpinned one
 * used longest ago (vfd.h: least recently used); -1 if none. */
static int pager_victim(const struct co_model *m) {
  int k, v = -1;
  for (k = 0; k < CO_OBJS; k++) {
    const struct objent *o = &m->obj[k];
    if (o->live && o->paged && o->resident && !o->pins &&
        (v < 0 || o->tick < m->obj[v].tick))
      v = k;
  }
  return v;
}

/* Would paging o in evict a victim first? Its slot, or -1. */
static int pager_evicts(const struct co_model *m, const struct objent *o) {
  if (o->resident || pager_resident(m) < (int)m->window)
    return -1;
  return pager_victim(m);
}

int co_model_owner(const struct co_model *m, int64_t num) {
  int k, w, depth = 0;
  if (!is_live(m, num))
    return CO_PARTY_NONE;
  for (k = 0; k < CO_OBJS; k++) {
    const struct objent *o = &m->obj[k];
    if (o->live && o->paged && o->win == num && win_valid(m, o))
      return k; /* a pager's window copy (lent or not) */
    if (o->live && o->owns && o->num == num && obj_num_valid(m, o)) {
      /* an object another one wraps belongs to its wrapper */
      while ((w = wrapper_of(m, k)) >= 0 && depth++ < CO_OBJS)
        k = w;
      return k;
    }
  }
  return CO_PARTY_CLIENT;
}

void co_model_obj(const struct co_model *m, unsigned k,
                  struct co_objstate *out) {
  const struct objent *o = &m->obj[k % CO_OBJS];
  out->live = o->live;
  out->owns = o->owns;
  out->num = o->num;
  out->num_valid = o->live && obj_num_valid(m, o);
  out->entry_base = o->entry_base;
  out->inner = inner_of(m, o);
  out->wraps = o->inner >= 0;
  out->number = obj_number(m, o);
  out->lost = o->live && obj_lost(m, o);
  out->window = o->live && o->resident ? o->win : -1;
  out->window_number = o->live && o->resident ? o->wnum : -1;
  out->pins = o->live ? o->pins : 0;
}

static int add_ev(struct co_event *ev, int n, int kind, int why, int actor,
                  int owner, int client, int64_t num, int slot) {
  if (n >= CO_EVENTS_MAX)
    return n;
  ev[n].kind = (uint8_t)kind;
  ev[n].why = (uint8_t)why;
  ev[n].actor = (int8_t)actor;
  ev[n].owner = (int8_t)owner;
  ev[n].client = (int8_t)client;
  ev[n].num = num;
  ev[n].slot = (int8_t)slot;
  ev[n].objslot = 0;
  return n + 1;
}

/* An event whose operand is an object (the client closing oK, ...). */
static int add_obj_ev(struct co_event *ev, int n, int kind, int why, int actor,
                      int owner, int client, int64_t num, int obj) {
  int r = add_ev(ev, n, kind, why, actor, owner, client, num, obj);
  if (r > n)
    ev[n].objslot = 1;
  return r;
}

static int call_has_ref(const struct co_entry *e) {
  return e->effect == CO_EFF_ADOPT || e->effect == CO_EFF_ADOPT_ON_SUCCESS ||
         e->effect == CO_EFF_BORROW;
}

static int call_has_obj(const struct co_entry *e) {
  return e->effect != CO_EFF_OPEN && !call_has_ref(e);
}

/* Does this entry make a system call on the object's descriptor? */
static int call_hits_os(const struct co_entry *e, const struct objent *o) {
  if (o->paged) /* its parked descriptor: duplicated to page in, closed */
    return e->effect == CO_EFF_CLOSE || e->effect == CO_EFF_DUP_OBJ ||
           (!o->resident &&
            (e->effect == CO_EFF_LEND || e->effect == CO_EFF_USE ||
             e->effect == CO_EFF_PAGE_IN));
  return (e->effect == CO_EFF_CLOSE &&
          (o->owns || (e->io & CO_IO_CLOSES_ANY))) ||
         (e->effect == CO_EFF_USE && !o->failed) || e->effect == CO_EFF_DUP ||
         e->effect == CO_EFF_DUP_OBJ || e->effect == CO_EFF_DUP2_OBJ;
}

/* The first entry id of the layer whose objects entry e takes. */
static int operand_layer(const struct co_op *op, const struct co_entry *e) {
  const struct co_adapter *ad;
  co_entry_get(op->entry, &ad, NULL);
  if (e->effect == CO_EFF_WRAP)
    ad = co_adapter_find(e->inner);
  return ad ? co_adapter_first_entry(ad) : -1;
}

static int ref_slot(struct co_ref r) {
  return r.type == CO_REF_SLOT ? r.idx : -1;
}

/* A client operand in a stale situation. */
static int stale_ev(const struct co_model *m, struct co_ref r, int64_t num,
                    struct co_event *ev, int n) {
  enum co_sit sit = co_model_sit(m, r);
  if (sit == CO_SIT_STALE)
    return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_STALE, CO_PARTY_CLIENT,
                  CO_PARTY_NONE, 1, num, ref_slot(r));
  if (sit == CO_SIT_REUSED)
    return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_REUSED, CO_PARTY_CLIENT,
                  co_model_owner(m, num), 1, num, ref_slot(r));
  return n;
}

int co_model_events(const struct co_model *m, const struct co_op *op,
                    const struct co_call *c, struct co_event *ev) {
  int n = 0, w;
  if (op->kind == CO_OP_CALL) {
    const struct co_entry *e = co_entry_get(op->entry, NULL, NULL);
    if (!e)
      return 0;
    if (call_has_obj(e)) {
      const struct objent *o = &m->obj[op->obj];
      const struct objent *d =
          &m->obj[op->dst %
                  CO_OBJS]; /* dst: an object only for two-object entries */
      int layer = operand_layer(op, e), two = co_call_target(op);
      if (!o->live)
        return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_DEAD_OBJ, CO_PARTY_CLIENT,
                      CO_PARTY_NONE, 1, -1, op->obj);
      if ((int)o->entry_base != layer)
        return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_WRONG_LAYER,
                      CO_PARTY_CLIENT, CO_PARTY_NONE, 1, -1, op->obj);
      if (co_call_binds(op) == 1 && d->live)
        return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_OVERWRITE, CO_PARTY_CLIENT,
                      CO_PARTY_NONE, 1, -1, op->dst);
      if (two && !d->live)
        return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_DEAD_OBJ, CO_PARTY_CLIENT,
                      CO_PARTY_NONE, 1, -1, op->dst);
      if (two && (int)d->entry_base != layer)
        return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_WRONG_LAYER,
                      CO_PARTY_CLIENT, CO_PARTY_NONE, 1, -1, op->dst);
      if (e->effect == CO_EFF_CLOSE && o->inner >= 0 && obj_lost(m, o)) {
        /* A stream whose descriptor was closed under it: its close closes
         * that number again, whoever holds it now. */
        int64_t num = o->in_onum;
        if ((w = onum_holder(m, num)) >= 0)
          return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_REUSED, op->obj, w, 0,
                        num, op->obj);
        return add_ev(ev, n, CO_EV_INVALID_HANDLE, CO_WHY_GONE, op->obj,
                      CO_PARTY_NONE, 0, num, op->obj);
      }
      if (e->effect != CO_EFF_NUMBER &&
          (obj_lost(m, o) || (two && obj_lost(m, d)))) {
        const struct objent *l = obj_lost(m, o) ? o : d;
        int64_t num = obj_number(m, l);
        return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_LOST,
                      l == o ? op->obj : op->dst, onum_holder(m, num), 0, num,
                      l == o ? op->obj : op->dst);
      }
      /* Closing or replacing an object another one wraps (owns). */
      if ((e->effect == CO_EFF_CLOSE && (w = wrapper_of(m, op->obj)) >= 0) ||
          (two && op->dst != op->obj && (w = wrapper_of(m, op->dst)) >= 0))
        n = add_obj_ev(ev, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w,
                       1, e->effect == CO_EFF_CLOSE ? o->num : d->num,
                       e->effect == CO_EFF_CLOSE ? op->obj : op->dst);
      /* Wrapping an object that is wrapped already: two owners. */
      if (e->effect == CO_EFF_WRAP && (w = wrapper_of(m, op->obj)) >= 0)
        n = add_obj_ev(ev, n, CO_EV_VIOLATION, CO_WHY_ADOPT, CO_PARTY_CLIENT, w,
                       1, o->num, op->obj);
      if (two && op->dst != op->obj && d->owns && !obj_num_valid(m, d)) {
        /* _dup2's silent close of the target's old handle, which someone
         * closed: it closes whatever has that value now, another party's
         * handle or the new duplicate itself */
        if (is_live(m, d->num))
          n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_REUSED, op->dst,
                     co_model_owner(m, d->num), 0, d->num, op->dst);
        else
          n = add_ev(ev, n, CO_EV_INVALID_HANDLE, CO_WHY_GONE, op->dst,
                     CO_PARTY_NONE, 0, d->num, op->dst);
      }
      if (n)
        return n;
      if (e->effect == CO_EFF_CLOSE && (e->io & CO_IO_CLOSES_ANY) && !o->owns &&
          obj_num_valid(m, o))
        /* closes a descriptor it borrows: its owner's (the client asked) */
        return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_OWNED, op->obj,
                      co_model_owner(m, o->num), 1, o->num, op->obj);
      if (call_hits_os(e, o) && !obj_num_valid(m, o) && !o->owns)
        /* A borrowing object outlived the descriptor's owner: using it is
         * the client's mistake, like a borrowed slot used too late. */
        return add_ev(ev, n, CO_EV_VIOLATION,
                      is_live(m, o->num) ? CO_WHY_REUSED : CO_WHY_STALE,
                      op->obj, co_model_owner(m, o->num), 1, o->num, op->obj);
      if (call_hits_os(e, o) && !obj_num_valid(m, o)) {
        if (is_live(m, o->num))
          return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_REUSED, op->obj,
                        co_model_owner(m, o->num), 0, o->num, op->obj);
        return add_ev(ev, n, CO_EV_INVALID_HANDLE, CO_WHY_GONE, op->obj,
                      CO_PARTY_NONE, 0, o->num, op->obj);
      }
      if (o->paged && m->window) {
        /* a pager closing or writing through a window copy that was
         * closed under it (its own, or a victim it pages out) */
        int v = -1;
        const struct objent *x = NULL;
        if (o->resident && !win_valid(m, o) &&
            (e->effect == CO_EFF_CLOSE || e->effect == CO_EFF_PAGE_OUT ||
             e->effect == CO_EFF_USE))
          x = o, v = op->obj;
        else if ((e->effect == CO_EFF_LEND || e->effect == CO_EFF_USE ||
                  e->effect == CO_EFF_PAGE_IN) &&
                 (v = pager_evicts(m, o)) >= 0 && !win_valid(m, &m->obj[v]))
          x = &m->obj[v];
        if (x && is_live(m, x->win))
          return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_REUSED, op->obj,
                        co_model_owner(m, x->win), 0, x->win, v);
        if (x)
          return add_ev(ev, n, CO_EV_INVALID_HANDLE, CO_WHY_GONE, op->obj,
                        CO_PARTY_NONE, 0, x->win, v);
      }
      return n;
    }
    if (m->obj[op->dst].live)
      return add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_OVERWRITE, CO_PARTY_CLIENT,
                    CO_PARTY_NONE, 1, -1, op->dst);
    if (call_has_ref(e)) {
      int before = n;
      n = stale_ev(m, op->a, c->a, ev, n);
      if (n == before && e->effect == CO_EFF_BORROW &&
          (e->io & CO_IO_ACCESS_ONCE) && !is_open(m, c->a))
        /* it reads the descriptor's state once, and over one that is not
         * open that state is undefined (GLib: uninitialised flags) */
        n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_NOT_OPEN, CO_PARTY_CLIENT,
                   CO_PARTY_NONE, 1, c->a, ref_slot(op->a));
      else if (n == before && e->effect != CO_EFF_BORROW) {
        if (!is_open(m, c->a))
          n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_NOT_OPEN, CO_PARTY_CLIENT,
                     CO_PARTY_NONE, 1, c->a, ref_slot(op->a));
        else if ((w = co_model_owner(m, c->a)) >= 0)
          n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_ADOPT, CO_PARTY_CLIENT, w,
                     1, c->a, ref_slot(op->a));
      }
    }
    return n;
  }
  if (co_opdesc[op->kind].nrefs >= 1 && op->kind != CO_OP_CLOSE_RANGE) {
    int before = n;
    n = stale_ev(m, op->a, c->a, ev, n);
    if (n == before &&
        (op->kind == CO_OP_CLOSE || op->kind == CO_OP_DUP_CLOSE) &&
        (w = co_model_owner(m, c->a)) >= 0)
      n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w, 1,
                 c->a, ref_slot(op->a));
    else if (n == before && (w = co_model_owner(m, c->a)) >= 0 &&
             m->obj[w].paged && m->obj[w].win == c->a && !m->obj[w].pins)
      /* the lending rule (pager/vfd.h): a window descriptor is the
       * caller's to use only between vget and vput */
      n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_RETURNED, CO_PARTY_CLIENT, w, 1,
                 c->a, ref_slot(op->a));
  }
  if ((op->kind == CO_OP_DUP2 || op->kind == CO_OP_DUP3) &&
      (uint32_t)c->a != (uint32_t)c->b) {
    if (co_model_sit(m, op->b) == CO_SIT_REUSED)
      n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_REUSED, CO_PARTY_CLIENT,
                 co_model_owner(m, c->b), 1, c->b, ref_slot(op->b));
    else if ((w = co_model_owner(m, c->b)) >= 0)
      n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w, 1,
                 c->b, ref_slot(op->b));
  }
  if (op->kind == CO_OP_CLOSE_RANGE && (uint32_t)c->a <= (uint32_t)c->b) {
    int64_t i, hi = (int64_t)(uint32_t)c->b;
    if (hi > m->high)
      hi = m->high; /* nothing is live above it */
    for (i = (uint32_t)c->a; i <= hi; i++)
      if ((uint64_t)i < m->cap && m->fd[i].foreign)
        i = past_foreign(m, i) - 1; /* a foreign run: nobody's here */
      else if ((w = co_model_owner(m, i)) >= 0) {
        n = add_ev(ev, n, CO_EV_VIOLATION, CO_WHY_OWNED, CO_PARTY_CLIENT, w, 1,
                   i, -1);
        break;
      }
  }
  return n;
}

/* Would this layer call hand the library a foreign descriptor? */
static int call_touches_foreign(const struct co_model *m,
                                const struct co_op *op, int64_t a) {
  const struct co_entry *e = co_entry_get(op->entry, NULL, NULL);
  const struct objent *o = &m->obj[op->obj];
  if (!e)
    return 0;
  if (call_has_ref(e))
    return co_model_is_foreign(m, a);
  return call_has_obj(e) && o->live && co_model_is_foreign(m, o->num);
}

static int access_ok(int acc, int needs) {
  if ((needs & CO_NEED_READ) && acc == CO_F_ACC_WRONLY)
    return 0;
  if ((needs & CO_NEED_WRITE) && acc == CO_F_ACC_RDONLY)
    return 0;
  return 1;
}

/* A duplicate of object o's handle (a layer's dup, _dup, _dup2): EBADF if
 * the handle is not open, EMFILE if no number is free (or full: the layer
 * has no room). Returns the new number, or -1 with *pred failed. */
static int64_t obj_dup(struct co_model *m, const struct objent *o, int full,
                       int errs, struct co_outcome *pred,
                       struct co_aftermath *t) {
  int64_t n;
  if (!is_open(m, o->num)) {
    fail(pred, errs ? CO_EBADF : CO_OTHER);
    return -1;
  }
  n = lowest_free(m, 0);
  if (n < 0 || full) {
    fail(pred, errs ? CO_EMFILE : CO_OTHER);
    return -1;
  }
  dup_new(m, n, o->num, 0, pred, t);
  return n;
}

/* A fresh object in o: not wrapping anything; numbered layers take the
 * lowest free number (the caller checked one is left). */
static void new_obj(struct co_model *m, struct objent *o, int numbered) {
  memset(o, 0, sizeof *o);
  o->inner = -1;
  o->onum = -1;
  o->numbered = (uint8_t)numbered;
  if (numbered)
    onum_take(m, o);
}

/* _close of numbered object k (directly, or by its stream's fclose): the
 * number is freed whatever happens (UCRT close.cpp: "the slot is always
 * freed"); CloseHandle of what it owns, failing on a closed or protected
 * handle (docs/crt.md#close: -1, EBADF, the handle survives). */
static void close_numbered(struct co_model *m, struct objent *k,
                           struct co_outcome *pred, struct co_aftermath *t,
                           int errs) {
  m->onum_used[k->onum] = 0;
  touch(t, k->num);
  if (!k->owns)
    return;
  if (!is_open(m, k->num) || m->fd[k->num].protect) {
    fail(pred, errs ? CO_EBADF : CO_OTHER);
    return;
  }
  release(m, k->num);
}

/* The access mode a layer's OPEN gives its new description. */
static int mode_acc(const struct co_mode *md) {
  return md->needs == CO_NEED_READ    ? CO_F_ACC_RDONLY
         : md->needs == CO_NEED_WRITE ? CO_F_ACC_WRONLY
                                      : CO_F_ACC_RDWR;
}

/* ---- the descriptor pager (paged layers; pager/vfd.h) ---- */

/* Close o's window copy (page-out, eviction, close): closes whatever has
 * that number now (its own copy, or another party's if it was closed and
 * reused under it); EBADF if nothing does. Win32: _close frees the C
 * runtime's number too. */
static int win_close(struct co_model *m, struct objent *o,
                     struct co_aftermath *t) {
  int err = CO_OK;
  touch(t, o->win);
  if (is_live(m, o->win) && !m->fd[o->win].protect)
    release(m, o->win);
  else
    err = CO_EBADF;
  if (m->platform == CO_PLATFORM_WIN32 && o->wnum >= 0 &&
      o->wnum < CO_OBJNUMS && m->onum_used[o->wnum] == 2 &&
      m->onum_gen[o->wnum] == o->wngen)
    m->onum_used[o->wnum] = 0;
  o->resident = 0;
  o->win = o->wnum = -1;
  return err;
}

/* Page o in and make it the most recent: page out the victim if the window
 * is full (EBUSY if every resident one is lent), duplicate the parked
 * descriptor to the lowest free number with o's own close-on-exec (Win32:
 * DuplicateHandle, then _open_osfhandle's lowest free C-runtime number),
 * which must be below the watermark (else it is closed again: EMFILE). */
static int page_in(struct co_model *m, struct objent *o,
                   struct co_aftermath *t) {
  int64_t n, k = -1;
  int v;
  if (!o->resident) {
    if (pager_resident(m) >= (int)m->window) {
      if ((v = pager_victim(m)) < 0)
        return CO_EBUSY;
      win_close(m, &m->obj[v], t); /* its errors are not o's */
    }
    if (!is_open(m, o->num))
      return CO_EBADF;
    if ((n = lowest_free(m, 0)) < 0)
      return CO_EMFILE;
    if (m->platform == CO_PLATFORM_WIN32) {
      for (k = 0; k < CO_OBJNUMS && m->onum_used[k]; k++)
        ;
      if (k >= m->watermark)
        return CO_EMFILE; /* the duplicate is closed again */
    } else if (n >= m->watermark) {
      touch(t, n); /* dup'ed there and closed again */
      return CO_EMFILE;
    }
    /* Win32: window copies are never inheritable (pager/vfd.c) */
    install(m, n, m->fd[o->num].ofd,
            m->platform == CO_PLATFORM_WIN32 || (o->own & CO_OWN_CLOEXEC));
    touch(t, n);
    t->same_a = n;
    t->same_b = o->num;
    o->resident = 1;
    o->win = n;
    o->wingen = m->fd[n].gen;
    o->wnum = n;
    if (k >= 0) {
      m->onum_used[k] = 2;
      o->wnum = k;
      o->wngen = m->onum_gen[k] = ++m->ogen;
    }
  }
  o->tick = ++m->tick;
  return CO_OK;
}

/* A fresh virtual descriptor in o, parked at num. */
static void pager_obj(struct co_model *m, struct objent *o, int64_t num,
                      unsigned own, unsigned needs, unsigned base) {
  new_obj(m, o, 0);
  o->live = o->owns = o->paged = 1;
  o->num = num;
  o->numgen = m->fd[num].gen;
  o->own = (uint8_t)own;
  o->needs = (uint8_t)needs;
  o->entry_base = base;
  o->win = o->wnum = -1;
}

/* A call of a paged layer (contract.h, CO_EFF_UNPIN). Parked descriptors
 * are close-on-exec (POSIX) / not inheritable (Win32). */
static void pager_step(struct co_model *m, const struct co_op *op,
                       const struct co_call *c, const struct co_entry *e,
                       const struct co_mode *md, unsigned base,
                       struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = &m->obj[op->obj % CO_OBJS],
                *d = &m->obj[op->dst % CO_OBJS]; /* dst: a slot for LEND */
  int errs = e->sets_errno, err = CO_OK,
      win32 = m->platform == CO_PLATFORM_WIN32;
  int64_t n;
  int32_t ofd;
#define PFAIL(x) fail(pred, errs ? (x) : CO_OTHER)
  switch (e->effect) {
  case CO_EFF_OPEN: {
    int acc = mode_acc(md);
    if (!md->valid) {
      PFAIL(CO_EINVAL);
      break;
    }
    if ((n = lowest_free(m, m->watermark)) < 0) {
      PFAIL(CO_EMFILE);
      break;
    }
    if ((ofd = new_ofd(m, acc, md->sets_append)) < 0) {
      fail(pred, CO_OTHER);
      break;
    }
    install(m, n, ofd, 1);
    pager_obj(m, d, n, md->own, md->needs, base);
    t->obj = op->dst;
    touch(t, n);
    break;
  }
  case CO_EFF_ADOPT_ON_SUCCESS: {
    /* POSIX moves it above the watermark and closes the argument; Win32
     * keeps the handle. On failure the caller keeps it. */
    int64_t a = c->a;
    n = a;
    touch(t, a);
    if (!md->valid)
      err = CO_EINVAL;
    else if (!is_open(m, a))
      err = CO_EBADF;
    else if (!win32 && (n = lowest_free(m, m->watermark)) < 0)
      err = CO_EMFILE;
    if (err != CO_OK) {
      PFAIL(err);
      break;
    }
    if (!win32) {
      install(m, n, m->fd[a].ofd, 1);
      release(m, a);
      touch(t, n);
    }
    pager_obj(m, d, n, md->own, md->needs, base);
    t->obj = op->dst;
    break;
  }
  case CO_EFF_DUP_OBJ:
    /* a second virtual descriptor, parked on a duplicate, paged out,
     * without close-on-exec (as dup(2)) */
    t->actor = op->obj;
    t->obj = op->dst;
    if (!is_open(m, o->num)) {
      PFAIL(CO_EBADF);
      break;
    }
    if ((n = lowest_free(m, win32 ? 0 : m->watermark)) < 0) {
      PFAIL(CO_EMFILE);
      break;
    }
    dup_new(m, n, o->num, 1, pred, t);
    pager_obj(m, d, n, o->own & ~CO_OWN_CLOEXEC, o->needs, o->entry_base);
    pred->ret = 0;
    break;
  case CO_EFF_CLOSE:
    /* the window copy first, then the parked descriptor; the first error
     * is reported, the object is freed whatever happens */
    o->live = 0;
    if (o->resident)
      err = win_close(m, o, t);
    touch(t, o->num);
    if (is_live(m, o->num) && !m->fd[o->num].protect)
      release(m, o->num);
    else if (err == CO_OK)
      err = CO_EBADF;
    if (err != CO_OK)
      PFAIL(err);
    break;
  case CO_EFF_LEND:
    t->obj = op->obj;
    if ((err = page_in(m, o, t)) != CO_OK) {
      PFAIL(err);
      break;
    }
    o->pins++;
    pred->ret = o->win; /* Win32: the glue lends the handle (slots hold
                           handles); its C-runtime number is o->wnum */
    break;
  case CO_EFF_USE: {
    struct ofdent *f;
    t->obj = op->obj;
    if ((err = page_in(m, o, t)) != CO_OK) {
      PFAIL(err);
      break;
    }
    if (!is_live(m, o->win)) {
      PFAIL(CO_EBADF);
      break;
    }
    f = &m->ofd[m->fd[o->win].ofd];
    t->offset_num = o->win;
    if (o->own & CO_OWN_APPEND)
      f->off = m->fsize[f->file]; /* as the C runtime's _write (USE) */
    if (f->acc == CO_F_ACC_RDONLY) {
      PFAIL(CO_EBADF);
      break;
    }
    ofd_write(m, f, (o->own & CO_OWN_TEXT) ? 2 * (int64_t)c->n : c->n);
    pred->ret = c->n;
    break;
  }
  case CO_EFF_UNPIN:
    t->obj = op->obj;
    if (!o->pins) {
      PFAIL(CO_EINVAL);
      break;
    }
    o->pins--;
    o->tick = ++m->tick;
    break;
  case CO_EFF_PAGE_OUT:
    t->obj = op->obj;
    if (o->pins)
      err = CO_EBUSY;
    else if (o->resident)
      err = win_close(m, o, t);
    if (err != CO_OK)
      PFAIL(err);
    break;
  case CO_EFF_PAGE_IN:
    t->obj = op->obj;
    if ((err = page_in(m, o, t)) != CO_OK)
      PFAIL(err);
    break;
  default:
    fail(pred, CO_ENOSYS);
  }
#undef PFAIL
}

/* A layer call, after its events: the entry's effect on descriptors and
 * objects, from the contract alone (closeonce/contract.h). */
static void call_step(struct co_model *m, const struct co_op *op,
                      const struct co_call *c, struct co_outcome *pred,
                      struct co_aftermath *t) {
  const struct co_entry *e = co_entry_get(op->entry, NULL, NULL);
  const struct co_mode *md;
  struct objent *o;
  int base = e ? co_entry_find(e->name, strlen(e->name)) : -1;
  int errs = e && e->sets_errno, numbered = 0;
  int64_t n;
#define LFAIL(x) fail(pred, errs ? (x) : CO_OTHER)
  if (!e) {
    fail(pred, CO_ENOSYS);
    return;
  }
  {
    static const struct co_mode rw = {
        "", 1, CO_NEED_READ | CO_NEED_WRITE, 0, CO_SEEK_NEVER, 0};
    md = co_entry_nmodes(e) ? &e->modes[op->flags] : &rw;
  }
  {
    const struct co_adapter *ad;
    co_entry_get(op->entry, &ad, NULL);
    base = co_adapter_first_entry(ad);
    numbered = ad->contract->numbered != 0;
  }
  t->actor = call_has_obj(e) ? op->obj : CO_PARTY_CLIENT;
  o = &m->obj[call_has_obj(e) ? op->obj : op->dst];
  {
    const struct co_adapter *ad;
    co_entry_get(op->entry, &ad, NULL);
    if (co_adapter_paged(ad) && m->window) {
      pager_step(m, op, c, e, md, (unsigned)base, pred, t);
      return;
    }
  }
  switch (e->effect) {
  case CO_EFF_OPEN: {
    int32_t ofd;
    int acc = mode_acc(md);
    if (!md->valid) {
      LFAIL(CO_EINVAL);
      break;
    }
    n = lowest_free(m, 0);
    if (n < 0 || (numbered && !onum_left(m))) {
      LFAIL(CO_EMFILE);
      break;
    }
    if ((ofd = new_ofd(m, acc, md->sets_append)) < 0) {
      fail(pred, CO_OTHER);
      break;
    }
    install(m, n, ofd, 0);
    new_obj(m, o, numbered);
    o->own = md->own;
    o->live = o->owns = 1;
    o->failed = 0;
    o->needs = md->needs;
    o->num = n;
    o->numgen = m->fd[n].gen;
    o->entry_base = (unsigned)base;
    t->obj = op->dst;
    touch(t, n);
    break;
  }
  case CO_EFF_ADOPT:
  case CO_EFF_ADOPT_ON_SUCCESS:
  case CO_EFF_BORROW: {
    int64_t a = c->a;
    int err = CO_OK;
    if (!md->valid)
      err = CO_EINVAL;
    else if (a < 0 && !(e->checks & CO_CHK_ANY))
      err = CO_EBADF; /* docs/posix.md#fdopen; gzdopen(-1): NULL */
    else if ((e->checks & CO_CHK_VALID) && !is_open(m, a))
      err = CO_EBADF;
    else if ((e->checks & CO_CHK_ACCESS) && is_live(m, a) &&
             !access_ok(m->ofd[m->fd[a].ofd].acc, md->needs))
      err = CO_EINVAL;
    else if (numbered && !onum_left(m))
      err = CO_EMFILE; /* no free descriptor (docs/crt.md#open-osfhandle) */
    touch(t, a);
    if (err != CO_OK) {
      LFAIL(err);
      /* adopts even on failure: closes it on the error path */
      if (e->effect == CO_EFF_ADOPT && is_live(m, a))
        release(m, a);
      break;
    }
    new_obj(m, o, numbered);
    o->live = 1;
    o->failed = 0;
    o->own = md->own;
    o->owns = e->effect != CO_EFF_BORROW;
    o->needs = md->needs;
    o->num = a;
    o->numgen = is_live(m, a) ? m->fd[a].gen : 0;
    o->entry_base = (unsigned)base;
    if (is_live(m, a)) {
      struct ofdent *d = &m->ofd[m->fd[a].ofd];
      int had_append = d->append;
      if (md->sets_append)
        d->append = 1;
      if (md->seeks_end == CO_SEEK_ALWAYS ||
          (md->seeks_end == CO_SEEK_IF_SET_APPEND && !had_append))
        d->off = m->fsize[d->file];
      if (e->io & CO_IO_READS)
        ofd_unknown(m, d);
    }
    if ((e->io & CO_IO_ACCESS_ONCE) &&
        (!is_live(m, a) || m->ofd[m->fd[a].ofd].acc == CO_F_ACC_RDONLY))
      o->failed = 1; /* never writes: no system call */
    t->obj = op->dst;
    break;
  }
  case CO_EFF_LEND:
    pred->ret = o->num;
    t->obj = op->obj;
    break;
  case CO_EFF_DUP:
    t->obj = op->obj;
    obj_dup(m, o, 0, errs, pred, t);
    break;
  case CO_EFF_DETACH:
    pred->ret = o->num;
    o->live = 0;
    break;
  case CO_EFF_CLOSE: {
    int flush = CO_OK;
    if (o->inner >= 0 || o->numbered) {
      /* fclose (_close of its descriptor) and _close: the number is freed
       * whatever happens; the handle is closed if the object owns it. */
      int self = o->numbered ? (int)(o - m->obj) : inner_of(m, o);
      int h = onum_holder(m, obj_number(m, o));
      o->live = 0;
      t->obj = o->inner >= 0 ? self : -1;
      if (h < 0) {
        /* a descriptor closed already: UCRT's _close validation fires the
         * invalid-parameter handler (close.cpp); msvcrt does not */
        fail(pred, (m->quirks & CO_QUIRK_MSVCRT_NO_IPH) ? CO_EBADF : CO_IPH);
        break;
      }
      /* the object it wraps, or one given that number since */
      close_numbered(m, &m->obj[h], pred, t, errs);
      if (h == self)
        m->obj[h].live = 0;
      else
        t->obj = h;
      break;
    }
    o->live = 0;
    /* A layer that writes at close (compression trailer, buffers) fails
     * when the descriptor is gone or not writable, and closes anyway. */
    /* Even after a sticky error the close writes what is pending (zlib
     * gzclose_w runs gz_comp(Z_FINISH) unconditionally), into whatever
     * file the number names by then. */
    if ((e->io & CO_IO_OPAQUE) && (o->needs & CO_NEED_WRITE)) {
      if (!is_live(m, o->num) ||
          m->ofd[m->fd[o->num].ofd].acc == CO_F_ACC_RDONLY)
        flush = CO_EBADF;
      else
        ofd_unknown(m, &m->ofd[m->fd[o->num].ofd]);
    }
    touch(t, o->num); /* a borrowing object must leave it open */
    if (o->owns || (e->io & CO_IO_CLOSES_ANY)) {
      if (!is_open(m, o->num) || m->fd[o->num].protect) {
        if (!(e->io & CO_IO_SILENT))
          LFAIL(CO_EBADF); /* a protected handle: docs/win32.md#protect */
        break;
      }
      release(m, o->num);
    }
    if (flush != CO_OK && !(e->io & CO_IO_SILENT))
      LFAIL(flush);
    break;
  }
  case CO_EFF_USE: {
    /* a stream writes through the descriptor it wraps, with its flags */
    int in = inner_of(m, o);
    unsigned own = in >= 0 ? m->obj[in].own : o->own;
    int reaches =
        !o->failed && (o->needs & CO_NEED_WRITE) && is_live(m, o->num);
    struct ofdent *d = reaches ? &m->ofd[m->fd[o->num].ofd] : NULL;
    t->obj = op->obj;
    if (reaches && (own & CO_OWN_APPEND)) {
      /* UCRT write.cpp: seek to the end first, even when the write then
       * fails (observed on a read-only handle, msvcrt and UCRT under
       * Wine) */
      d->off = m->fsize[d->file];
      t->offset_num = o->num;
    }
    if ((e->io & CO_IO_SILENT) && (o->needs & CO_NEED_WRITE) && !o->failed &&
        (!reaches || d->acc == CO_F_ACC_RDONLY)) {
      pred->ret = c->n; /* buffered: the failure shows later, if ever */
      t->offset_num = -1;
      break;
    }
    if (!reaches || d->acc == CO_F_ACC_RDONLY) {
      LFAIL(CO_EBADF);
      if (e->io & CO_IO_STICKY)
        o->failed = 1;
      break;
    }
    if (e->io & CO_IO_OPAQUE) {
      ofd_unknown(m, d);
      t->offset_num = -1;
    } else {
      ofd_write(m, d, (own & CO_OWN_TEXT) ? 2 * (int64_t)c->n : c->n);
      t->offset_num = o->num;
    }
    pred->ret = c->n;
    break;
  }
  case CO_EFF_DUP_OBJ: {
    /* _dup (docs/crt.md#dup): the lowest free descriptor, a duplicate of
     * the handle (inheritable, DUPLICATE_SAME_ACCESS), owned by the new
     * descriptor; if DuplicateHandle fails the slot is released. */
    struct objent *d = &m->obj[op->dst];
    t->actor = op->obj;
    t->obj = op->dst;
    if ((n = obj_dup(m, o, o->numbered && !onum_left(m), errs, pred, t)) < 0)
      break;
    new_obj(m, d, o->numbered);
    d->live = d->owns = 1;
    d->needs = o->needs;
    d->own = o->own; /* the flags but FNOINHERIT (UCRT dup.cpp) */
    d->num = n;
    d->numgen = m->fd[n].gen;
    d->entry_base = o->entry_base;
    pred->ret = 0;
    break;
  }
  case CO_EFF_DUP2_OBJ: {
    /* _dup2 (docs/crt.md#dup2, docs/wine.md#dup2-same): the duplicate
     * is made first (on failure the target is untouched), then the
     * target's handle is closed with its errors ignored (a protected one
     * survives), the target holds the duplicate; returns 0. s == t: UCRT
     * changes nothing; Wine re-duplicates (a quirk). */
    struct objent *d = &m->obj[op->dst];
    int64_t old = d->num;
    int w;
    t->obj = op->dst;
    if (op->dst == op->obj && !(m->quirks & CO_QUIRK_WINE_DUP2_SAME_REDUPS))
      break;
    if ((n = obj_dup(m, o, 0, errs, pred, t)) < 0)
      break;
    if (d->owns && is_live(m, old) && !m->fd[old].protect) {
      release(m, old);
      /* the source's handle was the target's too; or the target's value
       * was stale and the duplicate got it (Wine reuses the lowest free
       * value, docs/wine.md#handle-values): CloseHandle closes the
       * duplicate itself */
      if (old == t->same_a || old == t->same_b)
        t->same_a = t->same_b = -1;
    }
    touch(t, old);
    d->owns = 1;
    d->failed = 0;
    d->needs = o->needs;
    d->own = o->own;
    d->num = n;
    d->numgen = m->fd[n].gen;
    for (w = 0; w < CO_OBJS; w++)
      if (m->obj[w].live && inner_of(m, &m->obj[w]) == op->dst) {
        m->obj[w].num = n;
        m->obj[w].numgen = d->numgen;
      }
    pred->ret = 0;
    break;
  }
  case CO_EFF_WRAP: {
    /* _fdopen (docs/crt.md#fdopen): a stream over the descriptor, no
     * check of the mode against the handle's access, the descriptor never
     * closed; a bad mode fires the invalid-parameter handler. */
    struct objent *d = &m->obj[op->dst];
    t->actor = op->obj;
    t->obj = op->dst;
    if (!md->valid) {
      fail(pred, (m->quirks & CO_QUIRK_MSVCRT_NO_IPH) ? CO_EINVAL : CO_IPH);
      break;
    }
    new_obj(m, d, 0);
    d->live = d->owns = 1;
    d->needs = md->needs;
    d->num = o->num;
    d->numgen = o->numgen;
    d->entry_base = (unsigned)base;
    d->inner = (int8_t)op->obj;
    d->in_onum = o->onum;
    d->in_ongen = o->ongen;
    pred->ret = 0;
    break;
  }
  case CO_EFF_NUMBER:
    /* _fileno: the stored number, unchecked (docs/crt.md#fileno) */
    t->obj = op->obj;
    pred->ret = obj_number(m, o);
    break;
  default:
    fail(pred, CO_ENOSYS);
  }
#undef LFAIL
}

/* The situation of a layer call's operand: its descriptor reference, or
 * its object (unset: no object; live; stale: its descriptor is gone;
 * reused: its number now holds another handle). */
static enum co_sit call_sit(const struct co_model *m, const struct co_op *op) {
  const struct co_entry *e = co_entry_get(op->entry, NULL, NULL);
  const struct objent *o = &m->obj[op->obj];
  if (!e)
    return CO_SIT_NEG;
  if (call_has_ref(e))
    return co_model_sit(m, op->a);
  if (!call_has_obj(e))
    return CO_SIT_NEG;
  if (!o->live)
    return CO_SIT_UNSET;
  if (obj_num_valid(m, o))
    return CO_SIT_LIVE;
  return is_live(m, o->num) ? CO_SIT_REUSED : CO_SIT_STALE;
}

/* co_model_refuses, given the step's events. */
static int refuses(const struct co_model *m, const struct co_op *op,
                   const struct co_call *c, const struct co_event *ev,
                   int nev) {
  const struct co_opdesc *d = &co_opdesc[op->kind];
  /* Never run: it would use freed memory or lose a live object. */
  if (nev && (ev[0].why == CO_WHY_DEAD_OBJ || ev[0].why == CO_WHY_OVERWRITE ||
              ev[0].why == CO_WHY_WRONG_LAYER || ev[0].why == CO_WHY_LOST))
    return 1;
  /* Guard: never act on a descriptor the trace does not reach. (A dup2
   * target at or above the limit is refused by the kernel before it
   * touches anything: EBADF, man dup.) */
  return (d->nrefs >= 1 && c->kind != CO_OP_CLOSE_RANGE &&
          co_model_is_foreign(m, c->a)) ||
         (c->kind == CO_OP_CALL && call_touches_foreign(m, op, c->a)) ||
         ((c->kind == CO_OP_DUP2 || c->kind == CO_OP_DUP3) &&
          (uint32_t)c->b < (uint64_t)m->limit && co_model_is_foreign(m, c->b));
}

int co_model_refuses(const struct co_model *m, const struct co_op *op,
                     const struct co_call *c) {
  struct co_event ev[CO_EVENTS_MAX];
  return refuses(m, op, c, ev, co_model_events(m, op, c, ev));
}

unsigned co_model_step(struct co_model *m, const struct co_op *op,
                       const struct co_call *c, struct co_outcome *pred,
                       struct co_aftermath *t) {
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
  if (op->kind == CO_OP_CALL)
    sa = call_sit(m, op);
  pred->ret = 0;
  pred->err = CO_OK;
  pred->raw = 0;
  t->n = t->sweep = t->refused = 0;
  t->same_a = t->same_b = -1;
  t->offset_num = -1;
  t->actor = CO_PARTY_CLIENT;
  t->obj = -1;
  t->nev = co_model_events(m, op, c, t->ev);
  m->hint = c->hint;
  if (refuses(m, op, c, t->ev, t->nev)) {
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
  case CO_OP_DUP_CLOSE:
    /* DuplicateHandle(..., DUPLICATE_CLOSE_SOURCE | SAME_ACCESS,
     * bInheritHandle TRUE) within one process (docs/win32.md#duplicatehandle):
     * an unprotected source is closed and the new handle comes back
     * with the source's value, its flags reset; an invalid source fails and
     * a protected one stays open, the copy getting a new value: as dup. */
    if (m->platform != CO_PLATFORM_WIN32) {
      fail(pred, CO_ENOSYS);
      break;
    }
    if (is_open(m, a) && !m->fd[a].protect) {
      int32_t ofd = m->fd[a].ofd;
      release(m, a);
      install(m, a, ofd, 0); /* a new handle that has the old value */
      pred->ret = a;
      touch(t, a);
      break;
    }
    /* fall through */
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
    dup_new(m, n, a, 0, pred, t);
    break;
  case CO_OP_DUP2:
    /* docs/posix.md#dup2: oldfd == newfd returns newfd if oldfd is
     * open (cloexec kept), else EBADF; newfd >= limit: EBADF; oldfd not
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
     * unsigned, so -1 too) is EINVAL; none free below the limit:
     * EMFILE (docs/posix.md#fcntl-dupfd). */
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
    dup_new(m, n, a, c->flags & CO_F_BIT0, pred, t);
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
     * descriptor on it sees the change (docs/posix.md#fcntl-flags). */
    touch(t, a);
    if (!is_open(m, a))
      fail(pred, CO_EBADF);
    else
      m->ofd[m->fd[a].ofd].append = (uint8_t)(c->flags & CO_F_BIT0);
    break;
  case CO_OP_CLOSE:
    /* man close: not open -> EBADF; otherwise freed, even on error.
     * CloseHandle: a closed or never-valid value -> FALSE,
     * ERROR_INVALID_HANDLE (docs/win32.md#closehandle); a protected handle ->
     * FALSE, GLE 6, and it stays open (docs/win32.md#protect). */
    touch(t, a);
    if (!is_open(m, a) || m->fd[a].protect)
      fail(pred, CO_EBADF);
    else
      release(m, a);
    break;
  case CO_OP_SETPROTECT:
    /* SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, ...): the
     * flag is the handle's, not the object's (docs/win32.md#flags). */
    touch(t, a);
    if (m->platform != CO_PLATFORM_WIN32)
      fail(pred, CO_ENOSYS);
    else if (!is_open(m, a))
      fail(pred, CO_EBADF);
    else
      m->fd[a].protect = (uint8_t)(c->flags & CO_F_BIT0);
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
    /* nothing is live above the high mark, below the base, or on a
     * foreign number (runs of them skipped at once) */
    hi = ub < m->cap ? ub : m->cap - 1;
    if (m->high >= 0 && hi > (uint64_t)m->high)
      hi = (uint64_t)m->high;
    for (i = ua < (uint64_t)m->base ? (uint64_t)m->base : ua;
         i <= hi && i < m->cap && m->high >= 0; i++) {
      if (m->fd[i].foreign) {
        i = (uint64_t)past_foreign(m, (int64_t)i) - 1;
        continue;
      }
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
      /* WriteFile on a handle without write access: ERROR_ACCESS_DENIED
       * (docs/win32.md#access). */
      fail(pred, m->platform == CO_PLATFORM_WIN32 ? CO_EACCES : CO_EBADF);
      break;
    }
    pred->ret = c->n;
    ofd_write(m, o, c->n);
    t->offset_num = a;
    break;
  }
  case CO_OP_LSEEK: {
    /* man lseek: the offset of the description; a negative result is
     * EINVAL and leaves the offset. */
    struct ofdent *o;
    int64_t base, pos;
    touch(t, a);
    if ((m->quirks & CO_QUIRK_WINE_SEEK_BEFORE_HANDLE) &&
        (c->flags & CO_F_WHENCE_MASK) == 0 && c->n < 0) {
      fail(pred, CO_EINVAL);
      break;
    }
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
    if (base < 0) {
      /* Unknown after a layer's opaque I/O: the platform tells. */
      pred->ret = CO_RET_ANY;
      o->off = -1;
      break;
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
  case CO_OP_CALL:
    call_step(m, op, c, pred, t);
    break;
  default:
    fail(pred, CO_ENOSYS);
  }

done:
  /* The result variable: the slot takes the return value, -1 on failure,
   * as `s = dup(x)` does in C. */
  if (!t->refused &&
      (d->binds || (op->kind == CO_OP_CALL && co_call_binds(op) == 2))) {
    struct slotent *s = &m->slot[op->dst % CO_SLOTS];
    s->num = pred->ret;
    s->gen = is_live(m, pred->ret) ? m->fd[pred->ret].gen : 0;
  }
  id = ((((unsigned)c->kind + (c->kind == CO_OP_CALL ? op->entry : 0u)) *
             CO_SIT_COUNT +
         (unsigned)sa) *
            CO_SIT_COUNT +
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
  out->protect = m->fd[num].protect;
}

int64_t co_model_rep(const struct co_model *m, int64_t num) {
  int64_t i;
  if (!is_live(m, num))
    return -1;
  for (i = m->base; i <= m->high; i++) { /* below the base: foreign */
    if (m->fd[i].foreign)
      i = past_foreign(m, i) - 1;
    else if (m->fd[i].ofd == m->fd[num].ofd)
      return i;
  }
  return -1;
}

int64_t co_model_next_live(const struct co_model *m, int64_t after) {
  int64_t i = after < 0 ? 0 : after + 1;
  if (i < m->base)
    i = m->base; /* below it every number is foreign, never live */
  while (i <= m->high) {
    if (m->fd[i].ofd >= 0)
      return i;
    i = m->fd[i].foreign ? past_foreign(m, i) : i + 1;
  }
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
    num += m->stride;
    if (!is_foreign_list(m, num))
      i++;
  }
  return num < m->limit ? num : -1;
}

void co_quirks_print(unsigned mask, FILE *out) {
#define CO__Q_PRINT(id, bit, profile, text)                                    \
  if (mask & (bit))                                                            \
    fprintf(out, "  - %s: %s\n", profile, text);
  CO_QUIRK_LIST(CO__Q_PRINT)
#undef CO__Q_PRINT
}

int co_model_is_foreign(const struct co_model *m, int64_t num) {
  /* Win32 pseudo-handles (-1 the current process, -2 its thread, ...) name
   * objects outside any trace; what calls on them do is implementation-
   * defined (docs/win32.md#pseudo), so they are never issued. */
  if (m->platform == CO_PLATFORM_WIN32 && num < 0)
    return 1;
  if (num >= 0 && (uint64_t)num < m->cap)
    return m->fd[num].foreign;
  return is_foreign_list(m, num);
}

int64_t co_model_slot(const struct co_model *m, unsigned slot) {
  return m->slot[slot % CO_SLOTS].num;
}

/* Events whose slot field names an object operand, not a descriptor slot. */
static int ev_on_object(const struct co_event *ev) {
  return ev->objslot;
}

static int party_name(int p, char *buf, size_t cap) {
  if (p == CO_PARTY_CLIENT)
    return snprintf(buf, cap, "the client");
  if (p == CO_PARTY_NONE)
    return snprintf(buf, cap, "nobody");
  return snprintf(buf, cap, "o%d", p);
}

int co_event_format(const struct co_event *ev, char *buf, size_t cap) {
  char actor[16], owner[16], at[16] = "";
  party_name(ev->actor, actor, sizeof actor);
  party_name(ev->owner, owner, sizeof owner);
  if (ev->slot >= 0 && ev->actor == CO_PARTY_CLIENT &&
      ev->why != CO_WHY_DEAD_OBJ && ev->why != CO_WHY_OVERWRITE &&
      ev->why != CO_WHY_WRONG_LAYER)
    snprintf(at, sizeof at, " (%c%d)", ev_on_object(ev) ? 'o' : 's', ev->slot);
  switch ((enum co_evwhy)ev->why) {
  case CO_WHY_STALE:
    return snprintf(buf, cap, "%s uses descriptor %lld%s after it was closed",
                    actor, (long long)ev->num, at);
  case CO_WHY_REUSED:
    return snprintf(buf, cap,
                    "%s acts on descriptor %lld%s, which was closed and "
                    "reused: it now belongs to %s",
                    actor, (long long)ev->num, at, owner);
  case CO_WHY_OWNED:
    return snprintf(buf, cap,
                    "%s closes or replaces descriptor %lld%s, "
                    "owned by %s",
                    actor, (long long)ev->num, at, owner);
  case CO_WHY_ADOPT:
    return snprintf(buf, cap,
                    "%s hands descriptor %lld%s, owned by %s, to a layer "
                    "that takes ownership: two owners will close it",
                    actor, (long long)ev->num, at, owner);
  case CO_WHY_NOT_OPEN:
    return snprintf(buf, cap,
                    "%s hands descriptor %lld%s, which is not open, to a "
                    "layer that takes it or reads its state",
                    actor, (long long)ev->num, at);
  case CO_WHY_DEAD_OBJ:
    return snprintf(buf, cap,
                    "%s uses o%d, which was freed or never made "
                    "(not run)",
                    actor, ev->slot);
  case CO_WHY_OVERWRITE:
    return snprintf(buf, cap,
                    "%s makes a new object in o%d while o%d is live "
                    "(it would be lost; not run)",
                    actor, ev->slot, ev->slot);
  case CO_WHY_WRONG_LAYER:
    return snprintf(buf, cap,
                    "%s calls an entry of another layer on o%d "
                    "(not run)",
                    actor, ev->slot);
  case CO_WHY_GONE:
    return snprintf(buf, cap,
                    "%s's own descriptor %lld is not open (closed by another "
                    "party, or never open): its call fails with EBADF",
                    actor, (long long)ev->num);
  case CO_WHY_RETURNED:
    return snprintf(buf, cap,
                    "%s uses descriptor %lld%s after returning it to %s "
                    "(vput): any page operation may close it",
                    actor, (long long)ev->num, at, owner);
  case CO_WHY_LOST:
    return snprintf(buf, cap,
                    "%s acts through C-runtime descriptor %lld, which was "
                    "closed under it%s%s (not run)",
                    actor, (long long)ev->num,
                    ev->owner >= 0 ? " and now belongs to " : "",
                    ev->owner >= 0 ? owner : "");
  }
  return snprintf(buf, cap, "?");
}
