/*
 * kit_over: a kit program whose contract says which handles it is over
 * (co_contract.over = KIT_OVER, set by the build), for the start-up check:
 * an adapter over the other platform's handles is refused, exit 2, naming
 * it; over this platform's it runs. The layer: a handle taken on success
 * and closed (close(2) or CloseHandle).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "closeonce/kit.h"

#ifdef _WIN32
#include <windows.h>
static int take_ok(int64_t h) {
  DWORD fl;
  if (GetHandleInformation((HANDLE)(intptr_t)h, &fl))
    return 1;
  errno = EBADF;
  return 0;
}
static int os_close(int64_t h) {
  if (CloseHandle((HANDLE)(intptr_t)h))
    return 0;
  errno = EBADF;
  return -1;
}
#else
#include <fcntl.h>
#include <unistd.h>
static int take_ok(int64_t fd) {
  return fcntl((int)fd, F_GETFD) >= 0;
}
static int os_close(int64_t fd) {
  return close((int)fd);
}
#endif

struct ov {
  int64_t h;
};

static const struct co_entry entries[] = {
    {.name = "ov_take",
     .effect = CO_EFF_ADOPT_ON_SUCCESS,
     .checks = CO_CHK_VALID,
     .sets_errno = 1,
     .source = "kit_over.c: owns the handle on success"},
    {.name = "ov_close",
     .effect = CO_EFF_CLOSE,
     .sets_errno = 1,
     .source = "kit_over.c: closes it"},
};
static const struct co_contract contract = {
    .layer = "ov", .entries = entries, .nentries = 2, .over = KIT_OVER};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t h, int32_t n, struct co_outcome *out) {
  struct ov *o = *obj;
  long r = 0;
  (void)env;
  (void)mode;
  (void)n;
  errno = 0;
  if (e == 0) {
    o = take_ok(h) ? malloc(sizeof *o) : NULL;
    if (o)
      o->h = h;
    else if (!errno)
      errno = ENOMEM;
    *obj = o;
    r = o ? 0 : -1;
  } else {
    r = os_close(o->h);
    free(o);
    *obj = NULL;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t handle_of(void *obj) {
  return ((struct ov *)obj)->h;
}

static const struct co_adapter adapter = {.version = CO_ADAPTER_VERSION,
                                          .contract = &contract,
                                          .call = glue,
                                          .handle_of = handle_of};

CO_KIT_MAIN(adapter, "a handle taken and closed (the over check)")
