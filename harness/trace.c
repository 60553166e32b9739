/*
 * The trace codec: the one decoder (binary), the one parser and printer
 * (text), canonical form and hashing. Pure C, no system calls.
 */
#include "closeonce/trace.h"

#include "closeonce/error.h"
#include "ipose.h"

#include "closeonce/contract.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A flag word: flags & mask == value. Words whose mask has more than one bit
 * form a group (exactly one of them applies) and are always printed; single-
 * bit words are printed when set. */
struct co__word {
  uint8_t mask, value;
  const char *word;
};

static const struct co__word words_none[] = {{0, 0, NULL}};
/* the access words of open, reopen and reopenfile */
/* clang-format off */
#define ACC_WORDS                                                              \
  {CO_F_ACC_MASK, CO_F_ACC_RDWR, "rdwr"},                                      \
  {CO_F_ACC_MASK, CO_F_ACC_RDONLY, "rdonly"},                                  \
  {CO_F_ACC_MASK, CO_F_ACC_WRONLY, "wronly"}
/* clang-format on */
static const struct co__word words_open[] = {
    ACC_WORDS,
    {CO_F_CLOEXEC, CO_F_CLOEXEC, "cloexec"},
    {CO_F_APPEND, CO_F_APPEND, "append"},
    {0, 0, NULL}};
static const struct co__word words_dup3[] = {{CO_F_BIT0, CO_F_BIT0, "cloexec"},
                                             {CO_F_BIT1, CO_F_BIT1, "badflags"},
                                             {0, 0, NULL}};
static const struct co__word words_cloexec[] = {
    {CO_F_BIT0, CO_F_BIT0, "cloexec"}, {0, 0, NULL}};
static const struct co__word words_setfl[] = {
    {CO_F_BIT0, CO_F_BIT0, "append"},
    {CO_F_BIT1, CO_F_BIT1, "nonblock"},
    {CO_F_BIT2, CO_F_BIT2, "ndelay"},
    {0, 0, NULL}};
static const struct co__word words_seekext[] = {
    {CO_F_XWHENCE_MASK, CO_F_XWHENCE_DATA, "data"},
    {CO_F_XWHENCE_MASK, CO_F_XWHENCE_HOLE, "hole"},
    {CO_F_XWHENCE_MASK, CO_F_XWHENCE_BAD, "badwhence"},
    {CO_F_XWHENCE_MASK, CO_F_XWHENCE_BAD7, "badwhence7"},
    {CO_F_XWHENCE_MASK, CO_F_XWHENCE_BADNEG, "badwhence-1"},
    {0, 0, NULL}};
/* close_range: CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, and a bit the
 * kernel does not define (docs/posix.md#close-range-flags). */
static const struct co__word words_crange[] = {
    {CO_F_BIT0, CO_F_BIT0, "cloexec"},
    {CO_F_BIT1, CO_F_BIT1, "unshare"},
    {CO_F_BIT2, CO_F_BIT2, "badflags"},
    {0, 0, NULL}};
static const struct co__word words_protect[] = {
    {CO_F_BIT0, CO_F_BIT0, "protect"}, {0, 0, NULL}};
static const struct co__word words_noinherit[] = {
    {CO_F_NOINHERIT, CO_F_NOINHERIT, "noinherit"}, {0, 0, NULL}};
static const struct co__word words_duph[] = {
    {CO_F_NOINHERIT, CO_F_NOINHERIT, "noinherit"},
    {CO_F_SAMEATTR, CO_F_SAMEATTR, "sameattr"},
    {0, 0, NULL}};
/* thread: the harness's main thread (the client) or its second one, which
 * shares the descriptor table; end: the second one exits, with its table
 * (docs/posix.md#party) */
static const struct co__word words_party[] = {
    {0x3, 0, "main"}, {0x3, 1, "child"}, {0x3, 2, "end"}, {0, 0, NULL}};
static const struct co__word words_reopenfile[] = {
    ACC_WORDS,
    {CO_F_DENYW, CO_F_DENYW, "denyw"},
    {CO_F_DENYR, CO_F_DENYR, "denyr"},
    {0, 0, NULL}};
static const struct co__word words_dev[] = {
    {CO_F_DEV_MASK, CO_F_DEV_NUL, "nul"},
    {CO_F_CLOEXEC, CO_F_CLOEXEC, "cloexec"},
    {0, 0, NULL}};
/* pipe2 (docs/posix.md#pipes) */
static const struct co__word words_pipe2[] = {
    {CO_F_PIPE_NONBLOCK, CO_F_PIPE_NONBLOCK, "nonblock"},
    {CO_F_PIPE_CLOEXEC, CO_F_PIPE_CLOEXEC, "cloexec"},
    {CO_F_PIPE_BAD, CO_F_PIPE_BAD, "badflags"},
    {0, 0, NULL}};
/* socketpair and shutdown (docs/posix.md#sockets) */
static const struct co__word words_sockpair[] = {
    {CO_F_SOCK_TYPE_MASK, CO_F_SOCK_STREAM, "stream"},
    {CO_F_SOCK_TYPE_MASK, CO_F_SOCK_DGRAM, "dgram"},
    {CO_F_SOCK_NONBLOCK, CO_F_SOCK_NONBLOCK, "nonblock"},
    {CO_F_SOCK_CLOEXEC, CO_F_SOCK_CLOEXEC, "cloexec"},
    {0, 0, NULL}};
static const struct co__word words_shut[] = {{CO_F_SHUT_MASK, 0, "rd"},
                                             {CO_F_SHUT_MASK, 1, "wr"},
                                             {CO_F_SHUT_MASK, 2, "rdwr"},
                                             {CO_F_SHUT_MASK, 3, "badhow"},
                                             {0, 0, NULL}};
/* loopback TCP (docs/posix.md#tcp): listen, connect, accept4 */
static const struct co__word words_listen[] = {
    {CO_F_TCP_NONBLOCK, CO_F_TCP_NONBLOCK, "nonblock"},
    {CO_F_TCP_CLOEXEC, CO_F_TCP_CLOEXEC, "cloexec"},
    {0, 0, NULL}};
static const struct co__word words_connect[] = {
    {CO_F_TCP_CLOEXEC, CO_F_TCP_CLOEXEC, "cloexec"}, {0, 0, NULL}};
static const struct co__word words_accept4[] = {
    {CO_F_TCP_NONBLOCK, CO_F_TCP_NONBLOCK, "nonblock"},
    {CO_F_TCP_CLOEXEC, CO_F_TCP_CLOEXEC, "cloexec"},
    {CO_F_TCP_BAD, CO_F_TCP_BAD, "badflags"},
    {0, 0, NULL}};
/* evdir: eventfd's EFD_* and epoll_ctl's operation and events */
static const struct co__word words_eventfd[] = {
    {CO_F_EFD_NONBLOCK, CO_F_EFD_NONBLOCK, "nonblock"},
    {CO_F_EFD_SEMAPHORE, CO_F_EFD_SEMAPHORE, "semaphore"},
    {CO_F_EFD_CLOEXEC, CO_F_EFD_CLOEXEC, "cloexec"},
    {0, 0, NULL}};
static const struct co__word words_epctl[] = {
    {CO_F_EPCTL_OP, 0, "add"},
    {CO_F_EPCTL_OP, CO_F_EPCTL_DEL, "del"},
    {CO_F_EPCTL_IN, CO_F_EPCTL_IN, "in"},
    {CO_F_EPCTL_OUT, CO_F_EPCTL_OUT, "out"},
    {0, 0, NULL}};
static const struct co__word words_whence[] = {{CO_F_WHENCE_MASK, 0, "set"},
                                               {CO_F_WHENCE_MASK, 1, "cur"},
                                               {CO_F_WHENCE_MASK, 2, "end"},
                                               {0, 0, NULL}};

