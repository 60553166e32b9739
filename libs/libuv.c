/*
 * libuv (1.44) pipe handles over a caller's descriptor, through the public
 * kit only: uv_pipe_open, uv_fileno, uv_try_write, uv_close.
 *
 * Contract, from the libuv 1.44 documentation (docs/src/pipe.rst,
 * handle.rst, stream.rst):
 *  - uv_pipe_open(handle, file): "Open an existing file descriptor or HANDLE
 *    as a pipe." "Changed in version 1.2.1: the file descriptor is set to
 *    non-blocking mode." The handle owns it: uv_close "Request handle to be
 *    closed" closes the descriptor (unix/stream.c uv__stream_close). On
 *    error (UV_EBADF for a descriptor that is not open: uv__fd_exists) the
 *    descriptor is not taken; the handle must still be closed.
 *  - uv_fileno: "Gets the platform dependent file descriptor equivalent ...
 *    Be very careful when using this function. libuv assumes it's in
 *    control of the file descriptor": a loan.
 *  - uv_try_write: "Same as uv_write(), but won't queue a write request if
 *    it can't be completed immediately": one write(2). The handle decides
 *    whether it is writable once, from the access mode at uv_pipe_open
 *    (UV_HANDLE_WRITABLE): on a read-only descriptor it fails (UV_EPIPE)
 *    without a system call (CO_IO_ACCESS_ONCE).
 *  - uv_close closes the descriptor at once, not in the close callback,
 *    and its result is not reported (void: CO_IO_SILENT). It never closes
 *    0, 1 or 2 (uv__stream_close: "Don't close stdio file descriptors"):
 *    CO_IO_KEEPS_STD, seen only by traces that own 0-2 (--free-std; a
 *    campaign so found it); the descriptor is the client's again.
 *  - uv_tcp_open(handle, sock): "Open an existing file descriptor or
 *    SOCKET as a TCP handle." (docs/src/tcp.rst: "The passed file
 *    descriptor or SOCKET is not checked for its type, but it's required
 *    that it represents a valid stream socket": another kind is the
 *    client's mistake, CO_CHK_WANTS_SOCKET). unix/tcp.c: it sets the
 *    descriptor non-blocking first (uv__nonblock: EBADF for one that is not
 *    open, which it leaves) and takes it readable and writable whatever
 *    its access mode or kind: a uv_try_write then is write(2)'s own answer
 *    (EBADF on a read-only descriptor). Closed by uv_close as a pipe is.
 * Both set O_NONBLOCK on the description (CO_IO_NONBLOCK), shared with its
 * duplicates. libuv returns negative errno values; EPIPE for a read-only
 * pipe handle where write(2) would say EBADF, so failures compare as
 * "failed". Neither checks the kind (unix/pipe.c uv_pipe_open asks only
 * F_GETFL): a regular file works, and uv_try_write never needs the loop's
 * poller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include <closeonce/contract.h>
#include <closeonce/error.h>

#include "libs.h"

enum { OPEN, FILENO, TRY_WRITE, CLOSE, TCP_OPEN };

#define UVDOC "libuv 1.44 docs: "
static const struct co_entry entries[] = {
    [OPEN] = {.name = "uv_pipe_open",
              .effect = CO_EFF_ADOPT_ON_SUCCESS,
              .checks = CO_CHK_VALID,
              .io = CO_IO_ACCESS_ONCE | CO_IO_NONBLOCK,
              .source = UVDOC "uv_pipe_open: an existing descriptor as a "
                              "pipe, closed by uv_close; UV_EBADF leaves it",
              .c = "$o = libuv_open($fd, &$r, 0);"},
    [FILENO] = {.name = "uv_fileno",
                .effect = CO_EFF_LEND,
                .source = UVDOC "uv_fileno: libuv stays in control of it",
                .c = "uv_os_fd_t f;\n"
                     "$r = uv_fileno($o, &f) == 0 ? f : -1;"},
    [TRY_WRITE] = {.name = "uv_try_write",
                   .effect = CO_EFF_USE,
                   .source = UVDOC "uv_try_write: one write(2), now",
                   .c =
                       "uv_buf_t b = uv_buf_init((char *)$buf, (unsigned)$n);\n"
                       "$r = uv_try_write($o, &b, 1);\n"
                       "if ($r < 0) {\n"
                       "  errno = (int)-$r;\n"
                       "  $r = -1;\n"
                       "}"},
    [CLOSE] = {.name = "uv_close",
               .effect = CO_EFF_CLOSE,
               .io = CO_IO_SILENT | CO_IO_KEEPS_STD,
               .source = UVDOC "uv_close; unix/stream.c uv__stream_close "
                               "closes fd (not 0-2), void",
               .c = "uv_close($o, libuv_freed);\n"
                    "uv_run(&libuv_loop, UV_RUN_NOWAIT);\n"
                    "$r = 0;"},
    [TCP_OPEN] = {.name = "uv_tcp_open",
                  .effect = CO_EFF_ADOPT_ON_SUCCESS,
                  .checks = CO_CHK_VALID | CO_CHK_WANTS_SOCKET,
                  .io = CO_IO_NONBLOCK,
                  .source = UVDOC "uv_tcp_open: an existing descriptor as a "
                                  "TCP handle, closed by uv_close; "
                                  "unix/tcp.c: uv__nonblock first",
                  .c = "$o = libuv_open($fd, &$r, 1);"},
};

/* The reproducer's C (closeonce/contract.h): the glue's calls, with its
 * loop (and the first handle's reserve descriptor) made before the program
 * takes stock of its descriptors. */
