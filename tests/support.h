/*
 * Test support: run a text trace through the real executor and record what
 * the platform returned at every step.
 */
#ifndef CO_TEST_SUPPORT_H
#define CO_TEST_SUPPORT_H

#include <criterion/criterion.h>

#include "record.h"

/* A campaign's size in a test: a sanitizer build (CO_TEST_SANITIZED) runs
 * a fifth of it. That build is there to catch memory and undefined-
 * behaviour errors on every path, and a fifth still reaches every model
 * transition the full size does in the plain builds, which run it whole. */
#ifdef CO_TEST_SANITIZED
#define CO_TEST_RUNS(n) ((n) / 5)
#else
#define CO_TEST_RUNS(n) (n)
#endif

/* Step i of the struct rec r in scope returned v without an error. */
#define REAL_OK(i, v)                                                          \
  do {                                                                         \
    cr_assert_eq(r.real[i].err, CO_OK, "step %d: %s (raw %d)", i,              \
                 co_err_name(r.real[i].err), r.real[i].raw);                   \
    cr_assert_eq(r.real[i].ret, (v), "step %d returned %lld, want %lld", i,    \
                 (long long)r.real[i].ret, (long long)(v));                    \
  } while (0)

/* Step i of the struct rec r in scope failed (-1) with closeonce's error
 * e (whatever the raw code). */
#define REAL_FAIL(i, e)                                                        \
  do {                                                                         \
    cr_assert_eq(r.real[i].ret, -1, "step %d returned %lld, want -1", i,       \
                 (long long)r.real[i].ret);                                    \
    cr_assert_eq(r.real[i].err, (e), "step %d: %s, want %s", i,                \
                 co_err_name(r.real[i].err), co_err_name(e));                  \
  } while (0)

/* An executor on the POSIX backend; fails the test if it cannot start. */
struct co_exec *sup_exec(void);
/* A suite whose every test has a fresh executor over the posix target
 * (ex, from sup_exec, freed after the test) and a recorder (r). */
#define SUP_EXEC_SUITE(name)                                                   \
  static struct co_exec *ex;                                                   \
  static struct rec r;                                                         \
  static void setup(void) {                                                    \
    ex = sup_exec();                                                           \
  }                                                                            \
  static void teardown(void) {                                                 \
    co_exec_free(ex);                                                          \
  }                                                                            \
  TestSuite(name, .init = setup, .fini = teardown)
/* Parse text (fails the test on a parse error), run it, record each step.
 * Returns the verdict kind. */
int sup_run(struct co_exec *ex, const char *text, struct rec *r,
            struct co_verdict *v);
/* The same, asserting that model and platform agreed (verdict ok). */
void sup_run_ok(struct co_exec *ex, const char *text, struct rec *r);
/* The lowest descriptor number free right now (probed with a real open). */
int sup_lowest_free(void);
/* A copy of adapter a under layer name layer, its entries renamed
 * "PREFIX_NAME" (entry names are unique across the registry), not yet
 * registered; *entries is the copy's entry array, for a test to change.
 * Lives until the test process ends. */
struct co_adapter *sup_adapter_copy(const struct co_adapter *a,
                                    const char *layer, const char *prefix,
                                    struct co_entry **entries);
/* A contract-mode target name over layer alone, with a client's descriptor
 * calls (summary: name), not registered. */
void sup_target_fill(struct co_target *t, const char *name, const char *layer);
/* Register such a target named layer (the adapter registered first). */
void sup_target_register(const char *layer, const char *summary);

#endif
