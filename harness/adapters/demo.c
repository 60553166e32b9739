/*
 * The demo library (demolib.h) as an adapter: its contract, as its header
 * documents it, and the glue. The variant selects planted bugs, each object
 * made with them. The glue's state is the executor's: the serial of the
 * files it makes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "closeonce/contract.h"
#include "closeonce/error.h"
#include "demolib.h"

/* demo_open in C: on Windows demolib makes the file delete-on-close. */
#ifdef _WIN32
#define DEMO_OPEN_C                                                            \
  "$o = demo_open_planted($path, $variant);\n$r = $o ? 0 : -1;"
#else
#define DEMO_OPEN_C                                                            \
  "$o = demo_open_planted($path, $variant);\n"                                 \
  "if ($o)\n"                                                                  \
  "  unlink($path);\n"                                                         \
  "$r = $o ? 0 : -1;"
#endif

static const struct co_mode rw[] = {
    {"rw", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0, 0}, {NULL, 0, 0, 0, 0, 0}};

enum { E_OPEN, E_ADOPT, E_FD, E_EXPORT, E_DETACH, E_WRITE, E_CLOSE };

static const struct co_entry entries[] = {
    {"demo_open", CO_EFF_OPEN, 0, CO_IO_EXACT, 1, rw,
     "demolib.h: makes a file and owns its descriptor", NULL, DEMO_OPEN_C},
    {"demo_adopt", CO_EFF_ADOPT_ON_SUCCESS, CO_CHK_VALID, CO_IO_EXACT, 1, rw,
     "demolib.h: takes ownership on success; EBADF and the caller keeps it "
     "when it is not open",
     NULL, "$o = demo_adopt_planted($fd, $variant);\n$r = $o ? 0 : -1;"},
    {"demo_fd", CO_EFF_LEND, 0, CO_IO_EXACT, 1, NULL,
     "demolib.h: lends the descriptor; demo still owns and closes it", NULL,
     "$r = demo_fd($o);"},
    {"demo_export", CO_EFF_DUP, 0, CO_IO_EXACT, 1, NULL,
     "demolib.h: returns a duplicate the caller owns", NULL,
     "$r = demo_export($o);"},
    {"demo_detach", CO_EFF_DETACH, 0, CO_IO_EXACT, 1, NULL,
     "demolib.h: frees the object, the caller owns the descriptor", NULL,
     "$r = demo_detach($o);"},
    {"demo_write", CO_EFF_USE, 0, CO_IO_EXACT, 1, NULL,
     "demolib.h: one write(2) through the descriptor", NULL,
     "$r = demo_write($o, $buf, (size_t)$n);"},
    {"demo_close", CO_EFF_CLOSE, 0, CO_IO_EXACT, 1, NULL,
     "demolib.h: closes the descriptor and frees the object", NULL,
     "$r = demo_close($o);"},
};

/* The reproducer's C (closeonce/contract.h): demolib.c built with it, each
 * object with the target's planted bugs. */
static const struct co_contract_c repro = {
    .head = "#include \"demolib.h\"",
    .build = "-I harness/adapters harness/adapters/demolib.c"};

static const struct co_contract contract = {.layer = "demo",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .repro = &repro};

/* One executor's glue state. */
struct demo_glue {
  unsigned serial; /* of the files demo_open makes */
};

static int demo_state_new(const struct co_glue_env *env, void **state,
                          char *err, size_t cap) {
  struct demo_glue *g = calloc(1, sizeof *g);
  (void)env;
  if (!g) {
    snprintf(err, cap, "demo glue: out of memory");
    return -1;
  }
  *state = g;
  return 0;
}

static void demo_state_free(void *state) {
  free(state);
}

static void demo_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                      void **obj, int64_t fd, int32_t n,
                      struct co_outcome *out) {
  static const char buf[256];
  struct demo_glue *g = env->state;
  struct demo *d = *obj;
  long r = 0;
  (void)mode;
  errno = 0;
  switch (e) {
  case E_OPEN: {
    char path[4200];
    if (!g) {
      r = -1;
      errno = ENOMEM;
      break;
    }
    snprintf(path, sizeof path, "%s/demo-%u", env->dir, g->serial++);
    d = demo_open_planted(path, env->variant);
#ifndef _WIN32
    if (d)
      unlink(path); /* on Windows demolib creates it delete-on-close */
#endif
    *obj = d;
    r = d ? 0 : -1;
    break;
  }
  case E_ADOPT:
    d = demo_adopt_planted((int)fd, env->variant);
    *obj = d;
    r = d ? 0 : -1;
    break;
  case E_FD:
    r = demo_fd(d);
    break;
  case E_EXPORT:
    r = demo_export(d);
    break;
  case E_DETACH:
    r = demo_detach(d);
    *obj = NULL;
    break;
  case E_WRITE:
    r = demo_write(d, buf, (size_t)n);
    break;
  case E_CLOSE:
    r = demo_close(d);
    *obj = NULL;
    break;
  default:
    r = -1;
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t demo_handle_of(void *obj) {
  return demo_fd(obj);
}

/* Issue 21: the fixture's library is a shared object of its own on Linux
 * (CMakeLists.txt co_fixture_kind): its calls are attributed and faulted
 * (docs/faults.md). */
#if defined(CO_FIXTURES_SHARED)
static const char *const lib_objects[] = {"libco_fixtures.so", NULL};
#else
#define lib_objects NULL
#endif

const struct co_adapter co_adapter_demo = {.version = CO_ADAPTER_VERSION,
                                           .objects = lib_objects,
                                           .contract = &contract,
                                           .call = demo_call,
                                           .handle_of = demo_handle_of,
                                           .state_new = demo_state_new,
                                           .state_free = demo_state_free};
