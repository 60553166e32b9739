/*
 * The target registry.
 */
#include "closeonce/target.h"

#include <stdio.h>
#include <string.h>

#include "adapters/demolib.h"
#ifndef _WIN32
#include "adapters/wiolib.h"
#endif
#include "vfd.h"

/* The descriptor pager (pager/vfd.h) and its planted variants, with the
 * client's descriptor calls around it. */
#define VFD_TARGET(id, tname, text, bug)                                       \
  static struct co_target id = {.name = tname,                                 \
                                .summary = text,                               \
                                .backend = &VFD_BACKEND,                       \
                                .kinds = PAGER_OPS_KINDS,                      \
                                .nkinds = PAGER_OPS_N,                         \
                                .layers = VFD_LAYERS,                          \
                                .variant = bug,                                \
                                .mode = CO_MODE_CONTRACT};
#define VFD_TARGET_LIST(X)                                                     \
  X(target_vfd, "vfd",                                                         \
    "the descriptor pager: virtual descriptors over a window of 2 real ones "  \
    "(vopen/vadopt/vdup/vclose/vget/vput/vwrite/page_out/page_in; contract)",  \
    0)                                                                         \
  X(target_vfd_w1, "vfd-w1",                                                   \
    "the descriptor pager with a window of 1 (contract)",                      \
    CO_VARIANT_WINDOW(1))                                                      \
  X(target_vfd_w3, "vfd-w3",                                                   \
    "the descriptor pager with a window of 3 (contract)",                      \
    CO_VARIANT_WINDOW(3))                                                      \
  X(target_vfd_w4, "vfd-w4",                                                   \
    "the descriptor pager with a window of 4 (contract)",                      \
    CO_VARIANT_WINDOW(4))                                                      \
  X(target_vfd_forget, "vfd-forget-flags",                                     \
    "pager with a planted bug: page-in forgets the descriptor's own flags "    \
    "(cloexec; append/text on Win32)",                                         \
    VFD_BUG_FORGET_FLAGS)                                                      \
  X(target_vfd_lent, "vfd-evict-lent",                                         \
    "pager with a planted bug: eviction ignores lending pins",                 \
    VFD_BUG_EVICT_LENT)                                                        \
  X(target_vfd_stale, "vfd-stale-window",                                      \
    "pager with a planted bug: page-out keeps the old window number and "      \
    "close closes it again",                                                   \
    VFD_BUG_STALE_WINDOW)                                                      \
  X(target_vfd_leak, "vfd-leak-on-fail",                                       \
    "pager with a planted bug: a failed page-in leaks its duplicate",          \
    VFD_BUG_LEAK_ON_FAIL)                                                      \
  X(target_vfd_mru, "vfd-evict-mru",                                           \
    "pager with a planted bug: an LRU off-by-one evicts the most recently "    \
    "used",                                                                    \
    VFD_BUG_LRU_MRU)                                                           \
  X(target_vfd_dupwin, "vfd-dup-shares-window",                                \
    "pager with a planted bug: vdup copies the window descriptor, so two "     \
    "virtual descriptors close it",                                            \
    VFD_BUG_DUP_SHARES_WINDOW)                                                 \
  X(target_vfd_twice, "vfd-close-twice",                                       \
    "pager with a planted bug: closing a paged-out descriptor closes the "     \
    "parked one twice",                                                        \
    VFD_BUG_CLOSE_TWICE)
#define VFD_DEFINE(id, tname, text, bug) VFD_TARGET(id, tname, text, bug)
#define VFD_REF(id, tname, text, bug) &id,

#ifdef _WIN32
/* Win32: the HANDLE calls (harness/win32/backend.c maps each one). */
static const uint8_t win32_ops[] = {
    CO_OP_OPEN,  CO_OP_DUP,        CO_OP_DUP_CLOSE, CO_OP_CLOSE, CO_OP_GETFD,
    CO_OP_SETFD, CO_OP_SETPROTECT, CO_OP_WRITE,     CO_OP_LSEEK};
/* The client's HANDLE calls around a library. */
const uint8_t co_client_ops[] = {CO_OP_OPEN,  CO_OP_DUP,   CO_OP_CLOSE,
                                 CO_OP_WRITE, CO_OP_LSEEK, CO_OP_GETFD};
const size_t co_client_nops = sizeof co_client_ops;

