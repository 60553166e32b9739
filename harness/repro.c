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
  char *owners[MAXSTEPS];     /* "4(o0) 5(client)" after the step */
  uint64_t live[MAXSTEPS];    /* bit k: free number k live after the step */
  uint64_t cloexec[MAXSTEPS]; /* bit k: ... and close-on-exec */
  int off_k[MAXSTEPS];        /* the free number a write moved, or -1 */
  int64_t off[MAXSTEPS];      /* its offset after the step */
  uint8_t refused[MAXSTEPS];  /* the model refused the step: never issued */
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

/* A write's descriptor (the client's write, the pager's vwrite through its
 * window) and the offset the model gives it after the step. */
static void record_offset(struct rec *r, const struct co_model *m,
                          const struct co_step_info *s) {
  const struct co_entry *e =
      s->op->kind == CO_OP_CALL ? co_entry_get(s->op->entry, NULL, NULL) : 0;
  int64_t num = -1;
  struct co_fdstate fs;
  r->off_k[s->step] = -1;
  if (s->model->err != CO_OK)
    return;
  if (s->op->kind == CO_OP_WRITE) {
    num = s->call->a;
  } else if (e && !strcmp(e->name, "vwrite")) {
    struct co_objstate os;
    co_model_obj(m, s->op->obj, &os);
    num = os.window;
  }
  co_model_fd(m, num, &fs);
  if (num >= 0 && fs.live && (r->off_k[s->step] = free_index(r, num)) >= 0)
    r->off[s->step] = fs.offset;
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
  r->refused[s->step] = s->real->err == CO_REFUSED;
  r->live[s->step] = r->cloexec[s->step] = 0;
  record_offset(r, m, s);
  buf[0] = 0;
  /* (No stream: nothing may open a descriptor while the trace runs.) */
  for (num = co_model_next_live(m, -1); num >= 0 && len < cap - 64;
       num = co_model_next_live(m, num)) {
    int w = co_model_owner(m, num), k = free_index(r, num);
    struct co_fdstate fs;
    co_model_fd(m, num, &fs);
    if (k >= 0)
      r->live[s->step] |= 1ull << k;
    if (k >= 0 && fs.cloexec)
      r->cloexec[s->step] |= 1ull << k;
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

/* The libraries a reproducer links, each its own header and setup. */
enum lib { LIB_NONE, LIB_DEMO, LIB_ZLIB, LIB_PAGER, LIB_WIO, LIB_COUNT };

/* ---- the built-in operations: one template per kind ---- */

/* "  r = [s[dst] = ]name(A[, B]);" and what follows. */
static void call_c(FILE *o, const struct co_op *op, const char *name, int binds,
                   int nrefs) {
  if (binds)
    fprintf(o, "  r = s[%u] = %s(", op->dst, name);
  else
    fprintf(o, "  r = %s(", name);
  ref_c(o, op->a);
  if (nrefs == 2) {
    fprintf(o, ", ");
    ref_c(o, op->b);
  }
}

static void open_c(FILE *o, const struct co_op *op) {
  fprintf(o, "  r = s[%u] = fresh(%s%s%s);\n", op->dst, acc_c(op->flags),
          op->flags & CO_F_CLOEXEC ? " | O_CLOEXEC" : "",
          op->flags & CO_F_APPEND ? " | O_APPEND" : "");
}

static void dup3_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "dup3", 1, 2);
  fprintf(o, ", %s%s);\n", op->flags & CO_F_BIT0 ? "O_CLOEXEC" : "0",
          op->flags & CO_F_BIT1 ? " | O_APPEND /* invalid */" : "");
}

static void dupfd_c(FILE *o, const struct co_op *op) {
  fprintf(o, "  r = s[%u] = fcntl(", op->dst);
  ref_c(o, op->a);
  fprintf(o, ", %s, ", op->flags & CO_F_BIT0 ? "F_DUPFD_CLOEXEC" : "F_DUPFD");
  ref_c(o, op->b);
  fprintf(o, ");\n");
}

static void close_range_c(FILE *o, const struct co_op *op) {
  fprintf(o, "  r = syscall(SYS_close_range, (unsigned)");
  ref_c(o, op->a);
  fprintf(o, ", (unsigned)");
  ref_c(o, op->b);
  fprintf(o, ", %s);\n", op->flags & CO_F_BIT0 ? "4u /* CLOEXEC */" : "0u");
}

