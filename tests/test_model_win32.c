/*
 * The model's Win32 per-HANDLE access rules (docs/win32.md#access),
 * through its public API, on any host: the model is pure C, so its Win32
 * table runs here with the values a Win32 platform would return (handle
 * values given as hints). Wine's test_file_access table of ten access
 * masks: DuplicateHandle with row j's mask from a handle of row i succeeds
 * iff j's access, generic rights mapped to the file rights, is contained in
 * i's, computed here from the rights' real Win32 values (winnt.h), not the
 * model's; with the quirk WINE_DUP_ACCESS_UNCHECKED every pair succeeds.
 * WriteFile and ReadFile follow the handle's access, 0 bytes on failure.
 */
#include <string.h>

#include "closeonce/error.h"
#include "closeonce/model.h"
#include "support.h"

static struct co_model *m;

static void setup(void) {
  m = co_model_new();
  cr_assert_not_null(m);
}
static void teardown(void) {
  co_model_free(m);
}

TestSuite(model_win32, .init = setup, .fini = teardown);

/* winnt.h's values */
#define W_GENERIC_READ 0x80000000u
#define W_GENERIC_WRITE 0x40000000u
#define W_FILE_READ_DATA 0x1u
#define W_FILE_WRITE_DATA 0x2u
#define W_FILE_APPEND_DATA 0x4u
#define W_FILE_GENERIC_READ 0x120089u
#define W_FILE_GENERIC_WRITE 0x120116u

static const struct {
  unsigned win32;   /* the row's access, as Wine's test has it */
  const char *text; /* and as the trace writes it */
  int writes, reads;
} row[] = {
    {W_GENERIC_READ | W_GENERIC_WRITE, "GENERIC_READ|GENERIC_WRITE", 1, 1},
    {W_GENERIC_WRITE, "GENERIC_WRITE", 1, 0},
    {W_GENERIC_READ, "GENERIC_READ", 0, 1},
    {W_FILE_READ_DATA | W_FILE_WRITE_DATA, "FILE_READ_DATA|FILE_WRITE_DATA", 1,
     1},
    {W_FILE_WRITE_DATA, "FILE_WRITE_DATA", 1, 0},
    {W_FILE_READ_DATA, "FILE_READ_DATA", 0, 1},
    {W_FILE_APPEND_DATA, "FILE_APPEND_DATA", 1, 0},
    {W_FILE_READ_DATA | W_FILE_APPEND_DATA, "FILE_READ_DATA|FILE_APPEND_DATA",
     1, 1},
    {W_FILE_WRITE_DATA | W_FILE_APPEND_DATA, "FILE_WRITE_DATA|FILE_APPEND_DATA",
     1, 0},
    {0, "0", 0, 0},
};
#define NROWS (sizeof row / sizeof row[0])

/* Wine's is_access_compatible, on the real values. */
static unsigned map(unsigned a) {
  if (a & W_GENERIC_READ)
    a |= W_FILE_GENERIC_READ;
  if (a & W_GENERIC_WRITE)
    a |= W_FILE_GENERIC_WRITE;
  return a & ~(W_GENERIC_READ | W_GENERIC_WRITE);
}
static int compatible(unsigned have, unsigned want) {
  return (map(have) & map(want)) == map(want);
}

static void begin(unsigned quirks) {
  struct co_model_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.limit = (int64_t)1 << 24;
  cfg.platform = CO_PLATFORM_WIN32;
  cfg.quirks = quirks;
  cr_assert_eq(co_model_begin(m, &cfg), 0);
}

/* One operation from text, with the platform's values for the handles it
 * makes (hint2: a pipe's write end). With refused, it says whether the
 * model refuses the step, which is then not applied; without, the step is
 * applied. */
static struct co_outcome step_with(const char *text, int64_t hint,
                                   int64_t hint2, int *refused) {
  struct co_trace t;
  struct co_parse_error perr;
  struct co_call c;
  struct co_outcome pred;
  struct co_aftermath eff;
  co_trace_init(&t);
  cr_assert_eq(co_trace_parse(text, strlen(text), &t, &perr), 0, "%s: %s", text,
               perr.message);
  cr_assert_eq(t.len, 1);
  co_model_resolve(m, &t.ops[0], &c);
  c.hint = hint;
  c.hint2 = hint2;
  memset(&pred, 0, sizeof pred);
  if (refused)
    *refused = co_model_refuses(m, &t.ops[0], &c);
  if (!refused || !*refused)
    co_model_step(m, &t.ops[0], &c, &pred, &eff);
  co_trace_free(&t);
  return pred;
}