/* getstd, setstd, closestd: which standard handle (docs/win32.md#std). */
static const struct co__word words_std[] = {{CO_F_STD_MASK, 0, "in"},
                                            {CO_F_STD_MASK, 1, "out"},
                                            {CO_F_STD_MASK, 2, "err"},
                                            {CO_F_STD_MASK, 3, "badstd"},
                                            {0, 0, NULL}};

/* exitcode: the handle value's upper half (docs/win32.md#values). */
static const struct co__word words_hval[] = {{CO_F_LOW32, CO_F_LOW32, "low32"},
                                             {CO_F_HI32, CO_F_HI32, "hi32"},
                                             {0, 0, NULL}};

static const struct co__word *const op_words[CO_OP_COUNT] = {
#define CO__OP_WORDS(id, name, binds, nrefs, arg, words) words_##words,
    CO_OP_LIST(CO__OP_WORDS)
#undef CO__OP_WORDS
};

const int32_t co_ref_at[CO_AT_REFS] = {CO_AT_LIST};

/* The access argument's names (CO_ARG_ACCESS), in the order they print:
 * the generic rights, then the file-specific ones (Wine's test_file_access
 * writes them so). */
static const struct {
  uint8_t bit;
  const char *name;
} access_names[] = {{CO_ACC_GENERIC_READ, "GENERIC_READ"},
                    {CO_ACC_GENERIC_WRITE, "GENERIC_WRITE"},
                    {CO_ACC_READ_DATA, "FILE_READ_DATA"},
                    {CO_ACC_WRITE_DATA, "FILE_WRITE_DATA"},
                    {CO_ACC_APPEND_DATA, "FILE_APPEND_DATA"}};
#define ACCESS_NAMES (sizeof access_names / sizeof access_names[0])

static int parse_access(const char *t, size_t n, int32_t *out);
/* reopenfile's dwFlags by index (the Windows SDK's values, written out
 * so that the POSIX build has them): none; the eight file attributes
 * Wine's test_ReOpenFile passes (ARCHIVE, ENCRYPTED, HIDDEN, NORMAL,
 * OFFLINE, READONLY, SYSTEM, TEMPORARY); four of the flags it passes
 * (backup semantics, RANDOM_ACCESS, SEQUENTIAL_SCAN, WRITE_THROUGH: not
 * NO_BUFFERING or OVERLAPPED, which change what a later WriteFile does). */
const uint32_t co_reopen_flags[CO_REOPEN_FLAGS] = {
    0,   0x20,  0x4000,      0x2,         0x80,        0x1000,     0x1,
    0x4, 0x100, 0x02000000u, 0x10000000u, 0x08000000u, 0x80000000u};

const struct co_opdesc co_opdesc[CO_OP_COUNT] = {
#define CO__OP_DESC(id, name, binds, nrefs, arg, words)                        \
  {name, binds, nrefs, arg},
    CO_OP_LIST(CO__OP_DESC)
#undef CO__OP_DESC
};

void co_step_of(struct co_step *s, const struct co_op *op) {
  const struct co_entry_ref *r =
      op->kind == CO_OP_CALL ? co_entry_ref(op->entry) : NULL;
  /* canonical kinds are in range: the modulo (not a power of two) only
   * for a guard */
  const struct co_opdesc *d =
      &co_opdesc[op->kind < CO_OP_COUNT ? op->kind : op->kind % CO_OP_COUNT];
  s->op = op;
  s->call = r;
  s->mode = r && op->flags < r->nmodes ? &r->e->modes[op->flags] : NULL;
  if (r) { /* a call's shape is its entry's, resolved at registration */
    s->binds = r->binds;
    s->nrefs = r->nrefs;
    s->has_obj = r->has_obj;
    s->target = r->target;
  } else {
    s->binds = op->kind != CO_OP_CALL && d->binds ? 2 : 0;
    s->nrefs = op->kind != CO_OP_CALL ? d->nrefs : 0;
    s->has_obj = s->target = 0;
  }
  s->binds2 = !r && op->kind != CO_OP_CALL && d->binds == 2;
}

int co_call_binds(const struct co_op *op) {
  struct co_step s;
  co_step_of(&s, op);
  return s.call ? s.binds : 0;
}

int co_call_target(const struct co_op *op) {
  struct co_step s;
  co_step_of(&s, op);
  return s.target;
}

int co_op_nrefs(const struct co_op *op) {
  struct co_step s;
  co_step_of(&s, op);
  return s.nrefs;
}

int co_op_has_obj(const struct co_op *op) {
  struct co_step s;
  co_step_of(&s, op);
  return s.has_obj;
}

void co_trace_init(struct co_trace *t) {
  t->ops = NULL;
  t->len = t->cap = 0;
}

void co_trace_free(struct co_trace *t) {
  free(t->ops);
  co_trace_init(t);
}

void co_trace_clear(struct co_trace *t) {
  t->len = 0;
}

int co_trace_push(struct co_trace *t, const struct co_op *op) {
  if (t->len == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct co_op *ops;
    if (t->len >= CO_MAX_OPS)
      return -1;
    if (cap > CO_MAX_OPS)
      cap = CO_MAX_OPS;
    ops = realloc(t->ops, cap * sizeof *ops);
    if (!ops)
      return -1;
    t->ops = ops;
    t->cap = cap;
  }
  t->ops[t->len++] = *op;
  return 0;
}

int co_trace_copy(struct co_trace *dst, const struct co_trace *src) {
  size_t i;
  co_trace_clear(dst);
  for (i = 0; i < src->len; i++)
    if (co_trace_push(dst, &src->ops[i]) < 0)
      return -1;
  return 0;
}

static void ref_canon(struct co_ref *r) {
  switch (r->type) {
  case CO_REF_SLOT:
    r->idx %= CO_SLOTS;
    break;
  case CO_REF_FREE:
    r->idx %= CO_FREE_REFS;
    break;
  case CO_REF_AT:
    r->idx %= CO_AT_REFS;
    break;
  case CO_REF_NEG:
  case CO_REF_LIMIT:
    r->idx = 0;
    break;
  default:
    r->type = CO_REF_SLOT;
    r->idx %= CO_SLOTS;
  }
}

/* fail: a family that exists, one of its errors, a count 0..15. */
static void fault_canon(struct co_op *op) {
  const int *errs;
  unsigned fam = (op->flags & 0xf) % CO_IF_COUNT;
  unsigned nerr = co_ifam_errs(fam, &errs);
  unsigned e = ((unsigned)op->n >> 4 & 3) % (nerr ? nerr : 1);
  op->flags = (uint8_t)fam;
  op->n = (int32_t)(((unsigned)op->n & 0xf) | e << 4);
}

void co_fault_of(const struct co_op *op, unsigned *fam, int *err,
                 unsigned *count) {
  const int *errs;
  unsigned nerr;
  *fam = (op->flags & 0xf) % CO_IF_COUNT;
  nerr = co_ifam_errs(*fam, &errs);
  *err = nerr ? errs[((unsigned)op->n >> 4 & 3) % nerr] : 0;
  *count = (unsigned)op->n & 0xf;
}

static uint8_t flags_canon(const struct co__word *w, uint8_t flags) {
  uint8_t allowed = 0, out;
  const struct co__word *p;
  for (p = w; p->word; p++)
    allowed |= p->mask;
  out = flags & allowed;
  /* A group value that no word names folds to the group's zero value. */
  for (p = w; p->word; p++) {
    const struct co__word *q;
    int named = 0;
    if ((p->mask & (p->mask - 1)) == 0)
      continue;
    for (q = w; q->word; q++)
      if (q->mask == p->mask && (out & p->mask) == q->value)
        named = 1;
    if (!named)
      out &= (uint8_t)~p->mask;
  }
  return out;
}