static void write_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "write", 0, 1);
  fprintf(o, ", buf, %d);\n", (int)op->n);
}

static void lseek_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "lseek", 0, 1);
  fprintf(o, ", %d, %s);\n", (int)op->n,
          (op->flags & CO_F_WHENCE_MASK) == 0   ? "SEEK_SET"
          : (op->flags & CO_F_WHENCE_MASK) == 1 ? "SEEK_CUR"
                                                : "SEEK_END");
}

/* The calls that are "r = [s[dst] = ]fn(A[, B]" then the rest: pre, the
 * flag word (bit0 set: on, else off; none if on is NULL), post. */
static const struct simple_tpl {
  const char *fn;
  int binds, nrefs;
  const char *pre, *on, *off, *post;
} simple_c[CO_OP_COUNT] = {
    [CO_OP_DUP] = {"dup", 1, 1, "", NULL, NULL, ");\n"},
    [CO_OP_DUP2] = {"dup2", 1, 2, "", NULL, NULL, ");\n"},
    [CO_OP_GETFD] = {"fcntl", 0, 1, ", F_GETFD);\n  if (r > 0)\n", NULL, NULL,
                     "    r &= FD_CLOEXEC;\n"},
    [CO_OP_SETFD] = {"fcntl", 0, 1, ", F_SETFD, ", "FD_CLOEXEC", "0", ");\n"},
    [CO_OP_GETFL] = {"getfl", 0, 1, "", NULL, NULL, ");\n"},
    [CO_OP_SETFL] = {"fcntl", 0, 1, ", F_SETFL, ", "O_APPEND", "0", ");\n"},
    [CO_OP_CLOSE] = {"close", 0, 1, "", NULL, NULL, ");\n"},
};

/* The others, indexed by enum co_opkind; NULL: no C template (CO_OP_CALL:
 * below). */
static void (*const builtin_c[CO_OP_COUNT])(FILE *, const struct co_op *) = {
    [CO_OP_OPEN] = open_c,   [CO_OP_DUP3] = dup3_c,
    [CO_OP_DUPFD] = dupfd_c, [CO_OP_CLOSE_RANGE] = close_range_c,
    [CO_OP_WRITE] = write_c, [CO_OP_LSEEK] = lseek_c,
};

static int builtin_op_c(FILE *o, const struct co_op *op) {
  const struct simple_tpl *st;
  if (op->kind >= CO_OP_COUNT)
    return -1;
  st = &simple_c[op->kind];
  if (!st->fn) {
    if (!builtin_c[op->kind])
      return -1;
    builtin_c[op->kind](o, op);
    return 0;
  }
  call_c(o, op, st->fn, st->binds, st->nrefs);
  fputs(st->pre, o);
  if (st->on)
    fputs(op->flags & CO_F_BIT0 ? st->on : st->off, o);
  fputs(st->post, o);
  return 0;
}

/* ---- the libraries' entry points: one template per entry ---- */

/* What an entry's template gets. */
struct lib_op {
  const struct co_op *op;
  const struct co_entry *e;
  const char *name, *mode; /* the entry's and its mode's names */
  unsigned k, d;           /* op->obj, op->dst */
  int n;                   /* op->n */
};

/* "  o[d] = fn(A, "mode");\n  r = o[d] ? 0 : -1;\n" (fdopen, gzdopen) */
static void opener_mode_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  o[%u] = %s(", l->d, l->name);
  ref_c(o, l->op->a);
  fprintf(o, ", \"%s\");\n  r = o[%u] ? 0 : -1;\n", l->mode, l->d);
}

/* "  o[d] = fn_planted(A, VARIANT);\n  r = o[d] ? 0 : -1;\n" (demo_adopt,
 * wio_take, wio_borrow: the fixtures' objects carry their planted bugs) */
static void opener_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  o[%u] = %s_planted(", l->d, l->name);
  ref_c(o, l->op->a);
  fprintf(o, ", VARIANT);\n  r = o[%u] ? 0 : -1;\n", l->d);
}

/* "  r = s[d] = fn(o[k]);\n" (fileno, demo_fd, wio_fd, ...) */
static void lend_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = s[%u] = %s(o[%u]);\n", l->d, l->name, l->k);
}

/* "  r = fn(o[k]);\n  o[k] = NULL;\n" (demo_close, wio_free) */
static void free_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = %s(o[%u]);\n  o[%u] = NULL;\n", l->name, l->k, l->k);
}

