/*
 * The adapter registry: entry ids, names, lookups.
 *
 * Its life has two phases. Registration: the built-in adapters are added
 * exactly once (pthread_once / InitOnceExecuteOnce, before any lookup
 * answers), then a program adds its own (co_adapter_register, one thread,
 * at start-up). Frozen: the first executor freezes it
 * (co_registry_freeze); from then on nothing writes these tables, so
 * lookups from any number of threads are plain reads, and a registration
 * fails with a message.
 */
#include "closeonce/contract.h"

#include "closeonce/error.h"
#include "repro_tpl.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <pthread.h>
#endif

#define ADAPTERS_MAX 32

/* The registry's tables: written only in the registration phase. */
static const struct co_adapter *adapters[ADAPTERS_MAX];
static int first_entry[ADAPTERS_MAX];
static size_t nadapters;
static struct co_entry_ref entries[CO_ENTRIES_MAX];
static unsigned nentries;
/* The phase: 1 once frozen (set once, never cleared). */
static atomic_int frozen;

static const char *const effect_names[CO_EFF_COUNT] = {
    "open",       "adopt",     "adopt-on-success",
    "borrow",     "lend",      "dup",
    "detach",     "close",     "use",
    "dup-object", "dup-onto",  "wrap",
    "number",     "unpin",     "page-out",
    "page-in",    "adopt-dup", "seek",
    "stat",       "size",      "resize",
    "read",       "setmode"};

/* Entries whose glue takes two objects (call2). */
static int takes_two(enum co_effect f) {
  return f == CO_EFF_DUP_OBJ || f == CO_EFF_DUP2_OBJ || f == CO_EFF_WRAP;
}

/* An entry's shape from its effect: what the trace's operation binds and
 * names (co_call_binds, co_call_target, co_op_nrefs, co_op_has_obj). */
static void entry_resolve(struct co_entry_ref *r, const struct co_adapter *a,
                          unsigned i) {
  const struct co_entry *e = &a->contract->entries[i];
  int ref = co_effect_takes_fd(e->effect);
  r->e = e;
  r->adapter = a;
  r->index = i;
  r->nmodes = co_entry_nmodes(e);
  switch (e->effect) {
  case CO_EFF_OPEN:
  case CO_EFF_ADOPT:
  case CO_EFF_ADOPT_ON_SUCCESS:
  case CO_EFF_BORROW:
  case CO_EFF_ADOPT_DUP:
  case CO_EFF_DUP_OBJ:
  case CO_EFF_WRAP:
    r->binds = 1;
    break;
  case CO_EFF_LEND:
  case CO_EFF_DUP:
  case CO_EFF_DETACH:
    r->binds = 2;
    break;
  default:
    r->binds = 0;
  }
  r->target = e->effect == CO_EFF_DUP2_OBJ;
  r->nrefs = ref;
  r->has_obj = e->effect != CO_EFF_OPEN && !ref;
  r->two = (uint8_t)takes_two(e->effect);
}

int co_adapter_paged(const struct co_adapter *a) {
  return a && a->version >= 3 && a->contract->paged;
}

const char *co_effect_name(enum co_effect e) {
  return (unsigned)e < CO_EFF_COUNT ? effect_names[e] : "?";
}

/* (Not through builtins(): do_register runs inside its once.) */
static int entry_find(const char *name, size_t len) {
  unsigned i;
  for (i = 0; i < nentries; i++) {
    const char *n = entries[i].e->name;
    if (strlen(n) == len && !memcmp(n, name, len))
      return (int)i;
  }
  return -1;
}

#define KNOWN_IO                                                               \
  (CO_IO_OPAQUE | CO_IO_STICKY | CO_IO_SILENT | CO_IO_READS |                  \
   CO_IO_CLOSES_ANY | CO_IO_ACCESS_ONCE | CO_IO_AS_RUN | CO_IO_KEEPS_STD |     \
   CO_IO_DOSERRNO | CO_IO_NONBLOCK | CO_IO_SETS_CLOEXEC)
#define KNOWN_CHK                                                              \
  (CO_CHK_VALID | CO_CHK_ACCESS | CO_CHK_ANY | CO_CHK_SOCKET | CO_CHK_POLL |   \
   CO_CHK_WANTS_SOCKET | CO_CHK_DIR)
