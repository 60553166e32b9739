/*
 * Test support without a test framework: run a text trace through the real
 * executor and record what the platform and the model returned at every
 * step. Used by the Criterion suite (support.h) and by the Windows suite
 * (Criterion has no mingw-w64 build).
 */
#ifndef CO_TEST_RECORD_H
#define CO_TEST_RECORD_H

#include "closeonce/closeonce.h"

#define REC_MAX 512

struct rec {
  size_t n;
  struct co_outcome real[REC_MAX], model[REC_MAX];
  struct co_call call[REC_MAX];
  enum co_sit sit_a[REC_MAX], sit_b[REC_MAX];
  const struct co_entry *entry[REC_MAX]; /* a layer call's, as resolved */
};

/* Parse text, run it on ex recording each step into *r, fill *v. Returns
 * the verdict kind, or -1 with "line:col: message" in err on a parse
 * error. */
int rec_run(struct co_exec *ex, const char *text, struct rec *r,
            struct co_verdict *v, char *err, size_t errcap);

#endif
