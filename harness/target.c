/*
 * The target registry, compiled from the target list (targets.def).
 *
 * Built twice: for the installed library (libcloseonce.a) with the
 * PRODUCT rows only, and with -DCO_FIXTURES for this tree's own programs
 * (the closeonce command, tests, benchmarks, fuzz programs), which also
 * get the FIXTURE rows (demolib, wiolib, the pager's planted bugs) and
 * can register the LIBS rows (co_targets_register_libs).
 *
 * Life of the table: at program start (before main) the built-in rows'
 * operation sets are computed; then programs add their own targets
 * (co_target_register: the kit's, the libraries'); co_targets_freeze ends
 * registration. Lookups never change the table.
 */
#include "closeonce/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipose.h"

#ifdef CO_FIXTURES
#include "adapters/demolib.h"
#include "adapters/fixtures.h"
#include "libs.h"
#include "vfd_planted.h"
#ifndef _WIN32
#include "adapters/buflib.h"
#include "adapters/racelib.h"
#include "adapters/wiolib.h"
#endif
#endif

#ifdef _WIN32
/* Win32: the HANDLE calls (harness/win32/backend.c maps each one); the
 * later ones appended, so that the others decode as they did. */
static const uint8_t win32_ops[] = {
    CO_OP_OPEN, CO_OP_DUP, CO_OP_DUP_CLOSE, CO_OP_CLOSE, CO_OP_GETFD,
    CO_OP_SETFD, CO_OP_SETPROTECT, CO_OP_WRITE, CO_OP_LSEEK, CO_OP_DUPH,
    CO_OP_READ, CO_OP_OPEN_ACCESS, CO_OP_DUPH_ACCESS,
    /* the standard handles (docs/win32.md#std), appended: the binary
     * records of the operations before them decode as they did */
    CO_OP_GETSTD, CO_OP_SETSTD, CO_OP_CLOSESTD, CO_OP_EXITCODE,
    /* names: a second open of one file, and calls on a handle */
    CO_OP_REOPENFILE, CO_OP_SETVALID, CO_OP_FILETYPE, CO_OP_OPENDEV,
    /* issue 20: SOCKETs (docs/win32.md#sockets) */
    CO_OP_TCP_CONNECT, CO_OP_TCP_ACCEPT, CO_OP_SOCKET, CO_OP_CLOSESOCKET,
    CO_OP_SEND, CO_OP_RECV, CO_OP_WSADUP,
    /* issue 20, anonymous pipes (docs/win32.md#pipes), appended */
    CO_OP_PIPE, CO_OP_CREATEPIPE};
/* The client's HANDLE calls around a library (with the standard handles,
 * which a program's C runtime sets as it binds 0-2, and a second open of
 * one file). */
const uint8_t co_client_ops[] = {
    CO_OP_OPEN, CO_OP_DUP, CO_OP_CLOSE, CO_OP_WRITE, CO_OP_LSEEK, CO_OP_GETFD,
    CO_OP_GETSTD, CO_OP_SETSTD, CO_OP_CLOSESTD, CO_OP_REOPENFILE,
    /* issue 20: SOCKETs a program hands to its libraries */
    CO_OP_TCP_CONNECT, CO_OP_TCP_ACCEPT, CO_OP_CLOSESOCKET, CO_OP_SEND,
    CO_OP_RECV};
