#include "support.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct co_exec *sup_exec(void) {
  char err[256];
  struct co_exec *ex = co_exec_new(&co_backend_posix, err, sizeof err);
  cr_assert_not_null(ex, "executor: %s", err);
  co_exec_set_full_check(ex, 1);
  return ex;
}

int sup_run(struct co_exec *ex, const char *text, struct rec *r,
            struct co_verdict *v) {
  char err[200];
  int kind = rec_run(ex, text, r, v, err, sizeof err);
  cr_assert_geq(kind, 0, "parse error %s", err);
  return kind;
}

void sup_run_ok(struct co_exec *ex, const char *text, struct rec *r) {
  struct co_verdict v;
  int kind = sup_run(ex, text, r, &v);
  cr_assert_eq(kind, CO_V_OK, "%s at step %zu: %s\ntrace:\n%s",
               co_verdict_name(kind), v.step, v.what, text);
}

int sup_lowest_free(void) {
  int fd = open("/dev/null", O_RDONLY);
  cr_assert_geq(fd, 0);
  close(fd);
  return fd;
}
