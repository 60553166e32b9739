/*
 * Loopback TCP against the real kernel (docs/posix.md#tcp): the posix
 * backend binds listeners to 127.0.0.1 port 0 and connects only to a
 * listening socket on 127.0.0.1, whatever it is handed; SIGPIPE is
 * ignored from a trace's first socket to its end and restored after;
 * the teardown closes every socket a trace left (the leak check finds
 * the process as it was); a step that would block is refused with its
 * reason and the rest of the trace runs in lockstep.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "closeonce/backend.h"
#include "closeonce/exec.h"
#include "support.h"

SUP_EXEC_SUITE(tcp);

/* One call through the backend itself, as the executor issues it. */
static struct co_outcome be_call(void *be, unsigned kind, unsigned flags,
                                 int64_t a, int32_t n) {
  struct co_call c;
  struct co_outcome o;
  memset(&c, 0, sizeof c);
  memset(&o, 0, sizeof o);
  c.kind = (uint8_t)kind;
  c.flags = (uint8_t)flags;
  c.a = a;
  c.b = -1;
  c.n = n;
  c.hint = -1;
  co_backend_posix.call(be, &c, &o);
  return o;
}

Test(tcp, a_listener_is_bound_to_127_0_0_1_on_a_port_the_kernel_chose) {
  void *be = co_exec_backend_self(ex);
  struct co_outcome o = be_call(be, CO_OP_LISTEN, 0, -1, 2);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int on = 0;
  socklen_t ol = sizeof on;
  cr_assert_eq(o.err, CO_OK, "listen: %s", co_err_name(o.err));
  cr_assert_eq(getsockname((int)o.ret, (struct sockaddr *)&a, &len), 0);
  cr_assert_eq(a.sin_family, AF_INET);
  cr_assert_eq(a.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
  cr_assert_neq(a.sin_port, 0);
  cr_assert_eq(getsockopt((int)o.ret, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol), 0);
  cr_assert_eq(on, 1);
  close((int)o.ret);
  co_backend_posix.trace_end(be);
}

Test(tcp, the_backend_connects_only_to_a_listener_on_loopback) {
  void *be = co_exec_backend_self(ex);
  struct co_outcome l = be_call(be, CO_OP_LISTEN, 0, -1, 1);
  struct co_outcome c = be_call(be, CO_OP_CONNECT, 0, l.ret, 0);
  struct co_outcome s, u;
  int udp, next;
  cr_assert_eq(c.err, CO_OK, "connect: %s", co_err_name(c.err));
  /* a connected socket's address is the listener's port: refused all the
   * same, and no socket is left behind */
  next = sup_lowest_free();
  s = be_call(be, CO_OP_CONNECT, 0, c.ret, 0);
  cr_assert_eq(s.ret, -1);
  cr_assert_eq(s.err, CO_EINVAL, "%s", co_err_name(s.err));
  cr_assert_eq(sup_lowest_free(), next, "a socket was left open");
  /* a socket that is not TCP or not listening: the same */
  udp = socket(AF_INET, SOCK_DGRAM, 0);
  cr_assert_geq(udp, 0);
  u = be_call(be, CO_OP_CONNECT, 0, udp, 0);
  cr_assert_eq(u.err, CO_EINVAL, "%s", co_err_name(u.err));
  close(udp);
  close((int)c.ret);
  close((int)l.ret);
  co_backend_posix.trace_end(be);
}

static int pipe_hits;
static void on_pipe(int sig) {
  (void)sig;
  pipe_hits++;
}

Test(tcp, sigpipe_is_ignored_while_a_trace_has_sockets_and_restored_after) {
  struct sigaction sa, now;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_pipe;
  sigemptyset(&sa.sa_mask);
  cr_assert_eq(sigaction(SIGPIPE, &sa, NULL), 0);
  /* a write on a listener fails EPIPE, which raises SIGPIPE unless it is
   * ignored (net/ipv4/tcp.c sk_stream_error) */
  sup_run_ok(ex, "s0 = listen 0\nwrite s0 1\nclose s0\n", &r);
  REAL_FAIL(1, CO_EPIPE);
  cr_assert_eq(pipe_hits, 0, "SIGPIPE reached the handler during the trace");
  cr_assert_eq(sigaction(SIGPIPE, NULL, &now), 0);
  cr_assert(now.sa_handler == on_pipe, "SIGPIPE's handler was not restored");
}

Test(tcp, the_teardown_closes_every_socket_a_trace_left) {
  char msg[512];
  int before = sup_lowest_free();
  /* a listener with a pending connection never accepted, a connected
   * pair with bytes unread both ways, a dup */
  sup_run_ok(ex,
             "s0 = listen 2\ns1 = connect s0\ns2 = connect s0\n"
             "s3 = accept s0\nwrite s1 5\nwrite s3 7\ns4 = dup s3\n",
             &r);
  REAL_OK(0, before);
  cr_assert_eq(sup_lowest_free(), before, "a socket outlived its trace");
  cr_assert_eq(co_exec_check_process(ex, msg, sizeof msg), 0, "%s", msg);
}

Test(tcp, a_step_that_would_block_is_refused_and_the_rest_runs) {
  struct co_verdict v;
  char buf[256];
  int kind = sup_run(ex,
                     "s0 = listen 1\ns1 = connect s0\ns2 = accept s0\n"
                     "read s2 1\nwrite s1 3\nread s2 9\n",
                     &r, &v);
  cr_assert_eq(kind, CO_V_OK);
  cr_assert_eq(r.real[3].err, CO_REFUSED, "the blocking read was issued");
  REAL_OK(5, 3);
  cr_assert_eq(co_verdict_not_run(&v, buf, sizeof buf), 1);
  cr_assert(strstr(buf, "would block: nothing to read, the peer open"), "%s",
            buf);
}
