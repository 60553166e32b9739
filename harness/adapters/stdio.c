/*
 * The stdio layer as an adapter: fdopen adopts a descriptor, fileno lends
 * it, fclose closes it. Contract from man 3 fdopen/fclose and glibc
 * libio/iofdopen.c, with the failure paths observed on glibc 2.36:
 * fdopen(-1) and a closed descriptor fail with EBADF, a mode the
 * description's access forbids or an unknown mode with EINVAL, and in every
 * failure the descriptor stays open, with the caller (docs/posix.md#fdopen).
 * Mode "a" sets O_APPEND on the open file description and, when it was not
 * set already, seeks to the end (iofdopen.c: the seek is done only if
 * fdopen added O_APPEND; found by closeonce's own posix-stdio campaign);
 * "a+" sets O_APPEND without seeking.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"

static const struct co_mode fdopen_modes[] = {
    {"r", 1, CO_NEED_READ, 0, 0, 0},
    {"w", 1, CO_NEED_WRITE, 0, 0, 0},
    {"a", 1, CO_NEED_WRITE, 1, CO_SEEK_IF_SET_APPEND, 0},
    {"r+", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, 0},
    {"w+", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, 0},
    {"a+", 1, CO_NEED_READ | CO_NEED_WRITE, 1, 0, 0},
    {"x", 0, 0, 0, 0, 0}, /* not a mode: EINVAL */
    {NULL, 0, 0, 0, 0, 0}};

enum { E_FDOPEN, E_FILENO, E_FWRITE, E_FCLOSE };

static const struct co_entry entries[] = {
    {"fdopen", CO_EFF_ADOPT_ON_SUCCESS, CO_CHK_VALID | CO_CHK_ACCESS,
     CO_IO_EXACT, 1, fdopen_modes,
     "man 3 fdopen: the descriptor is not dup'ed and is closed when the "
     "stream is closed; glibc libio/iofdopen.c: F_GETFL failure -> EBADF, "
     "access mismatch -> EINVAL, descriptor untouched on failure",
     NULL, "$o = fdopen($fd, $mode);\n$r = $o ? 0 : -1;"},
    {"fileno", CO_EFF_LEND, 0, CO_IO_EXACT, 1, NULL,
     "man 3 fileno: returns the stream's descriptor; the stream keeps it", NULL,
     "$r = fileno($o);"},
    {"fwrite", CO_EFF_USE, 0, CO_IO_EXACT, 1, NULL,
     "fwrite of n bytes then fflush; on failure the glue discards the "
     "unwritten bytes (__fpurge) so nothing is left for fclose",
     NULL,
     "$r = fwrite($buf, 1, (size_t)$n, $o) == (size_t)$n && fflush($o) == 0\n"
     "         ? $n\n"
     "         : -1;\n"
     "if ($r < 0) {\n"
     "  int e = errno;\n"
     "  __fpurge($o);\n"
     "  clearerr($o);\n"
     "  errno = e;\n"
     "}"},
    {"fclose", CO_EFF_CLOSE, 0, CO_IO_EXACT, 1, NULL,
     "man 3 fclose: flushes, closes the descriptor, frees the stream even "
     "when an error is reported",
     NULL, "$r = fclose($o) == 0 ? 0 : -1;"},
};

/* The reproducer's C (closeonce/contract.h): the same calls as the glue. */
static const struct co_contract_c repro = {.head = "#include <stdio_ext.h>"};

static const struct co_contract contract = {.layer = "stdio",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .repro = &repro};

static void stdio_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                       void **obj, int64_t fd, int32_t n,
                       struct co_outcome *out) {
  static const char buf[256];
  FILE *f = *obj;
  long r = 0;
  (void)env;
  errno = 0;
  switch (e) {
  case E_FDOPEN:
    f = fdopen((int)fd, fdopen_modes[mode].name);
    *obj = f;
    r = f ? 0 : -1;
    break;
  case E_FILENO:
    r = fileno(f);
    break;
  case E_FWRITE:
    if (fwrite(buf, 1, (size_t)n, f) != (size_t)n || fflush(f) != 0) {
      int saved = errno;
      __fpurge(f);
      clearerr(f);
      errno = saved;
      r = -1;
    } else {
      r = n;
    }
    break;
  case E_FCLOSE:
    r = fclose(f) == 0 ? 0 : -1;
    *obj = NULL;
    break;
  default:
    r = -1;
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t stdio_handle_of(void *obj) {
  return fileno((FILE *)obj);
}

const struct co_adapter co_adapter_stdio = {.version = CO_ADAPTER_VERSION,
                                            .contract = &contract,
                                            .call = stdio_call,
                                            .handle_of = stdio_handle_of};
