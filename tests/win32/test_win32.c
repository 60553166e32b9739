/*
 * Win32 and C runtime tests, run under Wine by ctest (one ctest test per
 * case: test_win32 CASE). Each case asserts what the real platform returned
 * at each step, not only that the model agreed, so a model rule is checked
 * against the platform, never against itself. Criterion is not built for
 * mingw-w64; this is a minimal runner with the same shape.
 */
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/closeonce.h"
#include "closeonce/contract.h"
#include "record.h"

static int failures;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);          \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
      failures++;                                                              \
    }                                                                          \
  } while (0)

static struct co_exec *exec_for(const char *target, int mode) {
  char err[256];
  const struct co_target *t = co_target_find(target);
  struct co_exec *ex = t ? co_exec_new_target(t, err, sizeof err) : NULL;
  if (!ex) {
    printf("cannot start target %s: %s\n", target, t ? err : "unknown");
    exit(1);
  }
  co_exec_set_mode(ex, mode, 0);
  co_exec_set_full_check(ex, 1);
  return ex;
}

/* Run text on ex, recording every step; returns the verdict kind. */
static int run(struct co_exec *ex, const char *text, struct rec *r,
               struct co_verdict *v) {
  char err[200];
  int kind = rec_run(ex, text, r, v, err, sizeof err);
  if (kind < 0) {
    printf("parse error %s\n", err);
    exit(1);
  }
  return kind;
}

static void run_ok(struct co_exec *ex, const char *text, struct rec *r) {
  struct co_verdict v;
  int kind = run(ex, text, r, &v);
  CHECK(kind == CO_V_OK, "verdict %s at step %zu: %s", co_verdict_name(kind),
        v.step, v.what);
}

/* DuplicateHandle shares the file object, so the file pointer (S§1, S§8);
 * a second CreateFile has its own. */
static void dup_shares_position(void) {
  struct co_exec *ex = exec_for("win32", CO_MODE_CONFORMANCE);
  struct rec r;
  run_ok(ex,
         "s0 = open rdwr\ns1 = dup s0\nwrite s0 5\nlseek s1 0 cur\n"
         "s2 = open rdwr\nlseek s2 0 cur\n",
         &r);
  CHECK(r.real[1].ret != r.real[0].ret && r.real[1].ret % 4 == 0,
        "dup gave %lld from %lld", (long long)r.real[1].ret,
        (long long)r.real[0].ret);
  CHECK(r.real[3].ret == 5, "position through the duplicate: %lld",
        (long long)r.real[3].ret);
  CHECK(r.real[5].ret == 0, "position of a second open: %lld",
        (long long)r.real[5].ret);
  co_exec_free(ex);
}

/* DUPLICATE_CLOSE_SOURCE on an unprotected handle: the same value back,
 * the source closed (WP test_DuplicateHandle). On a protected one: a new
 * value, the source survives. */
static void close_source_rules(void) {
  struct co_exec *ex = exec_for("win32", CO_MODE_CONFORMANCE);
  struct rec r;
  run_ok(ex,
         "s0 = open rdwr\ns1 = dup_close s0\ngetfd s1\n"
         "s2 = open rdwr\nsetprotect s2 protect\ns3 = dup_close s2\n"
         "getfd s2\nsetprotect s2\nclose s2\nclose s3\nclose s1\n",
         &r);
  CHECK(r.real[1].ret == r.real[0].ret, "close-source gave %lld for %lld",
        (long long)r.real[1].ret, (long long)r.real[0].ret);
  CHECK(r.real[5].err == CO_OK && r.real[5].ret != r.real[3].ret,
        "protected source: %lld from %lld", (long long)r.real[5].ret,
        (long long)r.real[3].ret);
  CHECK(r.real[6].err == CO_OK, "the protected source survives");
  co_exec_free(ex);
}

/* CloseHandle: twice -> FALSE, ERROR_INVALID_HANDLE; protected -> FALSE,
 * GLE 6, still open (S§8). */
static void close_rules(void) {
  struct co_exec *ex = exec_for("win32", CO_MODE_CONFORMANCE);
  struct rec r;
  run_ok(ex,
         "s0 = open rdwr\nclose s0\nclose s0\n"
         "s1 = open rdwr\nsetprotect s1 protect\nclose s1\ngetfd s1\n"
         "setprotect s1\nclose s1\n",
         &r);
  CHECK(r.real[2].err == CO_EBADF && r.real[2].raw == ERROR_INVALID_HANDLE,
        "second close: err %s raw %d", co_err_name(r.real[2].err),
        r.real[2].raw);
  CHECK(r.real[5].err == CO_EBADF && r.real[5].raw == ERROR_INVALID_HANDLE,
        "close of a protected handle: err %s raw %d",
        co_err_name(r.real[5].err), r.real[5].raw);
  CHECK(r.real[6].err == CO_OK, "the protected handle is still open");
  CHECK(r.real[8].err == CO_OK, "unprotected, it closes");
  co_exec_free(ex);
}