/* One operation from text, stepped with hint as the platform's new handle
 * value. */
static struct co_outcome step(const char *text, int64_t hint) {
  return step_with(text, hint, -1, NULL);
}

static void table(unsigned quirks) {
  size_t i, j;
  char text[128];
  for (i = 0; i < NROWS; i++) {
    struct co_outcome o;
    begin(quirks);
    snprintf(text, sizeof text, "s0 = open_access %s noinherit", row[i].text);
    o = step(text, 4);
    cr_assert_eq(o.err, CO_OK, "row %zu: open %s", i, co_err_name(o.err));
    for (j = 0; j < NROWS; j++) {
      int want = quirks || compatible(row[i].win32, row[j].win32);
      snprintf(text, sizeof text, "s1 = duphandle_access s0 %s noinherit",
               row[j].text);
      o = step(text, (int64_t)(8 + 4 * j));
      cr_assert_eq(o.err, want ? CO_OK : CO_EACCES,
                   "DuplicateHandle(%#x => %#x): %s, want %s", row[i].win32,
                   row[j].win32, co_err_name(o.err),
                   want ? "success" : "EACCES (ERROR_ACCESS_DENIED)");
      if (want)
        cr_assert_eq(o.ret, (int64_t)(8 + 4 * j));
    }
  }
}

Test(model_win32, duplicate_access_is_contained_in_the_sources_on_windows) {
  table(0);
}

Test(model_win32, wine_grants_every_duplicate_under_its_quirk) {
  table(CO_QUIRK_WINE_DUP_ACCESS_UNCHECKED);
}

Test(model_win32, write_and_read_follow_the_handles_access) {
  size_t i;
  char text[128];
  for (i = 0; i < NROWS; i++) {
    struct co_outcome w, r;
    begin(0);
    snprintf(text, sizeof text, "s0 = open_access %s", row[i].text);
    step(text, 4);
    w = step("write s0 2", -1);
    step("lseek s0 0 set", -1);
    r = step("read s0 16", -1);
    if (row[i].writes)
      cr_assert(w.err == CO_OK && w.ret == 2, "row %zu: write %s", i,
                co_err_name(w.err));
    else
      cr_assert(w.err == CO_EACCES && w.data == 0 && w.dmask == ~0ull,
                "row %zu: write %s, want EACCES and 0 bytes", i,
                co_err_name(w.err));
    if (!row[i].reads)
      cr_assert(r.err == CO_EACCES && r.data == 0 && r.dmask == ~0ull,
                "row %zu: read %s, want EACCES and 0 bytes", i,
                co_err_name(r.err));
    else
      cr_assert(r.err == CO_OK && r.ret == (row[i].writes ? 2 : 0),
                "row %zu: read %s %lld", i, co_err_name(r.err),
                (long long)r.ret);
  }
}

Test(model_win32, append_is_the_handles_access_not_the_files) {
  begin(0);
  step("s0 = open_access GENERIC_READ|GENERIC_WRITE", 4);
  step("s1 = duphandle_access s0 FILE_APPEND_DATA", 8);
  step("write s0 5", -1);
  step("lseek s0 1 set", -1);
  /* through the append-only duplicate: at the end, whatever the pointer */
  cr_assert_eq(step("write s1 2", -1).ret, 2);
  cr_assert_eq(step("lseek s0 0 cur", -1).ret, 7);
  /* through the source, at the pointer */
  step("lseek s0 1 set", -1);
  step("write s0 1", -1);
  cr_assert_eq(step("lseek s0 0 cur", -1).ret, 2);
}

/* namesmerge: reopenfile's share check and setvaliddata's access meet the
 * per-HANDLE access of open_access (docs/win32.md#share-modes,
 * #setvaliddata). Only an open's read data (FILE_READ_DATA, FILE_EXECUTE)
 * and write data (FILE_WRITE_DATA, FILE_APPEND_DATA) take part in the
 * share check (Wine server/fd.c check_sharing): a reopenfile that denies
 * reading fails ERROR_SHARING_VIOLATION iff the row's open reads, one that
 * denies writing iff it writes; an access-0 open restricts nothing.
 * SetFileValidData needs FILE_WRITE_DATA itself: ERROR_ACCESS_DENIED
 * without it, else (Windows, no privilege) ERROR_PRIVILEGE_NOT_HELD. */
