/*
 * libarchive (3.6.2) over a caller's descriptor: archive_read_open_fd and
 * archive_write_open_fd, through the public kit only.
 *
 * Contract, from archive_read_open(3): archive_read_open_fd() is "like
 * archive_read_open(), except that it accepts a file descriptor and block
 * size ... Note that the file descriptor will not be automatically closed
 * at end-of-archive"; archive_write_open(3): archive_write_open_fd() "is a
 * convenience form ... that accepts a file descriptor", and the library
 * never closes it either (archive_write_open_fd.c file_close does not,
 * archive_read_open_fd.c file_close only frees the buffer). So both borrow.
 * What the open functions do, read in those files and observed here:
 *  - both fstat() the descriptor first: a closed one fails the open
 *    (ARCHIVE_FATAL, "Couldn't stat fd"), and the caller keeps nothing
 *    to give back: the descriptor was never taken;
 *  - the read side reads the first block to detect the format (raw and
 *    empty formats here, so any readable file is an archive): the offset
 *    moves by an amount the model does not know (CO_IO_READS); a
 *    write-only descriptor fails the open (read(2) EBADF);
 *  - the write side (the raw format, one regular-file entry, no blocking:
 *    archive_write_set_bytes_per_block(a, 0)) writes each
 *    archive_write_data() straight through with one write(2). A failed
 *    write returns an error but does not make the archive fail for good:
 *    the next write is issued again (observed); the raw format writes
 *    nothing at close, and archive_free() returns ARCHIVE_OK.
 * libarchive keeps its errors in the archive (archive_errno); failures
 * compare as "failed".
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>

#include <closeonce/contract.h>
#include <closeonce/error.h>

#include "libs.h"

static const struct co_mode read_mode[] = {
    {.name = "r", .valid = 1, .needs = CO_NEED_READ}, {.name = NULL}};
static const struct co_mode write_mode[] = {
    {.name = "w", .valid = 1, .needs = CO_NEED_WRITE}, {.name = NULL}};

enum { READ_OPEN, WRITE_OPEN, WRITE_DATA, FREE };

static const struct co_entry entries[] = {
    [READ_OPEN] = {.name = "archive_read_open_fd",
                   .effect = CO_EFF_BORROW,
                   .checks = CO_CHK_VALID | CO_CHK_ACCESS,
                   .io = CO_IO_READS,
                   .modes = read_mode,
                   .source = "archive_read_open(3): the descriptor is not "
                             "closed; archive_read_open_fd.c: fstat, read",
                   .c = "$o = libarchive_open($fd, 0);\n$r = $o ? 0 : -1;"},
    [WRITE_OPEN] = {.name = "archive_write_open_fd",
                    .effect = CO_EFF_BORROW,
                    .checks = CO_CHK_VALID,
                    .modes = write_mode,
                    .source = "archive_write_open(3); "
                              "archive_write_open_fd.c: fstat, never closes",
                    .c = "$o = libarchive_open($fd, 1);\n$r = $o ? 0 : -1;"},
    [WRITE_DATA] = {.name = "archive_write_data",
                    .effect = CO_EFF_USE,
                    .source = "archive_write_data(3), raw format, no "
                              "blocking: one write(2) (observed: a failed "
                              "write is not sticky)",
                    .c = "struct libarchive_arc *a = $o;\n"
                         "$r = a->writing ? (long)archive_write_data(a->a, "
                         "$buf, (size_t)$n)\n"
                         "                : -1;\n"
                         "if ($r < 0)\n"
                         "  $r = -1;"},
    [FREE] = {.name = "archive_free",
              .effect = CO_EFF_CLOSE,
              .source = "archive_free(3) (read or write); the fd "
                        "callbacks' file_close does not close it",
              .c = "struct libarchive_arc *a = $o;\n"
                   "$r = archive_free(a->a) == ARCHIVE_OK ? 0 : -1;\n"
                   "free(a);"},
};

/* The reproducer's C (closeonce/contract.h): the glue's calls; a write
 * call on a reading archive refused, as the glue does. */