/* "  r = fn(o[k], buf, n);\n" (demo_write, wio_write) */
static void obj_write_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = %s(o[%u], buf, %d);\n", l->name, l->k, l->n);
}

static void fwrite_c(FILE *o, const struct lib_op *l) {
  fprintf(o,
          "  r = fwrite(buf, 1, %d, o[%u]) == %d && fflush(o[%u]) == 0 "
          "? %d : -1;\n  if (r < 0) {\n    int e = errno;\n"
          "    __fpurge(o[%u]);\n    errno = e;\n  }\n",
          l->n, l->k, l->n, l->k, l->n, l->k);
}

static void fclose_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = fclose(o[%u]) == 0 ? 0 : -1;\n  o[%u] = NULL;\n", l->k,
          l->k);
}

static void gzwrite_c(FILE *o, const struct lib_op *l) {
  fprintf(o,
          "  r = gzwrite(o[%u], buf, %d) == %d && gzflush(o[%u], "
          "Z_SYNC_FLUSH) == Z_OK ? %d : -1;\n",
          l->k, l->n, l->n, l->k, l->n);
}

static void gzclose_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = gzclose(o[%u]) == Z_OK ? 0 : -1;\n  o[%u] = NULL;\n", l->k,
          l->k);
}

static void demo_open_c(FILE *o, const struct lib_op *l) {
  fprintf(o,
          "  snprintf(path, sizeof path, \"%%s/demo\", dir);\n"
          "  o[%u] = demo_open_planted(path, VARIANT);\n  unlink(path);\n"
          "  r = o[%u] ? 0 : -1;\n",
          l->d, l->d);
}

static void demo_detach_c(FILE *o, const struct lib_op *l) {
  lend_c(o, l);
  fprintf(o, "  o[%u] = NULL;\n", l->k);
}

/* The pager (pager/vfd.h): objects hold virtual descriptor + 1. */
static const char *vfd_flags(const struct lib_op *l) {
  const struct co_mode *md =
      co_entry_nmodes(l->e) ? &l->e->modes[l->op->flags] : NULL;
  return md && (md->own & CO_OWN_CLOEXEC)  ? "VFD_CLOEXEC"
         : md && (md->own & CO_OWN_APPEND) ? "VFD_APPEND"
         : md && (md->own & CO_OWN_TEXT)   ? "VFD_TEXT"
                                           : "0";
}

static void vfd_result_c(FILE *o, const struct lib_op *l) {
  fprintf(o,
          "  o[%u] = r >= 0 ? (void *)(intptr_t)(r + 1) : NULL;\n"
          "  r = r >= 0 ? 0 : -1;\n",
          l->d);
}

static void vopen_c(FILE *o, const struct lib_op *l) {
  const struct co_mode *md =
      co_entry_nmodes(l->e) ? &l->e->modes[l->op->flags] : NULL;
  fprintf(o,
          "  snprintf(path, sizeof path, \"%%s/vfd\", dir);\n"
          "  r = vfd_open(pg, path, %s | O_CREAT | O_TRUNC, 0600, %s);\n"
          "  unlink(path);\n",
          md && md->needs == CO_NEED_READ ? "O_RDONLY" : "O_RDWR",
          vfd_flags(l));
  vfd_result_c(o, l);
}

static void vadopt_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = vfd_adopt(pg, ");
  ref_c(o, l->op->a);
  fprintf(o, ", %s);\n", vfd_flags(l));
  vfd_result_c(o, l);
}

static void vdup_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = vfd_dup(pg, VFD(o[%u]));\n", l->k);
  vfd_result_c(o, l);
}

static void vclose_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = vfd_close(pg, VFD(o[%u]));\n  o[%u] = NULL;\n", l->k, l->k);
}

static void vget_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = s[%u] = vfd_get(pg, VFD(o[%u]));\n", l->d, l->k);
}

/* vput, page_out, page_in: "  r = vfd_NAME(pg, VFD(o[k]));\n" */
static void vfd_obj_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = vfd_%s(pg, VFD(o[%u]));\n",
          !strcmp(l->name, "vput") ? "put" : l->name, l->k);
}

static void vwrite_c(FILE *o, const struct lib_op *l) {
  fprintf(o, "  r = vfd_write(pg, VFD(o[%u]), nl, %d);\n", l->k, l->n);
}

