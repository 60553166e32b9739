/*
 * A second party that shares the descriptor table: a second thread of the
 * harness ("thread child"; docs/posix.md#party). Threads share one table,
 * so the child's operations act on the client's table, until a
 * close_range with CLOSE_RANGE_UNSHARE, by either, while the child thread
 * exists (the table is shared), gives the caller a copy: from then on the
 * child's operations act on a table of its own, which the model keeps
 * here and swaps in for the child's steps. The executor observes the
 * client's table only; the child's results are compared as they are.
 * Built-in operations only: a layer's call is the client's.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

void co__party_begin(struct co_model *m) {
  m->party.child = m->party.started = m->party.unshared = 0;
  m->party.high = -1;
}

void co__party_free(struct co_model *m) {
  free(m->party.fd);
}

/* The second thread's own table ends with it (fs/file.c put_files_struct):
 * each of its descriptors lets go of its description, the last one
 * releases it (a pipe's reader or writer: chan.c). */
static void drop_table(struct co_model *m) {
  size_t i;
  if (!m->party.unshared)
    return;
  for (i = 0; i < m->party.cap; i++) {
    int32_t d = m->party.fd[i].ofd;
    if (d >= 0 && --m->ofd[d].refs == 0 && m->ofd[d].kind != CO__KIND_FILE)
      co__kind_release(m, d);
  }
}

/* "thread main|child|end": the operations that follow run in that
 * thread; end: the second thread exits (its own table, if it has one, is
 * closed with it) and the main thread runs what follows */
void co__rule_thread(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  (void)pred;
  (void)t;
  if (c->flags & CO_F_BIT1) {
    drop_table(m);
    co__party_begin(m);
    return;
  }
  m->party.child = (uint8_t)(c->flags & CO_F_BIT0);
  if (m->party.child)
    m->party.started = 1;
}

static void swap_table(struct co_model *m) {
  struct fdent *fd = m->fd;
  size_t cap = m->cap;
  int64_t high = m->high;
  m->fd = m->party.fd;
  m->cap = m->party.cap;
  m->high = m->party.high;
  m->party.fd = fd;
  m->party.cap = cap;
  m->party.high = high;
}

/* Does close_range c reach the kernel? The executor splits it around
 * foreign numbers and issues nothing for a range of foreign numbers only
 * (or one that fails first: then nothing is unshared either). */
static int range_issued(const struct co_model *m, const struct co_call *c) {
  uint32_t lo = (uint32_t)c->a, hi = (uint32_t)c->b;
  if (lo > hi || (c->flags & CO_F_BIT2))
    return 0;
  return (uint64_t)co__past_foreign(m, lo) <= hi;
}

/* The table is unshared: the child's copy of the client's (fs/file.c
 * dup_fd). -1 on ENOMEM. */
static int unshare(struct co_model *m) {
  struct co__party *p = &m->party;
  size_t i;
  if (p->fdcap < m->cap) {
    struct fdent *fd = realloc(p->fd, m->cap * sizeof *fd);
    if (!fd)
      return -1;
    p->fd = fd;
    p->fdcap = m->cap;
  }
  memcpy(p->fd, m->fd, m->cap * sizeof *m->fd);
  for (i = 0; i < m->cap; i++) /* dup_fd: each copy holds its description */
    if (p->fd[i].ofd >= 0)
      m->ofd[p->fd[i].ofd].refs++;
  p->cap = m->cap;
  p->high = m->high;
  p->unshared = 1;
  return 0;
}

int co__party_enter(struct co_model *m, const struct co_call *c) {
  struct co__party *p = &m->party;
  if (c->kind == CO_OP_THREAD || c->kind == CO_OP_CALL)
    return 0;
  if (p->started && !p->unshared && c->kind == CO_OP_CLOSE_RANGE &&
      (c->flags & CO_F_BIT1) && range_issued(m, c) && unshare(m) < 0)
    return -1;
  if (!p->child || !p->unshared)
    return 0;
  swap_table(m);
  return 1;
}

void co__party_leave(struct co_model *m, int swapped, struct co_aftermath *t) {
  if (swapped != 1)
    return;
  swap_table(m);
  if (m->party.cap > m->party.fdcap) /* co__ensure grew it */
    m->party.fdcap = m->party.cap;
  /* the child's own table: the executor observes the client's, so only
   * the numbers touched (compared in the client's table) and the sweep */
  t->same_a = t->same_b = t->offset_num = -1;
  t->same_file = 0;
}
