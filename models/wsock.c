/*
 * Win32 SOCKETs (winsock): the rules of tcp_connect, tcp_accept, socket,
 * closesocket, send, recv and wsadup (docs/win32.md#sockets), and which
 * socket calls are never issued. A SOCKET is a HANDLE value on an open
 * file description of the socket kind (CO__KIND_SOCKET, docs/posix.md#kinds)
 * whose socket end (struct co__sockend, m->sock[kobj]) has no peer until
 * it is connected; a connection is two ends, each the other's peer, each
 * reading its own channel (chan.c: the bytes queued, with their digest).
 * An end is closed at the last close of its description (co__kind_release);
 * its err records that a reset from the peer has been reported (the
 * connection reset once). The handle rules (close, duphandle, getfd...) are
 * win32_rules.c's; the misuses they make of a socket are events
 * (events.c).
 *
 * ws2_32 keeps a list of the values it made sockets at (wslist): under
 * Wine, closesocket and send look a value up there, not in the handle
 * table (CO_QUIRK_WINE_CLOSESOCKET_LIST, CO_QUIRK_WINE_DUPHANDLE_NOT_SOCKET;
 * docs/wine.md#closesocket-list), so a value CloseHandle closed is still
 * "a socket" to closesocket, and a DuplicateHandle copy is not. The backend
 * empties Wine's list of a trace's values before the next trace's first
 * socket call (harness/win32/sock.c), so the list starts empty here.
 */
#include <string.h>

#include "model_internal.h"

void co__wsock_begin(struct co_model *m) {
  m->nwslist = 0;
  m->nwpend = 0;
}

static int wslist_find(const struct co_model *m, int64_t v) {
  int i;
  for (i = 0; i < m->nwslist; i++)
    if (m->wslist[i] == v)
      return i;
  return -1;
}

static void wslist_add(struct co_model *m, int64_t v) {
  if (m->nwslist < CO__WSLIST)
    m->wslist[m->nwslist++] = v;
}

static void wslist_remove(struct co_model *m, int i) {
  m->wslist[i] = m->wslist[--m->nwslist];
}

static int quirk(const struct co_model *m, unsigned q) {
  return (m->quirks & q) != 0;
}

/* A new description of the socket kind, its end unconnected, its channel
 * empty (no file data, no offset); -1 on ENOMEM. */
static int32_t ws_new(struct co_model *m) {
  int32_t d = co__new_ofd(m, CO_F_ACC_RDWR, 0), rx;
  struct co__sockend *e;
  if (d < 0 || (rx = co__chan_new(m, 0, 0)) < 0 ||
      co__grow((void **)&m->sock, &m->sockcap, m->nsock + 1, sizeof *m->sock) <
          0)
    return -1;
  e = &m->sock[m->nsock];
  memset(e, 0, sizeof *e);
  e->rx = rx;
  e->peer = -1;
  m->ofd[d].kind = CO__KIND_SOCKET;
  m->ofd[d].kobj = (int32_t)m->nsock++;
  m->ofd[d].off = -1;
  return d;
}

static struct co__sockend *end_of(struct co_model *m, int64_t num) {
  return &m->sock[co__ofd_of(m, num)->kobj];
}

/* The socket's handle at the value the platform returned. */
static void ws_bind(struct co_model *m, int64_t n, int32_t d, int noinherit,
                    struct co_outcome *pred, struct co_aftermath *t) {
  co__install(m, n, d, noinherit);
  wslist_add(m, n);
  pred->ret = n;
  co__touch(t, n);
}

/* socket(), connected to the listener: two ends, the listener's waiting
 * to be accepted; inheritable, as socket() makes them (WSASocketW). */
void co__rule_tcp_connect(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n = m->plat->alloc(m, 0);
  int32_t a, b;
  (void)c;
  if (n < 0 || (a = ws_new(m)) < 0 || (b = ws_new(m)) < 0) {
    co__fail(pred, n < 0 ? CO_EMFILE : CO_OTHER);
    return;
  }
  m->sock[m->ofd[a].kobj].peer = m->ofd[b].kobj;
  m->sock[m->ofd[b].kobj].peer = m->ofd[a].kobj;
  m->wpend[m->nwpend++] = b; /* refused when full: co__wsock_refused */
  ws_bind(m, n, a, 0, pred, t);
}

/* accept: the oldest waiting connection, or WSAEWOULDBLOCK (the listener
 * is non-blocking). */
