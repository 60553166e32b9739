/*
 * Standalone C reproducers: a trace as a short C program that uses only the
 * platform's and the libraries' own APIs (no closeonce code). Each step is
 * a call, a comment saying who owns what afterwards, and a check of the
 * result against the model's prediction. Descriptor numbers are written as
 * "the k-th number free at start", as in traces, so the program holds in
 * any process. It exits 1 where the finding shows, 0 if it does not.
 *
 * The client's descriptor calls are the platform's and written here; a
 * layer's entries are written by their adapter's templates (co_entry.c,
 * co_contract.repro: closeonce/contract.h), so nothing here knows a
 * library. The template language is below ("the layers' entry points").
 * A Win32 target gets a Win32 program (repro_w32.inc, included below):
 * HANDLE values bound from the calls, C-runtime numbers as the k-th free.
 */
#include "closeonce/repro.h"

#include "portable.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"
#include "ipose.h"
#include "repro_tpl.h"

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
  /* Win32 (HANDLE values are not predictable: checked through the slots
   * that hold them): each slot's value after the step, and bit j of
   * wcheck: slot j's handle is checked (a live one, or one the model
   * says closed; not a value given to another handle since), wlive:
   * valid then, winh: and inheritable. */
  int win32;
  int64_t slotv[MAXSTEPS][CO_SLOTS];
  uint16_t wcheck[MAXSTEPS], wlive[MAXSTEPS], winh[MAXSTEPS];
  /* a new handle was due and one open came back (1: returned; 2: held by
   * the object the step made, new_due_w32) */
  uint8_t wnew[MAXSTEPS];
  /* bit n: C-runtime descriptor n open after the step (the objects'
   * numbers and paged-in windows; lowest-free, so predicted) */
  uint64_t copen[MAXSTEPS];
  /* the C-runtime numbers free when the trace started, ascending (-1
   * after the last): bit k of copen and the programs' crtfree(k) are
   * cfree[k] (the program's own start differs: closeonce holds more) */
  int cfree[64];
  /* `fail` (issue 21): the families the trace's faults name (1 << enum
   * co_ifam; 0: no fault, the program interposes nothing), and the close
   * profile it injects them under (CO_CLOSE_LINUX, CO_CLOSE_KEEPS_OPEN) */
  unsigned fams;
  int keeps;
  /* the first run's predictions (faults only: after a fault the model
   * follows the library as run, and a library may run differently the
   * second time in one process), and its verdict */
  struct co_outcome first[MAXSTEPS];
  size_t nfirst;
  struct co_verdict v1;
};

/* Win32: the index of C-runtime number n among those free at the start,
 * or -1. */
static int cfree_index(const struct rec *r, int64_t n) {
  int k;
  for (k = 0; k < 64 && r->cfree[k] >= 0; k++)
    if (r->cfree[k] == n)
      return k;
  return -1;
}

static int free_index(const struct rec *r, int64_t num) {
  int k;
  for (k = 0; k < 64; k++)
    if (r->freenum[k] == num)
      return k;
  return -1;
}

/* A write's descriptor (the client's write, a paged layer's USE through
 * its window) and the offset the model gives it after the step. */
static void record_offset(struct rec *r, const struct co_model *m,
                          const struct co_step_info *s) {
  const struct co_entry_ref *ref =
      s->op->kind == CO_OP_CALL ? co_entry_ref(s->op->entry) : NULL;
  int64_t num = -1;
  struct co_fdstate fs;
  r->off_k[s->step] = -1;
  if (s->model->err != CO_OK)
    return;
  if (s->op->kind == CO_OP_WRITE) {
    num = s->call->a;
  } else if (ref && ref->e->effect == CO_EFF_USE &&
             co_adapter_paged(ref->adapter)) {
    struct co_objstate os;
    co_model_obj(m, s->op->obj, &os);
    num = os.window;
  }
  co_model_fd(m, num, &fs);
  if (num >= 0 && fs.live && fs.offset >= 0 && /* a pipe has none */
      (r->off_k[s->step] = free_index(r, num)) >= 0)
    r->off[s->step] = fs.offset;
}

/* Win32: who holds each live handle, named by what the program has (a
 * slot, an object's own handle, a C-runtime descriptor), never by its
 * value; and the slots' states to check. */
static void hook_win32(struct rec *r, const struct co_model *m, size_t step,
                       char *buf, size_t cap) {
  size_t len = 0;
  int64_t num;
  unsigned j, k;
  r->wcheck[step] = r->wlive[step] = r->winh[step] = 0;
  for (j = 0; j < CO_SLOTS; j++) {
    struct co_ref ref = {CO_REF_SLOT, (uint8_t)j};
    enum co_sit sit = co_model_sit(m, ref);
    struct co_fdstate fs;
    r->slotv[step][j] = co_model_slot(m, j);
    if (sit != CO_SIT_LIVE && sit != CO_SIT_STALE)
      continue; /* unset, or its value now another handle's */
    co_model_fd(m, r->slotv[step][j], &fs);
    r->wcheck[step] |= (uint16_t)(1u << j);
    if (sit == CO_SIT_LIVE && fs.live)
      r->wlive[step] |= (uint16_t)(1u << j);
    if (sit == CO_SIT_LIVE && fs.live && !fs.cloexec)
      r->winh[step] |= (uint16_t)(1u << j);
  }
  r->off_k[step] = -1;
  r->copen[step] = 0;
  for (k = 0; k < CO_OBJS; k++) {
    struct co_objstate os;
    int c;
    co_model_obj(m, k, &os);
    if (os.live && (c = cfree_index(r, os.number)) >= 0)
      r->copen[step] |= 1ull << c;
    if (os.live && (c = cfree_index(r, os.window_number)) >= 0)
      r->copen[step] |= 1ull << c;
  }
  for (num = co_model_next_live(m, -1); num >= 0 && len < cap - 96;
       num = co_model_next_live(m, num)) {
    int w = co_model_owner(m, num), named = 0;
    for (j = 0; j < CO_SLOTS && !named; j++)
      if ((r->wlive[step] >> j) & 1 && r->slotv[step][j] == num) {
        len += (size_t)snprintf(buf + len, cap - len, " s%u's", j);
        named = 1;
      }
    for (k = 0; k < CO_OBJS && !named; k++) {
      struct co_objstate os;
      co_model_obj(m, k, &os);
      if (os.live && os.num == num && cfree_index(r, os.number) >= 0)
        len += (size_t)snprintf(buf + len, cap - len,
                                " o%u's (C-runtime descriptor c%d)", k,
                                cfree_index(r, os.number));
      else if (os.live && os.num == num)
        len += (size_t)snprintf(buf + len, cap - len, " o%u's", k);
      named = os.live && os.num == num;
    }
    if (!named)
      len += (size_t)snprintf(buf + len, cap - len, " a handle");
    if (len < cap && w >= 0)
      len += (size_t)snprintf(buf + len, cap - len, " (owned by o%d)", w);
    else if (len < cap)
      len += (size_t)snprintf(buf + len, cap - len, " (owned by the client)");
  }
}

