/*
 * What POSIX and the Windows C runtimes do differently, in one place.
 *
 * An in-memory output stream: open_memstream where the C library has it
 * (POSIX 2008); elsewhere (Windows CRTs) a temporary file read back on
 * close. co__mem_close always ends the stream; on success *buf is a
 * malloc'd NUL-terminated copy of what was written and *len its length.
 */
#ifndef CLOSEONCE_PORTABLE_H
#define CLOSEONCE_PORTABLE_H

#include <stddef.h>
#include <stdio.h>

struct co__mem {
  FILE *f;
  char *buf;
  size_t len;
};

/* Returns the stream, or NULL. */
FILE *co__mem_open(struct co__mem *m);
/* Returns 0, or -1 (nothing in m->buf). */
int co__mem_close(struct co__mem *m);

/* Seconds on a monotonic clock (CLOCK_MONOTONIC; QueryPerformanceCounter
 * on Windows). */
double co__seconds(void);
/* Give the processor to another thread (sched_yield; SwitchToThread). */
void co__yield(void);
/* Some bits from the wall clock and the process, for a default seed. */
unsigned long long co__entropy(void);

#endif
