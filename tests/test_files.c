/*
 * The trace's files: their mode (fchmod, docs/posix.md#fchmod) and their
 * holes (docs/posix.md#blocks, #seek-data, #ftruncate): the
 * block the backend probes, ftruncate, offsets of whole blocks and
 * SEEK_DATA/SEEK_HOLE, against the real kernel in lockstep (the executor
 * compares every step with the model) with the kernel's own values
 * asserted; and the model's rule for each profile (holes in blocks, no
 * holes, not known) through its public API, for file systems this
 * machine may not have.
 */
#include <errno.h>
#include <string.h>

#include "closeonce/model.h"
#include "support.h"

SUP_EXEC_SUITE(files);

static int64_t block(int *holes) {
  const struct co_files *f = co_exec_files(ex);
  cr_assert_gt(f->block, 0, "the POSIX backend probes its files' block");
  *holes = f->holes;
  return f->block;
}

Test(files, ftruncate_rules) {
  int holes;
  int64_t b = block(&holes);
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "ftruncate s0 -1\n"  /* EINVAL, before the descriptor */
             "ftruncate -1 -1\n"  /* EINVAL too */
             "ftruncate -1 5\n"   /* EBADF */
             "s1 = open rdonly\n" /* no write access: EINVAL */
             "ftruncate s1 5\n"
             "write s0 10\n"
             "ftruncate s0 4\n" /* shrink: offset stays at 10 */
             "lseek s0 0 cur\n"
             "lseek s0 0 end\n"
             "ftruncate s0 2b+3\n" /* grow: zeros */
             "lseek s0 0 end\n"
             "lseek s0 2 set\n"
             "read s0 4\n",
             &r);
  REAL_FAIL(1, CO_EINVAL);
  REAL_FAIL(2, CO_EINVAL);
  REAL_FAIL(3, CO_EBADF);
  REAL_FAIL(5, CO_EINVAL);
  REAL_OK(7, 0);
  REAL_OK(8, 10);
  REAL_OK(9, 4);
  REAL_OK(11, 2 * b + 3);
  REAL_OK(13, 4); /* "cd" then two zeros: the model's digest agreed */
}

/* LTP lseek11's file: data at blocks 0, 10, 20 and 128 bytes before the
 * end of 30 blocks. */
static const char lseek11[] =
    "s0 = open rdwr\n"
    "ftruncate s0 30b\n"
    "write s0 12\n"
    "lseek s0 10b set\n"
    "write s0 12\n"
    "lseek s0 20b set\n"
    "write s0 12\n"
    "lseek s0 -128 end\n"
    "write s0 12\n"
    "lseek_ext s0 0 data\n"       /* 9 */
    "lseek_ext s0 4 hole\n"       /* 10 */
    "lseek_ext s0 1b+127 hole\n"  /* 11 */
    "lseek_ext s0 1b data\n"      /* 12 */
    "lseek_ext s0 10b-1 data\n"   /* 13 */
    "lseek_ext s0 10b+4 hole\n"   /* 14 */
    "lseek_ext s0 11b+127 data\n" /* 15 */
    "lseek_ext s0 30b-128 hole\n" /* 16 */
    "lseek_ext s0 30b-1 data\n"   /* 17 */
    "ftruncate s0 1b+5\n"
    "lseek_ext s0 1b data\n"   /* 19: a hole at the end */
    "lseek_ext s0 0 hole\n"    /* 20 */
    "lseek_ext s0 1b+5 hole\n" /* 21: at the end */
    "lseek_ext s0 1 badwhence\n"
    "lseek_ext s0 1 badwhence7\n"
    "lseek_ext s0 1 badwhence-1\n";

Test(files, seek_data_and_hole_land_where_the_file_system_puts_them) {
  int holes;
  int64_t b = block(&holes);
  sup_run_ok(ex, lseek11, &r);
  REAL_OK(9, 0);
  REAL_OK(17, 30 * b - 1);
  REAL_FAIL(21, CO_ENXIO);
  REAL_FAIL(22, CO_EINVAL);
  REAL_FAIL(23, CO_EINVAL);
  REAL_FAIL(24, CO_EINVAL);
  if (holes != 1) {
    cr_log_info("the files' file system makes no holes in blocks (%d): "
                "the kernel's hole offsets are not asserted",
                holes);
    return;
  }
  REAL_OK(10, b);
  REAL_OK(11, b + 127);
  REAL_OK(12, 10 * b);
  REAL_OK(13, 10 * b);
  REAL_OK(14, 11 * b);
  REAL_OK(15, 20 * b);
  REAL_OK(16, 30 * b); /* no hole past it: the end */
  REAL_FAIL(19, CO_ENXIO);
  REAL_OK(20, b);
}

/* The model alone under a profile: the result of step at of text (its
 * last if at is past it). */
static struct co_outcome model_run(const struct co_files *files,
                                   const char *text, size_t at) {
  static const int64_t foreign[] = {0, 1, 2};
  struct co_model *m = co_model_new();
  struct co_model_config cfg;
  struct co_trace t;
  struct co_parse_error pe;
  struct co_outcome pred;
  struct co_aftermath eff;
  size_t i;
  cr_assert_not_null(m);
  memset(&cfg, 0, sizeof cfg);
  cfg.foreign = foreign;
  cfg.nforeign = 3;
  cfg.limit = 1024;
  cfg.platform = CO_PLATFORM_POSIX;
  cfg.files = *files;
  cr_assert_eq(co_model_begin(m, &cfg), 0);
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(text, strlen(text), &t, &pe), 0, "%s",
               pe.message);
  for (i = 0; i < t.len && i <= at; i++) {
    struct co_call c;
    co_model_resolve(m, &t.ops[i], &c);
    co_model_step(m, &t.ops[i], &c, &pred, &eff);
  }
  co_trace_free(&t);
  co_model_free(m);
  return pred;
}
#define model_last(files, text) model_run(files, text, (size_t)-1)

