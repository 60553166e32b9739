/*
 * Loopback TCP (Linux): listen, connect, accept and accept4, and read,
 * write and shutdown on the connected sockets, as docs/posix.md#tcp
 * states them. A TCP socket is a socket end of protocol CO__PROTO_TCP
 * (sock.c, which hands its reads, writes, shutdowns and release here),
 * whose received bytes are its channel's (chan.c), with its TCP state in
 * m->tcp (struct co__tcp, model_internal.h). A connect makes both ends at
 * once: the client's, which its new descriptor names, and the server's,
 * pending in the listener's queue until an accept gives it a descriptor. On
 * loopback a segment is delivered before the call that sent it returns
 * (docs/posix.md#tcp-timing), so a write's bytes are in the peer's queue, and a
 * close's FIN or RST at the peer, at the next step. What would block, or what
 * the kernel decides by its own timing, is refused (co__tcp_refused), never
 * guessed.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* Why a call on a socket is not issued (co__tcp_refused). */
enum co__tcp_why {
  CO__TCP_OK,
  CO__TCP_NOT_LISTENER, /* connect to a socket that does not listen */
  CO__TCP_QUEUE_FULL,   /* connect to a listener whose queue is full */
  CO__TCP_ACCEPT_BLOCKS,
  CO__TCP_READ_BLOCKS,
  CO__TCP_WRITE_FULL,
  CO__TCP_SHUT_RD, /* shutdown with SHUT_RD: not modelled */
  CO__TCP_WHY_COUNT
};

static const char *const why_text[CO__TCP_WHY_COUNT] = {
    NULL,
    "not a listener: connect's address is only a listener's "
    "(posix.md#tcp-connect)",
    "would block: the queue is full, the SYN waits to be resent "
    "(posix.md#tcp-connect)",
    "would block: nothing pending, a blocking listener (posix.md#tcp-accept)",
    "would block: nothing to read, the peer open (posix.md#tcp-read)",
    "would leave over 64 KiB unread at the peer (posix.md#tcp-write)",
    "SHUT_RD of a TCP socket, not modelled (posix.md#tcp-shutdown)"};

const char *co_model_refusal(const struct co_model *m,
                             const struct co_call *c) {
  int w = m->ntcp ? co__tcp_refused(m, c) : 0;
  return w > 0 && w < CO__TCP_WHY_COUNT ? why_text[w] : NULL;
}

/* A new TCP socket: its end (reading a new channel; sock.c) and its
 * state; the state's index, or -1 on ENOMEM. */
static int32_t tcp_new(struct co_model *m) {
  struct co__tcp *k;
  int32_t rx = co__chan_new(m, 0, 0), e;
  if (rx < 0 || (e = co__sock_new(m, CO__PROTO_TCP, rx)) < 0 ||
      co__grow((void **)&m->tcp, &m->tcpcap, m->ntcp + 1, sizeof *m->tcp) < 0)
    return -1;
  m->sock[e].tcp = (int32_t)m->ntcp;
  k = &m->tcp[m->ntcp];
  memset(k, 0, sizeof *k);
  k->end = e;
  k->peer = k->next = k->qhead = k->qtail = -1;
  k->err = CO_OK;
  return (int32_t)m->ntcp++;
}

/* A new description for TCP socket k (docs/posix.md#tcp-files). */
static int32_t tcp_ofd(struct co_model *m, int32_t k, int nonblock) {
  return co__sock_ofd(m, m->tcp[k].end, nonblock);
}

static struct co__tcp *tcp_of(const struct co_model *m,
                              const struct ofdent *o) {
  return &m->tcp[m->sock[o->kobj].tcp];
}
static struct co__chan *rx_of(const struct co_model *m,
                              const struct co__tcp *k) {
  return &m->chan[m->sock[k->end].rx];
}

/* The description live number num names in t, or NULL. */
static const struct ofdent *ofd_at(const struct co_model *m, struct co__table t,
                                   int64_t num) {
  int32_t o = co__table_ofd(t, num);
  return o >= 0 ? &m->ofd[o] : NULL;
}

