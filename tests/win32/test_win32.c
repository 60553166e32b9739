/*
 * Win32 and C runtime tests, run under Wine by ctest (one ctest test per
 * case: test_win32 CASE). Each case asserts what the real platform returned
 * at each step, not only that the model agreed, so a model rule is checked
 * against the platform, never against itself. Criterion is not built for
 * mingw-w64; this is a minimal runner with the same shape.
 */
#include <windows.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/closeonce.h"
#include "closeonce/contract.h"
#include "record.h"

#include "check.h"

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

/* DuplicateHandle shares the file object, so the file pointer;
 * a second CreateFile has its own (docs/win32.md#objects). */
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
 * the source closed (docs/win32.md#duplicatehandle). On a protected one: a new
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

/* DuplicateHandle's options (docs/win32.md#duplicatehandle): bInheritHandle
 * FALSE gives a handle that is not inherited, with DUPLICATE_CLOSE_SOURCE
 * on the source's own value; DUPLICATE_SAME_ATTRIBUTES copies an
 * inheritable, protected source's flags, unless the platform ignores it
 * (Wine 8.0: the WINE_SAMEATTR_IGNORED quirk, docs/wine.md#sameattr). */
static void duplicate_options(void) {
  struct co_exec *ex = exec_for("win32", CO_MODE_CONFORMANCE);
  int ignored = (co_exec_quirks(ex) & CO_QUIRK_WINE_SAMEATTR_IGNORED) != 0;
  struct rec r;
  run_ok(ex,
         "s0 = open rdwr\ns1 = duphandle s0 noinherit\ngetfd s1\n"
         "s2 = dup_close s0 noinherit\ngetfd s2\nsetfd s2\n"
         "setprotect s2 protect\ns3 = duphandle s2 noinherit sameattr\n"
         "getfd s3\nsetprotect s2\nsetprotect s3\nclose s1\nclose s2\n"
         "close s3\n",
         &r);
  CHECK(r.real[2].err == CO_OK && r.real[2].ret == 1,
        "duphandle noinherit: getfd %lld", (long long)r.real[2].ret);
  CHECK(r.real[3].ret == r.real[0].ret && r.real[4].ret == 1,
        "dup_close noinherit: %lld from %lld, getfd %lld",
        (long long)r.real[3].ret, (long long)r.real[0].ret,
        (long long)r.real[4].ret);
  CHECK(r.real[7].err == CO_OK && r.real[8].ret == (ignored ? 1 : 0),
        "sameattr over bInheritHandle FALSE: getfd %lld (quirk %d)",
        (long long)r.real[8].ret, ignored);
  /* the protect flag: CloseHandle of a protected handle fails */
  run_ok(ex,
         "s0 = open rdwr\nsetprotect s0 protect\n"
         "s1 = duphandle s0 sameattr\nsetprotect s0\nclose s1\n"
         "setprotect s1\nclose s1\nclose s0\n",
         &r);
  CHECK(r.real[4].err == (ignored ? CO_OK : CO_EBADF),
        "close of a sameattr copy of a protected handle: %s (quirk %d)",
        co_err_name(r.real[4].err), ignored);
  co_exec_free(ex);
}

/* CloseHandle: twice -> FALSE, ERROR_INVALID_HANDLE; protected -> FALSE,
 * GLE 6, still open (docs/win32.md#protect). */
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
 * handler (docs/crt.md#open-osfhandle); the caller keeps nothing. */
static void crt_open_closed_handle(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONFORMANCE);
  struct rec r;
  run_ok(ex, "s0 = open rdwr\nclose s0\no0 = _open_osfhandle s0 rw\n", &r);
  CHECK(r.real[2].ret == -1 && r.real[2].err == CO_EBADF, "got %lld %s",
        (long long)r.real[2].ret, co_err_name(r.real[2].err));
  co_exec_free(ex);
}

/* The recording invalid-parameter handler: _close of a descriptor that was
 * never open fires it under UCRT and not under msvcrt.dll
 * (docs/wine.md#iph). */
static void crt_iph_recorded(void) {
  struct co_glue_env env = {.dirfd = -1, .dir = ""};
  struct co_outcome out;
  void *obj = (void *)(intptr_t)(4000 + 1); /* descriptor 4000 */
  co_adapter_crt.call(&env, 3 /* _close */, 0, &obj, -1, 0, &out);
#ifdef _UCRT
  CHECK(out.err == CO_IPH, "UCRT: %s", co_err_name(out.err));
#else
  CHECK(out.err == CO_EBADF, "msvcrt: %s", co_err_name(out.err));
#endif
}

/* The handler's count is per thread: while one thread's calls fire it
 * (UCRT: _close of a descriptor never open), another thread's calls that do
 * not fire it never report CO_IPH. */
#define IPH_CALLS 20000
struct iph_loop {
  unsigned entry; /* of the crt adapter */
  int fd;
  long iph; /* calls that reported CO_IPH */
};

static DWORD WINAPI iph_calls(void *arg) {
  struct co_glue_env env = {.dirfd = -1, .dir = ""};
  struct iph_loop *l = arg;
  int i;
  for (i = 0; i < IPH_CALLS; i++) {
    struct co_outcome out;
    void *obj = (void *)(intptr_t)(l->fd + 1);
    co_adapter_crt.call(&env, l->entry, 0, &obj, -1, 0, &out);
    l->iph += out.err == CO_IPH;
  }
  return 0;
}

static void crt_iph_per_thread(void) {
  struct iph_loop firing = {3 /* _close */, 4000, 0}; /* never open */
  struct iph_loop quiet = {2 /* _write, 0 bytes */, 1, 0};
  HANDLE t[2];
  t[0] = CreateThread(NULL, 0, iph_calls, &firing, 0, NULL);
  t[1] = CreateThread(NULL, 0, iph_calls, &quiet, 0, NULL);
  CHECK(t[0] && t[1], "CreateThread failed");
  WaitForMultipleObjects(2, t, TRUE, INFINITE);
  CloseHandle(t[0]);
  CloseHandle(t[1]);
#ifdef _UCRT
  CHECK(firing.iph == IPH_CALLS, "UCRT: %ld of %d _close calls fired it",
        firing.iph, IPH_CALLS);
#else
  CHECK(firing.iph == 0, "msvcrt: %ld of %d _close calls fired it", firing.iph,
        IPH_CALLS);
#endif
  CHECK(quiet.iph == 0,
        "%ld of %d _write(1, 0 bytes) calls reported the other thread's "
        "firing",
        quiet.iph, IPH_CALLS);
}

/* C-runtime descriptors are the lowest free number: a number freed
 * by a stream's fclose is the next one _dup takes; _dup's handle is a new,
 * inheritable value on the same file object (shared position;
 * docs/crt.md#allocation, docs/crt.md#dup). */
static void crt_numbers_and_dup(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONFORMANCE);
  struct rec r;
  run_ok(ex,
         "s0 = open rdwr\ns1 = open rdwr\n"
         "o0 = _open_osfhandle s0 rw\no1 = _open_osfhandle s1 rw\n"
         "o2 = _fdopen o0 w\n_fileno o2\nfclose o2\n"          /* 4..6 */
         "_write o1 5\no3 = _dup o1\ns2 = _get_osfhandle o3\n" /* 7..9 */
         "getfd s2\nlseek s2 0 cur\n"                          /* 10, 11 */
         "o4 = _fdopen o3 w\n_fileno o4\n",                    /* 12, 13 */
         &r);
  CHECK(r.real[5].ret >= 3, "first descriptor %lld", (long long)r.real[5].ret);
  CHECK(r.real[13].ret == r.real[5].ret, "_dup took %lld, not the freed %lld",
        (long long)r.real[13].ret, (long long)r.real[5].ret);
  CHECK(r.real[9].ret > 0 && r.real[9].ret != r.call[3].a, "_dup's handle %lld",
        (long long)r.real[9].ret);
  CHECK(r.real[10].err == CO_OK && r.real[10].ret == 0,
        "_dup's handle is inheritable (cloexec %lld)",
        (long long)r.real[10].ret);
  CHECK(r.real[11].ret == 5, "shared position %lld", (long long)r.real[11].ret);
  co_exec_free(ex);
}

