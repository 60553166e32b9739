/*
 * The trace language: binary decoding is total and mutation-friendly, the
 * text form round-trips, malformed text is reported with line and column.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static const struct co_opset *posix_ops(void) {
  return &co_target_find("posix")->ops;
}

static int op_eq(const struct co_op *x, const struct co_op *y) {
  return x->kind == y->kind && x->dst == y->dst && x->flags == y->flags &&
         x->a.type == y->a.type && x->a.idx == y->a.idx &&
         x->b.type == y->b.type && x->b.idx == y->b.idx && x->n == y->n &&
         x->blk == y->blk;
}

static int trace_eq(const struct co_trace *x, const struct co_trace *y) {
  size_t i;
  if (x->len != y->len)
    return 0;
  for (i = 0; i < x->len; i++)
    if (!op_eq(&x->ops[i], &y->ops[i]))
      return 0;
  return 1;
}

/* Print t to a string (malloc'd). */
static char *print_str(const struct co_trace *t) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_not_null(f);
  co_trace_print(t, f);
  fclose(f);
  return buf;
}

Test(decode, all_zero_is_the_empty_trace) {
  static uint8_t zero[4096];
  struct co_trace t;
  size_t n;
  co_trace_init(&t);
  for (n = 0; n <= sizeof zero; n += 1 + n / 2) {
    co_trace_decode(zero, n, posix_ops(), 0, &t);
    cr_assert_eq(t.len, 0, "%zu zero bytes decoded to %zu ops", n, t.len);
  }
  co_trace_free(&t);
}

Test(decode, total_on_random_and_adversarial_bytes) {
  static uint8_t buf[1024];
  struct co_trace t, u;
  struct co_parse_error pe;
  int iter;
  size_t i;
  co_trace_init(&t);
  co_trace_init(&u);
  srand(12345);
  for (iter = 0; iter < CO_TEST_RUNS(20000); iter++) {
    size_t n = (size_t)rand() % sizeof buf;
    int style = iter % 4;
    char *text;
    for (i = 0; i < n; i++)
      buf[i] = style == 0   ? (uint8_t)rand()
               : style == 1 ? 0xff
               : style == 2 ? (uint8_t)(i * 37)
                            : (uint8_t)(rand() % 3 == 0 ? 0 : rand());
    cr_assert_eq(co_trace_decode(buf, n, posix_ops(), 0, &t), 0);
    cr_assert_leq(t.len, n / 4);
    for (i = 0; i < t.len; i++) {
      struct co_op c = t.ops[i];
      co_op_canon(&c);
      cr_assert(op_eq(&c, &t.ops[i]), "decoded op %zu is not canonical", i);
    }
    /* Every decoded trace prints and parses back to itself. */
    text = print_str(&t);
    cr_assert_eq(co_trace_parse(text, strlen(text), &u, &pe), 0, "%d:%d %s\n%s",
                 pe.line, pe.col, pe.message, text);
    cr_assert(trace_eq(&t, &u));
    free(text);
  }
  co_trace_free(&t);
  co_trace_free(&u);
}

Test(decode, truncated_tail_ends_the_trace) {
  uint8_t buf[12] = {1, 0, 0, 0, 2, 0x10, 0, 0, 3, 0, 0, 0};
  struct co_trace t;
  size_t n;
  co_trace_init(&t);
  for (n = 0; n <= sizeof buf; n++) {
    co_trace_decode(buf, n, posix_ops(), 0, &t);
    cr_assert_eq(t.len, n / 4);
  }
  co_trace_free(&t);
}

Test(decode, max_ops_caps_the_trace) {
  static uint8_t buf[(CO_MAX_OPS + 10) * 4];
  struct co_trace t;
  memset(buf, 1, sizeof buf);
  co_trace_init(&t);
  co_trace_decode(buf, sizeof buf, posix_ops(), 0, &t);
  cr_assert_eq(t.len, CO_MAX_OPS);
  co_trace_decode(buf, sizeof buf, posix_ops(), 7, &t);
  cr_assert_eq(t.len, 7);
  co_trace_free(&t);
}

