/*
 * libevent (2.1.12) bufferevents over a caller's descriptor, through the
 * public kit only: bufferevent_socket_new with and without
 * BEV_OPT_CLOSE_ON_FREE.
 *
 * Contract, from bufferevent.h (2.1.12):
 *  - bufferevent_socket_new(base, fd, options): "Create a new socket
 *    bufferevent over an existing socket ... fd the file descriptor from
 *    which data is read and written to. This file descriptor is not
 *    allowed to be a pipe(2). It is safe to set the fd to -1, so long as you
 *    later set it with bufferevent_setfd or bufferevent_socket_connect()."
 *    BEV_OPT_CLOSE_ON_FREE: "If set, we close the underlying file
 *    descriptor/bufferevent/whatever when this bufferevent is freed." So
 *    the bufferevent owns fd with the option and borrows it without; fd is
 *    not checked (-1 included).
 *  - bufferevent_getfd: "Returns the file descriptor associated with a
 *    bufferevent, or -1 if no file descriptor is associated": a loan.
 *  - bufferevent_write: "Write data to a bufferevent buffer"; the data is
 *    written when the loop runs. The glue runs event_base_loop(
 *    EVLOOP_NONBLOCK) until the output is empty or the event callback
 *    reports an error: one write(2) for what was added. After an error
 *    libevent disables writing (bufferevent_sock.c): later writes stay in
 *    the buffer, the object has failed for good (CO_IO_STICKY).
 *  - bufferevent_free: "Deallocate the storage associated with a
 *    bufferevent structure. If there is pending data to write on the
 *    bufferevent, it probably won't be flushed before the bufferevent is
 *    freed." The close of a CLOSE_ON_FREE descriptor is done by a
 *    finalizer (bufferevent.c bufferevent_decref_and_unlock_ ->
 *    event_finalize_many_): it runs at the next turn of the loop, not in
 *    bufferevent_free. The glue runs the loop once after the free; see
 *    reports/findings/libevent-free-defers-close.md. void: CO_IO_SILENT.
 * The glue runs libevent's default backend, epoll on Linux, over the
 * kinds it is made for (sockets, socketpairs). A bufferevent over a kind
 * epoll refuses (a regular file, a directory: epoll_ctl EPERM, epoll.c
 * epoll_apply_one_change) is made, but its writes wait for an event that
 * cannot be registered: each bufferevent_write fails with no system call
 * on the descriptor, and no error callback (CO_CHK_POLL). The glue drops
 * what a write left in the output buffer, so that each write is one
 * attempt. It is made "over an existing socket", and "This file
 * descriptor is not allowed to be a pipe(2)": handing another kind is the
 * client's mistake (CO_CHK_WANTS_SOCKET); over a pipe it works as over a
 * socket (writev). libevent's warnings (the refused epoll_ctl) are kept
 * quiet while the target runs. libevent reports errors through the event
 * callback and errno (EVUTIL_SOCKET_ERROR): failures compare as "failed".
 *
 * Threads (issue 22, the libevent-threads target: CO_LIB_LIBEVENT_THREADS):
 * evthread_use_pthreads() (event2/thread.h: "call this function before
 * any other libevent function", process-wide) before the base is made.
 * event_base_new then gives the base a lock and makes it notifiable
 * (event.c event_base_new_with_config: evthread_make_base_notifiable):
 * an eventfd of the base's own (evutil_make_internal_pipe_), registered in
 * its epoll, that another thread writes to wake the loop. Like the epoll
 * descriptor and the signal pipe it is the library's object, made with the
 * executor's state before the executor takes stock of the descriptors,
 * never the trace's, and closed by event_base_free. The bufferevents are
 * made with BEV_OPT_THREADSAFE ("make the bufferevent safe to use from
 * multiple threads": a lock of their own). Nothing else in the contract
 * changes: the locks are uncontended (a step runs on one thread at a
 * time), and the base's loop runs on the thread of the step that runs it.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <closeonce/contract.h>
#include <closeonce/error.h>

#include "libs.h"

enum { NEW_CLOSE, NEW_KEEP, GETFD, WRITE, FREE };

#define LIBEVENT_STR_(x) #x
#define LIBEVENT_STR(x) LIBEVENT_STR_(x)
/* CO_LIB_LIBEVENT_FREE_NOW as C text, for the reproducer */
#define LIBEVENT_FREE_NOW LIBEVENT_STR(CO_LIB_LIBEVENT_FREE_NOW) "u"
#define LIBEVENT_THREADS LIBEVENT_STR(CO_LIB_LIBEVENT_THREADS) "u"