/* _dup2(s, t): returns 0; t's old handle is closed and t holds a new
 * duplicate of s's. _dup2(s, s): UCRT changes nothing; Wine makes a
 * new handle (the declared quirk WINE_DUP2_SAME_REDUPS;
 * docs/crt.md#dup2, docs/wine.md#dup2-same). */
static void crt_dup2(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONFORMANCE);
  struct rec r;
  run_ok(ex,
         "s0 = open rdwr\ns1 = open rdwr\n"
         "o0 = _open_osfhandle s0 rw\no1 = _open_osfhandle s1 rw\n"
         "s2 = _get_osfhandle o1\n_dup2 o0 o1\ngetfd s2\n" /* 4..6 */
         "s3 = _get_osfhandle o1\n_write o1 3\n"           /* 7, 8 */
         "s4 = _get_osfhandle o0\nlseek s4 0 cur\n"        /* 9, 10 */
         "_dup2 o0 o0\ns5 = _get_osfhandle o0\n",          /* 11, 12 */
         &r);
  CHECK(r.real[5].err == CO_OK && r.real[5].ret == 0, "_dup2 returned %lld",
        (long long)r.real[5].ret);
  CHECK(r.real[6].err == CO_EBADF, "the target's old handle: %s",
        co_err_name(r.real[6].err));
  CHECK(r.real[7].ret != r.real[4].ret && r.real[7].ret != r.real[9].ret,
        "the target holds %lld (old %lld, source %lld)",
        (long long)r.real[7].ret, (long long)r.real[4].ret,
        (long long)r.real[9].ret);
  CHECK(r.real[10].ret == 3, "shared position %lld", (long long)r.real[10].ret);
  CHECK(r.real[11].err == CO_OK && r.real[11].ret == 0, "_dup2(s, s): %s",
        co_err_name(r.real[11].err));
  if (co_exec_quirks(ex) & CO_QUIRK_WINE_DUP2_SAME_REDUPS)
    CHECK(r.real[12].ret != r.real[9].ret, "Wine: _dup2(s, s) keeps %lld",
          (long long)r.real[12].ret);
  else
    CHECK(r.real[12].ret == r.real[9].ret, "_dup2(s, s) changed %lld to %lld",
          (long long)r.real[9].ret, (long long)r.real[12].ret);
  co_exec_free(ex);
}