static struct co_target target_win32 = {
    "win32",
    "Win32 HANDLEs: CreateFile/DuplicateHandle (close-source)/CloseHandle/"
    "Get-SetHandleInformation (inherit, protect)/WriteFile/SetFilePointerEx "
    "(conformance)",
    &co_backend_win32,
    win32_ops,
    sizeof win32_ops,
    {NULL},
    0,
    CO_MODE_CONFORMANCE,
    {0},
    {0}};

static struct co_target target_win32_crt = {
    "win32-crt",
    "the C runtime's descriptors over Win32 HANDLEs: _open_osfhandle/"
    "_get_osfhandle/_write/_close/_dup/_dup2, streams over them (_fdopen/"
    "_fileno/fwrite/fclose), demolib lending and adopting HANDLEs "
    "(contract)",
    &co_backend_win32,
    co_client_ops,
    sizeof co_client_ops,
    {"crt", "crt-stdio", "demo", NULL},
    0,
    CO_MODE_CONTRACT,
    {0},
    {0}};

static struct co_target target_win32_demo = {
    "win32-demo",
    "demolib over Win32 HANDLEs (contract)",
    &co_backend_win32,
    co_client_ops,
    sizeof co_client_ops,
    {"demo", NULL},
    0,
    CO_MODE_CONTRACT,
    {0},
    {0}};

#define VFD_BACKEND co_backend_win32
/* the client's own C-runtime descriptors share the pager's number space */
#define VFD_LAYERS                                                             \
  { "vfd", "crt", NULL }
#define PAGER_OPS_KINDS co_client_ops
#define PAGER_OPS_N sizeof co_client_ops
VFD_TARGET_LIST(VFD_DEFINE)
#define VFD_TARGETS VFD_TARGET_LIST(VFD_REF)
#define TARGETS_MAX 64
static struct co_target *table[TARGETS_MAX + 1] = {
    &target_win32, &target_win32_crt, &target_win32_demo, VFD_TARGETS NULL};
#else
static const uint8_t posix_ops[] = {
    CO_OP_OPEN,        CO_OP_DUP,   CO_OP_DUP2,  CO_OP_DUP3,  CO_OP_DUPFD,
    CO_OP_GETFD,       CO_OP_SETFD, CO_OP_GETFL, CO_OP_SETFL, CO_OP_CLOSE,
    CO_OP_CLOSE_RANGE, CO_OP_WRITE, CO_OP_LSEEK};

/* Client operations of the layered targets: the descriptor calls a program
 * makes around its libraries. */
const uint8_t co_client_ops[] = {CO_OP_OPEN,  CO_OP_DUP,   CO_OP_DUP2,
                                 CO_OP_CLOSE, CO_OP_WRITE, CO_OP_LSEEK,
                                 CO_OP_GETFD, CO_OP_GETFL};
const size_t co_client_nops = sizeof co_client_ops;
#define client_ops co_client_ops

static struct co_target target_posix = {
    "posix",
    "Linux descriptors: open/dup/dup2/dup3/fcntl/close/close_range/write/"
    "lseek (conformance)",
    &co_backend_posix,
    posix_ops,
    sizeof posix_ops,
    {NULL},
    0,
    CO_MODE_CONFORMANCE,
    {0},
    {0}};

static struct co_target target_stdio = {
    "posix-stdio",
    "stdio over Linux descriptors: fdopen/fileno/fwrite/fclose (contract)",
    &co_backend_posix,
    client_ops,
    sizeof client_ops,
    {"stdio", NULL},
    0,
    CO_MODE_CONTRACT,
    {0},
    {0}};

static struct co_target target_demo = {
    "demo",
    "demolib (an I/O library owning its descriptor) with stdio (contract)",
    &co_backend_posix,
    client_ops,
    sizeof client_ops,
    {"demo", "stdio", NULL},
    0,
    CO_MODE_CONTRACT,
    {0},
    {0}};

static struct co_target target_demo_nodup = {
    "demo-export-nodup",
    "demolib with a planted bug: demo_export hands out its own descriptor "
    "instead of a duplicate",
    &co_backend_posix,
    client_ops,
    sizeof client_ops,
    {"demo", "stdio", NULL},
    DEMO_BUG_EXPORT_NODUP,
    CO_MODE_CONTRACT,
    {0},
    {0}};

