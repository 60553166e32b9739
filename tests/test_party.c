/*
 * A second party that shares the descriptor table (docs/posix.md#party):
 * "thread child" runs the operations that follow in a second thread of the
 * harness, against the real kernel in lockstep, with the kernel's own
 * values asserted: the shared table until a CLOSE_RANGE_UNSHARE, then a
 * copy of the caller's, which ends with the thread ("thread end").
 */
#include <errno.h>
#include <string.h>

#include "support.h"

SUP_EXEC_SUITE(party);

Test(party, the_child_acts_on_the_shared_table) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "thread child\n"
             "s1 = dup s0\n" /* in the one table */
             "setfd s0 cloexec\n"
             "thread main\n"
             "getfd s0\n" /* the child's mark */
             "close s1\n" /* the child's dup */
             "thread child\n"
             "getfd s1\n", /* closed for the child too */
             &r);
  REAL_OK(5, 1);
  REAL_OK(6, 0);
  REAL_FAIL(8, CO_EBADF);
}

Test(party, unshare_gives_the_caller_a_copy_that_ends_with_the_thread) {
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "thread child\n"
             "close_range s0 s0 unshare\n" /* the child's copy */
             "getfd s0\n"
             "s1 = open rdwr\n" /* s0's number, in the child's table */
             "thread main\n"
             "getfd s0\n"       /* the parent's s0, still open */
             "s2 = open rdwr\n" /* the parent's next number */
             "thread child\n"
             "getfd s2\n" /* not in the child's table */
             "getfd s1\n"
             "thread end\n" /* its table closes with it */
             "close s0\n"
             "close s2\n",
             &r);
  REAL_OK(2, 0);
  REAL_FAIL(3, CO_EBADF);
  REAL_OK(4, r.real[0].ret); /* the lowest number free in its own table */
  REAL_OK(6, 0);
  cr_assert_gt(r.real[7].ret, r.real[0].ret);
  REAL_FAIL(9, CO_EBADF);
  REAL_OK(10, 0);
  REAL_OK(12, 0);
  REAL_OK(13, 0);
}

Test(party, unshare_without_a_second_thread_copies_nothing) {
  /* one thread: the table is not shared, close_range acts on it */
  sup_run_ok(ex,
             "s0 = open rdwr\n"
             "close_range s0 s0 unshare\n"
             "getfd s0\n",
             &r);
  REAL_OK(1, 0);
  REAL_FAIL(2, CO_EBADF);
}
