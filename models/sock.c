/*
 * Sockets (docs/posix.md#sockets): socketpair's AF_UNIX pairs, stream and
 * datagram, and shutdown over every socket. Each end is one open file
 * description on its own inode, with a receive channel (chan.c) that the
 * other end's writes fill; what a read or write does depends on the
 * end's shutdown state, its peer's, and whether the peer was released
 * (its last descriptor closed). Helpers adding a protocol (TCP) add its
 * enum co__proto value and its cases here. Pure C, no system calls.
 */
#include <string.h>

#include "model_internal.h"

/* docs/posix.md#socket-capacity: a write is known to fit while the
 * messages it has queued unread, and this one, are at most SO_SNDBUF /
 * CO__SKB_BOUND (every message a trace writes, at most 255 bytes, has a
 * truesize below a page). */
#define CO__SKB_BOUND 4096
static size_t skb_bound(const struct co_model *m) {
  int64_t sndbuf = m->files.sock_sndbuf > 0 ? m->files.sock_sndbuf : 212992;
  return (size_t)(sndbuf / CO__SKB_BOUND);
}

static struct co__sockend *end_of(const struct co_model *m,
                                  const struct ofdent *o) {
  return &m->sock[o->kobj];
}

/* A new socket end of protocol proto reading channel rx; its index, or
 * -1 on ENOMEM. */
int32_t co__sock_new(struct co_model *m, int proto, int32_t rx) {
  struct co__sockend *e;
  if (co__grow((void **)&m->sock, &m->sockcap, m->nsock + 1, sizeof *m->sock) <
      0)
    return -1;
  e = &m->sock[m->nsock];
  memset(e, 0, sizeof *e);
  e->rx = rx;
  e->peer = -1;
  e->proto = (uint8_t)proto;
  e->dgram = proto == CO__PROTO_UNIX_DGRAM;
  return (int32_t)m->nsock++;
}

/* The description of socket end k: its own inode (mode 0777, as
 * observed: docs/posix.md#sockets), O_RDWR. -1 on ENOMEM. */
int32_t co__sock_ofd(struct co_model *m, int32_t k, int nonblock) {
  int32_t file = co__new_file(m);
  if (file < 0)
    return -1;
  m->content[file].mode = 0777;
  return co__kind_ofd(m, file, CO_F_ACC_RDWR, CO__KIND_SOCKET, k, nonblock);
}

/* man socketpair (docs/posix.md#sockets):
 * two connected sockets, each its own description and inode, the two
 * lowest free numbers (EMFILE: neither taken), SOCK_NONBLOCK on both
 * descriptions, SOCK_CLOEXEC on both descriptors. Returns sv[0]; sv[1] is
 * the data. */
