/*
 * The descriptor pager (pager/vfd.h) as a paged layer: its contract, as the
 * header states it, and the glue. The glue's state is the executor's (struct
 * vfd_glue, made by state_new): one pager per trace, made by the first call
 * that creates a virtual descriptor, freed when the last one is closed (the
 * executor's teardown closes every object), with the target's window, the
 * trace's watermark and the variant's planted bugs. An object is a struct
 * vobj: its pager's state and its virtual descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "closeonce/contract.h"
#include "closeonce/error.h"
#ifdef VFD_PLANTED
#include "vfd_planted.h" /* this tree's programs: the planted bugs */
#else
#include "vfd.h"
#endif
#ifdef _WIN32
#include "win32/win32.h"
#endif

#define RW (CO_NEED_READ | CO_NEED_WRITE)
#ifdef _WIN32
static const struct co_mode open_modes[] = {
    {.name = "rw", .valid = 1, .needs = RW},
    {.name = "ro", .valid = 1, .needs = CO_NEED_READ},
    {.name = "append", .valid = 1, .needs = RW, .own = CO_OWN_APPEND},
    {.name = "text", .valid = 1, .needs = RW, .own = CO_OWN_TEXT},
    {.name = NULL}};
static const struct co_mode adopt_modes[] = {
    {.name = "keep", .valid = 1, .needs = RW},
    {.name = "append", .valid = 1, .needs = RW, .own = CO_OWN_APPEND},
    {.name = "text", .valid = 1, .needs = RW, .own = CO_OWN_TEXT},
    {.name = NULL}};
#else
static const struct co_mode open_modes[] = {
    {.name = "rw", .valid = 1, .needs = RW},
    {.name = "ro", .valid = 1, .needs = CO_NEED_READ},
    {.name = "cloexec", .valid = 1, .needs = RW, .own = CO_OWN_CLOEXEC},
    {.name = NULL}};
static const struct co_mode adopt_modes[] = {
    {.name = "keep", .valid = 1, .needs = RW},
    {.name = "cloexec", .valid = 1, .needs = RW, .own = CO_OWN_CLOEXEC},
    {.name = NULL}};
#endif

enum { E_OPEN, E_ADOPT, E_DUP, E_CLOSE, E_GET, E_PUT, E_WRITE, E_OUT, E_IN };

/* The entries' C where Win32 differs (closeonce/contract.h): the file
 * delete-on-close (_O_TEMPORARY), the handle argument a HANDLE, vget's
 * window descriptor lent as its HANDLE (the trace's slots hold handles),
 * the own flags append and text. */
#ifdef _WIN32
#define VFD_OPEN_FLAGS "_O_CREAT | _O_TEMPORARY,\n                0"
#define VFD_UNLINK ""
#define VFD_GET_C                                                              \
  "$r = vfd_get(vfd_pg, VFD($o));\n"                                           \
  "if ($r >= 0)\n"                                                             \
  "  $r = _get_osfhandle((int)$r);"
#define VFD_ADOPT_ARG "(vfd_native)$fd"
#define VFD_FLAGS_H                                                            \
  "  return !strcmp(mode, \"append\") ? VFD_APPEND\n"                          \
  "         : !strcmp(mode, \"text\") ? VFD_TEXT\n"                            \
  "                                  : 0;\n"
#else
#define VFD_OPEN_FLAGS "O_CREAT | O_TRUNC,\n                0600"
#define VFD_UNLINK "  if ($r >= 0)\n    unlink($path);\n"
#define VFD_GET_C "$r = vfd_get(vfd_pg, VFD($o));"
#define VFD_ADOPT_ARG "$fd"
#define VFD_FLAGS_H "  return strcmp(mode, \"cloexec\") ? 0 : VFD_CLOEXEC;\n"
#endif
#define VFD_OPEN_C                                                             \
  "if (vfd_pager_up($watermark) < 0) {\n"                                      \
  "  $o = NULL;\n"                                                             \
  "  $r = -1;\n"                                                               \
  "} else {\n"                                                                 \
  "  $r = vfd_open(vfd_pg, $path,\n"                                           \
  "                (strcmp($mode, \"ro\") ? O_RDWR : O_RDONLY) "               \
  "| " VFD_OPEN_FLAGS ", vfd_flags($mode));\n" VFD_UNLINK                      \
  "  $o = vfd_made((int)$r);\n"                                                \
  "  $r = $o ? 0 : -1;\n"                                                      \
  "}"

