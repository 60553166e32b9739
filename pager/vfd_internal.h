/*
 * The pager's private rules that its tests check directly (not installed).
 */
#ifndef VFD_INTERNAL_H
#define VFD_INTERNAL_H

#include <limits.h>

/* The capacity of the virtual descriptor table after cap is full:
 * doubling, at most INT_MAX (a virtual descriptor is an int), or -1 when
 * cap is INT_MAX already (the table holds every number an int can name). */
static inline int vfd__next_cap(int cap) {
  if (cap <= 0)
    return 64;
  if (cap == INT_MAX)
    return -1;
  return cap > INT_MAX / 2 ? INT_MAX : cap * 2;
}

#endif
