/*
 * The trace's files: which blocks of a file hold data, and the rules that
 * depend on it, ftruncate and lseek's SEEK_DATA/SEEK_HOLE
 * (docs/posix.md#blocks, docs/posix.md#seek-data); opening a file again by
 * name and F_CREATED_QUERY (docs/posix.md#reopen). The block and whether
 * the file system makes holes at all are the profile's (co_model_config:
 * the backend probes them where it makes its files); a written block is
 * data, one never written (or cut off by ftruncate) a hole.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* Is block k of c data? Blocks past the map never were written. */
static int data_at(const struct co__content *c, int64_t k) {
  return (uint64_t)k / 64 < c->datacap &&
         (c->data[(uint64_t)k / 64] >> ((uint64_t)k % 64) & 1);
}

void co__data_write(struct co_model *m, int32_t file, int64_t start,
                    int64_t n) {
  struct co__content *c = &m->content[file];
  int64_t k, last;
  size_t words;
  if (m->files.holes != 1 || n <= 0 || c->lost)
    return;
  last = (start + n - 1) / m->files.block;
  words = (size_t)last / 64 + 1;
  if (words > c->datacap) {
    size_t cap = c->datacap ? c->datacap : 4;
    uint64_t *d;
    while (cap < words)
      cap *= 2;
    if (!(d = realloc(c->data, cap * sizeof *d))) {
      c->lost = 1;
      return;
    }
    memset(d + c->datacap, 0, (cap - c->datacap) * sizeof *d);
    c->data = d;
    c->datacap = cap;
  }
  for (k = start / m->files.block; k <= last; k++)
    c->data[k / 64] |= (uint64_t)1 << (k % 64);
}

/* ftruncate to len: the blocks wholly past len are holes again (the one
 * that holds the new end keeps its data, its tail zeroed). */
static void data_truncate(struct co__content *c, int64_t block, int64_t len) {
  uint64_t k, from = (uint64_t)((len + block - 1) / block);
  for (k = from; k / 64 < c->datacap; k++)
    c->data[k / 64] &= ~((uint64_t)1 << (k % 64));
}

/* fs/open.c do_sys_ftruncate; man ftruncate (docs/posix.md#ftruncate): a
 * negative length is EINVAL before the descriptor is looked up (EBADF);
 * a description without write access is EINVAL; otherwise the size is
 * the length (zeros past the old end), the offset unchanged. */
void co__rule_ftruncate(struct co_model *m, const struct co_call *c,
                        struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o;
  int64_t *size;
  if (c->n < 0) {
    co__touch(t, c->a);
    co__fail(pred, CO_EINVAL);
    return;
  }
  if (!(o = co__io_ofd(m, c, pred, t, CO_F_ACC_RDONLY, CO_EINVAL)))
    return;
  if (o->kind != CO__KIND_FILE) { /* not a regular file: EINVAL */
    co__fail(pred, CO_EINVAL);
    return;
  }
  size = &m->fsize[o->file];
  if (*size < 0) /* after a layer's opaque I/O: its bytes are not known */
    m->content[o->file].lost = 1;
  else
    co__content_truncate(m, o->file, *size, c->n);
  if (m->content[o->file].data)
    data_truncate(&m->content[o->file], m->files.block, c->n);
  *size = c->n;
}

/* Where SEEK_DATA (hole 0) or SEEK_HOLE (hole 1) from off lands in a file
 * of size size whose data blocks f maps, or -1 for none (ENXIO). */
static int64_t seek_map(const struct co__content *f, int64_t block,
                        int64_t size, int64_t off, int hole) {
  int64_t k = off / block, pos;
  if (data_at(f, k) != hole)
    return off;
  do
    k++;
  while (data_at(f, k) == hole && k * block < size);
  pos = k * block;
  if (hole)
    return pos < size ? pos : size; /* the implicit hole at the end */
  return pos < size ? pos : -1;
}

