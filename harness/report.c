/*
 * Trace files in and reports out.
 */
#include "closeonce/report.h"

#include "closeonce/closeonce.h"
#include "closeonce/error.h"
#include "closeonce/shrink.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ipose.h"
#include "portable.h"

#ifdef _WIN32
#include <direct.h>
#define MKDIR(p) _mkdir(p)
#else
#define MKDIR(p) mkdir(p, 0777)
#endif

enum co_format co_format_detect(const void *data, size_t size) {
  return co_trace_looks_text(NULL, data, size) ? CO_FMT_TEXT : CO_FMT_BINARY;
}

int co_trace_load_mem(const void *data, size_t size, const char *name,
                      enum co_format fmt, const struct co_opset *set,
                      size_t max_ops, struct co_trace *out, char *err,
                      size_t errcap) {
  if (fmt == CO_FMT_AUTO)
    fmt = co_trace_looks_text(name, data, size) ? CO_FMT_TEXT : CO_FMT_BINARY;
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
    co_event_rec_format(&ev[i], line, sizeof line);
    fprintf(out, "    step %zu: %s: %s\n", ev[i].step,
            ev[i].ev.kind == CO_EV_INVALID_HANDLE ? "invalid-handle"
                                                  : "ownership violation",
            line);
  }
}

/* " by layer L" when a layer call broke its contract (v->layer), else "". */
static const char *by_layer(const struct co_verdict *v, char *buf, size_t cap) {
  if (!v->layer)
    return "";
  snprintf(buf, cap, " by layer %s", v->layer);
  return buf;
}

