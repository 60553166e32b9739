/*
 * wiolib (wiolib.h), a stdio-like wrapper with a close-on-free flag, as an
 * adapter: its contract as its header states it, and the glue. The variant
 * selects planted bugs, each stream made with them. The glue keeps no
 * state.
 */
#include <errno.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"
#include "wiolib.h"

static const struct co_mode take_modes[] = {
    {.name = "w", .valid = 1, .needs = CO_NEED_WRITE}, {.name = NULL}};

enum { E_TAKE, E_BORROW, E_FD, E_WRITE, E_FREE };

static const struct co_entry entries[] = {
    {.name = "wio_take",
     .effect = CO_EFF_ADOPT_ON_SUCCESS,
     .checks = CO_CHK_VALID | CO_CHK_ACCESS,
     .sets_errno = 1,
     .modes = take_modes,
     .source = "wiolib.h: owns fd on success (closes it when freed); EBADF "
               "if not open, EINVAL if read-only, and the caller keeps it",
     .c = "$o = wio_take_planted($fd, $variant);\n$r = $o ? 0 : -1;"},
    {.name = "wio_borrow",
     .effect = CO_EFF_BORROW,
     .checks = CO_CHK_VALID,
     .sets_errno = 1,
     .source = "wiolib.h: never closes fd (BIO_NOCLOSE style)",
     .c = "$o = wio_borrow_planted($fd, $variant);\n$r = $o ? 0 : -1;"},
    {.name = "wio_fd",
     .effect = CO_EFF_LEND,
     .sets_errno = 1,
     .source = "wiolib.h: lends the descriptor; the stream keeps it",
     .c = "$r = wio_fd($o);"},
    {.name = "wio_write",
     .effect = CO_EFF_USE,
     .sets_errno = 1,
     .source = "wiolib.h: one write(2), unbuffered",
     .c = "$r = wio_write($o, $buf, (size_t)$n);"},
    {.name = "wio_free",
     .effect = CO_EFF_CLOSE,
     .sets_errno = 1,
     .source = "wiolib.h: frees the stream; closes fd if it owns it",
     .c = "$r = wio_free($o);"},
};

/* The reproducer's C (closeonce/contract.h): wiolib.c built with it, each
 * stream with the target's planted bugs. */
static const struct co_contract_c repro = {
    .head = "#include \"wiolib.h\"",
    .build = "-I harness/adapters harness/adapters/wiolib.c"};

static const struct co_contract contract = {.layer = "wio",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .repro = &repro};

static void wio_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                     void **obj, int64_t fd, int32_t n,
                     struct co_outcome *out) {
  static const char buf[256];
  struct wio *w = *obj;
  long r = -1;
  (void)mode;
  errno = 0;
  switch (e) {
  case E_TAKE:
  case E_BORROW:
    w = e == E_TAKE ? wio_take_planted((int)fd, env->variant)
                    : wio_borrow_planted((int)fd, env->variant);
    *obj = w;
    r = w ? 0 : -1;
    break;
  case E_FD:
    r = wio_fd(w);
    break;
  case E_WRITE:
    r = wio_write(w, buf, (size_t)n);
    break;
  case E_FREE:
    r = wio_free(w);
    *obj = NULL;
    break;
  default:
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t wio_handle_of(void *obj) {
  return wio_fd(obj);
}

/* Issue 21: the fixture's library is a shared object of its own on Linux
 * (CMakeLists.txt co_fixture_kind): its calls are attributed and faulted
 * (docs/faults.md). */
#if defined(CO_FIXTURES_SHARED)
static const char *const lib_objects[] = {"libco_fixtures.so", NULL};
#else
#define lib_objects NULL
#endif

const struct co_adapter co_adapter_wio = {.version = CO_ADAPTER_VERSION,
                                          .objects = lib_objects,
                                          .contract = &contract,
                                          .call = wio_call,
                                          .handle_of = wio_handle_of};
