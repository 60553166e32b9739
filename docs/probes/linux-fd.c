/*
 * Probe (not built by CMake): the Linux descriptor rules that docs/posix.md
 * states, checked on the machine it runs on. Build and run with
 * docs/probes/run.sh; its output on the development machine is
 * docs/probes/linux-fd.out (source key [OBS-LINUX] in docs/sources.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/kcmp.h>
#include <linux/close_range.h>
#define SHOW(expr)                                                             \
  do {                                                                         \
    errno = 0;                                                                 \
    long r_ = (long)(expr);                                                    \
    int e_ = errno;                                                            \
    printf("%-48s -> %ld errno %d (%s)\n", #expr, r_, e_,                      \
           r_ < 0 ? strerror(e_) : "-");                                       \
  } while (0)
static long kc(int a, int b) {
  return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b);
}
int main(void) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  printf("RLIMIT_NOFILE soft %ld hard %ld\n", (long)rl.rlim_cur,
         (long)rl.rlim_max);
  char path[] = "/tmp/probe/fXXXXXX";
  int f = mkstemp(path);
  unlink(path);
  printf("first mkstemp fd %d\n", f);
  SHOW(write(f, "hello", 5));
  int o = open("/dev/null", O_RDONLY | O_CLOEXEC);
  printf("open O_CLOEXEC -> %d, F_GETFD %d\n", o, fcntl(o, F_GETFD));
  int d = dup(o);
  printf("dup -> %d (lowest free), F_GETFD %d\n", d, fcntl(d, F_GETFD));
  SHOW(dup2(o, o));
  printf("  after dup2(o,o) F_GETFD(o) = %d (cloexec kept)\n",
         fcntl(o, F_GETFD));
  SHOW(dup2(1000, 1000));
  SHOW(dup2(o, -1));
  SHOW(dup2(o, (int)rl.rlim_cur));
  SHOW(dup3(o, o, O_CLOEXEC));
  SHOW(dup3(o, d, 0x40000000));
  SHOW(dup3(1000, 1000, 0));
  SHOW(dup3(1000, 1000, 0x40000000));
  SHOW(fcntl(o, F_DUPFD, -1));
  SHOW(fcntl(o, F_DUPFD, (int)rl.rlim_cur));
  SHOW(fcntl(1000, F_DUPFD, 0));
  SHOW(fcntl(1000, F_DUPFD, -1));
  int c = fcntl(o, F_DUPFD_CLOEXEC, 50);
  printf("F_DUPFD_CLOEXEC 50 -> %d F_GETFD %d\n", c, fcntl(c, F_GETFD));
  /* status flags live on the open file description */
  int g = dup(f);
  fcntl(f, F_SETFL, O_APPEND | O_NONBLOCK);
  printf("F_SETFL on f: dup sees F_GETFL&O_APPEND=%d\n",
         !!(fcntl(g, F_GETFL) & O_APPEND));
  fcntl(f, F_SETFL, 0);
  SHOW(kc(f, g));
  int f2 = open("/proc/self/exe", O_RDONLY);
  SHOW(kc(f, f2));
  SHOW(kc(f2, f));
  SHOW(kc(f, 1000));
  SHOW(close(1000));
  SHOW(close_range(60, 50, 0));
  SHOW(close_range(50, 60, 0x80000000u));
  int a = dup(f), b = dup(f);
  SHOW(close_range(a, b, CLOSE_RANGE_CLOEXEC));
  printf("  F_GETFD a %d b %d\n", fcntl(a, F_GETFD), fcntl(b, F_GETFD));
  SHOW(close_range(a, b, 0));
  printf("  F_GETFD a %d (closed)\n", fcntl(a, F_GETFD));
  /* fdopen: glibc */
  lseek(g, 0, SEEK_SET);
  printf("offset via dup before fdopen a: %ld\n", (long)lseek(g, 0, SEEK_CUR));
  FILE *fp = fdopen(f, "a");
  printf("fdopen(f,\"a\") %s; dup F_GETFL&O_APPEND=%d offset via dup %ld\n",
         fp ? "ok" : "NULL", !!(fcntl(g, F_GETFL) & O_APPEND),
         (long)lseek(g, 0, SEEK_CUR));
  int ro = open("/dev/null", O_RDONLY);
  errno = 0;
  FILE *bad = fdopen(ro, "w");
  printf(
      "fdopen(O_RDONLY fd, \"w\") -> %p errno %d; fd still open F_GETFD=%d\n",
      (void *)bad, errno, fcntl(ro, F_GETFD));
  errno = 0;
  bad = fdopen(ro, "q");
  printf("fdopen(fd, \"q\") -> %p errno %d\n", (void *)bad, errno);
  errno = 0;
  bad = fdopen(1000, "r");
  printf("fdopen(1000, \"r\") -> %p errno %d\n", (void *)bad, errno);
  int fn = fileno(fp);
  SHOW(fclose(fp));
  printf("  after fclose F_GETFD(%d) = %d errno %d\n", fn, fcntl(fn, F_GETFD),
         errno);
  /* EMFILE at the limit */
  struct rlimit low = {16, rl.rlim_max};
  setrlimit(RLIMIT_NOFILE, &low);
  int last = -1, n;
  while ((n = dup(0)) >= 0)
    last = n;
  printf("with RLIMIT_NOFILE 16: last dup %d, then errno %d (%s)\n", last,
         errno, strerror(errno));
  SHOW(open("/dev/null", O_RDONLY));
  return 0;
}