/* Canonical form of a layer call: only the fields its effect uses. */
static void call_canon(struct co_op *op) {
  struct co_step st;
  const struct co_entry *e;
  unsigned nm;
  op->dst2 = 0;
  co_step_of(&st, op);
  if (!st.call) { /* an unknown entry: keep it, printing and running reject it
                   */
    op->flags = op->dst = op->obj = 0;
    op->a = op->b = (struct co_ref){0, 0};
    op->n = 0;
    return;
  }
  e = st.call->e;
  nm = st.call->nmodes;
  op->flags = nm ? (uint8_t)((op->flags & 0xf) % nm) : 0;
  switch (st.binds) {
  case 1:
    op->dst %= CO_OBJS;
    break;
  case 2:
    op->dst %= CO_SLOTS;
    break;
  default:
    op->dst = st.target ? op->dst % CO_OBJS : 0;
  }
  if (st.nrefs)
    ref_canon(&op->a);
  else
    op->a = (struct co_ref){0, 0};
  op->b = (struct co_ref){0, 0};
  op->obj = st.has_obj ? op->obj % CO_OBJS : 0;
  /* USE writes 1..255 bytes: a zero-byte write touches nothing in most
   * layers (stdio does not even flush), so it would observe nothing. */
  op->n = e->effect == CO_EFF_USE ? ((op->n & 0xff) ? op->n & 0xff : 1)
          : e->effect == CO_EFF_SEEK || e->effect == CO_EFF_RESIZE
              ? (int8_t)(op->n & 0xff)              /* -128..127 */
          : e->effect == CO_EFF_READ ? op->n & 0xff /* 0..255 */
                                     : 0;
}

void co_op_canon(struct co_op *op) {
  const struct co_opdesc *d;
  op->thr = (uint8_t)(op->thr % (CO_THREADS + 1));
  if (op->kind >= CO_OP_COUNT)
    op->kind = (uint8_t)(op->kind % CO_OP_COUNT);
  if (op->kind == CO_OP_CALL) {
    call_canon(op);
    return;
  }
  op->entry = op->obj = 0;
  d = &co_opdesc[op->kind];
  op->dst = d->binds ? op->dst % CO_SLOTS : 0;
  op->dst2 = d->binds == 2 ? op->dst2 % CO_SLOTS : 0;
  if (d->arg != CO_ARG_FAULT)
    op->flags = flags_canon(op_words[op->kind], op->flags & 0xf);
  /* whole blocks: an offset's only; an invalid whence has no offset */
  op->blk = d->arg == CO_ARG_OFFSET &&
                    !(op->kind == CO_OP_LSEEK_EXT &&
                      (op->flags & CO_F_XWHENCE_MASK) >= CO_F_XWHENCE_BAD)
                ? op->blk % (CO_BLK_MAX + 1)
                : 0;
  if (d->nrefs < 1)
    op->a = (struct co_ref){0, 0};
  if (d->nrefs < 2)
    op->b = (struct co_ref){0, 0};
  ref_canon(&op->a);
  ref_canon(&op->b);
  switch (d->arg) {
  case CO_ARG_COUNT:
    op->n = op->n & 0xff;
    if (op->kind == CO_OP_REOPENFILE) /* an index into co_reopen_flags */
      op->n %= CO_REOPEN_FLAGS;
    if (op->kind == CO_OP_LISTEN) /* a small backlog */
      op->n &= CO_TCP_BACKLOG_MAX;
    break;
  case CO_ARG_OFFSET:
    op->n = (int8_t)(uint8_t)op->n;
    break;
  case CO_ARG_MODE:
    op->n &= 0777;
    break;
  case CO_ARG_ACCESS:
    op->n = op->n & CO_ACC_MASK;
    break;
  case CO_ARG_FAULT:
    fault_canon(op);
    break;
  default:
    op->n = 0;
  }
}

/* Reference byte: 0..15 slot, 16..47 free number, 48 -1, 49 limit, 50..58
 * the boundaries (f>=63 .. f>=8192); taken modulo 59 so that every byte
 * means something. */
#define REF_AT_BYTE (CO_SLOTS + CO_FREE_REFS + 2)
#define REF_BYTES (REF_AT_BYTE + CO_AT_REFS)
static struct co_ref ref_decode(uint8_t b) {
  unsigned v = b % (unsigned)REF_BYTES;
  if (v < CO_SLOTS)
    return (struct co_ref){CO_REF_SLOT, (uint8_t)v};
  if (v < CO_SLOTS + CO_FREE_REFS)
    return (struct co_ref){CO_REF_FREE, (uint8_t)(v - CO_SLOTS)};
  if (v >= REF_AT_BYTE)
    return (struct co_ref){CO_REF_AT, (uint8_t)(v - REF_AT_BYTE)};
  return (struct co_ref){v == 48 ? CO_REF_NEG : CO_REF_LIMIT, 0};
}

static uint8_t ref_encode(struct co_ref r) {
  switch (r.type) {
  case CO_REF_FREE:
    return (uint8_t)(CO_SLOTS + r.idx % CO_FREE_REFS);
  case CO_REF_NEG:
    return 48;
  case CO_REF_LIMIT:
    return 49;
  case CO_REF_AT:
    return (uint8_t)(REF_AT_BYTE + r.idx % CO_AT_REFS);
  default:
    return (uint8_t)(r.idx % CO_SLOTS);
  }
}

/*
 * The first byte of a record picks the operation: 1 + its index in the
 * opset (kinds, then entries), modulo the opset's size; 0 skips the record.
 * An opset of more than 255 operations (a big library's entry points) does
 * not fit in one byte: there, a first byte 1..n picks kind n-1 as always,
 * and a first byte n+1..255 picks an entry together with the top 5 bits of
 * the fourth byte (a call uses only its low 3 bits, the object o0..o7):
 * entry (b0 - n - 1) + (255 - n) * (b3 >> 3), modulo the number of
 * entries. An opset of at most 255 operations decodes as it always did.
 */
#define PAGE_SHIFT 3 /* b3 >> 3: an entry's page; b3 & 7: its object */
_Static_assert(CO_OBJS == 1 << PAGE_SHIFT, "a call's object is b3's low bits");

static size_t record_index(const struct co_opset *set, const uint8_t *r) {
  size_t total = set->n + set->nentries, v = r[0] - 1u, per;
  if (total <= 255 || set->n >= 255 || v < set->n)
    return v % total;
  per = 255 - set->n;
  return set->n +
         ((v - set->n) + per * (size_t)(r[3] >> PAGE_SHIFT)) % set->nentries;
}

/* The first byte of the record of entry k, and the page bits of its
 * fourth. Every accepted opset round-trips: entry ids are bytes
 * (CO_ENTRIES_MAX), so an opset has at most 255 entries, and 32 pages of
 * 255 - n hold them all. */
static uint8_t entry_record(const struct co_opset *set, size_t k,
                            uint8_t *page) {
  size_t total = set->n + set->nentries, per;
  *page = 0;
  if (total <= 255 || set->n >= 255)
    return (uint8_t)(set->n + k + 1);
  per = 255 - set->n;
  *page = (uint8_t)((k / per) << PAGE_SHIFT);
  return (uint8_t)(set->n + k % per + 1);
}

/* A record's thread byte: modulo the opset's threads + 1, and 0 after a
 * thread's operation continues that thread (every prefix operation comes
 * first). */