#define SRC "pager/vfd.h: "
static const struct co_entry entries[] = {
    {.name = "vopen",
     .effect = CO_EFF_OPEN,
     .sets_errno = 1,
     .modes = open_modes,
     .source = SRC "vfd_open: a new virtual descriptor, paged out; its "
                   "flags apply to every window copy",
     .c = VFD_OPEN_C},
    {.name = "vadopt",
     .effect = CO_EFF_ADOPT_ON_SUCCESS,
     .checks = CO_CHK_VALID,
     .sets_errno = 1,
     .modes = adopt_modes,
     .source = SRC "vfd_adopt: on success the pager owns it (POSIX: moved "
                   "above the watermark, the argument closed); on failure "
                   "the caller keeps it",
     .c = "if (vfd_pager_up($watermark) < 0) {\n"
          "  $o = NULL;\n"
          "  $r = -1;\n"
          "} else {\n"
          "  $o = vfd_made(vfd_adopt(vfd_pg, " VFD_ADOPT_ARG ", "
          "vfd_flags($mode)));\n"
          "  $r = $o ? 0 : -1;\n"
          "}"},
    {.name = "vdup",
     .effect = CO_EFF_DUP_OBJ,
     .sets_errno = 1,
     .source = SRC "vfd_dup: a second virtual descriptor on the same open "
                   "file, paged out, without VFD_CLOEXEC",
     .c = "$o = vfd_made(vfd_dup(vfd_pg, VFD($src)));\n$r = $o ? 0 : -1;"},
    {.name = "vclose",
     .effect = CO_EFF_CLOSE,
     .sets_errno = 1,
     .source = SRC "vfd_close: closes the window copy and the parked "
                   "descriptor",
     .c = "$r = vfd_close(vfd_pg, VFD($o));\nvfd_closed();"},
    {.name = "vget",
     .effect = CO_EFF_LEND,
     .sets_errno = 1,
     .source = SRC "vfd_get: lends the window descriptor, pinned until "
                   "vfd_put",
     .c = VFD_GET_C},
    {.name = "vput",
     .effect = CO_EFF_UNPIN,
     .sets_errno = 1,
     .source = SRC "vfd_put: returns a lent descriptor; EINVAL if none",
     .c = "$r = vfd_put(vfd_pg, VFD($o));"},
    {.name = "vwrite",
     .effect = CO_EFF_USE,
     .sets_errno = 1,
     .source = SRC "vfd_write: pages in and writes through the window copy",
     .c = "$r = vfd_write(vfd_pg, VFD($o), vfd_nl, (size_t)$n);"},
    {.name = "page_out",
     .effect = CO_EFF_PAGE_OUT,
     .sets_errno = 1,
     .source = SRC "vfd_page_out: closes the window copy; EBUSY if lent",
     .c = "$r = vfd_page_out(vfd_pg, VFD($o));"},
    {.name = "page_in",
     .effect = CO_EFF_PAGE_IN,
     .sets_errno = 1,
     .source = SRC "vfd_page_in: pages in, evicting the least recently "
                   "used unlent one when the window is full",
     .c = "$r = vfd_page_in(vfd_pg, VFD($o));"},
};

/* The reproducer's C (closeonce/contract.h), POSIX: as the glue, one pager
 * made by the first vopen/vadopt with the target's window and the trace's
 * watermark, freed with its last virtual descriptor; an object is its
 * virtual descriptor + 1. */