/* lseek11's step at, block 4096, holes as given: its value or error. */
static int64_t model_step(int holes, size_t at, int *err) {
  struct co_files f = {.block = 4096, .holes = holes};
  struct co_outcome o = model_run(&f, lseek11, at);
  *err = o.err;
  return o.ret;
}

Test(files, the_model_follows_its_profile) {
  int err;
  /* holes in blocks of 4096 */
  cr_assert_eq(model_step(1, 10, &err), 4096);
  cr_assert_eq(model_step(1, 13, &err), 10 * 4096);
  cr_assert_eq(model_step(1, 16, &err), 30 * 4096);
  model_step(1, 19, &err);
  cr_assert_eq(err, CO_ENXIO);
  /* no holes (generic_file_llseek): data up to the end */
  cr_assert_eq(model_step(0, 10, &err), 30 * 4096);
  cr_assert_eq(model_step(0, 13, &err), 10 * 4096 - 1);
  cr_assert_eq(model_step(0, 19, &err), 4096);
  /* not known: any offset on a file with a gap */
  cr_assert_eq(model_step(-1, 10, &err), CO_RET_ANY);
  cr_assert_eq(model_step(-1, 0, &err), 3); /* lowest free above 0-2 */
}

Test(files, fchmod_sets_the_mode_of_the_file_every_descriptor_sees) {
  sup_run_ok(ex,
             "s0 = open wronly\n"
             "fstat s0\n"
             "fchmod s0 0444\n"
             "s1 = dup s0\n"
             "s2 = open rdonly\n"
             "fchmod s2 0777\n" /* a read-only descriptor: allowed */
             "fchmod s1 0222\n"
             "fstat s0\n"
             "fstat s2\n"
             "close s1\n"
             "fchmod s1 0666\n"
             "fchmod -1 0666\n",
             &r);
  cr_assert_eq(r.real[1].data >> CO_STAT_PERM_SHIFT & 07777, 0600);
  REAL_OK(2, 0);
  REAL_OK(5, 0);
  cr_assert_eq(r.real[7].data >> CO_STAT_PERM_SHIFT & 07777, 0222);
  cr_assert_eq(r.real[8].data >> CO_STAT_PERM_SHIFT & 07777, 0777);
  REAL_FAIL(10, CO_EBADF);
  REAL_FAIL(11, CO_EBADF);
}

Test(files, reopen_and_created_query) {
  const struct co_files *f = co_exec_files(ex);
  cr_assert(f->reopen, "/proc/thread-self/fd opens again on this machine");
  sup_run_ok(ex,
             "s0 = open rdonly\n" /* by name: O_CREAT created it */
             "created_query s0\n"
             "s1 = dup s0\n" /* the same description */
             "created_query s1\n"
             "s2 = reopen s0 rdwr\n" /* the same file, a new description */
             "created_query s2\n"
             "write s2 4\n"
             "fstat s0\n"       /* one file: the size the write made */
             "lseek s0 0 cur\n" /* its own offset */
             "close s1\n"
             "s3 = reopen s1 rdonly\n" /* no such name: ENOENT */
             "created_query s1\n",
             &r);
  if (f->created_query) {
    REAL_OK(1, 1);
    REAL_OK(3, 1);
    REAL_OK(5, 0);
  }
  cr_assert_eq(r.real[7].data >> CO_STAT_SIZE_SHIFT, 4);
  REAL_OK(8, 0);
  REAL_FAIL(10, CO_ENOENT);
  REAL_FAIL(11, CO_EBADF);
}

Test(files, reopen_and_created_query_follow_the_profile) {
  struct co_files f = {
      .block = 4096, .holes = 1, .tmpfile = 1, .created_query = 1, .reopen = 1};
  /* an owner without CAP_DAC_OVERRIDE: the mode decides */
  cr_assert_eq(model_last(&f, "s0 = open rdwr\nfchmod s0 0200\n"
                              "s1 = reopen s0 rdonly\n")
                   .err,
               CO_EACCES);
  cr_assert_eq(model_last(&f, "s0 = open rdwr\nfchmod s0 0400\n"
                              "s1 = reopen s0 rdonly\n")
                   .ret,
               4);
  f.dac_override = 1;
  cr_assert_eq(model_last(&f, "s0 = open rdwr\nfchmod s0 0000\n"
                              "s1 = reopen s0 rdwr\n")
                   .ret,
               4);
  /* O_TMPFILE: not created by name; without it, every open is */
  cr_assert_eq(model_last(&f, "s0 = open rdwr\ncreated_query s0\n").ret, 0);
  f.tmpfile = 0;
  cr_assert_eq(model_last(&f, "s0 = open rdwr\ncreated_query s0\n").ret, 1);
  f.created_query = 0; /* a kernel before 6.12 */
  cr_assert_eq(model_last(&f, "s0 = open rdwr\ncreated_query s0\n").err,
               CO_EINVAL);
  f.reopen = 0; /* no /proc */
  cr_assert_eq(model_last(&f, "s0 = open rdwr\ns1 = reopen s0 rdwr\n").err,
               CO_ENOSYS);
}
