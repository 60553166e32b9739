/*
 * Standalone C reproducers: a trace as a short C program that uses only the
 * platform's and the libraries' own APIs (no closeonce code). Each step is
 * a call, a comment saying who owns what afterwards, and a check of the
 * result against the model's prediction. Descriptor numbers are written as
 * "the k-th number free at start", as in traces, so the program holds in
 * any process. It exits 1 where the finding shows, 0 if it does not.
 */
#include "closeonce/repro.h"

#include "portable.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"

#define MAXSTEPS 512

struct rec {
  size_t n;
  struct co_outcome model[MAXSTEPS];
  char *owners[MAXSTEPS];  /* "4(o0) 5(client)" after the step */
  uint64_t live[MAXSTEPS]; /* bit k: free number k live after the step */
  struct co_exec *ex;
  int64_t freenum[64];
};

static int free_index(const struct rec *r, int64_t num) {
  int k;
  for (k = 0; k < 64; k++)
    if (r->freenum[k] == num)
      return k;
  return -1;
}

static void hook(void *env, const struct co_step_info *s) {
  struct rec *r = env;
  const struct co_model *m = co_exec_model(r->ex);
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int64_t num;
  if (s->step >= MAXSTEPS || !buf) {
    free(buf);
    return;
  }
  r->model[s->step] = *s->model;
  r->live[s->step] = 0;
  buf[0] = 0;
  /* (No stream: nothing may open a descriptor while the trace runs.) */
  for (num = co_model_next_live(m, -1); num >= 0 && len < cap - 64;
       num = co_model_next_live(m, num)) {
    int w = co_model_owner(m, num), k = free_index(r, num);
    if (k >= 0)
      r->live[s->step] |= 1ull << k;
    if (k >= 0)
      len += (size_t)snprintf(buf + len, cap - len, " f%d", k);
    else
      len += (size_t)snprintf(buf + len, cap - len, " %lld", (long long)num);
    if (len < cap && w >= 0)
      len += (size_t)snprintf(buf + len, cap - len, " (owned by o%d)", w);
    else if (len < cap)
      len += (size_t)snprintf(buf + len, cap - len, " (owned by the client)");
  }
  r->owners[s->step] = buf;
  r->n = s->step + 1;
}

static const char *errno_name(int err) {
  switch (err) {
  case CO_EBADF:
    return "EBADF";
  case CO_EINVAL:
    return "EINVAL";
  case CO_EMFILE:
    return "EMFILE";
  case CO_EPERM:
    return "EPERM";
  default:
    return NULL;
  }
}

/* A reference as a C expression. */
static void ref_c(FILE *o, struct co_ref r) {
  switch (r.type) {
  case CO_REF_SLOT:
    fprintf(o, "s[%u]", r.idx);
    break;
  case CO_REF_FREE:
    fprintf(o, "freenum(%u)", r.idx);
    break;
  case CO_REF_NEG:
    fprintf(o, "-1");
    break;
  default:
    fprintf(o, "limit()");
  }
}

static const char *acc_c(unsigned f) {
  return (f & CO_F_ACC_MASK) == CO_F_ACC_RDONLY   ? "O_RDONLY"
         : (f & CO_F_ACC_MASK) == CO_F_ACC_WRONLY ? "O_WRONLY"
                                                  : "O_RDWR";
}

