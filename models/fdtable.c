/*
 * The descriptor table and the open file descriptions (the shape of Linux
 * fs/file.c): the foreign set, lowest-free allocation, dup2's
 * close-and-reuse, close_range, and the queries of model.h on numbers.
 * install and the one close rule (co__fd_close) are inline in
 * model_internal.h, being on every step's path. A number's entry is free,
 * foreign (open when the trace started: the harness's, never the trace's), or
 * points at an open file description with a per-descriptor cloexec bit. Pure C.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

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

int co__is_foreign_list(const struct co_model *m, int64_t num) {
  return foreign_index(m, num) >= 0;
}

/* The first number >= num that is not foreign: past num's run of
 * consecutive foreign numbers, in O(log n). */
int64_t co__past_foreign(const struct co_model *m, int64_t num) {
  long j = foreign_index(m, num);
  return j < 0 ? num : m->frun[j];
}

/* Make entries exist for numbers 0..num. Returns -1 on ENOMEM. */
int co__ensure(struct co_model *m, int64_t num) {
  size_t need = (size_t)num + 1, cap, i;
  struct fdent *fd;
  if (num < 0)
    return -1;
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
    fd[i].acc = 0;
  }
  m->fd = fd;
  for (i = 0; i < m->nforeign; i++)
    if ((size_t)m->foreign[i] >= m->cap && (size_t)m->foreign[i] < cap)
      fd[m->foreign[i]].foreign = 1;
  m->cap = cap;
  return 0;
}