/* Changing one byte changes at most one operation; the others stay. */
Test(decode, one_byte_changes_one_operation) {
  uint8_t buf[256], mut[256];
  struct co_trace t, u;
  int iter;
  co_trace_init(&t);
  co_trace_init(&u);
  srand(777);
  for (iter = 0; iter < 5000; iter++) {
    size_t i, pos = (size_t)rand() % sizeof buf, differ = 0;
    for (i = 0; i < sizeof buf; i++)
      buf[i] = (uint8_t)(i % 4 == 0 ? 1 + rand() % 255 : rand());
    memcpy(mut, buf, sizeof buf);
    mut[pos] = (uint8_t)(mut[pos] + 1 + rand() % 255);
    co_trace_decode(buf, sizeof buf, posix_ops(), 0, &t);
    co_trace_decode(mut, sizeof mut, posix_ops(), 0, &u);
    if (mut[pos & ~3u] == 0) { /* the record became a skip */
      cr_assert_eq(u.len, t.len - 1);
      continue;
    }
    cr_assert_eq(u.len, t.len);
    for (i = 0; i < t.len; i++)
      if (!op_eq(&t.ops[i], &u.ops[i])) {
        differ++;
        cr_assert_eq(i, pos / 4, "byte %zu changed op %zu", pos, i);
      }
    cr_assert_leq(differ, 1);
  }
  co_trace_free(&t);
  co_trace_free(&u);
}

Test(decode, encode_then_decode_is_identity) {
  struct co_trace t, u;
  struct co_rng r;
  static uint8_t buf[CO_MAX_OPS * 4];
  int iter;
  co_trace_init(&t);
  co_trace_init(&u);
  co_rng_seed(&r, 42);
  for (iter = 0; iter < 2000; iter++) {
    size_t n;
    co_gen_trace(&r, posix_ops(), 64, &t);
    n = co_trace_encode(&t, posix_ops(), buf, sizeof buf);
    cr_assert_eq(n, t.len * 4);
    co_trace_decode(buf, n, posix_ops(), 0, &u);
    cr_assert(trace_eq(&t, &u));
  }
  co_trace_free(&t);
  co_trace_free(&u);
}

static const char canonical[] = "s0 = open rdwr\n"
                                "s1 = open rdonly cloexec append\n"
                                "s2 = open wronly append\n"
                                "s3 = dup s0\n"
                                "s4 = dup2 s0 f3\n"
                                "s5 = dup3 s1 s4 cloexec badflags\n"
                                "s6 = dupfd s0 f10 cloexec\n"
                                "getfd s3\n"
                                "setfd s3 cloexec\n"
                                "setfd s3\n"
                                "getfl -1\n"
                                "setfl s0 append\n"
                                "write s0 255\n"
                                "lseek s0 -128 end\n"
                                "lseek s0 127 set\n"
                                "close_range f0 -1 cloexec\n"
                                "close_range s15 limit\n"
                                "close s0\n"
                                "close f31\n";

Test(text, canonical_text_round_trips_exactly) {
  struct co_trace t;
  struct co_parse_error pe;
  char *out;
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(canonical, strlen(canonical), &t, &pe), 0,
               "%d:%d %s", pe.line, pe.col, pe.message);
  cr_assert_eq(t.len, 19);
  out = print_str(&t);
  cr_assert_str_eq(out, canonical);
  free(out);
  co_trace_free(&t);
}

Test(text, comments_blank_lines_and_spacing) {
  const char *src = "# a comment\n\n   s0   =open   rdwr   # trailing\n"
                    "\tclose s0\r\n";
  struct co_trace t;
  struct co_parse_error pe;
  char *out;
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(src, strlen(src), &t, &pe), 0, "%s", pe.message);
  out = print_str(&t);
  cr_assert_str_eq(out, "s0 = open rdwr\nclose s0\n");
  free(out);
  co_trace_free(&t);
}

static void expect_error_n(const char *src, size_t len, int line, int col,
                           const char *needle) {
  struct co_trace t;
  struct co_parse_error pe;
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(src, len, &t, &pe), -1, "accepted: %s", src);
  cr_expect_eq(pe.line, line, "%s: line %d, want %d (%s)", src, pe.line, line,
               pe.message);
  cr_expect_eq(pe.col, col, "%s: col %d, want %d (%s)", src, pe.col, col,
               pe.message);
  cr_expect(strstr(pe.message, needle) != NULL, "'%s' lacks '%s'", pe.message,
            needle);
  co_trace_free(&t);
}

