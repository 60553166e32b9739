/*
 * The shared body of every fuzz target: struct co_fuzz, the state of one
 * fuzz program (its target, its executor, the decoded input), made once and
 * kept (persistent engines run millions of inputs in one process). The
 * engine's entry point has no context argument, so the program's one
 * pointer to it lives in the entry point CO_FUZZ_TARGET defines
 * (closeonce/fuzz.h); nothing here is global.
 */
#include "closeonce/fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/campaign.h"
#include "closeonce/exec.h"
#include "closeonce/report.h"
#include "closeonce/target.h"
#ifdef _WIN32
#include "win32/win32.h"
#define co_dir_entries co_win32_dir_entries
#else
#include "posix/posix.h"
#define co_dir_entries co_posix_dir_entries
#endif

struct co_fuzz {
  const struct co_target *target;
  struct co_exec *ex;
  struct co_trace t;
  /* CLOSEONCE_NO_FAULTS=1: every `fail` is dropped after decoding, as
   * `closeonce fuzz --no-faults` draws none (docs/faults.md#fail) */
  int no_faults;
  /* CLOSEONCE_THREADS=N (1..CO_THREADS): inputs are parallel traces, a
   * thread byte a record (closeonce/trace.h; docs/threads.md#fuzzing) */
  struct co_opset ops;
};

struct co_fuzz *co_fuzz_new(const char *name, char *err, size_t cap) {
  const char *mode = getenv("CLOSEONCE_MODE");
  const char *nf = getenv("CLOSEONCE_NO_FAULTS");
  const char *th = getenv("CLOSEONCE_THREADS");
  struct co_fuzz *fz = calloc(1, sizeof *fz);
  int m;
  if (!fz) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  fz->no_faults = nf && *nf && strcmp(nf, "0") != 0;
  co_trace_init(&fz->t);
  if (!(fz->target = co_target_find(name))) {
    snprintf(err, cap, "unknown target %s", name);
  } else if (!(fz->ex = co_exec_new_target(fz->target, err, cap))) {
    /* err says why (a target that cannot start names itself) */
  } else if (mode && *mode && co_mode_parse(mode, &m) < 0) {
    snprintf(err, cap, "CLOSEONCE_MODE=%s: expected contract or conformance",
             mode);
  } else if (th && *th &&
             (strlen(th) != 1 || *th < '0' || *th > '0' + CO_THREADS)) {
    snprintf(err, cap, "CLOSEONCE_THREADS=%s: expected 0 to %d", th,
             CO_THREADS);
  } else {
    fz->ops = fz->target->ops;
    fz->ops.threads = (uint8_t)(th && *th ? *th - '0' : 0);
    if (mode && *mode)
      co_exec_set_mode(fz->ex, m, 1);
    return fz;
  }
  co_fuzz_free(fz);
  return NULL;
}

void co_fuzz_free(struct co_fuzz *fz) {
  if (!fz)
    return;
  co_exec_free(fz->ex);
  co_trace_free(&fz->t);
  free(fz);
}

int co_fuzz_hygiene(struct co_fuzz *fz, char *msg, size_t cap) {
  if (co_exec_check_process(fz->ex, msg, cap) < 0)
    return -1;
  if (co_dir_entries(co_exec_backend_self(fz->ex)) != 0) {
#ifdef _WIN32
    snprintf(msg, cap, "files left in the backend's private directory");
#else
    snprintf(msg, cap, "files left in %s",
             co_posix_tmpdir(co_exec_backend_self(fz->ex)));
#endif
    return -1;
  }
  return 0;
}

struct co_fuzz *co_fuzz_start(const char *name) {
  char err[256];
  struct co_fuzz *fz = co_fuzz_new(name, err, sizeof err);
  if (!fz) {
    fprintf(stderr, "closeonce fuzz: %s\n", err);
    exit(2);
  }
  return fz;
}

void co_fuzz_exit_check(struct co_fuzz *fz) {
  char msg[256];
  if (!fz)
    return;
  if (co_fuzz_hygiene(fz, msg, sizeof msg) < 0) {
    fprintf(stderr, "closeonce fuzz: hygiene: %s\n", msg);
    abort();
  }
  fprintf(stderr, "closeonce fuzz: hygiene ok (descriptors and private "
                  "directory as at start)\n");
}

/* The program as invoked (glibc keeps argv[0]; elsewhere its role). */
static const char *program_name(void) {
#ifdef __GLIBC__
  return program_invocation_name;
#else
  return "this-fuzz-program";
#endif
}

/* A finding: the report, with its reproducer (the campaign's rule: the
 * operations that ran up to it, without the skipped moves, if that shows
 * it; else the whole input, which must show it again). */
static void report(struct co_fuzz *fz, struct co_verdict v) {
  struct co_campaign_result *res = calloc(1, sizeof *res);
  if (res)
    co_trace_init(&res->trace);
  if (!res || co_campaign_reproducer(fz->ex, &fz->t, &v, res) < 0) {
    fprintf(stderr, "closeonce fuzz: out of memory\n");
    abort();
  }
  fprintf(stderr,
          "\n==closeonce== finding (target %s, %s mode): ", fz->target->name,
          co_mode_name(co_exec_mode(fz->ex)));
  co_report_text(stderr, fz->target->name, &res->trace, &res->verdict,
                 res->events, res->nevents);
  /* This program runs the crash file again (libFuzzer's, AFL++'s driver
   * and the replay runner all take files); closeonce replay knows only
   * closeonce's own targets, not a kit program's. */
  if (fz->ops.threads)
    fprintf(stderr,
            "==closeonce== reproduce: CLOSEONCE_THREADS=%u %s "
            "CRASH-FILE\n",
            fz->ops.threads, program_name());
  else
    fprintf(stderr, "==closeonce== reproduce: %s CRASH-FILE\n", program_name());
  fflush(stderr);
}

int co_fuzz_run(struct co_fuzz *fz, const uint8_t *data, size_t size) {
  struct co_verdict v;
  if (co_trace_decode(data, size, &fz->ops, 0, &fz->t) < 0) {
    fprintf(stderr, "closeonce fuzz: out of memory\n");
    abort();
  }
  if (fz->no_faults) {
    size_t i, n = 0;
    for (i = 0; i < fz->t.len; i++)
      if (fz->t.ops[i].kind != CO_OP_FAIL)
        fz->t.ops[n++] = fz->t.ops[i];
    fz->t.len = n;
  }
  if (co_exec_run(fz->ex, &fz->t, &v) == CO_V_OK)
    return 0;
  report(fz, v);
  abort();
}
