/*
 * mlib's adapter (mlib.h), a kit program (co_kit_main) whose entries carry
 * their C for `repro`. Test builds of the same file:
 *   MLIB_NO_C             mlib_write has no C (repro: exit 2, no file)
 *   MLIB_BAD_PLACEHOLDER  mlib_write's C names $count (start-up: exit 2)
 *   MLIB_V4               an adapter of version 4 (its C is not read)
 */
#include <errno.h>

#include <closeonce/error.h>
#include <closeonce/kit.h>

#include "mlib.h"

enum { ADOPT, FD, WRITE, CLOSE };

static const struct co_mode modes[] = {
    {.name = "rw", .valid = 1, .needs = CO_NEED_READ | CO_NEED_WRITE},
    {.name = "w", .valid = 1, .needs = CO_NEED_WRITE},
    {.name = NULL}};

#if defined MLIB_NO_C
#define WRITE_C NULL
#elif defined MLIB_BAD_PLACEHOLDER
#define WRITE_C "$r = mlib_write($o, $buf, (size_t)$count);"
#else
#define WRITE_C "$r = mlib_write($o, $buf, (size_t)$n);"
#endif

static const struct co_entry entries[] = {
    [ADOPT] = {.name = "mlib_adopt",
               .effect = CO_EFF_ADOPT_ON_SUCCESS,
               .checks = CO_CHK_VALID | CO_CHK_ACCESS,
               .sets_errno = 1,
               .modes = modes,
               .source = "mlib.h: owns fd on success; EBADF, EINVAL: the "
                         "caller keeps it",
               .c = "$o = mlib_adopt($fd, $mode);\n$r = $o ? 0 : -1;"},
    [FD] = {.name = "mlib_fd",
            .effect = CO_EFF_LEND,
            .sets_errno = 1,
            .source = "mlib.h: lent",
            .c = "$r = mlib_fd($o);"},
    [WRITE] = {.name = "mlib_write",
               .effect = CO_EFF_USE,
               .sets_errno = 1,
               .source = "mlib.h: one write(2)",
               .c = WRITE_C},
    [CLOSE] = {.name = "mlib_close",
               .effect = CO_EFF_CLOSE,
               .sets_errno = 1,
               .source = "mlib.h: closes fd, frees the handle",
               .c = "$r = mlib_close($o);"},
};
static const struct co_contract_c repro = {.head = "#include \"mlib.h\"",
                                           .build = "-I . mlib.c"};
static const struct co_contract contract = {
    .layer = "mlib", .entries = entries, .nentries = 4, .repro = &repro};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const char buf[256];
  long r;
  (void)env;
  errno = 0;
  switch (e) {
  case ADOPT:
    *obj = mlib_adopt((int)fd, modes[mode].name);
    r = *obj ? 0 : -1;
    break;
  case FD:
    r = mlib_fd(*obj);
    break;
  case WRITE:
    r = mlib_write(*obj, buf, (size_t)n);
    break;
  default:
    r = mlib_close(*obj);
    *obj = NULL;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t handle_of(void *obj) {
  return mlib_fd(obj);
}

static const struct co_adapter adapter = {
#ifdef MLIB_V4
    .version = 4,
#else
    .version = CO_ADAPTER_VERSION,
#endif
    .contract = &contract,
    .call = glue,
    .handle_of = handle_of};

int main(int argc, char **argv) {
  return co_kit_main(argc, argv, &adapter, "mlib, the kit's repro fixture");
}
