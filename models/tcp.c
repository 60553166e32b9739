/*
 * Loopback TCP (Linux): listen, connect, accept and accept4, and read and
 * write on the connected sockets, as docs/posix.md#tcp states them. A
 * socket is an open file description whose sock field names its entry in
 * m->sock (struct co__sock, model_internal.h). A connect makes both ends
 * at once: the client's, which its new descriptor names, and the
 * server's, pending in the listener's queue until an accept gives it a
 * descriptor. On loopback a segment is delivered before the call that
 * sent it returns (docs/posix.md#tcp-timing), so a write's bytes are in
 * the peer's queue, and a close's FIN or RST at the peer, at the next
 * step. What would block, or what the kernel decides by its own timing,
 * is refused (co__tcp_refused), never guessed.
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
  CO__TCP_NOT_FILE, /* reopen, created_query: a file's calls */
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
    "a file's call on a socket, not modelled (posix.md#tcp)"};

const char *co_model_refusal(const struct co_model *m,
                             const struct co_call *c) {
  int w = m->nsock ? co__tcp_refused(m, c) : 0;
  return w > 0 && w < CO__TCP_WHY_COUNT ? why_text[w] : NULL;
}

/* A new socket entry, -1 on ENOMEM. */
static int32_t sock_new(struct co_model *m) {
  struct co__sock *k;
  size_t old = m->sockcap;
  if (m->nsock >= m->sockcap) {
    if (co__grow((void **)&m->sock, &m->sockcap, m->nsock + 1,
                 sizeof *m->sock) < 0)
      return -1;
    memset(m->sock + old, 0, (m->sockcap - old) * sizeof *m->sock);
  }
  k = &m->sock[m->nsock];
  k->peer = k->next = k->qhead = k->qtail = -1;
  k->qlen = k->backlog = 0;
  k->listening = k->fin = k->down = k->gone = 0;
  k->err = CO_OK;
  k->rhead = k->rlen = 0; /* rq and rcap are kept */
  return (int32_t)m->nsock++;
}

/* A new description for socket k, with its new number n. */
static int sock_ofd(struct co_model *m, int32_t k, int nonblock) {
  int32_t ofd = co__new_ofd(m, CO_F_ACC_RDWR, 0);
  if (ofd < 0)
    return -1;
  m->ofd[ofd].sock = k;
  m->ofd[ofd].nonblock = (uint8_t)(nonblock != 0);
  m->ofd[ofd].created = 0;
  /* a socket's inode: mode 0777 until fchmod (docs/posix.md#tcp-files) */
  m->content[m->ofd[ofd].file].mode = 0777;
  return ofd;
}

/* The table the step runs on: before the step (co__tcp_refused runs
 * first) the second party's own is not swapped in yet (party.c). */
struct table {
  const struct fdent *fd;
  size_t cap;
};
static struct table table_of(const struct co_model *m) {
  struct table t = {m->fd, m->cap};
  if (m->party.child && m->party.unshared) {
    t.fd = m->party.fd;
    t.cap = m->party.cap;
  }
  return t;
}

/* The description live number num names in t, or NULL. */
static const struct ofdent *ofd_at(const struct co_model *m, struct table t,
                                   int64_t num) {
  if (num < 0 || (uint64_t)num >= t.cap || t.fd[num].ofd < 0)
    return NULL;
  return &m->ofd[t.fd[num].ofd];
}

