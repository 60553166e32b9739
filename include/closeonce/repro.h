/*
 * closeonce: standalone C reproducers.
 */
#ifndef CLOSEONCE_REPRO_H
#define CLOSEONCE_REPRO_H

#include <stddef.h>
#include <stdio.h>

#include "closeonce/exec.h"
#include "closeonce/target.h"
#include "closeonce/trace.h"

/* Write t, which must show a finding on ex (the target's executor, in the
 * mode to reproduce), as a C program to out: only the platform's and the
 * libraries' calls, a comment per step with the owners afterwards, and a
 * check per step against the contract; it exits 1 where the finding shows.
 * Demo targets' programs take -DVARIANT=0 for the fixed library. Returns 0,
 * or -1 with a message in err (no finding; an entry with no C template). */
int co_repro_c(FILE *out, struct co_exec *ex, const struct co_target *tg,
               const struct co_trace *t, char *err, size_t errcap);

#endif