int co__grow(void **p, size_t *cap, size_t need, size_t size) {
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

/* Copy the foreign set and its runs (frun, for the stride), and mark the
 * table's entries. */
static int set_foreign(struct co_model *m, const struct co_model_config *cfg) {
  size_t i;
  if (co__grow((void **)&m->foreign, &m->foreigncap, cfg->nforeign + 1,
               sizeof *m->foreign) < 0 ||
      co__grow((void **)&m->frun, &m->fruncap, cfg->nforeign + 1,
               sizeof *m->frun) < 0)
    return -1;
  if (cfg->nforeign)
    memcpy(m->foreign, cfg->foreign, cfg->nforeign * sizeof *m->foreign);
  m->nforeign = cfg->nforeign;
  m->fstride = m->stride;
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
    if (m->foreign[i] >= 0 && (size_t)m->foreign[i] < m->cap)
      m->fd[m->foreign[i]].foreign = 1;
  /* f>=B: B rounded up to the stride, past any run of foreign numbers
   * there; above the limit too (a call there fails as the platform says).
   * They depend on the foreign set only: computed when it changes. */
  for (i = 0; i < CO_AT_REFS; i++) {
    int64_t b = (co_ref_at[i] + m->stride - 1) / m->stride * m->stride;
    m->atnum[i] = co__past_foreign(m, b);
  }
  return 0;
}

/* The table at the start of a trace: the foreign set, the free numbers
 * f0..f31 (runs of foreign numbers skipped at once) and the base below
 * which every number is foreign, so that with thousands of descriptors
 * open before the trace an open costs the same as with three. */
int co__fd_begin(struct co_model *m, const struct co_model_config *cfg) {
  size_t i, j;
  int64_t num;
  int same =
      cfg->nforeign == m->nforeign && m->fd && m->fstride == m->stride &&
      (cfg->nforeign == 0 || memcmp(cfg->foreign, m->foreign,
                                    cfg->nforeign * sizeof *cfg->foreign) == 0);
  if (!same) {
    if (set_foreign(m, cfg) < 0)
      return -1;
  } else {
    /* Only numbers from the base up to the last trace's high mark can have
     * been open in it (below the base all are foreign). */
    for (i = m->base > 0 ? (size_t)m->base : 0;
         i < m->cap && (int64_t)i <= m->high; i++)
      m->fd[i].ofd = -1;
  }
  m->high = -1;
  m->nofd = m->nfile = 0;
  m->nchan = m->nsock = m->ntcp = 0;   /* chan.c, sock.c, tcp.c */
  num = m->stride > 1 ? m->stride : 0; /* Win32: NULL is never a handle */
  for (i = 0, j = 0; i < CO_FREE_REFS; i++) {
    /* co__past_foreign(m, num), the numbers rising: one walk of the
     * sorted foreign set instead of a search for each */
    while (j < m->nforeign && m->foreign[j] < num)
      j++;
    if (j < m->nforeign && m->foreign[j] == num)
      num = m->frun[j];
    m->freenum[i] = num < m->limit ? num : -1;
    num += m->stride;
  }
  m->base = !m->plat->lowest_free || m->freenum[0] < 0 ? 0 : m->freenum[0];
  return co__ensure(m, num + 64);
}

/* The lowest number >= from that is not open, or -1 if none is below the
 * limit (man open, man dup: "the lowest-numbered file descriptor not
 * currently open"). Ensures the entry exists. */
int64_t co__lowest_free(struct co_model *m, int64_t from) {
  int64_t n = from < 0 ? 0 : from;
  if (n < m->base)
    n = m->base;
  for (;;) {
    if (n >= m->limit)
      return -1;
    if ((uint64_t)n >= m->cap && co__ensure(m, n) < 0)
      return -1;
    if (!co__is_open(m, n))
      return n;
    n = m->fd[n].foreign ? co__past_foreign(m, n) : n + 1;
  }
}

/* The content record of a new file: buffers are kept, so the array only
 * grows, its new entries empty. */
static int content_new(struct co_model *m, size_t file) {
  size_t old = m->contentcap;
  if (file >= old) {
    if (co__grow((void **)&m->content, &m->contentcap, file + 1,
                 sizeof *m->content) < 0)
      return -1;
    memset(m->content + old, 0, (m->contentcap - old) * sizeof *m->content);
  }
  m->content[file].gap = m->content[file].lost = 0;
  m->content[file].mode = 0600; /* as the backend makes it */
  if (m->content[file].data)    /* no block holds data yet (holes.c) */
    memset(m->content[file].data, 0,
           m->content[file].datacap * sizeof *m->content[file].data);
  return 0;
}

/* A new file and a new open file description on it. Returns the description
 * id, or -1 on ENOMEM. */
int32_t co__new_ofd(struct co_model *m, int acc, int append) {
  int32_t file = co__new_file(m);
  return file < 0 ? -1 : co__new_ofd_on(m, file, acc, append);
}

/* A new file (an inode: a pipe's too), of size 0 and mode 0600; its
 * index, or -1 on ENOMEM. */
int32_t co__new_file(struct co_model *m) {
  if (co__grow((void **)&m->fsize, &m->filecap, m->nfile + 1,
               sizeof *m->fsize) < 0 ||
      content_new(m, m->nfile) < 0)
    return -1;
  m->fsize[m->nfile] = 0;
  return (int32_t)m->nfile++;
}

int32_t co__new_ofd_on(struct co_model *m, int32_t file, int acc, int append) {
  struct ofdent *d;
  if (co__grow((void **)&m->ofd, &m->ofdcap, m->nofd + 1, sizeof *m->ofd) < 0)
    return -1;
  d = &m->ofd[m->nofd];
  d->off = 0;
  d->file = file;
  d->refs = 0;
  d->acc = (uint8_t)acc;
  d->append = (uint8_t)(append != 0);
  d->nonblock = 0;
  d->created = 2;
  d->proc = 0;
  d->deny = 0;
  d->dev = 0;
  d->nodata = 0;
  d->kind = CO__KIND_FILE;
  d->kobj = -1;
  d->sem = 0;
  d->reopened = 0;
  d->count = 0;
  return (int32_t)m->nofd++;
}

/* n bytes of the write pattern at start of file, whose size was size: a
 * start past the end leaves a gap of zeros (man lseek: "reads of the
 * bytes in the gap return null bytes"). */
/* Room for end bytes in c: 0, or -1 with the bytes lost (past
 * CO__CONTENT_MAX, or ENOMEM). */
static int content_reserve(struct co__content *c, int64_t end) {
  size_t need = (size_t)end;
  if (c->lost)
    return -1;
  if (end > CO__CONTENT_MAX) {
    c->lost = 1;
    return -1;
  }
  if (need > c->cap) {
    size_t cap = c->cap ? c->cap : 256;
    uint8_t *b;
    while (cap < need)
      cap *= 2;
    if (!(b = realloc(c->b, cap))) {
      c->lost = 1;
      return -1;
    }
    c->b = b;
    c->cap = cap;
  }
  return 0;
}

static void content_write(struct co_model *m, int32_t file, int64_t start,
                          const uint8_t *src, int64_t n, int64_t size) {
  struct co__content *c = &m->content[file];
  if (content_reserve(c, start + n) < 0)
    return;
  if (start > size) {
    memset(c->b + size, 0, (size_t)(start - size));
    c->gap = 1;
  }
  memcpy(c->b + start, src, (size_t)n);
  co__data_write(m, file, start, n);
}

/* n bytes written through description o: O_APPEND moves the offset to the
 * end first (man write); a count of 0 changes nothing (unless a quirk says
 * otherwise). Unknown offsets and sizes stay unknown. pattern: the bytes
 * are the write pattern (a built-in write on POSIX: the model keeps them);
 * else a layer's (co__ofd_write): not kept. */
static void ofd_write_src(struct co_model *m, struct ofdent *o,
                          const uint8_t *src, int64_t n) {
  int64_t *size = &m->fsize[o->file];
  if (o->kind != CO__KIND_FILE) { /* a layer's bytes into a channel */
    co__ofd_unknown(m, o);
    return;
  }
  if (n == 0) {
    m->hook.empty_write(m, o);
    return;
  }
  if (o->append)
    o->off = *size;
  if (o->off < 0) {
    *size = -1;
    return;
  }
  if (src && *size >= 0)
    content_write(m, o->file, o->off, src, n, *size);
  else
    m->content[o->file].lost = 1;
  o->off += n;
  if (*size >= 0 && o->off > *size)
    *size = o->off;
}

/* ftruncate of file, of size size (>= 0), to len: growing adds zeros (a
 * gap: the file may have holes), shrinking drops the bytes past len. */
void co__content_truncate(struct co_model *m, int32_t file, int64_t size,
                          int64_t len) {
  struct co__content *c = &m->content[file];
  if (len > size && content_reserve(c, len) == 0) {
    memset(c->b + size, 0, (size_t)(len - size));
    c->gap = 1;
  }
}

void co__ofd_write_as(struct co_model *m, struct ofdent *o, int64_t n,
                      int pattern) {
  ofd_write_src(
      m, o, pattern && n <= (int64_t)sizeof m->pattern ? m->pattern : NULL, n);
}

void co__ofd_write(struct co_model *m, struct ofdent *o, int64_t n) {
  co__ofd_write_as(m, o, n, 0);
}

/* n bytes of src written through o (the C runtime's glue: the bytes it
 * stores, docs/crt.md#write), kept for reads. */
void co__ofd_write_bytes(struct co_model *m, struct ofdent *o,
                         const uint8_t *src, int64_t n) {
  ofd_write_src(m, o, src, n);
}

/* Another live number on num's file than num, or -1 (each open makes its
 * own file, so that is a number on its description). */
int64_t co__same_file_other(const struct co_model *m, int64_t num) {
  int64_t i;
  int32_t f = co__ofd_of(m, num)->file;
  for (i = m->base; i <= m->high; i++) {
    if (m->fd[i].foreign)
      i = co__past_foreign(m, i) - 1;
    else if (i != num && m->fd[i].ofd >= 0 && m->ofd[m->fd[i].ofd].file == f)
      return i;
  }
  return -1;
}

/* After a layer's opaque I/O through description o. */
void co__ofd_unknown(struct co_model *m, struct ofdent *o) {
  o->off = -1;
  if (o->kind == CO__KIND_FILE)
    m->fsize[o->file] = -1;
  else
    co__kind_unknown(m, o);
}

/* dup2/dup3 after validation: close the target silently, then install
 * (man dup: "the steps of closing and reusing newfd are performed
 * atomically"; errors of the implicit close are lost). */
void co__dup_onto(struct co_model *m, int64_t o, int64_t n, int cloexec,
                  struct co_outcome *pred, struct co_aftermath *t) {
  int32_t ofd = m->fd[o].ofd;
  if (co__ensure(m, n) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  (void)co__fd_close(m, n);
  co__install(m, n, ofd, cloexec);
  m->fd[n].acc = m->fd[o].acc;
  pred->ret = n;
  t->same_a = n;
  t->same_b = o;
}

/* A new number n on num's open file description (dup, F_DUPFD,
 * DuplicateHandle, a layer's duplicate): the result, and an identity check
 * for the executor. */
void co__dup_new(struct co_model *m, int64_t n, int64_t num, int cloexec,
                 struct co_outcome *pred, struct co_aftermath *t) {
  co__install(m, n, m->fd[num].ofd, cloexec);
  m->fd[n].acc = m->fd[num].acc; /* DUPLICATE_SAME_ACCESS */
  pred->ret = n;
  t->same_a = n;
  t->same_b = num;
  co__touch(t, n);
}

/* close_range(lo, hi) after validation: every live number in the range is
 * closed (or marked cloexec); nothing is live above the high mark, below
 * the base, or on a foreign number (runs of them skipped at once). */
void co__close_range(struct co_model *m, uint64_t lo, uint64_t hi,
                     int cloexec) {
  uint64_t i;
  if (m->high < 0)
    return;
  if (hi >= m->cap)
    hi = m->cap - 1;
  if (hi > (uint64_t)m->high)
    hi = (uint64_t)m->high;
  for (i = lo < (uint64_t)m->base ? (uint64_t)m->base : lo; i <= hi; i++) {
    if (m->fd[i].foreign) {
      i = (uint64_t)co__past_foreign(m, (int64_t)i) - 1;
      continue;
    }
    if (m->fd[i].ofd < 0)
      continue;
    if (cloexec)
      m->fd[i].cloexec = 1;
    else
      (void)co__fd_close(m, (int64_t)i);
  }
}

/* ---- queries (model.h) ---- */

void co_model_fd(const struct co_model *m, int64_t num,
                 struct co_fdstate *out) {
  memset(out, 0, sizeof *out);
  out->ofd = -1;
  if (!co__is_live(m, num))
    return;
  out->live = 1;
  out->cloexec = m->fd[num].cloexec;
  out->ofd = m->fd[num].ofd;
  out->offset = m->ofd[out->ofd].off;
  out->acc = m->ofd[out->ofd].acc;
  out->append = m->ofd[out->ofd].append;
  out->protect = m->fd[num].protect;
  out->access = m->fd[num].acc;
  out->process = m->ofd[out->ofd].proc;
}

long co_model_file_bytes(const struct co_model *m, int64_t num, int64_t off,
                         uint8_t *buf, size_t n) {
  const struct ofdent *o;
  const struct co__content *f;
  int64_t size;
  if (!co__is_live(m, num) || off < 0)
    return -1;
  o = co__ofd_of(m, num);
  f = &m->content[o->file];
  size = m->fsize[o->file];
  if (size < 0 || f->lost)
    return -1;
  if (off >= size)
    return 0;
  if ((int64_t)n > size - off)
    n = (size_t)(size - off);
  memcpy(buf, f->b + off, n);
  return (long)n;
}

int64_t co_model_rep(const struct co_model *m, int64_t num) {
  int64_t i;
  if (!co__is_live(m, num))
    return -1;
  for (i = m->base; i <= m->high; i++) { /* below the base: foreign */
    if (m->fd[i].foreign)
      i = co__past_foreign(m, i) - 1;
    else if (m->fd[i].ofd == m->fd[num].ofd)
      return i;
  }
  return -1;
}

int32_t co_model_file_of(const struct co_model *m, int64_t num) {
  return co__is_live(m, num) ? co__ofd_of(m, num)->file : -1;
}

int co_model_is_device(const struct co_model *m, int64_t num) {
  return co__is_live(m, num) && co__ofd_of(m, num)->dev;
}

int co_model_is_pipe(const struct co_model *m, int64_t num) {
  return co__is_live(m, num) && co__ofd_of(m, num)->kind == CO__KIND_PIPE;
}

int co_model_is_channel(const struct co_model *m, int64_t num) {
  return co__is_live(m, num) && (co__ofd_of(m, num)->kind == CO__KIND_PIPE ||
                                 co__ofd_of(m, num)->kind == CO__KIND_SOCKET);
}

int64_t co_model_next_live(const struct co_model *m, int64_t after) {
  int64_t i = after < 0 ? 0 : after + 1;
  if (i < m->base)
    i = m->base; /* below it every number is foreign, never live */
  while (i <= m->high) {
    if (m->fd[i].ofd >= 0)
      return i;
    i = m->fd[i].foreign ? co__past_foreign(m, i) : i + 1;
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
    if (!co__is_foreign_list(m, num))
      i++;
  }
  return num < m->limit ? num : -1;
}

int co_model_is_foreign(const struct co_model *m, int64_t num) {
  /* Win32 pseudo-handles (-1 the current process, -2 its thread, ...) name
   * objects outside any trace; what calls on them do is implementation-
   * defined (docs/win32.md#pseudo), so they are never issued. */
  if (num < 0 && m->plat->neg_foreign)
    return 1;
  if (num >= 0 && (uint64_t)num < m->cap)
    return m->fd[num].foreign;
  return co__is_foreign_list(m, num);
}