/* Win32: the offset a write leaves, where the program can name the
 * handle: the client's write through a slot (off_k = 64 + the slot), a
 * paged layer's through its window (off_k = the window's C-runtime
 * number, predicted). */
static void offset_win32(struct rec *r, const struct co_model *m,
                         const struct co_step_info *s) {
  const struct co_entry_ref *ref =
      s->op->kind == CO_OP_CALL ? co_entry_ref(s->op->entry) : NULL;
  struct co_fdstate fs;
  int64_t num = -1;
  int k = -1;
  if (s->model->err != CO_OK)
    return;
  if (s->op->kind == CO_OP_WRITE && s->op->a.type == CO_REF_SLOT &&
      ((r->wlive[s->step] >> s->op->a.idx) & 1)) {
    num = s->call->a;
    k = 64 + s->op->a.idx;
  } else if (ref && ref->e->effect == CO_EFF_USE &&
             co_adapter_paged(ref->adapter)) {
    struct co_objstate os;
    co_model_obj(m, s->op->obj, &os);
    num = os.window;
    k = cfree_index(r, os.window_number);
  }
  co_model_fd(m, num, &fs);
  if (k >= 0 && num >= 0 && fs.live && fs.offset >= 0) {
    r->off_k[s->step] = k;
    r->off[s->step] = fs.offset;
  }
}

/* Win32: the step was due a new HANDLE and returned one the model has
 * open (w32_alloc binds only a value not open; that is its EMFILE, a full
 * handle table being out of reach): the program checks that its value is
 * new against the values open before the step (snap_open). 2: the step
 * made an object that was due a handle of its own (an open or adopt-dup
 * entry) and holds one that was open: the program checks that a value not
 * open before the step is open after it. */
static int new_due_w32(const struct co_model *m, const struct co_step_info *s) {
  const struct co_op *op = s->op;
  struct co_fdstate fs;
  int binds = op->kind == CO_OP_CALL ? co_call_binds(op) == 2
                                     : co_opdesc[op->kind].binds;
  int obj = op->kind == CO_OP_CALL && co_call_binds(op) == 1 &&
            (co_entry_ref(op->entry)->e->effect == CO_EFF_OPEN ||
             co_entry_ref(op->entry)->e->effect == CO_EFF_ADOPT_DUP);
  if ((!binds && !obj) || s->model->err != CO_EMFILE || s->real->err != CO_OK)
    return 0;
  if (obj)
    return 2;
  if (s->real->ret <= 0)
    return 0;
  co_model_fd(m, s->real->ret, &fs);
  return fs.live;
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
  buf[0] = 0;
  if (r->win32) {
    r->wnew[s->step] = new_due_w32(m, s);
    hook_win32(r, m, s->step, buf, cap);
    offset_win32(r, m, s);
    r->owners[s->step] = buf;
    r->n = s->step + 1;
    return;
  }
  record_offset(r, m, s);
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
  case CO_EACCES: /* Win32: ERROR_ACCESS_DENIED (err_of) */
    return "EACCES";
  case CO_EPIPE:
    return "EPIPE";
  case CO_EAGAIN:
    return "EAGAIN";
  case CO_ESPIPE:
    return "ESPIPE";
  case CO_ENOTSOCK:
    return "ENOTSOCK";
  case CO_ENOTCONN:
    return "ENOTCONN";
  case CO_ECONNRESET:
    return "ECONNRESET";
  case CO_ECONNREFUSED:
    return "ECONNREFUSED";
  default:
    return NULL;
  }
}

/* A reference as a C expression. */
static void ref_str(char *buf, size_t cap, struct co_ref r) {
  switch (r.type) {
  case CO_REF_SLOT:
    snprintf(buf, cap, "s[%u]", r.idx);
    break;
  case CO_REF_FREE:
    snprintf(buf, cap, "freenum(%u)", r.idx);
    break;
  case CO_REF_NEG:
    snprintf(buf, cap, "-1");
    break;
  case CO_REF_AT:
    snprintf(buf, cap, "free_at(%d)", (int)co_ref_at[r.idx % CO_AT_REFS]);
    break;
  default:
    snprintf(buf, cap, "limit()");
  }
}

static void ref_c(FILE *o, struct co_ref r) {
  char buf[32];
  ref_str(buf, sizeof buf, r);
  fputs(buf, o);
}

static const char *acc_c(unsigned f) {
  return (f & CO_F_ACC_MASK) == CO_F_ACC_RDONLY   ? "O_RDONLY"
         : (f & CO_F_ACC_MASK) == CO_F_ACC_WRONLY ? "O_WRONLY"
                                                  : "O_RDWR";
}

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

/* pipe, pipe2: the read end is r, as the model's outcome has it; both
 * slots -1 on failure. SIGPIPE ignored first: a write with no reader
 * fails with EPIPE (docs/posix.md#sigpipe). */
static void pipe_c(FILE *o, const struct co_op *op) {
  fprintf(o, "  signal(SIGPIPE, SIG_IGN);\n");
  if (op->kind == CO_OP_PIPE)
    fprintf(o, "  r = pipe(p);\n");
  else
    fprintf(o, "  r = pipe2(p, 0%s%s%s);\n",
            op->flags & CO_F_PIPE_NONBLOCK ? " | O_NONBLOCK" : "",
            op->flags & CO_F_PIPE_CLOEXEC ? " | O_CLOEXEC" : "",
            op->flags & CO_F_PIPE_BAD ? " | O_APPEND" : "");
  fprintf(o,
          "  s[%u] = r < 0 ? -1 : p[0];\n  s[%u] = r < 0 ? -1 : p[1];\n"
          "  r = s[%u];\n",
          op->dst, op->dst2, op->dst);
}