void co_report_text(FILE *out, const char *target, const struct co_trace *t,
                    const struct co_verdict *v, const struct co_event_rec *ev,
                    size_t nev) {
  char line[200], by[64];
  size_t i;
  if (v->step < t->len)
    fprintf(out, "%s%s at step %zu of %zu (target %s)\n",
            co_verdict_name(v->kind), by_layer(v, by, sizeof by), v->step,
            t->len, target);
  else
    fprintf(out, "%s at the end of the trace (%zu operations, target %s)\n",
            co_verdict_name(v->kind), t->len, target);
  fprintf(out, "  what:    %s\n", v->what);
  fprintf(out, "  meaning: %s\n", co_verdict_explain(v->kind));
  if (co_verdict_not_run(v, line, sizeof line))
    fprintf(out, "  not run: %s\n", line);
  if (nev) {
    fprintf(out, "  ownership events:\n");
    co_report_events(out, ev, nev);
  }
  fprintf(out, "  trace:\n");
  for (i = 0; i < t->len; i++) {
    co_op_format_thr(&t->ops[i], line, sizeof line);
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

/* ---- explain ---- */

struct explain_env {
  FILE *out;
  struct co_exec *ex;
};

/* 1 if a Win32 handle's access (co_fdstate.access) is one `open` gives:
 * GENERIC_READ, GENERIC_WRITE or FILE_APPEND_DATA for write
 * (harness/win32/backend.c win32_open). */
static int open_access(int a) {
  const int gr = CO_ACC_GENERIC_READ | CO_ACC_READ_DATA;
  const int gw = CO_ACC_GENERIC_WRITE | CO_ACC_WRITE_DATA | CO_ACC_APPEND_DATA;
  return a == (gr | gw) || a == gr || a == gw || a == CO_ACC_APPEND_DATA ||
         a == (gr | CO_ACC_APPEND_DATA);
}

static void print_state(FILE *out, const struct co_model *m,
                        const struct co_words *w) {
  int64_t num;
  unsigned k;
  int any = 0;
  char v[24];
  fprintf(out, "        %s:", w->handles);
  for (num = co_model_next_live(m, -1); num >= 0;
       num = co_model_next_live(m, num)) {
    struct co_fdstate fs;
    int o = co_model_owner(m, num);
    co_model_fd(m, num, &fs);
    fprintf(out, " %s", co_words_value(w, num, v, sizeof v));
    if (o >= 0)
      fprintf(out, "(o%d", o);
    else
      fprintf(out, "(client");
    if (fs.cloexec)
      fprintf(out, w->win32 ? ",not inheritable" : ",cloexec");
    if (fs.protect)
      fprintf(out, ",protected");
    if (w->win32 && !open_access(fs.access)) {
      /* an access no `open` gives (open_access, duphandle_access): as
       * the trace writes it */
      char acc[96];
      int a = fs.access;
      if (a & CO_ACC_GENERIC_READ)
        a &= ~CO_ACC_READ_DATA;
      if (a & CO_ACC_GENERIC_WRITE)
        a &= ~(CO_ACC_WRITE_DATA | CO_ACC_APPEND_DATA);
      co_access_format(a, acc, sizeof acc);
      fprintf(out, ",access %s", acc);
    }
    if (fs.offset >= 0)
      fprintf(out, ",off %lld", (long long)fs.offset);
    fprintf(out, ")");
    any = 1;
  }
  if (!any)
    fprintf(out, " none");
  fprintf(out, "\n");
  for (k = 0; k < CO_OBJS; k++) {
    struct co_objstate os;
    co_model_obj(m, k, &os);
    if (!os.live)
      continue;
    fprintf(out, "        o%u: %s %s %s%s", k, os.owns ? "owns" : "borrows",
            w->handle, co_words_value(w, os.num, v, sizeof v),
            os.num_valid ? "" : " (gone: closed or reused)");
    if (os.number >= 0)
      fprintf(out, ", C-runtime descriptor %lld", (long long)os.number);
    if (os.window >= 0)
      fprintf(out, ", paged in at %lld%s", (long long)os.window_number,
              os.pins ? " (lent)" : "");
    fprintf(out, "\n");
  }
}

/* A layer call's data, for explain: a C-runtime read's bytes (as the
 * model has them: the executor compared their digest; CR and LF escaped),
 * a failed C-runtime I/O call's _doserrno (docs/crt.md#doserrno). */
static void explain_call_data(const struct co_model *m,
                              const struct co_step_info *s, char *buf,
                              size_t cap) {
  uint8_t b[256];
  long n, i;
  size_t len;
  const struct co_entry *e = s->resolved->call ? s->resolved->call->e : NULL;
  if (s->real->err != CO_OK) {
    if (s->real->data && s->real->err != CO_REFUSED)
      snprintf(buf, cap, " (_doserrno %llu)",
               (unsigned long long)s->real->data);
    return;
  }
  if (!e || e->effect != CO_EFF_READ || s->real->ret <= 0 ||
      (n = co_model_last_read(m, b, sizeof b)) != s->real->ret)
    return;
  len = (size_t)snprintf(buf, cap, " \"");
  for (i = 0; i < n && len + 6 < cap; i++)
    len += (size_t)snprintf(buf + len, cap - len,
                            b[i] == '\n'                  ? "\\n"
                            : b[i] == '\r'                ? "\\r"
                            : b[i] >= 0x20 && b[i] < 0x7f ? "%c"
                                                          : "\\x%02x",
                            b[i]);
  if (len + 2 < cap)
    snprintf(buf + len, cap - len, "\"");
}

/* What a read returned (the bytes, as the model has them: the executor
 * compared their digest) or fstat (its fields), for explain. */
static void explain_data(const struct co_model *m, const struct co_step_info *s,
                         int win32, char *buf, size_t cap) {
  uint8_t b[256];
  struct co_fdstate fs;
  long n, i;
  size_t len = 0;
  uint64_t d = s->real->data;
  buf[0] = 0;
  if (win32 && s->real->err != CO_OK && s->real->err != CO_REFUSED &&
      (s->op->kind == CO_OP_WRITE || s->op->kind == CO_OP_READ)) {
    /* the byte count a failed ReadFile or WriteFile left
     * (docs/win32.md#access) */
    snprintf(buf, cap, " (%llu bytes %s)", (unsigned long long)d,
             s->op->kind == CO_OP_WRITE ? "written" : "read");
    return;
  }
  if (s->op->kind == CO_OP_CALL &&
      !(s->resolved && s->resolved->call &&
        s->resolved->call->e->effect == CO_EFF_STAT)) {
    explain_call_data(m, s, buf, cap);
    return;
  }
  if (s->real->err != CO_OK || s->real->ret < 0)
    return;
  if (s->op->kind == CO_OP_GETFL) {
    if (d & CO_GETFL_NONBLOCK)
      snprintf(buf, cap, " (O_NONBLOCK)");
    return;
  }
  if (s->op->kind == CO_OP_FSTAT ||
      (s->resolved && s->resolved->call &&
       s->resolved->call->e->effect == CO_EFF_STAT)) {
    snprintf(buf, cap, " (st_mode %06llo, st_nlink %llu, st_size %llu)",
             (unsigned long long)((d & 07777) |
                                  ((d >> CO_STAT_TYPE_SHIFT) & 0xf) << 12),
             (unsigned long long)((d >> CO_STAT_NLINK_SHIFT) & 0xff),
             (unsigned long long)(d >> CO_STAT_SIZE_SHIFT));
    return;
  }
  if (s->op->kind != CO_OP_READ || s->real->ret == 0)
    return;
  co_model_fd(m, s->call->a, &fs); /* the read moved the offset past them */
  if (fs.live && fs.offset < 0)    /* a pipe's bytes, gone from it */
    n = co_model_last_read(m, b, sizeof b);
  else
    n = co_model_file_bytes(m, s->call->a, fs.offset - s->real->ret, b,
                            (size_t)s->real->ret);
  if (n < 0)
    return;
  len = (size_t)snprintf(buf, cap, " \"");
  for (i = 0; i < n && len + 6 < cap; i++)
    len += (size_t)snprintf(buf + len, cap - len,
                            !b[i]                         ? "\\0"
                            : b[i] == '\n'                ? "\\n"
                            : b[i] == '\r'                ? "\\r"
                            : b[i] >= 0x20 && b[i] < 0x7f ? "%c"
                                                          : "\\x%02x",
                            b[i]);
  if (len + 2 < cap)
    snprintf(buf + len, cap - len, "\"");
}

static void explain_hook(void *env, const struct co_step_info *s) {
  struct explain_env *e = env;
  const struct co_event_rec *ev;
  size_t nev, i;
  /* a built-in operation in the platform's words; a layer call's result
   * is its library's (errno) */
  const struct co_words *w =
      s->resolved->call ? co_words(CO_PLATFORM_POSIX) : co_exec_words(e->ex);
  const char *raw = co_words_raw(w, s->real->raw);
  char text[128], r[64], v[24], data[300];
  co_op_format_thr(s->op, text, sizeof text);
  explain_data(co_exec_model(e->ex), s, co_exec_words(e->ex)->win32, data,
               sizeof data);
  if (s->real->err == CO_OK && s->resolved->binds2) { /* pipe: both ends */
    char v2[24]; /* as the platform writes them (Win32: 0x34) */
    snprintf(r, sizeof r, "%s %s",
             co_words_value(co_exec_words(e->ex), s->real->ret, v, sizeof v),
             co_words_value(co_exec_words(e->ex), (int64_t)s->real->data, v2,
                            sizeof v2));
  } else if (s->real->err == CO_OK)
    snprintf(r, sizeof r, "%s", /* a returned handle as the platform's */
             co_words_value(s->resolved->binds == 2 ||
                                    s->op->kind == CO_OP_GETSTD /* a HANDLE */
                                ? co_exec_words(e->ex)
                                : co_words(CO_PLATFORM_POSIX),
                            s->real->ret, v, sizeof v));
  else if (s->real->err == CO_REFUSED)
    snprintf(r, sizeof r, "refused (not run)");
  else if (s->real->err == CO_IPH)
    snprintf(r, sizeof r, "-1 (the invalid-parameter handler fired)");
  else if (raw)
    snprintf(r, sizeof r, "-1 %s", raw);
  else
    snprintf(r, sizeof r, "-1 %s", co_err_name(s->real->err));
  fprintf(e->out, "  %3zu  %-32s -> %s%s%s\n", s->step, text, r, data,
          (s->model->ret == s->real->ret || s->model->ret == CO_RET_ANY) &&
                  s->model->err == s->real->err &&
                  !((s->model->data ^ s->real->data) & s->model->dmask)
              ? ""
              : "   (the model differs)");
  nev = co_exec_events(e->ex, &ev);
  for (i = 0; i < nev; i++)
    if (ev[i].step == s->step) {
      char line[256];
      co_event_rec_format(&ev[i], line, sizeof line);
      fprintf(e->out, "        %s: %s\n",
              ev[i].ev.kind == CO_EV_INVALID_HANDLE ? "invalid-handle"
                                                    : "ownership violation",
              line);
    }
  if (s->icalls || s->icalls_lost) {
    unsigned k;
    fprintf(e->out, "        library calls:");
    for (k = 0; k < s->nicalls; k++) {
      char c[96];
      co_icall_format(&s->icalls[k], c, sizeof c);
      fprintf(e->out, "%s %s", k ? ";" : "", c);
    }
    if (!s->nicalls && !s->icalls_lost)
      fprintf(e->out, " none");
    if (s->icalls_lost)
      fprintf(e->out, " (and %u more)", s->icalls_lost);
    fprintf(e->out, "\n");
  }
  print_state(e->out, co_exec_model(e->ex), co_exec_words(e->ex));
}

void co_report_explain(FILE *out, struct co_exec *ex, const struct co_trace *t,
                       struct co_verdict *v) {
  struct explain_env env = {out, ex};
  struct co__mem mem = {NULL, NULL, 0};
  char nr[200];
  /* With 0-2 the trace's, nothing may reach them while it runs: the steps
   * go to memory (opened before the trace: a number of the process's),
   * then out. */
  if (co_exec_free_std(ex) && !(env.out = co__mem_open(&mem)))
    env.out = out; /* (no memory: as it goes, at the trace's risk) */
  co_exec_set_hook(ex, explain_hook, &env);
  co_exec_run(ex, t, v);
  co_exec_set_hook(ex, NULL, NULL);
  if (mem.f && co__mem_close(&mem) == 0)
    fwrite(mem.buf, 1, mem.len, out);
  free(mem.buf);
  if (co_verdict_not_run(v, nr, sizeof nr) && v->kind == CO_V_OK)
    fprintf(out,
            "verdict: ok, %s: model and platform agreed at every step that "
            "ran; nothing was compared at %s\n",
            nr, v->not_run == 1 ? "that one" : "those");
  else if (v->kind == CO_V_OK)
    fprintf(out, "verdict: ok (model and platform agreed at every step)\n");
  else if (v->step < t->len) {
    char by[64];
    fprintf(out, "verdict: %s%s at step %zu: %s\n", co_verdict_name(v->kind),
            by_layer(v, by, sizeof by), v->step, v->what);
  } else
    fprintf(out, "verdict: %s at the end of the trace: %s\n",
            co_verdict_name(v->kind), v->what);
  if (v->kind != CO_V_OK && v->not_run)
    fprintf(out, "also: %s\n", nr);
}

/* ---- report files ---- */

static const char *const mode_names[] = {"conformance", "contract"};

int co_report_markdown(FILE *out, struct co_exec *ex,
                       const struct co_finding *f) {
  const struct co_verdict *v = f->v;
  struct co_verdict again;
  char *steps;
  size_t i;
  struct co__mem mem;
  /* Run it once more for the annotated trace; the report describes that
   * run (descriptor numbers depend on the process it runs in). Without ex
   * (a trace that kills the process it runs in) the trace as it is. */
  if (!co__mem_open(&mem))
    return -1;
  if (ex) {
    co_report_explain(mem.f, ex, f->trace, &again);
  } else {
    fprintf(mem.f, "(not run again for this report: the trace kills the "
                   "process it runs in)\n");
    co_trace_print(f->trace, mem.f);
  }
  if (co__mem_close(&mem) < 0)
    return -1;
  steps = mem.buf;
  if (ex && again.kind == v->kind)
    v = &again;
  fprintf(out, "# closeonce: %s in target `%s`\n\n", co_verdict_name(v->kind),
          f->target);
  fprintf(out, "| | |\n|---|---|\n");
  fprintf(out, "| verdict | **%s** |\n", co_verdict_name(v->kind));
  if (v->layer)
    fprintf(out,
            "| at fault | the library of layer `%s`, at its own step "
            "(`%s`) |\n",
            v->layer, v->entry->name);
  if (v->step < f->trace->len)
    fprintf(out, "| where | step %zu of %zu |\n", v->step, f->trace->len);
  else
    fprintf(out, "| where | the end of the trace (%zu operations) |\n",
            f->trace->len);
  fprintf(out, "| mode | %s |\n", mode_names[f->mode != 0]);
  {
    char nr[200];
    if (co_verdict_not_run(v, nr, sizeof nr))
      fprintf(out, "| not run | %s: nothing compared there |\n", nr);
  }
  fprintf(out, "| found by | %s |\n", f->source);
  if (f->bug) {
    fprintf(out, "| bug | `%s` |\n", f->bug->name);
    fprintf(out,
            "| hits | %" PRIu64 " (first in run %" PRIu64
            ", after %.1f ms) |\n",
            f->bug->hits, f->bug->first_run, f->bug->first_seconds * 1e3);
    fprintf(out, "| confirmed | %s |\n",
            !strcmp(f->bug->confirmed, "fresh-process")
                ? "in a fresh process: the same bug"
            : !strcmp(f->bug->confirmed, "unstable")
                ? "**unstable: depends on earlier traces** (a fresh process "
                  "does not show it)"
                : "not checked in a fresh process");
  }
  if (f->shrink) {
    char line[400];
    co_shrink_describe(f->shrink, line, sizeof line);
    fprintf(out, "| shrinking | %s |\n\n", line);
  } else {
    fprintf(out, "| shrinking | not shrunk: the trace as given |\n\n");
  }
  fprintf(out, "**What happened:** %s\n\n", v->what);
  fprintf(out, "**Meaning:** %s.\n\n", co_verdict_explain(v->kind));
  if (v->kind == CO_V_OWNERSHIP || v->kind == CO_V_INVALID_HANDLE) {
    const struct co_words *w =
        ex ? co_exec_words(ex) : co_words(CO_PLATFORM_POSIX);
    fprintf(out,
            "**The rule:** every %s has exactly one owner, who closes it "
            "once (%s). A party that lends a %s keeps owning it; a party "
            "that adopts one takes it over. To give a %s to a second owner, "
            "duplicate it (%s) so that each owner closes its own.\n\n",
            w->handle,
            w->win32 ? "CloseHandle, or the C runtime's _close for a "
                       "descriptor over it"
                     : "close",
            w->handle, w->handle, w->win32 ? "DuplicateHandle" : "dup");
  }
  if (f->nev) {
    fprintf(out, "## Ownership events\n\n");
    for (i = 0; i < f->nev; i++) {
      char line[256];
      co_event_rec_format(&f->ev[i], line, sizeof line);
      fprintf(out, "- step %zu, %s: %s\n", f->ev[i].step,
              f->ev[i].ev.kind == CO_EV_INVALID_HANDLE ? "invalid-handle"
                                                       : "ownership violation",
              line);
    }
    fprintf(out, "\n");
  }
  if (v->has_outcomes) {
    fprintf(out, "## Model against platform at step %zu\n\n", v->step);
    fprintf(out, "| | returned | error |\n|---|---|---|\n");
    fprintf(out, "| model | %lld | %s |\n", (long long)v->model.ret,
            co_err_name(v->model.err));
    fprintf(out, "| platform | %lld | %s (raw %d) |\n\n",
            (long long)v->real.ret, co_err_name(v->real.err), v->real.raw);
  }
  fprintf(out, "## The trace, with the owners after every step\n\n```\n%s",
          steps);
  free(steps);
  fprintf(out,
          "```\n\n## Reproduce\n\nSave the trace below as "
          "`finding.trace`, then run `%s replay --target %s "
          "--mode %s finding.trace`.\n\n```\n",
          f->program ? f->program : "closeonce", f->target,
          mode_names[f->mode != 0]);
  co_trace_print(f->trace, out);
  fprintf(out, "```\n");
  return ferror(out) ? -1 : 0;
}

static void json_str(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(out, "\\%c", ch);
    else if (ch == '\n')
      fputs("\\n", out);
    else if (ch < 0x20)
      fprintf(out, "\\u%04x", ch);
    else
      fputc(ch, out);
  }
  fputc('"', out);
}

/* What shrinking verified (schema: "shrink"), one JSON object. */
static void json_shrink(FILE *out, const struct co_shrink_stats *st) {
  char line[400];
  co_shrink_describe(st, line, sizeof line);
  fprintf(out,
          "{\"checked\": \"%s\", \"confirmed\": %s, \"before\": %zu, "
          "\"after\": %zu, \"tried\": %" PRIu64 ", \"rounds\": %u, "
          "\"round_limit\": %s, \"pairs_max\": %zu, \"text\": ",
          co_shrink_checked(st), st->confirmed ? "true" : "false", st->before,
          st->after, st->tried, st->rounds, st->round_limit ? "true" : "false",
          st->pairs_max);
  json_str(out, line);
  fputc('}', out);
}

static void json_outcome(FILE *out, const struct co_outcome *o) {
  fprintf(out, "{\"ret\": %lld, \"error\": ", (long long)o->ret);
  json_str(out, co_err_name(o->err));
  fprintf(out, ", \"raw\": %d}", o->raw);
}

/* A campaign's bug (schema: "bug"), one JSON object after lead. */
static void json_bug(FILE *out, const struct co_bug_info *b, const char *lead) {
  fputs(lead, out);
  fprintf(out, "{\"name\": ");
  json_str(out, b->name);
  fprintf(out,
          ", \"hits\": %" PRIu64 ", \"first_run\": %" PRIu64
          ", \"first_seconds\": %.6f, \"confirmed\": ",
          b->hits, b->first_run, b->first_seconds);
  json_str(out, b->confirmed);
  fputc('}', out);
}

int co_report_json(FILE *out, const struct co_finding *f) {
  const struct co_verdict *v = f->v;
  size_t i;
  char line[256];
  fprintf(out, "{\n  \"tool\": \"closeonce\",\n  \"schema\": 1,\n  "
               "\"target\": ");
  json_str(out, f->target);
  fprintf(out, ",\n  \"mode\": ");
  json_str(out, mode_names[f->mode != 0]);
  fprintf(out, ",\n  \"source\": ");
  json_str(out, f->source);
  if (f->bug)
    json_bug(out, f->bug, ",\n  \"bug\": ");
  fprintf(out, ",\n  \"verdict\": {\n    \"kind\": ");
  json_str(out, co_verdict_name(v->kind));
  fprintf(out,
          ",\n    \"step\": %zu,\n    \"at_end\": %s,\n    \"what\": ", v->step,
          v->step < f->trace->len ? "false" : "true");
  json_str(out, v->what);
  fprintf(out, ",\n    \"meaning\": ");
  json_str(out, co_verdict_explain(v->kind));
  /* steps that did not run: nothing was compared there */
  fprintf(out, ",\n    \"not_run\": {\"steps\": %zu", v->not_run);
  if (v->not_run) {
    fprintf(out, ", \"first_step\": %zu, \"what\": ", v->not_run_step);
    json_str(out, v->not_run_what);
  }
  fputc('}', out);
  fprintf(out, ",\n    \"client\": %s", v->client ? "true" : "false");
  fprintf(out, ",\n    \"layer\": ");
  if (v->layer)
    json_str(out, v->layer);
  else
    fprintf(out, "null");
  fprintf(out, ",\n    \"entry\": ");
  if (v->layer)
    json_str(out, v->entry->name);
  else
    fprintf(out, "null");
  if (v->has_outcomes) {
    fprintf(out, ",\n    \"model\": ");
    json_outcome(out, &v->model);
    fprintf(out, ",\n    \"platform\": ");
    json_outcome(out, &v->real);
  }
  fprintf(out, "\n  },\n  \"events\": [");
  for (i = 0; i < f->nev; i++) {
    co_event_rec_format(&f->ev[i], line, sizeof line);
    fprintf(out, "%s\n    {\"step\": %zu, \"kind\": ", i ? "," : "",
            f->ev[i].step);
    json_str(out, f->ev[i].ev.kind == CO_EV_INVALID_HANDLE
                      ? "invalid-handle"
                      : "ownership-violation");
    fprintf(out, ", \"client\": %s, \"text\": ",
            f->ev[i].ev.client ? "true" : "false");
    json_str(out, line);
    fprintf(out, "}");
  }
  fprintf(out, "%s],\n", f->nev ? "\n  " : "");
  if (f->shrink) {
    fprintf(out, "  \"shrink\": ");
    json_shrink(out, f->shrink);
    fprintf(out, ",\n");
  }
  fprintf(out, "  \"trace\": [");
  for (i = 0; i < f->trace->len; i++) {
    co_op_format_thr(&f->trace->ops[i], line, sizeof line);
    fprintf(out, "%s\n    ", i ? "," : "");
    json_str(out, line);
  }
  fprintf(out, "%s]\n}\n", f->trace->len ? "\n  " : "");
  return ferror(out) ? -1 : 0;
}

static void xml_str(FILE *out, const char *s) {
  for (; *s; s++)
    switch (*s) {
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '&':
      fputs("&amp;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    default:
      if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
        fputc(*s, out);
    }
}

int co_report_junit(FILE *out, const char *suite,
                    const struct co_junit_case *cases, size_t n) {
  size_t i, failures = 0;
  double total = 0;
  const struct co_verdict *vd;
  char nr[200];
  for (i = 0; i < n; i++) {
    failures += cases[i].failure != NULL;
    total += cases[i].seconds;
  }
  fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(out, "<testsuites tests=\"%zu\" failures=\"%zu\">\n", n, failures);
  fprintf(out, "  <testsuite name=\"");
  xml_str(out, suite);
  fprintf(out,
          "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
          "time=\"%.3f\">\n",
          n, failures, total);
  for (i = 0; i < n; i++) {
    const struct co_junit_case *c = &cases[i];
    fprintf(out, "    <testcase classname=\"");
    xml_str(out, c->classname);
    fprintf(out, "\" name=\"");
    xml_str(out, c->name);
    fprintf(out, "\" time=\"%.3f\"", c->seconds);
    vd = c->failure ? c->failure->v : c->verdict;
    if (!vd || !co_verdict_not_run(vd, nr, sizeof nr))
      nr[0] = '\0';
    if (!c->failure && !nr[0]) {
      fprintf(out, "/>\n");
      continue;
    }
    if (!c->failure) { /* passed, with steps that did not run */
      fprintf(out, ">\n      <system-out>ok, ");
      xml_str(out, nr);
      fprintf(out, "</system-out>\n    </testcase>\n");
      continue;
    }
    fprintf(out, ">\n      <failure type=\"");
    xml_str(out, co_verdict_name(c->failure->v->kind));
    fprintf(out, "\" message=\"");
    xml_str(out, c->failure->v->what);
    if (nr[0]) {
      xml_str(out, "; ");
      xml_str(out, nr);
    }
    fprintf(out, "\">");
    {
      char line[256];
      size_t k;
      for (k = 0; k < c->failure->trace->len; k++) {
        co_op_format_thr(&c->failure->trace->ops[k], line, sizeof line);
        fprintf(out, "%s %3zu  ", k == c->failure->v->step ? ">" : " ", k);
        xml_str(out, line);
        fputc('\n', out);
      }
    }
    fprintf(out, "</failure>\n    </testcase>\n");
  }
  fprintf(out, "  </testsuite>\n</testsuites>\n");
  return ferror(out) ? -1 : 0;
}

int co_mkdir_p(const char *dir) {
  char tmp[4096];
  char *p;
  snprintf(tmp, sizeof tmp, "%s", dir);
  for (p = tmp + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (MKDIR(tmp) < 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  if (MKDIR(tmp) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

int co_report_files(const char *dir, const char *name, struct co_exec *ex,
                    const struct co_finding *f) {
  char path[4200], *md;
  size_t mdlen;
  FILE *out;
  struct co__mem mem;
  int rc = 0;
  /* Render the Markdown (it runs the trace again) before any file of ours
   * is open: a descriptor opened during the run would look like the
   * harness's. */
  if (!co__mem_open(&mem))
    return -1;
  rc |= co_report_markdown(mem.f, ex, f);
  if (co__mem_close(&mem) < 0)
    return -1;
  md = mem.buf;
  mdlen = mem.len;
  if (co_mkdir_p(dir) < 0) {
    free(md);
    return -1;
  }
  snprintf(path, sizeof path, "%s/%s.md", dir, name);
  if (!(out = fopen(path, "w"))) {
    free(md);
    return -1;
  }
  rc |= fwrite(md, 1, mdlen, out) != mdlen;
  rc |= fclose(out);
  free(md);
  snprintf(path, sizeof path, "%s/%s.json", dir, name);
  if (!(out = fopen(path, "w")))
    return -1;
  rc |= co_report_json(out, f);
  rc |= fclose(out);
  return rc ? -1 : 0;
}

/* ---- SARIF 2.1.0 ----
 * Property names and required members follow the OASIS SARIF 2.1.0
 * specification (sarif-v2.1.0-os, sections 3.13 sarifLog, 3.14 run, 3.18
 * toolComponent, 3.27 result, 3.28 location, 3.36 codeFlow, 3.49
 * reportingDescriptor); tests/validate_sarif.py checks them against the
 * object model Debian's python3-sarif-python-om generates from the schema. */

/* A file path as a SARIF artifact URI: absolute paths become file:// URIs,
 * relative ones stay relative references; reserved bytes are
 * percent-encoded (RFC 3986). */
static void sarif_uri(FILE *out, const char *path) {
  static const char keep[] = "-._~/";
  fputc('"', out);
  if (path[0] == '/')
    fputs("file://", out);
  for (; *path; path++) {
    unsigned char ch = (unsigned char)*path;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
        (ch >= '0' && ch <= '9') || strchr(keep, ch))
      fputc(ch, out);
    else
      fprintf(out, "%%%02X", ch);
  }
  fputc('"', out);
}

/* The lines of f's trace file for each step (0: unknown). Returns a
 * malloc'd array of trace->len entries, or NULL. */
static int *sarif_lines(const struct co_finding *f) {
  FILE *in;
  char *text = NULL;
  size_t len = 0, cap = 0, i;
  int *lines;
  if (!f->trace_file || !(in = fopen(f->trace_file, "rb")))
    return NULL;
  for (;;) {
    size_t got;
    if (len == cap) {
      char *nt = realloc(text, cap = cap ? 2 * cap : 4096);
      if (!nt)
        break;
      text = nt;
    }
    got = fread(text + len, 1, cap - len, in);
    len += got;
    if (!got)
      break;
  }
  fclose(in);
  lines = text && co_format_detect(text, len) == CO_FMT_TEXT
              ? calloc(f->trace->len + 1, sizeof *lines)
              : NULL;
  for (i = 0; lines && i < f->trace->len; i++)
    lines[i] = co_trace_line_of(text, len, i);
  free(text);
  return lines;
}

static void sarif_location(FILE *out, const struct co_finding *f, int line,
                           const char *message, const char *indent) {
  fprintf(out,
          "{\n%s  \"physicalLocation\": {\n%s    \"artifactLocation\": "
          "{\"uri\": ",
          indent, indent);
  sarif_uri(out, f->trace_file ? f->trace_file : f->source);
  fprintf(out, "}");
  if (line > 0)
    fprintf(out, ",\n%s    \"region\": {\"startLine\": %d}", indent, line);
  fprintf(out, "\n%s  },\n%s  \"logicalLocations\": [{\"name\": ", indent,
          indent);
  json_str(out, f->target);
  fprintf(out, ", \"kind\": \"module\"}]");
  if (message) {
    fprintf(out, ",\n%s  \"message\": {\"text\": ", indent);
    json_str(out, message);
    fputc('}', out);
  }
  fprintf(out, "\n%s}", indent);
}

static void sarif_result(FILE *out, const struct co_finding *f) {
  const struct co_verdict *v = f->v;
  char line[256], msg[sizeof v->what + 400], by[64];
  int *lines = sarif_lines(f);
  size_t i;
  int at = lines && v->step < f->trace->len ? lines[v->step] : 0;
  if (v->step < f->trace->len) {
    co_op_format_thr(&f->trace->ops[v->step], line, sizeof line);
    snprintf(msg, sizeof msg, "%s%s at step %zu (`%s`): %s",
             co_verdict_name(v->kind), by_layer(v, by, sizeof by), v->step,
             line, v->what);
  } else {
    snprintf(msg, sizeof msg, "%s at the end of the trace: %s",
             co_verdict_name(v->kind), v->what);
  }
  if (v->not_run) {
    char nr[200];
    size_t l = strlen(msg);
    co_verdict_not_run(v, nr, sizeof nr);
    snprintf(msg + l, sizeof msg - l, "; %s", nr);
  }
  fprintf(out, "        {\n          \"ruleId\": ");
  json_str(out, co_verdict_name(v->kind));
  fprintf(out, ",\n          \"ruleIndex\": %d,\n", v->kind - 1);
  /* an unstable bug (it depends on earlier traces) is not a plain
   * finding */
  fprintf(out,
          "          \"level\": \"%s\",\n          \"kind\": "
          "\"fail\",\n          \"message\": {\"text\": ",
          f->bug && !strcmp(f->bug->confirmed, "unstable") ? "warning"
                                                           : "error");
  json_str(out, msg);
  fprintf(out, "},\n          \"locations\": [");
  sarif_location(out, f, at, NULL, "            ");
  fprintf(out,
          "],\n          \"partialFingerprints\": "
          "{\"closeonceTrace/v1\": \"%016llx\"",
          (unsigned long long)co_trace_hash(f->trace));
  if (f->bug) {
    fprintf(out, ", \"closeonceBug/v1\": ");
    json_str(out, f->bug->name);
  }
  fprintf(out, "},\n");
  fprintf(out, "          \"codeFlows\": [{\"threadFlows\": [{\"locations\": "
               "[");
  for (i = 0; i < f->trace->len; i++) {
    co_op_format_thr(&f->trace->ops[i], line, sizeof line);
    fprintf(out,
            "%s\n            {\"executionOrder\": %zu, \"importance\": "
            "\"%s\", \"location\": ",
            i ? "," : "", i, i == v->step ? "essential" : "important");
    {
      char step[300];
      snprintf(step, sizeof step, "step %zu: %s", i, line);
      sarif_location(out, f, lines ? lines[i] : 0, step, "              ");
    }
    fprintf(out, ",\n              \"kinds\": [\"call\"]}");
  }
  fprintf(out, "\n          ]}]}],\n          \"properties\": {\"target\": ");
  json_str(out, f->target);
  fprintf(out, ", \"mode\": ");
  json_str(out, mode_names[f->mode != 0]);
  fprintf(out, ", \"step\": %zu, \"client\": %s, \"source\": ", v->step,
          v->client ? "true" : "false");
  json_str(out, f->source);
  if (f->bug)
    json_bug(out, f->bug, ", \"bug\": ");
  if (f->shrink) {
    fprintf(out, ", \"shrink\": ");
    json_shrink(out, f->shrink);
  }
  fprintf(out, ", \"trace\": [");
  for (i = 0; i < f->trace->len; i++) {
    co_op_format_thr(&f->trace->ops[i], line, sizeof line);
    fprintf(out, "%s", i ? ", " : "");
    json_str(out, line);
  }
  fprintf(out, "]}\n        }");
  free(lines);
}

int co_report_sarif(FILE *out, const char *command,
                    const struct co_junit_case *cases, size_t n) {
  size_t i, nres = 0;
  int k;
  fprintf(out, "{\n  \"$schema\": "
               "\"https://json.schemastore.org/sarif-2.1.0.json\",\n"
               "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
               "      \"tool\": {\n        \"driver\": {\n"
               "          \"name\": \"closeonce\",\n"
               "          \"semanticVersion\": \"" CO_VERSION "\",\n"
               "          \"version\": \"" CO_VERSION "\",\n"
               "          \"rules\": [");
  /* Rules in verdict order, from the first finding kind (ruleIndex is
   * kind - 1). */
  for (k = CO_V_DIVERGENCE; k < CO_V_COUNT; k++) {
    fprintf(out, "%s\n            {\"id\": ", k > CO_V_DIVERGENCE ? "," : "");
    json_str(out, co_verdict_name(k));
    fprintf(out, ", \"name\": ");
    json_str(out, co_verdict_name(k));
    fprintf(out, ",\n             \"shortDescription\": {\"text\": ");
    json_str(out, co_verdict_explain(k));
    fprintf(out, "},\n             \"fullDescription\": {\"text\": ");
    json_str(out, co_verdict_explain(k));
    fprintf(out, "},\n             \"help\": {\"text\": ");
    json_str(out, "Every handle has exactly one owner, who closes it once. "
                  "A party that lends a handle keeps owning it; one that "
                  "adopts a handle takes it over. To give a handle to a "
                  "second owner, duplicate it (dup, DuplicateHandle). "
                  "Reproduce with closeonce replay or closeonce repro on "
                  "the trace.");
    fprintf(out, "},\n             \"defaultConfiguration\": {\"level\": "
                 "\"error\"}}");
  }
  fprintf(out, "\n          ]\n        }\n      },\n"
               "      \"invocations\": [{\"executionSuccessful\": true, "
               "\"commandLine\": ");
  json_str(out, command);
  fprintf(out, "}],\n      \"columnKind\": \"unicodeCodePoints\",\n"
               "      \"results\": [");
  for (i = 0; i < n; i++)
    if (cases[i].failure) {
      fprintf(out, "%s\n", nres++ ? "," : "");
      sarif_result(out, cases[i].failure);
    }
  fprintf(out, "%s]\n    }\n  ]\n}\n", nres ? "\n      " : "");
  return ferror(out) ? -1 : 0;
}
