/*
 * The client's own code as a closeonce layer: app.h's bridge from hlib's
 * HANDLE to the C runtime. closeonce fuzzes the code behind an adapter,
 * and in contract mode the client of that code is well-behaved; so to have
 * your own code checked (here: whether it makes the C runtime a second
 * owner of a HANDLE it borrowed), give it an adapter of its own and put it
 * in one target with the library's (CO_KIT_MAIN_LAYERS, adapter.c). The
 * layer is numbered: its objects are C-runtime descriptors, which share
 * the C runtime's number space (co_contract.numbered), so the model
 * predicts which number app_crt_fd gets.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <closeonce/kit.h>

#include "app.h"
#include "app_adapter.h"

enum { CRT_FD, WRITE, CLOSE };

/* app_crt_fd's copy of the HANDLE is not inheritable (DuplicateHandle's
 * bInheritHandle FALSE): o1 = app_crt_fd s0 rw. */
static const struct co_mode crt_fd_modes[] = {
    {"rw", 1, CO_NEED_READ | CO_NEED_WRITE, 0, CO_SEEK_NEVER, CO_OWN_CLOEXEC},
    {NULL, 0, 0, 0, 0, 0}};

/* What app.h promises, entry by entry. */
static const struct co_entry entries[] = {
    [CRT_FD] = {.name = "app_crt_fd",
                .effect = CO_EFF_ADOPT_DUP,
                .checks = CO_CHK_VALID,
                .sets_errno = 1,
                .modes = crt_fd_modes,
                .source = "app.h: a C-runtime descriptor over a copy of the "
                          "HANDLE, which stays its owner's; EBADF if it is "
                          "not open",
                .c = "int fd = app_crt_fd((HANDLE)$fd);\n"
                     "$o = fd >= 0 ? APP_OBJ(fd) : NULL;\n"
                     "$r = $o ? 0 : -1;"},
    [WRITE] = {.name = "app_write",
               .effect = CO_EFF_USE,
               .sets_errno = 1,
               .source = "app.h: one _write",
               .c = "$r = app_write(APP_FD($o), $buf, (unsigned)$n);"},
    [CLOSE] = {.name = "app_crt_close",
               .effect = CO_EFF_CLOSE,
               .sets_errno = 1,
               .source = "app.h: closes the descriptor, never the caller's "
                         "HANDLE",
               .c = "$r = app_crt_close(APP_FD($o));"},
};

/* The planted bug is app.c's, compiled in (APP_PLANTED_BUG): a program
 * recorded with it builds app.c with it, and without that word it builds
 * the fixed bridge. */
#ifndef APP_PLANTED_BUG
#define APP_PLANTED_BUG 0
#endif
#if APP_PLANTED_BUG
#define APP_PLANTED_WORD "-DAPP_PLANTED_BUG=1 "
#define APP_PLANTED_NOTE                                                       \
  "/* app.c with the story's bug (app.h): without " APP_PLANTED_WORD           \
  "on\n * the build line, the fixed bridge. */\n"
#else
#define APP_PLANTED_WORD ""
#define APP_PLANTED_NOTE ""
#endif

/* What `hlib-closeonce.exe repro` needs for this layer's steps: app.h,
 * objects as descriptor numbers (+1, so that none is NULL), app.c. */
static const struct co_contract_c repro = {
    .head =
        APP_PLANTED_NOTE "#include \"app.h\"\n"
                         "#define APP_OBJ(fd) ((void *)(intptr_t)((fd) + 1))\n"
                         "#define APP_FD(o) ((int)((intptr_t)(o)-1))\n",
    .build = "-I . " APP_PLANTED_WORD "app.c"};
static const struct co_contract contract = {.layer = "app",
                                            .entries = entries,
                                            .nentries = 3,
                                            .numbered = 1,
                                            .repro = &repro,
                                            .over = CO_OVER_WIN32_HANDLE};

/* An object: one C-runtime descriptor. */
struct app_fd {
  int fd;
};

static const char zeros[256];

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t h, int32_t n, struct co_outcome *out) {
  struct app_fd *a;
  long r;
  (void)env;
  (void)mode;
  errno = 0;
  switch (e) {
  case CRT_FD:
    *obj = NULL;
    if (!(a = malloc(sizeof *a))) {
      co_outcome_from_c(out, -1, ENOMEM);
      return;
    }
    if ((a->fd = app_crt_fd((HANDLE)(intptr_t)h)) < 0) {
      int err = errno;
      free(a);
      co_outcome_from_c(out, -1, err);
      return;
    }
    *obj = a;
    r = 0;
    break;
  case WRITE:
    r = app_write(((struct app_fd *)*obj)->fd, zeros, (unsigned)n);
    break;
  default:
    a = *obj;
    r = app_crt_close(a->fd);
    free(a);
    *obj = NULL;
  }
  co_outcome_from_c(out, r, errno);
}

/* The HANDLE the descriptor holds: a copy of the argument, if app.c is
 * right. */
static int64_t handle_of(void *obj) {
  return co_kit_crt_osfhandle(((struct app_fd *)obj)->fd);
}

static int64_t number_of(void *obj) {
  return ((struct app_fd *)obj)->fd;
}

static int number_open(int64_t n) {
  return co_kit_crt_osfhandle((int)n) != -1;
}

/* The bridge's own code, when it is a DLL (HLIB_SHARED): its
 * DuplicateHandle, _open_osfhandle, CloseHandle and _close calls. */
#ifdef HLIB_SHARED
static const char *const app_objects[] = {"libapp.dll", NULL};
#else
#define app_objects NULL
#endif

const struct co_adapter app_adapter = {.version = CO_ADAPTER_VERSION,
                                       .contract = &contract,
                                       .call = glue,
                                       .handle_of = handle_of,
                                       .number_of = number_of,
                                       .number_open = number_open,
                                       .objects = app_objects};
