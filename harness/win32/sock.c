/*
 * The Win32 backend's SOCKETs (winsock, ws2_32): the trace's socket
 * operations (closeonce/trace.h, docs/win32.md#sockets) and the start-up
 * probes of Wine's winsock quirks (docs/wine.md#closesocket-list,
 * #duphandle-socket).
 *
 * Each backend instance calls WSAStartup once and WSACleanup when it is
 * destroyed, and owns one listener, bound to 127.0.0.1 port 0 (the kernel
 * picks the port) before the executor takes its foreign set: a trace never
 * names an address. Every socket a trace makes is non-blocking
 * (ioctlsocket FIONBIO), so no call waits: connect's completion is the one
 * wait, on a loopback connection, bounded by a timeout. At the end of a
 * trace the connections nobody accepted are accepted and closed, so that
 * the next trace starts with an empty queue.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "closeonce/error.h"
#include "closeonce/model.h"
#include "closeonce/trace.h"
#include "win32.h"

#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif

/* How long tcp_connect waits for a loopback connection to complete. */
#define SOCK_CONNECT_MS 2000

static unsigned probe_quirks(struct co_w32sock *s);

int co_w32sock_init(struct co_w32sock *s, char *err, size_t errcap) {
  WSADATA wd;
  struct sockaddr_in a;
  int len = sizeof a, r;
  u_long nb = 1;
  memset(s, 0, sizeof *s);
  s->listener = (uintptr_t)INVALID_SOCKET;
  if ((r = WSAStartup(MAKEWORD(2, 2), &wd)) != 0) {
    snprintf(err, errcap, "WSAStartup failed (error %d)", r);
    return -1;
  }
  s->started = 1;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->listener = (uintptr_t)WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL,
                                      0, WSA_FLAG_NO_HANDLE_INHERIT);
  if ((SOCKET)s->listener == INVALID_SOCKET ||
      bind((SOCKET)s->listener, (struct sockaddr *)&a, sizeof a) ||
      getsockname((SOCKET)s->listener, (struct sockaddr *)&a, &len) ||
      listen((SOCKET)s->listener, SOMAXCONN) ||
      ioctlsocket((SOCKET)s->listener, FIONBIO, &nb)) {
    snprintf(err, errcap,
             "cannot listen on 127.0.0.1 port 0 (WSAGetLastError %d)",
             WSAGetLastError());
    co_w32sock_fini(s);
    return -1;
  }
  s->port = ntohs(a.sin_port);
  s->quirks = probe_quirks(s);
  return 0;
}

void co_w32sock_fini(struct co_w32sock *s) {
  if ((SOCKET)s->listener != INVALID_SOCKET)
    closesocket((SOCKET)s->listener);
  s->listener = (uintptr_t)INVALID_SOCKET;
  if (s->started)
    WSACleanup();
  s->started = 0;
}

/* The trace is over (before the executor's teardown closes what it
 * left): the connections nobody accepted are accepted and closed, and
 * ws2_32's list forgets the values the trace made sockets at. Wine keeps
 * a value there until closesocket of it, whatever closed its handle
 * (docs/wine.md#closesocket-list), and a later trace's closesocket of the
 * value would find it; so each is closed with closesocket until the list
 * has it no more (a handle it still names is the trace's, which the
 * teardown would close anyway). */
void co_w32sock_thread_init(struct co_w32sock *s) {
  SOCKET k = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (k != INVALID_SOCKET)
    closesocket(k);
  if ((SOCKET)s->listener != INVALID_SOCKET) /* non-blocking: fails at once */
    (void)accept((SOCKET)s->listener, NULL, NULL);
}

void co_w32sock_drain(struct co_w32sock *s) {
  SOCKET a;
  unsigned i, k;
  while ((a = accept((SOCKET)s->listener, NULL, NULL)) != INVALID_SOCKET)
    closesocket(a);
  for (i = 0; i < s->nmade; i++)
    for (k = 0; k < 64 && closesocket((SOCKET)s->made[i]) == 0; k++)
      ;
  s->nmade = 0;
}

static void made(struct co_w32sock *s, SOCKET k) {
  unsigned i;
  for (i = 0; i < s->nmade; i++)
    if (s->made[i] == (uintptr_t)k)
      return;
  if (s->nmade < sizeof s->made / sizeof s->made[0])
    s->made[s->nmade++] = (uintptr_t)k;
}

static int set_nonblocking(SOCKET k) {
  u_long nb = 1;
  return ioctlsocket(k, FIONBIO, &nb) == 0;
}

/* k made non-blocking; if that fails, k closed and INVALID_SOCKET with
 * the error kept. */
static SOCKET nonblocking_or_close(SOCKET k) {
  int e;
  if (k == INVALID_SOCKET || set_nonblocking(k))
    return k;
  e = WSAGetLastError();
  closesocket(k);
  WSASetLastError(e);
  return INVALID_SOCKET;
}

/* socket(), non-blocking, connected to the listener; the wait for the
 * connection is bounded (select). On failure nothing is left open. */
