/*
 * The validated libraries, registered through the kit.
 */
#include "libs.h"

#include <archive.h>
#include <bzlib.h>
#include <event2/event.h>
#include <glib.h>
#include <openssl/crypto.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <closeonce/kit.h>
#include <closeonce/target.h>

static const char *v_openssl(void) {
  return OpenSSL_version(OPENSSL_VERSION);
}
static const char *v_bzip2(void) {
  static char v[64];
  snprintf(v, sizeof v, "bzip2 %s", BZ2_bzlibVersion());
  return v;
}
static const char *v_libarchive(void) {
  return archive_version_string();
}
static const char *v_glib(void) {
  static char v[64];
  snprintf(v, sizeof v, "GLib %u.%u.%u", glib_major_version, glib_minor_version,
           glib_micro_version);
  return v;
}
static const char *v_gio(void) {
  static char v[64];
  snprintf(v, sizeof v, "GLib (GIO) %u.%u.%u", glib_major_version,
           glib_minor_version, glib_micro_version);
  return v;
}
static const char *v_libevent(void) {
  static char v[64];
  snprintf(v, sizeof v, "libevent %s", event_get_version());
  return v;
}
static const char *v_libuv(void) {
  static char v[64];
  snprintf(v, sizeof v, "libuv %s", uv_version_string());
  return v;
}

const struct co_lib co_libs[] = {
    {&co_lib_openssl, "OpenSSL",
     "OpenSSL BIO_new_fd(fd, BIO_CLOSE|BIO_NOCLOSE), BIO_get_fd, BIO_write, "
     "BIO_free (contract)",
     v_openssl},
    {&co_lib_bzip2, "bzip2",
     "bzip2 BZ2_bzdopen/BZ2_bzwrite/BZ2_bzclose (contract)", v_bzip2},
    {&co_lib_libarchive, "libarchive",
     "libarchive archive_read_open_fd, archive_write_open_fd (raw format), "
     "archive_write_data, archive_free (contract)",
     v_libarchive},
    {&co_lib_gio, "GLib (GIO)",
     "GIO GUnixOutputStream over a descriptor, close_fd TRUE/FALSE "
     "(contract)",
     v_gio},
    {&co_lib_glib, "GLib",
     "GLib GIOChannel over a descriptor: g_io_channel_unix_new, "
     "close_on_unref, shutdown (contract)",
     v_glib},
    {&co_lib_libevent, "libevent",
     "libevent bufferevent_socket_new with and without "
     "BEV_OPT_CLOSE_ON_FREE, bufferevent_write/getfd/free (contract)",
     v_libevent},
    {&co_lib_libuv, "libuv",
     "libuv uv_pipe_open/uv_fileno/uv_try_write/uv_close (contract)", v_libuv},
};
const size_t co_nlibs = sizeof co_libs / sizeof *co_libs;

/* Targets of findings: the library as it is, called as its documentation
 * says is enough (reports/findings/). */
static struct co_target finding_targets[] = {
    {.name = "libevent-free-now",
     .summary = "libevent as documented: bufferevent_free with "
                "BEV_OPT_CLOSE_ON_FREE and no loop turn after it "
                "(reports/findings/libevent-free-defers-close.md)",
     .backend = &co_backend_posix,
     .layers = {"libevent", "stdio", NULL},
     .variant = CO_LIB_LIBEVENT_FREE_NOW,
     .mode = CO_MODE_CONTRACT},
};

int co_libs_register(char *err, size_t cap) {
  size_t i;
  for (i = 0; i < co_nlibs; i++)
    if (co_kit_register(co_libs[i].adapter, co_libs[i].summary, err, cap) < 0)
      return -1;
  for (i = 0; i < sizeof finding_targets / sizeof *finding_targets; i++) {
    struct co_target *t = &finding_targets[i];
    if (co_target_find(t->name))
      continue;
    t->kinds = co_client_ops;
    t->nkinds = co_client_nops;
    if (co_target_register(t, err, cap) < 0)
      return -1;
  }
  return 0;
}

void co_libs_init(void) {
  char err[256];
  if (co_libs_register(err, sizeof err) < 0) {
    fprintf(stderr, "closeonce: library adapters: %s\n", err);
    abort();
  }
}

int co_libs_need_fds(unsigned n, const char *what, char *err, size_t cap) {
  int fds[16];
  unsigned i, k;
  int e = 0;
  if (n > sizeof fds / sizeof *fds)
    n = sizeof fds / sizeof *fds;
  for (k = 0; k < n; k++)
    if ((fds[k] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
      e = errno;
      break;
    }
  for (i = 0; i < k; i++)
    close(fds[i]);
  if (k == n)
    return 0;
  snprintf(err, cap, "%s needs %u descriptors: %s", what, n, strerror(e));
  return -1;
}
