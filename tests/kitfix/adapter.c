/*
 * kitfix-closeonce: a kit program (co_kit_register, as a library author
 * writes one) over kfixlib, for the tests of fuzz --keep-going, --isolate,
 * the adapter's reset hook and the replay command printed for a kit
 * program. Its targets, one per adapter, are named after their layers:
 *
 *   kfbug     three planted bugs (kf_export hands out its own descriptor;
 *             a kf_put that wrote 4 bytes or more closes it; kf_free
 *             leaks it):
 *             three distinct bugs (no borrowing entry: each bug shows one
 *             way, so it has one name)
 *   kfglobal  the 5th take in the process fails and closes its descriptor
 *             (process-global state): with --max-ops 4 no single trace
 *             reaches it, only the traces before it do
 *   kfreset   the same library, with the adapter's reset hook
 *             (co_adapter.reset) forgetting the count before every trace
 *   kfcrash   a write of 3 bytes kills the process (SIGSEGV)
 *   kfcopy    kf_copy_of, an adopt-dup entry (CO_EFF_ADOPT_DUP): the
 *             object owns a dup(2) of the caller's descriptor
 *   kfcopybug the same with kf_copy_of taking the descriptor itself (a
 *             second owner of it)
 */
#include <errno.h>

#include <closeonce/error.h>
#include <closeonce/kit.h>
#include <closeonce/target.h>

#include <stdio.h>

#include "kfixlib.h"

enum { TAKE, FD, EXPORT, PUT, FREE, BORROW, NENTRIES };
enum flavour { BUGS, GLOBAL, RESET, CRASH };

#define KF_ENTRIES(p, src)                                                     \
  {                                                                            \
    [TAKE] = {.name = p "_take",                                               \
              .effect = CO_EFF_ADOPT_ON_SUCCESS,                               \
              .checks = CO_CHK_VALID,                                          \
              .sets_errno = 1,                                                 \
              .source = src},                                                  \
    [BORROW] = {.name = p "_borrow",                                           \
                .effect = CO_EFF_BORROW,                                       \
                .checks = CO_CHK_VALID,                                        \
                .sets_errno = 1,                                               \
                .source = src},                                                \
    [FD] = {.name = p "_fd",                                                   \
            .effect = CO_EFF_LEND,                                             \
            .sets_errno = 1,                                                   \
            .source = src},                                                    \
    [EXPORT] = {.name = p "_export",                                           \
                .effect = CO_EFF_DUP,                                          \
                .sets_errno = 1,                                               \
                .source = src},                                                \
    [PUT] = {.name = p "_put",                                                 \
             .effect = CO_EFF_USE,                                             \
             .sets_errno = 1,                                                  \
             .source = src},                                                   \
    [FREE] = {.name = p "_free",                                               \
              .effect = CO_EFF_CLOSE,                                          \
              .sets_errno = 1,                                                 \
              .source = src},                                                  \
  }

static const struct co_entry bug_entries[] = KF_ENTRIES("kf", "kfixlib.h");
static const struct co_entry global_entries[] = KF_ENTRIES("kg", "kfixlib.h");
static const struct co_entry reset_entries[] = KF_ENTRIES("kr", "kfixlib.h");
static const struct co_entry crash_entries[] = KF_ENTRIES("kc", "kfixlib.h");

static void glue(enum flavour fl, unsigned e, void **obj, int64_t fd, int32_t n,
                 struct co_outcome *out) {
  static const char buf[256];
  unsigned bugs =
      fl == BUGS ? KF_BUG_EXPORT_NODUP | KF_BUG_PUT_CLOSES | KF_BUG_FREE_LEAKS
                 : 0;
  long r;
  errno = 0;
  switch (e) {
  case TAKE:
    *obj = fl == GLOBAL || fl == RESET ? kf_take_counted((int)fd)
                                       : kf_from_fd((int)fd, 1, bugs);
    r = *obj ? 0 : -1;
    break;
  case BORROW:
    *obj = kf_from_fd((int)fd, 0, bugs);
    r = *obj ? 0 : -1;
    break;
  case FD:
    r = kf_fd(*obj);
    break;
  case EXPORT:
    r = kf_export(*obj);
    break;
  case PUT:
    r = fl == CRASH ? kf_crash_put(*obj, buf, (size_t)n)
                    : kf_put(*obj, buf, (size_t)n);
    break;
  default:
    r = kf_free(*obj);
    *obj = NULL;
  }
  co_outcome_from_c(out, r, errno);
}