/* One operation as C; returns -1 for an entry without a C template. */
static int op_c(FILE *o, const struct co_op *op, const char **lib) {
  struct co_ref A = op->a, B = op->b;
  switch ((enum co_opkind)op->kind) {
  case CO_OP_OPEN:
    fprintf(o, "  r = s[%u] = fresh(%s%s%s);\n", op->dst, acc_c(op->flags),
            op->flags & CO_F_CLOEXEC ? " | O_CLOEXEC" : "",
            op->flags & CO_F_APPEND ? " | O_APPEND" : "");
    return 0;
  case CO_OP_DUP:
    fprintf(o, "  r = s[%u] = dup(", op->dst);
    ref_c(o, A);
    fprintf(o, ");\n");
    return 0;
  case CO_OP_DUP2:
  case CO_OP_DUP3:
  case CO_OP_DUPFD:
    fprintf(o, "  r = s[%u] = %s(", op->dst,
            op->kind == CO_OP_DUP2   ? "dup2"
            : op->kind == CO_OP_DUP3 ? "dup3"
                                     : "fcntl");
    ref_c(o, A);
    if (op->kind == CO_OP_DUPFD)
      fprintf(o, ", %s", op->flags & CO_F_BIT0 ? "F_DUPFD_CLOEXEC" : "F_DUPFD");
    fprintf(o, ", ");
    ref_c(o, B);
    if (op->kind == CO_OP_DUP3)
      fprintf(o, ", %s%s", op->flags & CO_F_BIT0 ? "O_CLOEXEC" : "0",
              op->flags & CO_F_BIT1 ? " | O_APPEND /* invalid */" : "");
    fprintf(o, ");\n");
    return 0;
  case CO_OP_GETFD:
    fprintf(o, "  r = fcntl(");
    ref_c(o, A);
    fprintf(o, ", F_GETFD);\n  if (r > 0)\n    r &= FD_CLOEXEC;\n");
    return 0;
  case CO_OP_SETFD:
    fprintf(o, "  r = fcntl(");
    ref_c(o, A);
    fprintf(o, ", F_SETFD, %s);\n", op->flags & CO_F_BIT0 ? "FD_CLOEXEC" : "0");
    return 0;
  case CO_OP_GETFL:
    fprintf(o, "  r = getfl(");
    ref_c(o, A);
    fprintf(o, ");\n");
    return 0;
  case CO_OP_SETFL:
    fprintf(o, "  r = fcntl(");
    ref_c(o, A);
    fprintf(o, ", F_SETFL, %s);\n", op->flags & CO_F_BIT0 ? "O_APPEND" : "0");
    return 0;
  case CO_OP_CLOSE:
    fprintf(o, "  r = close(");
    ref_c(o, A);
    fprintf(o, ");\n");
    return 0;
  case CO_OP_CLOSE_RANGE:
    fprintf(o, "  r = syscall(SYS_close_range, (unsigned)");
    ref_c(o, A);
    fprintf(o, ", (unsigned)");
    ref_c(o, B);
    fprintf(o, ", %s);\n", op->flags & CO_F_BIT0 ? "4u /* CLOEXEC */" : "0u");
    return 0;
  case CO_OP_WRITE:
    fprintf(o, "  r = write(");
    ref_c(o, A);
    fprintf(o, ", buf, %d);\n", (int)op->n);
    return 0;
  case CO_OP_LSEEK:
    fprintf(o, "  r = lseek(");
    ref_c(o, A);
    fprintf(o, ", %d, %s);\n", (int)op->n,
            (op->flags & CO_F_WHENCE_MASK) == 0   ? "SEEK_SET"
            : (op->flags & CO_F_WHENCE_MASK) == 1 ? "SEEK_CUR"
                                                  : "SEEK_END");
    return 0;
  case CO_OP_CALL: {
    const struct co_entry *e = co_entry_get(op->entry, NULL, NULL);
    const char *n = e ? e->name : "?";
    const char *mode = e && co_entry_nmodes(e) ? e->modes[op->flags].name : "";
    unsigned k = op->obj, d = op->dst;
    if (!strcmp(n, "fdopen")) {
      fprintf(o, "  o[%u] = fdopen(", d);
      ref_c(o, A);
      fprintf(o, ", \"%s\");\n  r = o[%u] ? 0 : -1;\n", mode, d);
    } else if (!strcmp(n, "fileno")) {
      fprintf(o, "  r = s[%u] = fileno(o[%u]);\n", d, k);
    } else if (!strcmp(n, "fwrite")) {
      fprintf(o,
              "  r = fwrite(buf, 1, %d, o[%u]) == %d && fflush(o[%u]) == 0 "
              "? %d : -1;\n  if (r < 0) {\n    int e = errno;\n"
              "    __fpurge(o[%u]);\n    errno = e;\n  }\n",
              (int)op->n, k, (int)op->n, k, (int)op->n, k);
    } else if (!strcmp(n, "fclose")) {
      fprintf(o, "  r = fclose(o[%u]) == 0 ? 0 : -1;\n  o[%u] = NULL;\n", k, k);
    } else if (!strcmp(n, "gzdopen")) {
      *lib = "-lz";
      fprintf(o, "  o[%u] = gzdopen(", d);
      ref_c(o, A);
      fprintf(o, ", \"%s\");\n  r = o[%u] ? 0 : -1;\n", mode, d);
    } else if (!strcmp(n, "gzwrite")) {
      fprintf(o,
              "  r = gzwrite(o[%u], buf, %d) == %d && gzflush(o[%u], "
              "Z_SYNC_FLUSH) == Z_OK ? %d : -1;\n",
              k, (int)op->n, (int)op->n, k, (int)op->n);
    } else if (!strcmp(n, "gzclose")) {
      fprintf(o, "  r = gzclose(o[%u]) == Z_OK ? 0 : -1;\n  o[%u] = NULL;\n", k,
              k);
    } else if (!strcmp(n, "demo_open")) {
      *lib = "demolib.c";
      fprintf(o,
              "  snprintf(path, sizeof path, \"%%s/demo\", dir);\n"
              "  o[%u] = demo_open_planted(path, VARIANT);\n  unlink(path);\n"
              "  r = o[%u] ? 0 : -1;\n",
              d, d);
    } else if (!strcmp(n, "demo_adopt")) {
      *lib = "demolib.c";
      fprintf(o, "  o[%u] = demo_adopt_planted(", d);
      ref_c(o, A);
      fprintf(o, ", VARIANT);\n  r = o[%u] ? 0 : -1;\n", d);
    } else if (!strcmp(n, "demo_fd") || !strcmp(n, "demo_export") ||
               !strcmp(n, "demo_detach")) {
      fprintf(o, "  r = s[%u] = %s(o[%u]);\n", d, n, k);
      if (!strcmp(n, "demo_detach"))
        fprintf(o, "  o[%u] = NULL;\n", k);
    } else if (!strcmp(n, "demo_write")) {
      fprintf(o, "  r = demo_write(o[%u], buf, %d);\n", k, (int)op->n);
    } else if (!strcmp(n, "demo_close")) {
      fprintf(o, "  r = demo_close(o[%u]);\n  o[%u] = NULL;\n", k, k);
    } else if (!strncmp(n, "vopen", 5) || !strcmp(n, "vadopt") ||
               !strcmp(n, "vdup")) {
      /* the pager (pager/vfd.h): objects hold virtual descriptor + 1 */
      const struct co_mode *md = co_entry_nmodes(e) ? &e->modes[op->flags] : 0;
      const char *fl = md && (md->own & CO_OWN_CLOEXEC)  ? "VFD_CLOEXEC"
                       : md && (md->own & CO_OWN_APPEND) ? "VFD_APPEND"
                       : md && (md->own & CO_OWN_TEXT)   ? "VFD_TEXT"
                                                         : "0";
      *lib = "vfd.c";
      if (!strcmp(n, "vopen"))
        fprintf(o,
                "  snprintf(path, sizeof path, \"%%s/vfd\", dir);\n"
                "  r = vfd_open(pg, path, %s | O_CREAT | O_TRUNC, 0600, %s);\n"
                "  unlink(path);\n",
                md && md->needs == CO_NEED_READ ? "O_RDONLY" : "O_RDWR", fl);
      else if (!strcmp(n, "vadopt")) {
        fprintf(o, "  r = vfd_adopt(pg, ");
        ref_c(o, A);
        fprintf(o, ", %s);\n", fl);
      } else
        fprintf(o, "  r = vfd_dup(pg, VFD(o[%u]));\n", k);
      fprintf(o,
              "  o[%u] = r >= 0 ? (void *)(intptr_t)(r + 1) : NULL;\n"
              "  r = r >= 0 ? 0 : -1;\n",
              d);
    } else if (!strcmp(n, "vclose")) {
      fprintf(o, "  r = vfd_close(pg, VFD(o[%u]));\n  o[%u] = NULL;\n", k, k);
    } else if (!strcmp(n, "vget")) {
      fprintf(o, "  r = s[%u] = vfd_get(pg, VFD(o[%u]));\n", d, k);
    } else if (!strcmp(n, "vput") || !strcmp(n, "page_out") ||
               !strcmp(n, "page_in")) {
      fprintf(o, "  r = vfd_%s(pg, VFD(o[%u]));\n",
              !strcmp(n, "vput") ? "put" : n, k);
    } else if (!strcmp(n, "vwrite")) {
      fprintf(o, "  r = vfd_write(pg, VFD(o[%u]), nl, %d);\n", k, (int)op->n);
    } else {
      return -1;
    }
    return 0;
  }
  default:
    return -1;
  }
}