#define KNOWN_NEEDS                                                            \
  (CO_NEED_READ | CO_NEED_WRITE | CO_THEN_READ | CO_THEN_WRITE)
#define KNOWN_OWN                                                              \
  (CO_OWN_APPEND | CO_OWN_TEXT | CO_OWN_CLOEXEC | CO_OWN_UTF16 | CO_OWN_UTF8)

int co_effect_takes_fd(enum co_effect f) {
  return f == CO_EFF_ADOPT || f == CO_EFF_ADOPT_ON_SUCCESS ||
         f == CO_EFF_BORROW || f == CO_EFF_ADOPT_DUP;
}
int co_effect_takes_n(enum co_effect f) {
  return f == CO_EFF_USE || f == CO_EFF_SEEK || f == CO_EFF_RESIZE ||
         f == CO_EFF_READ;
}
/* Windows chooses HANDLE values: the model binds them from the platform. */
#ifdef _WIN32
#define HANDLES_FROM_OS 1
#else
#define HANDLES_FROM_OS 0
#endif

/* What in an entry's modes contradicts itself, or NULL (field in *field). */
static const char *mode_contradiction(const struct co_entry *e,
                                      const char **field) {
  const struct co_mode *md;
  if (!e->modes)
    return NULL;
  *field = "modes";
  if (!co_effect_takes_fd(e->effect) && e->effect != CO_EFF_OPEN &&
      e->effect != CO_EFF_WRAP && e->effect != CO_EFF_SEEK &&
      e->effect != CO_EFF_SETMODE)
    return "only an entry that makes an object (open, adopt, "
           "adopt-on-success, borrow, adopt-dup, wrap), seeks or sets a "
           "mode takes a mode word";
  for (md = e->modes; md->name; md++) {
    if (md->needs & ~KNOWN_NEEDS)
      return "a mode's needs has bits that are not CO_NEED_* or CO_THEN_*";
    if (md->seeks_end > CO_SEEK_IF_SET_APPEND)
      return e->effect == CO_EFF_SEEK
                 ? "a seek mode's seeks_end is not a CO_WHENCE_* value"
                 : "a mode's seeks_end is not a CO_SEEK_* value";
    if (md->own & ~KNOWN_OWN)
      return "a mode's own has bits that are not CO_OWN_*";
    if (!*md->name)
      return "a mode has an empty name (traces could not name it)";
  }
  return NULL;
}

/* What in entry e of a contradicts itself, or NULL; *field names the field.
 * Checked when the adapter registers, so a contract that cannot mean
 * anything is refused at start-up, naming the entry and the field. */