#define W_FILE_EXECUTE 0x20u
Test(model_win32, reopenfile_shares_and_setvaliddata_follow_the_access) {
  size_t i;
  char text[128];
  for (i = 0; i < NROWS; i++) {
    unsigned a = map(row[i].win32);
    int rd = (a & (W_FILE_READ_DATA | W_FILE_EXECUTE)) != 0;
    int wr = (a & (W_FILE_WRITE_DATA | W_FILE_APPEND_DATA)) != 0;
    struct co_outcome o;
    begin(0);
    snprintf(text, sizeof text, "s0 = open_access %s", row[i].text);
    cr_assert_eq(step(text, 4).err, CO_OK);
    o = step("s1 = reopenfile s0 0 rdonly denyr", 8);
    cr_assert_eq(o.err, rd ? CO_EACCES : CO_OK, "row %zu (%s): denyr %s", i,
                 row[i].text, co_err_name(o.err));
    if (!rd)
      step("close s1", -1);
    o = step("s1 = reopenfile s0 0 wronly denyw", 8);
    cr_assert_eq(o.err, wr ? CO_EACCES : CO_OK, "row %zu (%s): denyw %s", i,
                 row[i].text, co_err_name(o.err));
    o = step("setvaliddata s0 1", -1);
    cr_assert_eq(o.err, a & W_FILE_WRITE_DATA ? CO_EPERM : CO_EACCES,
                 "row %zu (%s): SetFileValidData %s", i, row[i].text,
                 co_err_name(o.err));
  }
}

/* ---- anonymous pipes (docs/win32.md#pipes) ---- */

/* SetFilePointerEx on a pipe end succeeds on Windows with a value the model
 * does not predict: not run; under Wine's quirk it fails, EINVAL. */
Test(model_win32, pipe_seek_runs_only_under_its_quirk) {
  int refused;
  struct co_outcome o;
  begin(0);
  o = step_with("s0 s1 = pipe", 4, 8, &refused);
  cr_assert(!refused && o.err == CO_OK && o.ret == 4 && o.data == 8);
  step_with("lseek s0 0 cur", -1, -1, &refused);
  cr_assert(refused, "a seek on a pipe end is run without the quirk");
  begin(CO_QUIRK_WINE_PIPE_SEEK_FAILS);
  step_with("s0 s1 = pipe", 4, 8, &refused);
  o = step_with("lseek s1 3 set", -1, -1, &refused);
  cr_assert(!refused && o.ret == -1 && o.err == CO_EINVAL, "%s",
            co_err_name(o.err));
}

/* A write fits while the bytes queued, its own included, fit nSize; the
 * next byte would wait (refused); a read makes room; without a reader a
 * write fails EPIPE (ERROR_NO_DATA), without a writer a read EPIPE
 * (ERROR_BROKEN_PIPE) once the bytes are read. */
Test(model_win32, pipe_buffer_and_broken_ends) {
  int refused;
  struct co_outcome o;
  begin(0);
  step_with("s0 s1 = createpipe 16", 4, 8, &refused);
  o = step_with("write s1 16", -1, -1, &refused);
  cr_assert(!refused && o.ret == 16);
  step_with("write s1 1", -1, -1, &refused);
  cr_assert(refused, "a write past the buffer is issued");
  o = step_with("read s0 4", -1, -1, &refused);
  cr_assert(!refused && o.ret == 4);
  o = step_with("write s1 4", -1, -1, &refused);
  cr_assert(!refused && o.ret == 4);
  step_with("close s1", -1, -1, &refused);
  o = step_with("read s0 255", -1, -1, &refused);
  cr_assert(!refused && o.ret == 16);
  o = step_with("read s0 0", -1, -1, &refused);
  cr_assert(!refused && o.ret == -1 && o.err == CO_EPIPE);
  begin(0);
  step_with("s0 s1 = pipe", 4, 8, &refused);
  step_with("read s0 0", -1, -1, &refused);
  cr_assert(refused, "a read of an empty pipe with a writer is issued");
  step_with("close s0", -1, -1, &refused);
  o = step_with("write s1 0", -1, -1, &refused);
  cr_assert(!refused && o.ret == -1 && o.err == CO_EPIPE);
}
