/*
 * Standalone reproducer: bzip2 1.0.8, BZ2_bzdopen whose allocation fails
 * (ENOMEM) returns NULL and has already closed the caller's descriptor:
 * bzlib.c bzopen_or_bzdopen makes a FILE over fd with fdopen, and when
 * BZ2_bzWriteOpen (or BZ2_bzReadOpen) fails it fclose()s that FILE, which
 * closes fd. A NULL from fdopen itself leaves fd open: the caller cannot
 * tell the two apart.
 *
 * The fault is injected here, by this program: it defines malloc, which
 * interposes every malloc of the process (libbz2's and libc's own, through
 * their PLT), and fails the N-th one made while `armed` is set, only
 * around the one BZ2_bzdopen call. Other allocations go to glibc's
 * __libc_malloc.
 *
 * cc bzip2-bzdopen-fail-closes.c -lbz2
 * Exit 0: the behaviour described in the .md is there; 1: it is not.
 */
#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);

/* The injector's state: one process, one thread, only around one call. */
static int armed;     /* 1 while BZ2_bzdopen runs */
static int countdown; /* allocations still to pass; 0: this one fails */

void *malloc(size_t size) {
  if (armed) {
    if (countdown-- == 0) {
      errno = ENOMEM;
      return NULL;
    }
  }
  return __libc_malloc(size);
}

/* BZ2_bzdopen(fd, mode) with its n-th allocation (from 0) failed: 1 if
 * it returned NULL with fd closed, 0 if NULL with fd open, -1 otherwise. */
static int try_nth(int fd, const char *mode, int n) {
  BZFILE *b;
  int open_after;
  armed = 1, countdown = n;
  b = BZ2_bzdopen(fd, mode);
  armed = 0;
  if (b) {
    printf("  allocation %d failed: a BZFILE (no allocation failed)\n", n + 1);
    BZ2_bzclose(b);
    return -1;
  }
  open_after = fcntl(fd, F_GETFD) != -1;
  printf("  allocation %d failed: NULL, descriptor %d %s\n", n + 1, fd,
         open_after ? "still open (with the caller)" : "closed by bzip2");
  return !open_after;
}

int main(void) {
  static const char *const modes[] = {"w", "r"};
  int closed_w = 0, closed_r = 0, m, n, fd, r, other, still;
  for (m = 0; m < 2; m++) {
    printf("BZ2_bzdopen(fd, \"%s\"):\n", modes[m]);
    for (n = 0; n < 3; n++) {
      fd = open("/dev/null", O_RDWR);
      if (fd < 0)
        return 2;
      r = try_nth(fd, modes[m], n);
      if (r == 1)
        *(m ? &closed_r : &closed_w) = 1;
      if (r == 0)
        close(fd); /* still the caller's: its own cleanup */
    }
  }
  /* The caller's cleanup after the failure, with the number reused by an
   * unrelated open in between (another thread, or the caller's next open). */
  fd = open("/dev/null", O_RDWR);
  if (fd < 0 || try_nth(fd, "w", 1) != 1)
    return 1;
  other = open("/dev/zero", O_RDONLY);
  close(fd); /* "BZ2_bzdopen failed: the descriptor is still mine" */
  still = fcntl(other, F_GETFD) != -1;
  printf("an unrelated open got %d; after the caller's close(%d) it is %s\n",
         other, fd, still ? "open" : "closed");
  return closed_w && closed_r && other == fd && !still ? 0 : 1;
}