/* A stream owns its descriptor: fclose closes the handle. Closing the
 * descriptor under a live stream is a violation; the stream's fclose then
 * closes a number that is not open: the invalid-parameter handler fires
 * under UCRT, msvcrt.dll returns EBADF (the msvcrt profile). A bad mode:
 * the handler under UCRT, EINVAL from msvcrt.dll. */
static void crt_stream_owns_descriptor(void) {
  struct co_exec *ex = exec_for("win32-crt", CO_MODE_CONFORMANCE);
  struct rec r;
  const struct co_event_rec *ev;
  size_t nev, i;
  int owned = 0, gone = 0;
  run_ok(ex,
         "s0 = open rdwr\no0 = _open_osfhandle s0 rw\no1 = _fdopen o0 w\n"
         "fwrite o1 4\ns1 = _get_osfhandle o0\nfclose o1\ngetfd s1\n" /* ..6 */
         "s2 = open rdwr\no2 = _open_osfhandle s2 rw\no3 = _fdopen o2 w\n"
         "_close o2\nfclose o3\n" /* 10, 11 */
         "o4 = _fdopen o2 q\n",   /* 12: o2 is gone: not run */
         &r);
  CHECK(r.real[5].err == CO_OK, "fclose: %s", co_err_name(r.real[5].err));
  CHECK(r.real[6].err == CO_EBADF, "the handle after fclose: %s",
        co_err_name(r.real[6].err));
  CHECK(r.real[10].err == CO_OK, "_close under the stream: %s",
        co_err_name(r.real[10].err));
#ifdef _UCRT
  CHECK(r.real[11].err == CO_IPH, "UCRT fclose: %s",
        co_err_name(r.real[11].err));
#else
  CHECK(r.real[11].err == CO_EBADF, "msvcrt fclose: %s",
        co_err_name(r.real[11].err));
#endif
  nev = co_exec_events(ex, &ev);
  for (i = 0; i < nev; i++) {
    if (ev[i].step == 10)
      owned = ev[i].ev.why == CO_WHY_OWNED;
    if (ev[i].step == 11)
      gone = ev[i].ev.kind == CO_EV_INVALID_HANDLE;
  }
  CHECK(owned && gone, "events at steps 10 and 11 (of %zu)", nev);
  run_ok(ex, "s0 = open rdwr\no0 = _open_osfhandle s0 rw\no1 = _fdopen o0 q\n",
         &r);
#ifdef _UCRT
  CHECK(r.real[2].err == CO_IPH, "UCRT bad mode: %s",
        co_err_name(r.real[2].err));
#else
  CHECK(r.real[2].err == CO_EINVAL, "msvcrt bad mode: %s",
        co_err_name(r.real[2].err));
#endif
  co_exec_free(ex);
}

