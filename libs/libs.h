/*
 * Adapters of real libraries, each written with the public kit only
 * (closeonce/contract.h, closeonce/kit.h): a contract cited from the
 * library's documentation and the glue that calls it. Each is a target
 * named after its layer (closeonce targets): a LIBS row of the target list,
 * harness/targets.def.
 */
#ifndef CLOSEONCE_LIBS_H
#define CLOSEONCE_LIBS_H

#include <stddef.h>

#include <closeonce/contract.h>

extern const struct co_adapter co_lib_openssl;
extern const struct co_adapter co_lib_glib;
extern const struct co_adapter co_lib_gio;
extern const struct co_adapter co_lib_bzip2;
extern const struct co_adapter co_lib_libarchive;
extern const struct co_adapter co_lib_libevent;
extern const struct co_adapter co_lib_libuv;
/* libuv's uv_fs_* through its thread pool (issue 22): layer uvfs */
extern const struct co_adapter co_lib_uvfs;
extern const struct co_adapter co_lib_gsocket;
extern const struct co_adapter co_lib_sndfile;

/* One validated library: its adapter (its target is a LIBS row of the
 * target list, harness/targets.def). */
struct co_lib {
  const struct co_adapter *adapter;
  const char *library; /* "OpenSSL" */
  /* the running library's own version, written into buf */
  void (*version)(char *buf, size_t cap);
};
extern const struct co_lib co_libs[];
extern const size_t co_nlibs;

/* Variants of the library targets that show a finding
 * (reports/findings/): replayed, not fuzzed. */
/* libevent-free-now: bufferevent_free without the loop turn after it. */
#define CO_LIB_LIBEVENT_FREE_NOW 0x1
/* libevent-threads (issue 22): evthread_use_pthreads() before the base is
 * made (a base with its lock and its notification eventfd), bufferevents
 * with BEV_OPT_THREADSAFE. Not a finding's: fuzzed like libevent. */
#define CO_LIB_LIBEVENT_THREADS 0x2

/* GLib's adapters' state_new (libs/glib.c): GLib's warnings kept quiet
 * from the moment a target with a GLib layer starts; no state. */
int co_lib_glib_start(const struct co_glue_env *env, void **state, char *err,
                      size_t cap);

/* Register every adapter and the target list's LIBS rows. Idempotent.
 * Returns 0, or -1 with a message in err. */
int co_libs_register(char *err, size_t cap);
/* The same for programs: aborts with the message on failure. */
void co_libs_init(void);

/* For a library that exits or aborts when it runs out of descriptors while
 * it starts (libevent's and libuv's signal pipes): 0 if n descriptors can
 * be opened now (they are closed again), else -1 and "WHAT needs N
 * descriptors: REASON" in err. Single-threaded start-up only. */
int co_libs_need_fds(unsigned n, const char *what, char *err, size_t cap);

#endif
