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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
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

const struct co_adapter co_lib_libuv = {.version = CO_ADAPTER_VERSION,
                                        .objects = lib_objects,
                                        .contract = &contract,
                                        .call = glue,
                                        .handle_of = handle_of,
                                        .state_new = start,
                                        .state_free = stop};

/*
 * uvfs (issue 22): libuv's file operations, through its thread pool.
 *
 * Contract, from the libuv 1.44 documentation (docs/src/fs.rst):
 *  - "All functions defined in this document take a callback, which is
 *    allowed to be NULL. If the callback is NULL the request is completed
 *    synchronously, otherwise it will be performed asynchronously. All file
 *    operations are run on the threadpool." The *_sync entries below pass
 *    NULL (the call runs on the caller's thread); the others pass a
 *    callback, and the glue runs the loop (uv_run UV_RUN_ONCE) until it
 *    came: the pool thread's open, write, read or close happens inside the
 *    step (docs/threads.md#library-threads).
 *  - uv_fs_open(loop, req, path, flags, mode, cb): "Equivalent to
 *    open(2)"; req->result is the uv_file (a descriptor) or a negative
 *    error. unix/fs.c uv__fs_open opens with O_CLOEXEC added. The file is
 *    the caller's: uv_fs_close closes it. The glue makes a new file in its
 *    private directory (O_RDWR | O_CREAT | O_TRUNC) and unlinks it.
 *  - uv_fs_close: "Equivalent to close(2)". unix/fs.c uv__fs_close closes
 *    with the system call (unix/core.c uv__close_nocancel: glibc's close is
 *    a cancellation point) and reports EINTR and EINPROGRESS as success
 *    ("The close is in progress, not an error"): on Linux the number is
 *    free then (docs/faults.md#profiles).
 *  - uv_fs_write, uv_fs_read with offset -1: "Equivalent to pwritev(2)"
 *    and "preadv(2)"; "If the offset argument is -1, then the current file
 *    offset is used and updated": unix/fs.c uses write(2)/read(2) then.
 * The object is the opened file: its descriptor is lent by uv_fs_file (the
 * adapter's accessor of req->result: the uv_file the caller then passes to
 * every uv_fs_* call). uv_fs_read is ownership first (CO_IO_AS_RUN): what
 * it read is taken as it ran; it uses the descriptor and keeps it open.
 */
enum {
  FS_OPEN,
  FS_OPEN_SYNC,
  FS_FILE,
  FS_WRITE,
  FS_WRITE_SYNC,
  FS_READ,
  FS_CLOSE,
  FS_CLOSE_SYNC
};

#define FSDOC "libuv 1.44 docs/src/fs.rst: "
static const struct co_mode fs_modes[] = {
    {"rw", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, CO_OWN_CLOEXEC},
    {NULL, 0, 0, 0, 0, 0}};
static const struct co_entry fs_entries[] = {
    [FS_OPEN] = {.name = "uv_fs_open",
                 .effect = CO_EFF_OPEN,
                 .sets_errno = 1,
                 .modes = fs_modes,
                 .source = FSDOC "uv_fs_open, on the threadpool (a "
                                 "callback); unix/fs.c: O_CLOEXEC added",
                 .c = "$o = uvfs_open($path, 1, &$r);"},
    [FS_OPEN_SYNC] = {.name = "uv_fs_open_sync",
                      .effect = CO_EFF_OPEN,
                      .sets_errno = 1,
                      .modes = fs_modes,
                      .source = FSDOC "uv_fs_open with a NULL callback: "
                                      "synchronous",
                      .c = "$o = uvfs_open($path, 0, &$r);"},
    [FS_FILE] = {.name = "uv_fs_file",
                 .effect = CO_EFF_LEND,
                 .source = FSDOC "req->result of uv_fs_open: the uv_file "
                                 "passed to uv_fs_*",
                 .c = "$r = ((struct uvfs_file *)$o)->fd;"},
    [FS_WRITE] = {.name = "uv_fs_write",
                  .effect = CO_EFF_USE,
                  .sets_errno = 1,
                  .source = FSDOC "uv_fs_write offset -1, on the threadpool; "
                                  "unix/fs.c: write(2)",
                  .c = "$r = uvfs_rw($o, (char *)$buf, $n, 1, 1);"},
    [FS_WRITE_SYNC] = {.name = "uv_fs_write_sync",
                       .effect = CO_EFF_USE,
                       .sets_errno = 1,
                       .source = FSDOC "uv_fs_write, NULL callback",
                       .c = "$r = uvfs_rw($o, (char *)$buf, $n, 1, 0);"},
    [FS_READ] = {.name = "uv_fs_read",
                 .effect = CO_EFF_USE,
                 .io = CO_IO_AS_RUN,
                 .sets_errno = 1,
                 .source = FSDOC "uv_fs_read offset -1, on the threadpool; "
                                 "unix/fs.c: read(2); taken as run",
                 .c = "char b[256];\n"
                      "$r = uvfs_rw($o, b, $n, 0, 1);"},
    [FS_CLOSE] = {.name = "uv_fs_close",
                  .effect = CO_EFF_CLOSE,
                  .sets_errno = 1,
                  .source = FSDOC "uv_fs_close, on the threadpool; unix/fs.c "
                                  "uv__fs_close: EINTR is success",
                  .c = "$r = uvfs_close($o, 1);"},
    [FS_CLOSE_SYNC] = {.name = "uv_fs_close_sync",
                       .effect = CO_EFF_CLOSE,
                       .sets_errno = 1,
                       .source = FSDOC "uv_fs_close, NULL callback",
                       .c = "$r = uvfs_close($o, 0);"},
};

