/*
 * Probe (not built by CMake): the loopback TCP rules that docs/posix.md#tcp
 * states, checked on the machine it runs on. Build and run with
 * docs/probes/run.sh; its output on the development machine is
 * docs/probes/linux-tcp.out (source key [OBS-TCP] in docs/sources.md).
 * Loopback only: every socket is bound to, or connects to, 127.0.0.1 on a
 * port the kernel chose. The last part repeats connect, write and close
 * many times and counts how often the peer did not see the effect at once
 * (docs/posix.md#tcp-timing).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHOW(expr)                                                             \
  do {                                                                         \
    errno = 0;                                                                 \
    long r_ = (long)(expr);                                                    \
    int e_ = errno;                                                            \
    printf("%-44s -> %ld %s\n", #expr, r_, r_ < 0 ? strerrorname_np(e_) : ""); \
  } while (0)

static char buf[4096];

static int listener(int backlog, int flags) {
  struct sockaddr_in a;
  int s = socket(AF_INET, SOCK_STREAM | flags, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
      listen(s, backlog) < 0) {
    perror("listener");
    exit(1);
  }
  return s;
}

/* A new socket connected to l's address; *rc and *err: connect's. */
static int connect_to(int l, int flags, int *rc, int *err) {
  struct sockaddr_in a;
  socklen_t n = sizeof a;
  int s = socket(AF_INET, SOCK_STREAM | flags, 0);
  getsockname(l, (struct sockaddr *)&a, &n);
  errno = 0;
  *rc = connect(s, (struct sockaddr *)&a, n);
  *err = errno;
  return s;
}
static int conn(int l) {
  int rc, err, s = connect_to(l, 0, &rc, &err);
  if (rc) {
    printf("connect failed: %s\n", strerrorname_np(err));
    exit(1);
  }
  return s;
}

static int state(int s) {
  struct tcp_info ti;
  socklen_t n = sizeof ti;
  getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &n);
  return ti.tcpi_state;
}
static int queued(int l) { /* a listener's accept queue (tcp_get_info) */
  struct tcp_info ti;
  socklen_t n = sizeof ti;
  getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &n);
  return (int)ti.tcpi_unacked;
}
static int unread(int s) {
  int v = -1;
  ioctl(s, FIONREAD, &v);
  return v;
}

static void connect_accept(void) {
  int l = listener(1, 0), rc, err, c1, c2, c3, a, f;
  puts("== listen, connect, accept");
  c1 = connect_to(l, 0, &rc, &err);
  printf("blocking connect: %d %s, queue %d\n", rc, strerrorname_np(err),
         queued(l));
  c2 = connect_to(l, SOCK_NONBLOCK, &rc, &err);
  printf("non-blocking connect: %d %s, state %d (1 established), queue %d\n",
         rc, strerrorname_np(err), state(c2), queued(l));
  c3 = connect_to(l, SOCK_NONBLOCK, &rc, &err);
  printf("third connect, backlog 1: %d %s, state %d (2 SYN_SENT), queue %d\n",
         rc, strerrorname_np(err), state(c3), queued(l));
  SHOW(write(c1, "1", 1));
  SHOW(write(c2, "22", 2));
  a = accept(l, NULL, NULL);
  printf("first accept reads %ld bytes (FIFO: c1's one)\n",
         (long)read(a, buf, sizeof buf));
  close(a);
  a = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  printf("accept4: O_NONBLOCK %d, FD_CLOEXEC %d\n",
         !!(fcntl(a, F_GETFL) & O_NONBLOCK), fcntl(a, F_GETFD));
  close(a);
  fcntl(l, F_SETFL, O_NONBLOCK);
  c1 = conn(l);
  a = accept(l, NULL, NULL);
  printf("accepted from a non-blocking listener: O_NONBLOCK %d\n",
         !!(fcntl(a, F_GETFL) & O_NONBLOCK));
  close(a);
  close(c1);
  f = open("/dev/null", O_RDONLY);
  SHOW(accept(9999, NULL, NULL));
  SHOW(accept4(9999, NULL, NULL, O_APPEND));
  SHOW(accept4(l, NULL, NULL, O_APPEND));
  SHOW(accept(f, NULL, NULL));
  SHOW(accept(c2, NULL, NULL));
  close(c3); /* (it may have been accepted: a SYN resent after a second) */
  while ((a = accept(l, NULL, NULL)) >= 0)
    close(a);
  SHOW(accept(l, NULL, NULL));
  close(c2);
  close(f);
  close(l);
}

static void backlogs(void) {
  int b, k;
  puts("== how many connections a backlog holds");
  for (b = 0; b <= 3; b++) {
    int l = listener(b, 0), s[8], rc, err;
    for (k = 0; k < 8; k++) {
      s[k] = connect_to(l, SOCK_NONBLOCK, &rc, &err);
      if (state(s[k]) != TCP_ESTABLISHED)
        break;
    }
    printf("backlog %d: %d established, queue %d\n", b, k, queued(l));
    close(l);
    while (k >= 0)
      close(s[k--]);
  }
}

static void emfile_order(void) {
  struct rlimit rl, lo;
  int l = listener(1, SOCK_NONBLOCK), f = open("/dev/null", O_RDONLY);
  puts("== accept with no number free");
  getrlimit(RLIMIT_NOFILE, &rl);
  lo = rl;
  lo.rlim_cur = (rlim_t)f + 1;
  setrlimit(RLIMIT_NOFILE, &lo);
  SHOW(accept(f, NULL, NULL));
  SHOW(accept(l, NULL, NULL));
  SHOW(accept4(l, NULL, NULL, O_APPEND));
  SHOW(socket(AF_INET, SOCK_STREAM, 0));
  setrlimit(RLIMIT_NOFILE, &rl);
  close(f);
  close(l);
}

