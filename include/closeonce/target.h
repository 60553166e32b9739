/*
 * closeonce: targets. A target is a backend, the operations it accepts
 * (which also fixes how binary input decodes for it), the owner layers whose
 * entry points it calls, and the mode it runs in by default.
 */
#ifndef CLOSEONCE_TARGET_H
#define CLOSEONCE_TARGET_H

#include "closeonce/backend.h"
#include "closeonce/contract.h"
#include "closeonce/trace.h"

/* Modes: conformance traces may misuse handles on purpose and
 * the model predicts the platform's reaction; ownership events are
 * reported, not findings. In contract mode the client is well-behaved: the
 * moves a well-behaved client would not make are skipped when the input is
 * generated, and every ownership event is a finding
 * (docs/concepts.md#modes). */
enum co_mode_kind { CO_MODE_CONFORMANCE, CO_MODE_CONTRACT };
const char *co_mode_name(int mode);
/* Returns 0 and sets *mode, or -1 for an unknown name. */
int co_mode_parse(const char *name, int *mode);

struct co_target {
  const char *name;
  const char *summary;
  const struct co_backend *backend;
  const uint8_t *kinds; /* built-in operations */
  size_t nkinds;
  const char *layers[6]; /* adapter layer names; NULL after the last */
  unsigned variant;      /* passed to the adapters' glue */
  int mode;              /* default enum co_mode_kind */
  /* Filled when the target joins the registry (at program start for the
   * built-in ones, by co_target_register for the others): */
  struct co_opset ops;
  uint8_t entry_ids[CO_ENTRIES_MAX];
  /* issue 21: kinds followed by `fail` (docs/faults.md#fail), the opset's
   * kinds when a layer's library is interposed (co_adapter.objects) */
  uint8_t fault_kinds[64];
};
/* A paged layer's window (co_exec_window): tiny by default, so that
 * nearly every step of a trace pages. */
#define CO_WINDOW_DEFAULT 2
/* A target's variant carries a paged layer's window in bits 16..23 (0:
 * the default); the low bits are the adapters' (planted bugs). */
#define CO_VARIANT_WINDOW(w) ((unsigned)(w) << 16)
#define CO_VARIANT_WINDOW_OF(v) (((v) >> 16) & 0xffu)

/* The descriptor calls of a program around its libraries, used by the
 * layered targets (and the kit's): open, dup, dup2, close, write, lseek,
 * getfd, getfl. */
extern const uint8_t co_client_ops[];
extern const size_t co_client_nops;

/* The registry. The built-in targets are the rows of harness/targets.def
 * (the target list); their operation sets are computed once, at program
 * start. A program adds its own targets with co_target_register, then
 * freezes the table; lookups never change it. */
/* NULL-terminated list of the targets built in and registered. */
extern struct co_target *const *co_targets;
/* The target called name, ready to use (opset filled), or NULL. */
const struct co_target *co_target_find(const char *name);
/* Add a target (its layers must be registered adapters). Returns 0 (also
 * when t is registered already), or -1 with a message: the name is taken,
 * a layer has no adapter, the table is full or frozen. The target must
 * stay alive. */
int co_target_register(struct co_target *t, char *err, size_t cap);
/* End registration: from now on co_target_register fails. Programs call it
 * after their own registrations, before they run anything. */
void co_targets_freeze(void);
/* This tree's programs only (not in the installed library): register the
 * target list's LIBS rows (libs/, once their adapters are registered).
 * Returns 0, or -1 with a message. */
int co_targets_register_libs(char *err, size_t cap);
/* The adapter of an entry id that t uses, or NULL. */
const struct co_adapter *co_target_adapter(const struct co_target *t,
                                           unsigned entry);

#endif
