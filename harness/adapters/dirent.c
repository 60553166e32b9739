/*
 * The dirent layer as an adapter (issue 20, evdir): fdopendir adopts a
 * directory descriptor, dirfd lends it, closedir closes it. Contract from
 * man 3 fdopendir, dirfd, closedir and glibc's sysdeps/unix/sysv/linux
 * fdopendir.c and opendir.c (__fdopendir, __alloc_dir), observed on glibc
 * 2.36 (docs/posix.md#fdopendir): fdopendir fstats the descriptor (not
 * open: EBADF) and takes only a directory (ENOTDIR otherwise), leaving the
 * descriptor with the caller on every failure; on success it sets
 * FD_CLOEXEC on it and the stream owns it: closedir closes it, and the
 * caller's own close after that is a double close.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>

#include "closeonce/contract.h"

enum { E_FDOPENDIR, E_DIRFD, E_CLOSEDIR };

static const struct co_entry entries[] = {
    {"fdopendir", CO_EFF_ADOPT_ON_SUCCESS, CO_CHK_VALID | CO_CHK_DIR,
     CO_IO_EXACT | CO_IO_SETS_CLOEXEC, 1, NULL,
     "man 3 fdopendir: the descriptor is used by the stream and closed by "
     "closedir; glibc __fdopendir: fstat (EBADF), S_ISDIR (ENOTDIR), "
     "F_GETFL (O_WRONLY: EINVAL), then __alloc_dir(fd, false) sets "
     "FD_CLOEXEC; the descriptor untouched on failure",
     NULL, "$o = fdopendir($fd);\n$r = $o ? 0 : -1;"},
    {"dirfd", CO_EFF_LEND, 0, CO_IO_EXACT, 1, NULL,
     "man 3 dirfd: the stream's descriptor; the stream keeps it", NULL,
     "$r = dirfd($o);"},
    {"closedir", CO_EFF_CLOSE, 0, CO_IO_EXACT, 1, NULL,
     "man 3 closedir: closes the descriptor the stream holds, frees the "
     "stream; returns what close returned (glibc closedir.c)",
     NULL, "$r = closedir($o) == 0 ? 0 : -1;"},
};

/* The reproducer's C (closeonce/contract.h): the same calls as the glue. */
static const struct co_contract_c repro = {.head = "#include <dirent.h>"};

static const struct co_contract contract = {.layer = "dirent",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .repro = &repro,
                                            .over = CO_OVER_POSIX_FD};

static void dirent_call(const struct co_glue_env *env, unsigned e,
                        unsigned mode, void **obj, int64_t fd, int32_t n,
                        struct co_outcome *out) {
  DIR *d = *obj;
  long r;
  (void)env;
  (void)mode;
  (void)n;
  errno = 0;
  switch (e) {
  case E_FDOPENDIR:
    d = fdopendir((int)fd);
    *obj = d;
    r = d ? 0 : -1;
    break;
  case E_DIRFD:
    r = dirfd(d);
    break;
  case E_CLOSEDIR:
    r = closedir(d) == 0 ? 0 : -1;
    *obj = NULL;
    break;
  default:
    r = -1;
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t dirent_handle_of(void *obj) {
  return dirfd((DIR *)obj);
}

const struct co_adapter co_adapter_dirent = {.version = CO_ADAPTER_VERSION,
                                             .contract = &contract,
                                             .call = dirent_call,
                                             .handle_of = dirent_handle_of};