/* A number is free below the limit in t (what alloc would find). */
static int has_free(const struct co_model *m, struct co__table t) {
  int64_t n;
  for (n = m->base; n < m->limit; n++) {
    if ((uint64_t)n >= t.cap || (t.fd[n].ofd < 0 && !t.fd[n].foreign))
      return 1;
    if (t.fd[n].foreign)
      n = co__past_foreign(m, n) - 1;
  }
  return 0;
}

int co__tcp_refused(const struct co_model *m, const struct co_call *c) {
  struct co__table t = co__step_table(m);
  const struct ofdent *o = ofd_at(m, t, c->a);
  const struct co__tcp *k, *p;
  if (!o || o->kind != CO__KIND_SOCKET ||
      m->sock[o->kobj].proto != CO__PROTO_TCP)
    return CO__TCP_OK;
  k = tcp_of(m, o);
  switch (c->kind) {
  case CO_OP_CONNECT:
    if (!k->listening)
      return CO__TCP_NOT_LISTENER;
    return k->qlen > k->backlog && has_free(m, t) ? CO__TCP_QUEUE_FULL
                                                  : CO__TCP_OK;
  case CO_OP_ACCEPT4:
    if (c->flags & CO_F_TCP_BAD)
      return CO__TCP_OK;
    /* fall through */
  case CO_OP_ACCEPT:
    return k->listening && !k->qlen && o->nonblock != 1 && has_free(m, t)
               ? CO__TCP_ACCEPT_BLOCKS
               : CO__TCP_OK;
  case CO_OP_READ:
    return !k->listening && c->n > 0 && !rx_of(m, k)->len &&
                   !rx_of(m, k)->lost && !k->fin && k->err == CO_OK &&
                   !k->down && o->nonblock != 1
               ? CO__TCP_READ_BLOCKS
               : CO__TCP_OK;
  case CO_OP_WRITE:
    if (k->listening || k->err != CO_OK || k->down || k->shutwr || c->n <= 0)
      return CO__TCP_OK;
    p = &m->tcp[k->peer];
    return !p->gone && rx_of(m, p)->len + (size_t)c->n > CO__TCP_QUEUE_MAX
               ? CO__TCP_WRITE_FULL
               : CO__TCP_OK;
  case CO_OP_SHUTDOWN:
    return (c->flags & CO_F_SHUT_MASK) == 0 || (c->flags & CO_F_SHUT_MASK) == 2
               ? CO__TCP_SHUT_RD
               : CO__TCP_OK;
  default:
    return CO__TCP_OK;
  }
}

/* docs/posix.md#tcp-listen: a socket bound to 127.0.0.1 port 0, listening
 * with the backlog; the lowest free number, EMFILE if none. */
