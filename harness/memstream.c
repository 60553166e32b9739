/*
 * See memstream.h.
 */
#include "memstream.h"

#include <stdlib.h>

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
