/*
 * bzip2's zlib-style stream interface (libbz2 1.0.8): BZ2_bzdopen,
 * BZ2_bzwrite, BZ2_bzclose, through the public kit only.
 *
 * Contract. The manual (bzip2 1.0.8, "3.5 zlib-compatibility functions")
 * says only: "BZ2_bzdopen ... Opens a .bz2 file for reading or writing"
 * over a descriptor, and "BZ2_bzclose ... Closes the file"; these
 * functions "are not officially part of the library" and "are
 * undocumented" beyond that. What they do, read in bzlib.c
 * (bzopen_or_bzdopen, BZ2_bzclose) and observed here:
 *  - the mode is scanned letter by letter: 'w' writes, 'r' reads, 's'
 *    small, a digit the block size (clamped to 1..9); anything else is
 *    ignored, so "a" or "" open for reading. Then fdopen(fd, "wb"/"rb"):
 *    glibc checks the descriptor (EBADF if not open, EINVAL if its access
 *    lacks the mode's), and on failure NULL is returned with the
 *    descriptor left with the caller. On success the BZFILE owns it
 *    through its FILE. When an allocation after fdopen fails
 *    (BZ2_bzWriteOpen's or BZ2_bzReadOpen's), bzip2 fclose()s that FILE:
 *    NULL, with the caller's descriptor closed, against this contract
 *    (reports/findings/bzip2-bzdopen-fail-closes.md);
 *  - BZ2_bzwrite compresses into memory: a small write makes no system
 *    call, and never reports the descriptor's state (CO_IO_SILENT);
 *    on a reading BZFILE it fails (BZ_SEQUENCE_ERROR) without touching
 *    the descriptor;
 *  - BZ2_bzclose returns void: it finishes the stream (writing the
 *    trailer) and fclose()s, which closes the descriptor, always. When
 *    that last write fails it leaks the BZFILE
 *    (reports/findings/bzip2-bzclose-leaks-after-write-error.md).
 * bzip2 does not set errno for its own errors: failures compare as
 * "failed" (sets_errno 0).
 */
#include <bzlib.h>
#include <errno.h>

#include <closeonce/contract.h>
#include <closeonce/error.h>

#include "libs.h"

static const struct co_mode modes[] = {
    {.name = "w", .valid = 1, .needs = CO_NEED_WRITE},
    {.name = "w1", .valid = 1, .needs = CO_NEED_WRITE},
    {.name = "r", .valid = 1, .needs = CO_NEED_READ},
    /* no 'w': read, whatever the letters say */
    {.name = "a", .valid = 1, .needs = CO_NEED_READ},
    {.name = NULL}};

enum { DOPEN, WRITE, CLOSE };

static const struct co_entry entries[] = {
    [DOPEN] = {.name = "BZ2_bzdopen",
               .effect = CO_EFF_ADOPT_ON_SUCCESS,
               .checks = CO_CHK_VALID | CO_CHK_ACCESS,
               .io = CO_IO_OPAQUE,
               .modes = modes,
               .source = "bzip2 manual 3.5; bzlib.c bzopen_or_bzdopen: "
                         "fdopen(fd, mode), NULL leaves fd with the caller",
               .c = "$o = BZ2_bzdopen($fd, $mode);\n$r = $o ? 0 : -1;"},
    [WRITE] = {.name = "BZ2_bzwrite",
               .effect = CO_EFF_USE,
               .io = CO_IO_OPAQUE | CO_IO_SILENT,
               .source = "bzlib.c BZ2_bzWrite: compresses into memory",
               .c = "$r = BZ2_bzwrite($o, (void *)$buf, $n);\n"
                    "if ($r < 0)\n"
                    "  $r = -1;"},
    [CLOSE] = {.name = "BZ2_bzclose",
               .effect = CO_EFF_CLOSE,
               .io = CO_IO_OPAQUE | CO_IO_SILENT,
               .source = "bzip2 manual 3.5: closes the file; bzlib.c: void, "
                         "fclose() always",
               .c = "BZ2_bzclose($o);\n$r = 0;"},
};

/* The reproducer's C (closeonce/contract.h): the glue's calls. */
static const struct co_contract_c repro = {.head = "#include <bzlib.h>",
                                           .build = "-lbz2"};

static const struct co_contract contract = {
    .layer = "bzip2", .entries = entries, .nentries = 3, .repro = &repro};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const char buf[256]; /* read only: the write functions take void * */
  long r = -1;
  (void)env;
  switch (e) {
  case DOPEN:
    *obj = BZ2_bzdopen((int)fd, modes[mode].name);
    r = *obj ? 0 : -1;
    break;
  case WRITE:
    r = BZ2_bzwrite(*obj, (void *)buf, n);
    break;
  case CLOSE:
    BZ2_bzclose(*obj);
    *obj = NULL;
    r = 0;
    break;
  }
  co_outcome_failed_if(out, r, errno);
}

/* The shared objects whose own calls are the library's (issue 21:
 * attributed and faulted, docs/faults.md). */
static const char *const lib_objects[] = {"libbz2.so", NULL};

const struct co_adapter co_lib_bzip2 = {.version = CO_ADAPTER_VERSION,
                                        .objects = lib_objects,
                                        .contract = &contract,
                                        .call = glue};