static void expect_error(const char *src, int line, int col,
                         const char *needle) {
  expect_error_n(src, strlen(src), line, col, needle);
}

Test(text, malformed_lines_name_line_column_and_expectation) {
  expect_error("s0 = open rdwr\nfrobnicate s0\n", 2, 1,
               "expected an operation name");
  expect_error("close s16\n", 1, 7, "expected a slot s0..s15");
  expect_error("close\n", 1, 6, "expects 1 operand");
  expect_error("s0 = dup2 s1\n", 1, 13, "expects 2 operands");
  expect_error("write s0 256\n", 1, 10, "expected an integer 0..255");
  expect_error("lseek s0 x set\n", 1, 10, "expected an integer -128..127");
  expect_error("s0 = open rdwr sideways\n", 1, 16, "unexpected 'sideways'");
  expect_error("s0 = open rdwr rdonly\n", 1, 16, "conflicts");
  expect_error("open rdwr\n", 1, 1, "binds its result");
  expect_error("s1 = close s0\n", 1, 1, "returns no handle");
  expect_error("close s0 s1\n", 1, 10, "unexpected 's1'");
  expect_error("s0 = open rdwr\nclose f32\n", 2, 7, "f0..f31");
  expect_error_n("close s0\nclose s0\n\0junk", 22, 3, 1, "NUL byte");
  /* UTF-8 in comments, well formed only: an overlong slash, a surrogate */
  expect_error("# caf\xc3\xa9\n# \xe0\x80\xaf\n", 2, 3, "not text");
  expect_error("# \xed\xa0\x80\n", 1, 3, "not text");
}

Test(text, parse_then_print_is_identity_on_generated_traces) {
  struct co_trace t, u;
  struct co_parse_error pe;
  struct co_rng r;
  int iter;
  co_trace_init(&t);
  co_trace_init(&u);
  co_rng_seed(&r, 9);
  for (iter = 0; iter < 3000; iter++) {
    char *text;
    co_gen_trace(&r, posix_ops(), 48, &t);
    if (iter % 2)
      co_gen_mutate(&r, posix_ops(), 48, &t);
    text = print_str(&t);
    cr_assert_eq(co_trace_parse(text, strlen(text), &u, &pe), 0, "%s",
                 pe.message);
    cr_assert(trace_eq(&t, &u), "round trip changed:\n%s", text);
    free(text);
  }
  co_trace_free(&t);
  co_trace_free(&u);
}

Test(load, unreadable_and_malformed_files_name_the_path) {
  struct co_trace t;
  char err[512], path[] = "/tmp/co-test-XXXXXX";
  int fd;
  co_trace_init(&t);
  cr_assert_eq(co_trace_load("/nonexistent/dir/x.trace", CO_FMT_AUTO,
                             posix_ops(), 0, &t, err, sizeof err),
               -1);
  cr_assert(strstr(err, "/nonexistent/dir/x.trace: cannot open") != NULL, "%s",
            err);
  fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, "s0 = open rdwr\nclose s9x\n", 25), 25);
  close(fd);
  cr_assert_eq(
      co_trace_load(path, CO_FMT_AUTO, posix_ops(), 0, &t, err, sizeof err),
      -1);
  cr_assert(strstr(err, path) != NULL && strstr(err, ":2:7:") != NULL, "%s",
            err);
  /* The same bytes forced to binary decode without error. */
  cr_assert_eq(
      co_trace_load(path, CO_FMT_BINARY, posix_ops(), 0, &t, err, sizeof err),
      0);
  unlink(path);
  co_trace_free(&t);
}

Test(load, format_detection) {
  cr_assert_eq(co_format_detect("", 0), CO_FMT_TEXT);
  cr_assert_eq(co_format_detect("close s0\n", 9), CO_FMT_TEXT);
  cr_assert_eq(co_format_detect("\x01\x00\x00\x00", 4), CO_FMT_BINARY);
}

/* A big library: an opset of more than 255 operations (here 300: the
 * client's kinds, repeated, and every registered entry, most of them a
 * synthetic adapter's) round-trips through the binary form. */
