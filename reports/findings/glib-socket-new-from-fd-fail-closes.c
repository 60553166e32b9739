/*
 * Standalone reproducer: GLib 2.74, g_socket_new_from_fd over a descriptor
 * that is not a socket fails (G_IO_ERROR_FAILED, as documented since
 * 2.46), and closes the descriptor, which the documentation leaves with
 * the caller ("On failure, the caller must close fd themselves"). The
 * caller's own close that follows is a double close: when the number was
 * reused in between, it closes an unrelated file.
 *
 * cc glib-socket-new-from-fd-fail-closes.c \
 *    $(pkg-config --cflags --libs gio-2.0)
 * Exit 0: the behaviour described in the .md is there; 1: it is not.
 */
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  char path[] = "/tmp/closeonce-gsocket-XXXXXX";
  int fd = mkstemp(path), other, closed, still;
  GError *err = NULL;
  GSocket *s;
  if (fd < 0)
    return 2;
  unlink(path);
  s = g_socket_new_from_fd(fd, &err); /* a regular file: not a socket */
  printf("g_socket_new_from_fd(%d): %s (%s)\n", fd, s ? "a GSocket" : "NULL",
         err ? err->message : "no error");
  if (s)
    return 1;
  g_clear_error(&err);
  closed = fcntl(fd, F_GETFD) == -1;
  printf("descriptor %d after the failed call: %s\n", fd,
         closed ? "closed by GLib" : "still open");
  other = open("/dev/null", O_RDONLY); /* the number is free: reused */
  close(fd);                           /* the documented cleanup */
  still = fcntl(other, F_GETFD) != -1;
  printf("an unrelated open got %d; after the caller's close(%d) it is %s\n",
         other, fd, still ? "open" : "closed");
  return closed && other == fd && !still ? 0 : 1;
}