static const struct lib_tpl {
  const char *entry;
  enum lib lib; /* what the program must link (LIB_NONE: libc) */
  void (*emit)(FILE *, const struct lib_op *);
} lib_tpls[] = {
    {"fdopen", LIB_NONE, opener_mode_c},
    {"fileno", LIB_NONE, lend_c},
    {"fwrite", LIB_NONE, fwrite_c},
    {"fclose", LIB_NONE, fclose_c},
    {"gzdopen", LIB_ZLIB, opener_mode_c},
    {"gzwrite", LIB_NONE, gzwrite_c},
    {"gzclose", LIB_NONE, gzclose_c},
    {"demo_open", LIB_DEMO, demo_open_c},
    {"demo_adopt", LIB_DEMO, opener_c},
    {"demo_fd", LIB_NONE, lend_c},
    {"demo_export", LIB_NONE, lend_c},
    {"demo_detach", LIB_NONE, demo_detach_c},
    {"demo_write", LIB_NONE, obj_write_c},
    {"demo_close", LIB_NONE, free_c},
    {"vopen", LIB_PAGER, vopen_c},
    {"vadopt", LIB_PAGER, vadopt_c},
    {"vdup", LIB_PAGER, vdup_c},
    {"vclose", LIB_NONE, vclose_c},
    {"vget", LIB_NONE, vget_c},
    {"vput", LIB_NONE, vfd_obj_c},
    {"page_out", LIB_NONE, vfd_obj_c},
    {"page_in", LIB_NONE, vfd_obj_c},
    {"vwrite", LIB_NONE, vwrite_c},
    {"wio_take", LIB_WIO, opener_c},
    {"wio_borrow", LIB_WIO, opener_c},
    {"wio_fd", LIB_NONE, lend_c},
    {"wio_write", LIB_NONE, obj_write_c},
    {"wio_free", LIB_NONE, free_c},
};

/* One operation as C; *lib is set to a library it needs. Returns -1 for an
 * operation without a C template. */
static int op_c(FILE *o, const struct co_op *op, enum lib *lib) {
  struct lib_op l;
  size_t i;
  if (op->kind != CO_OP_CALL)
    return builtin_op_c(o, op);
  l.op = op;
  l.e = co_entry_get(op->entry, NULL, NULL);
  l.name = l.e ? l.e->name : "?";
  l.mode = l.e && co_entry_nmodes(l.e) ? l.e->modes[op->flags].name : "";
  l.k = op->obj;
  l.d = op->dst;
  l.n = (int)op->n;
  for (i = 0; i < sizeof lib_tpls / sizeof *lib_tpls; i++)
    if (!strcmp(l.name, lib_tpls[i].entry)) {
      if (lib_tpls[i].lib != LIB_NONE)
        *lib = lib_tpls[i].lib;
      lib_tpls[i].emit(o, &l);
      return 0;
    }
  return -1;
}

/* The step's checks against the contract: its result, the descriptors it
 * closed, and the client's own move where that is the finding. */
