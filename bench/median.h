/*
 * The benchmarks' one statistic: the median of a round's figures (sorts v
 * in place).
 */
#ifndef CO_BENCH_MEDIAN_H
#define CO_BENCH_MEDIAN_H

#include <stdlib.h>

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static inline double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
