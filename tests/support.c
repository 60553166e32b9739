#include "support.h"

#include <fcntl.h>
#include <stdlib.h>
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

struct co_adapter *sup_adapter_copy(const struct co_adapter *a,
                                    const char *layer, const char *prefix,
                                    struct co_entry **entries) {
  const struct co_contract *c = a->contract;
  struct co_entry *ents = calloc(c->nentries, sizeof *ents);
  struct co_contract *wc = calloc(1, sizeof *wc);
  struct co_adapter *wa = calloc(1, sizeof *wa);
  size_t i;
  cr_assert(ents && wc && wa);
  for (i = 0; i < c->nentries; i++) {
    char *n = malloc(strlen(prefix) + strlen(c->entries[i].name) + 2);
    cr_assert(n);
    sprintf(n, "%s_%s", prefix, c->entries[i].name);
    ents[i] = c->entries[i];
    ents[i].name = n;
  }
  *wc = *c;
  wc->layer = layer;
  wc->entries = ents;
  *wa = *a;
  wa->contract = wc;
  *entries = ents;
  return wa;
}

void sup_target_fill(struct co_target *t, const char *name, const char *layer) {
  memset(t, 0, sizeof *t);
  t->name = name;
  t->summary = name;
  t->backend = &co_backend_posix;
  t->kinds = co_client_ops;
  t->nkinds = co_client_nops;
  t->layers[0] = layer;
  t->mode = CO_MODE_CONTRACT;
}

void sup_target_register(const char *layer, const char *summary) {
  struct co_target *t = calloc(1, sizeof *t);
  char err[256];
  cr_assert(t);
  sup_target_fill(t, layer, layer);
  t->summary = summary;
  cr_assert_eq(co_target_register(t, err, sizeof err), 0, "%s", err);
}