#define BIG_ENTRIES 255
static char big_names[BIG_ENTRIES][16];
static struct co_entry big_entries[BIG_ENTRIES];

static void big_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                     void **obj, int64_t fd, int32_t n,
                     struct co_outcome *out) {
  (void)env, (void)e, (void)mode, (void)obj, (void)fd, (void)n;
  co_outcome_from_c(out, -1, EBADF);
}

static void big_opset(struct co_opset *set, uint8_t *kinds, uint8_t *ents) {
  static const enum co_effect eff[] = {CO_EFF_OPEN, CO_EFF_USE, CO_EFF_CLOSE,
                                       CO_EFF_LEND, CO_EFF_ADOPT};
  static struct co_contract c = {.layer = "big", .entries = big_entries};
  static struct co_adapter a = {
      .version = CO_ADAPTER_VERSION, .contract = &c, .call = big_call};
  char err[256];
  size_t i, used = 0;
  while (co_entry_get((unsigned)used, NULL, NULL))
    used++;
  if (!co_adapter_find("big")) {
    for (i = 0; i + used < CO_ENTRIES_MAX && i < BIG_ENTRIES; i++) {
      snprintf(big_names[i], sizeof big_names[i], "big%zu", i);
      big_entries[i].name = big_names[i];
      big_entries[i].effect = eff[i % 5];
      c.nentries = i + 1;
    }
    cr_assert_eq(co_adapter_register(&a, err, sizeof err), 0, "%s", err);
  }
  set->nentries = 0;
  set->threads = 0;
  for (i = 0; co_entry_get((unsigned)i, NULL, NULL); i++)
    ents[set->nentries++] = (uint8_t)i;
  cr_assert_gt(set->nentries, 240);
  for (set->n = 0; set->n + set->nentries < 300; set->n++)
    kinds[set->n] = co_client_ops[set->n % co_client_nops];
  set->kinds = kinds;
  set->entries = ents;
}

static int op_same(const struct co_op *x, const struct co_op *y) {
  return op_eq(x, y) && x->entry == y->entry && x->obj == y->obj;
}

Test(decode, big_opset_round_trips) {
  struct co_opset set;
  uint8_t kinds[300], ents[256];
  struct co_trace t, u, w;
  static uint8_t buf[CO_MAX_OPS * 4], rnd[CO_MAX_OPS * 4];
  struct co_rng r;
  size_t i, n;
  int iter;
  big_opset(&set, kinds, ents);
  cr_assert_eq(set.n + set.nentries, 300);
  co_trace_init(&t);
  co_trace_init(&u);
  co_trace_init(&w);
  /* every entry, each with another object */
  for (i = 0; i < set.nentries; i++) {
    struct co_op op;
    memset(&op, 0, sizeof op);
    op.kind = CO_OP_CALL;
    op.entry = set.entries[i];
    op.obj = (uint8_t)(i % CO_OBJS);
    op.dst = (uint8_t)((i + 3) % CO_OBJS);
    op.n = (int32_t)(i % 200 + 1);
    co_op_canon(&op);
    cr_assert_eq(co_trace_push(&t, &op), 0);
  }
  n = co_trace_encode(&t, &set, buf, sizeof buf);
  cr_assert_eq(n, t.len * 4, "every entry of the opset is encoded");
  cr_assert_eq(co_trace_decode(buf, n, &set, 0, &u), 0);
  cr_assert_eq(u.len, t.len);
  for (i = 0; i < t.len; i++)
    cr_assert(op_same(&t.ops[i], &u.ops[i]),
              "entry %zu of %zu (id %u) came back as id %u", i, set.nentries,
              t.ops[i].entry, u.ops[i].entry);
  /* any bytes: decode, encode, decode gives the same trace */
  co_rng_seed(&r, 7);
  for (iter = 0; iter < 200; iter++) {
    for (i = 0; i < 256; i++)
      rnd[i] = (uint8_t)co_rng_next(&r);
    co_trace_decode(rnd, 256, &set, 0, &u);
    n = co_trace_encode(&u, &set, buf, sizeof buf);
    cr_assert_eq(n, u.len * 4);
    co_trace_decode(buf, n, &set, 0, &w);
    cr_assert_eq(w.len, u.len);
    for (i = 0; i < u.len; i++)
      cr_assert(op_same(&u.ops[i], &w.ops[i]), "iteration %d, op %zu", iter, i);
  }
  co_trace_free(&t);
  co_trace_free(&u);
  co_trace_free(&w);
}

