/*
 * Trace files in and reports out.
 */
#include "closeonce/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum co_format co_format_detect(const void *data, size_t size) {
  const unsigned char *p = data;
  size_t i;
  for (i = 0; i < size; i++)
    if (!(p[i] == '\n' || p[i] == '\t' || p[i] == '\r' ||
          (p[i] >= 0x20 && p[i] < 0x7f)))
      return CO_FMT_BINARY;
  return CO_FMT_TEXT;
}

int co_trace_load_mem(const void *data, size_t size, const char *name,
                      enum co_format fmt, const struct co_opset *set,
                      size_t max_ops, struct co_trace *out, char *err,
                      size_t errcap) {
  if (fmt == CO_FMT_AUTO)
    fmt = co_format_detect(data, size);
  if (fmt == CO_FMT_BINARY) {
    if (co_trace_decode(data, size, set, max_ops, out) < 0) {
      snprintf(err, errcap, "%s: out of memory", name);
      return -1;
    }
    return 0;
  }
  {
    struct co_parse_error pe;
    if (co_trace_parse(data, size, out, &pe) < 0) {
      snprintf(err, errcap, "%s:%d:%d: %s", name, pe.line, pe.col, pe.message);
      return -1;
    }
    if (max_ops && out->len > max_ops)
      out->len = max_ops;
  }
  return 0;
}

int co_trace_load(const char *path, enum co_format fmt,
                  const struct co_opset *set, size_t max_ops,
                  struct co_trace *out, char *err, size_t errcap) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  int rc;
  if (!f) {
    snprintf(err, errcap, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  for (;;) {
    if (len == cap) {
      char *nb;
      if (cap >= (size_t)64 << 20) {
        snprintf(err, errcap, "%s: larger than 64 MiB; not a trace", path);
        fclose(f);
        free(buf);
        return -1;
      }
      nb = realloc(buf, cap = cap ? cap * 2 : 4096);
      if (!nb) {
        snprintf(err, errcap, "%s: out of memory", path);
        fclose(f);
        free(buf);
        return -1;
      }
      buf = nb;
    }
    n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  if (ferror(f)) {
    snprintf(err, errcap, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    free(buf);
    return -1;
  }
  fclose(f);
  rc = co_trace_load_mem(buf, len, path, fmt, set, max_ops, out, err, errcap);
  free(buf);
  return rc;
}

void co_report_events(FILE *out, const struct co_event_rec *ev, size_t nev) {
  char line[256];
  size_t i;
  for (i = 0; i < nev; i++) {
    co_event_format(&ev[i].ev, line, sizeof line);
    fprintf(out, "    step %zu: %s: %s\n", ev[i].step,
            ev[i].ev.kind == CO_EV_INVALID_HANDLE ? "invalid-handle"
                                                  : "ownership violation",
            line);
  }
}

void co_report_text(FILE *out, const char *target, const struct co_trace *t,
                    const struct co_verdict *v, const struct co_event_rec *ev,
                    size_t nev) {
  char line[128];
  size_t i;
  if (v->step < t->len)
    fprintf(out, "%s at step %zu of %zu (target %s)\n",
            co_verdict_name(v->kind), v->step, t->len, target);
  else
    fprintf(out, "%s at the end of the trace (%zu operations, target %s)\n",
            co_verdict_name(v->kind), t->len, target);
  fprintf(out, "  what:    %s\n", v->what);
  fprintf(out, "  meaning: %s\n", co_verdict_explain(v->kind));
  if (nev) {
    fprintf(out, "  ownership events:\n");
    co_report_events(out, ev, nev);
  }
  fprintf(out, "  trace:\n");
  for (i = 0; i < t->len; i++) {
    co_op_format(&t->ops[i], line, sizeof line);
    fprintf(out, "  %s %3zu  %s\n", i == v->step ? ">" : " ", i, line);
  }
}

int co_trace_save(const char *path, const char *header,
                  const struct co_trace *t) {
  FILE *f = fopen(path, "w");
  int rc = 0;
  if (!f)
    return -1;
  if (header) {
    const char *p = header;
    while (*p) {
      const char *nl = strchr(p, '\n');
      size_t n = nl ? (size_t)(nl - p) : strlen(p);
      fprintf(f, "# %.*s\n", (int)n, p);
      p += n + (nl ? 1 : 0);
    }
  }
  if (co_trace_print(t, f) < 0)
    rc = -1;
  if (fclose(f) != 0)
    rc = -1;
  return rc;
}