/* socketpair: as pipe (sv[0] is r), SIGPIPE ignored first. */
static void socketpair_c(FILE *o, const struct co_op *op) {
  fprintf(o,
          "  signal(SIGPIPE, SIG_IGN);\n"
          "  r = socketpair(AF_UNIX, %s%s%s, 0, p);\n"
          "  s[%u] = r < 0 ? -1 : p[0];\n  s[%u] = r < 0 ? -1 : p[1];\n"
          "  r = s[%u];\n",
          (op->flags & CO_F_SOCK_TYPE_MASK) == CO_F_SOCK_DGRAM ? "SOCK_DGRAM"
                                                               : "SOCK_STREAM",
          op->flags & CO_F_SOCK_NONBLOCK ? " | SOCK_NONBLOCK" : "",
          op->flags & CO_F_SOCK_CLOEXEC ? " | SOCK_CLOEXEC" : "", op->dst,
          op->dst2, op->dst);
}

static void shutdown_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "shutdown", 0, 1);
  fprintf(o, ", %u);\n", op->flags & CO_F_SHUT_MASK);
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
  if (op->flags & CO_F_BIT2)
    fprintf(o, ", ~0u /* invalid flags */);\n");
  else
    fprintf(o, ", %s%s);\n", op->flags & CO_F_BIT0 ? "4u /* CLOEXEC */" : "0u",
            op->flags & CO_F_BIT1 ? " | 2u /* UNSHARE */" : "");
}

static void setlimit_c(FILE *o, const struct co_op *op) {
  fprintf(o, "  r = setlimit(");
  ref_c(o, op->a);
  fprintf(o, ");\n");
}

static void write_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "write", 0, 1);
  fprintf(o, ", buf, %d);\n", (int)op->n);
}

static void setfl_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "fcntl", 0, 1);
  fprintf(o, ", F_SETFL, %s%s%s%s);\n", op->flags & CO_F_BIT0 ? "O_APPEND" : "",
          op->flags & CO_F_BIT0 && op->flags & (CO_F_BIT1 | CO_F_BIT2) ? " | "
                                                                       : "",
          op->flags & CO_F_BIT1   ? (op->flags & CO_F_BIT2 ? "O_NONBLOCK | "
                                                             "O_NDELAY"
                                                           : "O_NONBLOCK")
          : op->flags & CO_F_BIT2 ? "O_NDELAY"
                                  : "",
          op->flags & (CO_F_BIT0 | CO_F_BIT1 | CO_F_BIT2) ? "" : "0");
}

/* read checks the count (the bytes are checked by closeonce, not here) */
static void read_c(FILE *o, const struct co_op *op) {
  fprintf(o, "  {\n    static char rb[256];\n  ");
  call_c(o, op, "read", 0, 1);
  fprintf(o, ", rb, %d);\n  }\n", (int)op->n);
}

static void fstat_c(FILE *o, const struct co_op *op) {
  fprintf(o, "  {\n    struct stat st;\n  ");
  call_c(o, op, "fstat", 0, 1);
  fprintf(o, ", &st);\n  }\n");
}

/* An offset: whole blocks (BLOCK, the hole block closeonce probed) and
 * bytes. */
static void offset_c(FILE *o, const struct co_op *op) {
  if (op->blk)
    fprintf(o, ", %u * BLOCK + %d", op->blk, (int)op->n);
  else
    fprintf(o, ", %d", (int)op->n);
}

static void lseek_ext_c(FILE *o, const struct co_op *op) {
  static const char *const wh[] = {"SEEK_DATA", "SEEK_HOLE",
                                   "SEEK_HOLE + 1 /* invalid */",
                                   "7 /* invalid */", "-1 /* invalid */"};
  unsigned w = op->flags & CO_F_XWHENCE_MASK;
  call_c(o, op, "lseek", 0, 1);
  offset_c(o, op);
  fprintf(o, ", %s);\n", wh[w < 5 ? w : 0]);
}

/* the file, opened again by its /proc name (docs/posix.md#reopen) */
static void reopen_c(FILE *o, const struct co_op *op) {
  fprintf(o, "  {\n    char p[64];\n    snprintf(p, sizeof p, "
             "\"/proc/thread-self/fd/%%d\", ");
  ref_c(o, op->a);
  fprintf(o, ");\n    r = s[%u] = open(p, %s%s%s);\n  }\n", op->dst,
          acc_c(op->flags), op->flags & CO_F_CLOEXEC ? " | O_CLOEXEC" : "",
          op->flags & CO_F_APPEND ? " | O_APPEND" : "");
}

static void created_query_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "fcntl", 0, 1);
  fprintf(o, ", 1028 /* F_CREATED_QUERY */, 0);\n");
}

static void fchmod_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "fchmod", 0, 1);
  fprintf(o, ", 0%03o);\n", (unsigned)op->n);
}

static void ftruncate_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "ftruncate", 0, 1);
  offset_c(o, op);
  fprintf(o, ");\n");
}

