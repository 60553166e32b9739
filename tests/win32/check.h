/*
 * The Win32 test programs' check (tests/win32/test_win32.c,
 * test_ipose_win32.c): a failed condition prints where and why and counts;
 * the program's main reports the count. One per program (static).
 */
#ifndef CO_TEST_WIN32_CHECK_H
#define CO_TEST_WIN32_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);          \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#endif