#define BEVH "event2/bufferevent.h (2.1.12): "
static const struct co_entry entries[] = {
    [NEW_CLOSE] = {.name = "bufferevent_socket_new_close",
                   .effect = CO_EFF_ADOPT_ON_SUCCESS,
                   .checks = CO_CHK_ANY | CO_CHK_POLL | CO_CHK_WANTS_SOCKET,
                   .source = BEVH "BEV_OPT_CLOSE_ON_FREE: closes fd when "
                                  "freed; fd -1 allowed",
                   .c = "$o = libevent_new($fd, BEV_OPT_CLOSE_ON_FREE, "
                        "$variant);\n"
                        "$r = $o ? 0 : -1;"},
    [NEW_KEEP] = {.name = "bufferevent_socket_new",
                  .effect = CO_EFF_BORROW,
                  .checks = CO_CHK_ANY | CO_CHK_POLL | CO_CHK_WANTS_SOCKET,
                  .source = BEVH "without BEV_OPT_CLOSE_ON_FREE the caller "
                                 "keeps fd",
                  .c = "$o = libevent_new($fd, 0, $variant);\n"
                       "$r = $o ? 0 : -1;"},
    [GETFD] = {.name = "bufferevent_getfd",
               .effect = CO_EFF_LEND,
               .source = BEVH "bufferevent_getfd: the associated fd or -1",
               .c = "$r = bufferevent_getfd(((struct libevent_bev *)$o)->b);"},
    [WRITE] = {.name = "bufferevent_write",
               .effect = CO_EFF_USE,
               .io = CO_IO_STICKY,
               .source = BEVH "bufferevent_write, flushed by the loop; "
                              "writing is disabled after an error",
               .c = "$r = libevent_write($o, $buf, $n);"},
    [FREE] = {.name = "bufferevent_free",
              .effect = CO_EFF_CLOSE,
              .io = CO_IO_SILENT,
              .source = BEVH "bufferevent_free; the close runs in a "
                             "finalizer at the next loop turn (the glue "
                             "runs it)",
              .c = "bufferevent_free(((struct libevent_bev *)$o)->b);\n"
                   "free($o);\n"
                   "/* the finalizers (the close): the loop's next turn, "
                   "unless the\n"
                   " * target shows what bufferevent_free leaves (VARIANT "
                   "1) */\n"
                   "if (!($variant & " LIBEVENT_FREE_NOW "))\n"
                   "  event_base_loop(libevent_base, EVLOOP_NONBLOCK | "
                   "EVLOOP_ONCE);\n"
                   "$r = 0;"},
};

/* The reproducer's C (closeonce/contract.h): the glue's calls, with its
 * loop (poll) made before the program takes stock of its descriptors. */