void co__rule_socketpair(struct co_model *m, const struct co_call *c,
                         struct co_outcome *pred, struct co_aftermath *t) {
  int proto = (c->flags & CO_F_SOCK_TYPE_MASK) == CO_F_SOCK_DGRAM
                  ? CO__PROTO_UNIX_DGRAM
                  : CO__PROTO_UNIX_STREAM;
  int nb = (c->flags & CO_F_SOCK_NONBLOCK) != 0;
  int64_t a, b;
  int32_t ra, rb, ka, kb, oa, ob;
  if ((a = m->plat->alloc(m, 0)) < 0 || (b = m->plat->alloc(m, a + 1)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  if ((ra = co__chan_new(m, 0, proto == CO__PROTO_UNIX_DGRAM)) < 0 ||
      (rb = co__chan_new(m, 0, proto == CO__PROTO_UNIX_DGRAM)) < 0 ||
      (ka = co__sock_new(m, proto, ra)) < 0 ||
      (kb = co__sock_new(m, proto, rb)) < 0 ||
      (oa = co__sock_ofd(m, ka, nb)) < 0 ||
      (ob = co__sock_ofd(m, kb, nb)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  m->sock[ka].peer = kb;
  m->sock[kb].peer = ka;
  m->sock[ka].connected = m->sock[kb].connected = 1;
  co__install(m, a, oa, c->flags & CO_F_SOCK_CLOEXEC);
  co__install(m, b, ob, c->flags & CO_F_SOCK_CLOEXEC);
  pred->ret = a;
  pred->data = (uint64_t)b;
  pred->dmask = ~(uint64_t)0;
  co__touch(t, a);
  co__touch(t, b);
}

/* man shutdown; net/unix/af_unix.c unix_shutdown (docs/posix.md#shutdown): not
 * open EBADF; not a socket ENOTSOCK; a how past SHUT_RDWR EINVAL; else the
 * socket stops receiving (SHUT_RD), sending (SHUT_WR) or both, and a stream
 * socket's peer stops the other way. Not a close: the descriptor stays open. */
void co__rule_shutdown(struct co_model *m, const struct co_call *c,
                       struct co_outcome *pred, struct co_aftermath *t) {
  const struct ofdent *o;
  struct co__sockend *e;
  unsigned how = c->flags & CO_F_SHUT_MASK;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  o = co__ofd_of(m, c->a);
  if (o->kind != CO__KIND_SOCKET) {
    co__fail(pred, CO_ENOTSOCK);
    return;
  }
  if (how > 2) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  e = end_of(m, o);
  if (e->proto == CO__PROTO_TCP) { /* tcp.c */
    co__tcp_shutdown(m, e->tcp, how, pred);
    return;
  }
  e->shut_rd |= how != 1;
  e->shut_wr |= how != 0;
  if (!e->dgram && e->peer >= 0) { /* unix_shutdown's peer_mode */
    m->sock[e->peer].shut_wr |= how != 1;
    m->sock[e->peer].shut_rd |= how != 0;
  }
}

/* The last descriptor of a socket's description is closed
 * (net/unix/af_unix.c unix_release_sock): it is dead, shut both ways,
 * what it had not read is dropped; a stream peer is shut both ways too,
 * and gets ECONNRESET if this end left bytes unread. A datagram peer
 * keeps its peer until its next write. */
void co__sock_release(struct co_model *m, struct ofdent *o) {
  struct co__sockend *e = end_of(m, o);
  struct co__chan *rx;
  if (e->proto == CO__PROTO_TCP) { /* tcp.c */
    co__tcp_released(m, e->tcp);
    return;
  }
  rx = &m->chan[e->rx];
  e->closed = e->shut_rd = e->shut_wr = 1;
  if (!e->dgram && e->peer >= 0 && !m->sock[e->peer].closed) {
    struct co__sockend *p = &m->sock[e->peer];
    p->shut_rd = p->shut_wr = 1;
    if (rx->nseg || rx->len)
      p->err = CO_ECONNRESET;
  }
  rx->head = rx->len = rx->shead = rx->nseg = rx->first_off = 0;
}

int co__sock_would_block(const struct co_model *m, const struct co_call *c) {
  const struct ofdent *o;
  const struct co__sockend *e;
  const struct co__chan *rx;
  if (!co__is_live(m, c->a))
    return 0;
  o = co__ofd_of(m, c->a);
  if (o->kind != CO__KIND_SOCKET)
    return 0;
  e = end_of(m, o);
  if (e->proto == CO__PROTO_TCP) /* tcp.c refuses, with its reasons */
    return 0;
  if (c->kind == CO_OP_READ) { /* sock_read_iter: 0 bytes never wait */
    rx = &m->chan[e->rx];
    if (c->n <= 0 || rx->nseg || rx->lost || o->nonblock == 1)
      return 0;
    return e->dgram ? !e->shut_rd : !e->err && !e->shut_rd;
  }
  /* a layer's write may have disconnected it: the error is not known */
  if (e->wlost)
    return 3;
  /* a write that queues: where the send buffer fills is not known */
  if (e->shut_wr || (!e->dgram && c->n <= 0) || (e->dgram && !e->connected) ||
      e->peer < 0 || m->sock[e->peer].closed || m->sock[e->peer].shut_rd)
    return 0;
  return m->chan[m->sock[e->peer].rx].nseg + 1 > skb_bound(m) ? 2 : 0;
}

/* docs/posix.md#sockets: a read of 0 bytes returns 0 (sock_read_iter);
 * bytes queued: a stream reads up to the count across writes, a datagram
 * socket one message (its rest dropped); none: a stream's pending error
 * (once), then 0 once it is shut for reading; a datagram socket EAGAIN
 * with O_NONBLOCK, 0 without it once shut for reading; else EAGAIN (a
 * call that would wait was refused before). */
void co__sock_read(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred) {
  struct co__sockend *e = end_of(m, o);
  struct co__chan *rx = &m->chan[e->rx];
  if (e->proto == CO__PROTO_TCP) { /* tcp.c */
    co__tcp_read(m, c, o, pred);
    return;
  }
  if (c->n <= 0)
    return;
  if (rx->lost) {
    pred->ret = CO_RET_ANY;
    return;
  }
  if (rx->nseg) {
    co__chan_read(m, rx, c->n, pred);
    return;
  }
  if (!e->dgram && e->err) {
    co__fail(pred, e->err);
    e->err = 0;
  } else if (!(e->shut_rd && (!e->dgram || o->nonblock != 1))) {
    co__fail(pred, CO_EAGAIN);
  }
}

/* docs/posix.md#sockets: shut for sending EPIPE (even for 0 bytes); a
 * stream: 0 bytes return 0, a peer released or shut for reading EPIPE; a
 * datagram socket: without its peer ENOTCONN; a released peer
 * ECONNREFUSED, once (the socket drops it and what it had received), a
 * peer shut for reading EPIPE; else the message (a datagram of 0 bytes
 * too) is queued for the peer. */
void co__sock_write(struct co_model *m, const struct co_call *c,
                    struct ofdent *o, struct co_outcome *pred) {
  struct co__sockend *e = end_of(m, o), *p;
  if (e->proto == CO__PROTO_TCP) { /* tcp.c */
    co__tcp_write(m, c, o, pred);
    return;
  }
  if (e->shut_wr) {
    co__fail(pred, CO_EPIPE);
    return;
  }
  if (!e->dgram && c->n <= 0)
    return;
  if (e->dgram && !e->connected) {
    co__fail(pred, CO_ENOTCONN);
    return;
  }
  p = &m->sock[e->peer];
  if (e->dgram && p->closed) { /* unix_dgram_disconnected */
    struct co__chan *rx = &m->chan[e->rx];
    e->connected = 0;
    rx->head = rx->len = rx->shead = rx->nseg = rx->first_off = 0;
    co__fail(pred, CO_ECONNREFUSED);
    return;
  }
  if (p->closed || p->shut_rd) {
    co__fail(pred, CO_EPIPE);
    return;
  }
  co__chan_put(&m->chan[p->rx], m->pattern, (size_t)(c->n > 0 ? c->n : 0), 0);
  pred->ret = c->n;
}
