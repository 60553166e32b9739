/*
 * Channels: what a pipe holds, or one direction of a socket pair, and the
 * rules of the kinds that move bytes through one (docs/posix.md#pipes,
 * docs/posix.md#kinds): pipe and pipe2, a read or a write through a pipe
 * end, the release of a pipe's last reader or writer, and the refusal of
 * a call that would block. A channel keeps the bytes queued (the write
 * pattern's, so a read's digest is predicted) in segments: a pipe's page
 * buffers, which decide when it is full (fs/pipe.c pipe_write merges a
 * small write into the last buffer while its page has room; a full ring
 * of buffers takes no more). Pure C, no system calls.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* The page a pipe buffer holds and the buffers of a new pipe, as the
 * backend found them (co_files; 0: the Linux defaults). */
static uint32_t page_of(const struct co_model *m) {
  return m->files.pipe_page > 0 ? (uint32_t)m->files.pipe_page : 4096u;
}
static uint32_t bufs_of(const struct co_model *m) {
  return m->files.pipe_bufs > 0 ? (uint32_t)m->files.pipe_bufs : 16u;
}

/* A new empty channel; its index, or -1 on ENOMEM. */
int32_t co__chan_new(struct co_model *m, uint32_t bufs, int dgram) {
  struct co__chan *ch;
  size_t old = m->chancap;
  if (m->nchan >= old) {
    if (co__grow((void **)&m->chan, &m->chancap, m->nchan + 1,
                 sizeof *m->chan) < 0)
      return -1;
    memset(m->chan + old, 0, (m->chancap - old) * sizeof *m->chan);
  }
  ch = &m->chan[m->nchan];
  ch->head = ch->len = ch->shead = ch->nseg = 0;
  ch->first_off = 0;
  ch->readers = ch->writers = 0;
  ch->dgram = (uint8_t)(dgram != 0);
  ch->lost = 0;
  ch->bufs = bufs;
  return (int32_t)m->nchan++;
}

void co__chan_free_all(struct co_model *m) {
  size_t i;
  for (i = 0; i < m->chancap; i++) {
    free(m->chan[i].b);
    free(m->chan[i].seg);
  }
  free(m->chan);
  free(m->sock);
}

/* Room for n more bytes and one more segment; -1 (the bytes lost) on
 * ENOMEM. */
static int chan_reserve(struct co__chan *ch, size_t n) {
  if (ch->head && ch->head + ch->len + n > ch->cap) {
    memmove(ch->b, ch->b + ch->head, ch->len);
    ch->head = 0;
  }
  if (ch->len + n > ch->cap &&
      co__grow((void **)&ch->b, &ch->cap, ch->len + n, 1) < 0)
    return -1;
  if (ch->shead && ch->shead + ch->nseg + 1 > ch->segcap) {
    memmove(ch->seg, ch->seg + ch->shead, ch->nseg * sizeof *ch->seg);
    ch->shead = 0;
  }
  if (ch->nseg + 1 > ch->segcap && co__grow((void **)&ch->seg, &ch->segcap,
                                            ch->nseg + 1, sizeof *ch->seg) < 0)
    return -1;
  return 0;
}

/* n bytes of src queued; a new segment (merge 0) or the last one grown. */
void co__chan_put(struct co__chan *ch, const uint8_t *src, size_t n,
                  int merge) {
  if (ch->lost || chan_reserve(ch, n) < 0) {
    ch->lost = 1;
    return;
  }
  if (n) /* (an empty datagram: no bytes, maybe no buffer yet) */
    memcpy(ch->b + ch->head + ch->len, src, n);
  ch->len += n;
  if (merge && ch->nseg)
    ch->seg[ch->shead + ch->nseg - 1] += (uint32_t)n;
  else
    ch->seg[ch->shead + ch->nseg++] = (uint32_t)n;
}

/* Up to n bytes taken from the front (a stream: across segments; a
 * datagram channel: the first message, its rest dropped); their digest in
 * *digest, the bytes in out (if not NULL; room for n). Returns how many. */
size_t co__chan_take(struct co__chan *ch, size_t n, uint8_t *out,
                     uint64_t *digest) {
  size_t k, left;
  if (ch->dgram && ch->nseg) {
    size_t len = ch->seg[ch->shead];
    k = n < len ? n : len;
    *digest = co_bytes_digest(k ? ch->b + ch->head : NULL, k);
    if (out && k)
      memcpy(out, ch->b + ch->head, k);
    ch->head += len;
    ch->len -= len;
    ch->shead++;
    ch->nseg--;
  } else {
    k = n < ch->len ? n : ch->len;
    *digest = co_bytes_digest(k ? ch->b + ch->head : NULL, k);
    if (out && k)
      memcpy(out, ch->b + ch->head, k);
    ch->head += k;
    ch->len -= k;
    for (left = k; left && ch->nseg;) { /* whole segments, then part */
      size_t seg = ch->seg[ch->shead] - ch->first_off;
      if (left < seg) {
        ch->first_off += (uint32_t)left;
        break;
      }
      left -= seg;
      ch->first_off = 0;
      ch->shead++;
      ch->nseg--;
    }
  }
  if (!ch->nseg)
    ch->head = ch->len = ch->shead = ch->first_off = 0;
  return k;
}