static const char *entry_contradiction(const struct co_adapter *a,
                                       const struct co_entry *e,
                                       const char **field) {
  const struct co_contract *c = a->contract;
  *field = "effect";
  if (e->effect == CO_EFF_SETMODE && !c->numbered)
    return "setmode is a numbered layer's entry (its descriptors' mode)";
  *field = "io";
  if (e->io & ~KNOWN_IO)
    return "unknown CO_IO_* bits";
  if ((e->io & CO_IO_NONBLOCK) && !co_effect_takes_fd(e->effect))
    return "CO_IO_NONBLOCK is an entry's that takes a descriptor (adopt, "
           "adopt-on-success, borrow, adopt-dup)";
  if ((e->io & CO_IO_KEEPS_STD) && e->effect != CO_EFF_CLOSE)
    return "CO_IO_KEEPS_STD is a close entry's";
  if ((e->io & CO_IO_CLOSES_ANY) && e->effect != CO_EFF_CLOSE)
    return "CO_IO_CLOSES_ANY is a close entry's: this entry does not free "
           "its object (a borrow that closes is a CLOSE entry with "
           "CO_IO_CLOSES_ANY, or an adopting entry)";
  if (e->io & CO_IO_AS_RUN) {
    if (e->io & (CO_IO_OPAQUE | CO_IO_STICKY | CO_IO_SILENT))
      return "CO_IO_AS_RUN takes the outcome as the library ran; "
             "CO_IO_OPAQUE, CO_IO_STICKY and CO_IO_SILENT predict it";
    if (c->numbered || (a->version >= 3 && c->paged))
      return "CO_IO_AS_RUN is not for numbered or paged layers";
    if (e->effect == CO_EFF_ADOPT_DUP)
      return "CO_IO_AS_RUN is not for adopt-dup entries (the model makes "
             "the duplicate as the platform would)";
    if (e->effect == CO_EFF_OPEN && !a->handle_of)
      return "an ownership-first OPEN needs the adapter's handle_of (the "
             "model takes the descriptor it made from there)";
    if (!co_effect_takes_fd(e->effect) && e->effect != CO_EFF_OPEN &&
        e->effect != CO_EFF_LEND && e->effect != CO_EFF_DUP &&
        e->effect != CO_EFF_DETACH && e->effect != CO_EFF_CLOSE &&
        e->effect != CO_EFF_USE)
      return "CO_IO_AS_RUN is for open, adopt, adopt-on-success, borrow, "
             "lend, dup, detach, close and use entries";
  }
  *field = "checks";
  if (e->checks & ~KNOWN_CHK)
    return "unknown CO_CHK_* bits";
  if (e->checks && !co_effect_takes_fd(e->effect))
    return "checks are made by an entry that takes a descriptor (adopt, "
           "adopt-on-success, borrow)";
  if ((e->checks & CO_CHK_ANY) && (e->checks & CO_CHK_VALID))
    return "CO_CHK_ANY (takes any int without looking) contradicts "
           "CO_CHK_VALID (fails on a descriptor that is not open)";
  if ((e->checks & CO_CHK_ANY) && (e->checks & CO_CHK_SOCKET))
    return "CO_CHK_ANY (takes any int without looking) contradicts "
           "CO_CHK_SOCKET (asks the descriptor whether it is a socket)";
  if ((e->checks & CO_CHK_SOCKET) && (e->checks & CO_CHK_WANTS_SOCKET))
    return "CO_CHK_SOCKET refuses every kind but a socket already: "
           "CO_CHK_WANTS_SOCKET says nothing more";
  return mode_contradiction(e, field);
}

/* What co_contract.over says that this build cannot run, or NULL. */
static const char *over_mismatch(const struct co_adapter *a) {
  int over = a->version >= 6 ? a->contract->over : CO_OVER_ANY;
#ifdef _WIN32
  if (over == CO_OVER_POSIX_FD)
    return "contract.over is CO_OVER_POSIX_FD (POSIX descriptors), and this "
           "is a Windows build (HANDLEs and C-runtime descriptors): build the "
           "adapter for POSIX, or declare it over CO_OVER_WIN32_HANDLE or "
           "CO_OVER_CRT_FD";
#else
  if (over == CO_OVER_WIN32_HANDLE || over == CO_OVER_CRT_FD)
    return over == CO_OVER_CRT_FD
               ? "contract.over is CO_OVER_CRT_FD (the C runtime's "
                 "descriptors, Windows), and this is a POSIX build: build "
                 "the adapter with the Windows toolchain (mingw-w64)"
               : "contract.over is CO_OVER_WIN32_HANDLE (Win32 HANDLEs), and "
                 "this is a POSIX build: build the adapter with the Windows "
                 "toolchain (mingw-w64)";
#endif
  if (over < CO_OVER_ANY || over > CO_OVER_CRT_FD)
    return "contract.over is not a CO_OVER_* value";
  return NULL;
}