static void checks_c(FILE *b, const struct rec *r, const struct co_trace *t,
                     size_t i, const struct co_verdict *v) {
  const struct co_outcome *m = &r->model[i];
  const char *en = errno_name(m->err);
  uint64_t closed = (i ? r->live[i - 1] : 0) & ~r->live[i];
  unsigned k;
  if (m->ret == CO_RET_ANY) {
    /* an offset the model cannot know */
  } else if (m->err != CO_OK) {
    fprintf(b, "  if (r != -1%s%s)\n    return fails(%zu, \"-1 %s\", r);\n",
            en ? " || errno != " : "", en ? en : "", i, en ? en : "(failure)");
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
  for (k = 0; k < 64; k++)
    if ((closed >> k) & 1)
      fprintf(b,
              "  if (fcntl(freenum(%u), F_GETFD) >= 0)\n    return "
              "fails(%zu, \"descriptor f%u closed\", freenum(%u));\n",
              k, i, k, k);
  /* Every number free at the start: open as the contract says, with its
   * close-on-exec flag, and a write's descriptor at its offset. */
  fprintf(b,
          "  if (state(%zu, 0x%" PRIx64 "ull, 0x%" PRIx64 "ull, %d, %lld))\n"
          "    return 1;\n",
          i, r->live[i], r->cloexec[i], r->off_k[i],
          r->off_k[i] >= 0 ? (long long)r->off[i] : -1ll);
  if (i == v->step && v->client) {
    const char *p;
    fprintf(b,
            "  /* The client's own move broke the ownership rule here. */\n"
            "  printf(\"FAILS at step %zu: %%s\\n\", \"",
            i);
    for (p = v->what; *p; p++)
      fputs(*p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : (char[]){*p, 0}, b);
    fprintf(b, "\");\n  return 1;\n");
  }
}

/* The steps of main into b; the libraries they need into need[]. Returns
 * 0, or -1 with a message in err (an operation without a C template). */
static int steps_c(FILE *b, const struct rec *r, const struct co_trace *t,
                   const struct co_verdict *v, int need[LIB_COUNT], char *err,
                   size_t errcap) {
  size_t i;
  char text[128];
  for (i = 0; i < t->len && i < r->n; i++) {
    enum lib lib = LIB_NONE;
    co_op_format(&t->ops[i], text, sizeof text);
    if (r->refused[i]) {
      /* closeonce never issued it (a freed object, a foreign descriptor):
       * neither does the program */
      fprintf(b, "\n  /* step %zu: %s: refused by the model, not run */\n", i,
              text);
      continue;
    }
    fprintf(b, "\n  /* step %zu: %s */\n", i, text);
    if (op_c(b, &t->ops[i], &lib) < 0) {
      snprintf(err, errcap, "step %zu (%s) has no C template", i, text);
      return -1;
    }
    need[lib] = 1;
    fprintf(b, "  report(%zu, \"%s\", r);\n", i, text);
    fprintf(b, "  /* owners now:%s */\n",
            r->owners[i] && *r->owners[i] ? r->owners[i] : " none");
    checks_c(b, r, t, i, v);
  }
  return 0;
}

/* The program's head: what it reproduces, how to build it, and the
 * helpers every step uses. */
static void prelude_c(FILE *out, const struct co_target *tg,
                      const struct co_verdict *v, const int need[LIB_COUNT]) {
  fprintf(out,
          "/*\n * closeonce reproducer: %s in target %s.\n * %s\n *\n"
          " * Only the platform's and the libraries' own calls; each step "
          "checks\n * its result against the contract. Exit 1: the failure "
          "shows; exit 0:\n * it does not (fixed).\n *\n"
          " *   cc -std=c11 repro.c%s%s%s%s -o repro && ./repro\n */\n",
          co_verdict_name(v->kind), tg->name, v->what,
          need[LIB_DEMO] ? " demolib.c" : "", need[LIB_WIO] ? " wiolib.c" : "",
          need[LIB_PAGER] ? " -I pager pager/vfd_planted.c" : "",
          need[LIB_ZLIB] ? " -lz" : "");
  fprintf(
      out,
      "#define _GNU_SOURCE\n#include <errno.h>\n#include <fcntl.h>\n"
      "#include <stdio.h>\n#include <stdio_ext.h>\n#include <stdlib.h>\n"
      "#include <string.h>\n#include <sys/resource.h>\n"
      "#include <stdint.h>\n#include <sys/syscall.h>\n#include <unistd.h>\n"
      "%s%s%s%s\n"
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
      " step, got,\n         want);\n  return 1;\n}\n\n"
      "/* After a step: each number free at the start open iff bit k of\n"
      " * live, close-on-exec iff bit k of cloexec; free number off_k (if\n"
      " * >= 0) at offset off. Returns 1 (and says how) if not. */\n"
      "static int state(size_t step, unsigned long long live,\n"
      "                 unsigned long long cloexec, int off_k, long off) {\n"
      "  int k;\n"
      "  for (k = 0; k < 64 && freenum(k) >= 0; k++) {\n"
      "    int fl = fcntl(freenum(k), F_GETFD), want = (live >> k) & 1;\n"
      "    if ((fl >= 0) != want) {\n"
      "      printf(\"FAILS at step %%zu: descriptor f%%d is %%s, the \"\n"
      "             \"contract says %%s\\n\", step, k, fl >= 0 ? \"open\" : "
      "\"closed\",\n"
      "             want ? \"open\" : \"closed\");\n"
      "      return 1;\n    }\n"
      "    if (fl >= 0 && !!(fl & FD_CLOEXEC) != ((cloexec >> k) & 1)) {\n"
      "      printf(\"FAILS at step %%zu: descriptor f%%d has close-on-exec "
      "\"\n"
      "             \"%%s, the contract says %%s\\n\", step, k,\n"
      "             fl & FD_CLOEXEC ? \"set\" : \"clear\",\n"
      "             (cloexec >> k) & 1 ? \"set\" : \"clear\");\n"
      "      return 1;\n    }\n  }\n"
      "  if (off_k >= 0 && lseek(freenum(off_k), 0, SEEK_CUR) != off) {\n"
      "    printf(\"FAILS at step %%zu: descriptor f%%d is at offset %%ld, \"\n"
      "           \"the contract says %%ld\\n\", step, off_k,\n"
      "           (long)lseek(freenum(off_k), 0, SEEK_CUR), off);\n"
      "    return 1;\n  }\n  return 0;\n}\n\n",
      need[LIB_DEMO] ? "#include \"demolib.h\"\n" : "",
      need[LIB_WIO] ? "#include \"wiolib.h\"\n" : "",
      need[LIB_ZLIB] ? "#include <zlib.h>\n" : "",
      need[LIB_PAGER] ? "#include \"vfd_planted.h\"\n\n/* An object: virtual "
                        "descriptor + 1. */\n"
                        "#define VFD(obj) ((int)((intptr_t)(obj)-1))\n"
                        "static struct vfd_pager *pg;\nstatic char nl[256];\n"
                      : "");
}

/* main up to the first step: the start state, and each library set up
 * with its planted bugs (VARIANT; -DVARIANT=0: fixed). */
static void main_c(FILE *out, struct co_exec *ex, const struct co_target *tg,
                   const int need[LIB_COUNT]) {
  static const char variant[] =
      "#ifndef VARIANT\n#define VARIANT %uu /* the planted bugs; 0: "
      "fixed */\n#endif\n";
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
  if (need[LIB_DEMO] || need[LIB_WIO])
    fprintf(out, variant, tg->variant);
  if (need[LIB_PAGER]) {
    fprintf(out, variant, tg->variant & 0xffffu);
    fprintf(out,
            "  {\n    /* window %u; the watermark where the trace had it: "
            "the %dth\n     * number free at the start */\n"
            "    struct vfd_config cfg = {%uu, 0};\n"
            "    cfg.watermark = freenum(%d);\n"
            "    memset(nl, '\\n', sizeof nl);\n"
            "    if (!(pg = vfd_pager_new_planted(&cfg, VARIANT)))\n      "
            "return 2;\n  }\n",
            co_exec_window(ex), CO_PAGER_LOW, co_exec_window(ex), CO_PAGER_LOW);
  }
}

/* Run t twice on ex: the first run fixes the free numbers, the second
 * records every step into r. Fills *v. */
static void record(struct rec *r, struct co_exec *ex, const struct co_trace *t,
                   struct co_verdict *v) {
  unsigned k;
  r->ex = ex;
  co_exec_run(ex, t, v);
  for (k = 0; k < 64; k++)
    r->freenum[k] = co_model_free_number(co_exec_model(ex), k);
  co_exec_set_hook(ex, hook, r);
  co_exec_run(ex, t, v);
  co_exec_set_hook(ex, NULL, NULL);
}

int co_repro_c(FILE *out, struct co_exec *ex, const struct co_target *tg,
               const struct co_trace *t, char *err, size_t errcap) {
  struct rec *r = calloc(1, sizeof *r);
  struct co_verdict v;
  int need[LIB_COUNT] = {0}, rc = -1;
  struct co__mem bm;
  size_t i;
  memset(&bm, 0, sizeof bm);
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
  record(r, ex, t, &v);
  if (v.kind == CO_V_OK) {
    snprintf(err, errcap, "no finding in this trace for target %s", tg->name);
  } else if (!co__mem_open(&bm)) {
    snprintf(err, errcap, "out of memory");
  } else {
    int bad = steps_c(bm.f, r, t, &v, need, err, errcap);
    if (co__mem_close(&bm) == 0 && !bad) {
      prelude_c(out, tg, &v, need);
      main_c(out, ex, tg, need);
      fprintf(out, "%s", bm.buf);
      fprintf(out, "\n  printf(\"no failure: every step as the contract "
                   "says\\n\");\n  return 0;\n}\n");
      rc = 0;
    }
    free(bm.buf);
  }
  for (i = 0; i < r->n; i++)
    free(r->owners[i]);
  free(r);
  return rc;
}