static uint8_t record_thread(const struct co_trace *out, uint8_t b,
                             unsigned threads) {
  uint8_t t =
      (uint8_t)(b % ((threads > CO_THREADS ? CO_THREADS : threads) + 1));
  if (!t && out->len)
    t = out->ops[out->len - 1].thr;
  return t;
}

unsigned co_trace_threads(const struct co_trace *t) {
  unsigned hi = 0;
  size_t i;
  for (i = 0; i < t->len; i++)
    if (t->ops[i].thr > hi)
      hi = t->ops[i].thr;
  return hi;
}

void co_trace_canon_threads(struct co_trace *t) {
  size_t i;
  for (i = 1; i < t->len; i++)
    if (!t->ops[i].thr)
      t->ops[i].thr = t->ops[i - 1].thr;
}

int co_trace_decode(const uint8_t *data, size_t size,
                    const struct co_opset *set, size_t max_ops,
                    struct co_trace *out) {
  size_t i, rec;
  co_trace_clear(out);
  if (!max_ops || max_ops > CO_MAX_OPS)
    max_ops = CO_MAX_OPS;
  if (!set || !(set->n + set->nentries))
    return 0;
  rec = set->threads ? CO_REC_THREADED : 4;
  for (i = 0; i + rec <= size && out->len < max_ops; i += rec) {
    const uint8_t *r = data + i;
    struct co_op op;
    size_t k;
    if (r[0] == 0)
      continue;
    k = record_index(set, r);
    memset(&op, 0, sizeof op);
    if (set->threads) /* 0 after a thread's continues it (canonical) */
      op.thr = record_thread(out, r[4], set->threads);
    if (k >= set->n) {
      op.kind = CO_OP_CALL;
      op.entry = set->entries[k - set->n];
      op.dst = r[1] & 0xf;
      op.flags = r[1] >> 4;
      op.a = ref_decode(r[2]);
      op.n = r[2];
      op.obj = r[3] & ((1u << PAGE_SHIFT) - 1);
      co_op_canon(&op);
      if (co_trace_push(out, &op) < 0)
        return -1;
      continue;
    }
    op.kind = set->kinds[k];
    op.dst = r[1] & 0xf;
    op.flags = r[1] >> 4;
    if (co_opdesc[op.kind].arg == CO_ARG_OFFSET) {
      /* no slot to bind: the low nibble and the top bit are whole blocks */
      op.blk = (uint8_t)((r[1] & 0xf) | (r[1] >> 7) << 4);
      op.flags &= 0x7;
      op.dst = 0;
    }
    if (co_opdesc[op.kind].arg == CO_ARG_MODE) { /* 9 bits: 0400 a flag */
      op.a = ref_decode(r[2]);
      op.n = r[3] | (op.flags & 1) << 8;
      op.flags = 0;
      co_op_canon(&op);
      if (co_trace_push(out, &op) < 0)
        return -1;
      continue;
    }
    op.a = ref_decode(r[2]);
    op.dst2 = r[2] & 0xf; /* two slots (pipe): the second; else dropped */
    if (co_opdesc[op.kind].nrefs >= 2) {
      op.b = ref_decode(r[3]);
      op.n = 0;
    } else {
      op.b = (struct co_ref){0, 0};
      op.n = co_opdesc[op.kind].arg == CO_ARG_OFFSET ? (int8_t)r[3] : r[3];
    }
    co_op_canon(&op);
    if (co_trace_push(out, &op) < 0)
      return -1;
  }
  return 0;
}

size_t co_trace_encode(const struct co_trace *t, const struct co_opset *set,
                       uint8_t *buf, size_t cap) {
  size_t need = 0, i, k, rec = set->threads ? CO_REC_THREADED : 4;
  for (i = 0; i < t->len; i++) {
    const struct co_op *op = &t->ops[i];
    uint8_t r[CO_REC_THREADED], page;
    if (op->kind == CO_OP_CALL) {
      struct co_step st;
      co_step_of(&st, op);
      for (k = 0; k < set->nentries && set->entries[k] != op->entry; k++)
        ;
      if (k == set->nentries || !st.call)
        continue;
      r[0] = entry_record(set, k, &page);
      r[1] = (uint8_t)((op->dst & 0xf) | (op->flags << 4));
      r[2] = co_effect_takes_n(st.call->e->effect) ? (uint8_t)op->n
                                                   : ref_encode(op->a);
      r[3] = (uint8_t)(page | (op->obj & ((1u << PAGE_SHIFT) - 1)));
      r[4] = op->thr;
      if (need + rec <= cap)
        memcpy(buf + need, r, rec);
      need += rec;
      continue;
    }
    for (k = 0; k < set->n && set->kinds[k] != op->kind; k++)
      ;
    if (k == set->n)
      continue;
    r[0] = (uint8_t)(k + 1);
    r[1] = (uint8_t)((op->dst & 0xf) | (op->flags << 4));
    if (co_opdesc[op->kind].arg == CO_ARG_OFFSET)
      r[1] = (uint8_t)((op->blk & 0xf) | (op->flags & 0x7) << 4 |
                       (op->blk >> 4 & 1) << 7);
    if (co_opdesc[op->kind].arg == CO_ARG_MODE)
      r[1] = (uint8_t)((op->n >> 8 & 1) << 4);
    r[2] = co_opdesc[op->kind].binds == 2 ? (uint8_t)(op->dst2 & 0xf)
                                          : ref_encode(op->a);
    r[3] = co_opdesc[op->kind].nrefs >= 2 ? ref_encode(op->b)
                                          : (uint8_t)(op->n & 0xff);
    r[4] = op->thr;
    if (need + rec <= cap)
      memcpy(buf + need, r, rec);
    need += rec;
  }
  return need;
}

