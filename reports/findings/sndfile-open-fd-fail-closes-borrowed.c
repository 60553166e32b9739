/*
 * Standalone reproducer: libsndfile 1.2.0, sf_open_fd(fd, mode, &info,
 * close_desc FALSE) that fails closes fd, which the documentation leaves
 * with the caller ("If it is FALSE, the descriptor will not be closed",
 * sndfile.h). Two failure paths: SFM_READ over a file that is not a sound
 * file ("Format not recognised"), and SFM_WRITE (AU) over a read-only
 * descriptor (the header write fails). After the first, an unrelated open
 * takes the freed number and the caller's next write lands in its file.
 *
 * cc sndfile-open-fd-fail-closes-borrowed.c \
 *    $(pkg-config --cflags --libs sndfile)
 * Exit 0: the behaviour described in the .md is there; 1: it is not.
 */
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_open(int fd) {
  return fcntl(fd, F_GETFD) != -1;
}

/* sf_open_fd(fd, mode, format, close_desc FALSE): 1 if it failed and fd
 * was closed by it. */
static int fails_and_closes(int fd, int mode, int format, const char *what) {
  SF_INFO info;
  SNDFILE *s;
  int closed;
  memset(&info, 0, sizeof info);
  info.format = format;
  info.channels = 1;
  info.samplerate = 8000;
  s = sf_open_fd(fd, mode, &info, SF_FALSE);
  closed = !is_open(fd);
  printf("%s: sf_open_fd(%d, close_desc FALSE): %s (%s); descriptor %d %s\n",
         what, fd, s ? "a SNDFILE" : "NULL", s ? "" : sf_strerror(NULL), fd,
         closed ? "closed by libsndfile" : "still open");
  if (s)
    sf_close(s);
  return !s && closed;
}

int main(void) {
  char path[] = "/tmp/closeonce-sndfile-XXXXXX";
  char other_path[] = "/tmp/closeonce-sndfile-other-XXXXXX";
  int fd = mkstemp(path), other, ro, probe, reused;
  struct stat st;
  if (fd < 0)
    return 2;
  if (write(fd, "x,y\n1,2\n", 8) != 8 || lseek(fd, 0, SEEK_SET) != 0)
    return 2;
  probe = fails_and_closes(fd, SFM_READ, 0, "a text file, SFM_READ");
  /* the caller goes on with its own file: the number was reused */
  other = mkstemp(other_path);
  reused = other == fd && write(fd, "3,4\n", 4) == 4 &&
           fstat(other, &st) == 0 && st.st_size == 4;
  printf("an unrelated open got %d; the caller's write(%d) went to %s\n", other,
         fd, reused ? "that file" : "its own file");
  if (other >= 0)
    close(other);
  ro = open(path, O_RDONLY);
  unlink(path);
  unlink(other_path);
  if (ro < 0)
    return 2;
  if (!fails_and_closes(ro, SFM_WRITE, SF_FORMAT_AU | SF_FORMAT_PCM_16,
                        "a read-only descriptor, SFM_WRITE AU"))
    probe = 0;
  if (is_open(ro))
    close(ro);
  return probe && reused ? 0 : 1;
}