static SOCKET tcp_connect(struct co_w32sock *s) {
  struct sockaddr_in a;
  fd_set w, x;
  struct timeval tv = {SOCK_CONNECT_MS / 1000, (SOCK_CONNECT_MS % 1000) * 1000};
  SOCKET k = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  int e;
  if (k == INVALID_SOCKET)
    return k;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(s->port);
  if (!set_nonblocking(k))
    goto fail;
  if (connect(k, (struct sockaddr *)&a, sizeof a) == 0)
    return k;
  if (WSAGetLastError() != WSAEWOULDBLOCK)
    goto fail;
  FD_ZERO(&w);
  FD_SET(k, &w);
  FD_ZERO(&x);
  FD_SET(k, &x);
  if (select(0, NULL, &w, &x, &tv) == 1 && FD_ISSET(k, &w))
    return k;
  WSASetLastError(WSAETIMEDOUT);
fail:
  e = WSAGetLastError();
  closesocket(k);
  WSASetLastError(e);
  return INVALID_SOCKET;
}

static SOCKET tcp_accept(struct co_w32sock *s) {
  return nonblocking_or_close(accept((SOCKET)s->listener, NULL, NULL));
}

/* WSADuplicateSocketW into this process, then the socket it describes. */
static SOCKET wsadup(SOCKET k) {
  WSAPROTOCOL_INFOW pi;
  if (WSADuplicateSocketW(k, GetCurrentProcessId(), &pi))
    return INVALID_SOCKET;
  return WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO,
                    &pi, 0, WSA_FLAG_NO_HANDLE_INHERIT);
}

static SOCKET new_socket(unsigned flags) {
  return nonblocking_or_close(
      flags & CO_F_NOINHERIT ? WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                          NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT)
                             : socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
}

/* One socket operation. Returns 1 and sets *ret on success, 0 with the
 * error in WSAGetLastError (GetLastError: the same code) on failure, -1 if
 * the kind is not a socket operation. */
int co_w32sock_call(struct co_w32sock *s, const struct co_call *c,
                    const char *data, char *rbuf, int64_t *ret,
                    uint64_t *digest) {
  SOCKET k = (SOCKET)(uintptr_t)c->a, n = INVALID_SOCKET;
  int r;
  switch ((enum co_opkind)c->kind) {
  case CO_OP_TCP_CONNECT:
    n = tcp_connect(s);
    break;
  case CO_OP_TCP_ACCEPT:
    n = tcp_accept(s);
    break;
  case CO_OP_SOCKET:
    n = new_socket(c->flags);
    break;
  case CO_OP_WSADUP:
    n = wsadup(k);
    break;
  case CO_OP_CLOSESOCKET:
    *ret = 0;
    return closesocket(k) == 0;
  case CO_OP_SEND:
    r = send(k, data, (int)c->n, 0);
    *ret = r;
    return r != SOCKET_ERROR;
  case CO_OP_RECV:
    r = recv(k, rbuf, (int)c->n, 0);
    *ret = r;
    if (r != SOCKET_ERROR)
      *digest = co_bytes_digest((const uint8_t *)rbuf, (size_t)r);
    return r != SOCKET_ERROR;
  default:
    return -1;
  }
  *ret = (int64_t)(uintptr_t)n;
  if (n == INVALID_SOCKET)
    return 0;
  made(s, n);
  return 1;
}

/* ---- start-up probes (docs/wine.md) ---- */

/* closesocket of a socket whose handle CloseHandle closed: Windows fails
 * it WSAENOTSOCK; Wine's closesocket looks the value up in ws2_32's own
 * list of the sockets it made, which CloseHandle does not touch, and
 * returns 0 (Wine dlls/ws2_32/socket.c closesocket, socket_list_remove). */
static int probe_closesocket_list(void) {
  SOCKET k = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (k == INVALID_SOCKET)
    return 0;
  if (!CloseHandle((HANDLE)k)) {
    closesocket(k);
    return 0;
  }
  return closesocket(k) == 0;
}

/* A DuplicateHandle copy of a SOCKET: Wine's send refuses it WSAENOTSOCK
 * (it is not in ws2_32's list: WSASendTo, socket_list_find), closesocket
 * too; Microsoft documents that winsock may not recognize it. */
static int probe_duphandle_not_socket(struct co_w32sock *s) {
  SOCKET k = tcp_connect(s), a;
  HANDLE d = NULL;
  int found = 0;
  if (k == INVALID_SOCKET)
    return 0;
  a = accept((SOCKET)s->listener, NULL, NULL);
  if (DuplicateHandle(GetCurrentProcess(), (HANDLE)k, GetCurrentProcess(), &d,
                      0, FALSE, DUPLICATE_SAME_ACCESS)) {
    found = send((SOCKET)d, "x", 1, 0) == SOCKET_ERROR &&
            WSAGetLastError() == WSAENOTSOCK;
    CloseHandle(d);
  }
  closesocket(k);
  if (a != INVALID_SOCKET)
    closesocket(a);
  return found;
}

static unsigned probe_quirks(struct co_w32sock *s) {
  unsigned q = 0;
  SOCKET u = new_socket(0);
  if (u != INVALID_SOCKET) {
    /* send on a socket never connected: WSAENOTCONN on Windows */
    if (send(u, "x", 1, 0) == SOCKET_ERROR &&
        WSAGetLastError() == WSAECONNRESET)
      q |= CO_QUIRK_WINE_SEND_UNCONNECTED_RESET;
    closesocket(u);
  }
  if (probe_closesocket_list())
    q |= CO_QUIRK_WINE_CLOSESOCKET_LIST;
  if (probe_duphandle_not_socket(s))
    q |= CO_QUIRK_WINE_DUPHANDLE_NOT_SOCKET;
  co_w32sock_drain(s);
  return q;
}
