/*
 * racelib (racelib.h), a library with a closer thread of its own, as an
 * adapter: its contract, as its header documents it, and the glue. The
 * glue's state is one instance of the library per executor, made with the
 * target's variant (the planted races, RL_BUG_*), and put back as it was
 * before every trace (rl_lib_reset). POSIX (issue 22,
 * docs/threads.md#racelib).
 *
 * The contract has no entry that hands the client an object's descriptor
 * (no lend, no adopt): what rl_post queued is written out at a time the
 * contract leaves open (CO_IO_OPAQUE), and no client call can see when.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"
#include "racelib.h"

static const struct co_mode open_modes[] = {
    {.name = "rw", .valid = 1, .needs = CO_NEED_READ | CO_NEED_WRITE},
    {.name = NULL}};

enum { E_OPEN, E_WRITE, E_POST, E_CLOSE };

static const struct co_entry entries[] = {
    {.name = "rl_open",
     .effect = CO_EFF_OPEN,
     .sets_errno = 1,
     .modes = open_modes,
     .source = "racelib.h: makes a file and owns its descriptor",
     .c = "$o = rl_open(race_lib, $path);\n"
          "if ($o)\n"
          "  unlink($path);\n"
          "$r = $o ? 0 : -1;"},
    {.name = "rl_write",
     .effect = CO_EFF_USE,
     .sets_errno = 1,
     .source = "racelib.h: one write(2) through the descriptor, now",
     .c = "$r = rl_write($o, $buf, (size_t)$n);"},
    {.name = "rl_post",
     .effect = CO_EFF_USE,
     .io = CO_IO_OPAQUE | CO_IO_SILENT,
     .sets_errno = 1,
     .source = "racelib.h: queues the bytes (returns n whatever the "
               "descriptor is), written out by the object's close at the "
               "latest",
     .c = "$r = rl_post($o, $buf, (size_t)$n);"},
    {.name = "rl_close",
     .effect = CO_EFF_CLOSE,
     .io = CO_IO_OPAQUE,
     .sets_errno = 1,
     .source = "racelib.h: the closer thread writes out what was posted "
               "and closes the descriptor; returns once it is closed",
     .c = "$r = rl_close($o);"},
};

/* The reproducer's C (closeonce/contract.h): racelib.c built with it, the
 * library made with the target's planted races. */
static const struct co_contract_c repro = {
    .head = "#include \"racelib.h\"\nstatic struct rl_lib *race_lib;",
    .init = "race_lib = rl_lib_new($variant);\n"
            "if (!race_lib)\n"
            "  return 2;",
    .build = "-I harness/adapters harness/adapters/racelib.c -pthread"};

static const struct co_contract contract = {.layer = "race",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .repro = &repro,
                                            .over = CO_OVER_POSIX_FD};

/* One executor's glue state: its library, and the serial of the files
 * rl_open makes (atomic: a free run calls from several threads). */
struct race_glue {
  struct rl_lib *lib;
  atomic_uint serial;
};

static int race_state_new(const struct co_glue_env *env, void **state,
                          char *err, size_t cap) {
  struct race_glue *g = calloc(1, sizeof *g);
  if (!g || !(g->lib = rl_lib_new(env->variant))) {
    snprintf(err, cap, "racelib: rl_lib_new: %s",
             g ? "no closer thread or marker" : "out of memory");
    free(g);
    return -1;
  }
  atomic_init(&g->serial, 0);
  *state = g;
  return 0;
}

static void race_state_free(void *state) {
  struct race_glue *g = state;
  if (!g)
    return;
  rl_lib_free(g->lib);
  free(g);
}

static void race_reset(const struct co_glue_env *env) {
  struct race_glue *g = env->state;
  if (g)
    rl_lib_reset(g->lib);
}

static void race_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                      void **obj, int64_t fd, int32_t n,
                      struct co_outcome *out) {
  static const char buf[256];
  struct race_glue *g = env->state;
  struct rl *o = *obj;
  long r = -1;
  (void)mode;
  (void)fd;
  errno = 0;
  if (!g) {
    co_outcome_from_c(out, -1, ENOMEM);
    return;
  }
  switch (e) {
  case E_OPEN: {
    char path[4200];
    snprintf(path, sizeof path, "%s/race-%u", env->dir,
             atomic_fetch_add(&g->serial, 1));
    o = rl_open(g->lib, path);
    if (o)
      unlink(path);
    *obj = o;
    r = o ? 0 : -1;
    break;
  }
  case E_WRITE:
    r = rl_write(o, buf, (size_t)n);
    break;
  case E_POST:
    r = rl_post(o, buf, (size_t)n);
    break;
  case E_CLOSE:
    r = rl_close(o);
    *obj = NULL;
    break;
  default:
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t race_handle_of(void *obj) {
  return rl_fd(obj);
}

/* Issue 21: the fixture's library is a shared object of its own on Linux
 * (CMakeLists.txt co_fixture_kind): its calls on the calling thread are
 * attributed and faulted (docs/faults.md); the closer thread's are the
 * library's own thread's, never in a step. */
#if defined(CO_FIXTURES_SHARED)
static const char *const lib_objects[] = {"libco_fixtures.so", NULL};
#else
#define lib_objects NULL
#endif

const struct co_adapter co_adapter_race = {.version = CO_ADAPTER_VERSION,
                                           .objects = lib_objects,
                                           .contract = &contract,
                                           .call = race_call,
                                           .handle_of = race_handle_of,
                                           .state_new = race_state_new,
                                           .state_free = race_state_free,
                                           .reset = race_reset};
