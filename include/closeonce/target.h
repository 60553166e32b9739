/*
 * closeonce: targets. A target is a backend plus the operations it accepts
 * (which also fixes how binary input decodes for it).
 */
#ifndef CLOSEONCE_TARGET_H
#define CLOSEONCE_TARGET_H

#include "closeonce/backend.h"
#include "closeonce/trace.h"

struct co_target {
  const char *name;
  const char *summary;
  const struct co_backend *backend;
  struct co_opset ops;
};

/* NULL-terminated list of the targets built into this binary. */
extern const struct co_target *const co_targets[];
/* The target called name, or NULL. */
const struct co_target *co_target_find(const char *name);

#endif
