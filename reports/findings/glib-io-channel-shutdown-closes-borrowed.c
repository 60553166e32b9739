/*
 * Standalone reproducer: GLib 2.74, g_io_channel_shutdown closes the
 * descriptor of a channel that does not own it (close_on_unref FALSE, the
 * default of g_io_channel_unix_new); the caller's close(2) that follows is
 * a double close, and closes an unrelated file if the number was reused.
 *
 * cc glib-io-channel-shutdown-closes-borrowed.c \
 *    $(pkg-config --cflags --libs glib-2.0)
 * Exit 0: the behaviour described in the .md is there; 1: it is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char path[] = "/tmp/closeonce-glib-XXXXXX";
  int fd = mkstemp(path), again, e;
  GIOChannel *ch;
  if (fd < 0)
    return 2;
  unlink(path);
  ch = g_io_channel_unix_new(fd);
  printf("close_on_unref: %s\n",
         g_io_channel_get_close_on_unref(ch) ? "TRUE" : "FALSE");
  g_io_channel_shutdown(ch, FALSE, NULL);
  g_io_channel_unref(ch);
  again = close(fd); /* the owner's close */
  e = errno;
  printf("caller's close(%d) after shutdown: %d%s\n", fd, again,
         again < 0 && e == EBADF ? " (EBADF: shutdown closed it already)" : "");
  return again < 0 && e == EBADF ? 0 : 1;
}
