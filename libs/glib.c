/*
 * GLib/GIO (2.74) over a caller's descriptor, through the public kit only:
 * GUnixOutputStream and GIOChannel, two ways of owning the same number.
 *
 * Contract, from the GLib 2.74 reference:
 *  - g_unix_output_stream_new(fd, close_fd): "Creates a new
 *    GUnixOutputStream for the given fd. If close_fd is TRUE, the file
 *    descriptor will be closed when the output stream is destroyed." The
 *    descriptor is not checked (fd == -1 is a g_return_val_if_fail: NULL).
 *    Owned with TRUE (when the last reference goes: g_object_unref, whose
 *    close result nobody sees), borrowed with FALSE.
 *  - g_unix_output_stream_get_fd: "Return the file descriptor that the
 *    stream writes to": a loan.
 *  - g_output_stream_write: one write(2) (gunixoutputstream.c write_fn).
 *  - g_output_stream_close: "Closes the stream, releasing resources
 *    related to it", the descriptor if close_fd; it reports close(2)'s
 *    error. The glue then drops the last reference.
 *  - g_io_channel_unix_new(fd): "Creates a new GIOChannel given a file
 *    descriptor"; g_io_channel_set_close_on_unref: "The default value of
 *    this is TRUE for channels created by g_io_channel_new_file(), and FALSE
 *    for all other channels": borrowed, unless the caller sets it. The
 *    entry g_io_channel_unix_new_owned is unix_new + set_close_on_unref
 *    (TRUE). The glue makes the channel unbuffered and binary
 *    (g_io_channel_set_encoding(NULL), set_buffered(FALSE)) so that
 *    g_io_channel_write_chars is one write(2).
 *  - g_io_channel_unref: with close_on_unref, shutdown(flush) and its
 *    result is lost (void); else nothing.
 *  - g_io_channel_shutdown: "Close an IO channel": giounix.c io_close
 *    closes the descriptor whether or not the channel was told to own it
 *    (CO_IO_CLOSES_ANY). On a borrowed channel that closes the caller's
 *    descriptor: reports/findings/glib-io-channel-shutdown-closes-borrowed.md.
 *    The glue then drops the last reference.
 * g_io_channel_unix_new reads the descriptor's flags once (giounix.c
 * g_io_unix_get_flags): over a read-only descriptor,
 * g_io_channel_write_chars fails for good without a system call
 * (CO_IO_ACCESS_ONCE). Over one that is not open the flags are left
 * uninitialised (reports/findings/glib-io-channel-unix-new-uninitialised.md):
 * handing one over is the client's mistake in the contract.
 * GLib's errors are GErrors: failures compare as "failed". Its
 * g_return_if_fail messages are silenced by the glue: traces trigger them
 * on purpose.
 */
#include <errno.h>
#include <gio/gunixoutputstream.h>
#include <glib.h>

#include <closeonce/contract.h>
#include <closeonce/error.h>

#include "libs.h"

/* Two layers, one per object type: "gio" (streams), "glib" (channels). */
enum { S_NEW_CLOSE, S_NEW_KEEP, S_GET_FD, S_WRITE, S_UNREF, S_CLOSE };
enum { C_NEW, C_NEW_OWNED, C_GET_FD, C_WRITE, C_UNREF, C_SHUTDOWN };

#define GREF "GLib 2.74 reference: "
static const struct co_entry stream_entries[] = {
    [S_NEW_CLOSE] = {.name = "g_unix_output_stream_new_close",
                     .effect = CO_EFF_ADOPT_ON_SUCCESS,
                     .source = GREF "g_unix_output_stream_new(fd, TRUE): "
                                    "closed when the stream is destroyed",
                     .c = "$o = g_unix_output_stream_new($fd, TRUE);\n"
                          "$r = $o ? 0 : -1;"},
    [S_NEW_KEEP] = {.name = "g_unix_output_stream_new_keep",
                    .effect = CO_EFF_BORROW,
                    .source = GREF "g_unix_output_stream_new(fd, FALSE)",
                    .c = "$o = g_unix_output_stream_new($fd, FALSE);\n"
                         "$r = $o ? 0 : -1;"},
    [S_GET_FD] = {.name = "g_unix_output_stream_get_fd",
                  .effect = CO_EFF_LEND,
                  .source = GREF "g_unix_output_stream_get_fd",
                  .c = "$r = g_unix_output_stream_get_fd(\n"
                       "    G_UNIX_OUTPUT_STREAM($o));"},
    [S_WRITE] = {.name = "g_output_stream_write",
                 .effect = CO_EFF_USE,
                 .source = "gunixoutputstream.c write_fn: one write(2)",
                 .c = "$r = g_output_stream_write($o, $buf, (gsize)$n, NULL, "
                      "NULL);\n"
                      "if ($r < 0)\n"
                      "  $r = -1;"},
    [S_UNREF] = {.name = "g_object_unref",
                 .effect = CO_EFF_CLOSE,
                 .io = CO_IO_SILENT,
                 .source = GREF "GOutputStream dispose closes the stream; "
                                "void",
                 .c = "g_object_unref($o);\n$r = 0;"},
    [S_CLOSE] = {.name = "g_output_stream_close",
                 .effect = CO_EFF_CLOSE,
                 .source = GREF "g_output_stream_close reports close(2)'s "
                                "error (then g_object_unref)",
                 .c = "$r = g_output_stream_close($o, NULL, NULL) ? 0 : -1;\n"
                      "g_object_unref($o);"},
};

