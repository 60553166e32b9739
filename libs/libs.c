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
    {&co_lib_openssl, "OpenSSL", v_openssl},
    {&co_lib_bzip2, "bzip2", v_bzip2},
    {&co_lib_libarchive, "libarchive", v_libarchive},
    {&co_lib_gio, "GLib (GIO)", v_gio},
    {&co_lib_glib, "GLib", v_glib},
    {&co_lib_libevent, "libevent", v_libevent},
    {&co_lib_libuv, "libuv", v_libuv},
};
const size_t co_nlibs = sizeof co_libs / sizeof *co_libs;

/* Each library's adapter, then the target list's LIBS rows
 * (harness/targets.def): each library's target, and the targets of
 * findings (reports/findings/). */
int co_libs_register(char *err, size_t cap) {
  size_t i;
  for (i = 0; i < co_nlibs; i++)
    if (co_adapter_register(co_libs[i].adapter, err, cap) < 0)
      return -1;
  return co_targets_register_libs(err, cap);
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