static int do_register(const struct co_adapter *a, char *err, size_t cap) {
  const struct co_contract *c = a->contract;
  const char *why, *field;
  size_t i;
  int has_close = 0;
  if (a->version < 1 || a->version > CO_ADAPTER_VERSION || !c || !a->call) {
    snprintf(err, cap, "adapter %s: bad version or missing contract/call",
             c && c->layer ? c->layer : "?");
    return -1;
  }
  if ((why = over_mismatch(a)) != NULL) {
    snprintf(err, cap, "adapter %s: %s", c->layer ? c->layer : "?", why);
    return -1;
  }
  if (nadapters == ADAPTERS_MAX || nentries + c->nentries > CO_ENTRIES_MAX) {
    snprintf(err, cap, "adapter %s: registry full", c->layer);
    return -1;
  }
  for (i = 0; i < nadapters; i++)
    if (adapters[i] == a)
      return 0;
    else if (!strcmp(adapters[i]->contract->layer, c->layer)) {
      snprintf(err, cap, "layer name %s is taken", c->layer);
      return -1;
    }
  for (i = 0; i < c->nentries; i++) {
    const struct co_entry *e = &c->entries[i];
    if (!e->name || entry_find(e->name, strlen(e->name)) >= 0 ||
        (unsigned)e->effect >= CO_EFF_COUNT) {
      snprintf(err, cap,
               "adapter %s: entry %zu (%s) is unnamed, taken or "
               "has no valid effect",
               c->layer, i, e->name ? e->name : "?");
      return -1;
    }
    if ((why = entry_contradiction(a, e, &field)) != NULL) {
      snprintf(err, cap, "adapter %s: entry %s: field %s: %s", c->layer,
               e->name, field, why);
      return -1;
    }
    if (e->effect == CO_EFF_CLOSE)
      has_close = 1;
    if (takes_two(e->effect) && (a->version < 2 || !a->call2)) {
      snprintf(err, cap, "adapter %s: %s takes two objects: it needs call2",
               c->layer, e->name);
      return -1;
    }
    if (e->effect == CO_EFF_WRAP && (!e->inner || !*e->inner)) {
      snprintf(err, cap,
               "adapter %s: %s wraps an object: name its layer in inner",
               c->layer, e->name);
      return -1;
    }
    if (e->effect == CO_EFF_NUMBER && (a->version < 2 || !a->number_of)) {
      snprintf(err, cap, "adapter %s: %s returns a number: it needs number_of",
               c->layer, e->name);
      return -1;
    }
    if ((e->effect == CO_EFF_UNPIN || e->effect == CO_EFF_PAGE_OUT ||
         e->effect == CO_EFF_PAGE_IN) &&
        (a->version < 3 || !c->paged)) {
      snprintf(err, cap,
               "adapter %s: %s pages: only a paged layer (version 3, "
               "contract.paged) has it",
               c->layer, e->name);
      return -1;
    }
    if (e->effect == CO_EFF_ADOPT_DUP &&
        ((a->version >= 3 && c->paged) || (HANDLES_FROM_OS && !a->handle_of))) {
      snprintf(err, cap, "adapter %s: %s makes a duplicate: %s", c->layer,
               e->name,
               c->paged ? "not in a paged layer"
                        : "on Windows it needs handle_of (the model takes the "
                          "duplicate's HANDLE value from there)");
      return -1;
    }
    if (co_entry_nmodes(e) > CO_MODES_MAX) {
      snprintf(err, cap, "adapter %s: %s has more than %d modes", c->layer,
               e->name, CO_MODES_MAX);
      return -1;
    }
  }
  if (c->numbered && (a->version < 2 || !a->number_of || !a->number_open)) {
    snprintf(err, cap,
             "adapter %s: a numbered layer needs number_of and number_open",
             c->layer);
    return -1;
  }
  if (a->version >= 3 && c->paged &&
      (!a->window_of || !a->handle_of || c->numbered)) {
    snprintf(err, cap,
             "adapter %s: a paged layer needs window_of and handle_of, and "
             "is not numbered",
             c->layer);
    return -1;
  }
  if (a->version >= 4 && a->state_free && !a->state_new) {
    snprintf(err, cap, "adapter %s: state_free without state_new", c->layer);
    return -1;
  }
  /* the reproducer's templates (version 5): checked now, not at repro */
  if (co__repro_check(a, err, cap) < 0)
    return -1;
  if (!has_close) {
    snprintf(err, cap, "adapter %s: no CLOSE entry (needed for teardown)",
             c->layer);
    return -1;
  }
  first_entry[nadapters] = (int)nentries;
  adapters[nadapters++] = a;
  for (i = 0; i < c->nentries; i++) {
    entries[nentries].first = first_entry[nadapters - 1];
    entry_resolve(&entries[nentries++], a, (unsigned)i);
  }
  return 0;
}