static struct co_target target_demo_detach = {
    "demo-detach-closes",
    "demolib with a planted bug: demo_detach closes the descriptor it hands "
    "over",
    &co_backend_posix,
    client_ops,
    sizeof client_ops,
    {"demo", "stdio", NULL},
    DEMO_BUG_DETACH_CLOSES,
    CO_MODE_CONTRACT,
    {0},
    {0}};

static struct co_target target_demo_leak = {
    "demo-close-leaks",
    "demolib with a planted bug: demo_close does not close its descriptor",
    &co_backend_posix,
    client_ops,
    sizeof client_ops,
    {"demo", "stdio", NULL},
    DEMO_BUG_CLOSE_LEAKS,
    CO_MODE_CONTRACT,
    {0},
    {0}};

static struct co_target target_zlib = {
    "zlib",
    "zlib gzdopen/gzwrite/gzclose over Linux descriptors (contract)",
    &co_backend_posix,
    client_ops,
    sizeof client_ops,
    {"zlib", NULL},
    0,
    CO_MODE_CONTRACT,
    {0},
    {0}};

#define VFD_BACKEND co_backend_posix
#define VFD_LAYERS                                                             \
  { "vfd", NULL }
#define PAGER_OPS_KINDS client_ops
#define PAGER_OPS_N sizeof client_ops
VFD_TARGET_LIST(VFD_DEFINE)
#define VFD_TARGETS VFD_TARGET_LIST(VFD_REF)
/* wiolib, a stdio-like wrapper with a close-on-free flag, and its planted
 * bugs. */
#define WIO_TARGET(id, tname, text, bug)                                       \
  static struct co_target id = {.name = tname,                                 \
                                .summary = text,                               \
                                .backend = &co_backend_posix,                  \
                                .kinds = client_ops,                           \
                                .nkinds = sizeof client_ops,                   \
                                .layers = {"wio", NULL},                       \
                                .variant = bug,                                \
                                .mode = CO_MODE_CONTRACT};
WIO_TARGET(target_wio, "wio",
           "wiolib, a stdio-like wrapper with a close-on-free flag "
           "(wio_take/wio_borrow/wio_fd/wio_write/wio_free; contract)",
           0)
WIO_TARGET(target_wio_borrow, "wio-borrow-closes",
           "wiolib with a planted bug: wio_free closes a borrowed descriptor "
           "(the close-on-free flag ignored)",
           WIO_BUG_BORROW_CLOSES)
WIO_TARGET(target_wio_leak, "wio-take-leaks",
           "wiolib with a planted bug: wio_free never closes an owned "
           "descriptor",
           WIO_BUG_TAKE_LEAKS)
WIO_TARGET(target_wio_failclose, "wio-take-fail-closes",
           "wiolib with a planted bug: wio_take's error path closes the "
           "caller's descriptor",
           WIO_BUG_TAKE_FAIL_CLOSES)

#define TARGETS_MAX 64
static struct co_target *table[TARGETS_MAX + 1] = {
    &target_posix,      &target_stdio,         &target_demo,
    &target_demo_nodup, &target_demo_detach,   &target_demo_leak,
    &target_zlib,       &target_wio,           &target_wio_borrow,
    &target_wio_leak,   &target_wio_failclose, VFD_TARGETS NULL};
#endif
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

/* Fill t->ops: its kinds, then every entry of its layers. */
static int prepare(struct co_target *t, char *err, size_t cap) {
  size_t i, n = 0;
  for (i = 0; i < 4 && t->layers[i]; i++) {
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
  t->ops.entries = t->entry_ids;
  t->ops.nentries = n;
  return 0;
}

const struct co_target *co_target_find(const char *name) {
  size_t i;
  char err[160];
  for (i = 0; table[i]; i++)
    if (strcmp(table[i]->name, name) == 0) {
      if (!table[i]->ops.kinds && prepare(table[i], err, sizeof err) < 0)
        return NULL;
      return table[i];
    }
  return NULL;
}

int co_target_register(struct co_target *t, char *err, size_t cap) {
  size_t i;
  for (i = 0; table[i]; i++)
    if (table[i] == t)
      return 0;
    else if (!strcmp(table[i]->name, t->name)) {
      snprintf(err, cap, "target name %s is taken", t->name);
      return -1;
    }
  if (i == TARGETS_MAX) {
    snprintf(err, cap, "too many targets");
    return -1;
  }
  if (prepare(t, err, cap) < 0)
    return -1;
  table[i] = t;
  table[i + 1] = NULL;
  return 0;
}

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