/* --format auto never reads what is meant as text as a binary trace: a
 * text file with a stray control or NUL byte stays text (and fails to
 * parse at that byte); engine inputs are binary by name and by their first
 * bytes. */
Test(load, auto_format_keeps_text_text) {
  static const char stray[] = "this is not a trace\n\x01\x02";
  static const char nul[] = "s0 = open rdwr\n\0\0\0\0close s0\n";
  static const uint8_t rec[] = {1, 0, 0, 0, 3, 0, 0, 0};
  struct co_trace t;
  char err[512];
  cr_assert(co_trace_looks_text(NULL, stray, sizeof stray - 1));
  cr_assert(co_trace_looks_text("f", nul, sizeof nul - 1));
  cr_assert(co_trace_looks_text(NULL, "", 0));
  cr_assert(co_trace_looks_text(NULL, "close s0", 8));
  cr_assert(!co_trace_looks_text(NULL, rec, sizeof rec));
  cr_assert(!co_trace_looks_text(NULL, "close s\x01", 8));
  /* names: .trace is text whatever it holds; engines' names are binary */
  cr_assert(co_trace_looks_text("dir/x.trace", rec, sizeof rec));
  cr_assert(!co_trace_looks_text("out/crash-0a1b", "close s0\n", 9));
  cr_assert(!co_trace_looks_text("q/id:000001,src:000000", "close s0\n", 9));
  cr_assert(!co_trace_looks_text("seeds/x.bin", "close s0\n", 9));
  cr_assert(!co_trace_looks_text("c/0123456789abcdef0123456789abcdef01234567",
                                 "close s0\n", 9));
  cr_assert(co_trace_looks_text("c/0123456789abcdef", "close s0\n", 9));
  co_trace_init(&t);
  cr_assert_eq(co_trace_load_mem(stray, sizeof stray - 1, "f", CO_FMT_AUTO,
                                 posix_ops(), 0, &t, err, sizeof err),
               -1);
  cr_assert(strstr(err, "f:2:1: byte 0x01 is not text") != NULL, "%s", err);
  cr_assert_eq(co_trace_load_mem(nul, sizeof nul - 1, "g", CO_FMT_AUTO,
                                 posix_ops(), 0, &t, err, sizeof err),
               -1);
  cr_assert(strstr(err, "g:2:1: NUL byte") != NULL, "%s", err);
  cr_assert_eq(co_trace_load_mem(rec, sizeof rec, "h", CO_FMT_AUTO, posix_ops(),
                                 0, &t, err, sizeof err),
               0);
  cr_assert_eq(t.len, 2);
  co_trace_free(&t);
}

/* Whole blocks of an offset (docs/posix.md#blocks) ride in the bits an
 * offset's operation had no use for: an old operation's bytes are what
 * they were, and "10b-1" round-trips through text and binary. */
Test(decode, block_offsets_keep_the_old_encoding) {
  const char *src = "lseek s0 -3 end\nlseek_ext s1 10b-1 data\n"
                    "ftruncate s2 31b+127\nfchmod s3 0755\n";
  struct co_trace t, u;
  struct co_parse_error pe;
  uint8_t buf[64];
  size_t n, lseek_k;
  char *out;
  co_trace_init(&t);
  co_trace_init(&u);
  cr_assert_eq(co_trace_parse(src, strlen(src), &t, &pe), 0, "%s", pe.message);
  cr_assert_eq(t.ops[1].blk, 10);
  cr_assert_eq(t.ops[1].n, -1);
  n = co_trace_encode(&t, posix_ops(), buf, sizeof buf);
  cr_assert_eq(n, 16);
  for (lseek_k = 0; posix_ops()->kinds[lseek_k] != CO_OP_LSEEK; lseek_k++)
    ;
  cr_assert_eq(buf[0], lseek_k + 1);
  cr_assert_eq(buf[1], 2 << 4);       /* whence end, nothing else */
  cr_assert_eq(buf[3], 0xfd);         /* -3 */
  cr_assert_eq(buf[5], 10);           /* blocks in the low nibble, data 0 */
  cr_assert_eq(buf[9], 0xf | 1 << 7); /* 31: the top bit is block 16 */
  co_trace_decode(buf, n, posix_ops(), 0, &u);
  cr_assert(trace_eq(&t, &u));
  out = print_str(&u);
  cr_assert_str_eq(out, src);
  free(out);
  co_trace_free(&t);
  co_trace_free(&u);
}

