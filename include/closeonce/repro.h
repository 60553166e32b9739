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
 * The C of each layer's entries is its adapter's (co_entry.c); programs of
 * targets with planted bugs take -DVARIANT=0 for the fixed library. Returns
 * 0, or -1 with a message in err (no finding; an entry without C). */
int co_repro_c(FILE *out, struct co_exec *ex, const struct co_target *tg,
               const struct co_trace *t, char *err, size_t errcap);
/* The same into the file path (NULL: stdout), made whole or not at all:
 * the program is written to a new name, then renamed to path. On failure
 * nothing is left at path (what was there stays). */
int co_repro_write(const char *path, struct co_exec *ex,
                   const struct co_target *tg, const struct co_trace *t,
                   char *err, size_t errcap);

#endif
