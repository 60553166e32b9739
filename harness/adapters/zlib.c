/*
 * zlib's gzFile over a descriptor: gzdopen adopts, gzwrite writes through it,
 * gzclose closes it.
 *
 * Contract from zlib.h (1.2.13): "gzdopen associates a gzFile with the file
 * descriptor fd ... The next call of gzclose on the returned gzFile will
 * also close the file descriptor fd ... If you are using fileno() to get the
 * file descriptor from a FILE *, then you will have to use dup() to avoid
 * double-close()ing the file descriptor." Failure paths, read in gzlib.c
 * (gz_open, gzdopen) and observed on Debian's zlib 1.2.13:
 *  - fd -1, a mode without r/w/a, or '+' in the mode: NULL, and the
 *    descriptor stays with the caller (adopt on success);
 *  - the descriptor is never checked: a closed one, or a read-only one with
 *    "w", is accepted, and the failure shows only at gzwrite/gzclose;
 *  - "a" seeks the descriptor to its end (LSEEK SEEK_END) but does not set
 *    O_APPEND;
 *  - gzclose always closes the descriptor and frees the gzFile; it returns
 *    an error if the final write or the close fails;
 *  - a failed write is sticky (gz_error): later gzwrite/gzflush fail
 *    without a system call; gzclose still writes the pending output
 *    (gzclose_w calls gz_comp(Z_FINISH) whatever state->err is) and closes
 *    the descriptor number, into and on whatever file it names by then.
 * zlib does not set errno reliably (gzdopen's NULL says nothing), so failures
 * are compared as "failed"; compression makes the bytes written unknown, so
 * the description's offset and size become unknown after gzwrite/gzclose.
 * zlib does not expose the descriptor of a gzFile: no handle_of.
 */
#include <errno.h>
#include <zlib.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"

static const struct co_mode gz_modes[] = {
    {"r", 1, CO_NEED_READ, 0, CO_SEEK_NEVER, 0},
    {"w", 1, CO_NEED_WRITE, 0, CO_SEEK_NEVER, 0},
    {"a", 1, CO_NEED_WRITE, 0, CO_SEEK_ALWAYS, 0},
    {"w+", 0, 0, 0, CO_SEEK_NEVER, 0}, /* '+': NULL */
    {"q", 0, 0, 0, CO_SEEK_NEVER, 0},  /* no r/w/a: NULL */
    {NULL, 0, 0, 0, 0, 0}};

enum { E_GZDOPEN, E_GZWRITE, E_GZCLOSE };

static const struct co_entry entries[] = {
    {"gzdopen", CO_EFF_ADOPT_ON_SUCCESS, 0, CO_IO_OPAQUE, 0, gz_modes,
     "zlib.h gzdopen; gzlib.c gz_open: no check of fd, NULL keeps it", NULL,
     "$o = gzdopen($fd, $mode);\n$r = $o ? 0 : -1;"},
    {"gzwrite", CO_EFF_USE, 0, CO_IO_OPAQUE | CO_IO_STICKY, 0, NULL,
     "gzwrite of n bytes then gzflush(Z_SYNC_FLUSH)", NULL,
     "$r = gzwrite($o, $buf, $n) == $n && gzflush($o, Z_SYNC_FLUSH) == Z_OK\n"
     "         ? $n\n"
     "         : -1;"},
    {"gzclose", CO_EFF_CLOSE, 0, CO_IO_OPAQUE | CO_IO_STICKY, 0, NULL,
     "zlib.h gzclose: closes the descriptor and frees the state, always", NULL,
     "$r = gzclose($o) == Z_OK ? 0 : -1;"},
};

/* The reproducer's C (closeonce/contract.h): the same calls as the glue. */
static const struct co_contract_c repro = {.head = "#include <zlib.h>",
                                           .build = "-lz"};

static const struct co_contract contract = {.layer = "zlib",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .repro = &repro};

static void zlib_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                      void **obj, int64_t fd, int32_t n,
                      struct co_outcome *out) {
  static const char buf[256];
  gzFile g = *obj;
  long r = 0;
  (void)env;
  switch (e) {
  case E_GZDOPEN:
    g = gzdopen((int)fd, gz_modes[mode].name);
    *obj = g;
    r = g ? 0 : -1;
    break;
  case E_GZWRITE:
    r = gzwrite(g, buf, (unsigned)n) == n && gzflush(g, Z_SYNC_FLUSH) == Z_OK
            ? n
            : -1;
    break;
  case E_GZCLOSE:
    r = gzclose(g) == Z_OK ? 0 : -1;
    *obj = NULL;
    break;
  default:
    r = -1;
  }
  co_outcome_failed_if(out, r, errno);
}

/* The shared objects whose own calls are the library's (issue 21:
 * attributed and faulted, docs/faults.md). */
static const char *const lib_objects[] = {"libz.so", NULL};

const struct co_adapter co_adapter_zlib = {.version = CO_ADAPTER_VERSION,
                                           .objects = lib_objects,
                                           .contract = &contract,
                                           .call = zlib_call,
                                           .handle_of = NULL};