/* docs/posix.md#seek-data: the descriptor first (EBADF), then a whence
 * past SEEK_HOLE (5, 7, or -1 as unsigned) is EINVAL; SEEK_DATA and
 * SEEK_HOLE at an offset < 0 or >= the size are ENXIO; otherwise the
 * offset moves to the next data (SEEK_DATA; ENXIO in a hole at the end)
 * or the next hole (SEEK_HOLE; the end at the latest) at or after it. A
 * file system without holes has data up to the end; one whose holes are
 * not known gives any offset on a file that ever had a gap. */
void co__rule_lseek_ext(struct co_model *m, const struct co_call *c,
                        struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o;
  const struct co__content *f;
  int64_t size, pos;
  unsigned wh = c->flags & CO_F_XWHENCE_MASK;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  if (wh >= CO_F_XWHENCE_BAD) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  o = co__ofd_of(m, c->a);
  if (o->kind != CO__KIND_FILE) { /* docs/posix.md#pipes: no offset */
    co__fail(pred, CO_ESPIPE);
    return;
  }
  size = m->fsize[o->file];
  f = &m->content[o->file];
  if (size >= 0 && (c->n < 0 || c->n >= size)) {
    co__fail(pred, CO_ENXIO);
    return;
  }
  if (size < 0 || f->lost || (f->gap && m->files.holes < 0)) {
    pred->ret = CO_RET_ANY;
    o->off = -1;
    return;
  }
  if (m->files.holes == 1)
    pos = seek_map(f, m->files.block, size, c->n, wh == CO_F_XWHENCE_HOLE);
  else
    pos = wh == CO_F_XWHENCE_DATA ? c->n : size;
  co__seek_to(o, pred, pos, CO_ENXIO);
}

/* docs/posix.md#reopen: open(2) of /proc/thread-self/fd/N, the file
 * descriptor N is on, by its name: a number is taken first (EMFILE);
 * then no such name (N not open) is ENOENT; then the file's mode must
 * grant the access to its owner, unless the caller overrides it
 * (CAP_DAC_OVERRIDE): EACCES. A new open file description on the same
 * file, at offset 0, that did not create it. */
void co__rule_reopen(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  static const uint16_t need[4] = {0600, 0400, 0200, 0600};
  const struct ofdent *o;
  int64_t n;
  int32_t file, ofd;
  if (!m->files.reopen) {
    co__fail(pred, CO_ENOSYS);
    return;
  }
  if ((n = m->plat->alloc(m, 0)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_ENOENT);
    return;
  }
  o = co__ofd_of(m, c->a);
  file = o->file;
  if (!m->files.dac_override &&
      (m->content[file].mode & need[c->flags & CO_F_ACC_MASK]) !=
          need[c->flags & CO_F_ACC_MASK]) {
    co__fail(pred, CO_EACCES);
    return;
  }
  if (o->kind == CO__KIND_SOCKET) { /* after the mode: #reopen-pipe */
    co__fail(pred, CO_ENXIO);
    return;
  }
  /* a pipe end's name opens the pipe again (docs/posix.md#reopen-pipe) */
  ofd = o->kind == CO__KIND_PIPE
            ? co__pipe_reopen(m, o, c->flags & CO_F_ACC_MASK)
            : co__new_ofd_on(m, file, c->flags & CO_F_ACC_MASK,
                             c->flags & CO_F_APPEND);
  if (ofd < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  m->ofd[ofd].append = (uint8_t)((c->flags & CO_F_APPEND) != 0);
  co__install(m, n, ofd, c->flags & CO_F_CLOEXEC);
  m->ofd[ofd].created = 0;
  pred->ret = n;
  co__touch(t, n);
}

/* fcntl(fd, F_CREATED_QUERY) (Linux 6.12; docs/posix.md#reopen): EBADF if
 * not open, EINVAL on a kernel without it; 1 if the open that made the
 * description created the file, else 0 (a dup shares the description). */
void co__rule_created_query(struct co_model *m, const struct co_call *c,
                            struct co_outcome *pred, struct co_aftermath *t) {
  const struct ofdent *o = co__io_ofd(m, c, pred, t, -1, CO_OK);
  if (!o)
    return;
  if (!m->files.created_query) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  pred->ret = o->created < 2 ? o->created : CO_RET_ANY;
}