static const struct co_entry channel_entries[] = {
    [C_NEW] = {.name = "g_io_channel_unix_new",
               .effect = CO_EFF_BORROW,
               .checks = CO_CHK_ANY,
               .io = CO_IO_ACCESS_ONCE,
               .source = GREF "g_io_channel_set_close_on_unref: FALSE for "
                              "g_io_channel_unix_new",
               .c = "$o = glib_channel($fd, FALSE);\n$r = 0;"},
    [C_NEW_OWNED] = {.name = "g_io_channel_unix_new_owned",
                     .effect = CO_EFF_ADOPT_ON_SUCCESS,
                     .checks = CO_CHK_ANY,
                     .io = CO_IO_ACCESS_ONCE,
                     .source = GREF "g_io_channel_unix_new, then "
                                    "g_io_channel_set_close_on_unref(TRUE)",
                     .c = "$o = glib_channel($fd, TRUE);\n$r = 0;"},
    [C_GET_FD] = {.name = "g_io_channel_unix_get_fd",
                  .effect = CO_EFF_LEND,
                  .source = GREF "g_io_channel_unix_get_fd",
                  .c = "$r = g_io_channel_unix_get_fd($o);"},
    [C_WRITE] = {.name = "g_io_channel_write_chars",
                 .effect = CO_EFF_USE,
                 .source = "unbuffered, no encoding: giounix.c io_write, "
                           "one write(2)",
                 .c = "gsize done = 0;\n"
                      "$r = g_io_channel_write_chars($o, $buf, $n, &done, "
                      "NULL) ==\n"
                      "             G_IO_STATUS_NORMAL\n"
                      "         ? (long)done\n"
                      "         : -1;"},
    [C_UNREF] = {.name = "g_io_channel_unref",
                 .effect = CO_EFF_CLOSE,
                 .io = CO_IO_SILENT,
                 .source = GREF "g_io_channel_unref: shutdown if "
                                "close_on_unref; void",
                 .c = "g_io_channel_unref($o);\n$r = 0;"},
    [C_SHUTDOWN] = {.name = "g_io_channel_shutdown",
                    .effect = CO_EFF_CLOSE,
                    .io = CO_IO_CLOSES_ANY,
                    .source = GREF "g_io_channel_shutdown: \"Close an IO "
                                   "channel\"; giounix.c io_close closes fd "
                                   "whatever close_on_unref says",
                    .c = "$r = g_io_channel_shutdown($o, FALSE, NULL) ==\n"
                         "             G_IO_STATUS_NORMAL\n"
                         "         ? 0\n"
                         "         : -1;\n"
                         "g_io_channel_unref($o);"},
};

/* The reproducers' C (closeonce/contract.h): the glue's calls, GLib's
 * warnings quiet as in the glue; a channel unbuffered and binary. */
static const struct co_contract_c stream_repro = {
    .head = "#include <gio/gunixoutputstream.h>\n"
            "\n"
            "static inline void gio_quiet(const gchar *domain, "
            "GLogLevelFlags level,\n"
            "                             const gchar *msg, gpointer data) {\n"
            "  (void)domain;\n"
            "  (void)level;\n"
            "  (void)msg;\n"
            "  (void)data;\n"
            "}",
    .init = "g_log_set_default_handler(gio_quiet, NULL);",
    .build = "$(pkg-config --cflags --libs gio-unix-2.0)"};
static const struct co_contract_c channel_repro = {
    .head = "#include <glib.h>\n"
            "\n"
            "static inline void glib_quiet(const gchar *domain, "
            "GLogLevelFlags level,\n"
            "                              const gchar *msg, gpointer data) "
            "{\n"
            "  (void)domain;\n"
            "  (void)level;\n"
            "  (void)msg;\n"
            "  (void)data;\n"
            "}\n"
            "\n"
            "static inline GIOChannel *glib_channel(int fd, gboolean owned) {\n"
            "  GIOChannel *ch = g_io_channel_unix_new(fd);\n"
            "  g_io_channel_set_encoding(ch, NULL, NULL);\n"
            "  g_io_channel_set_buffered(ch, FALSE);\n"
            "  g_io_channel_set_close_on_unref(ch, owned);\n"
            "  return ch;\n"
            "}",
    .init = "g_log_set_default_handler(glib_quiet, NULL);",
    .build = "$(pkg-config --cflags --libs glib-2.0)"};

