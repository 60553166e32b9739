/*
 * The descriptor pager (pager/vfd.h) against the real platform: the window
 * bound, least-recently-used eviction, lending pins, the watermark, the
 * flags a page-in restores, the shared file position, and the error paths.
 * (The model's predictions of the same are checked by the vfd fuzz targets
 * and corpus/vfd; these tests need no model.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "support.h"
#include "vfd.h"
#include "vfd_internal.h"

static char dir[] = "/tmp/closeonce-pager-XXXXXX";
static int serial;

static int vopen(struct vfd_pager *p, unsigned flags) {
  char path[128];
  int v;
  snprintf(path, sizeof path, "%s/f%d", dir, serial++);
  v = vfd_open(p, path, O_RDWR | O_CREAT | O_TRUNC, 0600, flags);
  cr_assert_geq(v, 0, "vfd_open: errno %d", errno);
  unlink(path);
  return v;
}

static struct vfd_pager *pager(unsigned window, int watermark) {
  struct vfd_config cfg = {window, watermark};
  struct vfd_pager *p = vfd_pager_new(&cfg);
  cr_assert_not_null(p);
  return p;
}

static void setup(void) {
  cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void) {
  rmdir(dir);
}

TestSuite(pager, .init = setup, .fini = teardown);

static int is_open(int fd) {
  return fcntl(fd, F_GETFD) >= 0;
}

static int cloexec(int fd) {
  return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

Test(pager, window_bound_and_lru_eviction) {
  struct vfd_pager *p = pager(2, 512);
  int a = vopen(p, 0), b = vopen(p, 0), c = vopen(p, 0), wa, wb;
  cr_expect_eq(vfd_resident(p), 0, "open pages nothing in");
  cr_assert_eq(vfd_write(p, a, "x", 1), 1);
  cr_assert_eq(vfd_write(p, b, "x", 1), 1);
  wa = vfd_window_of(p, a);
  wb = vfd_window_of(p, b);
  cr_assert(wa >= 0 && wb >= 0 && wa < 512 && wb < 512);
  cr_assert_eq(vfd_write(p, a, "x", 1), 1); /* a is now the most recent */
  cr_assert_eq(vfd_page_in(p, c), 0);
  cr_expect_eq(vfd_resident(p), 2);
  cr_expect_eq(vfd_window_of(p, b), -1, "b was the least recently used");
  cr_expect_eq(vfd_window_of(p, a), wa);
  cr_expect_eq(vfd_window_of(p, c), wb, "the lowest free number: b's");
  cr_expect_eq(vfd_pager_free(p), 0);
  cr_expect_not(is_open(wa));
}

Test(pager, lent_descriptor_stays_until_put) {
  struct vfd_pager *p = pager(2, 512);
  int a = vopen(p, 0), b = vopen(p, 0), c = vopen(p, 0), fd, i;
  fd = vfd_get(p, a);
  cr_assert_geq(fd, 0);
  for (i = 0; i < 6; i++)
    cr_assert_eq(vfd_write(p, i % 2 ? b : c, "yy", 2), 2);
  cr_expect_eq(vfd_window_of(p, a), fd, "pinned through the paging");
  cr_expect_eq(write(fd, "z", 1), 1, "the caller may use it");
  cr_expect_eq(vfd_page_out(p, a), -1);
  cr_expect_eq(errno, EBUSY);
  cr_assert_eq(vfd_get(p, b), vfd_window_of(p, b));
  errno = 0;
  cr_expect_eq(vfd_page_in(p, c), -1, "every window descriptor is lent");
  cr_expect_eq(errno, EBUSY);
  cr_expect_eq(vfd_put(p, a), 0);
  cr_expect_eq(vfd_put(p, a), -1, "one put per get");
  cr_expect_eq(errno, EINVAL);
  cr_expect_eq(vfd_page_in(p, c), 0, "a returned descriptor can be evicted");
  cr_expect_eq(vfd_window_of(p, a), -1);
  cr_expect_eq(vfd_window_of(p, c), fd, "a's number, closed and reused");
  cr_expect_eq(vfd_pager_free(p), 0);
}

Test(pager, watermark_flags_and_position) {
  struct vfd_pager *p = pager(1, 300);
  int a = vopen(p, VFD_CLOEXEC), b;
  cr_assert(vfd_parked(p, a) >= 300, "parked at or above the watermark");
  cr_expect(cloexec(vfd_parked(p, a)), "parked descriptors are cloexec");
  cr_assert_eq(vfd_write(p, a, "abc", 3), 3);
  cr_expect(cloexec(vfd_window_of(p, a)), "VFD_CLOEXEC on the window copy");
  b = vfd_dup(p, a);
  cr_assert_geq(b, 0);
  cr_expect_eq(vfd_window_of(p, b), -1, "a dup is paged out");
  cr_assert_eq(vfd_write(p, b, "de", 2), 2);
  cr_expect_eq(vfd_window_of(p, a), -1, "window of 1: a paged out");
  cr_expect_not(cloexec(vfd_window_of(p, b)), "vfd_dup drops VFD_CLOEXEC");
  cr_assert_eq(vfd_page_in(p, a), 0);
  cr_expect_eq(lseek(vfd_window_of(p, a), 0, SEEK_CUR), 5,
               "the position is the open file's: shared and preserved");
  cr_expect(cloexec(vfd_window_of(p, a)), "restored on page-in");
  cr_expect_eq(vfd_pager_free(p), 0);
}