static const struct co_contract_c repro = {
    .head = "#include <uv.h>\n"
            "\n"
            "static uv_loop_t libuv_loop;\n"
            "\n"
            "static inline void libuv_freed(uv_handle_t *h) {\n"
            "  free(h);\n"
            "}\n"
            "\n"
            "/* uv_pipe_init + uv_pipe_open (tcp: uv_tcp_init + uv_tcp_open);\n"
            " * a failure closes the handle */\n"
            "static inline void *libuv_open(int fd, long *r, int tcp) {\n"
            "  union {\n"
            "    uv_pipe_t pipe;\n"
            "    uv_tcp_t tcp;\n"
            "  } *p = malloc(sizeof *p);\n"
            "  *r = -1;\n"
            "  if (!p)\n"
            "    return NULL;\n"
            "  if ((*r = tcp ? uv_tcp_init(&libuv_loop, &p->tcp)\n"
            "                : uv_pipe_init(&libuv_loop, &p->pipe, 0)) < 0) {\n"
            "    free(p);\n"
            "    p = NULL;\n"
            "  } else if ((*r = tcp ? uv_tcp_open(&p->tcp, fd)\n"
            "                       : uv_pipe_open(&p->pipe, fd)) < 0) {\n"
            "    uv_close((uv_handle_t *)p, libuv_freed);\n"
            "    uv_run(&libuv_loop, UV_RUN_NOWAIT);\n"
            "    p = NULL;\n"
            "  }\n"
            "  if (*r < 0) {\n"
            "    errno = (int)-*r;\n"
            "    *r = -1;\n"
            "  }\n"
            "  return p;\n"
            "}",
    .init = "{\n"
            "  static uv_pipe_t first;\n"
            "  if (uv_loop_init(&libuv_loop) != 0 ||\n"
            "      uv_pipe_init(&libuv_loop, &first, 0) != 0)\n"
            "    return 2;\n"
            "  uv_close((uv_handle_t *)&first, NULL);\n"
            "  uv_run(&libuv_loop, UV_RUN_NOWAIT);\n"
            "}",
    .build = "$(pkg-config --cflags --libs libuv)"};

static const struct co_contract contract = {
    .layer = "libuv", .entries = entries, .nentries = 5, .repro = &repro};

/* The loop, one per executor (co_adapter.start): uv_loop_init opens
 * descriptors of its own (epoll, the signal pipes), and so does the first
 * stream handle (unix/stream.c uv__stream_init: the loop's reserve
 * descriptor on /dev/null, kept for EMFILE). They are made before the
 * executor takes stock of the process's descriptors. */