/* Where a pipe write of n bytes (1..255, below a page) goes (fs/pipe.c
 * pipe_write): merged into the last buffer if the pipe is not empty and
 * that buffer's page has room for n more (a buffer's offset and length
 * add up to what was written into its page: its segment), else a new
 * buffer while the ring has one free. 1 merge, 0 new, -1 full. */
static int pipe_fit(const struct co_model *m, const struct co__chan *ch,
                    size_t n) {
  if (ch->nseg && ch->seg[ch->shead + ch->nseg - 1] + n <= page_of(m))
    return 1;
  return ch->nseg < ch->bufs ? 0 : -1;
}

/* 1 if the description may block a call that would wait (O_NONBLOCK clear,
 * or not known: a layer's object held it). */
static int may_wait(const struct ofdent *o) {
  return o->nonblock != 1;
}

int co__pipe_would_block(const struct co_model *m, const struct co_call *c) {
  const struct ofdent *o;
  const struct co__chan *ch;
  if (m->plat == &co__win32_platform) /* Win32's rule (win32_rules.c) */
    return co__w32_pipe_would_block(m, c);
  if (!co__is_live(m, c->a) || c->n <= 0)
    return 0;
  o = co__ofd_of(m, c->a);
  if (o->kind != CO__KIND_PIPE || !may_wait(o))
    return 0;
  ch = &m->chan[o->kobj];
  if (c->kind == CO_OP_READ)
    return o->acc != CO_F_ACC_WRONLY && (ch->lost || !ch->len) &&
           ch->writers > 0;
  return o->acc != CO_F_ACC_RDONLY && ch->readers > 0 &&
         (ch->lost || pipe_fit(m, ch, (size_t)c->n) < 0);
}

/* docs/posix.md#pipes, fs/pipe.c pipe_read: a read of 0 bytes returns 0;
 * bytes queued: min(n, queued) of them, across buffers; none queued and
 * no writer left: 0, the end of file; else EAGAIN with O_NONBLOCK (without
 * it the call would wait: refused before, co__pipe_would_block). */
void co__pipe_read(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred) {
  struct co__chan *ch = &m->chan[o->kobj];
  if (c->n <= 0)
    return;
  if (ch->lost) { /* a layer's bytes went through: not known */
    pred->ret = CO_RET_ANY;
    return;
  }
  if (!ch->len) {
    if (ch->writers > 0)
      co__fail(pred, CO_EAGAIN);
    return;
  }
  co__chan_read(m, ch, c->n, pred);
}

/* docs/posix.md#pipes, fs/pipe.c pipe_write: a write of 0 bytes returns
 * 0 (even with no reader); no reader left: EPIPE (and SIGPIPE, which the
 * harness ignores); else the bytes fit (pipe_fit) or, with O_NONBLOCK,
 * EAGAIN (without it the call would wait: refused before). A write of at
 * most PIPE_BUF bytes is whole or nothing. */
void co__pipe_write(struct co_model *m, const struct co_call *c,
                    struct ofdent *o, struct co_outcome *pred) {
  struct co__chan *ch = &m->chan[o->kobj];
  int fit;
  if (c->n <= 0)
    return;
  if (!ch->readers) {
    co__fail(pred, CO_EPIPE);
    return;
  }
  if ((fit = ch->lost ? 0 : pipe_fit(m, ch, (size_t)c->n)) < 0) {
    co__fail(pred, CO_EAGAIN);
    return;
  }
  co__chan_put(ch, m->pattern, (size_t)c->n, fit);
  pred->ret = c->n;
}

int32_t co__kind_ofd(struct co_model *m, int32_t file, int acc, int kind,
                     int32_t kobj, int nonblock) {
  int32_t ofd = co__new_ofd_on(m, file, acc, 0);
  struct ofdent *d;
  if (ofd < 0)
    return -1;
  d = &m->ofd[ofd];
  d->kind = (uint8_t)kind;
  d->kobj = kobj;
  d->off = -1;
  d->nonblock = (uint8_t)(nonblock != 0);
  d->created = 0;
  return ofd;
}

void co__chan_read(struct co_model *m, struct co__chan *ch, int32_t n,
                   struct co_outcome *pred) {
  uint64_t digest;
  /* the bytes kept for co_model_last_read (explain prints them) */
  pred->ret = (int64_t)co__chan_take(ch, (size_t)n, m->lastread, &digest);
  m->lastread_n = (int16_t)pred->ret;
  pred->data = digest;
  pred->dmask = ~(uint64_t)0;
}

