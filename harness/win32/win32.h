/*
 * Win32 backend internals shared with the CRT adapter and the tests.
 */
#ifndef CLOSEONCE_WIN32_INTERNAL_H
#define CLOSEONCE_WIN32_INTERNAL_H

/* The normalized error (enum co_err) of a GetLastError code. */
int co_err_from_win32(unsigned long code);
/* Entries left in the backend's private directory, or -1. */
int co_win32_dir_entries(void *self);
/* The handle C-runtime descriptor fd stores, -1 if it is not open (an
 * observation: the invalid-parameter handler is not counted). */
#include <stddef.h>
#include <stdint.h>
int64_t co_crt_peek_osfhandle(int fd);
/* The C runtime's quirks found by start-up probes (crt.c): the text
 * modes, the end-of-file flag, calls on a descriptor that is not open. */
unsigned co_crt_quirks(void);

/* The backend's winsock state (sock.c, docs/win32.md#sockets): WSAStartup
 * once per backend, its listener on 127.0.0.1 (port from the kernel), the
 * winsock quirks its start-up probes found. */
struct co_call;
struct co_w32sock {
  uintptr_t listener; /* a SOCKET; INVALID_SOCKET if none */
  unsigned short port;
  int started; /* WSAStartup succeeded: WSACleanup at the end */
  unsigned quirks;
  /* the values the trace's calls made sockets at (co_w32sock_drain
   * empties ws2_32's list of them) */
  uintptr_t made[64];
  unsigned nmade;
};
int co_w32sock_init(struct co_w32sock *s, char *err, size_t errcap);
void co_w32sock_fini(struct co_w32sock *s);
void co_w32sock_drain(struct co_w32sock *s);
/* On a new thread of a scheduled run (backend.h thread_init): the calls
 * after which ws2_32 holds the thread's own HANDLEs, made once here
 * (docs/threads.md#win32-thread-handles). */
void co_w32sock_thread_init(struct co_w32sock *s);
int co_w32sock_call(struct co_w32sock *s, const struct co_call *c,
                    const char *data, char *rbuf, int64_t *ret,
                    uint64_t *digest);

#endif