/* Inherit is per handle: cloexec in traces is "not inherited". */
static void inherit_per_handle(void) {
  struct co_exec *ex = exec_for("win32", CO_MODE_CONFORMANCE);
  struct rec r;
  run_ok(ex,
         "s0 = open rdwr\ngetfd s0\ns1 = dup s0\nsetfd s1 cloexec\n"
         "getfd s1\ngetfd s0\ns2 = open rdwr cloexec\ngetfd s2\n",
         &r);
  CHECK(r.real[1].ret == 0, "open without cloexec is inheritable");
  CHECK(r.real[4].ret == 1 && r.real[5].ret == 0,
        "the flag is the handle's: %lld %lld", (long long)r.real[4].ret,
        (long long)r.real[5].ret);
  CHECK(r.real[7].ret == 1, "open cloexec is not inheritable");
  co_exec_free(ex);
}

static const char classic[] = "o0 = demo_open rw\ns0 = demo_fd o0\n"
                              "o1 = _open_osfhandle s0 rw\n_close o1\n"
                              "demo_close o0\n";

/* The classic bug: both owners close. Conformance: predicted exactly, the
 * second close fails with ERROR_INVALID_HANDLE; contract: an ownership
 * violation at the _open_osfhandle step. */
static void crt_classic_bug(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONFORMANCE);
  const struct co_event_rec *ev;
  struct co_verdict v;
  struct rec r;
  size_t nev;
  run_ok(ex, classic, &r);
  CHECK(r.real[3].err == CO_OK, "_close: %s", co_err_name(r.real[3].err));
  CHECK(r.real[4].err == CO_EBADF, "demo_close's CloseHandle: %s",
        co_err_name(r.real[4].err));
  nev = co_exec_events(ex, &ev);
  CHECK(nev == 2 && ev[0].step == 2 && ev[0].ev.why == CO_WHY_ADOPT &&
            ev[1].step == 4 && ev[1].ev.kind == CO_EV_INVALID_HANDLE,
        "%zu events", nev);
  co_exec_set_mode(ex, CO_MODE_CONTRACT, 0);
  CHECK(run(ex, classic, &r, &v) == CO_V_OWNERSHIP && v.step == 2,
        "contract: %s at %zu", co_verdict_name(v.kind), v.step);
  co_exec_free(ex);
}

static void crt_duplicatehandle_fix(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONTRACT);
  struct rec r;
  run_ok(ex,
         "o0 = demo_open rw\ns0 = demo_fd o0\ns1 = dup s0\n"
         "o1 = _open_osfhandle s1 rw\n_write o1 5\n_close o1\n"
         "demo_write o0 3\ndemo_close o0\n",
         &r);
  CHECK(r.real[5].err == CO_OK && r.real[7].err == CO_OK,
        "each owner closes its own");
  CHECK(r.real[4].ret == 5 && r.real[6].ret == 3, "writes %lld %lld",
        (long long)r.real[4].ret, (long long)r.real[6].ret);
  co_exec_free(ex);
}

/* The reverse exercise: _get_osfhandle lends; a library that adopts must
 * get a duplicate. */
static void crt_reverse(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONTRACT);
  struct co_verdict v;
  struct rec r;
  CHECK(run(ex,
            "s0 = open rdwr\no0 = _open_osfhandle s0 rw\n"
            "s1 = _get_osfhandle o0\no1 = demo_adopt s1 rw\n"
            "demo_close o1\n_close o0\n",
            &r, &v) == CO_V_OWNERSHIP &&
            v.step == 3,
        "wrong way: %s at %zu", co_verdict_name(v.kind), v.step);
  run_ok(ex,
         "s0 = open rdwr\no0 = _open_osfhandle s0 rw\n"
         "s1 = _get_osfhandle o0\ns2 = dup s1\no1 = demo_adopt s2 rw\n"
         "demo_close o1\n_close o0\n",
         &r);
  CHECK(r.real[2].ret == r.real[0].ret, "_get_osfhandle lends the value");
  co_exec_free(ex);
}

/* _open_osfhandle of a closed handle: -1, EBADF, no invalid-parameter
 * handler (S§3; WT test__open_osfhandle); the caller keeps nothing. */
