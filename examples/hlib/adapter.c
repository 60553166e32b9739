/*
 * hlib's handle contract for closeonce, and the glue: the one file a
 * Windows library author writes. The layer is over HANDLEs
 * (CO_OVER_WIN32_HANDLE): the glue gets and returns HANDLE values as
 * int64, and in traces they are the client's HANDLE slots, shared with
 * CreateFile/DuplicateHandle/CloseHandle and with the C runtime's layer
 * (_open_osfhandle, _get_osfhandle, _close...). hlib_fdopen is over a
 * C-runtime descriptor: an object of the crt layer, wrapped (CO_EFF_WRAP,
 * inner "crt"), its number from co_kit_crt_fd. Built with
 * closeonce_add_adapter() in a mingw-w64 build (CMakeLists.txt) it is a
 * program: `wine hlib-closeonce.exe fuzz --seconds 60`, `... replay corpus`.
 * Each entry's C (co_entry.c) and the contract's repro are what
 * `hlib-closeonce.exe repro` writes a finding with: a Win32 program of
 * Win32, the C runtime and hlib's calls (closeonce/contract.h,
 * "Reproducer templates").
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <closeonce/error.h>
#include <closeonce/kit.h>

#include "app_adapter.h"
#include "hlib.h"

enum { OPEN, ADOPT, FDOPEN, HANDLE_OF, EXPORT, WRITE, CLOSE };

/* hlib_open's HANDLE is not inheritable (CO_OWN_CLOEXEC); traces name
 * the mode: o0 = hlib_open rw. */
static const struct co_mode open_modes[] = {
    {"rw", 1, CO_NEED_READ | CO_NEED_WRITE, 0, CO_SEEK_NEVER, CO_OWN_CLOEXEC},
    {NULL, 0, 0, 0, 0, 0}};

/* What hlib.h promises, entry by entry. */
static const struct co_entry entries[] = {
    [OPEN] = {.name = "hlib_open",
              .effect = CO_EFF_OPEN,
              .sets_errno = 1,
              .modes = open_modes,
              .source = "hlib.h: CreateFileW; the file owns its HANDLE",
              .c = "$o = hlib_open_at($path);\n$r = $o ? 0 : -1;"},
    [ADOPT] = {.name = "hlib_adopt",
               .effect = CO_EFF_ADOPT_ON_SUCCESS,
               .checks = CO_CHK_VALID,
               .sets_errno = 1,
               .source = "hlib.h: owns the HANDLE on success; EBADF and the "
                         "caller keeps it if it is not open",
               .c = "$o = hlib_adopt((HANDLE)$fd);\n$r = $o ? 0 : -1;"},
    /* over a C-runtime descriptor: o1 = hlib_fdopen o0, o0 of layer crt */
    [FDOPEN] = {.name = "hlib_fdopen",
                .effect = CO_EFF_WRAP,
                .sets_errno = 1,
                .source = "hlib.h: owns the C-runtime descriptor; hlib_close "
                          "_closes it",
                .inner = "crt",
                /* CRT_FD: the crt layer's own C (a descriptor object is
                 * its number + 1), as co_kit_crt_fd is the glue's */
                .c = "$o = hlib_fdopen(CRT_FD($src));\n$r = $o ? 0 : -1;"},
    [HANDLE_OF] = {.name = "hlib_handle",
                   .effect = CO_EFF_LEND,
                   .sets_errno = 1,
                   .source = "hlib.h: the borrow accessor; hlib still owns "
                             "the HANDLE",
                   .c = "$r = (intptr_t)hlib_handle($o);"},
    [EXPORT] = {.name = "hlib_export",
                .effect = CO_EFF_DUP,
                .sets_errno = 1,
                .source = "hlib.h: DuplicateHandle; the caller owns the copy",
                .c = "HANDLE d = hlib_export($o);\n"
                     "$r = d == INVALID_HANDLE_VALUE ? -1 : (intptr_t)d;"},
    [WRITE] = {.name = "hlib_write",
               .effect = CO_EFF_USE,
               .sets_errno = 1,
               .source = "hlib.h: one WriteFile",
               .c = "$r = hlib_write($o, hlib_nl, (size_t)$n);"},
    [CLOSE] = {.name = "hlib_close",
               .effect = CO_EFF_CLOSE,
               .sets_errno = 1,
               .source = "hlib.h: closes what the object owns, frees it",
               .c = "$r = hlib_close($o);"},
};

/* The reproducer's C: hlib.h, a helper that makes the step's file (as
 * open_new does, the path given in wide characters) and the newlines the
 * glue writes; built with hlib.c from this directory. The planted bugs
 * are hlib.c's, compiled in (HLIB_PLANTED_BUG): a program recorded with
 * them builds hlib.c with them, and without that word it builds the fixed
 * library. */
#ifndef HLIB_PLANTED_BUG
#define HLIB_PLANTED_BUG 0
#endif
#define HLIB_STR_(x) #x
#define HLIB_STR(x) HLIB_STR_(x)
#if HLIB_PLANTED_BUG
#define HLIB_PLANTED_WORD "-DHLIB_PLANTED_BUG=" HLIB_STR(HLIB_PLANTED_BUG) " "
#define HLIB_PLANTED_NOTE                                                      \
  "/* hlib.c with its planted bugs (hlib.h): without " HLIB_PLANTED_WORD       \
  "on\n * the build line, the fixed library. */\n"
