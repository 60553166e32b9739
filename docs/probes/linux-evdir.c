/*
 * Probe behind docs/posix.md#dirs, #eventfd and #epoll ([OBS-EVDIR] in
 * docs/sources.md): what Linux and glibc do with a directory descriptor, an
 * eventfd and an epoll instance, each call printed with its result. It
 * works in a directory of its own under $TMPDIR or /tmp, as the backend
 * does (docs/probes/run.sh runs it).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define P(x)                                                                   \
  do {                                                                         \
    long r_;                                                                   \
    errno = 0;                                                                 \
    r_ = (long)(x);                                                            \
    printf("%-58s = %ld%s%s\n", #x, r_, r_ < 0 ? " " : "",                     \
           r_ < 0 ? strerrorname_np(errno) : "");                              \
  } while (0)

static void stat_of(const char *what, int fd) {
  struct stat st;
  if (fstat(fd, &st) == 0)
    printf("fstat(%s): st_mode %06o st_nlink %lu st_size %lld\n", what,
           (unsigned)st.st_mode, (unsigned long)st.st_nlink,
           (long long)st.st_size);
}

static void wait_all(int ep, int max) {
  struct epoll_event ev[16];
  int n, i;
  errno = 0;
  n = epoll_wait(ep, ev, max, 0);
  printf("epoll_wait(ep %d, max %d, timeout 0) = %d%s%s\n", ep, max, n,
         n < 0 ? " " : "", n < 0 ? strerrorname_np(errno) : "");
  for (i = 0; i < n; i++)
    printf("  event data %llu events 0x%x\n",
           (unsigned long long)ev[i].data.u64, ev[i].events);
}

static int add(int ep, int fd, unsigned events) {
  struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)fd};
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int del(int ep, int fd) {
  struct epoll_event ev = {0};
  return epoll_ctl(ep, EPOLL_CTL_DEL, fd, &ev);
}

int main(void) {
  char tmpl[4096], buf[256];
  const char *tmp = getenv("TMPDIR");
  uint64_t v = 0, big = UINT64_MAX - 1, max = UINT64_MAX;
  int d, e, s, ep, ep2, f, s2, s3, fd2;
  DIR *dp;
  memset(buf, 'a', sizeof buf);
  snprintf(tmpl, sizeof tmpl, "%s/evdir-probe-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(tmpl))
    return 1;
  printf("== directories\n");
  P(d = open(tmpl, O_DIRECTORY | O_RDONLY));
  P(open(tmpl, O_DIRECTORY | O_RDWR));
  P(open(tmpl, O_DIRECTORY | O_WRONLY));
  P(read(d, buf, 10));
  P(read(d, buf, 0));
  P(write(d, buf, 1));
  P(lseek(d, 5, SEEK_SET));
  P(lseek(d, 2, SEEK_CUR));
  P(lseek(d, -9, SEEK_CUR));
  P(ftruncate(d, 0));
  P(fcntl(d, F_GETFL) & O_ACCMODE);
  stat_of("directory", d);
  printf("== eventfd\n");
  P(e = eventfd(3, EFD_NONBLOCK));
  stat_of("eventfd", e);
  P(read(e, buf, 7));
  P(read(e, &v, 8));
  printf("counter read: %llu\n", (unsigned long long)v);
  P(read(e, buf, 255));
  P(write(e, buf, 7));
  P(write(e, buf, 9));
  P(write(e, buf, 8));
  P(read(e, buf, 100));
  P(lseek(e, 5, SEEK_SET));
  P(lseek(e, 7, SEEK_END));
  P(lseek(e, 0, SEEK_DATA));
  P(lseek(e, 0, SEEK_HOLE + 1));
  P(ftruncate(e, 0));
  P(write(e, &big, 8));
  P(write(e, &v, 8));
  P(write(e, &max, 8));
  P(s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK));
  P(read(s, &v, 8));
  printf("semaphore read: %llu\n", (unsigned long long)v);
  P(read(s, &v, 8));
  P(read(s, &v, 8));
  printf("== epoll\n");
  P(ep = epoll_create1(0));
  stat_of("epoll", ep);
  P(read(ep, buf, 8));
  P(write(ep, buf, 8));
  P(lseek(ep, 3, SEEK_CUR));
  P(f = openat(d, "f", O_CREAT | O_RDWR, 0600));
  unlinkat(d, "f", 0);
  P(add(ep, f, EPOLLIN));
  P(add(ep, d, EPOLLIN));
  P(add(ep, ep, EPOLLIN));
  P(add(e, s, EPOLLIN));
  P(del(ep, s));
  P(add(ep, s, EPOLLIN));
  P(add(ep, s, EPOLLIN));
  P(s2 = dup(s));
  P(add(ep, s2, EPOLLIN));
  P(write(s, &(uint64_t){1}, 8));
  wait_all(ep, 8);
  wait_all(ep, 1);
  P(epoll_wait(ep, (struct epoll_event *)buf, 0, 0));
  P(epoll_wait(-1, (struct epoll_event *)buf, 0, 0));
  P(close(s));
  wait_all(ep, 8);
  P(del(ep, s));
  P(s3 = dup(s2));
  P(del(ep, s3));
  wait_all(ep, 8);
  P(ep2 = epoll_create1(EPOLL_CLOEXEC));
  P(add(ep2, ep, EPOLLIN));
  P(add(ep, ep2, EPOLLIN));
  wait_all(ep2, 8);
  P(fcntl(ep2, F_GETFD));
  printf("== fdopendir (glibc)\n");
  P(fd2 = open(tmpl, O_DIRECTORY | O_RDONLY));
  P(fcntl(fd2, F_GETFD));
  dp = fdopendir(fd2);
  printf("fdopendir(fd2) = %s\n", dp ? "a DIR" : "NULL");
  P(fcntl(fd2, F_GETFD));
  P(dirfd(dp));
  P(closedir(dp));
  P(close(fd2));
  errno = 0;
  dp = fdopendir(f);
  printf("fdopendir(regular file) = %s %s\n", dp ? "a DIR" : "NULL",
         strerrorname_np(errno));
  errno = 0;
  dp = fdopendir(e);
  printf("fdopendir(eventfd) = %s %s\n", dp ? "a DIR" : "NULL",
         strerrorname_np(errno));
  errno = 0;
  dp = fdopendir(fd2);
  printf("fdopendir(closed) = %s %s\n", dp ? "a DIR" : "NULL",
         strerrorname_np(errno));
  P(fd2 = open(tmpl, O_PATH | O_DIRECTORY));
  errno = 0;
  dp = fdopendir(fd2);
  printf("fdopendir(O_PATH) = %s %s\n", dp ? "a DIR" : "NULL",
         strerrorname_np(errno));
  rmdir(tmpl);
  return 0;
}