void co__rule_tcp_accept(struct co_model *m, const struct co_call *c,
                         struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n;
  int32_t b;
  int i;
  (void)c;
  if (!m->nwpend) {
    co__fail(pred, CO_EAGAIN);
    return;
  }
  if ((n = m->plat->alloc(m, 0)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  b = m->wpend[0];
  for (i = 1; i < m->nwpend; i++)
    m->wpend[i - 1] = m->wpend[i];
  m->nwpend--;
  ws_bind(m, n, b, 0, pred, t);
}

/* socket() (inheritable) or WSASocketW with WSA_FLAG_NO_HANDLE_INHERIT. */
void co__rule_socket(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n = m->plat->alloc(m, 0);
  int32_t d;
  if (n < 0 || (d = ws_new(m)) < 0) {
    co__fail(pred, n < 0 ? CO_EMFILE : CO_OTHER);
    return;
  }
  ws_bind(m, n, d, c->flags & CO_F_NOINHERIT, pred, t);
}

/* WSADuplicateSocketW then WSASocketW(FROM_PROTOCOL_INFO, ...,
 * WSA_FLAG_NO_HANDLE_INHERIT): a new handle on the same socket, not
 * inheritable, that ws2_32 knows; a value that is no socket fails
 * WSAENOTSOCK. */
void co__rule_wsadup(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n;
  co__touch(t, c->a);
  if (!co__is_sock(m, c->a)) {
    co__fail(pred, CO_ENOTSOCK);
    return;
  }
  if ((n = m->plat->alloc(m, 0)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  ws_bind(m, n, m->fd[c->a].ofd, 1, pred, t);
  t->same_a = n;
  t->same_b = c->a;
}

/* closesocket (Microsoft's closesocket page): the socket's handle closes;
 * a value that is no socket fails WSAENOTSOCK. Under Wine the value is
 * looked up in ws2_32's list: if it is there, one entry goes and the
 * handle the value names now, whatever it is, is closed (CloseHandle, its
 * failure ignored), and closesocket returns 0 (quirk
 * WINE_CLOSESOCKET_LIST). */
void co__rule_closesocket(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t) {
  int i = wslist_find(m, c->a);
  co__touch(t, c->a);
  if (quirk(m, CO_QUIRK_WINE_CLOSESOCKET_LIST)) {
    if (i < 0) {
      co__fail(pred, CO_ENOTSOCK);
      return;
    }
    wslist_remove(m, i);
    (void)co__fd_close(m, c->a);
    return;
  }
  if (!co__is_sock(m, c->a)) {
    co__fail(pred, CO_ENOTSOCK);
    return;
  }
  if (i >= 0)
    wslist_remove(m, i);
  if (co__fd_close(m, c->a) != CO_OK)
    co__fail(pred, CO_EBADF); /* protected from close */
}

/* The peer of a connected end is gone: its last handle closed (a
 * connection still waiting to be accepted is alive). */
static int peer_gone(const struct co_model *m, const struct co__sockend *e) {
  return m->sock[e->peer].closed;
}

/* It closed with bytes it had not read: the connection was reset. */
static int peer_reset(const struct co_model *m, const struct co__sockend *e) {
  return peer_gone(m, e) && m->chan[m->sock[e->peer].rx].len > 0;
}

/* send of n bytes through a socket that send accepts (refusals first:
 * co__wsock_refused). A socket() never connected fails WSAENOTCONN;
 * under Wine WSAECONNRESET (quirk WINE_SEND_UNCONNECTED_RESET). A peer
 * that closed with unread bytes reset the connection: WSAECONNRESET. */
void co__rule_send(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t) {
  struct co__sockend *e;
  co__touch(t, c->a);
  if (!co__is_sock(m, c->a) || (quirk(m, CO_QUIRK_WINE_DUPHANDLE_NOT_SOCKET) &&
                                wslist_find(m, c->a) < 0)) {
    co__fail(pred, CO_ENOTSOCK);
    return;
  }
  e = end_of(m, c->a);
  if (e->peer < 0) {
    co__fail(pred, quirk(m, CO_QUIRK_WINE_SEND_UNCONNECTED_RESET)
                       ? CO_ECONNRESET
                       : CO_ENOTCONN);
    return;
  }
  if (peer_reset(m, e)) {
    e->err = CO_ECONNRESET; /* reported */
    co__fail(pred, CO_ECONNRESET);
    return;
  }
  if (c->n > 0)
    co__chan_put(&m->chan[m->sock[e->peer].rx], m->pattern, (size_t)c->n, 1);
  pred->ret = c->n;
}

/* recv of up to n bytes (non-blocking): what is queued; none queued, an
 * end of file (0) once the peer is gone, else WSAEWOULDBLOCK. A count of
 * 0 returns 0 when bytes or the end are there, else WSAEWOULDBLOCK. */
void co__rule_recv(struct co_model *m, const struct co_call *c,
                   struct co_outcome *pred, struct co_aftermath *t) {
  struct co__sockend *e;
  struct co__chan *ch;
  uint64_t digest;
  co__touch(t, c->a);
  if (!co__is_sock(m, c->a)) {
    co__fail(pred, CO_ENOTSOCK);
    return;
  }
  e = end_of(m, c->a);
  if (e->peer < 0) {
    co__fail(pred, CO_ENOTCONN);
    return;
  }
  ch = &m->chan[e->rx];
  if (!ch->len && !peer_gone(m, e)) {
    co__fail(pred, CO_EAGAIN);
    return;
  }
  if (c->n <= 0)
    return; /* 0 */
  /* each send is the pattern from its start: the digest of what is read */
  pred->ret = (int64_t)co__chan_take(ch, (size_t)c->n, NULL, &digest);
  pred->data = digest;
  pred->dmask = ~(uint64_t)0;
}

/* Not followed, never issued (docs/win32.md#sockets):
 *  - a connect past CO__WSPEND waiting connections, a send past
 *    CO__WSQ_MAX bytes queued at the peer: it could block; a new socket
 *    when the model's copy of ws2_32's list is full (CO__WSLIST);
 *  - send to a peer that closed cleanly: whether it fails depends on when
 *    the reset comes back; after a reset was reported, send and recv
 *    until the end (recv: the end of file, under Wine 0);
 *  - send, recv and closesocket of a live handle that is no socket under
 *    Wine when ws2_32's list holds its value (the call reaches a file);
 *    on Windows, of a DuplicateHandle copy (Microsoft: winsock may not
 *    recognize it); wsadup of either;
 *  - the file calls (WriteFile, ReadFile, SetFilePointerEx, ReOpenFile,
 *    SetFileValidData) on a socket: the model follows a socket's bytes
 *    through send and recv only. */
int co__wsock_refused(const struct co_model *m, const struct co__step *s) {
  const struct co_call *c = s->c;
  const struct co__sockend *e;
  int sock = co__is_sock(m, c->a), listed;
  switch (c->kind) {
  case CO_OP_TCP_CONNECT:
    return m->nwpend >= CO__WSPEND || m->nwslist >= CO__WSLIST;
  case CO_OP_TCP_ACCEPT:
  case CO_OP_SOCKET:
    return m->nwslist >= CO__WSLIST; /* the model's copy of the list */
  case CO_OP_WRITE:
  case CO_OP_READ:
  case CO_OP_LSEEK:
  case CO_OP_REOPENFILE:
  case CO_OP_SETVALID:
    return sock;
  case CO_OP_SEND:
  case CO_OP_RECV:
  case CO_OP_CLOSESOCKET:
  case CO_OP_WSADUP:
    break;
  default:
    return 0;
  }
  listed = wslist_find(m, c->a) >= 0;
  if (!sock) /* a file under a listed value (Wine), or a wsadup of a file */
    return co__is_live(m, c->a) && (c->kind == CO_OP_WSADUP ||
                                    (quirk(m, CO_QUIRK_WINE_CLOSESOCKET_LIST) &&
                                     listed && c->kind != CO_OP_CLOSESOCKET) ||
                                    (c->kind == CO_OP_RECV &&
                                     quirk(m, CO_QUIRK_WINE_CLOSESOCKET_LIST)));
  if (c->kind == CO_OP_WSADUP && m->nwslist >= CO__WSLIST)
    return 1;
  if (!listed && (c->kind == CO_OP_WSADUP ||
                  !quirk(m, CO_QUIRK_WINE_DUPHANDLE_NOT_SOCKET)))
    return 1; /* a DuplicateHandle copy */
  e = &m->sock[m->ofd[m->fd[c->a].ofd].kobj];
  if (e->peer < 0 || c->kind == CO_OP_CLOSESOCKET || c->kind == CO_OP_WSADUP)
    return 0;
  if (c->kind == CO_OP_SEND && !listed)
    return 0; /* WSAENOTSOCK under Wine */
  if ((e->err && (c->kind == CO_OP_SEND || m->chan[e->rx].len)) ||
      (!e->err && peer_gone(m, e) && c->kind == CO_OP_SEND &&
       !peer_reset(m, e)))
    return 1;
  if (c->kind == CO_OP_RECV && peer_reset(m, e) && !e->err)
    return 1; /* the reset not reported yet: its order with the bytes */
  return c->kind == CO_OP_SEND &&
         m->chan[m->sock[e->peer].rx].len + (size_t)c->n > CO__WSQ_MAX;
}
