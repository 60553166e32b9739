/*
 * See portable.h.
 */
#include "portable.h"

#include <stdlib.h>
#include <time.h>
#ifndef _WIN32
#include <sched.h>
#endif

#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

double co__seconds(void) {
#ifdef _WIN32
  LARGE_INTEGER f, c;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  return (double)c.QuadPart / (double)f.QuadPart;
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}

void co__yield(void) {
#ifdef _WIN32
  SwitchToThread();
#else
  sched_yield();
#endif
}

unsigned long long co__entropy(void) {
#ifdef _WIN32
  LARGE_INTEGER c;
  QueryPerformanceCounter(&c);
  return (unsigned long long)c.QuadPart ^
         ((unsigned long long)GetCurrentProcessId() << 20) ^
         (unsigned long long)time(NULL) * 1000003u;
#else
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ((unsigned long long)ts.tv_sec * 1000003u) ^
         (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 20);
#endif
}

FILE *co__mem_open(struct co__mem *m) {
  m->buf = NULL;
  m->len = 0;
#ifdef _WIN32
  m->f = tmpfile();
#else
  m->f = open_memstream(&m->buf, &m->len);
#endif
  return m->f;
}

int co__mem_close(struct co__mem *m) {
#ifdef _WIN32
  long n;
  int rc = -1;
  if (!m->f)
    return -1;
  if (fflush(m->f) == 0 && (n = ftell(m->f)) >= 0 &&
      fseek(m->f, 0, SEEK_SET) == 0 && (m->buf = malloc((size_t)n + 1))) {
    m->len = fread(m->buf, 1, (size_t)n, m->f);
    m->buf[m->len] = 0;
    rc = m->len == (size_t)n ? 0 : -1;
  }
  fclose(m->f);
  m->f = NULL;
  return rc;
#else
  int rc = fclose(m->f);
  m->f = NULL;
  return rc == 0 ? 0 : -1;
#endif
}
