/*
 * buflib (buflib.h), a buffered stream over a descriptor, as an adapter
 * with an ownership-first contract (CO_IO_AS_RUN): the header states who
 * owns the descriptor on success and on failure, and nothing it could
 * state about I/O (a header read that depends on the file's data, a write
 * mode that seeks to the end, writes that are buffered, a close or detach
 * that writes the buffer out and fails only when output is pending) is
 * predicted: the model takes it from the library as it ran and checks
 * what it means for ownership. The variant selects planted bugs.
 */
#include <errno.h>

#include "buflib.h"
#include "closeonce/contract.h"
#include "closeonce/error.h"

static const struct co_mode open_modes[] = {
    {.name = "r", .valid = 1, .needs = CO_NEED_READ},
    {.name = "w", .valid = 1, .needs = CO_NEED_WRITE},
    /* checked (by the header read) for read access; writes later */
    {.name = "u",
     .valid = 1,
     .needs = CO_NEED_READ | CO_THEN_READ | CO_THEN_WRITE},
    {.name = NULL}};

enum { E_OPEN, E_FD, E_WRITE, E_DETACH, E_CLOSE };

static const struct co_entry entries[] = {
    {.name = "buf_open_fd",
     .effect = CO_EFF_ADOPT_ON_SUCCESS,
     .io = CO_IO_AS_RUN,
     .sets_errno = 1,
     .modes = open_modes,
     .source = "buflib.h: owns fd on success; on failure the caller keeps "
               "it (a short header fails \"r\" and \"u\")",
     .c = "$o = buf_open_fd($fd, $mode, $variant);\n$r = $o ? 0 : -1;"},
    {.name = "buf_fd",
     .effect = CO_EFF_LEND,
     .sets_errno = 1,
     .source = "buflib.h: lends the descriptor; the stream keeps it",
     .c = "$r = buf_fd($o);"},
    {.name = "buf_write",
     .effect = CO_EFF_USE,
     .io = CO_IO_AS_RUN,
     .sets_errno = 1,
     .source = "buflib.h: buffered; a failed write-out fails it",
     .c = "$r = buf_write($o, $buf, (size_t)$n);"},
    {.name = "buf_detach",
     .effect = CO_EFF_DETACH,
     .io = CO_IO_AS_RUN,
     .sets_errno = 1,
     .source = "buflib.h: writes out, frees the stream, hands fd back open",
     .c = "$r = buf_detach($o);"},
    {.name = "buf_close",
     .effect = CO_EFF_CLOSE,
     .io = CO_IO_AS_RUN,
     .sets_errno = 1,
     .source = "buflib.h: writes out and closes fd; -1 if either failed",
     .c = "$r = buf_close($o);"},
};

/* The reproducer's C (closeonce/contract.h): buflib.c built with it, each
 * stream with the target's planted bugs. */
static const struct co_contract_c repro = {
    .head = "#include \"buflib.h\"",
    .build = "-I harness/adapters harness/adapters/buflib.c"};

static const struct co_contract contract = {.layer = "buf",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .repro = &repro};

static void buf_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                     void **obj, int64_t fd, int32_t n,
                     struct co_outcome *out) {
  static const char data[256];
  struct buf *b = *obj;
  long r = -1;
  errno = 0;
  switch (e) {
  case E_OPEN:
    b = buf_open_fd((int)fd, open_modes[mode].name, env->variant);
    *obj = b;
    r = b ? 0 : -1;
    break;
  case E_FD:
    r = buf_fd(b);
    break;
  case E_WRITE:
    r = buf_write(b, data, (size_t)n);
    break;
  case E_DETACH:
    r = buf_detach(b);
    *obj = NULL;
    break;
  case E_CLOSE:
    r = buf_close(b);
    *obj = NULL;
    break;
  default:
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t buf_handle_of(void *obj) {
  return buf_fd(obj);
}

/* Issue 21: the fixture's library is a shared object of its own on Linux
 * (CMakeLists.txt co_fixture_kind): its calls are attributed and faulted
 * (docs/faults.md). */
#if defined(CO_FIXTURES_SHARED)
static const char *const lib_objects[] = {"libco_fixtures.so", NULL};
#else
#define lib_objects NULL
#endif

const struct co_adapter co_adapter_buf = {.version = CO_ADAPTER_VERSION,
                                          .objects = lib_objects,
                                          .contract = &contract,
                                          .call = buf_call,
                                          .handle_of = buf_handle_of};