/* The limits: _getmaxstdio starts at 512; _setmaxstdio takes
 * up to 2048 (msvcrt) or 8192 (UCRT); the descriptor table holds as many
 * descriptors, then _open_osfhandle fails (docs/crt.md#limits,
 * docs/wine.md#limits). */
static void crt_limits(void) {
  int cap = 0, expect, i, err = 0;
  int *fds;
  HANDLE self = GetCurrentProcess(), base;
#ifdef _UCRT
  expect = 8192;
#else
  expect = 2048;
#endif
  CHECK(_getmaxstdio() == 512, "_getmaxstdio %d", _getmaxstdio());
  CHECK(_setmaxstdio(2048) == 2048, "_setmaxstdio(2048)");
  CHECK(_setmaxstdio(8192) == (expect == 8192 ? 8192 : -1),
        "_setmaxstdio(8192)");
  CHECK(_setmaxstdio(8193) == -1, "_setmaxstdio(8193)");
  _setmaxstdio(512);
  base = CreateFileW(L"NUL", GENERIC_READ, 7, NULL, OPEN_EXISTING, 0, NULL);
  fds = malloc(sizeof *fds * 9000);
  CHECK(base != INVALID_HANDLE_VALUE && fds, "setup");
  for (i = 0; i < 9000; i++) {
    HANDLE h;
    int fd;
    if (!DuplicateHandle(self, base, self, &h, 0, FALSE, DUPLICATE_SAME_ACCESS))
      break;
    fd = _open_osfhandle((intptr_t)h, _O_RDONLY);
    if (fd < 0) {
      err = errno;
      CloseHandle(h);
      break;
    }
    fds[cap++] = fd;
  }
  /* the descriptors in use before (the standard ones) plus ours */
  CHECK(cap + 3 == expect, "%d descriptors, then errno %d", cap, err);
  CHECK(err == EMFILE || err == ENFILE, "errno %d when full", err);
  for (i = 0; i < cap; i++)
    _close(fds[i]);
  free(fds);
  CloseHandle(base);
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

/* What OS thread ran each step (the step hook runs on it). */
struct who {
  DWORD id[32];
  size_t n;
};

static void record_thread(void *env, const struct co_step_info *s) {
  struct who *w = env;
  (void)s;
  if (w->n < 32)
    w->id[w->n++] = GetCurrentThreadId();
}

/* Issue 22 (docs/threads.md#scheduled): parallel traces under Wine, on
 * threads made with CreateThread. Each thread's steps run on a thread of
 * its own; a HANDLE duplicated in one thread and closed in another is as
 * the model says; a C-runtime descriptor closed by t2 fails t1's next
 * _write with EBADF (the stale number: docs/threads.md#crt-close-write);
 * each trace replays the same way 100 times. */
static void scheduled_threads(void) {
  static const char *const text[2] = {"s0 = open\n"
                                      "t1: s1 = duphandle s0\n"
                                      "t2: write s1 3\n"
                                      "t1: close s0\n"
                                      "t2: write s1 2\n"
                                      "t3: close s1\n",
                                      "s0 = open\n"
                                      "o0 = _open_osfhandle s0 rw\n"
                                      "t1: _write o0 3\n"
                                      "t2: _close o0\n"
                                      "t1: _write o0 1\n"};
  static const char *const target[2] = {"win32", "win32-crt"};
  int k, i;
  for (k = 0; k < 2; k++) {
    struct co_exec *ex = exec_for(target[k], CO_MODE_CONFORMANCE);
    struct co_verdict v, first;
    struct who w = {{0}, 0};
    struct rec r;
    run_ok(ex, text[k], &r);
    if (k == 0) {
      CHECK(r.real[1].err == CO_OK, "duphandle in t1: %s",
            co_err_name(r.real[1].err));
      CHECK(r.real[4].ret == 2, "t2's write through t1's duplicate: %lld",
            (long long)r.real[4].ret);
    } else {
      CHECK(r.real[3].err == CO_OK, "_close in t2: %s",
            co_err_name(r.real[3].err));
      CHECK(r.real[4].err == CO_EBADF || r.real[4].err == CO_IPH,
            "t1's _write after t2's _close: %s", co_err_name(r.real[4].err));
    }
    for (i = 0; i < 100; i++) {
      struct co_trace t;
      struct co_parse_error pe;
      co_trace_init(&t);
      CHECK(co_trace_parse(text[k], strlen(text[k]), &t, &pe) == 0, "%s",
            pe.message);
      if (i == 0)
        co_exec_set_hook(ex, record_thread, &w);
      CHECK(co_exec_run(ex, &t, &v) == CO_V_OK, "run %d: %s", i, v.what);
      if (i == 0) {
        co_exec_set_hook(ex, NULL, NULL);
        first = v;
        CHECK(w.n == t.len, "%zu steps hooked of %zu", w.n, t.len);
        CHECK(w.id[0] == GetCurrentThreadId(), "the prefix: the caller");
        CHECK(w.id[t.len - 1] != GetCurrentThreadId() &&
                  w.id[t.len - 2] != w.id[t.len - 1],
              "the threads' steps: threads of their own");
      }
      CHECK(!strcmp(v.what, first.what), "run %d: %s", i, v.what);
      co_trace_free(&t);
    }
    co_exec_free(ex);
  }
}

static const struct {
  const char *name;
  void (*fn)(void);
} cases[] = {
    {"scheduled_threads", scheduled_threads},
    {"dup_shares_position", dup_shares_position},
    {"close_source_rules", close_source_rules},
    {"close_rules", close_rules},
    {"duplicate_options", duplicate_options},
    {"inherit_per_handle", inherit_per_handle},
    {"crt_classic_bug", crt_classic_bug},
    {"crt_duplicatehandle_fix", crt_duplicatehandle_fix},
    {"crt_reverse", crt_reverse},
    {"crt_open_closed_handle", crt_open_closed_handle},
    {"crt_iph_recorded", crt_iph_recorded},
    {"crt_iph_per_thread", crt_iph_per_thread},
    {"crt_numbers_and_dup", crt_numbers_and_dup},
    {"crt_dup2", crt_dup2},
    {"crt_stream_owns_descriptor", crt_stream_owns_descriptor},
    {"crt_limits", crt_limits},
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
