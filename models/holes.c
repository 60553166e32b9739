/*
 * Files with holes: which blocks of a trace's file hold data, and the
 * rules that depend on it, ftruncate and lseek's SEEK_DATA/SEEK_HOLE
 * (docs/posix.md#blocks, docs/posix.md#seek-data). The block and whether
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
  if (m->holes != 1 || n <= 0 || c->lost)
    return;
  last = (start + n - 1) / m->block;
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
  for (k = start / m->block; k <= last; k++)
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
  co__touch(t, c->a);
  if (c->n < 0) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  o = co__ofd_of(m, c->a);
  if (o->acc == CO_F_ACC_RDONLY) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  size = &m->fsize[o->file];
  if (*size < 0) /* after a layer's opaque I/O: its bytes are not known */
    m->content[o->file].lost = 1;
  else
    co__content_truncate(m, o->file, *size, c->n);
  if (m->content[o->file].data)
    data_truncate(&m->content[o->file], m->block, c->n);
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
  size = m->fsize[o->file];
  f = &m->content[o->file];
  if (size >= 0 && (c->n < 0 || c->n >= size)) {
    co__fail(pred, CO_ENXIO);
    return;
  }
  if (size < 0 || f->lost || (f->gap && m->holes < 0)) {
    pred->ret = CO_RET_ANY;
    o->off = -1;
    return;
  }
  if (m->holes == 1)
    pos = seek_map(f, m->block, size, c->n, wh == CO_F_XWHENCE_HOLE);
  else
    pos = wh == CO_F_XWHENCE_DATA ? c->n : size;
  if (pos < 0) {
    co__fail(pred, CO_ENXIO);
    return;
  }
  o->off = pos;
  pred->ret = pos;
}