#ifdef VFD_PLANTED
#define VFD_REPRO_H "#include \"vfd_planted.h\"\n"
#define VFD_REPRO_NEW "vfd_pager_new_planted(&cfg, $variant & 0xffffu)"
#define VFD_REPRO_C "pager/vfd_planted.c"
#else
#define VFD_REPRO_H "#include \"vfd.h\"\n"
#define VFD_REPRO_NEW "vfd_pager_new(&cfg)"
#define VFD_REPRO_C "pager/vfd.c"
#endif
static const struct co_contract_c repro = {
    .head = VFD_REPRO_H
    "\n"
    "#define VFD(obj) ((int)((intptr_t)(obj)-1))\n"
    "static struct vfd_pager *vfd_pg;\n"
    "static unsigned vfd_nlive;\n"
    "static char vfd_nl[256];\n"
    "\n"
    "static inline int vfd_pager_up(int watermark) {\n"
    "  struct vfd_config cfg;\n"
    "  if (vfd_pg)\n"
    "    return 0;\n"
    "  cfg.window = $window;\n"
    "  cfg.watermark = watermark;\n"
    "  memset(vfd_nl, '\\n', sizeof vfd_nl);\n"
    "  vfd_pg = " VFD_REPRO_NEW ";\n"
    "  return vfd_pg ? 0 : -1;\n"
    "}\n"
    "\n"
    "static inline void *vfd_made(int v) {\n"
    "  if (v < 0)\n"
    "    return NULL;\n"
    "  vfd_nlive++;\n"
    "  return (void *)(intptr_t)(v + 1);\n"
    "}\n"
    "\n"
    "static inline void vfd_closed(void) {\n"
    "  if (--vfd_nlive == 0) {\n"
    "    vfd_pager_free(vfd_pg);\n"
    "    vfd_pg = NULL;\n"
    "  }\n"
    "}\n"
    "\n"
    "static inline unsigned vfd_flags(const char *mode) {\n" VFD_FLAGS_H "}",
    .build = "-I pager " VFD_REPRO_C};

static const struct co_contract contract = {.layer = "vfd",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .paged = 1,
                                            .repro = &repro};

/* One executor's glue state: the trace's pager, how many of its virtual
 * descriptors are live, and the serial of the files it makes. */
struct vfd_glue {
  struct vfd_pager *pager;
  size_t nlive;
  unsigned serial;
};

/* An object: a virtual descriptor of g's pager. */
struct vobj {
  struct vfd_glue *g;
  int v;
};

#define NL16                                                                   \
  '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n',      \
      '\n', '\n', '\n', '\n'
#define NL64 NL16, NL16, NL16, NL16
/* What vwrite writes: newlines, so that text mode shows in the offsets. */
static const char newlines[256] = {NL64, NL64, NL64, NL64};

static int vfd_state_new(const struct co_glue_env *env, void **state, char *err,
                         size_t cap) {
  struct vfd_glue *g = calloc(1, sizeof *g);
  (void)env;
  if (!g) {
    snprintf(err, cap, "vfd glue: out of memory");
    return -1;
  }
  *state = g;
  return 0;
}

static void vfd_state_free(void *state) {
  struct vfd_glue *g = state;
  if (g)
    vfd_pager_free(g->pager);
  free(g);
}

static int of_obj(void *obj) {
  return ((struct vobj *)obj)->v;
}

static struct vfd_pager *pager_of(void *obj) {
  return ((struct vobj *)obj)->g->pager;
}

static unsigned own_flags(unsigned own) {
  return ((own & CO_OWN_CLOEXEC) ? VFD_CLOEXEC : 0) |
         ((own & CO_OWN_APPEND) ? VFD_APPEND : 0) |
         ((own & CO_OWN_TEXT) ? VFD_TEXT : 0);
}

static int ensure_pager(struct vfd_glue *g, const struct co_glue_env *env) {
  struct vfd_config cfg;
  if (g->pager)
    return 0;
  cfg.window = env->window ? env->window : 1;
  cfg.watermark = (int)env->watermark;
#ifdef VFD_PLANTED
  /* the variant's low bits: the planted bugs (the window is env->window) */
  g->pager = vfd_pager_new_planted(&cfg, env->variant & 0xffffu);
#else
  g->pager = vfd_pager_new(&cfg);
#endif
  return g->pager ? 0 : -1;
}

/* A virtual descriptor was made (v >= 0: its object, or ENOMEM and it is
 * closed again) or closed. Returns 0 or -1. */
static int made(struct vfd_glue *g, void **obj, int v) {
  struct vobj *o;
  *obj = NULL;
  if (v < 0)
    return -1;
  if (!(o = malloc(sizeof *o))) {
    vfd_close(g->pager, v);
    errno = ENOMEM;
    return -1;
  }
  o->g = g;
  o->v = v;
  *obj = o;
  g->nlive++;
  return 0;
}

static void closed(void **obj) {
  struct vfd_glue *g = ((struct vobj *)*obj)->g;
  free(*obj);
  *obj = NULL;
  if (--g->nlive == 0) {
    vfd_pager_free(g->pager);
    g->pager = NULL;
  }
}