int co_repro_c(FILE *out, struct co_exec *ex, const struct co_target *tg,
               const struct co_trace *t, char *err, size_t errcap) {
  struct rec *r = calloc(1, sizeof *r);
  struct co_verdict v;
  const char *lib = NULL, *zlib = NULL, *pager = NULL;
  char *body = NULL, text[128];
  struct co__mem bm;
  size_t i;
  FILE *b;
  unsigned k;
  if (!r || t->len > MAXSTEPS) {
    snprintf(err, errcap, "trace too long for a reproducer (%d at most)",
             MAXSTEPS);
    free(r);
    return -1;
  }
  if (tg->backend->version >= 3 && tg->backend->platform != CO_PLATFORM_POSIX) {
    snprintf(err, errcap,
             "standalone C reproducers are written for POSIX targets only; "
             "replay the trace with closeonce replay --target %s",
             tg->name);
    free(r);
    return -1;
  }
  r->ex = ex;
  /* A first run fixes the free numbers; the second records every step. */
  co_exec_run(ex, t, &v);
  for (k = 0; k < 64; k++)
    r->freenum[k] = co_model_free_number(co_exec_model(ex), k);
  co_exec_set_hook(ex, hook, r);
  co_exec_run(ex, t, &v);
  co_exec_set_hook(ex, NULL, NULL);
  if (v.kind == CO_V_OK) {
    snprintf(err, errcap, "no finding in this trace for target %s", tg->name);
    goto fail;
  }
  if (!co__mem_open(&bm))
    goto fail;
  b = bm.f;
  for (i = 0; i < t->len && i < r->n; i++) {
    const struct co_outcome *m = &r->model[i];
    const char *lib1 = NULL, *en = errno_name(m->err);
    co_op_format(&t->ops[i], text, sizeof text);
    fprintf(b, "\n  /* step %zu: %s */\n", i, text);
    if (op_c(b, &t->ops[i], &lib1) < 0) {
      co__mem_close(&bm);
      free(bm.buf);
      snprintf(err, errcap, "step %zu (%s) has no C template", i, text);
      goto fail;
    }
    if (lib1 && !strcmp(lib1, "-lz"))
      zlib = lib1;
    else if (lib1 && !strcmp(lib1, "vfd.c"))
      pager = lib1;
    else if (lib1)
      lib = lib1;
    fprintf(b, "  report(%zu, \"%s\", r);\n", i, text);
    fprintf(b, "  /* owners now:%s */\n",
            r->owners[i] && *r->owners[i] ? r->owners[i] : " none");
    /* The contract's expectation. */
    if (m->ret == CO_RET_ANY) {
      /* an offset the model cannot know */
    } else if (m->err != CO_OK) {
      fprintf(b, "  if (r != -1%s%s)\n    return fails(%zu, \"-1 %s\", r);\n",
              en ? " || errno != " : "", en ? en : "", i,
              en ? en : "(failure)");
    } else {
      int fk = free_index(r, m->ret);
      int num =
          (t->ops[i].kind == CO_OP_CALL && co_call_binds(&t->ops[i]) == 2) ||
          (t->ops[i].kind != CO_OP_CALL && co_opdesc[t->ops[i].kind].binds);
      if (num && fk >= 0)
        fprintf(b,
                "  if (r != freenum(%d))\n    return fails(%zu, \"descriptor "
                "f%d\", r);\n",
                fk, i, fk);
      else if (!num)
        fprintf(b, "  if (r != %lld)\n    return fails(%zu, \"%lld\", r);\n",
                (long long)m->ret, i, (long long)m->ret);
    }
    /* A descriptor the contract closed at this step must be closed. */
    {
      uint64_t before = i ? r->live[i - 1] : 0, closed = before & ~r->live[i];
      for (k = 0; k < 64; k++)
        if ((closed >> k) & 1)
          fprintf(b,
                  "  if (fcntl(freenum(%u), F_GETFD) >= 0)\n    return "
                  "fails(%zu, \"descriptor f%u closed\", freenum(%u));\n",
                  k, i, k, k);
    }
    if (i == v.step && v.client) {
      fprintf(b,
              "  /* The client's own move broke the ownership rule here. */\n"
              "  printf(\"FAILS at step %zu: %%s\\n\", \"",
              i);
      for (const char *p = v.what; *p; p++)
        fputs(*p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : (char[]){*p, 0}, b);
      fprintf(b, "\");\n  return 1;\n");
    }
  }
  if (co__mem_close(&bm) < 0)
    goto fail;
  body = bm.buf;
  fprintf(out,
          "/*\n * closeonce reproducer: %s in target %s.\n * %s\n *\n"
          " * Only the platform's and the libraries' own calls; each step "
          "checks\n * its result against the contract. Exit 1: the failure "
          "shows; exit 0:\n * it does not (fixed).\n *\n"
          " *   cc -std=c11 repro.c%s%s%s -o repro && ./repro\n */\n",
          co_verdict_name(v.kind), tg->name, v.what, lib ? " demolib.c" : "",
          pager ? " -I pager pager/vfd.c" : "", zlib ? " -lz" : "");
  fprintf(
      out,
      "#define _GNU_SOURCE\n#include <errno.h>\n#include <fcntl.h>\n"
      "#include <stdio.h>\n#include <stdio_ext.h>\n#include <stdlib.h>\n"
      "#include <string.h>\n#include <sys/resource.h>\n"
      "#include <stdint.h>\n#include <sys/syscall.h>\n#include <unistd.h>\n"
      "%s%s%s\n"
      "static char dir[] = \"/tmp/closeonce-repro-XXXXXX\";\n"
      "static char path[4200];\nstatic const char buf[256];\n"
      "static int start_open[4096];\n\n"
      "/* The k-th descriptor number that was free when main started. */\n"
      "static int freenum(int k) {\n  int n;\n"
      "  for (n = 0; n < 4096; n++)\n"
      "    if (!start_open[n] && k-- == 0)\n      return n;\n"
      "  return -1;\n}\n\n"
      "static int limit(void) {\n  struct rlimit rl;\n"
      "  getrlimit(RLIMIT_NOFILE, &rl);\n  return (int)rl.rlim_cur;\n}\n\n"
      "/* A fresh file, its name removed at once. */\n"
      "static int fresh(int flags) {\n  int fd;\n"
      "  snprintf(path, sizeof path, \"%%s/f\", dir);\n"
      "  fd = open(path, O_CREAT | O_EXCL | flags, 0600);\n"
      "  unlink(path);\n  return fd;\n}\n\n"
      "static long getfl(int fd) {\n  long f = fcntl(fd, F_GETFL);\n"
      "  if (f < 0)\n    return f;\n"
      "  return ((f & O_ACCMODE) == O_RDONLY ? 1 : (f & O_ACCMODE) == "
      "O_WRONLY ? 2 : 0) |\n         (f & O_APPEND ? 8 : 0);\n}\n\n"
      "static void report(size_t step, const char *op, long r) {\n"
      "  printf(\"step %%zu: %%-28s -> %%ld%%s%%s\\n\", step, op, r,\n"
      "         r < 0 ? \" \" : \"\", r < 0 ? strerror(errno) : \"\");\n}\n\n"
      "static void cleanup(void) {\n  rmdir(dir);\n}\n\n"
      "static int fails(size_t step, const char *want, long got) {\n"
      "  printf(\"FAILS at step %%zu: got %%ld, the contract says %%s\\n\","
      " step, got,\n         want);\n  return 1;\n}\n\n",
      lib ? "#include \"demolib.h\"\n" : "", zlib ? "#include <zlib.h>\n" : "",
      pager ? "#include \"vfd.h\"\n\n/* An object: virtual descriptor + 1. */\n"
              "#define VFD(obj) ((int)((intptr_t)(obj)-1))\n"
              "static struct vfd_pager *pg;\nstatic char nl[256];\n"
            : "");
  fprintf(out,
          "int main(void) {\n  int s[%d];\n  void *o[%d] = {0};\n"
          "  long r;\n  int i;\n  (void)o;\n  (void)r;\n"
          "  (void)buf;\n  (void)limit;\n  (void)getfl;\n"
          "  (void)fresh;\n  (void)s;\n"
          "  for (i = 0; i < 4096; i++)\n"
          "    start_open[i] = fcntl(i, F_GETFD) >= 0;\n"
          "  for (i = 0; i < %d; i++)\n    s[i] = -1;\n"
          "  if (!mkdtemp(dir))\n    return 2;\n"
          "  atexit(cleanup);\n",
          CO_SLOTS, CO_OBJS, CO_SLOTS);
  if (lib)
    fprintf(out,
            "#ifndef VARIANT\n#define VARIANT %uu /* the planted bugs; 0: "
            "fixed */\n#endif\n",
            tg->variant);
  if (pager)
    fprintf(out,
            "#ifndef VARIANT\n#define VARIANT %uu /* the planted bugs; 0: "
            "fixed */\n#endif\n"
            "  {\n    /* window %u; the watermark where the trace had it: "
            "the %dth\n     * number free at the start */\n"
            "    struct vfd_config cfg = {%uu, 0, VARIANT};\n"
            "    cfg.watermark = freenum(%d);\n"
            "    memset(nl, '\\n', sizeof nl);\n"
            "    if (!(pg = vfd_pager_new(&cfg)))\n      return 2;\n  }\n",
            tg->variant & 0xffffu, co_exec_window(ex), CO_PAGER_LOW,
            co_exec_window(ex), CO_PAGER_LOW);
  fprintf(out, "%s", body);
  fprintf(out, "\n  printf(\"no failure: every step as the contract "
               "says\\n\");\n  return 0;\n}\n");
  free(body);
  for (i = 0; i < r->n; i++)
    free(r->owners[i]);
  free(r);
  return 0;
fail:
  free(body);
  for (i = 0; i < r->n; i++)
    free(r->owners[i]);
  free(r);
  return -1;
}