static const struct co_contract_c repro = {
    .head = "#include <archive.h>\n"
            "#include <archive_entry.h>\n"
            "\n"
            "struct libarchive_arc {\n"
            "  struct archive *a;\n"
            "  int writing;\n"
            "};\n"
            "\n"
            "static inline struct archive *libarchive_reader(int fd) {\n"
            "  struct archive *a = archive_read_new();\n"
            "  if (a && (archive_read_support_format_raw(a) != ARCHIVE_OK ||\n"
            "            archive_read_support_format_empty(a) != ARCHIVE_OK "
            "||\n"
            "            archive_read_open_fd(a, fd, 4096) != ARCHIVE_OK)) {\n"
            "    archive_read_free(a);\n"
            "    a = NULL;\n"
            "  }\n"
            "  return a;\n"
            "}\n"
            "\n"
            "static inline struct archive *libarchive_writer(int fd) {\n"
            "  struct archive *a = archive_write_new();\n"
            "  struct archive_entry *en = NULL;\n"
            "  int ok = a && archive_write_set_format_raw(a) == ARCHIVE_OK &&\n"
            "           archive_write_add_filter_none(a) == ARCHIVE_OK &&\n"
            "           archive_write_set_bytes_per_block(a, 0) == ARCHIVE_OK "
            "&&\n"
            "           archive_write_open_fd(a, fd) == ARCHIVE_OK &&\n"
            "           (en = archive_entry_new()) != NULL;\n"
            "  if (ok) {\n"
            "    archive_entry_set_pathname(en, \"data\");\n"
            "    archive_entry_set_filetype(en, AE_IFREG);\n"
            "    ok = archive_write_header(a, en) == ARCHIVE_OK;\n"
            "  }\n"
            "  archive_entry_free(en);\n"
            "  if (!ok && a) {\n"
            "    archive_write_free(a);\n"
            "    a = NULL;\n"
            "  }\n"
            "  return a;\n"
            "}\n"
            "\n"
            "static inline void *libarchive_open(int fd, int writing) {\n"
            "  struct libarchive_arc *o = malloc(sizeof *o);\n"
            "  if (!o)\n"
            "    return NULL;\n"
            "  o->writing = writing;\n"
            "  if (!(o->a = writing ? libarchive_writer(fd) : "
            "libarchive_reader(fd))) {\n"
            "    free(o);\n"
            "    return NULL;\n"
            "  }\n"
            "  return o;\n"
            "}",
    .build = "$(pkg-config --cflags --libs libarchive)"};

static const struct co_contract contract = {
    .layer = "libarchive", .entries = entries, .nentries = 4, .repro = &repro};

static struct archive *read_open(int fd) {
  struct archive *a = archive_read_new();
  if (!a)
    return NULL;
  if (archive_read_support_format_raw(a) != ARCHIVE_OK ||
      archive_read_support_format_empty(a) != ARCHIVE_OK ||
      archive_read_open_fd(a, fd, 4096) != ARCHIVE_OK) {
    archive_read_free(a);
    return NULL;
  }
  return a;
}

static struct archive *write_open(int fd) {
  struct archive *a = archive_write_new();
  struct archive_entry *en;
  int ok;
  if (!a)
    return NULL;
  if (archive_write_set_format_raw(a) != ARCHIVE_OK ||
      archive_write_add_filter_none(a) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    archive_write_free(a);
    return NULL;
  }
  if (!(en = archive_entry_new())) {
    archive_write_free(a);
    return NULL;
  }
  archive_entry_set_pathname(en, "data");
  archive_entry_set_filetype(en, AE_IFREG);
  ok = archive_write_header(a, en) == ARCHIVE_OK;
  archive_entry_free(en);
  if (!ok) {
    archive_write_free(a);
    return NULL;
  }
  return a;
}

/* The object: libarchive has one handle type for both directions, and
 * calling a write function on a reading archive jumps through an empty
 * vtable slot; the glue refuses that call instead (the model predicts the
 * failure from the object's mode). */
struct arc {
  struct archive *a;
  int writing;
};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const char buf[256];
  struct arc *o = *obj;
  long r = -1;
  (void)env;
  (void)mode;
  switch (e) {
  case READ_OPEN:
  case WRITE_OPEN:
    *obj = NULL;
    if (!(o = malloc(sizeof *o)))
      break;
    o->writing = e == WRITE_OPEN;
    o->a = o->writing ? write_open((int)fd) : read_open((int)fd);
    if (o->a) {
      *obj = o;
      r = 0;
    } else
      free(o);
    break;
  case WRITE_DATA:
    if (o->writing)
      r = archive_write_data(o->a, buf, (size_t)n);
    break;
  case FREE:
    r = archive_free(o->a) == ARCHIVE_OK ? 0 : -1;
    free(o);
    *obj = NULL;
    break;
  }
  co_outcome_failed_if(out, r, errno);
}

/* The shared objects whose own calls are the library's (issue 21:
 * attributed and faulted, docs/faults.md). */
static const char *const lib_objects[] = {"libarchive.so", NULL};

const struct co_adapter co_lib_libarchive = {
    .version = CO_ADAPTER_VERSION, .objects = lib_objects,
    .nofault = CO_NOFAULT_ALLOC, .contract = &contract, .call = glue};