static void vfd_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                     void **obj, int64_t fd, int32_t n,
                     struct co_outcome *out) {
  struct vfd_glue *g = env->state;
  struct vfd_pager *pager = *obj && e != E_OPEN && e != E_ADOPT ? pager_of(*obj)
                            : g                                 ? g->pager
                                                                : NULL;
  long r = -1;
  int v;
  errno = 0;
  if ((e == E_OPEN || e == E_ADOPT) &&
      (!g || ensure_pager(g, env) < 0 || !(pager = g->pager))) {
    co_outcome_from_c(out, -1, g ? errno : ENOMEM);
    return;
  }
  switch (e) {
  case E_OPEN: {
    char path[4200];
    const struct co_mode *md = &open_modes[mode];
    int acc = md->needs == CO_NEED_READ ? O_RDONLY : O_RDWR;
    snprintf(path, sizeof path, "%s/vfd-%u", env->dir, g->serial++);
#ifdef _WIN32
    v = vfd_open(pager, path, acc | _O_CREAT | _O_TEMPORARY, 0,
                 own_flags(md->own));
#else
    v = vfd_open(pager, path, acc | O_CREAT | O_TRUNC, 0600,
                 own_flags(md->own));
    if (v >= 0)
      unlink(path);
#endif
    r = made(g, obj, v);
    break;
  }
  case E_ADOPT:
#ifdef _WIN32
    v = vfd_adopt(pager, (vfd_native)(intptr_t)fd,
                  own_flags(adopt_modes[mode].own));
#else
    v = vfd_adopt(pager, (vfd_native)fd, own_flags(adopt_modes[mode].own));
#endif
    r = made(g, obj, v);
    break;
  case E_CLOSE:
    r = vfd_close(pager, of_obj(*obj));
    closed(obj);
    break;
  case E_GET:
    r = vfd_get(pager, of_obj(*obj));
#ifdef _WIN32
    /* the trace's slots hold handles: lend the window descriptor's */
    if (r >= 0)
      r = (long)co_crt_peek_osfhandle((int)r);
#endif
    break;
  case E_PUT:
    r = vfd_put(pager, of_obj(*obj));
    break;
  case E_WRITE:
    r = vfd_write(pager, of_obj(*obj), newlines, (size_t)n);
    break;
  case E_OUT:
    r = vfd_page_out(pager, of_obj(*obj));
    break;
  case E_IN:
    r = vfd_page_in(pager, of_obj(*obj));
    break;
  default:
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
}

static void vfd_call2(const struct co_glue_env *env, unsigned e, unsigned mode,
                      void *src, void **dst, struct co_outcome *out) {
  struct vfd_glue *g = ((struct vobj *)src)->g;
  long r;
  (void)env;
  (void)mode;
  errno = 0;
  if (e != E_DUP) {
    *dst = NULL;
    co_outcome_from_c(out, -1, ENOSYS);
    return;
  }
  r = made(g, dst, vfd_dup(g->pager, of_obj(src)));
  co_outcome_from_c(out, r, errno);
}

static int64_t vfd_handle_of(void *obj) {
#ifdef _WIN32
  return (int64_t)(intptr_t)vfd_parked(pager_of(obj), of_obj(obj));
#else
  return vfd_parked(pager_of(obj), of_obj(obj));
#endif
}

static int64_t vfd_window_handle(void *obj) {
  int fd = vfd_window_of(pager_of(obj), of_obj(obj));
#ifdef _WIN32
  return fd < 0 ? -1 : co_crt_peek_osfhandle(fd);
#else
  return fd;
#endif
}

#ifdef _WIN32
/* The C runtime's numbers in use, probed at trace start: page-ins take the
 * lowest free one. */
static int vfd_number_open(int64_t n) {
  return co_crt_peek_osfhandle((int)n) != -1;
}
#endif

/* Issue 21: the fixture's library is a shared object of its own on Linux
 * (CMakeLists.txt co_fixture_kind): its calls are attributed and faulted
 * (docs/faults.md). */
#if defined(VFD_PLANTED) && defined(CO_FIXTURES_SHARED)
static const char *const lib_objects[] = {"libvfd_planted.so", NULL};
#else
#define lib_objects NULL
#endif

const struct co_adapter co_adapter_vfd = {.version = CO_ADAPTER_VERSION,
                                          .objects = lib_objects,
#ifdef _WIN32
                                          .number_open = vfd_number_open,
#endif
                                          .contract = &contract,
                                          .call = vfd_call,
                                          .call2 = vfd_call2,
                                          .handle_of = vfd_handle_of,
                                          .window_of = vfd_window_handle,
                                          .state_new = vfd_state_new,
                                          .state_free = vfd_state_free};
