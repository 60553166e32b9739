/*
 * Standalone reproducer: libsndfile (1.2.0, and its main branch), sf_close
 * of a SNDFILE that owns its descriptor (close_desc TRUE) calls close(fd)
 * again when close failed with EINTR (file_io.c psf_close_fd: "while
 * ((retval = close (fd)) == -1 && errno == EINTR)"). On Linux the number
 * is freed before close reports EINTR (man 2 close: "the file descriptor
 * is guaranteed to be closed"; "retrying the close() after a failure
 * return is the wrong thing to do"), so the retry closes whatever took the
 * number in between: another thread's file.
 *
 * The program injects the fault itself: it defines close(), which the
 * dynamic linker binds libsndfile's calls to (the executable comes first
 * in the lookup), closes the descriptor for real with the system call and,
 * armed, reports EINTR once, after an open that stands for another
 * thread's takes the freed number. Every close it sees while armed is
 * printed.
 *
 * cc sndfile-close-retries-after-eintr.c \
 *    $(pkg-config --cflags --libs sndfile)
 * Exit 0: the behaviour described in the .md is there; 1: it is not.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The fault's state: the program's, single-threaded. */
static struct {
  int armed; /* 1: the next close fails with EINTR */
  int other; /* the descriptor the "other thread" opened, -1 */
  int calls[8];
  int ncalls;
} fault = {0, -1, {0}, 0};

int close(int fd) {
  long r = syscall(SYS_close, fd);
  if (fault.armed && fault.ncalls < 8)
    fault.calls[fault.ncalls++] = fd;
  if (fault.armed == 1 && r == 0) {
    fault.armed = 2;
    /* between the interrupted close and the retry, another thread opens a
     * file: it gets the lowest free number, the one just freed */
    fault.other = open("/dev/null", O_RDONLY);
    errno = EINTR;
    return -1;
  }
  return (int)r;
}

int main(void) {
  char path[] = "/tmp/closeonce-sndfile-eintr-XXXXXX";
  static const short zeros[16];
  int fd = mkstemp(path), r, i, gone;
  SF_INFO info;
  SNDFILE *s;
  if (fd < 0)
    return 2;
  unlink(path);
  memset(&info, 0, sizeof info);
  info.format = SF_FORMAT_AU | SF_FORMAT_PCM_16;
  info.channels = 1;
  info.samplerate = 8000;
  if (!(s = sf_open_fd(fd, SFM_WRITE, &info, SF_TRUE)))
    return 2;
  if (sf_write_short(s, zeros, 16) != 16)
    return 2;
  fault.armed = 1;
  r = sf_close(s);
  fault.armed = 0;
  for (i = 0; i < fault.ncalls; i++)
    printf("libsndfile: close(%d)%s\n", fault.calls[i],
           i == 0 ? " = -1 EINTR (injected; the number is freed)" : "");
  gone = fault.other >= 0 && fcntl(fault.other, F_GETFD) == -1;
  printf("sf_close: %d; the other thread's descriptor %d (/dev/null) is %s\n",
         r, fault.other, gone ? "closed" : "open");
  return fault.other == fd && fault.ncalls == 2 && fault.calls[1] == fd && gone
             ? 0
             : 1;
}
