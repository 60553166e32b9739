/*
 * Standalone reproducer: GLib 2.74, g_socket_close retries close(2) after
 * EINTR, and after any failed close (EINTR's retry, EIO) leaves the socket
 * marked open with its number, so that g_object_unref's finalize closes
 * the number once more. Under Linux's semantics (close(2): the descriptor
 * is freed even when close reports EINTR or EIO) both are closes of a
 * number that is no longer the socket's: another thread's descriptor if it
 * was reused in between.
 *
 * The fault is injected here, by this program: it defines close, which
 * interposes libgio's calls of close through its PLT. While `armed` is set
 * (only around g_socket_close and g_object_unref), the first close closes
 * the descriptor for real (syscall(SYS_close)) and then reports the
 * chosen error, as Linux does when a close is interrupted or its final
 * write-back fails; with `reuse` set it first opens another file in that
 * window, which gets the freed number, as another thread's open could.
 * Every other close is the real one.
 *
 * cc glib-socket-close-retries-eintr.c $(pkg-config --cflags --libs gio-2.0)
 * Exit 0: the behaviour described in the .md is there; 1: it is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The injector's state: one thread, only around the calls below. */
static int armed;  /* 1 while GLib's close runs */
static int inject; /* the error of the first close, 0 once used */
static int reuse;  /* open another file in the window (another thread) */
static int other = -1;
static int closes; /* closes GLib made while armed */

int close(int fd) {
  int r = (int)syscall(SYS_close, fd), e = errno;
  if (!armed)
    return errno = e, r;
  closes++;
  if (inject && r == 0) {
    e = inject, inject = 0, r = -1;
    if (reuse)
      other = open("/dev/null", O_RDONLY); /* takes the freed number */
    printf("    close(%d) = -1 %s (injected; the descriptor is freed)\n", fd,
           e == EINTR ? "EINTR" : "EIO");
  } else {
    printf("    close(%d) = %d%s\n", fd, r,
           r == 0       ? (fd == other ? " (the other file's descriptor)" : "")
           : e == EBADF ? " EBADF"
                        : " (error)");
  }
  return errno = e, r;
}

/* A GSocket over one end of a socket pair; g_socket_close with its first
 * close failed with err, then the last unref. Returns GLib's closes. */
static int run(int err, int with_reuse) {
  int sv[2];
  GSocket *s;
  gboolean ok;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
      !(s = g_socket_new_from_fd(sv[0], NULL)))
    return -1;
  printf("g_socket_close over descriptor %d, its close failing with %s%s:\n",
         sv[0], err == EINTR ? "EINTR" : "EIO",
         with_reuse ? ", the number reused in the window" : "");
  armed = 1, inject = err, reuse = with_reuse, closes = 0, other = -1;
  ok = g_socket_close(s, NULL);
  printf("  g_socket_close: %s; then g_object_unref:\n", ok ? "TRUE" : "FALSE");
  g_object_unref(s);
  armed = 0;
  close(sv[1]);
  return closes;
}

int main(void) {
  int eintr = run(EINTR, 0), eio = run(EIO, 0), still, raced;
  raced = run(EINTR, 1);
  still = other >= 0 && fcntl(other, F_GETFD) != -1;
  printf("the other file's descriptor %d after g_socket_close: %s\n", other,
         still ? "open" : "closed by GLib");
  /* EINTR: the close, its retry, the finalize's; EIO: the close and the
   * finalize's; reused: the retry closes the other file. */
  return eintr == 3 && eio == 2 && raced >= 2 && !still ? 0 : 1;
}
