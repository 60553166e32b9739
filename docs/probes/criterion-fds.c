/*
 * Probe (not built by CMake): how many descriptors a Criterion test starts
 * with, and the first number open() returns there (docs/posix.md#foreign).
 * Built and run by docs/probes/run.sh; output in criterion-fds.out.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
Test(probe, first_open) {
  char line[256] = "";
  for (int fd = 0; fd < 64; fd++)
    if (fcntl(fd, F_GETFD) >= 0) {
      char b[8];
      snprintf(b, sizeof b, "%d ", fd);
      strcat(line, b);
    }
  int f = open("/dev/null", O_RDONLY);
  cr_log_warn("open fds: %s; first open() = %d", line, f);
}