#else
#define HLIB_PLANTED_WORD ""
#define HLIB_PLANTED_NOTE ""
#endif
static const struct co_contract_c repro = {
    .head = HLIB_PLANTED_NOTE
    "#include \"hlib.h\"\n"
    "\n"
    "static char hlib_nl[256]; /* what hlib_write writes: newlines */\n"
    "\n"
    "/* hlib_open on a new file at path (a step's own). */\n"
    "static struct hlib *hlib_open_at(const char *path) {\n"
    "  wchar_t w[MAX_PATH + 64];\n"
    "  if (!MultiByteToWideChar(CP_ACP, 0, path, -1, w, MAX_PATH + 64)) {\n"
    "    errno = ENAMETOOLONG;\n"
    "    return NULL;\n"
    "  }\n"
    "  return hlib_open(w);\n"
    "}",
    .init = "memset(hlib_nl, '\\n', sizeof hlib_nl);",
    .build = "-I . " HLIB_PLANTED_WORD "hlib.c"};

static const struct co_contract contract = {.layer = "hlib",
                                            .entries = entries,
                                            .nentries = 7,
                                            .repro = &repro,
                                            .over = CO_OVER_WIN32_HANDLE};

/* One executor's glue state: the serial of the files hlib_open makes. */
struct hlib_glue {
  unsigned serial;
};

static int state_new(const struct co_glue_env *env, void **state, char *err,
                     size_t cap) {
  (void)env;
  if (!(*state = calloc(1, sizeof(struct hlib_glue)))) {
    snprintf(err, cap, "hlib glue: out of memory");
    return -1;
  }
  return 0;
}

static void state_free(void *state) {
  free(state);
}

/* A new file in the executor's private directory (deleted on close). */
static struct hlib *open_new(const struct co_glue_env *env) {
  struct hlib_glue *g = env->state;
  wchar_t path[1100];
  if (swprintf(path, sizeof path / sizeof *path, L"%hs\\hlib-%u", env->dir,
               g->serial++) < 0) {
    errno = ENAMETOOLONG;
    return NULL;
  }
  return hlib_open(path);
}

/* What hlib_write writes: newlines. Over a C-runtime descriptor in text
 * mode each is stored as CR LF, and the model predicts that (CO_OWN_TEXT:
 * a glue writing through such a descriptor writes '\n' bytes). */
#define NL8 '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n'
#define NL64 NL8, NL8, NL8, NL8, NL8, NL8, NL8, NL8
static const char buf[256] = {NL64, NL64, NL64, NL64};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t h, int32_t n, struct co_outcome *out) {
  long r = 0;
  (void)mode;
  errno = 0;
  switch (e) {
  case OPEN:
    *obj = open_new(env);
    r = *obj ? 0 : -1;
    break;
  case ADOPT:
    *obj = hlib_adopt((HANDLE)(intptr_t)h);
    r = *obj ? 0 : -1;
    break;
  case HANDLE_OF:
    r = (long)(intptr_t)hlib_handle(*obj);
    break;
  case EXPORT: {
    HANDLE d = hlib_export(*obj);
    r = d == INVALID_HANDLE_VALUE ? -1 : (long)(intptr_t)d;
    break;
  }
  case WRITE:
    r = hlib_write(*obj, buf, (size_t)n);
    break;
  default:
    r = hlib_close(*obj);
    *obj = NULL;
  }
  co_outcome_from_c(out, r, errno);
}

/* hlib_fdopen: src is the C runtime's object (layer crt). */
static void glue2(const struct co_glue_env *env, unsigned e, unsigned mode,
                  void *src, void **dst, struct co_outcome *out) {
  (void)env;
  (void)mode;
  (void)e;
  errno = 0;
  *dst = hlib_fdopen(co_kit_crt_fd(src));
  co_outcome_from_c(out, *dst ? 0 : -1, errno);
}

static int64_t handle_of(void *obj) {
  return (int64_t)(intptr_t)hlib_handle(obj);
}

/* hlib's own code, when it is a DLL (HLIB_SHARED in CMakeLists.txt):
 * its calls of CloseHandle, DuplicateHandle, CreateFileW, WriteFile and
 * the C runtime's _close are logged for each step and can be failed by a
 * trace (closeonce's docs/faults.md#windows). Linked into the program it
 * is no module of its own: no objects, and closeonce sees it from outside
 * only (a layer with objects has `fail` steps in its traces). */
#ifdef HLIB_SHARED
static const char *const hlib_objects[] = {"libhlib.dll", NULL};
#else
#define hlib_objects NULL
#endif

const struct co_adapter hlib_adapter = {.version = CO_ADAPTER_VERSION,
                                        .contract = &contract,
                                        .call = glue,
                                        .handle_of = handle_of,
                                        .call2 = glue2,
                                        .state_new = state_new,
                                        .state_free = state_free,
                                        .objects = hlib_objects};

/* One program, one target named hlib: hlib's layer, the client's bridge
 * over it (app_adapter.c), the C runtime's. */
static const struct co_adapter *const layers[] = {&hlib_adapter, &app_adapter};
CO_KIT_MAIN_LAYERS(layers, "hlib (a HANDLE-owning Windows I/O library) and "
                           "the client's bridge to the C runtime (app), with "
                           "the C runtime's descriptors and streams")