void co__rule_listen(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n = m->plat->alloc(m, 0);
  int32_t k, ofd;
  if (n < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  if ((k = tcp_new(m)) < 0 ||
      (ofd = tcp_ofd(m, k, c->flags & CO_F_TCP_NONBLOCK)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  m->tcp[k].listening = 1;
  m->tcp[k].backlog = (uint16_t)c->n;
  co__install(m, n, ofd, c->flags & CO_F_TCP_CLOEXEC);
  pred->ret = n;
  co__touch(t, n);
}

/* The TCP state of live number num, or NULL: a file ENOTSOCK, an AF_UNIX
 * stream socket err_stream, a datagram one err_dgram. */
static struct co__tcp *tcp_at(struct co_model *m, int64_t num,
                              struct co_outcome *pred, int err_stream,
                              int err_dgram) {
  const struct ofdent *o = co__ofd_of(m, num);
  if (o->kind != CO__KIND_SOCKET) {
    co__fail(pred, CO_ENOTSOCK);
    return NULL;
  }
  if (m->sock[o->kobj].proto != CO__PROTO_TCP) {
    co__fail(pred, m->sock[o->kobj].dgram ? err_dgram : err_stream);
    return NULL;
  }
  return tcp_of(m, o);
}

/* docs/posix.md#tcp-connect: the listener is looked up first (EBADF, a
 * file ENOTSOCK), then the new socket takes the lowest free number
 * (EMFILE); connected at once, its server end pending in the queue. */
void co__rule_connect(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n;
  int32_t lk, ck, sk, ofd;
  struct co__tcp *l;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  /* an AF_UNIX socket's getsockname is not an IPv4 listener's: the
   * backend refuses it (EINVAL) */
  if (!(l = tcp_at(m, c->a, pred, CO_EINVAL, CO_EINVAL)))
    return;
  lk = (int32_t)(l - m->tcp);
  if ((n = m->plat->alloc(m, 0)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  if ((ck = tcp_new(m)) < 0 || (sk = tcp_new(m)) < 0 ||
      (ofd = tcp_ofd(m, ck, 0)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  m->tcp[ck].peer = sk;
  m->tcp[sk].peer = ck;
  m->sock[m->tcp[ck].end].peer = m->tcp[sk].end;
  m->sock[m->tcp[sk].end].peer = m->tcp[ck].end;
  l = &m->tcp[lk]; /* (tcp_new may have moved the array) */
  if (l->qtail >= 0)
    m->tcp[l->qtail].next = sk;
  else
    l->qhead = sk;
  l->qtail = sk;
  l->qlen++;
  co__install(m, n, ofd, c->flags & CO_F_TCP_CLOEXEC);
  pred->ret = n;
  co__touch(t, n);
}

/* docs/posix.md#tcp-accept: EBADF first, then accept4's flags (EINVAL),
 * then the new number (EMFILE), then ENOTSOCK, then a socket that does
 * not listen (EINVAL), then none pending: EAGAIN (non-blocking). The
 * oldest pending connection, O_NONBLOCK and FD_CLOEXEC from accept4's
 * flags only (not inherited). */
void co__rule_accept(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  unsigned f = c->kind == CO_OP_ACCEPT4 ? c->flags : 0;
  int64_t n;
  int32_t k, ofd;
  struct co__tcp *l;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  if (f & CO_F_TCP_BAD) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if ((n = m->plat->alloc(m, 0)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  /* an AF_UNIX pair's end: a stream one is connected, not listening
   * (EINVAL); a datagram one cannot accept (net/unix/af_unix.c
   * unix_accept: EOPNOTSUPP) */
  if (!(l = tcp_at(m, c->a, pred, CO_EINVAL, CO_EOPNOTSUPP)))
    return;
  if (!l->listening) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if (!l->qlen) {
    co__fail(pred, CO_EAGAIN);
    return;
  }
  k = l->qhead;
  if ((ofd = tcp_ofd(m, k, f & CO_F_TCP_NONBLOCK)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  l->qhead = m->tcp[k].next;
  if (l->qhead < 0)
    l->qtail = -1;
  l->qlen--;
  m->tcp[k].next = -1;
  co__install(m, n, ofd, f & CO_F_TCP_CLOEXEC);
  pred->ret = n;
  co__touch(t, n);
}

/* docs/posix.md#tcp-read: a count of 0 returns 0 whatever the socket; a
 * listener ENOTCONN; the bytes received first (up to n), then: the peer's
 * FIN 0, a pending error (reported once), a reset 0, else EAGAIN (a
 * blocking socket is refused before: co__tcp_refused). */
void co__tcp_read(struct co_model *m, const struct co_call *c, struct ofdent *o,
                  struct co_outcome *pred) {
  struct co__tcp *k = tcp_of(m, o);
  struct co__chan *rx = rx_of(m, k);
  uint64_t digest;
  if (c->n <= 0)
    return; /* ret 0 */
  if (k->listening) {
    co__fail(pred, CO_ENOTCONN);
    return;
  }
  if (rx->lost) {
    pred->ret = CO_RET_ANY;
    return;
  }
  if (rx->len) {
    pred->ret = (int64_t)co__chan_take(rx, (size_t)c->n, m->lastread, &digest);
    m->lastread_n = (int16_t)pred->ret;
    pred->data = digest;
    pred->dmask = ~(uint64_t)0;
    return;
  }
  if (k->fin || (k->down && k->err == CO_OK))
    return; /* end of file */
  if (k->err != CO_OK) {
    co__fail(pred, k->err);
    k->err = CO_OK;
    return;
  }
  co__fail(pred, CO_EAGAIN);
}

/* docs/posix.md#tcp-write: a listener EPIPE; a pending error (once),
 * then a reset or a shutdown for writing EPIPE, whatever the count; then
 * a count of 0 returns 0; else all n bytes go to the peer's queue. A
 * peer whose descriptors are all closed answers them with a reset: this
 * socket's next call sees EPIPE (it had the peer's FIN). */
void co__tcp_write(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred) {
  struct co__tcp *k = tcp_of(m, o), *p;
  if (k->listening) {
    co__fail(pred, CO_EPIPE);
    return;
  }
  if (k->err != CO_OK) {
    co__fail(pred, k->err);
    k->err = CO_OK;
    return;
  }
  if (k->down || k->shutwr) {
    co__fail(pred, CO_EPIPE);
    return;
  }
  pred->ret = c->n;
  if (c->n <= 0)
    return;
  p = &m->tcp[k->peer];
  if (p->gone) {
    k->err = (uint8_t)(k->fin ? CO_EPIPE : CO_ECONNRESET);
    k->down = 1;
    return;
  }
  co__chan_put(rx_of(m, p), m->pattern, (size_t)c->n, 1);
}

/* A reset reaches socket k (tcp_reset): its error is EPIPE if it had its
 * peer's FIN, else ECONNRESET; it is down. */
static void reset(struct co__tcp *k) {
  if (k->gone || k->down)
    return;
  k->err = (uint8_t)(k->fin ? CO_EPIPE : CO_ECONNRESET);
  k->down = 1;
}

/* A FIN from k reaches its peer. */
static void fin(struct co_model *m, struct co__tcp *k) {
  struct co__tcp *p = &m->tcp[k->peer];
  if (!p->gone && !p->down)
    p->fin = 1;
}

/* docs/posix.md#tcp-shutdown, after sock.c's checks (EBADF, ENOTSOCK,
 * EINVAL): a socket that is not connected (reset, or its FIN and its
 * peer's both sent) ENOTCONN; a
 * listener's SHUT_WR changes nothing; a connected socket's sends its FIN
 * once and shuts it for writing. SHUT_RD is refused before. */
void co__tcp_shutdown(struct co_model *m, int32_t kk, unsigned how,
                      struct co_outcome *pred) {
  struct co__tcp *k = &m->tcp[kk];
  (void)how; /* SHUT_WR: the others were refused (co__tcp_refused) */
  /* reset, or both FINs went (each end is then TCP_CLOSE: tcp_done,
   * tcp_time_wait): not connected */
  if (k->down || (k->fin && k->shutwr)) {
    co__fail(pred, CO_ENOTCONN);
    return;
  }
  if (k->listening || k->shutwr)
    return;
  k->shutwr = 1;
  fin(m, k);
}

/* docs/posix.md#tcp-close: a listener's pending connections are reset
 * (their clients see ECONNRESET); a connected socket with unread bytes
 * resets its peer, else sends it a FIN (unless it sent one already). */
void co__tcp_released(struct co_model *m, int32_t kk) {
  struct co__tcp *k = &m->tcp[kk];
  struct co__chan *rx = rx_of(m, k);
  int32_t q;
  k->gone = 1;
  m->sock[k->end].closed = 1;
  if (k->listening) {
    for (q = k->qhead; q >= 0; q = m->tcp[q].next) {
      m->tcp[q].gone = 1;
      reset(&m->tcp[m->tcp[q].peer]);
    }
    k->qhead = k->qtail = -1;
    k->qlen = 0;
    return;
  }
  if (!k->down) {
    if (rx->len) /* (a layer's bytes, lost, never reach a TCP socket:
                    no target has both) */
      reset(&m->tcp[k->peer]);
    else if (!k->shutwr)
      fin(m, k);
  }
  rx->head = rx->len = rx->shead = rx->nseg = rx->first_off = 0;
}