static void lseek_c(FILE *o, const struct co_op *op) {
  call_c(o, op, "lseek", 0, 1);
  offset_c(o, op);
  fprintf(o, ", %s);\n",
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
    [CO_OP_CLOSE] = {"close", 0, 1, "", NULL, NULL, ");\n"},
};

/* The others, indexed by enum co_opkind; NULL: no C template (CO_OP_CALL:
 * below). */
static void (*const builtin_c[CO_OP_COUNT])(FILE *, const struct co_op *) = {
    [CO_OP_OPEN] = open_c,
    [CO_OP_DUP3] = dup3_c,
    [CO_OP_DUPFD] = dupfd_c,
    [CO_OP_CLOSE_RANGE] = close_range_c,
    [CO_OP_WRITE] = write_c,
    [CO_OP_LSEEK] = lseek_c,
    [CO_OP_SETFL] = setfl_c,
    [CO_OP_READ] = read_c,
    [CO_OP_FSTAT] = fstat_c,
    [CO_OP_LSEEK_EXT] = lseek_ext_c,
    [CO_OP_SETLIMIT] = setlimit_c,
    [CO_OP_FTRUNCATE] = ftruncate_c,
    [CO_OP_FCHMOD] = fchmod_c,
    [CO_OP_REOPEN] = reopen_c,
    [CO_OP_CREATED_QUERY] = created_query_c,
    [CO_OP_PIPE] = pipe_c,
    [CO_OP_PIPE2] = pipe_c,
    [CO_OP_SOCKETPAIR] = socketpair_c,
    [CO_OP_SHUTDOWN] = shutdown_c,
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

/* ---- the layers' entry points: the adapters' own templates ---- */

static const char *const ph_names[CO__PH_COUNT] = {
    [CO__PH_R] = "r",           [CO__PH_O] = "o",
    [CO__PH_SRC] = "src",       [CO__PH_FD] = "fd",
    [CO__PH_MODE] = "mode",     [CO__PH_MODENO] = "modeno",
    [CO__PH_N] = "n",           [CO__PH_BUF] = "buf",
    [CO__PH_PATH] = "path",     [CO__PH_VARIANT] = "variant",
    [CO__PH_WINDOW] = "window", [CO__PH_WATERMARK] = "watermark"};

/* The placeholder named at p (just after its '$'): its index, or -1 if
 * unknown; *len the name's length (0: no name). */
static int ph_at(const char *p, size_t *len) {
  size_t n = 0;
  int i;
  while (p[n] >= 'a' && p[n] <= 'z')
    n++;
  *len = n;
  for (i = 0; i < CO__PH_COUNT; i++)
    if (strlen(ph_names[i]) == n && !memcmp(ph_names[i], p, n))
      return i;
  return -1;
}

/* The placeholders tpl uses into *used. Returns 0, or -1 with the reason
 * in why. */
static int ph_scan(const char *tpl, unsigned *used, char *why, size_t cap) {
  const char *p = tpl;
  *used = 0;
  while ((p = strchr(p, '$')) != NULL) {
    size_t len;
    int i;
    if (p[1] == '$') {
      p += 2;
      continue;
    }
    i = ph_at(p + 1, &len);
    if (len == 0) {
      snprintf(why, cap, "a '$' that names no placeholder (a '$' is $$)");
      return -1;
    }
    if (i < 0) {
      snprintf(why, cap, "unknown placeholder $%.*s", (int)len, p + 1);
      return -1;
    }
    *used |= CO__PH(i);
    p += 1 + len;
  }
  return 0;
}

static int makes_object(enum co_effect f) {
  return f == CO_EFF_OPEN || co_effect_takes_fd(f) || f == CO_EFF_DUP_OBJ ||
         f == CO_EFF_WRAP;
}

#define PH_ANYWHERE (CO__PH(CO__PH_VARIANT) | CO__PH(CO__PH_WINDOW))

/* The placeholders entry e's template has values for. */
static unsigned entry_allowed(const struct co_entry *e) {
  unsigned m = PH_ANYWHERE | CO__PH(CO__PH_R) | CO__PH(CO__PH_O) |
               CO__PH(CO__PH_BUF) | CO__PH(CO__PH_PATH) |
               CO__PH(CO__PH_WATERMARK);
  if (e->effect == CO_EFF_DUP_OBJ || e->effect == CO_EFF_DUP2_OBJ ||
      e->effect == CO_EFF_WRAP)
    m |= CO__PH(CO__PH_SRC);
  if (co_effect_takes_fd(e->effect))
    m |= CO__PH(CO__PH_FD);
  if (co_entry_nmodes(e))
    m |= CO__PH(CO__PH_MODE) | CO__PH(CO__PH_MODENO);
  if (co_effect_takes_n(e->effect))
    m |= CO__PH(CO__PH_N);
  return m;
}

/* One template against what it may use and must use. Returns 0, or -1
 * with the reason in why. */
static int tpl_check(const char *tpl, unsigned allowed, unsigned required,
                     const char *what, char *why, size_t cap) {
  unsigned used, bad;
  int i;
  if (ph_scan(tpl, &used, why, cap) < 0)
    return -1;
  if ((bad = used & ~allowed) != 0) {
    for (i = 0; !((bad >> i) & 1); i++)
      ;
    snprintf(why, cap, "$%s has no value in %s", ph_names[i], what);
    return -1;
  }
  if ((bad = required & ~used) != 0) {
    for (i = 0; !((bad >> i) & 1); i++)
      ;
    snprintf(why, cap, "never sets $%s (%s must)", ph_names[i], what);
    return -1;
  }
  return 0;
}

int co__repro_check(const struct co_adapter *a, char *err, size_t cap) {
  const struct co_contract *c = a->contract;
  const struct co_contract_c *rc = c->repro;
  char why[160], what[96];
  size_t i;
  if (a->version < CO__REPRO_VERSION)
    return 0; /* no templates before version 5 */
  for (i = 0; i < c->nentries; i++) {
    const struct co_entry *e = &c->entries[i];
    unsigned req = CO__PH(CO__PH_R);
    if (!e->c)
      continue;
    if (makes_object(e->effect))
      req |= CO__PH(CO__PH_O);
    snprintf(what, sizeof what, "a %s entry%s", co_effect_name(e->effect),
             co_entry_nmodes(e) ? "" : " without modes");
    if (tpl_check(e->c, entry_allowed(e), req, what, why, sizeof why) < 0) {
      snprintf(err, cap, "adapter %s: entry %s, field c: %s", c->layer, e->name,
               why);
      return -1;
    }
  }
  if (rc) {
    const char *field = NULL;
    if (rc->head && tpl_check(rc->head, PH_ANYWHERE, 0, "a layer's head", why,
                              sizeof why) < 0)
      field = "head";
    else if (rc->init && tpl_check(rc->init, PH_ANYWHERE, 0, "a layer's init",
                                   why, sizeof why) < 0)
      field = "init";
    if (field) {
      snprintf(err, cap, "adapter %s: field repro.%s: %s", c->layer, field,
               why);
      return -1;
    }
  }
  return 0;
}

/* tpl into o with the values of its placeholders, each line after
 * indent; *used gets the placeholders it used. */
static void tpl_put(FILE *o, const char *tpl, const char *const val[],
                    const char *indent, unsigned *used) {
  const char *p;
  int bol = 1;
  for (p = tpl; *p; p++) {
    size_t len;
    int i;
    if (bol && *p != '\n')
      fputs(indent, o);
    bol = *p == '\n';
    if (*p != '$') {
      fputc(*p, o);
    } else if (p[1] == '$') {
      fputc('$', o);
      p++;
    } else if ((i = ph_at(p + 1, &len)) >= 0) {
      fputs(val[i] ? val[i] : "", o); /* (registration checked which) */
      *used |= CO__PH(i);
      p += len;
    }
  }
  if (!bol)
    fputc('\n', o);
}

/* The adapters a reproducer calls, in the order of their first call. */
struct layers {
  const struct co_adapter *a[CO_OBJS + 8];
  size_t n;
  unsigned used; /* the placeholders the steps used */
  int win32;     /* the program is a Win32 one */
  int faults;    /* it injects faults itself (repro_fail.inc) */
  /* the placeholders' values that hold for the whole program */
  char variant[16], window[16], watermark[24];
};

/* The program's variant macro: VARIANT; on Win32 REPRO_VARIANT, as
 * <windows.h> (oleauto.h) declares a type VARIANT and a -DVARIANT=0 on the
 * command line would break every source of the build line. */
#define VARIANT_NAME(ls) ((ls)->win32 ? "REPRO_VARIANT" : "VARIANT")

static void layers_add(struct layers *ls, const struct co_adapter *a) {
  size_t i;
  for (i = 0; i < ls->n; i++)
    if (ls->a[i] == a)
      return;
  if (ls->n < sizeof ls->a / sizeof *ls->a)
    ls->a[ls->n++] = a;
}

/* A C string literal of s into buf. */
static void c_string(char *buf, size_t cap, const char *s) {
  size_t n = 0;
  if (cap < 4)
    return;
  buf[n++] = '"';
  for (; *s && n + 4 < cap; s++) {
    if (*s == '"' || *s == '\\')
      buf[n++] = '\\';
    buf[n++] = *s;
  }
  buf[n++] = '"';
  buf[n] = 0;
}

#include "repro_fail.inc"

/* A layer's entry as C: its template in a block of its own, then what
 * the program does with the result. Returns 0, or -1 if the entry has no
 * C (err says so). */
static int entry_c(FILE *o, const struct co_op *op, size_t step,
                   const char *text, struct layers *ls, char *err,
                   size_t errcap) {
  const struct co_entry_ref *ref = co_entry_ref(op->entry);
  const char *val[CO__PH_COUNT];
  char obj[16], src[16], fd[32], mode[64], modeno[16], n[16];
  enum co_effect f;
  int gated;
  if (!ref || ref->adapter->version < CO__REPRO_VERSION || !ref->e->c) {
    char why[96] = "its co_entry.c is NULL";
    if (ref && ref->adapter->version < CO__REPRO_VERSION)
      snprintf(why, sizeof why,
               "its adapter is of version %d; co_entry.c is read from "
               "version %d",
               ref->adapter->version, CO__REPRO_VERSION);
    snprintf(err, errcap,
             "step %zu (%s): entry %s of layer %s has no C (%s): no "
             "reproducer written",
             step, text, ref ? ref->e->name : "?",
             ref ? ref->adapter->contract->layer : "?", why);
    return -1;
  }
  f = ref->e->effect;
  layers_add(ls, ref->adapter);
  snprintf(obj, sizeof obj, "o[%u]",
           makes_object(f) || f == CO_EFF_DUP2_OBJ ? op->dst : op->obj);
  snprintf(src, sizeof src, "o[%u]", op->obj);
  ref_str(fd, sizeof fd, op->a);
  c_string(mode, sizeof mode, ref->nmodes ? ref->e->modes[op->flags].name : "");
  snprintf(modeno, sizeof modeno, "%uu", (unsigned)op->flags);
  snprintf(n, sizeof n, "%d", (int)op->n);
  val[CO__PH_R] = "r";
  val[CO__PH_O] = obj;
  val[CO__PH_SRC] = src;
  val[CO__PH_FD] = fd;
  val[CO__PH_MODE] = mode;
  val[CO__PH_MODENO] = modeno;
  val[CO__PH_N] = n;
  val[CO__PH_BUF] = "buf";
  val[CO__PH_PATH] = "path";
  val[CO__PH_VARIANT] = VARIANT_NAME(ls);
  val[CO__PH_WINDOW] = ls->window;
  val[CO__PH_WATERMARK] = ls->watermark;
  if (strstr(ref->e->c, "$path"))
    fprintf(o, "  snprintf(path, sizeof path, \"%%s/f%zu\", dir);\n", step);
  gated = ls->faults && fail_interposed(ref->adapter);
  if (ls->win32)
    fputs("  iph_at = iph_fired;\n", o);
  if (gated) /* the library's calls, but its adapter's nofault families */
    fprintf(o, "  lib_enter(0x%xu); /* the library's calls: faults */\n",
            ref->adapter->nofault);
  fprintf(o, "  errno = 0;\n  {\n");
  tpl_put(o, ref->e->c, val, "    ", &ls->used);
  fprintf(o, "  }\n%s", gated ? "  lib_leave();\n" : "");
  if (co_call_binds(op) == 2)
    fprintf(o, ls->win32 ? "  s[%u] = r;\n" : "  s[%u] = (int)r;\n", op->dst);
  /* a C-runtime descriptor stays its number once closed: a later call
   * passes it stale, as closeonce did */
  if ((f == CO_EFF_CLOSE || f == CO_EFF_DETACH) &&
      !ref->adapter->contract->numbered)
    fprintf(o, "  o[%u] = NULL;\n", op->obj);
  return 0;
}

/* One operation as C. Returns -1 (err says why) for one without C. */
static int op_c(FILE *o, const struct co_op *op, size_t step, const char *text,
                struct layers *ls, char *err, size_t errcap) {
  if (op->kind == CO_OP_CALL)
    return entry_c(o, op, step, text, ls, err, errcap);
  if (op->kind == CO_OP_FAIL && ls->faults && fail_op_c(o, op) == 0)
    return 0;
  if (builtin_op_c(o, op) == 0)
    return 0;
  snprintf(err, errcap, "step %zu (%s) has no C template", step, text);
  return -1;
}
/* The client's own move, where that is the finding (the model's words). */
static void client_move_c(FILE *b, size_t i, const struct co_verdict *v,
                          const char *note) {
  const char *p;
  if (i != v->step || !v->client)
    return;
  fprintf(b,
          "  /* The client's own move broke the ownership rule here. */\n"
          "  printf(\"FAILS at step %zu: %%s\\n\", \"",
          i);
  for (p = v->what; *p; p++)
    fputs(*p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : (char[]){*p, 0}, b);
  fprintf(b, "%s\");\n  return 1;\n", note);
}

/* The step's checks against the contract: its result, the descriptors it
 * closed, and the client's own move where that is the finding. */
static void checks_c(FILE *b, const struct rec *r, const struct co_trace *t,
                     size_t i, const struct co_verdict *v) {
  const struct co_outcome *m = &r->model[i];
  const char *en = errno_name(m->err);
  uint64_t closed = (i ? r->live[i - 1] : 0) & ~r->live[i];
  unsigned k;
  if (r->fams && t->ops[i].kind == CO_OP_CALL) /* the contract's "nothing
                                                 closed twice" */
    fprintf(b, "  if (closed_twice(%zu))\n    return 1;\n", i);
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
  client_move_c(b, i, v, "");
}

/* The Win32 program's steps (repro_w32.inc). */
static int op_w32(FILE *o, const struct co_op *op, size_t step,
                  const char *text, struct layers *ls, char *err,
                  size_t errcap);
static void checks_w32(FILE *b, const struct rec *r, const struct co_trace *t,
                       size_t i, const struct co_verdict *v);

/* The steps of main into b; the layers they call into ls. Returns 0, or
 * -1 with a message in err (an operation without C). */
static int steps_c(FILE *b, const struct rec *r, const struct co_trace *t,
                   const struct co_verdict *v, struct layers *ls, char *err,
                   size_t errcap) {
  size_t i;
  char text[128];
  for (i = 0; i < t->len && i < r->n; i++) {
    co_op_format(&t->ops[i], text, sizeof text);
    if (r->refused[i]) {
      /* closeonce never issued it (a freed object, a foreign descriptor):
       * neither does the program */
      fprintf(b, "\n  /* step %zu: %s: refused by the model, not run */\n", i,
              text);
      if (!r->win32) /* a refused client move may be the finding */
        client_move_c(b, i, v, "");
      continue;
    }
    fprintf(b, "\n  /* step %zu: %s */\n", i, text);
    if (r->win32 && r->wnew[i])
      fputs("  snap_open(); /* the handle values open before the step */\n", b);
    if ((r->win32 ? op_w32(b, &t->ops[i], i, text, ls, err, errcap)
                  : op_c(b, &t->ops[i], i, text, ls, err, errcap)) < 0)
      return -1;
    if (r->win32)
      fprintf(
          b, "  report(%zuu, \"%s\", r, %d);\n", i, text,
          (t->ops[i].kind == CO_OP_CALL ? 0 : 1) |
              ((t->ops[i].kind == CO_OP_CALL ? co_call_binds(&t->ops[i]) == 2
                                             : co_opdesc[t->ops[i].kind].binds)
                   ? 2
                   : 0));
    else
      fprintf(b, "  report(%zu, \"%s\", r);\n", i, text);
    fprintf(b, "  /* %s now:%s */\n", r->win32 ? "handles" : "owners",
            r->owners[i] && *r->owners[i] ? r->owners[i] : " none");
    if (r->win32)
      checks_w32(b, r, t, i, v);
    else
      checks_c(b, r, t, i, v);
  }
  return 0;
}

/* The helpers every step may use, after the platform's headers. */
static const char helpers_c[] =
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
    "/* The first number at or above b that was free when main started. */\n"
    "static int free_at(int b) {\n"
    "  while (b < 4096 && start_open[b])\n    b++;\n  return b;\n}\n\n"
    "/* The soft descriptor limit to v (-1: RLIM_INFINITY). */\n"
    "static int setlimit(long v) {\n  struct rlimit rl;\n"
    "  getrlimit(RLIMIT_NOFILE, &rl);\n"
    "  rl.rlim_cur = v < 0 ? RLIM_INFINITY : (rlim_t)v;\n"
    "  return setrlimit(RLIMIT_NOFILE, &rl);\n}\n\n"
    "/* A fresh file, its name removed at once. */\n"
    "static int fresh(int flags) {\n  int fd;\n"
    "  snprintf(path, sizeof path, \"%s/f\", dir);\n"
    "  fd = open(path, O_CREAT | O_EXCL | flags, 0600);\n"
    "  unlink(path);\n  return fd;\n}\n\n"
    "static long getfl(int fd) {\n  long f = fcntl(fd, F_GETFL);\n"
    "  if (f < 0)\n    return f;\n"
    "  return ((f & O_ACCMODE) == O_RDONLY ? 1 : (f & O_ACCMODE) == "
    "O_WRONLY ? 2 : 0) |\n         (f & O_APPEND ? 8 : 0);\n}\n\n"
    "static void report(size_t step, const char *op, long r) {\n"
    "  printf(\"step %zu: %-28s -> %ld%s%s\\n\", step, op, r,\n"
    "         r < 0 ? \" \" : \"\", r < 0 ? strerror(errno) : \"\");\n}\n\n"
    "static void cleanup(void) {\n  rmdir(dir);\n}\n\n"
    "static int fails(size_t step, const char *want, long got) {\n"
    "  printf(\"FAILS at step %zu: got %ld, the contract says %s\\n\","
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
    "      printf(\"FAILS at step %zu: descriptor f%d is %s, the \"\n"
    "             \"contract says %s\\n\", step, k, fl >= 0 ? \"open\" : "
    "\"closed\",\n"
    "             want ? \"open\" : \"closed\");\n"
    "      return 1;\n    }\n"
    "    if (fl >= 0 && !!(fl & FD_CLOEXEC) != ((cloexec >> k) & 1)) {\n"
    "      printf(\"FAILS at step %zu: descriptor f%d has close-on-exec "
    "\"\n"
    "             \"%s, the contract says %s\\n\", step, k,\n"
    "             fl & FD_CLOEXEC ? \"set\" : \"clear\",\n"
    "             (cloexec >> k) & 1 ? \"set\" : \"clear\");\n"
    "      return 1;\n    }\n  }\n"
    "  if (off_k >= 0 && lseek(freenum(off_k), 0, SEEK_CUR) != off) {\n"
    "    printf(\"FAILS at step %zu: descriptor f%d is at offset %ld, \"\n"
    "           \"the contract says %ld\\n\", step, off_k,\n"
    "           (long)lseek(freenum(off_k), 0, SEEK_CUR), off);\n"
    "    return 1;\n  }\n  return 0;\n}\n\n";

/* A layer-wide template (head, init): only $variant and $window. */
static void layer_tpl(FILE *out, const char *tpl, struct layers *ls,
                      const char *indent) {
  const char *val[CO__PH_COUNT] = {0};
  val[CO__PH_VARIANT] = VARIANT_NAME(ls);
  val[CO__PH_WINDOW] = ls->window;
  tpl_put(out, tpl, val, indent, &ls->used);
}

static const struct co_contract_c *repro_of(const struct co_adapter *a) {
  return a->contract->repro;
}

/* 1 if the program uses $variant: the steps, the heads or the inits. */
static int uses_variant(const struct layers *ls) {
  unsigned used = ls->used;
  size_t i;
  for (i = 0; i < ls->n; i++)
    if (repro_of(ls->a[i])) {
      const struct co_contract_c *rc = repro_of(ls->a[i]);
      unsigned u;
      char why[8];
      if (rc->head && ph_scan(rc->head, &u, why, sizeof why) == 0)
        used |= u;
      if (rc->init && ph_scan(rc->init, &u, why, sizeof why) == 0)
        used |= u;
    }
  return (used & CO__PH(CO__PH_VARIANT)) != 0;
}

/* Every layer's head (init 0: at file scope, each after its name) or
 * init (1: at the start of main). */
static void layer_parts(FILE *out, struct layers *ls, int init) {
  size_t i;
  for (i = 0; i < ls->n; i++) {
    const struct co_contract_c *rc = repro_of(ls->a[i]);
    const char *tpl = !rc ? NULL : init ? rc->init : rc->head;
    if (!tpl)
      continue;
    if (init)
      fprintf(out, "  /* %s: its set-up */\n", ls->a[i]->contract->layer);
    else
      fprintf(out, "/* ---- %s ---- */\n", ls->a[i]->contract->layer);
    layer_tpl(out, tpl, ls, init ? "  " : "");
    if (!init)
      fputc('\n', out);
  }
}
#define heads_c(out, ls) layer_parts(out, ls, 0)
#define inits_c(out, ls) layer_parts(out, ls, 1)

/* The program's head: what it reproduces, how to build it, the helpers
 * every step uses and the layers' own heads. */
static void prelude_c(FILE *out, const struct co_target *tg,
                      const struct co_verdict *v, struct layers *ls,
                      const struct rec *r) {
  size_t i;
  int variant = uses_variant(ls);
  fprintf(out,
          "/*\n * closeonce reproducer: %s in target %s.\n * %s\n *\n"
          " * Only the platform's and the libraries' own calls; each step "
          "checks\n * its result against the contract. Exit 1: the failure "
          "shows; exit 0:\n * it does not (fixed). Build it (in the "
          "adapters' project directory):\n *\n *   cc -std=c11 repro.c",
          co_verdict_name(v->kind), tg->name, v->what);
  for (i = 0; i < ls->n; i++)
    if (repro_of(ls->a[i]) && repro_of(ls->a[i])->build)
      fprintf(out, " %s", repro_of(ls->a[i])->build);
  fprintf(out, "%s -o repro && ./repro\n", r->fams ? " -ldl" : "");
  if (r->fams)
    fprintf(out,
            " *\n * It injects the trace's faults (fail) itself: its own "
            "definitions of\n * the library's calls come first (Linux, "
            "glibc). Close profile: %s.\n",
            co_close_profile_name(r->keeps));
  if (variant && tg->variant)
    fprintf(out, " *\n * -DVARIANT=0: the library without its planted "
                 "bugs.\n");
  fprintf(out, " */\n#define _GNU_SOURCE\n#include <errno.h>\n"
               "#include <fcntl.h>\n#include <stdint.h>\n#include <stdio.h>\n"
               "#include <stdlib.h>\n#include <string.h>\n"
               "#include <signal.h>\n"
               "#include <sys/resource.h>\n#include <sys/socket.h>\n"
               "#include <sys/stat.h>\n"
               "#include <sys/syscall.h>\n#include <unistd.h>\n\n");
  if (variant)
    fprintf(out,
            "#ifndef VARIANT\n#define VARIANT %uu /* the planted bugs; 0: "
            "fixed */\n#endif\n\n",
            tg->variant);
  fputs(helpers_c, out);
  if (r->fams)
    fail_prelude(out, r->fams, ls, r->keeps);
  if (ls->n)
    fputs("/* The layers' own: a program need not call every helper. */\n"
          "#pragma GCC diagnostic ignored \"-Wunused-function\"\n\n",
          out);
  heads_c(out, ls);
}

/* main up to the first step: the layers' set-up, then the start state. */
static void main_c(FILE *out, struct layers *ls) {
  fprintf(out,
          "int main(void) {\n  int s[%d], p[2];\n  void *o[%d] = {0};\n"
          "  long r;\n  int i;\n  (void)o;\n  (void)r;\n  (void)p;\n"
          "  (void)buf;\n  (void)limit;\n  (void)getfl;\n"
          "  (void)free_at;\n  (void)setlimit;\n"
          "  (void)fresh;\n  (void)s;\n"
          "  for (i = 0; i < %d; i++)\n    s[i] = -1;\n"
          "  if (!mkdtemp(dir))\n    return 2;\n"
          "  atexit(cleanup);\n",
          CO_SLOTS, CO_OBJS, CO_SLOTS);
  if (ls->faults) /* where the library's code and ours are */
    fprintf(out, "  (void)lib_enter;\n  (void)lib_leave;\n"
                 "  (void)closed_twice;\n"
                 "  dl_iterate_phdr(code_of, (void *)lib_objects);\n");
  inits_c(out, ls);
  fprintf(out, "  for (i = 0; i < 4096; i++)\n"
               "    start_open[i] = fcntl(i, F_GETFD) >= 0;\n");
}

#include "repro_w32.inc"

/* The first run of a trace with faults: each step's prediction. */
static void hook_first(void *env, const struct co_step_info *s) {
  struct rec *r = env;
  if (s->step < MAXSTEPS) {
    r->first[s->step] = *s->model;
    r->nfirst = s->step + 1;
  }
}

/* Run t twice on ex: the first run fixes the free numbers, the second
 * records every step into r. Fills *v. */
static void record(struct rec *r, struct co_exec *ex,
                   const struct co_target *tg, const struct co_trace *t,
                   struct co_verdict *v) {
  unsigned k;
  r->ex = ex;
  if (r->fams)
    co_exec_set_hook(ex, hook_first, r);
  co_exec_run(ex, t, v);
  co_exec_set_hook(ex, NULL, NULL);
  r->v1 = *v;
  if (r->win32)
    crt_free_numbers(r, tg);
  for (k = 0; k < 64; k++)
    r->freenum[k] = co_model_free_number(co_exec_model(ex), k);
  co_exec_set_hook(ex, hook, r);
  co_exec_run(ex, t, v);
  co_exec_set_hook(ex, NULL, NULL);
}

/* The values of the whole program's placeholders. */
static void layers_init(struct layers *ls, const struct rec *r,
                        struct co_exec *ex) {
  int64_t wm = co_model_watermark(co_exec_model(ex));
  int k = free_index(r, wm);
  memset(ls, 0, sizeof *ls);
  ls->win32 = r->win32;
  snprintf(ls->window, sizeof ls->window, "%uu", co_exec_window(ex));
  if (r->win32)
    k = cfree_index(r, wm);
  if (k >= 0)
    snprintf(ls->watermark, sizeof ls->watermark,
             r->win32 ? "crtfree(%d)" : "freenum(%d)", k);
  else
    snprintf(ls->watermark, sizeof ls->watermark, "%lld", (long long)wm);
}

int co_repro_c(FILE *out, struct co_exec *ex, const struct co_target *tg,
               const struct co_trace *t, char *err, size_t errcap) {
  struct rec *r = calloc(1, sizeof *r);
  struct co_verdict v;
  struct layers ls;
  int rc = -1;
  struct co__mem bm;
  size_t i;
  memset(&bm, 0, sizeof bm);
  if (!r || t->len > MAXSTEPS) {
    snprintf(err, errcap, "trace too long for a reproducer (%d at most)",
             MAXSTEPS);
    free(r);
    return -1;
  }
  if (co_trace_threads(t)) { /* docs/threads.md#scheduled */
    snprintf(err, errcap,
             "a parallel trace has no standalone C reproducer yet: its "
             "trace is the reproducer (closeonce replay --target %s runs it "
             "scheduled, the same way every time)",
             tg->name);
    free(r);
    return -1;
  }
  r->win32 =
      tg->backend->version >= 3 && tg->backend->platform == CO_PLATFORM_WIN32;
  if ((tg->backend->version >= 3 && !r->win32 &&
       tg->backend->platform != CO_PLATFORM_POSIX) ||
      (r->win32 && w32_expressible(t, err, errcap) < 0)) {
    if (!r->win32)
      snprintf(err, errcap,
               "standalone C reproducers are written for POSIX and Win32 "
               "targets only; replay the trace with closeonce replay "
               "--target %s",
               tg->name);
    free(r);
    return -1;
  }
  if (fail_expressible(r, ex, t, err, errcap) < 0) {
    free(r);
    return -1;
  }
  record(r, ex, tg, t, &v);
  layers_init(&ls, r, ex);
  ls.faults = r->fams != 0;
  if (v.kind != CO_V_OK && fail_same_runs(r, &v, err, errcap) < 0) {
    /* err says why */
  } else if (v.kind == CO_V_OK) {
    snprintf(err, errcap, "no finding in this trace for target %s", tg->name);
  } else if (!co__mem_open(&bm)) {
    snprintf(err, errcap, "out of memory");
  } else {
    int bad = steps_c(bm.f, r, t, &v, &ls, err, errcap);
    bad = co__mem_close(&bm) != 0 || bad;
    if (!bad && r->win32) {
      program_w32(out, tg, &v, &ls, co_exec_quirks(ex), r, t, bm.buf);
      rc = 0;
    } else if (!bad) {
      int64_t block = co_exec_files(ex)->block;
      prelude_c(out, tg, &v, &ls, r);
      fprintf(out,
              "/* whole blocks of an offset: the hole block closeonce "
              "probed in its\n * files' directory "
              "(docs/posix.md#blocks) */\n#define BLOCK %lld\n\n",
              (long long)(block > 0 ? block : CO_BLOCK_DEFAULT));
      main_c(out, &ls);
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

/* buf into path, whole or not at all: a new name, then rename. Returns 0,
 * or -1 with the reason in err (nothing left but what was at path). */
static int write_whole(const char *path, const char *buf, size_t len, char *err,
                       size_t errcap) {
  char tmp[4200];
  FILE *f;
  int bad;
  snprintf(tmp, sizeof tmp, "%s.%llx.tmp", path, co__entropy() & 0xffffffffull);
  bad = !(f = fopen(tmp, "wb"));
  if (!bad) {
    bad = fwrite(buf, 1, len, f) != len;
    bad = fclose(f) != 0 || bad; /* closed whatever the write said */
  }
#ifdef _WIN32
  /* rename does not replace a file there; MoveFileEx does, at once */
  if (!bad && !MoveFileExA(tmp, path, MOVEFILE_REPLACE_EXISTING)) {
    errno = EEXIST;
    bad = 1;
  }
  if (bad) {
#else
  if (bad || rename(tmp, path) != 0) {
#endif
    snprintf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
    remove(tmp);
    return -1;
  }
  return 0;
}

int co_repro_write(const char *path, struct co_exec *ex,
                   const struct co_target *tg, const struct co_trace *t,
                   char *err, size_t errcap) {
  struct co__mem m;
  int rc;
  memset(&m, 0, sizeof m);
  if (!co__mem_open(&m)) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  rc = co_repro_c(m.f, ex, tg, t, err, errcap);
  if (co__mem_close(&m) < 0 && rc == 0) {
    snprintf(err, errcap, "out of memory");
    rc = -1;
  }
  if (rc == 0 && !path) {
    rc = fwrite(m.buf, 1, m.len, stdout) == m.len ? 0 : -1;
    if (rc < 0)
      snprintf(err, errcap, "cannot write the program: %s", strerror(errno));
  } else if (rc == 0) {
    rc = write_whole(path, m.buf, m.len, err, errcap);
  }
  free(m.buf);
  return rc;
}
