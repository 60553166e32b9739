/*
 * Standalone reproducer: OpenSSL 3.0, BIO_free of a file-descriptor BIO
 * made with BIO_CLOSE returns 1 even when its close(2) fails, so a double
 * close (the descriptor closed by its other owner first) goes unreported.
 *
 * cc openssl-bio-free-hides-close-error.c $(pkg-config --cflags --libs openssl)
 * Exit 0: the behaviour described in the .md is there; 1: it is not.
 */
#include <errno.h>
#include <openssl/bio.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  char path[] = "/tmp/closeonce-openssl-XXXXXX";
  int fd = mkstemp(path), r;
  BIO *b;
  if (fd < 0)
    return 2;
  unlink(path);
  b = BIO_new_fd(fd, BIO_CLOSE);
  close(fd); /* the other owner closes it first */
  errno = 0;
  r = BIO_free(b); /* its close(fd) fails with EBADF */
  printf("BIO_free after the descriptor was closed: returns %d, errno %d\n", r,
         errno);
  return r == 1 ? 0 : 1;
}
