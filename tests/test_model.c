/*
 * Every model rule against the real kernel. Each test runs a trace through
 * the executor (real system calls, compared with the model at every step)
 * and asserts the values the kernel itself returned, so a rule that model
 * and test both got wrong still fails here.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "support.h"

SUP_EXEC_SUITE(model);

#define REAL_ERR(i, e, rawe)                                                   \
  do {                                                                         \
    cr_assert_eq(r.real[i].ret, -1, "step %d returned %lld, want -1", i,       \
                 (long long)r.real[i].ret);                                    \
    cr_assert_eq(r.real[i].err, (e), "step %d: %s, want %s", i,                \
                 co_err_name(r.real[i].err), co_err_name(e));                  \
    cr_assert_eq(r.real[i].raw, (rawe), "step %d: errno %d", i,                \
                 r.real[i].raw);                                               \
  } while (0)

Test(model, open_takes_the_lowest_free_number_of_the_real_process) {
  /* Criterion's test process already holds several descriptors; the
   * first open gets whatever is lowest free, not 3
   * (docs/posix.md#foreign). */
  int low = sup_lowest_free();
  sup_run_ok(ex, "s0 = open rdwr\ns1 = open rdwr\nclose s0\ns2 = open rdwr\n",
             &r);
  REAL_OK(0, low);
  cr_assert_gt(r.real[1].ret, low);
  REAL_OK(3, low); /* reused at once */
}

Test(model, double_close_gives_ebadf) {
  sup_run_ok(ex, "s0 = open rdwr\nclose s0\nclose s0\n", &r);
  REAL_OK(1, 0);
  REAL_ERR(2, CO_EBADF, EBADF);
  cr_assert_eq(r.sit_a[2], CO_SIT_STALE);
}

Test(model, stale_close_after_reuse_closes_the_other_slots_file) {
  /* s0's number is closed and handed to s1 by the next open; closing s0
   * again succeeds and closes s1's file: the silent double close. */
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "close s0\n"
             "s1 = open rdwr\n"
             "close s0\n"
             "write s1 4\n"
             "close s1\n",
             &r);
  cr_assert_eq(r.real[2].ret, r.real[0].ret, "the number was not reused");
  cr_assert_eq(r.sit_a[3], CO_SIT_REUSED);
  REAL_OK(3, 0);                /* the stale close "works" */
  REAL_ERR(4, CO_EBADF, EBADF); /* s1's file is gone */
  REAL_ERR(5, CO_EBADF, EBADF); /* and s1's own close now fails */
}

Test(model, dup2_onto_itself_keeps_cloexec) {
  sup_run_ok(ex, "s0 = open rdwr cloexec\ns1 = dup2 s0 s0\ngetfd s0\n", &r);
  REAL_OK(1, r.real[0].ret);
  REAL_OK(2, 1);
}

Test(model, dup2_onto_itself_of_a_closed_number_is_ebadf) {
  sup_run_ok(ex, "s0 = open rdwr\nclose s0\ns1 = dup2 s0 s0\n", &r);
  REAL_ERR(2, CO_EBADF, EBADF);
}

Test(model, dup2_onto_a_live_number_closes_it_and_clears_cloexec) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "s1 = open rdwr cloexec\n"
             "write s0 7\n"
             "s2 = dup2 s0 s1\n"
             "getfd s1\n"
             "lseek s1 0 cur\n",
             &r);
  REAL_OK(3, r.real[1].ret);
  REAL_OK(4, 0); /* cloexec off on the new descriptor */
  REAL_OK(5, 7); /* s1 now shares s0's offset */
}

Test(model, dup2_onto_a_free_number) {
  sup_run_ok(ex, "s0 = open rdwr\ns1 = dup2 s0 f5\ngetfd s1\nclose s1\n", &r);
  cr_assert_eq(r.real[1].err, CO_OK);
  cr_assert_eq(r.real[1].ret, r.call[1].b);
  REAL_OK(3, 0);
}

Test(model, dup2_from_a_closed_number_leaves_the_target_open) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "s1 = open rdwr\n"
             "close s0\n"
             "s2 = dup2 s0 s1\n"
             "getfd s1\n",
             &r);
  REAL_ERR(3, CO_EBADF, EBADF);
  REAL_OK(4, 0); /* still open */
}

