/*
 * The validated libraries, registered through the kit.
 */
#include "libs.h"

#include <archive.h>
#include <bzlib.h>
#include <event2/event.h>
#include <glib.h>
#include <openssl/crypto.h>
#include <sndfile.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <closeonce/target.h>

/* Each writes the running library's own version into buf (cap bytes). */
static void v_openssl(char *buf, size_t cap) {
  snprintf(buf, cap, "%s", OpenSSL_version(OPENSSL_VERSION));
}
static void v_bzip2(char *buf, size_t cap) {
  snprintf(buf, cap, "bzip2 %s", BZ2_bzlibVersion());
}
static void v_libarchive(char *buf, size_t cap) {
  snprintf(buf, cap, "%s", archive_version_string());
}
static void v_glib(char *buf, size_t cap) {
  snprintf(buf, cap, "GLib %u.%u.%u", glib_major_version, glib_minor_version,
           glib_micro_version);
}
static void v_gio(char *buf, size_t cap) {
  snprintf(buf, cap, "GLib (GIO) %u.%u.%u", glib_major_version,
           glib_minor_version, glib_micro_version);
}
static void v_gsocket(char *buf, size_t cap) {
  snprintf(buf, cap, "GLib (GSocket) %u.%u.%u", glib_major_version,
           glib_minor_version, glib_micro_version);
}
static void v_libevent(char *buf, size_t cap) {
  snprintf(buf, cap, "libevent %s", event_get_version());
}
static void v_libuv(char *buf, size_t cap) {
  snprintf(buf, cap, "libuv %s", uv_version_string());
}
static void v_sndfile(char *buf, size_t cap) {
  snprintf(buf, cap, "%s", sf_version_string());
}

const struct co_lib co_libs[] = {
    {&co_lib_openssl, "OpenSSL", v_openssl},
    {&co_lib_bzip2, "bzip2", v_bzip2},
    {&co_lib_libarchive, "libarchive", v_libarchive},
    {&co_lib_gio, "GLib (GIO)", v_gio},
    {&co_lib_glib, "GLib", v_glib},
    {&co_lib_libevent, "libevent", v_libevent},
    {&co_lib_libuv, "libuv", v_libuv},
    {&co_lib_uvfs, "libuv", v_libuv},
    {&co_lib_gsocket, "GLib (GSocket)", v_gsocket},
    {&co_lib_sndfile, "libsndfile", v_sndfile},
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
