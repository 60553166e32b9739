/*
 * bytesink's handle contract for closeonce, and the glue: the one file a
 * library author writes. Built with closeonce_add_adapter() (CMakeLists.txt)
 * it is a program: `bytesink-closeonce fuzz --seconds 60`, `... replay
 * corpus/`, `... repro finding.trace -o repro.c` (a standalone C program).
 */
#include <errno.h>

#include <closeonce/error.h>
#include <closeonce/kit.h>

#include "bytesink.h"

enum { TAKE, WRAP, FD, PUT, FREE };

/* What bytesink.h promises, entry by entry; c: the same call in C, for
 * `bytesink-closeonce repro` (closeonce/contract.h, "Reproducer
 * templates"). */
static const struct co_entry entries[] = {
    [TAKE] = {.name = "sink_take",
              .effect = CO_EFF_ADOPT_ON_SUCCESS,
              .checks = CO_CHK_VALID,
              .sets_errno = 1,
              .source = "bytesink.h: sink_from_fd(fd, 1) owns fd",
              .c = "$o = sink_from_fd($fd, 1);\n$r = $o ? 0 : -1;"},
    [WRAP] = {.name = "sink_wrap",
              .effect = CO_EFF_BORROW,
              .checks = CO_CHK_VALID,
              .sets_errno = 1,
              .source = "bytesink.h: sink_from_fd(fd, 0) leaves fd with the "
                        "caller",
              .c = "$o = sink_from_fd($fd, 0);\n$r = $o ? 0 : -1;"},
    [FD] = {.name = "sink_fd",
            .effect = CO_EFF_LEND,
            .sets_errno = 1,
            .source = "bytesink.h: lent",
            .c = "$r = sink_fd($o);"},
    [PUT] = {.name = "sink_put",
             .effect = CO_EFF_USE,
             .sets_errno = 1,
             .source = "bytesink.h: one write(2)",
             .c = "$r = sink_put($o, $buf, (size_t)$n);"},
    [FREE] = {.name = "sink_free",
              .effect = CO_EFF_CLOSE,
              .sets_errno = 1,
              .source = "bytesink.h: closes fd if it owns it",
              .c = "$r = sink_free($o);"},
};
/* What a reproducer needs besides: the header, and bytesink.c built with
 * it (the build line runs in this directory). */
static const struct co_contract_c repro = {.head = "#include \"bytesink.h\"",
                                           .build = "-I . bytesink.c"};
static const struct co_contract contract = {
    .layer = "bytesink", .entries = entries, .nentries = 5, .repro = &repro};

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
