/*
 * GIO's GSocket (GLib 2.74) over a caller's descriptor, through the public
 * kit only: g_socket_new_from_fd, g_socket_get_fd, g_socket_send,
 * g_socket_close, g_object_unref.
 *
 * Contract, from the GLib 2.74 reference (gio/gsocket.c):
 *  - g_socket_new_from_fd(fd, &error): "Creates a new GSocket from a native
 *    file descriptor ... Note that the file descriptor will be set to
 *    non-blocking mode ... On success, the returned GSocket takes ownership
 *    of fd. On failure, the caller must close fd themselves. Since GLib
 *    2.46, it is no longer a fatal error to call this on a non-socket
 *    descriptor. Instead, a GError will be set with code
 *    G_IO_ERROR_FAILED". It asks the descriptor for its socket type first
 *    (g_socket_details_from_fd: getsockopt SO_TYPE): a descriptor that is
 *    not open, or not a socket, fails it (CO_CHK_SOCKET). -1 makes it try
 *    to create a socket of family 0, which fails ("Unknown family").
 *    What it does on that failure path is not what the documentation
 *    says: g_socket_finalize clears the construction error and then calls
 *    g_socket_close, which closes the caller's descriptor
 *    (reports/findings/glib-socket-new-from-fd-fail-closes.md). The
 *    contract states what GLib does: the entry takes the descriptor
 *    whatever happens (CO_EFF_ADOPT), and handing it a descriptor that is
 *    not a socket is the client's mistake (the documentation asks for "a
 *    native socket file descriptor"), an event.
 *  - g_socket_get_fd: "Returns the underlying OS socket object": a loan.
 *  - g_socket_send: "Tries to send size bytes from buffer on the socket":
 *    one send(2). The glue makes the socket non-blocking
 *    (g_socket_set_blocking FALSE) so that a full socket fails with
 *    G_IO_ERROR_WOULD_BLOCK instead of waiting: no trace can hang.
 *  - g_socket_close: "Closes the socket, shutting down any active
 *    connection"; it reports close(2)'s error. The glue then drops the
 *    last reference. It retries close after EINTR, and after a failed
 *    close the finalizer closes the number again: under Linux's close
 *    semantics both are second closes
 *    (reports/findings/glib-socket-close-retries-eintr.md).
 *  - g_object_unref: the last reference closes the socket
 *    (g_socket_finalize), whose result nobody sees (void: CO_IO_SILENT).
 * GLib's errors are GErrors: failures compare as "failed". GLib's
 * warnings ("Error setting socket nonblocking" over a descriptor that is
 * not open) are kept quiet as for the other GLib layers (libs/glib.c).
 */
#include <errno.h>
#include <gio/gio.h>

#include <closeonce/contract.h>
#include <closeonce/error.h>

#include "libs.h"

enum { NEW, GET_FD, SEND, CLOSE, UNREF };

#define GSREF "GLib 2.74 reference, gio/gsocket.c: "
static const struct co_entry entries[] = {
    [NEW] = {.name = "g_socket_new_from_fd",
             .effect = CO_EFF_ADOPT,
             .checks = CO_CHK_SOCKET,
             .io = CO_IO_NONBLOCK,
             .source = GSREF "g_socket_new_from_fd takes ownership on "
                             "success; on failure g_socket_finalize closes "
                             "fd too (a finding)",
             .c = "$o = gsocket_new($fd);\n$r = $o ? 0 : -1;"},
    [GET_FD] = {.name = "g_socket_get_fd",
                .effect = CO_EFF_LEND,
                .source = GSREF "g_socket_get_fd: the underlying socket",
                .c = "$r = g_socket_get_fd($o);"},
    [SEND] = {.name = "g_socket_send",
              .effect = CO_EFF_USE,
              .source = GSREF "g_socket_send: one send(2); non-blocking "
                              "(the glue)",
              .c = "$r = g_socket_send($o, $buf, (gsize)$n, NULL, NULL);\n"
                   "if ($r < 0)\n"
                   "  $r = -1;"},
    [CLOSE] = {.name = "g_socket_close",
               .effect = CO_EFF_CLOSE,
               .source = GSREF "g_socket_close reports close(2)'s error "
                               "(then g_object_unref)",
               .c = "$r = g_socket_close($o, NULL) ? 0 : -1;\n"
                    "g_object_unref($o);"},
    [UNREF] = {.name = "g_socket_unref",
               .effect = CO_EFF_CLOSE,
               .io = CO_IO_SILENT,
               .source = GSREF "g_object_unref: g_socket_finalize closes the "
                               "socket; void",
               .c = "g_object_unref($o);\n$r = 0;"},
};

/* The reproducer's C (closeonce/contract.h): the glue's calls, GLib's
 * warnings quiet as in the glue, the socket non-blocking. */
static const struct co_contract_c repro = {
    .head = "#include <gio/gio.h>\n"
            "\n"
            "static inline void gsocket_quiet(const gchar *domain,\n"
            "                                 GLogLevelFlags level,\n"
            "                                 const gchar *msg, gpointer "
            "data) {\n"
            "  (void)domain;\n"
            "  (void)level;\n"
            "  (void)msg;\n"
            "  (void)data;\n"
            "}\n"
            "\n"
            "static inline GSocket *gsocket_new(int fd) {\n"
            "  GSocket *s = g_socket_new_from_fd(fd, NULL);\n"
            "  if (s)\n"
            "    g_socket_set_blocking(s, FALSE);\n"
            "  return s;\n"
            "}",
    .init = "g_log_set_default_handler(gsocket_quiet, NULL);",
    .build = "$(pkg-config --cflags --libs gio-2.0)"};

static const struct co_contract contract = {
    .layer = "gsocket", .entries = entries, .nentries = 5, .repro = &repro};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const char buf[256];
  GSocket *s = *obj;
  long r = -1;
  (void)env;
  (void)mode;
  errno = 0;
  switch (e) {
  case NEW:
    s = g_socket_new_from_fd((int)fd, NULL);
    if (s)
      g_socket_set_blocking(s, FALSE);
    *obj = s;
    r = s ? 0 : -1;
    break;
  case GET_FD:
    r = g_socket_get_fd(s);
    break;
  case SEND:
    r = g_socket_send(s, buf, (gsize)n, NULL, NULL);
    break;
  case CLOSE:
  case UNREF:
    r = e == CLOSE ? (g_socket_close(s, NULL) ? 0 : -1) : 0;
    g_object_unref(s);
    *obj = NULL;
    break;
  }
  co_outcome_failed_if(out, r, errno);
}

static int64_t handle_of(void *obj) {
  return g_socket_get_fd(obj);
}

/* The shared objects whose own calls are the library's (issue 21:
 * attributed and faulted, docs/faults.md). */
static const char *const lib_objects[] = {"libglib-2.0.so", "libgio-2.0.so",
                                          NULL};

const struct co_adapter co_lib_gsocket = {.version = CO_ADAPTER_VERSION,
                                          .objects = lib_objects,
                                          .nofault = CO_NOFAULT_ALLOC,
                                          .contract = &contract,
                                          .call = glue,
                                          .handle_of = handle_of,
                                          .state_new = co_lib_glib_start};