static const struct co_contract_c repro = {
    .head =
        "#include <event2/buffer.h>\n"
        "#include <event2/bufferevent.h>\n"
        "#include <event2/event.h>\n"
        "#include <event2/thread.h>\n"
        "\n"
        "static struct event_base *libevent_base;\n"
        "struct libevent_bev {\n"
        "  struct bufferevent *b;\n"
        "  int error, err;\n"
        "};\n"
        "\n"
        "static inline void libevent_on_event(struct bufferevent *b, short "
        "what,\n"
        "                                     void *arg) {\n"
        "  struct libevent_bev *o = arg;\n"
        "  (void)b;\n"
        "  if (what & BEV_EVENT_ERROR) {\n"
        "    o->error = 1;\n"
        "    o->err = EVUTIL_SOCKET_ERROR();\n"
        "  }\n"
        "}\n"
        "\n"
        "static inline void *libevent_new(int fd, int opts, unsigned v) {\n"
        "  struct libevent_bev *o = calloc(1, sizeof *o);\n"
        "  if (v & " LIBEVENT_THREADS ")\n"
        "    opts |= BEV_OPT_THREADSAFE;\n"
        "  if (!o || !(o->b = bufferevent_socket_new(libevent_base, fd, "
        "opts))) {\n"
        "    free(o);\n"
        "    return NULL;\n"
        "  }\n"
        "  bufferevent_setcb(o->b, NULL, NULL, libevent_on_event, o);\n"
        "  return o;\n"
        "}\n"
        "\n"
        "/* bufferevent_write, then the loop until the output is out or an "
        "error */\n"
        "static inline long libevent_write(struct libevent_bev *o, const "
        "char *buf,\n"
        "                                  int n) {\n"
        "  int turns;\n"
        "  o->error = 0;\n"
        "  if (bufferevent_write(o->b, buf, (size_t)n) < 0)\n"
        "    return -1;\n"
        "  for (turns = 0; turns < 8 && !o->error &&\n"
        "                  "
        "evbuffer_get_length(bufferevent_get_output(o->b));\n"
        "       turns++)\n"
        "    event_base_loop(libevent_base, EVLOOP_NONBLOCK | EVLOOP_ONCE);\n"
        "  if (!evbuffer_get_length(bufferevent_get_output(o->b)))\n"
        "    return n;\n"
        "  /* one attempt: what did not go out is dropped (the front is\n"
        "   * frozen for the user) */\n"
        "  evbuffer_unfreeze(bufferevent_get_output(o->b), 1);\n"
        "  evbuffer_drain(bufferevent_get_output(o->b),\n"
        "                 evbuffer_get_length(bufferevent_get_output(o->b)));\n"
        "  evbuffer_freeze(bufferevent_get_output(o->b), 1);\n"
        "  if (o->error)\n"
        "    errno = o->err;\n"
        "  return -1;\n"
        "}\n"
        "\n"
        "static inline void libevent_quiet(int severity, const char *msg) {\n"
        "  (void)severity;\n"
        "  (void)msg;\n"
        "}",
    .init = "event_set_log_callback(libevent_quiet);\n"
            "if (($variant & " LIBEVENT_THREADS
            ") && evthread_use_pthreads() < 0)\n"
            "  return 2;\n"
            "libevent_base = event_base_new();\n"
            "if (!libevent_base)\n"
            "  return 2;",
    .build = "$(pkg-config --cflags --libs libevent libevent_pthreads)"};

static const struct co_contract contract = {
    .layer = "libevent", .entries = entries, .nentries = 5, .repro = &repro};

/* What the event callback saw during this call. */
struct bev {
  struct bufferevent *b;
  int error, err;
};

static void on_event(struct bufferevent *b, short what, void *arg) {
  struct bev *o = arg;
  (void)b;
  if (what & BEV_EVENT_ERROR) {
    o->error = 1;
    o->err = EVUTIL_SOCKET_ERROR();
  }
}

/* One attempt: what a write did not get out is dropped (the output's
 * front is frozen for the user, bufferevent_socket_new: thawed for it). */
static void drop_output(struct bufferevent *b) {
  struct evbuffer *out = bufferevent_get_output(b);
  evbuffer_unfreeze(out, 1);
  evbuffer_drain(out, evbuffer_get_length(out));
  evbuffer_freeze(out, 1);
}

static void quiet(int severity, const char *msg) {
  (void)severity;
  (void)msg;
}

