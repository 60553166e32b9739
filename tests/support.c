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

static void hook(void *env, const struct co_step_info *s) {
  struct rec *r = env;
  if (s->step >= REC_MAX)
    return;
  r->real[s->step] = *s->real;
  r->model[s->step] = *s->model;
  r->call[s->step] = *s->call;
  r->sit_a[s->step] = s->sit_a;
  r->sit_b[s->step] = s->sit_b;
  r->n = s->step + 1;
}

int sup_run(struct co_exec *ex, const char *text, struct rec *r,
            struct co_verdict *v) {
  struct co_trace t;
  struct co_parse_error pe;
  int kind;
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(text, strlen(text), &t, &pe), 0,
               "parse error %d:%d: %s", pe.line, pe.col, pe.message);
  memset(r, 0, sizeof *r);
  co_exec_set_hook(ex, hook, r);
  kind = co_exec_run(ex, &t, v);
  co_exec_set_hook(ex, NULL, NULL);
  co_trace_free(&t);
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