#define CO_OPS_WIN32_ALL win32_ops
#define CO_OPS_CLIENT_KINDS co_client_ops /* (the POSIX kinds' opset) */
#define CO_BACKEND_OS co_backend_win32
#define CO_LAYER_CRT "crt"
#define CO_ON_WIN32(...) __VA_ARGS__
#define CO_ON_POSIX(...)
#else
static const uint8_t posix_ops[] = {
    CO_OP_OPEN, CO_OP_DUP, CO_OP_DUP2, CO_OP_DUP3, CO_OP_DUPFD, CO_OP_GETFD,
    CO_OP_SETFD, CO_OP_GETFL, CO_OP_SETFL, CO_OP_CLOSE, CO_OP_CLOSE_RANGE,
    CO_OP_WRITE, CO_OP_LSEEK, CO_OP_READ, CO_OP_FSTAT, CO_OP_LSEEK_EXT,
    CO_OP_SETLIMIT, CO_OP_FTRUNCATE, CO_OP_FCHMOD, CO_OP_REOPEN,
    CO_OP_CREATED_QUERY, CO_OP_THREAD,
    /* issue 20, pipes and socketpairs (docs/posix.md#pipes), appended */
    CO_OP_PIPE, CO_OP_PIPE2, CO_OP_SOCKETPAIR, CO_OP_SHUTDOWN,
    /* issue 20, loopback TCP (docs/posix.md#tcp), appended */
    CO_OP_LISTEN, CO_OP_CONNECT, CO_OP_ACCEPT, CO_OP_ACCEPT4,
    /* evdir (issue 20): directories, eventfd, epoll */
    CO_OP_OPENDIR, CO_OP_EVENTFD, CO_OP_EPOLL_CREATE, CO_OP_EPOLL_CTL,
    CO_OP_EPOLL_WAIT};
/* Client operations of the layered targets: the descriptor calls a program
 * makes around its libraries. */
const uint8_t co_client_ops[] = {CO_OP_OPEN,  CO_OP_DUP,   CO_OP_DUP2,
                                 CO_OP_CLOSE, CO_OP_WRITE, CO_OP_LSEEK,
                                 CO_OP_GETFD, CO_OP_GETFL};
/* libs (issue 20): the client's calls around a library made for streams,
 * with the kinds it is made for (pipes, socketpairs, shutdown) and the
 * reads that see what went through them; the client's operations first, so that
 * their records decode as the CLIENT opset's. */
static const uint8_t client_kind_ops[] = {
    CO_OP_OPEN,  CO_OP_DUP,        CO_OP_DUP2,    CO_OP_CLOSE, CO_OP_WRITE,
    CO_OP_LSEEK, CO_OP_GETFD,      CO_OP_GETFL,   CO_OP_READ,  CO_OP_PIPE,
    CO_OP_PIPE2, CO_OP_SOCKETPAIR, CO_OP_SHUTDOWN};
#define CO_OPS_CLIENT_KINDS client_kind_ops
/* evdir (issue 20): a program's descriptor calls with directories, eventfd
 * and epoll (the posix-ev target) */
static const uint8_t evdir_ops[] = {
    CO_OP_OPEN,    CO_OP_DUP,          CO_OP_DUP2,      CO_OP_CLOSE,
    CO_OP_WRITE,   CO_OP_READ,         CO_OP_LSEEK,     CO_OP_GETFD,
    CO_OP_GETFL,   CO_OP_SETFL,        CO_OP_FSTAT,     CO_OP_OPENDIR,
    CO_OP_EVENTFD, CO_OP_EPOLL_CREATE, CO_OP_EPOLL_CTL, CO_OP_EPOLL_WAIT,
    CO_OP_PIPE2};
#define CO_OPS_EVDIR evdir_ops
#define CO_OPS_POSIX_ALL posix_ops
/* Loopback TCP (docs/posix.md#tcp): the sockets' calls, and the
 * descriptor calls that share, close and reuse them (no open: the
 * generator would fill the slots with files; the posix target mixes
 * both). Reads and writes twice, so that bytes flow; shutdown, SHUT_WR
 * run, SHUT_RD refused (docs/posix.md#tcp-shutdown). */
static const uint8_t tcp_ops[] = {
    CO_OP_LISTEN,  CO_OP_CONNECT, CO_OP_ACCEPT,  CO_OP_ACCEPT4, CO_OP_READ,
    CO_OP_WRITE,   CO_OP_CLOSE,   CO_OP_DUP,     CO_OP_DUP2,    CO_OP_SETFL,
    CO_OP_GETFL,   CO_OP_FSTAT,   CO_OP_LSEEK,   CO_OP_READ,    CO_OP_WRITE,
    CO_OP_CONNECT, CO_OP_ACCEPT4, CO_OP_SHUTDOWN};