uint64_t co_trace_hash(const struct co_trace *t) {
  uint64_t h = 0xcbf29ce484222325ull;
  size_t i;
  for (i = 0; i < t->len; i++) {
    const struct co_op *op = &t->ops[i];
    /* (dst is 0 where blk is used: old traces keep their hashes) */
    /* (a mode's 0400 beside the flags, which a mode's operation has none
     * of) */
    uint8_t hi = co_opdesc[op->kind % CO_OP_COUNT].arg == CO_ARG_MODE
                     ? (uint8_t)(op->n >> 8 & 1) << 4
                     : 0;
    uint8_t r[10] = {op->kind, (uint8_t)(op->dst + op->blk),
                     (uint8_t)(op->flags | hi), op->a.type, op->a.idx,
                     op->b.type, op->b.idx, (uint8_t)op->n, op->entry,
                     /* (obj is a call's, dst2 a pipe's: never both) */
                     (uint8_t)(op->obj | op->dst2)};
    size_t k;
    for (k = 0; k < sizeof r; k++) {
      h ^= r[k];
      h *= 0x100000001b3ull;
    }
    if (op->thr) { /* (a sequential trace keeps its hash) */
      h ^= 0x100u | op->thr;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

/* ---- text ---- */

int co_ref_format(struct co_ref r, char *buf, size_t cap) {
  switch (r.type) {
  case CO_REF_SLOT:
    return snprintf(buf, cap, "s%u", r.idx);
  case CO_REF_FREE:
    return snprintf(buf, cap, "f%u", r.idx);
  case CO_REF_NEG:
    return snprintf(buf, cap, "-1");
  case CO_REF_AT:
    return snprintf(buf, cap, "f>=%d", (int)co_ref_at[r.idx % CO_AT_REFS]);
  default:
    return snprintf(buf, cap, "limit");
  }
}

/* snprintf into buf+*len, tracking the would-be length. */
static void appendf(char *buf, size_t cap, int *len, const char *fmt, ...) {
  va_list ap;
  size_t at = (size_t)*len < cap ? (size_t)*len : cap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf + at, cap - at, fmt, ap);
  va_end(ap);
  if (n > 0)
    *len += n;
}

static int call_format(const struct co_op *op, char *buf, size_t cap) {
  struct co_step st;
  const struct co_entry *e;
  char ref[16];
  int len = 0;
  co_step_of(&st, op);
  if (!st.call)
    return snprintf(buf, cap, "unknown-entry-%u", op->entry);
  e = st.call->e;
  switch (st.binds) {
  case 1:
    appendf(buf, cap, &len, "o%u = ", op->dst);
    break;
  case 2:
    appendf(buf, cap, &len, "s%u = ", op->dst);
    break;
  }
  appendf(buf, cap, &len, "%s", e->name);
  if (st.nrefs) {
    co_ref_format(op->a, ref, sizeof ref);
    appendf(buf, cap, &len, " %s", ref);
  }
  if (st.has_obj)
    appendf(buf, cap, &len, " o%u", op->obj);
  if (st.target)
    appendf(buf, cap, &len, " o%u", op->dst);
  if (co_effect_takes_n(e->effect))
    appendf(buf, cap, &len, " %d", (int)op->n);
  if (st.call->nmodes)
    appendf(buf, cap, &len, " %s",
            st.mode ? st.mode->name : "(mode out of range)");
  return len;
}

int co_op_format(const struct co_op *op, char *buf, size_t cap) {
  const struct co_opdesc *d = &co_opdesc[op->kind];
  const struct co__word *w;
  char ref[16];
  int len = 0;
  if (cap)
    buf[0] = 0;
  if (op->kind == CO_OP_CALL)
    return call_format(op, buf, cap);
  if (d->binds == 2)
    appendf(buf, cap, &len, "s%u s%u = ", op->dst, op->dst2);
  else if (d->binds)
    appendf(buf, cap, &len, "s%u = ", op->dst);
  appendf(buf, cap, &len, "%s", d->name);
  if (d->nrefs >= 1) {
    co_ref_format(op->a, ref, sizeof ref);
    appendf(buf, cap, &len, " %s", ref);
  }
  if (d->nrefs >= 2) {
    co_ref_format(op->b, ref, sizeof ref);
    appendf(buf, cap, &len, " %s", ref);
  }
  if (d->arg == CO_ARG_OFFSET && op->blk)
    appendf(buf, cap, &len, op->n ? " %ub%+d" : " %ub", op->blk, (int)op->n);
  else if (d->arg == CO_ARG_MODE)
    appendf(buf, cap, &len, " 0%03o", (unsigned)op->n);
  else if (d->arg == CO_ARG_ACCESS) {
    char acc[96];
    co_access_format(op->n, acc, sizeof acc);
    appendf(buf, cap, &len, " %s", acc);
  } else if (d->arg == CO_ARG_FAULT) {
    unsigned fam, count;
    int err;
    co_fault_of(op, &fam, &err, &count);
    appendf(buf, cap, &len, " %s %s", co_ifam_name(fam), co_err_name(err));
    if (count)
      appendf(buf, cap, &len, " %u", count + 1);
    return len;
  } else if (d->arg != CO_ARG_NONE)
    appendf(buf, cap, &len, " %d", (int)op->n);
  for (w = op_words[op->kind]; w->word; w++) {
    int group = (w->mask & (w->mask - 1)) != 0;
    if ((op->flags & w->mask) == w->value && (group || w->value))
      appendf(buf, cap, &len, " %s", w->word);
  }
  return len;
}

int co_op_format_thr(const struct co_op *op, char *buf, size_t cap) {
  int len = 0;
  if (cap)
    buf[0] = 0;
  if (op->thr)
    appendf(buf, cap, &len, "t%u: ", op->thr);
  return len + co_op_format(op, buf + (len < (int)cap ? len : (int)cap),
                            len < (int)cap ? cap - (size_t)len : 0);
}

int co_trace_print(const struct co_trace *t, FILE *out) {
  char line[136];
  size_t i;
  for (i = 0; i < t->len; i++) {
    co_op_format_thr(&t->ops[i], line, sizeof line);
    if (fprintf(out, "%s\n", line) < 0)
      return -1;
  }
  return 0;
}

struct lexer {
  const char *p, *end, *line_start;
  int line;
  struct co_parse_error *err;
  uint8_t thr; /* the current line's thread ("t2:"), 0 for the prefix */
};

static int lex_fail(struct lexer *lx, const char *at, const char *fmt, ...) {
  va_list ap;
  if (lx->err) {
    lx->err->line = lx->line;
    lx->err->col = (int)(at - lx->line_start) + 1;
    va_start(ap, fmt);
    vsnprintf(lx->err->message, sizeof lx->err->message, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* The next token on this line: [start, *tend). Returns 0 at end of line or
 * at a comment. '=' is a token of its own. */
static size_t next_token(struct lexer *lx, const char **tstart) {
  const char *p = lx->p;
  while (p < lx->end && (*p == ' ' || *p == '\t' || *p == '\r'))
    p++;
  *tstart = p;
  if (p >= lx->end || *p == '\n' || *p == '#') {
    lx->p = p;
    return 0;
  }
  if (*p == '=') {
    lx->p = p + 1;
    return 1;
  }
  /* '=' ends a token, except in ">=" (a boundary reference, f>=B) */
  while (p < lx->end && !isspace((unsigned char)*p) && *p != '#' &&
         (*p != '=' || (p > *tstart && p[-1] == '>')))
    p++;
  lx->p = p;
  return (size_t)(p - *tstart);
}

static int tok_is(const char *t, size_t n, const char *word) {
  return strlen(word) == n && memcmp(t, word, n) == 0;
}

/* Parse an unsigned decimal of at most 3 digits into *v. */
static int small_uint(const char *t, size_t n, unsigned *v) {
  unsigned x = 0;
  size_t i;
  if (n == 0 || n > 3)
    return -1;
  for (i = 0; i < n; i++) {
    if (t[i] < '0' || t[i] > '9')
      return -1;
    x = x * 10 + (unsigned)(t[i] - '0');
  }
  if (n > 1 && t[0] == '0')
    return -1;
  *v = x;
  return 0;
}

static int parse_slot(const char *t, size_t n, uint8_t *slot) {
  unsigned v;
  if (n < 2 || t[0] != 's' || small_uint(t + 1, n - 1, &v) < 0 || v >= CO_SLOTS)
    return -1;
  *slot = (uint8_t)v;
  return 0;
}

static int parse_ref(const char *t, size_t n, struct co_ref *r) {
  unsigned v;
  if (tok_is(t, n, "-1")) {
    *r = (struct co_ref){CO_REF_NEG, 0};
    return 0;
  }
  if (tok_is(t, n, "limit")) {
    *r = (struct co_ref){CO_REF_LIMIT, 0};
    return 0;
  }
  if (n >= 2 && t[0] == 's' && small_uint(t + 1, n - 1, &v) == 0 &&
      v < CO_SLOTS) {
    *r = (struct co_ref){CO_REF_SLOT, (uint8_t)v};
    return 0;
  }
  if (n >= 2 && t[0] == 'f' && small_uint(t + 1, n - 1, &v) == 0 &&
      v < CO_FREE_REFS) {
    *r = (struct co_ref){CO_REF_FREE, (uint8_t)v};
    return 0;
  }
  if (n >= 4 && n <= 7 && t[0] == 'f' && t[1] == '>' && t[2] == '=' &&
      t[3] != '0') {
    unsigned k, x = 0;
    size_t i;
    for (i = 3; i < n && t[i] >= '0' && t[i] <= '9'; i++)
      x = x * 10 + (unsigned)(t[i] - '0');
    for (k = 0; i == n && k < CO_AT_REFS; k++)
      if (x == (unsigned)co_ref_at[k]) {
        *r = (struct co_ref){CO_REF_AT, (uint8_t)k};
        return 0;
      }
  }
  return -1;
}

static int parse_int(const char *t, size_t n, long lo, long hi, int32_t *out) {
  char tmp[16];
  char *end;
  long v;
  if (n == 0 || n >= sizeof tmp)
    return -1;
  memcpy(tmp, t, n);
  tmp[n] = 0;
  errno = 0;
  v = strtol(tmp, &end, 10);
  if (errno || *end || v < lo || v > hi)
    return -1;
  *out = (int32_t)v;
  return 0;
}

/* An offset of whole blocks: "Kb", "Kb+N" or "Kb-N" (K 1..CO_BLK_MAX, N
 * -128..127) into op->blk and op->n. */
static int parse_blocks(const char *t, size_t n, struct co_op *op) {
  size_t i;
  unsigned k;
  for (i = 0; i < n && t[i] != 'b'; i++)
    ;
  if (i == n || small_uint(t, i, &k) < 0 || k < 1 || k > CO_BLK_MAX)
    return -1;
  if (i + 1 == n)
    op->n = 0;
  else if ((t[i + 1] != '+' && t[i + 1] != '-') ||
           parse_int(t + i + 1, n - i - 1, -128, 127, &op->n) < 0)
    return -1;
  op->blk = (uint8_t)k;
  return 0;
}

/* A mode: '0' and up to three more octal digits, at most 0777. */
static int parse_mode(const char *t, size_t n, int32_t *mode) {
  size_t i;
  int32_t v = 0;
  if (n < 1 || n > 4 || t[0] != '0')
    return -1;
  for (i = 1; i < n; i++) {
    if (t[i] < '0' || t[i] > '7')
      return -1;
    v = v * 8 + (t[i] - '0');
  }
  *mode = v;
  return 0;
}

int co_access_format(int32_t n, char *buf, size_t cap) {
  size_t i;
  int len = 0;
  if (cap)
    buf[0] = 0;
  if (!(n & CO_ACC_MASK))
    appendf(buf, cap, &len, "0");
  for (i = 0; i < ACCESS_NAMES; i++)
    if (n & access_names[i].bit)
      appendf(buf, cap, &len, "%s%s", len ? "|" : "", access_names[i].name);
  return len;
}

/* "0", or names joined by '|', each at most once. */
static int parse_access(const char *t, size_t n, int32_t *out) {
  const char *end = t + n;
  uint8_t v = 0;
  if (tok_is(t, n, "0")) {
    *out = 0;
    return 0;
  }
  while (t < end) {
    const char *bar = memchr(t, '|', (size_t)(end - t));
    size_t len = (size_t)((bar ? bar : end) - t), i;
    for (i = 0; i < ACCESS_NAMES; i++)
      if (tok_is(t, len, access_names[i].name))
        break;
    if (i == ACCESS_NAMES || (v & access_names[i].bit))
      return -1;
    v |= access_names[i].bit;
    if (!bar)
      break;
    t = bar + 1;
    if (t == end)
      return -1; /* a trailing '|' */
  }
  *out = v;
  return 0;
}

static int parse_obj(const char *t, size_t n, uint8_t *obj) {
  unsigned v;
  if (n < 2 || t[0] != 'o' || small_uint(t + 1, n - 1, &v) < 0 || v >= CO_OBJS)
    return -1;
  *obj = (uint8_t)v;
  return 0;
}

/* The rest of a layer call after its name: operands and mode. */
static int parse_call(struct lexer *lx, struct co_op *op, int entry,
                      int dst_kind, const char *name_at, struct co_trace *out) {
  struct co_step st;
  const struct co_entry *e;
  const char *t;
  size_t n;
  unsigned nm, k;
  op->kind = CO_OP_CALL;
  op->entry = (uint8_t)entry;
  co_step_of(&st, op);
  e = st.call->e; /* entry: an id co_entry_find returned */
  nm = st.call->nmodes;
  if (st.binds == 1 && dst_kind != 'o')
    return lex_fail(lx, dst_kind ? lx->line_start : name_at,
                    "'%s' makes an object: write 'oN = %s ...'", e->name,
                    e->name);
  if (st.binds == 2 && dst_kind != 's')
    return lex_fail(lx, dst_kind ? lx->line_start : name_at,
                    "'%s' returns a descriptor: write 'sN = %s ...'", e->name,
                    e->name);
  if (!st.binds && dst_kind)
    return lex_fail(lx, lx->line_start, "'%s' returns nothing to bind",
                    e->name);
  if (st.nrefs) {
    n = next_token(lx, &t);
    if (n == 0 || parse_ref(t, n, &op->a) < 0)
      return lex_fail(lx, t,
                      "'%s' expects a descriptor: a slot sN, a free number "
                      "fN, -1 or limit, found '%.*s'",
                      e->name, (int)n, t);
  }
  if (st.has_obj) {
    n = next_token(lx, &t);
    if (n == 0 || parse_obj(t, n, &op->obj) < 0)
      return lex_fail(lx, t, "'%s' expects an object o0..o%d, found '%.*s'",
                      e->name, CO_OBJS - 1, (int)n, t);
  }
  if (st.target) {
    n = next_token(lx, &t);
    if (n == 0 || parse_obj(t, n, &op->dst) < 0)
      return lex_fail(lx, t,
                      "'%s' expects a target object o0..o%d, found '%.*s'",
                      e->name, CO_OBJS - 1, (int)n, t);
  }
  if (e->effect == CO_EFF_USE) {
    n = next_token(lx, &t);
    if (n == 0 || parse_int(t, n, 1, 255, &op->n) < 0)
      return lex_fail(lx, t, "expected a byte count 1..255, found '%.*s'",
                      (int)n, t);
  }
  if (e->effect == CO_EFF_SEEK || e->effect == CO_EFF_RESIZE) {
    n = next_token(lx, &t);
    if (n == 0 || parse_int(t, n, -128, 127, &op->n) < 0)
      return lex_fail(lx, t, "expected %s -128..127, found '%.*s'",
                      e->effect == CO_EFF_SEEK ? "an offset" : "a size", (int)n,
                      t);
  }
  if (e->effect == CO_EFF_READ) {
    n = next_token(lx, &t);
    if (n == 0 || parse_int(t, n, 0, 255, &op->n) < 0)
      return lex_fail(lx, t, "expected a byte count 0..255, found '%.*s'",
                      (int)n, t);
  }
  if (nm) {
    n = next_token(lx, &t);
    for (k = 0; k < nm && n; k++)
      if (tok_is(t, n, e->modes[k].name))
        break;
    if (n == 0 || k == nm) {
      char list[96] = "";
      int len = 0;
      for (k = 0; k < nm; k++)
        appendf(list, sizeof list, &len, "%s%s", k ? ", " : "",
                e->modes[k].name);
      return lex_fail(lx, t, "'%s' expects a mode (%s), found '%.*s'", e->name,
                      list, (int)n, t);
    }
    op->flags = (uint8_t)k;
  }
  co_op_canon(op);
  if (co_trace_push(out, op) < 0)
    return lex_fail(lx, lx->line_start,
                    "trace too long (more than %d operations) or out of "
                    "memory",
                    CO_MAX_OPS);
  return 0;
}

/* fail CALL ERR [N]: t is CALL. */
static int parse_fault(struct lexer *lx, const char *t, size_t n,
                       struct co_op *op) {
  const int *errs;
  int fam = co_ifam_find(t, n);
  unsigned nerr, i, count = 0;
  char list[96] = "";
  int len = 0;
  if (fam < 0) {
    for (i = 0; i < CO_IF_COUNT; i++)
      appendf(list, sizeof list, &len, "%s%s", i ? ", " : "", co_ifam_name(i));
    return lex_fail(lx, t, "expected the call to fail (%s), found '%.*s'", list,
                    (int)n, t);
  }
  nerr = co_ifam_errs((unsigned)fam, &errs);
  for (i = 0; i < nerr; i++)
    appendf(list, sizeof list, &len, "%s%s", i ? ", " : "",
            co_err_name(errs[i]));
  n = next_token(lx, &t);
  for (i = 0; i < nerr && !tok_is(t, n, co_err_name(errs[i])); i++)
    ;
  if (i == nerr)
    return lex_fail(lx, t,
                    "expected the error %s fails with (%s), found '%.*s'",
                    co_ifam_name((unsigned)fam), list, (int)n, t);
  op->flags = (uint8_t)fam;
  op->n = (int32_t)(i << 4);
  {
    const char *save = lx->p;
    n = next_token(lx, &t);
    if (n && small_uint(t, n, &count) == 0) {
      if (count < 1 || count > 16)
        return lex_fail(lx, t,
                        "expected N 1..16 (the N-th next call), "
                        "found '%.*s'",
                        (int)n, t);
      op->n |= (int32_t)(count - 1);
    } else
      lx->p = save; /* not a count: the flags loop reports it */
  }
  return 0;
}

/* The integer argument of a built-in operation: a count, an offset (with
 * whole blocks) or a mode. */
static int parse_arg(struct lexer *lx, const struct co_opdesc *d,
                     struct co_op *op) {
  long lo = d->arg == CO_ARG_COUNT ? 0 : -128;
  long hi = d->arg == CO_ARG_COUNT ? 255 : 127;
  const char *t;
  size_t n = next_token(lx, &t);
  if (d->arg == CO_ARG_MODE) {
    if (parse_mode(t, n, &op->n) < 0)
      return lex_fail(lx, t,
                      "expected a mode in octal 0000..0777 (0444), found "
                      "'%.*s'",
                      (int)n, t);
    return 0;
  }
  if (d->arg == CO_ARG_ACCESS) {
    if (n == 0 || parse_access(t, n, &op->n) < 0)
      return lex_fail(lx, t,
                      "expected an access mask: 0, or names joined by '|' "
                      "(GENERIC_READ, GENERIC_WRITE, FILE_READ_DATA, "
                      "FILE_WRITE_DATA, FILE_APPEND_DATA), found '%.*s'",
                      (int)n, t);
    return 0;
  }
  if (d->arg == CO_ARG_FAULT)
    return parse_fault(lx, t, n, op);
  if (d->arg == CO_ARG_OFFSET && parse_blocks(t, n, op) == 0)
    return 0;
  if (n == 0 || parse_int(t, n, lo, hi, &op->n) < 0)
    return lex_fail(lx, t,
                    d->arg == CO_ARG_OFFSET
                        ? "expected an integer %ld..%ld or whole blocks "
                          "KbN (K 1..31, N -128..127: 10b-1), found '%.*s'"
                        : "expected an integer %ld..%ld, found '%.*s'",
                    lo, hi, (int)n, t);
  return 0;
}

/* What a line binds: an optional "sN =", "sN sM =" (two slots: pipe) or
 * "oN =" before the operation, whose name it leaves in *t (length *n).
 * *have is 's', 'o' or 0; *two 1 for two slots. 0, or -1 (an error). */
struct dsts {
  uint8_t dst, dst2;
  int have, two;
};
static int parse_dsts(struct lexer *lx, const char **t, size_t *n,
                      struct dsts *b) {
  const char *t2, *save = lx->p;
  size_t n2;
  if (!((*t)[0] == 's' || (*t)[0] == 'o') || *n < 2 ||
      !isdigit((unsigned char)(*t)[1]))
    return 0;
  n2 = next_token(lx, &t2);
  if ((*t)[0] == 's' && n2 >= 2 && t2[0] == 's' &&
      isdigit((unsigned char)t2[1])) {
    const char *t3, *save2 = lx->p;
    if (next_token(lx, &t3) == 1 && *t3 == '=') {
      if (parse_slot(t2, n2, &b->dst2) < 0)
        return lex_fail(lx, t2, "expected a slot s0..s%d, found '%.*s'",
                        CO_SLOTS - 1, (int)n2, t2);
      b->two = 1;
      lx->p = save2;
      n2 = next_token(lx, &t2); /* the '=' */
    } else {
      lx->p = save2;
    }
  }
  if (n2 != 1 || *t2 != '=') {
    lx->p = save;
    return 0;
  }
  if ((*t)[0] == 's' ? parse_slot(*t, *n, &b->dst) < 0
                     : parse_obj(*t, *n, &b->dst) < 0)
    return lex_fail(lx, *t,
                    "expected a slot s0..s%d or an object o0..o%d, "
                    "found '%.*s'",
                    CO_SLOTS - 1, CO_OBJS - 1, (int)*n, *t);
  b->have = (*t)[0];
  *n = next_token(lx, t);
  if (*n == 0)
    return lex_fail(lx, *t, "expected an operation after '='");
  return 0;
}

/* A thread prefix "tK:" (K 1..CO_THREADS) as the line's first token: sets
 * lx->thr and returns the next token's length (in *t); otherwise the line
 * is the prefix's (thr 0) and the token is returned as it is. A prefix
 * line after a thread's, or a thread out of range, is an error. */
static size_t parse_thread(struct lexer *lx, const char **t, size_t n) {
  uint8_t prev = lx->thr;
  if (n >= 3 && (*t)[0] == 't' && (*t)[n - 1] == ':') {
    unsigned k;
    if (small_uint(*t + 1, n - 2, &k) < 0 || k < 1 || k > CO_THREADS) {
      lex_fail(lx, *t, "expected a thread t1..t%d, found '%.*s'", CO_THREADS,
               (int)n, *t);
      return (size_t)-1;
    }
    lx->thr = (uint8_t)k;
    return next_token(lx, t);
  }
  if (prev) {
    lex_fail(lx, *t,
             "an operation of the sequential prefix after a thread's (t%u): "
             "write its thread ('t%u: ...'), or move it before the threads",
             prev, prev);
    return (size_t)-1;
  }
  return n;
}

static int parse_line(struct lexer *lx, struct co_trace *out) {
  const char *t;
  size_t n;
  struct co_op op;
  const struct co_opdesc *d;
  const struct co__word *w;
  struct dsts b = {0, 0, 0, 0};
  uint8_t seen = 0;
  int k;

  memset(&op, 0, sizeof op);
  n = next_token(lx, &t);
  if (n == 0)
    return 0; /* blank or comment */
  if ((n = parse_thread(lx, &t, n)) == (size_t)-1)
    return -1;
  if (n == 0)
    return lex_fail(lx, t, "expected an operation after 't%u:'", lx->thr);
  if (parse_dsts(lx, &t, &n, &b) < 0)
    return -1;
  for (k = 0; k < CO_OP_COUNT; k++)
    if (k != CO_OP_CALL && tok_is(t, n, co_opdesc[k].name))
      break;
  if (k == CO_OP_COUNT) {
    int entry = co_entry_find(t, n);
    if (entry < 0)
      return lex_fail(lx, t, "expected an operation name, found '%.*s'", (int)n,
                      t);
    if (b.two)
      return lex_fail(lx, lx->line_start, "'%.*s' binds at most one slot",
                      (int)n, t);
    op.dst = b.dst;
    return parse_call(lx, &op, entry, b.have, t, out);
  }
  if (b.have == 'o')
    return lex_fail(lx, lx->line_start,
                    "'%.*s' binds a descriptor slot sN, "
                    "not an object",
                    (int)n, t);
  op.kind = (uint8_t)k;
  d = &co_opdesc[k];
  if (d->binds == 2 && !b.two)
    return lex_fail(lx, b.have ? lx->line_start : t,
                    "'%s' binds two slots: write 'sN sM = %s ...'", d->name,
                    d->name);
  if (d->binds == 1 && b.two)
    return lex_fail(lx, lx->line_start,
                    "'%s' binds one slot: write 'sN = %s ...'", d->name,
                    d->name);
  if (d->binds && !b.have)
    return lex_fail(lx, t, "'%s' binds its result: write 'sN = %s ...'",
                    d->name, d->name);
  if (!d->binds && b.have)
    return lex_fail(lx, lx->line_start, "'%s' returns no handle to bind",
                    d->name);
  op.dst = b.dst;
  op.dst2 = b.dst2;
  for (k = 0; k < d->nrefs; k++) {
    struct co_ref *r = k == 0 ? &op.a : &op.b;
    n = next_token(lx, &t);
    if (n == 0)
      return lex_fail(lx, t,
                      "'%s' expects %d operand%s: a slot sN, a free "
                      "number fN or f>=B, -1 or limit",
                      d->name, d->nrefs, d->nrefs > 1 ? "s" : "");
    if (parse_ref(t, n, r) < 0)
      return lex_fail(lx, t,
                      "expected a slot s0..s%d, a free number f0..f%d, a "
                      "boundary f>=B (B one of 63 64 100 1023 1024 2047 2048 "
                      "8191 8192), -1 or limit, found '%.*s'",
                      CO_SLOTS - 1, CO_FREE_REFS - 1, (int)n, t);
  }
  if (d->arg != CO_ARG_NONE && parse_arg(lx, d, &op) < 0)
    return -1;
  while ((n = next_token(lx, &t)) != 0) {
    for (w = op_words[op.kind]; w->word; w++)
      if (tok_is(t, n, w->word))
        break;
    if (!w->word) {
      char list[96] = "";
      int len = 0;
      const struct co__word *q;
      for (q = op_words[op.kind]; q->word; q++)
        appendf(list, sizeof list, &len, "%s%s", len ? ", " : "", q->word);
      return lex_fail(lx, t, "unexpected '%.*s' after '%s'%s%s%s", (int)n, t,
                      d->name, len ? " (its flags: " : "", list,
                      len ? ")" : "");
    }
    if (seen & w->mask)
      return lex_fail(lx, t, "'%.*s' conflicts with an earlier flag", (int)n,
                      t);
    seen |= w->mask;
    op.flags = (uint8_t)((op.flags & ~w->mask) | w->value);
  }
  co_op_canon(&op);
  if (co_trace_push(out, &op) < 0)
    return lex_fail(lx, lx->line_start,
                    "trace too long (more than %d operations) or out of "
                    "memory",
                    CO_MAX_OPS);
  return 0;
}

/* The length of the longest prefix of p that is text: printable ASCII,
 * tab, CR, LF and well-formed UTF-8 sequences (comments may hold any
 * text). */
static size_t text_prefix(const unsigned char *p, size_t size) {
  size_t i, k, more;
  for (i = 0; i < size; i++) {
    if (p[i] == '\n' || p[i] == '\t' || p[i] == '\r' ||
        (p[i] >= 0x20 && p[i] < 0x7f))
      continue;
    more = p[i] >= 0xc2 && p[i] <= 0xdf   ? 1
           : p[i] >= 0xe0 && p[i] <= 0xef ? 2
           : p[i] >= 0xf0 && p[i] <= 0xf4 ? 3
                                          : 0;
    if (!more)
      return i;
    /* well-formed UTF-8 only (RFC 3629): the second byte's range excludes
     * overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF
     * (F4) */
    if (i + 1 >= size ||
        p[i + 1] < (p[i] == 0xe0   ? 0xa0
                    : p[i] == 0xf0 ? 0x90
                                   : 0x80) ||
        p[i + 1] > (p[i] == 0xed   ? 0x9f
                    : p[i] == 0xf4 ? 0x8f
                                   : 0xbf))
      return i;
    for (k = 2; k <= more; k++)
      if (i + k >= size || (p[i + k] & 0xc0) != 0x80)
        return i;
    i += more;
  }
  return size;
}

/* Engines' and closeonce's own names for binary inputs. */
static int binary_name(const char *base) {
  static const char *const prefix[] = {
      "crash-", "leak-", "timeout-", "oom-", "slow-unit-", /* libFuzzer */
      "id:",    "id_"                                      /* AFL++ */
  };
  size_t i, n = strlen(base);
  for (i = 0; i < sizeof prefix / sizeof *prefix; i++)
    if (!strncmp(base, prefix[i], strlen(prefix[i])))
      return 1;
  if (n > 4 && !strcmp(base + n - 4, ".bin"))
    return 1; /* closeonce encode, the build's seeds */
  if (n != 40)
    return 0;
  for (i = 0; i < n; i++) /* a libFuzzer corpus unit: its SHA-1 */
    if (!isxdigit((unsigned char)base[i]))
      return 0;
  return 1;
}

int co_trace_looks_text(const char *name, const void *data, size_t size) {
  const char *base = name ? strrchr(name, '/') : NULL;
  size_t n;
#ifdef _WIN32
  const char *bs = name ? strrchr(name, '\\') : NULL;
  if (bs && (!base || bs > base))
    base = bs;
#endif
  base = base ? base + 1 : name;
  if (base) {
    n = strlen(base);
    if (n > 6 && !strcmp(base + n - 6, ".trace"))
      return 1;
    if (binary_name(base))
      return 0;
  }
  n = size < CO_TEXT_LEAD + 3 ? size : CO_TEXT_LEAD + 3;
  return text_prefix(data, n) >= (size < CO_TEXT_LEAD ? size : CO_TEXT_LEAD);
}

int co_trace_parse(const char *text, size_t len, struct co_trace *out,
                   struct co_parse_error *err) {
  struct lexer lx = {text, text + len, text, 1, err, 0};
  size_t ok = text_prefix((const unsigned char *)text, len);
  co_trace_clear(out);
  if (ok < len) {
    const char *z = text + ok, *q;
    for (q = text; q < z; q++)
      if (*q == '\n') {
        lx.line++;
        lx.line_start = q + 1;
      }
    if (!*z)
      return lex_fail(&lx, z,
                      "NUL byte in a text trace (an engine's binary input? "
                      "use --format binary)");
    return lex_fail(&lx, z,
                    "byte 0x%02x is not text (ASCII or UTF-8) in a text trace "
                    "(an engine's binary input? use --format binary)",
                    (unsigned char)*z);
  }
  while (lx.p < lx.end) {
    const char *nl, *t;
    size_t before = out->len;
    if (parse_line(&lx, out) < 0)
      return -1;
    if (out->len > before)
      out->ops[before].thr = lx.thr;
    if (next_token(&lx, &t) != 0)
      return lex_fail(&lx, t, "unexpected '%c'", *t);
    nl = memchr(lx.p, '\n', (size_t)(lx.end - lx.p));
    if (!nl)
      break;
    lx.p = nl + 1;
    lx.line_start = lx.p;
    lx.line++;
  }
  return 0;
}

int co_trace_line_of(const char *text, size_t len, size_t step) {
  const char *p = text, *end = text + len;
  int line = 1;
  size_t k = 0;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *q = p;
    const char *eol = nl ? nl : end;
    while (q < eol && isspace((unsigned char)*q))
      q++;
    if (q < eol && *q != '#' && k++ == step)
      return line;
    if (!nl)
      break;
    p = nl + 1;
    line++;
  }
  return 0;
}