Test(pager, adopt_moves_the_descriptor) {
  struct vfd_pager *p = pager(2, 400);
  int fd = dup(0), v, parked;
  cr_assert_geq(fd, 0);
  v = vfd_adopt(p, fd, 0);
  cr_assert_geq(v, 0);
  parked = vfd_parked(p, v);
  cr_expect_geq(parked, 400);
  cr_expect_not(is_open(fd), "moved: the argument is closed");
  cr_expect_eq(vfd_adopt(p, fd, 0), -1, "a closed descriptor");
  cr_expect_eq(errno, EBADF);
  cr_expect_eq(vfd_count(p), 1, "nothing made on failure");
  cr_expect_eq(vfd_close(p, v), 0);
  cr_expect_not(is_open(parked));
  cr_expect_eq(vfd_close(p, v), -1);
  cr_expect_eq(errno, EBADF);
  cr_expect_eq(vfd_pager_free(p), 0);
}

Test(pager, full_window_range_fails_and_leaves_nothing) {
  /* The watermark at the lowest free number: nothing is free below it. */
  int low = sup_lowest_free();
  struct vfd_pager *p = pager(2, low);
  int a = vopen(p, 0);
  low = sup_lowest_free(); /* where the duplicate lands */
  errno = 0;
  cr_expect_eq(vfd_get(p, a), -1);
  cr_expect_eq(errno, EMFILE);
  cr_expect_not(is_open(low), "the duplicate is closed again");
  cr_expect_eq(vfd_resident(p), 0);
  cr_expect_eq(vfd_pager_free(p), 0);
}

Test(pager, bad_arguments) {
  struct vfd_config zero = {0, 0};
  struct vfd_pager *p = pager(1, 512);
  errno = 0;
  cr_expect_null(vfd_pager_new(&zero), "a window of 0");
  cr_expect_eq(errno, EINVAL);
  cr_expect_eq(vfd_get(p, 0), -1);
  cr_expect_eq(errno, EBADF);
  cr_expect_eq(vfd_write(p, -1, "x", 1), -1);
  cr_expect_eq(errno, EBADF);
  cr_expect_eq(vfd_pager_free(p), 0);
}

/* Many virtual descriptors over a small window: every one keeps its own
 * position across any number of page-outs, the window never grows, and
 * freeing the pager leaves no descriptor behind. */
Test(pager, many_descriptors_keep_their_positions) {
  enum { N = 3000, W = 16, OPS = 30000 };
  struct vfd_pager *p = pager(W, 4096);
  static int v[N], written[N];
  int before = sup_lowest_free(), i;
  unsigned seed = 12345;
  struct rlimit rl;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur < 4096 + N + 64) {
    rl.rlim_cur = 4096 + N + 64;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0,
                 "needs %d descriptors (hard limit %lu)", 4096 + N + 64,
                 (unsigned long)rl.rlim_max);
  }
  for (i = 0; i < N; i++)
    v[i] = vopen(p, i % 3 == 0 ? VFD_CLOEXEC : 0);
  for (i = 0; i < OPS; i++) {
    int k;
    seed = seed * 1103515245u + 12345u;
    k = (int)((seed >> 8) % N);
    cr_assert_eq(vfd_write(p, v[k], "0123456789", (size_t)(k % 7 + 1)),
                 k % 7 + 1);
    written[k] += k % 7 + 1;
    cr_assert_leq(vfd_resident(p), W);
  }
  for (i = 0; i < N; i += 97) {
    int fd = vfd_get(p, v[i]);
    cr_assert_geq(fd, 0);
    cr_assert_eq(lseek(fd, 0, SEEK_CUR), written[i], "vfd %d", i);
    cr_assert_eq(cloexec(fd), i % 3 == 0, "vfd %d", i);
    cr_assert_eq(vfd_put(p, v[i]), 0);
  }
  cr_expect_eq(vfd_count(p), N);
  cr_expect_eq(vfd_pager_free(p), 0);
  cr_expect_eq(sup_lowest_free(), before, "nothing left open");
}

/* The table's growth never overflows an int: it doubles up to INT_MAX
 * entries (2^30 doubled was a negative capacity), then says it is full. */
Test(pager, table_growth_stops_at_int_max) {
  cr_assert_eq(vfd__next_cap(0), 64);
  cr_assert_eq(vfd__next_cap(64), 128);
  cr_assert_eq(vfd__next_cap(1 << 29), 1 << 30);
  cr_assert_eq(vfd__next_cap(1 << 30), INT_MAX);
  cr_assert_eq(vfd__next_cap(INT_MAX / 2 + 1), INT_MAX);
  cr_assert_eq(vfd__next_cap(INT_MAX), -1);
}