/* The reproducer's C: the glue's helpers, over one loop. */
static const struct co_contract_c fs_repro = {
    .head =
        "#include <fcntl.h>\n"
        "#include <uv.h>\n"
        "\n"
        "static uv_loop_t uvfs_loop;\n"
        "struct uvfs_file {\n"
        "  uv_file fd;\n"
        "};\n"
        "\n"
        "static inline void uvfs_done(uv_fs_t *req) {\n"
        "  *(int *)req->data = 1;\n"
        "}\n"
        "\n"
        "/* a request's result: with a callback (pool), the loop runs until\n"
        " * it came */\n"
        "static inline long uvfs_wait(uv_fs_t *req, int r, int pool,\n"
        "                             int *done) {\n"
        "  if (pool && r == 0)\n"
        "    while (!*done)\n"
        "      uv_run(&uvfs_loop, UV_RUN_ONCE);\n"
        "  r = r < 0 ? r : (int)req->result;\n"
        "  uv_fs_req_cleanup(req);\n"
        "  if (r < 0) {\n"
        "    errno = -r;\n"
        "    return -1;\n"
        "  }\n"
        "  return r;\n"
        "}\n"
        "\n"
        "static inline void *uvfs_open(const char *path, int pool, long *r) "
        "{\n"
        "  uv_fs_t req;\n"
        "  int done = 0, s;\n"
        "  struct uvfs_file *f = malloc(sizeof *f);\n"
        "  req.data = &done;\n"
        "  s = uv_fs_open(&uvfs_loop, &req, path, O_RDWR | O_CREAT | "
        "O_TRUNC,\n"
        "                 0600, pool ? uvfs_done : NULL);\n"
        "  *r = uvfs_wait(&req, s, pool, &done);\n"
        "  unlink(path);\n"
        "  if (*r < 0 || !f) {\n"
        "    free(f);\n"
        "    return NULL;\n"
        "  }\n"
        "  f->fd = (uv_file)*r;\n"
        "  *r = 0;\n"
        "  return f;\n"
        "}\n"
        "\n"
        "static inline long uvfs_rw(void *o, char *b, int n, int w, int "
        "pool) {\n"
        "  uv_fs_t req;\n"
        "  int done = 0, s;\n"
        "  uv_buf_t buf = uv_buf_init(b, (unsigned)n);\n"
        "  req.data = &done;\n"
        "  s = w ? uv_fs_write(&uvfs_loop, &req, ((struct uvfs_file *)o)->fd,\n"
        "                      &buf, 1, -1, pool ? uvfs_done : NULL)\n"
        "        : uv_fs_read(&uvfs_loop, &req, ((struct uvfs_file *)o)->fd,\n"
        "                     &buf, 1, -1, pool ? uvfs_done : NULL);\n"
        "  return uvfs_wait(&req, s, pool, &done);\n"
        "}\n"
        "\n"
        "static inline long uvfs_close(void *o, int pool) {\n"
        "  uv_fs_t req;\n"
        "  int done = 0, s;\n"
        "  req.data = &done;\n"
        "  s = uv_fs_close(&uvfs_loop, &req, ((struct uvfs_file *)o)->fd,\n"
        "                  pool ? uvfs_done : NULL);\n"
        "  free(o);\n"
        "  return uvfs_wait(&req, s, pool, &done);\n"
        "}",
    .init = "if (uv_loop_init(&uvfs_loop) != 0)\n"
            "  return 2;",
    .build = "$(pkg-config --cflags --libs libuv)"};

static const struct co_contract fs_contract = {.layer = "uvfs",
                                               .entries = fs_entries,
                                               .nentries = sizeof fs_entries /
                                                           sizeof *fs_entries,
                                               .repro = &fs_repro,
                                               .over = CO_OVER_POSIX_FD};