static void bytes(void) {
  int l = listener(1, 0), c = conn(l), a = accept(l, NULL, NULL);
  puts("== bytes, and a socket's file calls");
  SHOW(write(c, "hello", 5));
  printf("peer's unread bytes right after: %d\n", unread(a));
  SHOW(read(a, buf, 2));
  SHOW(read(a, buf, 255));
  fcntl(a, F_SETFL, O_NONBLOCK);
  SHOW(read(a, buf, 255));
  SHOW(read(a, buf, 0));
  SHOW(write(a, buf, 0));
  SHOW(read(l, buf, 1));
  SHOW(read(l, buf, 0));
  SHOW(write(l, buf, 1));
  SHOW(write(l, buf, 0));
  SHOW(lseek(a, 0, SEEK_SET));
  SHOW(lseek(a, 0, SEEK_DATA));
  SHOW(lseek(a, 0, 7));
  SHOW(ftruncate(a, 0));
  {
    struct stat st;
    fstat(a, &st);
    printf("fstat: st_mode %o st_nlink %lu st_size %ld\n", st.st_mode,
           (unsigned long)st.st_nlink, (long)st.st_size);
    SHOW(fchmod(a, 0600));
    fstat(a, &st);
    printf("after fchmod: st_mode %o\n", st.st_mode);
  }
  printf("F_GETFL %#x\n", fcntl(c, F_GETFL));
  SHOW(fcntl(c, F_SETFL, O_APPEND));
  printf("F_GETFL %#x\n", fcntl(c, F_GETFL));
  close(a);
  close(c);
  close(l);
}

static void closes(void) {
  int l = listener(4, 0), c, a, d;
  puts("== a last close with nothing unread: FIN");
  c = conn(l);
  a = accept(l, NULL, NULL);
  d = dup(a);
  fcntl(c, F_SETFL, O_NONBLOCK);
  SHOW(write(a, "abcd", 4));
  SHOW(close(a));
  SHOW(read(c, buf, 9));
  SHOW(read(c, buf, 9));
  SHOW(close(d));
  printf("state %d (8 CLOSE_WAIT)\n", state(c));
  SHOW(read(c, buf, 9));
  SHOW(write(c, "ab", 2));
  printf("state %d (7 CLOSE)\n", state(c));
  SHOW(read(c, buf, 9));
  SHOW(write(c, "ab", 2));
  SHOW(write(c, "ab", 0));
  close(c);
  puts("== a last close with bytes unread: RST");
  c = conn(l);
  a = accept(l, NULL, NULL);
  SHOW(write(a, "abcd", 4));
  SHOW(write(c, "unread", 6));
  SHOW(close(c));
  SHOW(read(a, buf, 2));
  SHOW(read(a, buf, 9));
  SHOW(read(a, buf, 9));
  SHOW(read(a, buf, 9));
  SHOW(write(a, "x", 1));
  close(a);
  c = conn(l);
  a = accept(l, NULL, NULL);
  SHOW(write(a, "abc", 3));
  SHOW(write(c, "x", 1));
  SHOW(close(c));
  SHOW(write(a, "x", 1));
  SHOW(read(a, buf, 9));
  SHOW(read(a, buf, 9));
  SHOW(write(a, "x", 1));
  close(a);
  puts("== a client that closed before the accept");
  c = conn(l);
  SHOW(write(c, "abc", 3));
  SHOW(close(c));
  a = accept(l, NULL, NULL);
  SHOW(read(a, buf, 9));
  SHOW(read(a, buf, 9));
  SHOW(write(a, "x", 1));
  SHOW(write(a, "x", 1));
  close(a);
  puts("== a listener's last close with a connection pending");
  c = conn(l);
  SHOW(write(c, "q", 1));
  SHOW(close(l));
  SHOW(read(c, buf, 5));
  SHOW(read(c, buf, 5));
  SHOW(write(c, "q", 1));
  close(c);
}

static void capacity(void) {
  int l = listener(1, 0), c = conn(l), a = accept(l, NULL, NULL), k = 0;
  long total = 0, r;
  puts("== non-blocking writes of 255 bytes with no reader");
  fcntl(c, F_SETFL, O_NONBLOCK);
  memset(buf, 'x', 255);
  while ((r = (long)write(c, buf, 255)) > 0) {
    total += r;
    k++;
  }
  printf("%d writes, %ld bytes, then %s\n", k, total, strerrorname_np(errno));
  close(a);
  close(c);
  close(l);
}

static void timing(int n) {
  int l = listener(4, SOCK_NONBLOCK), i;
  long late_queue = 0, late_bytes = 0, late_fin = 0, late_rst = 0;
  printf("== %d rounds: the peer sees each effect when the call returns\n", n);
  for (i = 0; i < n; i++) {
    int c = conn(l), a;
    if (queued(l) != 1)
      late_queue++;
    if ((a = accept(l, NULL, NULL)) < 0) {
      late_queue++;
      close(c);
      continue;
    }
    write(c, buf, 100);
    if (unread(a) != 100)
      late_bytes++;
    if (i & 1) {
      read(a, buf, 100);
      close(c);
      if (state(a) != TCP_CLOSE_WAIT)
        late_fin++;
    } else {
      write(a, buf, 7);
      close(c);
      if (state(a) != TCP_CLOSE)
        late_rst++;
    }
    close(a);
  }
  printf("late: connect %ld, bytes %ld, FIN %ld, RST %ld\n", late_queue,
         late_bytes, late_fin, late_rst);
  close(l);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  connect_accept();
  backlogs();
  emfile_order();
  bytes();
  closes();
  capacity();
  timing(argc > 1 ? atoi(argv[1]) : 100000);
  return 0;
}