/* The loop, one per executor (co_adapter.start): event_base_new opens
 * descriptors of its own (epoll's, the signal pipe), made before the
 * executor takes stock of the process's descriptors, not in the middle of
 * a trace. libevent treats a failure to make that pipe as fatal (signal.c
 * evsig_init_: event_sock_err, which exits the process with status 1), so
 * room for them is checked first: out of descriptors, the target cannot
 * start, and says so. libevent's own log lines are kept quiet while the
 * target runs (a failure to start is reported once, as that reason; a
 * refused epoll_ctl is the model's to predict). */
static int start(const struct co_glue_env *env, void **state, char *err,
                 size_t cap) {
  struct event_base *base;
  int e;
  int threads = env->variant & CO_LIB_LIBEVENT_THREADS;
  if (co_libs_need_fds(threads ? 4 : 3,
                       threads ? "libevent: event_base_new (epoll, its signal "
                                 "pipe, its notification eventfd)"
                               : "libevent: event_base_new (epoll, its signal "
                                 "pipe)",
                       err, cap) < 0)
    return -1;
  if (threads && evthread_use_pthreads() < 0) {
    snprintf(err, cap, "libevent: evthread_use_pthreads failed");
    return -1;
  }
  event_set_log_callback(quiet);
  errno = 0;
  base = event_base_new();
  e = errno;
  if (!base) {
    event_set_log_callback(NULL);
    snprintf(err, cap, "libevent: event_base_new: %s",
             e ? strerror(e) : "failed");
    return -1;
  }
  *state = base;
  return 0;
}

static void stop(void *state) {
  event_base_free(state);
  event_set_log_callback(NULL);
}

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const char buf[256];
  struct event_base *base = env->state;
  struct bev *o = *obj;
  long r = -1;
  int turns;
  (void)mode;
  errno = 0;
  switch (e) {
  case NEW_CLOSE:
  case NEW_KEEP:
    *obj = NULL;
    if (!base || !(o = calloc(1, sizeof *o)))
      break;
    o->b = bufferevent_socket_new(
        base, (evutil_socket_t)fd,
        (e == NEW_CLOSE ? BEV_OPT_CLOSE_ON_FREE : 0) |
            (env->variant & CO_LIB_LIBEVENT_THREADS ? BEV_OPT_THREADSAFE : 0));
    if (!o->b) {
      free(o);
      break;
    }
    bufferevent_setcb(o->b, NULL, NULL, on_event, o);
    *obj = o;
    r = 0;
    break;
  case GETFD: /* -1 for a bufferevent made over -1: not an error */
    co_outcome_value(out, bufferevent_getfd(o->b));
    return;
  case WRITE:
    o->error = 0;
    if (bufferevent_write(o->b, buf, (size_t)n) < 0)
      break;
    for (turns = 0; turns < 8 && !o->error &&
                    evbuffer_get_length(bufferevent_get_output(o->b));
         turns++)
      event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
    if (!evbuffer_get_length(bufferevent_get_output(o->b))) {
      r = n;
      break;
    }
    drop_output(o->b);
    if (o->error)
      errno = o->err;
    break;
  case FREE:
    bufferevent_free(o->b);
    free(o);
    *obj = NULL;
    /* the finalizers (the close), unless the target shows the state
     * bufferevent_free leaves behind (co_lib_variant) */
    if (!(env->variant & CO_LIB_LIBEVENT_FREE_NOW))
      event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
    r = 0;
    break;
  }
  co_outcome_failed_if(out, r, errno);
}

static int64_t handle_of(void *obj) {
  return bufferevent_getfd(((struct bev *)obj)->b);
}

/* The shared objects whose own calls are the library's (issue 21:
 * attributed and faulted, docs/faults.md). */
static const char *const lib_objects[] = {"libevent_core-", "libevent-2", NULL};

const struct co_adapter co_lib_libevent = {.version = CO_ADAPTER_VERSION,
                                           .objects = lib_objects,
                                           .contract = &contract,
                                           .call = glue,
                                           .handle_of = handle_of,
                                           .state_new = start,
                                           .state_free = stop};
