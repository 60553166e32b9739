/*
 * Test support: run a text trace through the real executor and record what
 * the platform returned at every step.
 */
#ifndef CO_TEST_SUPPORT_H
#define CO_TEST_SUPPORT_H

#include <criterion/criterion.h>

#include "record.h"

/* An executor on the POSIX backend; fails the test if it cannot start. */
struct co_exec *sup_exec(void);
/* Parse text (fails the test on a parse error), run it, record each step.
 * Returns the verdict kind. */
int sup_run(struct co_exec *ex, const char *text, struct rec *r,
            struct co_verdict *v);
/* The same, asserting that model and platform agreed (verdict ok). */
void sup_run_ok(struct co_exec *ex, const char *text, struct rec *r);
/* The lowest descriptor number free right now (probed with a real open). */
int sup_lowest_free(void);

#endif
