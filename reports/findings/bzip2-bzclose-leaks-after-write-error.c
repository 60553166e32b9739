/*
 * Standalone reproducer: bzip2 1.0.8, BZ2_bzclose of a writing BZFILE whose
 * output failed (here: a pipe whose reader is gone, EPIPE) closes the
 * descriptor but never frees the BZFILE and its compressor state (about
 * 7.6 MB at the default block size): bzlib.c BZ2_bzWriteClose64 returns
 * early on ferror(), before its free, and BZ2_bzclose calls it again
 * (abandon = 1), which returns early the same way.
 *
 * cc bzip2-bzclose-leaks-after-write-error.c -lbz2
 * valgrind --leak-check=full --errors-for-leak-kinds=definite \
 *   --error-exitcode=99 ./a.out        -> 99 while the bug is there
 * Exit 0 otherwise: the descriptor was closed all the same.
 * closeonce-test: valgrind
 */
#include <bzlib.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  static char data[1 << 16];
  int p[2];
  BZFILE *b;
  signal(SIGPIPE, SIG_IGN);
  if (pipe(p) < 0)
    return 2;
  close(p[0]); /* the reader goes away */
  b = BZ2_bzdopen(p[1], "w");
  if (!b)
    return 2;
  BZ2_bzwrite(b, data, sizeof data);
  BZ2_bzclose(b); /* the trailer's write fails with EPIPE */
  printf("after BZ2_bzclose: descriptor %d is %s\n", p[1],
         fcntl(p[1], F_GETFD) < 0 ? "closed" : "open");
  return fcntl(p[1], F_GETFD) < 0 ? 0 : 1;
}
