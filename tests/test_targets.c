/*
 * The target registry: every built-in target ready at program start (its
 * operation set computed before any lookup), lookups that change nothing,
 * and registration closed once the program freezes the table.
 */
#include <string.h>

#include "support.h"

#include "closeonce/target.h"

/* No lookup yet: every built-in target already has its operation set. */
Test(targets, builtins_ready_before_any_lookup) {
  size_t i;
  cr_assert_not_null(co_targets[0]);
  for (i = 0; co_targets[i]; i++) {
    const struct co_target *t = co_targets[i];
    cr_assert_not_null(t->ops.kinds, "%s: no operation set at start", t->name);
    /* the kinds, and `fail` after them where a layer's library is
     * interposed (docs/faults.md#fail) */
    cr_assert(t->ops.n == t->nkinds ||
                  (t->ops.n == t->nkinds + 1 &&
                   t->ops.kinds[t->nkinds] == CO_OP_FAIL),
              "%s", t->name);
    cr_assert(t->layers[0] == NULL || t->ops.nentries > 0,
              "%s: layers but no entries at start", t->name);
  }
}

/* A lookup returns the registered target and leaves it as it was. */
Test(targets, lookup_changes_nothing) {
  const struct co_target *t = co_targets[0];
  struct co_opset before = t->ops;
  cr_assert_eq(co_target_find(t->name), t);
  cr_assert_eq(memcmp(&before, &t->ops, sizeof before), 0);
  cr_assert_null(co_target_find("no-such-target"));
}

/* Before the freeze a program's own target joins, ready to use; after it,
 * a registration fails with a message and the table stays as it was. */
Test(targets, register_then_freeze) {
  static struct co_target user, late;
  char err[200] = "";
  sup_target_fill(&user, "user-posix-stdio", "stdio");
  sup_target_fill(&late, "late", "stdio");
  cr_assert_eq(co_target_register(&user, err, sizeof err), 0, "%s", err);
  cr_assert_eq(co_target_find("user-posix-stdio"), &user);
  cr_assert_gt(user.ops.nentries, 0);
  co_targets_freeze();
  cr_assert_eq(co_target_register(&user, err, sizeof err), 0,
               "registered already: no change, no error");
  cr_assert_eq(co_target_register(&late, err, sizeof err), -1);
  cr_assert(strstr(err, "frozen"), "message: %s", err);
  cr_assert_null(co_target_find("late"));
}

/* A taken name and an unknown layer are refused with a message. */
Test(targets, register_refuses_taken_name_and_unknown_layer) {
  static struct co_target dup, nolayer;
  char err[200] = "";
  sup_target_fill(&dup, "posix", "stdio");
  sup_target_fill(&nolayer, "nolayer", "no-such-layer");
  cr_assert_eq(co_target_register(&dup, err, sizeof err), -1);
  cr_assert(strstr(err, "taken"), "message: %s", err);
  cr_assert_eq(co_target_register(&nolayer, err, sizeof err), -1);
  cr_assert(strstr(err, "no adapter for layer no-such-layer"), "message: %s",
            err);
}
