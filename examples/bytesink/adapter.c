/*
 * bytesink's handle contract for closeonce, and the glue: the one file a
 * library author writes. Built with closeonce_add_adapter() (CMakeLists.txt)
 * it is a program: `bytesink-closeonce fuzz --seconds 60`, `... replay
 * corpus/`.
 */
#include <errno.h>

#include <closeonce/error.h>
#include <closeonce/kit.h>

#include "bytesink.h"

enum { TAKE, WRAP, FD, PUT, FREE };

/* What bytesink.h promises, entry by entry. */
static const struct co_entry entries[] = {
    [TAKE] = {"sink_take", CO_EFF_ADOPT_ON_SUCCESS, CO_CHK_VALID, CO_IO_EXACT,
              1, NULL, "bytesink.h: sink_from_fd(fd, 1) owns fd", NULL},
    [WRAP] = {"sink_wrap", CO_EFF_BORROW, CO_CHK_VALID, CO_IO_EXACT, 1, NULL,
              "bytesink.h: sink_from_fd(fd, 0) leaves fd with the caller",
              NULL},
    [FD] = {"sink_fd", CO_EFF_LEND, 0, CO_IO_EXACT, 1, NULL, "bytesink.h: lent",
            NULL},
    [PUT] = {"sink_put", CO_EFF_USE, 0, CO_IO_EXACT, 1, NULL,
             "bytesink.h: one write(2)", NULL},
    [FREE] = {"sink_free", CO_EFF_CLOSE, 0, CO_IO_EXACT, 1, NULL,
              "bytesink.h: closes fd if it owns it", NULL},
};
static const struct co_contract contract = {
    .layer = "bytesink", .entries = entries, .nentries = 5};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const char buf[256];
  long r;
  (void)env;
  (void)mode;
  errno = 0;
  switch (e) {
  case TAKE:
  case WRAP:
    *obj = sink_from_fd((int)fd, e == TAKE);
    r = *obj ? 0 : -1;
    break;
  case FD:
    r = sink_fd(*obj);
    break;
  case PUT:
    r = sink_put(*obj, buf, (size_t)n);
    break;
  default:
    r = sink_free(*obj);
    *obj = NULL;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t handle_of(void *obj) {
  return sink_fd(obj);
}

static const struct co_adapter adapter = {.version = CO_ADAPTER_VERSION,
                                          .contract = &contract,
                                          .call = glue,
                                          .handle_of = handle_of};

/* main (co_kit_main), or the engines' entry point in the libFuzzer and
 * AFL++ programs (kit.h). */
CO_KIT_MAIN(adapter, "bytesink over Linux descriptors")