Test(model, dup2_target_at_or_beyond_the_limit_or_negative_is_ebadf) {
  sup_run_ok(ex, "s0 = open rdwr\ns1 = dup2 s0 limit\ns1 = dup2 s0 -1\n", &r);
  REAL_ERR(1, CO_EBADF, EBADF);
  REAL_ERR(2, CO_EBADF, EBADF);
}

Test(model, dup3_rules) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "s1 = dup3 s0 s0\n"          /* same number: EINVAL */
             "s1 = dup3 s0 f6 badflags\n" /* bad flags: EINVAL */
             "s1 = dup3 s0 f6 cloexec\n"  /* sets cloexec */
             "getfd s1\n"
             "s2 = dup3 s0 limit\n" /* EBADF */
             "close s0\n"
             "s2 = dup3 s0 f7 badflags\n" /* flags checked first */
             "s2 = dup3 s0 f7\n",         /* closed source: EBADF */
             &r);
  REAL_ERR(1, CO_EINVAL, EINVAL);
  REAL_ERR(2, CO_EINVAL, EINVAL);
  cr_assert_eq(r.real[3].err, CO_OK);
  REAL_OK(4, 1);
  REAL_ERR(5, CO_EBADF, EBADF);
  REAL_ERR(7, CO_EINVAL, EINVAL);
  REAL_ERR(8, CO_EBADF, EBADF);
}

Test(model, fcntl_dupfd_minimum_and_errors) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "s1 = dupfd s0 f9\n"
             "getfd s1\n"
             "s2 = dupfd s0 f9 cloexec\n"
             "getfd s2\n"
             "s3 = dupfd s0 limit\n"
             "s3 = dupfd s0 -1\n"
             "close s0\n"
             "s3 = dupfd s0 limit\n",
             &r);
  cr_assert_eq(r.real[1].ret, r.call[1].b, "lowest free >= f9 is f9");
  REAL_OK(2, 0);
  cr_assert_gt(r.real[3].ret, r.real[1].ret);
  REAL_OK(4, 1);
  REAL_ERR(5, CO_EINVAL, EINVAL); /* not EBADF (docs/posix.md#fcntl-dupfd) */
  REAL_ERR(6, CO_EINVAL, EINVAL);
  REAL_ERR(8, CO_EBADF, EBADF); /* descriptor checked before the minimum */
}

Test(model, dup_shares_the_offset_a_second_open_does_not) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "s1 = dup s0\n"
             "write s0 5\n"
             "lseek s1 0 cur\n"
             "s2 = open rdwr\n"
             "lseek s2 0 cur\n"
             "lseek s1 2 set\n"
             "lseek s0 0 cur\n",
             &r);
  REAL_OK(3, 5);
  REAL_OK(5, 0);
  REAL_OK(7, 2);
}

Test(model, cloexec_is_per_descriptor) {
  sup_run_ok(ex,
             "s0 = open rdwr cloexec\n"
             "s1 = dup s0\n"
             "getfd s0\n"
             "getfd s1\n"
             "setfd s1 cloexec\n"
             "setfd s0\n"
             "getfd s0\n"
             "getfd s1\n",
             &r);
  REAL_OK(2, 1);
  REAL_OK(3, 0); /* dup clears it */
  REAL_OK(6, 0);
  REAL_OK(7, 1);
}

Test(model, status_flags_belong_to_the_open_file_description) {
  sup_run_ok(ex,
             "s0 = open wronly\n"
             "s1 = dup s0\n"
             "getfl s0\n"
             "setfl s1 append\n"
             "getfl s0\n"
             "s2 = open rdonly append\n"
             "getfl s2\n",
             &r);
  REAL_OK(2, CO_F_ACC_WRONLY);
  REAL_OK(4, CO_F_ACC_WRONLY | CO_F_APPEND);
  REAL_OK(6, CO_F_ACC_RDONLY | CO_F_APPEND);
}

Test(model, write_needs_write_access_and_append_writes_at_the_end) {
  sup_run_ok(ex,
             "s0 = open rdonly\n"
             "write s0 3\n"
             "write s0 0\n"
             "s1 = open rdwr append\n"
             "write s1 5\n"
             "lseek s1 0 set\n"
             "write s1 3\n"
             "lseek s1 0 cur\n"
             "write s1 0\n"
             "s2 = open wronly\n"
             "write s2 0\n"
             "lseek s2 0 cur\n",
             &r);
  REAL_ERR(1, CO_EBADF, EBADF);
  REAL_ERR(2, CO_EBADF, EBADF); /* even for 0 bytes */
  REAL_OK(6, 3);
  REAL_OK(7, 8); /* appended after the first 5 */
  REAL_OK(8, 0);
  REAL_OK(10, 0);
  REAL_OK(11, 0);
}