/* The state: a loop of the executor's (its epoll, its signal pipe and the
 * threadpool's wake-up eventfd made before the executor takes stock), and
 * the serial of the files it made. */
struct fsloop {
  uv_loop_t loop;
  unsigned serial;
};

struct fsfile {
  uv_file fd;
};

static int fs_start(const struct co_glue_env *env, void **state, char *err,
                    size_t cap) {
  struct fsloop *l;
  int r = UV_ENOMEM;
  (void)env;
  if (co_libs_need_fds(6,
                       "uvfs: uv_loop_init (epoll, signal pipes, the "
                       "pool's wake-up)",
                       err, cap) < 0)
    return -1;
  if ((l = calloc(1, sizeof *l)) && (r = uv_loop_init(&l->loop)) == 0) {
    *state = l;
    return 0;
  }
  snprintf(err, cap, "uvfs: uv_loop_init: %s", uv_strerror(r));
  free(l);
  return -1;
}

static void fs_stop(void *state) {
  struct fsloop *l = state;
  uv_run(&l->loop, UV_RUN_NOWAIT);
  uv_loop_close(&l->loop);
  free(l);
}

static void fs_done(uv_fs_t *req) {
  *(int *)req->data = 1;
}

/* A request's result: submitted with a callback (pool), the loop runs
 * until the callback came. */
static long fs_wait(uv_loop_t *loop, uv_fs_t *req, int r, int pool, int *done) {
  if (pool && r == 0)
    while (!*done)
      uv_run(loop, UV_RUN_ONCE);
  r = r < 0 ? r : (int)req->result;
  uv_fs_req_cleanup(req);
  return r;
}

static long fs_open(const struct co_glue_env *env, int pool, void **obj) {
  struct fsloop *l = env->state;
  struct fsfile *f = NULL;
  char path[4200];
  uv_fs_t req;
  int done = 0;
  long r;
  *obj = NULL;
  if (!l)
    return UV_ENOMEM;
  snprintf(path, sizeof path, "%s/uvfs-%u", env->dir, l->serial++);
  req.data = &done;
  r = fs_wait(&l->loop, &req,
              uv_fs_open(&l->loop, &req, path, O_RDWR | O_CREAT | O_TRUNC, 0600,
                         pool ? fs_done : NULL),
              pool, &done);
  unlink(path);
  if (r >= 0 && !(f = malloc(sizeof *f))) {
    /* (not the trace's: the descriptor goes back) */
    uv_fs_close(&l->loop, &req, (uv_file)r, NULL);
    uv_fs_req_cleanup(&req);
    return UV_ENOMEM;
  }
  if (r < 0)
    return r;
  f->fd = (uv_file)r;
  *obj = f;
  return 0;
}

static void fs_glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                    void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static char wbuf[256]; /* zeros: uv_buf_t takes char *; never written */
  char rbuf[256];
  struct fsloop *l = env->state;
  struct fsfile *f = *obj;
  uv_buf_t b;
  uv_fs_t req;
  int done = 0, pool = 1;
  long r = UV_EINVAL;
  (void)mode;
  (void)fd;
  req.data = &done;
  switch (e) {
  case FS_OPEN_SYNC:
    pool = 0; /* fall through */
  case FS_OPEN:
    r = fs_open(env, pool, obj);
    break;
  case FS_FILE:
    co_outcome_value(out, f->fd);
    return;
  case FS_WRITE_SYNC:
    pool = 0; /* fall through */
  case FS_WRITE:
    b = uv_buf_init(wbuf, (unsigned)n);
    r = fs_wait(
        &l->loop, &req,
        uv_fs_write(&l->loop, &req, f->fd, &b, 1, -1, pool ? fs_done : NULL),
        pool, &done);
    break;
  case FS_READ:
    b = uv_buf_init(rbuf, (unsigned)n);
    r = fs_wait(&l->loop, &req,
                uv_fs_read(&l->loop, &req, f->fd, &b, 1, -1, fs_done), 1,
                &done);
    break;
  case FS_CLOSE_SYNC:
    pool = 0; /* fall through */
  case FS_CLOSE:
    r = fs_wait(&l->loop, &req,
                uv_fs_close(&l->loop, &req, f->fd, pool ? fs_done : NULL), pool,
                &done);
    free(f);
    *obj = NULL;
    break;
  }
  co_outcome_from_c(out, r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
}

static int64_t fs_handle_of(void *obj) {
  return ((struct fsfile *)obj)->fd;
}

const struct co_adapter co_lib_uvfs = {.version = CO_ADAPTER_VERSION,
                                       .objects = lib_objects,
                                       .contract = &fs_contract,
                                       .call = fs_glue,
                                       .handle_of = fs_handle_of,
                                       .state_new = fs_start,
                                       .state_free = fs_stop};