static void crt_open_closed_handle(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONFORMANCE);
  struct rec r;
  run_ok(ex, "s0 = open rdwr\nclose s0\no0 = _open_osfhandle s0 rw\n", &r);
  CHECK(r.real[2].ret == -1 && r.real[2].err == CO_EBADF, "got %lld %s",
        (long long)r.real[2].ret, co_err_name(r.real[2].err));
  co_exec_free(ex);
}

/* The recording invalid-parameter handler: _close of a descriptor that was
 * never open fires it under UCRT and not under msvcrt.dll (S§8). */
static void crt_iph_recorded(void) {
  struct co_glue_env env = {-1, "", 0};
  struct co_outcome out;
  void *obj = (void *)(intptr_t)(4000 + 1); /* descriptor 4000 */
  co_adapter_crt.call(&env, 3 /* _close */, 0, &obj, -1, 0, &out);
#ifdef _UCRT
  CHECK(out.err == CO_IPH, "UCRT: %s", co_err_name(out.err));
#else
  CHECK(out.err == CO_EBADF, "msvcrt: %s", co_err_name(out.err));
#endif
}

/* The leak check lists the process's handles (NtQuerySystemInformation;
 * GetProcessHandleCount is a stub under Wine): a handle opened outside the
 * trace shows, and a trace cannot close a handle it did not make. */
static void leak_check_and_safety(void) {
  struct co_exec *ex = exec_for("win32", CO_MODE_CONFORMANCE);
  char msg[200];
  struct rec r;
  DWORD fl;
  HANDLE h;
  CHECK(co_exec_check_process(ex, msg, sizeof msg) == 0, "%s", msg);
  h = CreateFileW(L"NUL", GENERIC_READ, 7, NULL, OPEN_EXISTING, 0, NULL);
  CHECK(h != INVALID_HANDLE_VALUE, "CreateFile NUL");
  CHECK(co_exec_check_process(ex, msg, sizeof msg) != 0, "stray not seen");
  /* Now a trace that closes every free number it can name, and more. */
  run_ok(ex,
         "close f0\nclose f1\nclose f2\ns0 = open rdwr\nclose s0\n"
         "close s0\nclose f3\nclose f4\nclose limit\n",
         &r);
  CHECK(GetHandleInformation(h, &fl), "the outside handle survived");
  CloseHandle(h);
  co_exec_free(ex);
}

/* Every file lives in the private directory and is gone at the end. */
static void private_dir_cleaned(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONTRACT);
  struct rec r;
  const char *dir = NULL;
  wchar_t wdir[MAX_PATH];
  run_ok(ex,
         "s0 = open rdwr\no0 = demo_open rw\ns1 = open wronly\n"
         "o1 = _open_osfhandle s1 rw\n",
         &r);
  co_backend_win32.private_dir(co_exec_backend_self(ex), &dir);
  MultiByteToWideChar(CP_UTF8, 0, dir, -1, wdir, MAX_PATH);
  co_exec_free(ex);
  CHECK(GetFileAttributesW(wdir) == INVALID_FILE_ATTRIBUTES, "%s still exists",
        dir);
}

static const struct {
  const char *name;
  void (*fn)(void);
} cases[] = {
    {"dup_shares_position", dup_shares_position},
    {"close_source_rules", close_source_rules},
    {"close_rules", close_rules},
    {"inherit_per_handle", inherit_per_handle},
    {"crt_classic_bug", crt_classic_bug},
    {"crt_duplicatehandle_fix", crt_duplicatehandle_fix},
    {"crt_reverse", crt_reverse},
    {"crt_open_closed_handle", crt_open_closed_handle},
    {"crt_iph_recorded", crt_iph_recorded},
    {"leak_check_and_safety", leak_check_and_safety},
    {"private_dir_cleaned", private_dir_cleaned},
};

int main(int argc, char **argv) {
  size_t i;
  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    if (argc < 2 || !strcmp(argv[1], "--list")) {
      if (argc >= 2)
        printf("%s\n", cases[i].name);
    } else if (!strcmp(argv[1], cases[i].name)) {
      cases[i].fn();
      printf("%s: %s\n", cases[i].name, failures ? "FAILED" : "passed");
      return failures != 0;
    }
  if (argc >= 2 && strcmp(argv[1], "--list")) {
    printf("no test case '%s'\n", argv[1]);
    return 2;
  }
  if (argc < 2) {
    for (i = 0; i < sizeof cases / sizeof *cases; i++)
      cases[i].fn();
    printf("%d check(s) failed\n", failures);
  }
  return failures != 0;
}