Test(model, lseek_rules) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "write s0 10\n"
             "lseek s0 -3 end\n"
             "lseek s0 -8 cur\n"
             "lseek s0 -1 set\n"
             "lseek s0 0 cur\n"
             "lseek s0 50 end\n",
             &r);
  REAL_OK(2, 7);
  REAL_ERR(3, CO_EINVAL, EINVAL);
  REAL_ERR(4, CO_EINVAL, EINVAL);
  REAL_OK(5, 7); /* unchanged by the failures */
  REAL_OK(6, 60);
}

Test(model, close_range_closes_or_marks_and_checks_its_bounds) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "s1 = open rdwr\n"
             "s2 = open rdwr\n"
             "close_range s1 s0\n" /* first > last: EINVAL */
             "close_range s1 s2 cloexec\n"
             "getfd s1\n"
             "getfd s0\n"
             "close_range s1 -1\n"
             "getfd s2\n"
             "getfd s0\n",
             &r);
  REAL_ERR(3, CO_EINVAL, EINVAL);
  REAL_OK(4, 0);
  REAL_OK(5, 1);
  REAL_OK(6, 0);
  REAL_OK(7, 0);
  REAL_ERR(8, CO_EBADF, EBADF);
  REAL_OK(9, 0);
}

Test(model, unset_slots_and_minus_one_are_ebadf) {
  sup_run_ok(ex, "close s7\nclose -1\ngetfd s3\ns0 = dup s9\nwrite -1 1\n", &r);
  REAL_ERR(0, CO_EBADF, EBADF);
  REAL_ERR(1, CO_EBADF, EBADF);
  REAL_ERR(2, CO_EBADF, EBADF);
  REAL_ERR(3, CO_EBADF, EBADF);
  REAL_ERR(4, CO_EBADF, EBADF);
  cr_assert_eq(r.sit_a[0], CO_SIT_UNSET);
}

Test(model, a_failed_dup_sets_its_slot_to_minus_one) {
  /* s0 = dup(closed) assigns -1 to s0, as C would; s0 no longer names its
   * old number. */
  sup_run_ok(ex,
             "s0 = open rdwr\ns1 = open rdwr\nclose s1\ns0 = dup s1\n"
             "close s0\n",
             &r);
  REAL_ERR(3, CO_EBADF, EBADF);
  cr_assert_eq(r.call[4].a, -1);
  REAL_ERR(4, CO_EBADF, EBADF);
}

Test(model, emfile_at_the_descriptor_limit) {
  /* Lower RLIMIT_NOFILE (Criterion runs each test in its own process) so
   * that the table fills within a trace: three numbers are left for it. */
  struct rlimit rl;
  struct co_exec *small;
  int fds[4], i;
  /* The next four free numbers (holes from the test runner included): the
   * executor's directory takes the first, the trace gets three. */
  for (i = 0; i < 4; i++)
    cr_assert_geq(fds[i] = open("/dev/null", O_RDONLY), 0);
  for (i = 0; i < 4; i++)
    close(fds[i]);
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  rl.rlim_cur = (rlim_t)fds[3] + 1;
  cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
  small = sup_exec();
  sup_run_ok(small,
             "s0 = open rdwr\n"
             "s1 = dup s0\n"
             "s2 = dupfd s0 f0\n"
             "s3 = open rdwr\n"
             "s4 = dup s0\n"
             "s5 = dupfd s0 f1\n"
             "s6 = dup2 s0 limit\n"
             "close s1\n"
             "s7 = dup s0\n",
             &r);
  cr_assert_eq(r.real[2].err, CO_OK);
  REAL_ERR(3, CO_EMFILE, EMFILE);
  REAL_ERR(4, CO_EMFILE, EMFILE);
  REAL_ERR(5, CO_EMFILE, EMFILE);
  REAL_ERR(6, CO_EBADF, EBADF);
  REAL_OK(8, r.real[1].ret);
  co_exec_free(small);
}
