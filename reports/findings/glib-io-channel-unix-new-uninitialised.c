/*
 * Standalone reproducer: GLib 2.74, g_io_channel_unix_new on a descriptor
 * that is not open leaves the channel's is_readable and is_writeable
 * uninitialised (giounix.c: g_io_unix_get_flags returns early when
 * fcntl(F_GETFL) fails, and the channel was allocated with g_new, not
 * g_new0). Run it under valgrind: "Conditional jump or move depends on
 * uninitialised value(s)" in g_io_channel_write_chars.
 *
 * cc glib-io-channel-unix-new-uninitialised.c \
 *    $(pkg-config --cflags --libs glib-2.0)
 * valgrind --error-exitcode=99 ./a.out    -> 99 while the bug is there
 * closeonce-test: valgrind
 */
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <unistd.h>

static void quiet(const gchar *d, GLogLevelFlags l, const gchar *m,
                  gpointer p) {
  (void)d, (void)l, (void)m, (void)p;
}

int main(void) {
  int fd = dup(0), writes = 0, i;
  g_log_set_default_handler(quiet, NULL);
  if (fd < 0)
    return 2;
  close(fd); /* fd is a number that is not open */
  for (i = 0; i < 8; i++) {
    GIOChannel *ch = g_io_channel_unix_new(fd);
    gsize done = 0;
    int nfd = open("/dev/null", O_WRONLY); /* the number is reused */
    g_io_channel_set_encoding(ch, NULL, NULL);
    g_io_channel_set_buffered(ch, FALSE);
    if (g_io_channel_write_chars(ch, "x", 1, &done, NULL) == G_IO_STATUS_NORMAL)
      writes++;
    g_io_channel_unref(ch);
    close(nfd);
  }
  printf("channels made over a closed descriptor that then wrote to the "
         "reused number: %d of 8\n",
         writes);
  return 0;
}