struct loop {
  uv_loop_t loop; /* first: the state is the loop */
  uv_pipe_t first;
};

static int start(const struct co_glue_env *env, void **state, char *err,
                 size_t cap) {
  struct loop *l = malloc(sizeof *l);
  int r = UV_ENOMEM;
  (void)env;
  /* libuv aborts when its process-wide signal lock pipe cannot be made
   * (unix/signal.c uv__signal_global_init); with epoll, the loop's signal
   * pipe and the reserve descriptor: 6. */
  if (co_libs_need_fds(6,
                       "libuv: uv_loop_init (epoll, signal pipes, the "
                       "reserve descriptor)",
                       err, cap) < 0) {
    free(l);
    return -1;
  }
  if (l && (r = uv_loop_init(&l->loop)) == 0) {
    if ((r = uv_pipe_init(&l->loop, &l->first, 0)) == 0) {
      uv_close((uv_handle_t *)&l->first, NULL);
      uv_run(&l->loop, UV_RUN_NOWAIT);
      *state = l;
      return 0;
    }
    uv_loop_close(&l->loop);
  }
  snprintf(err, cap, "libuv: uv_loop_init: %s", uv_strerror(r));
  free(l);
  return -1;
}

static void stop(void *state) {
  struct loop *l = state;
  uv_run(&l->loop, UV_RUN_NOWAIT);
  uv_loop_close(&l->loop);
  free(l);
}

static void freed(uv_handle_t *h) {
  free(h);
}

static void close_handle(uv_handle_t *h) {
  uv_loop_t *loop = h->loop;
  uv_close(h, freed);
  uv_run(loop, UV_RUN_NOWAIT); /* the close callback frees it */
}

/* A pipe or TCP handle over fd: uv_pipe_open or uv_tcp_open (e). Returns
 * the handle, or NULL with *r libuv's error (the handle closed). */
static void *open_handle(struct loop *l, unsigned e, int64_t fd, long *r) {
  union {
    uv_pipe_t pipe;
    uv_tcp_t tcp;
  } *u = malloc(sizeof *u);
  *r = UV_ENOMEM;
  if (!l || !u) {
    free(u);
    return NULL;
  }
  *r = e == TCP_OPEN ? uv_tcp_init(&l->loop, &u->tcp)
                     : uv_pipe_init(&l->loop, &u->pipe, 0);
  if (*r < 0) {
    free(u);
    return NULL;
  }
  *r = e == TCP_OPEN ? uv_tcp_open(&u->tcp, (uv_os_sock_t)fd)
                     : uv_pipe_open(&u->pipe, (uv_file)fd);
  if (*r < 0) {
    close_handle((uv_handle_t *)u);
    return NULL;
  }
  return u;
}

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const char buf[256]; /* read only: uv_buf_t takes char * */
  void *h = *obj;
  uv_os_fd_t f;
  uv_buf_t b;
  long r = -1;
  (void)mode;
  switch (e) {
  case OPEN:
  case TCP_OPEN:
    *obj = open_handle(env->state, e, fd, &r);
    break;
  case FILENO:
    r = uv_fileno(h, &f);
    if (r == 0)
      r = f;
    break;
  case TRY_WRITE:
    b = uv_buf_init((char *)buf, (unsigned)n);
    r = uv_try_write(h, &b, 1);
    break;
  case CLOSE:
    close_handle(h);
    *obj = NULL;
    r = 0;
    break;
  }
  co_outcome_failed_if(out, r, r < 0 ? (int)-r : 0);
}

static int64_t handle_of(void *obj) {
  uv_os_fd_t f;
  return uv_fileno(obj, &f) == 0 ? f : -1;
}

/* The shared objects whose own calls are the library's (issue 21:
 * attributed and faulted, docs/faults.md). */
static const char *const lib_objects[] = {"libuv.so", NULL};

const struct co_adapter co_lib_libuv = {.version = CO_ADAPTER_VERSION, .objects = lib_objects,
                                        .contract = &contract,
                                        .call = glue,
                                        .handle_of = handle_of,
                                        .state_new = start,
                                        .state_free = stop};