/* A built-in adapter that does not register is a bug of this program. */
static void builtin(const struct co_adapter *a) {
  char err[160];
  if (do_register(a, err, sizeof err) < 0) {
    fprintf(stderr, "closeonce: built-in %s\n", err);
    abort();
  }
}

static void register_builtins(void) {
#ifdef _WIN32
  builtin(&co_adapter_crt);
  builtin(&co_adapter_crt_stdio);
#else
  builtin(&co_adapter_stdio);
  builtin(&co_adapter_zlib);
  builtin(&co_adapter_dirent);
#endif
  builtin(&co_adapter_vfd);
}

/* The built-ins, registered exactly once whichever thread asks first. */
#ifdef _WIN32
static INIT_ONCE builtins_once = INIT_ONCE_STATIC_INIT;
static BOOL CALLBACK builtins_cb(PINIT_ONCE once, PVOID p, PVOID *ctx) {
  (void)once;
  (void)p;
  (void)ctx;
  register_builtins();
  return TRUE;
}
static void builtins_slow(void) {
  InitOnceExecuteOnce(&builtins_once, builtins_cb, NULL, NULL);
}
#else
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;
static void builtins_slow(void) {
  pthread_once(&builtins_once, register_builtins);
}
#endif

/* Frozen implies registered (co_registry_freeze registers first), and a
 * frozen registry never changes: the lookups on every step skip the once. */
static inline void builtins(void) {
  if (!atomic_load_explicit(&frozen, memory_order_acquire))
    builtins_slow();
}

void co_registry_freeze(void) {
  builtins_slow();
  atomic_store_explicit(&frozen, 1, memory_order_release);
}

int co_registry_frozen(void) {
  return atomic_load_explicit(&frozen, memory_order_acquire);
}

int co_adapter_register(const struct co_adapter *a, char *err, size_t cap) {
  size_t i;
  builtins();
  for (i = 0; i < nadapters; i++)
    if (adapters[i] == a)
      return 0; /* registered already: nothing changes */
  if (co_registry_frozen()) {
    snprintf(err, cap,
             "adapter %s: the adapter registry is frozen (an executor "
             "exists): register adapters before creating the first "
             "executor",
             a && a->contract && a->contract->layer ? a->contract->layer : "?");
    return -1;
  }
  return do_register(a, err, cap);
}

const struct co_adapter *co_adapter_find(const char *layer) {
  size_t i;
  builtins();
  for (i = 0; i < nadapters; i++)
    if (!strcmp(adapters[i]->contract->layer, layer))
      return adapters[i];
  return NULL;
}

int co_adapter_first_entry(const struct co_adapter *a) {
  size_t i;
  builtins();
  for (i = 0; i < nadapters; i++)
    if (adapters[i] == a)
      return first_entry[i];
  return -1;
}

int co_entry_find(const char *name, size_t len) {
  builtins();
  return entry_find(name, len);
}

const struct co_entry *
co_entry_get(unsigned id, const struct co_adapter **adapter, unsigned *index) {
  builtins();
  if (id >= nentries)
    return NULL;
  if (adapter)
    *adapter = entries[id].adapter;
  if (index)
    *index = entries[id].index;
  return entries[id].e;
}

const struct co_entry_ref *co_entry_ref(unsigned id) {
  builtins();
  return id < nentries ? &entries[id] : NULL;
}

unsigned co_entry_nmodes(const struct co_entry *e) {
  unsigned n = 0;
  if (e->modes)
    while (e->modes[n].name)
      n++;
  return n;
}

void co_outcome_from_c(struct co_outcome *out, long r, int e) {
  out->ret = r < 0 ? -1 : r;
  out->raw = r < 0 ? e : 0;
  out->err = co_err_from_errno(out->raw);
  out->data = out->dmask = 0;
}

void co_outcome_failed_if(struct co_outcome *out, long r, int raw) {
  out->ret = r < 0 ? -1 : r;
  out->raw = r < 0 ? raw : 0;
  out->err = r < 0 ? CO_OTHER : CO_OK;
}

void co_outcome_value(struct co_outcome *out, long v) {
  out->ret = v;
  out->raw = 0;
  out->err = CO_OK;
}