/* A number is free below the limit in t (what alloc would find). */
static int has_free(const struct co_model *m, struct table t) {
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
  struct table t = table_of(m);
  const struct ofdent *o = ofd_at(m, t, c->a);
  const struct co__sock *k = o && o->sock >= 0 ? &m->sock[o->sock] : NULL, *p;
  if (!k)
    return CO__TCP_OK;
  switch (c->kind) {
  case CO_OP_CONNECT:
    if (!k->listening)
      return CO__TCP_NOT_LISTENER;
    return k->qlen > k->backlog && has_free(m, t) ? CO__TCP_QUEUE_FULL
                                                  : CO__TCP_OK;
  case CO_OP_ACCEPT4:
    if (c->flags & CO_F_SOCK_BAD)
      return CO__TCP_OK;
    /* fall through */
  case CO_OP_ACCEPT:
    return k->listening && !k->qlen && o->nonblock != 1 && has_free(m, t)
               ? CO__TCP_ACCEPT_BLOCKS
               : CO__TCP_OK;
  case CO_OP_READ:
    return !k->listening && c->n > 0 && !k->rlen && !k->fin &&
                   k->err == CO_OK && !k->down && o->nonblock != 1
               ? CO__TCP_READ_BLOCKS
               : CO__TCP_OK;
  case CO_OP_WRITE:
    if (k->listening || k->err != CO_OK || k->down || c->n <= 0)
      return CO__TCP_OK;
    p = &m->sock[k->peer];
    return !p->gone && p->rlen + (uint32_t)c->n > CO__TCP_QUEUE_MAX
               ? CO__TCP_WRITE_FULL
               : CO__TCP_OK;
  case CO_OP_REOPEN:
  case CO_OP_CREATED_QUERY:
    return CO__TCP_NOT_FILE;
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
  if ((k = sock_new(m)) < 0 ||
      (ofd = sock_ofd(m, k, c->flags & CO_F_SOCK_NONBLOCK)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  m->sock[k].listening = 1;
  m->sock[k].backlog = (uint16_t)c->n;
  co__install(m, n, ofd, c->flags & CO_F_SOCK_CLOEXEC);
  pred->ret = n;
  co__touch(t, n);
}

/* docs/posix.md#tcp-connect: the listener is looked up first (EBADF, a
 * file ENOTSOCK), then the new socket takes the lowest free number
 * (EMFILE); connected at once, its server end pending in the queue. */
void co__rule_connect(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n;
  int32_t lk, ck, sk, ofd;
  struct co__sock *l;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  if ((lk = co__ofd_of(m, c->a)->sock) < 0) {
    co__fail(pred, CO_ENOTSOCK);
    return;
  }
  if ((n = m->plat->alloc(m, 0)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  if ((ck = sock_new(m)) < 0 || (sk = sock_new(m)) < 0 ||
      (ofd = sock_ofd(m, ck, 0)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  m->sock[ck].peer = sk;
  m->sock[sk].peer = ck;
  l = &m->sock[lk]; /* (sock_new may have moved the array) */
  if (l->qtail >= 0)
    m->sock[l->qtail].next = sk;
  else
    l->qhead = sk;
  l->qtail = sk;
  l->qlen++;
  co__install(m, n, ofd, c->flags & CO_F_SOCK_CLOEXEC);
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
  int accept4 = c->kind == CO_OP_ACCEPT4;
  unsigned f = accept4 ? c->flags : 0;
  int64_t n;
  int32_t lk, k, ofd;
  struct co__sock *l;
  co__touch(t, c->a);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  if (f & CO_F_SOCK_BAD) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if ((n = m->plat->alloc(m, 0)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  if ((lk = co__ofd_of(m, c->a)->sock) < 0) {
    co__fail(pred, CO_ENOTSOCK);
    return;
  }
  l = &m->sock[lk];
  if (!l->listening) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if (!l->qlen) {
    co__fail(pred, CO_EAGAIN);
    return;
  }
  if ((ofd = sock_ofd(m, l->qhead, f & CO_F_SOCK_NONBLOCK)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  k = l->qhead;
  l->qhead = m->sock[k].next;
  if (l->qhead < 0)
    l->qtail = -1;
  l->qlen--;
  m->sock[k].next = -1;
  co__install(m, n, ofd, f & CO_F_SOCK_CLOEXEC);
  pred->ret = n;
  co__touch(t, n);
}

/* docs/posix.md#tcp-read: a count of 0 returns 0 whatever the socket; a
 * listener ENOTCONN; the bytes received first (up to n), then: the peer's
 * FIN 0, a pending error (reported once), a reset 0, else EAGAIN (a
 * blocking socket is refused before: co__tcp_refused). */
void co__tcp_read(struct co_model *m, const struct co_call *c,
                  struct ofdent *o, struct co_outcome *pred) {
  struct co__sock *k = &m->sock[o->sock];
  uint32_t got;
  if (c->n <= 0)
    return; /* ret 0 */
  if (k->listening) {
    co__fail(pred, CO_ENOTCONN);
    return;
  }
  if (k->rlen) {
    got = k->rlen < (uint32_t)c->n ? k->rlen : (uint32_t)c->n;
    pred->data = co_bytes_digest(k->rq + k->rhead, got);
    pred->dmask = ~(uint64_t)0;
    pred->ret = got;
    k->rhead += got; /* the bytes stay below rhead until a write moves
                        them (co_model_file_bytes: explain shows them) */
    k->rlen -= got;
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

/* Room for n more bytes in k's queue: 0, or -1 (ENOMEM). */
static int rq_room(struct co__sock *k, uint32_t n) {
  uint32_t need = k->rhead + k->rlen + n, cap;
  uint8_t *b;
  if (k->rhead && need > k->rcap) { /* move the unread bytes down */
    memmove(k->rq, k->rq + k->rhead, k->rlen);
    k->rhead = 0;
    need = k->rlen + n;
  }
  if (need <= k->rcap)
    return 0;
  for (cap = k->rcap ? k->rcap : 1024; cap < need; cap *= 2)
    ;
  if (!(b = realloc(k->rq, cap)))
    return -1;
  k->rq = b;
  k->rcap = cap;
  return 0;
}

/* docs/posix.md#tcp-write: a listener EPIPE; a pending error (once),
 * then a reset EPIPE, whatever the count; then a count of 0 returns 0;
 * else all n bytes go to the peer's queue. A peer whose descriptors are
 * all closed answers them with a reset: this socket's next call sees
 * EPIPE (it had the peer's FIN). */
void co__tcp_write(struct co_model *m, const struct co_call *c,
                   struct ofdent *o, struct co_outcome *pred) {
  struct co__sock *k = &m->sock[o->sock], *p;
  if (k->listening) {
    co__fail(pred, CO_EPIPE);
    return;
  }
  if (k->err != CO_OK) {
    co__fail(pred, k->err);
    k->err = CO_OK;
    return;
  }
  if (k->down) {
    co__fail(pred, CO_EPIPE);
    return;
  }
  pred->ret = c->n;
  if (c->n <= 0)
    return;
  p = &m->sock[k->peer];
  if (p->gone) {
    k->err = (uint8_t)(k->fin ? CO_EPIPE : CO_ECONNRESET);
    k->down = 1;
    return;
  }
  if (rq_room(p, (uint32_t)c->n) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  memcpy(p->rq + p->rhead + p->rlen, m->pattern, (size_t)c->n);
  p->rlen += (uint32_t)c->n;
}

/* A reset reaches socket k (tcp_reset): its error is EPIPE if it had its
 * peer's FIN, else ECONNRESET; it is down. */
static void reset(struct co__sock *k) {
  if (k->gone || k->down)
    return;
  k->err = (uint8_t)(k->fin ? CO_EPIPE : CO_ECONNRESET);
  k->down = 1;
}

/* docs/posix.md#tcp-close: a listener's pending connections are reset
 * (their clients see ECONNRESET); a connected socket with unread bytes
 * resets its peer, else sends it a FIN. */
void co__tcp_released(struct co_model *m, int32_t kk) {
  struct co__sock *k = &m->sock[kk], *p;
  int32_t q;
  k->gone = 1;
  if (k->listening) {
    for (q = k->qhead; q >= 0; q = m->sock[q].next) {
      m->sock[q].gone = 1;
      reset(&m->sock[m->sock[q].peer]);
    }
    k->qhead = k->qtail = -1;
    k->qlen = 0;
    return;
  }
  if (k->down)
    return;
  p = &m->sock[k->peer];
  if (k->rlen)
    reset(p);
  else if (!p->gone && !p->down)
    p->fin = 1;
}

/* The last n bytes socket k read (below rhead), for explain; -1 if they
 * are not there any more. */
long co__tcp_last_bytes(const struct co_model *m, int32_t k, uint8_t *buf,
                        size_t n) {
  const struct co__sock *p = &m->sock[k];
  if (n > p->rhead)
    return -1;
  memcpy(buf, p->rq + p->rhead - n, n);
  return (long)n;
}