/* A new end of pipe chan on file: a description of access acc (Linux
 * here, Win32 in win32_rules.c). */
int32_t co__pipe_end(struct co_model *m, int32_t file, int32_t chan, int acc,
                     int nonblock) {
  int32_t ofd = co__kind_ofd(m, file, acc, CO__KIND_PIPE, chan, nonblock);
  if (ofd < 0)
    return -1;
  if (acc != CO_F_ACC_WRONLY)
    m->chan[chan].readers++;
  if (acc != CO_F_ACC_RDONLY)
    m->chan[chan].writers++;
  return ofd;
}

/* The reopen of a pipe end by its /proc name (docs/posix.md#reopen,
 * fs/pipe.c fifo_open): a new description on the same pipe, a reader, a
 * writer or both as its access says; a pipe's open never waits for a
 * partner (that is a named FIFO's). -1 on ENOMEM. */
int32_t co__pipe_reopen(struct co_model *m, const struct ofdent *o, int acc) {
  int32_t ofd = co__pipe_end(m, o->file, o->kobj, acc, 0);
  if (ofd >= 0) /* evdir: its epoll hang-up is not modelled */
    m->ofd[ofd].reopened = 1;
  return ofd;
}

/* man pipe2; fs/pipe.c __do_pipe_flags (docs/posix.md#pipes): a flag
 * other than O_CLOEXEC, O_NONBLOCK, O_DIRECT, O_NOTIFICATION_PIPE is
 * EINVAL; then the two lowest free numbers, the read end first (EMFILE if
 * both are not free: neither is taken); two descriptions on one pipe (one
 * inode, mode 0600), O_NONBLOCK on each if asked, close-on-exec on both
 * if O_CLOEXEC. Returns the read end; the write end is the data. */
void co__rule_pipe(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t) {
  int64_t r, w;
  int32_t file, chan, ofr, ofw;
  int nb = c->kind == CO_OP_PIPE2 && (c->flags & CO_F_PIPE_NONBLOCK);
  int cx = c->kind == CO_OP_PIPE2 && (c->flags & CO_F_PIPE_CLOEXEC);
  if (c->kind == CO_OP_PIPE2 && (c->flags & CO_F_PIPE_BAD)) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if ((r = m->plat->alloc(m, 0)) < 0 || (w = m->plat->alloc(m, r + 1)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  if ((file = co__new_file(m)) < 0 ||
      (chan = co__chan_new(m, bufs_of(m), 0)) < 0 ||
      (ofr = co__pipe_end(m, file, chan, CO_F_ACC_RDONLY, nb)) < 0 ||
      (ofw = co__pipe_end(m, file, chan, CO_F_ACC_WRONLY, nb)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  co__install(m, r, ofr, cx);
  co__install(m, w, ofw, cx);
  pred->ret = r;
  pred->data = (uint64_t)w;
  pred->dmask = ~(uint64_t)0;
  co__touch(t, r);
  co__touch(t, w);
}

void co__kind_unknown(struct co_model *m, struct ofdent *o) {
  if (o->kind == CO__KIND_PIPE)
    m->chan[o->kobj].lost = 1;
  if (o->kind == CO__KIND_SOCKET) { /* what it reads and what it wrote */
    struct co__sockend *e = &m->sock[o->kobj];
    m->chan[e->rx].lost = 1;
    if (e->peer >= 0)
      m->chan[m->sock[e->peer].rx].lost = 1;
    if (e->dgram && e->connected && e->peer >= 0 && m->sock[e->peer].closed)
      e->wlost = 1; /* a write may have disconnected it (sock.c) */
  }
}

int co__would_block(const struct co_model *m, const struct co_call *c) {
  if (!co__is_live(m, c->a))
    return 0;
  switch (co__ofd_of(m, c->a)->kind) {
  case CO__KIND_PIPE:
    return co__pipe_would_block(m, c);
  case CO__KIND_SOCKET:
    return co__sock_would_block(m, c);
  default:
    return 0;
  }
}

/* A description's last reference is gone (co__fd_close): a pipe loses a
 * reader, a writer or both (fs/pipe.c pipe_release). */
void co__kind_release(struct co_model *m, int32_t ofd) {
  struct ofdent *o = &m->ofd[ofd];
  switch (o->kind) {
  case CO__KIND_PIPE:
    if (o->acc != CO_F_ACC_WRONLY)
      m->chan[o->kobj].readers--;
    if (o->acc != CO_F_ACC_RDONLY)
      m->chan[o->kobj].writers--;
    break;
  case CO__KIND_SOCKET:
    if (m->plat == &co__win32_platform) /* wsock.c reads its peer's state */
      m->sock[o->kobj].closed = 1;
    else
      co__sock_release(m, o);
    break;
  default:
    break;
  }
}