#define KF_GLUE(fn, fl)                                                        \
  static void fn(const struct co_glue_env *env, unsigned e, unsigned mode,     \
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {  \
    (void)env;                                                                 \
    (void)mode;                                                                \
    glue(fl, e, obj, fd, n, out);                                              \
  }
KF_GLUE(glue_bugs, BUGS)
KF_GLUE(glue_global, GLOBAL)
KF_GLUE(glue_reset, RESET)
KF_GLUE(glue_crash, CRASH)

static int64_t handle_of(void *obj) {
  return kf_fd(obj);
}

/* The reset hook: the library as before the first trace. */
static void reset(const struct co_glue_env *env) {
  (void)env;
  kf_reset();
}

/* kf_copy_of's layers: the object owns a duplicate of the argument. */
enum { C_COPY, C_FD, C_PUT, C_FREE, C_NENTRIES };
#define KC_ENTRIES(p)                                                          \
  {                                                                            \
    [C_COPY] = {.name = p "_copy",                                             \
                .effect = CO_EFF_ADOPT_DUP,                                    \
                .checks = CO_CHK_VALID,                                        \
                .sets_errno = 1,                                               \
                .source = "kfixlib.h: kf_copy_of owns a dup(2) of fd"},        \
    [C_FD] = {.name = p "_fd",                                                 \
              .effect = CO_EFF_LEND,                                           \
              .sets_errno = 1,                                                 \
              .source = "kfixlib.h"},                                          \
    [C_PUT] = {.name = p "_put",                                               \
               .effect = CO_EFF_USE,                                           \
               .sets_errno = 1,                                                \
               .source = "kfixlib.h"},                                         \
    [C_FREE] = {.name = p "_free",                                             \
                .effect = CO_EFF_CLOSE,                                        \
                .sets_errno = 1,                                               \
                .source = "kfixlib.h"},                                        \
  }
static const struct co_entry copy_entries[] = KC_ENTRIES("kcp");
static const struct co_entry copybug_entries[] = KC_ENTRIES("kcb");

static void glue_copy(unsigned bugs, unsigned e, void **obj, int64_t fd,
                      int32_t n, struct co_outcome *out) {
  static const char buf[256];
  long r;
  errno = 0;
  switch (e) {
  case C_COPY:
    *obj = kf_copy_of((int)fd, bugs);
    r = *obj ? 0 : -1;
    break;
  case C_FD:
    r = kf_fd(*obj);
    break;
  case C_PUT:
    r = kf_put(*obj, buf, (size_t)n);
    break;
  default:
    r = kf_free(*obj);
    *obj = NULL;
  }
  co_outcome_from_c(out, r, errno);
}

#define KC_GLUE(fn, bugs)                                                      \
  static void fn(const struct co_glue_env *env, unsigned e, unsigned mode,     \
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {  \
    (void)env;                                                                 \
    (void)mode;                                                                \
    glue_copy(bugs, e, obj, fd, n, out);                                       \
  }
KC_GLUE(glue_copy_fixed, 0)
KC_GLUE(glue_copy_bug, KF_BUG_COPY_NODUP)

static const struct co_contract contracts[] = {
    /* without kf_borrow (the last entry) */
    {.layer = "kfbug", .entries = bug_entries, .nentries = NENTRIES - 1},
    {.layer = "kfglobal", .entries = global_entries, .nentries = NENTRIES},
    {.layer = "kfreset", .entries = reset_entries, .nentries = NENTRIES},
    {.layer = "kfcrash", .entries = crash_entries, .nentries = NENTRIES},
    {.layer = "kfcopy", .entries = copy_entries, .nentries = C_NENTRIES},
    {.layer = "kfcopybug", .entries = copybug_entries, .nentries = C_NENTRIES},
};

static const struct co_adapter adapters[] = {
    {.version = CO_ADAPTER_VERSION,
     .contract = &contracts[0],
     .call = glue_bugs,
     .handle_of = handle_of},
    {.version = CO_ADAPTER_VERSION,
     .contract = &contracts[1],
     .call = glue_global,
     .handle_of = handle_of},
    {.version = CO_ADAPTER_VERSION,
     .contract = &contracts[2],
     .call = glue_reset,
     .handle_of = handle_of,
     .reset = reset},
    {.version = CO_ADAPTER_VERSION,
     .contract = &contracts[3],
     .call = glue_crash,
     .handle_of = handle_of},
    {.version = CO_ADAPTER_VERSION,
     .contract = &contracts[4],
     .call = glue_copy_fixed,
     .handle_of = handle_of},
    {.version = CO_ADAPTER_VERSION,
     .contract = &contracts[5],
     .call = glue_copy_bug,
     .handle_of = handle_of},
};

static const char *const summaries[] = {
    "kfixlib with three planted ownership bugs",
    "kfixlib's counted take: process-global state, no reset",
    "kfixlib's counted take, reset before every trace (co_adapter.reset)",
    "kfixlib whose 3-byte write kills the process",
    "kfixlib's kf_copy_of: an object over a dup(2) of the caller's descriptor",
    "kfixlib's kf_copy_of taking the descriptor itself (planted)"};

int main(int argc, char **argv) {
  char err[256];
  size_t i;
  for (i = 0; i < sizeof adapters / sizeof *adapters; i++)
    if (co_kit_register(&adapters[i], summaries[i], err, sizeof err) < 0) {
      fprintf(stderr, "kitfix: %s\n", err);
      return 2;
    }
  co_targets_freeze();
  return co_cli_run(argc, argv, "kfbug");
}