static const struct co_contract stream_contract = {.layer = "gio",
                                                   .entries = stream_entries,
                                                   .nentries = 6,
                                                   .repro = &stream_repro};
static const struct co_contract channel_contract = {.layer = "glib",
                                                    .entries = channel_entries,
                                                    .nentries = 6,
                                                    .repro = &channel_repro};

static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                  gpointer data) {
  (void)domain;
  (void)level;
  (void)msg;
  (void)data;
}

/* GLib's warnings (g_critical on a bad descriptor) are the library's own
 * report of what the model predicts; they are kept quiet from the moment a
 * target with a GLib layer starts (co_adapter.start). */
int co_lib_glib_start(const struct co_glue_env *env, void **state, char *err,
                      size_t cap) {
  (void)env;
  (void)err;
  (void)cap;
  g_log_set_default_handler(quiet, NULL);
  *state = NULL;
  return 0;
}

static void stream_glue(const struct co_glue_env *env, unsigned e,
                        unsigned mode, void **obj, int64_t fd, int32_t n,
                        struct co_outcome *out) {
  static const char buf[256];
  GOutputStream *s = *obj;
  long r = -1;
  (void)env;
  (void)mode;
  switch (e) {
  case S_NEW_CLOSE:
  case S_NEW_KEEP:
    s = g_unix_output_stream_new((int)fd, e == S_NEW_CLOSE);
    *obj = s;
    r = s ? 0 : -1;
    break;
  case S_GET_FD:
    r = g_unix_output_stream_get_fd(G_UNIX_OUTPUT_STREAM(s));
    break;
  case S_WRITE:
    r = g_output_stream_write(s, buf, (gsize)n, NULL, NULL);
    break;
  case S_UNREF:
  case S_CLOSE:
    r = e == S_CLOSE ? (g_output_stream_close(s, NULL, NULL) ? 0 : -1) : 0;
    g_object_unref(s);
    *obj = NULL;
    break;
  }
  co_outcome_failed_if(out, r, errno);
}

static void channel_glue(const struct co_glue_env *env, unsigned e,
                         unsigned mode, void **obj, int64_t fd, int32_t n,
                         struct co_outcome *out) {
  static const char buf[256];
  GIOChannel *ch = *obj;
  long r = -1;
  gsize done = 0;
  (void)env;
  (void)mode;
  switch (e) {
  case C_NEW:
  case C_NEW_OWNED:
    ch = g_io_channel_unix_new((int)fd);
    g_io_channel_set_encoding(ch, NULL, NULL);
    g_io_channel_set_buffered(ch, FALSE);
    g_io_channel_set_close_on_unref(ch, e == C_NEW_OWNED);
    *obj = ch;
    r = 0;
    break;
  case C_GET_FD: /* the number it holds, -1 included: not an error */
    co_outcome_value(out, g_io_channel_unix_get_fd(ch));
    return;
  case C_WRITE:
    if (g_io_channel_write_chars(ch, buf, n, &done, NULL) == G_IO_STATUS_NORMAL)
      r = (long)done;
    break;
  case C_UNREF:
  case C_SHUTDOWN:
    r = e == C_SHUTDOWN
            ? (g_io_channel_shutdown(ch, FALSE, NULL) == G_IO_STATUS_NORMAL
                   ? 0
                   : -1)
            : 0;
    g_io_channel_unref(ch);
    *obj = NULL;
    break;
  }
  co_outcome_failed_if(out, r, errno);
}

static int64_t stream_fd(void *obj) {
  return g_unix_output_stream_get_fd(obj);
}

static int64_t channel_fd(void *obj) {
  return g_io_channel_unix_get_fd(obj);
}

/* The shared objects whose own calls are the library's (issue 21:
 * attributed and faulted, docs/faults.md). */
static const char *const lib_objects[] = {"libglib-2.0.so", "libgio-2.0.so", NULL};

const struct co_adapter co_lib_gio = {.version = CO_ADAPTER_VERSION, .objects = lib_objects,
    .nofault = CO_NOFAULT_ALLOC,
                                      .contract = &stream_contract,
                                      .call = stream_glue,
                                      .handle_of = stream_fd,
                                      .state_new = co_lib_glib_start};
const struct co_adapter co_lib_glib = {.version = CO_ADAPTER_VERSION, .objects = lib_objects,
    .nofault = CO_NOFAULT_ALLOC,
                                       .contract = &channel_contract,
                                       .call = channel_glue,
                                       .handle_of = channel_fd,
                                       .state_new = co_lib_glib_start};
