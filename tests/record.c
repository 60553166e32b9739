/*
 * See record.h.
 */
#include "record.h"

#include <stdio.h>
#include <string.h>

static void hook(void *env, const struct co_step_info *s) {
  struct rec *r = env;
  if (s->step >= REC_MAX)
    return;
  r->real[s->step] = *s->real;
  r->model[s->step] = *s->model;
  r->call[s->step] = *s->call;
  r->sit_a[s->step] = s->sit_a;
  r->sit_b[s->step] = s->sit_b;
  r->entry[s->step] = s->resolved->call ? s->resolved->call->e : NULL;
  r->n = s->step + 1;
}

int rec_run(struct co_exec *ex, const char *text, struct rec *r,
            struct co_verdict *v, char *err, size_t errcap) {
  struct co_trace t;
  struct co_parse_error pe;
  int kind;
  co_trace_init(&t);
  if (co_trace_parse(text, strlen(text), &t, &pe) < 0) {
    snprintf(err, errcap, "%d:%d: %s", pe.line, pe.col, pe.message);
    co_trace_free(&t);
    return -1;
  }
  memset(r, 0, sizeof *r);
  co_exec_set_hook(ex, hook, r);
  kind = co_exec_run(ex, &t, v);
  co_exec_set_hook(ex, NULL, NULL);
  co_trace_free(&t);
  return kind;
}
