/*
 * co_fuzz_one: the shared body of every fuzz target. One executor per
 * process, created on the first input and kept (persistent engines run
 * millions of inputs in one process).
 */
#include "closeonce/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/exec.h"
#include "closeonce/report.h"
#include "closeonce/target.h"
#include "posix/posix.h"

static struct {
  const struct co_target *target;
  struct co_exec *ex;
  struct co_trace t, ran;
} fz;

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "closeonce fuzz: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  abort();
}

/* At exit: the process holds what it held, the private directory is
 * empty. */
static void hygiene(void) {
  char msg[256];
  if (!fz.ex)
    return;
  if (co_exec_check_process(fz.ex, msg, sizeof msg) < 0)
    die("hygiene: %s", msg);
  if (co_posix_dir_entries(co_exec_backend_self(fz.ex)) != 0)
    die("hygiene: files left in %s",
        co_posix_tmpdir(co_exec_backend_self(fz.ex)));
  fprintf(stderr, "closeonce fuzz: hygiene ok (descriptors and private "
                  "directory as at start)\n");
}

static void setup(const char *name) {
  char err[256];
  const char *mode = getenv("CLOSEONCE_MODE");
  int m;
  fz.target = co_target_find(name);
  if (!fz.target)
    die("unknown target %s", name);
  fz.ex = co_exec_new_target(fz.target, err, sizeof err);
  if (!fz.ex)
    die("%s", err);
  if (mode && *mode) {
    if (co_mode_parse(mode, &m) < 0)
      die("CLOSEONCE_MODE=%s: expected contract or conformance", mode);
    co_exec_set_mode(fz.ex, m, 1);
  }
  co_trace_init(&fz.t);
  co_trace_init(&fz.ran);
  if (getenv("CLOSEONCE_HYGIENE"))
    atexit(hygiene);
}

int co_fuzz_one(const char *name, const uint8_t *data, size_t size) {
  struct co_verdict v;
  const struct co_event_rec *ev;
  const struct co_trace *shown;
  size_t i, nev;
  if (!fz.ex)
    setup(name);
  if (co_trace_decode(data, size, &fz.target->ops, 0, &fz.t) < 0)
    die("%s", "out of memory");
  if (co_exec_run(fz.ex, &fz.t, &v) == CO_V_OK)
    return 0;
  /* The operations that ran, up to the finding: the reproducer. */
  co_trace_clear(&fz.ran);
  for (i = 0; i < fz.t.len && i <= v.step; i++)
    if (!co_exec_skipped(fz.ex, i))
      co_trace_push(&fz.ran, &fz.t.ops[i]);
  shown = &fz.ran;
  if (fz.ran.len != fz.t.len) {
    /* Without the skipped moves it must find the same; if it does not,
     * show the whole input as decoded. */
    struct co_verdict v2;
    if (co_exec_run(fz.ex, &fz.ran, &v2) == v.kind)
      v = v2;
    else if (co_exec_run(fz.ex, &fz.t, &v2) == v.kind)
      shown = &fz.t;
  }
  nev = co_exec_events(fz.ex, &ev);
  fprintf(stderr,
          "\n==closeonce== finding (target %s, %s mode): ", fz.target->name,
          co_mode_name(co_exec_mode(fz.ex)));
  co_report_text(stderr, fz.target->name, shown, &v, ev, nev);
  fprintf(stderr,
          "==closeonce== reproduce: closeonce replay --target %s "
          "--mode %s CRASH-FILE\n",
          fz.target->name, co_mode_name(co_exec_mode(fz.ex)));
  fflush(stderr);
  abort();
}