/* open_access and duphandle_access (Win32): the access argument's text is
 * the mask's names joined by '|' or 0; every mask of the 5 rights round
 * trips through text and binary; the fourth byte's top 3 bits are ignored
 * (every byte decodes); a bad mask is an error at its column. */
Test(text, access_masks_round_trip_and_bad_ones_are_errors) {
  static const uint8_t kinds[] = {CO_OP_OPEN_ACCESS, CO_OP_DUPH_ACCESS,
                                  CO_OP_READ};
  const struct co_opset set = {kinds, sizeof kinds, NULL, 0, 0};
  const char *src = "s0 = open_access GENERIC_READ|GENERIC_WRITE noinherit\n"
                    "s1 = duphandle_access s0 FILE_READ_DATA|FILE_APPEND_DATA "
                    "noinherit sameattr\n"
                    "s2 = open_access 0\n"
                    "s3 = duphandle_access s2 0\n"
                    "read s1 16\n";
  struct co_trace t, u;
  struct co_parse_error pe;
  uint8_t buf[4 * 64], rec[4] = {2, 0x10, 0, 0xe0 | CO_ACC_WRITE_DATA};
  char line[128], *out;
  int32_t k;
  co_trace_init(&t);
  co_trace_init(&u);
  cr_assert_eq(co_trace_parse(src, strlen(src), &t, &pe), 0, "%d:%d %s",
               pe.line, pe.col, pe.message);
  out = print_str(&t);
  cr_assert_str_eq(out, src);
  free(out);
  cr_assert_eq(t.ops[1].n, CO_ACC_READ_DATA | CO_ACC_APPEND_DATA);
  for (k = 0; k <= CO_ACC_MASK; k++) {
    struct co_op op = {.kind = CO_OP_DUPH_ACCESS, .dst = 1, .n = k};
    co_op_canon(&op);
    co_op_format(&op, line, sizeof line);
    cr_assert_eq(co_trace_parse(line, strlen(line), &u, &pe), 0, "%s: %s", line,
                 pe.message);
    cr_assert(op_eq(&op, &u.ops[0]), "%s round-tripped to %d", line,
              (int)u.ops[0].n);
    co_trace_clear(&t);
    co_trace_push(&t, &op);
    cr_assert_eq(co_trace_encode(&t, &set, buf, sizeof buf), 4);
    cr_assert_eq(buf[3], k);
    co_trace_decode(buf, 4, &set, 0, &u);
    cr_assert(trace_eq(&t, &u));
  }
  co_trace_decode(rec, 4, &set, 0, &u); /* duphandle_access, n 0xe2 */
  cr_assert_eq(u.len, 1);
  cr_assert_eq(u.ops[0].kind, CO_OP_DUPH_ACCESS);
  cr_assert_eq(u.ops[0].n, CO_ACC_WRITE_DATA);
  cr_assert_eq(u.ops[0].flags, CO_F_NOINHERIT);
  co_trace_free(&t);
  co_trace_free(&u);
  expect_error("s0 = open_access\n", 1, 17, "expected an access mask");
  expect_error("s0 = open_access READ\n", 1, 18, "GENERIC_READ, GENERIC_WRITE");
  expect_error("s0 = open_access GENERIC_READ|\n", 1, 18, "access mask");
  expect_error("s0 = open_access GENERIC_READ|GENERIC_READ\n", 1, 18,
               "access mask");
  expect_error("s0 = open_access 0|GENERIC_READ\n", 1, 18, "access mask");
  expect_error("s0 = open_access 0 sameattr\n", 1, 20,
               "(its flags: noinherit)");
  expect_error("s1 = duphandle_access s0 3\n", 1, 26, "access mask");
}