#define CO_OPS_TCP tcp_ops
#define CO_BACKEND_OS co_backend_posix
#define CO_LAYER_CRT NULL
#define CO_ON_WIN32(...)
#define CO_ON_POSIX(...) __VA_ARGS__
#endif
const size_t co_client_nops = sizeof co_client_ops;
#define CO_OPS_CLIENT co_client_ops
#define CO_ON_ALL(...) __VA_ARGS__

#define CO_KIND_PRODUCT(...) __VA_ARGS__
#ifdef CO_FIXTURES
#define CO_KIND_FIXTURE(...) __VA_ARGS__
#else
#define CO_KIND_FIXTURE(...)
#endif
#define CO_KIND_LIBS(...)
#define CO_UNPAREN(...) __VA_ARGS__

/* One row as a struct co_target initialiser. */
#define CO_ROW(name_, backend_, ops_, layers_, variant_, mode_, summary_)      \
  {.name = name_,                                                              \
   .summary = summary_,                                                        \
   .backend = &CO_BACKEND_##backend_,                                          \
   .kinds = CO_OPS_##ops_,                                                     \
   .nkinds = sizeof CO_OPS_##ops_,                                             \
   .layers = {CO_UNPAREN layers_, NULL},                                       \
   .variant = variant_,                                                        \
   .mode = CO_MODE_##mode_},

/* The built-in targets: this build's rows of this platform. */
static struct co_target builtin[] = {
#define CO_TARGET(kind, plat, name, corpus, tags, ...)                         \
  CO_KIND_##kind(CO_ON_##plat(CO_ROW(name, __VA_ARGS__)))
#include "targets.def"
#undef CO_TARGET
};
#define NBUILTIN (sizeof builtin / sizeof *builtin)

#ifdef CO_FIXTURES
/* The real libraries' rows, registered once their adapters are. */
#undef CO_KIND_LIBS
#undef CO_KIND_PRODUCT
#undef CO_KIND_FIXTURE
#define CO_KIND_LIBS(...) __VA_ARGS__
#define CO_KIND_PRODUCT(...)
#define CO_KIND_FIXTURE(...)
static struct co_target listed_libs[] = {
#define CO_TARGET(kind, plat, name, corpus, tags, ...)                         \
  CO_KIND_##kind(CO_ON_##plat(CO_ROW(name, __VA_ARGS__)))
#include "targets.def"
#undef CO_TARGET
    {.name = NULL}};
#endif

#define TARGETS_MAX 64
static struct co_target *table[TARGETS_MAX + 1];
static size_t ntable;
static int frozen;
struct co_target *const *co_targets = table;

const char *co_mode_name(int mode) {
  return mode == CO_MODE_CONTRACT ? "contract" : "conformance";
}

int co_mode_parse(const char *name, int *mode) {
  if (!strcmp(name, "contract"))
    *mode = CO_MODE_CONTRACT;
  else if (!strcmp(name, "conformance"))
    *mode = CO_MODE_CONFORMANCE;
  else
    return -1;
  return 0;
}

/* A target one of whose layers has its library's calls interposed
 * (co_adapter.objects) and can be followed as run after a fault: not a
 * numbered or paged layer (docs/faults.md#model). */
static int faultable(const struct co_target *t) {
  size_t i;
  for (i = 0; i < sizeof t->layers / sizeof *t->layers && t->layers[i]; i++) {
    const struct co_adapter *a = co_adapter_find(t->layers[i]);
    if (a && a->version >= 7 && a->objects && a->objects[0] &&
        !a->contract->numbered && !co_adapter_paged(a) &&
        co_ipose_loaded(a->objects)) /* not linked in statically */
      return 1;
  }
  return 0;
}

/* Fill t->ops: its kinds, then every entry of its layers. */
static int prepare(struct co_target *t, char *err, size_t cap) {
  size_t i, n = 0;
  for (i = 0; i < sizeof t->layers / sizeof *t->layers && t->layers[i]; i++) {
    const struct co_adapter *a = co_adapter_find(t->layers[i]);
    int first;
    size_t k;
    if (!a) {
      snprintf(err, cap, "target %s: no adapter for layer %s", t->name,
               t->layers[i]);
      return -1;
    }
    first = co_adapter_first_entry(a);
    for (k = 0; k < a->contract->nentries && n < CO_ENTRIES_MAX; k++)
      t->entry_ids[n++] = (uint8_t)(first + (int)k);
  }
  t->ops.kinds = t->kinds;
  t->ops.n = t->nkinds;
  if (faultable(t) && t->nkinds < sizeof t->fault_kinds) {
    /* a library whose calls can be failed: `fail` after the kinds */
    memcpy(t->fault_kinds, t->kinds, t->nkinds);
    t->fault_kinds[t->nkinds] = CO_OP_FAIL;
    t->ops.kinds = t->fault_kinds;
    t->ops.n = t->nkinds + 1;
  }
  t->ops.entries = t->entry_ids;
  t->ops.nentries = n;
  return 0;
}

/* A built-in that does not register is a bug of this program. */
static void must(int r, const char *err) {
  if (r < 0) {
    fprintf(stderr, "closeonce: built-in target registry: %s\n", err);
    abort();
  }
}

/* At program start: the fixtures' adapters (in this tree's programs), then
 * every built-in target's operation set. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((constructor))
#else
#error "the target registry needs a start-up constructor (gcc or clang)"
#endif
static void
registry_init(void) {
  char err[160] = "";
  size_t i;
#ifdef CO_FIXTURES
  must(co_adapter_register(&co_adapter_demo, err, sizeof err), err);
#ifndef _WIN32
  must(co_adapter_register(&co_adapter_wio, err, sizeof err), err);
  must(co_adapter_register(&co_adapter_buf, err, sizeof err), err);
  must(co_adapter_register(&co_adapter_race, err, sizeof err), err);
#endif
#endif
  for (i = 0; i < NBUILTIN; i++) {
    must(prepare(&builtin[i], err, sizeof err), err);
    table[ntable++] = &builtin[i];
  }
}

const struct co_target *co_target_find(const char *name) {
  size_t i;
  for (i = 0; i < ntable; i++)
    if (strcmp(table[i]->name, name) == 0)
      return table[i];
  return NULL;
}

int co_target_register(struct co_target *t, char *err, size_t cap) {
  size_t i;
  for (i = 0; i < ntable; i++)
    if (table[i] == t)
      return 0;
    else if (!strcmp(table[i]->name, t->name)) {
      snprintf(err, cap, "target name %s is taken", t->name);
      return -1;
    }
  if (frozen) {
    snprintf(err, cap,
             "target %s: the target registry is frozen (register targets "
             "before co_targets_freeze)",
             t->name);
    return -1;
  }
  if (ntable == TARGETS_MAX) {
    snprintf(err, cap, "too many targets");
    return -1;
  }
  if (prepare(t, err, cap) < 0)
    return -1;
  table[ntable++] = t;
  return 0;
}

void co_targets_freeze(void) {
  frozen = 1;
}

#ifdef CO_FIXTURES
int co_targets_register_libs(char *err, size_t cap) {
  size_t i;
  for (i = 0; listed_libs[i].name; i++)
    if (co_target_register(&listed_libs[i], err, cap) < 0)
      return -1;
  return 0;
}
#endif

const struct co_adapter *co_target_adapter(const struct co_target *t,
                                           unsigned entry) {
  size_t i;
  const struct co_adapter *a;
  for (i = 0; i < t->ops.nentries; i++)
    if (t->entry_ids[i] == entry) {
      co_entry_get(entry, &a, NULL);
      return a;
    }
  return NULL;
}
