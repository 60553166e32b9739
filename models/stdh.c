/*
 * Win32 standard handles and the current-process pseudo-handle
 * (docs/win32.md#std, docs/win32.md#pseudo), and GetExitCodeProcess of
 * handle values with their upper half changed (#values): the process's three
 * standard handle slots (GetStdHandle, SetStdHandle, CloseHandle of a
 * STD_x_HANDLE value), the C runtime's 0-2 setting them as they are
 * bound and freed, and GetCurrentProcess() (-1) as CloseHandle's and
 * DuplicateHandle's operand. The slots are the trace's only while it owns
 * 0-2 (co_model_config.own_std, --free-std): else the steps are refused.
 */
#include "model_internal.h"

/* A standard slot: 0 in, 1 out, 2 err; -1 for CO_F_STD_BAD. */
static int std_index(const struct co_call *c) {
  unsigned k = c->flags & CO_F_STD_MASK;
  return k == CO_F_STD_BAD ? -1 : (int)k;
}

/* The C runtime set standard slot k to handle h (UCRT osfinfo.cpp
 * _set_osfhnd and _free_osfhnd: SetStdHandle for 0-2 in a console
 * program; Wine dlls/msvcrt/file.c msvcrt_set_fd, msvcrt_free_fd). */
void co__std_follow(struct co_model *m, int64_t k, int64_t h) {
  if (m->own_std && k >= 0 && k < 3)
    m->stdh[k] = h;
}

/* GetStdHandle: the slot's value, whatever it is (NULL, -1, a closed
 * value); a value naming no slot: INVALID_HANDLE_VALUE, ERROR_INVALID_HANDLE
 * (Wine dlls/kernelbase/process.c GetStdHandle). */
static void rule_getstd(struct co_model *m, const struct co_call *c,
                        struct co_outcome *pred) {
  int k = std_index(c);
  if (k < 0)
    co__fail(pred, CO_EBADF);
  else
    pred->ret = m->stdh[k];
}

/* SetStdHandle: stores the value, checking nothing (kernelbase
 * SetStdHandle); no slot: FALSE, ERROR_INVALID_HANDLE. */
static void rule_setstd(struct co_model *m, const struct co_call *c,
                        struct co_outcome *pred) {
  int k = std_index(c);
  if (k < 0)
    co__fail(pred, CO_EBADF);
  else
    m->stdh[k] = c->a;
}

/* CloseHandle((HANDLE)STD_x_HANDLE): the slot is set to NULL first, then
 * what it held is closed (kernelbase CloseHandle: InterlockedExchange
 * with 0, then NtClose of the old value): NULL fails, -1 is the pseudo
 * close (TRUE), a protected handle fails and stays open. The 32-bit
 * STD_x_HANDLE value zero-extended is what C's cast gives on Win64. */
static void rule_closestd(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t) {
  int k = std_index(c), err;
  int64_t h;
  if (k < 0) { /* CloseHandle of 0xfffffff3: no handle, no slot */
    co__fail(pred, CO_EBADF);
    return;
  }
  h = m->stdh[k];
  m->stdh[k] = 0;
  if (h == -1)
    return;
  if (h)
    co__touch(t, h);
  if ((err = co__fd_close(m, h)) != CO_OK)
    co__fail(pred, err);
}

/* DuplicateHandle of GetCurrentProcess(): a new, real handle on the
 * process (a description that is no file: WriteFile and SetFilePointerEx
 * fail on it), flags from bInheritHandle; with DUPLICATE_SAME_ATTRIBUTES
 * the pseudo-handle's, which are 0 (Wine's test_DuplicateHandle; Wine
 * 8.0 ignores the option, docs/wine.md#sameattr). DUPLICATE_CLOSE_SOURCE
 * closes nothing (the pseudo close). */
static void rule_dup_pseudo(struct co_model *m, const struct co_call *c,
                            struct co_outcome *pred, struct co_aftermath *t) {
  int64_t n = m->plat->alloc(m, 0);
  int32_t o;
  if (n < 0 || (o = co__new_ofd(m, CO_F_ACC_RDWR, 0)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  m->ofd[o].off = -1; /* not a file: no position to observe */
  m->ofd[o].proc = 1;
  co__install(m, n, o, 0);
  if ((c->flags & CO_F_SAMEATTR) && m->hook.sameattr())
    m->fd[n].cloexec = 1;
  else
    m->fd[n].cloexec = (c->flags & CO_F_NOINHERIT) != 0;
  pred->ret = n;
  co__touch(t, n);
}

/* GetExitCodeProcess: STILL_ACTIVE (259) for this process, through -1 or
 * a duplicate of it; any other value fails ERROR_INVALID_HANDLE: a file
 * handle (not a process), a closed one, one with bits above the low 32
 * set, and -1 cut to its low 32 bits (0xffffffff); the low two bits are
 * ignored (docs/win32.md#values). */
#define W32_STILL_ACTIVE 259
static void rule_exitcode(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t) {
  int64_t v = c->flags & CO_F_LOW32 ? (int64_t)(uint32_t)c->a : c->a;
  if (c->flags & CO_F_HI32)
    v = -1; /* (never a handle) */
  if (v >= 0)
    v &= ~(int64_t)3;
  if (v >= 0)
    co__touch(t, v);
  if (c->a == -1 && !(c->flags & CO_F_LOW32) && !(c->flags & CO_F_HI32))
    pred->ret = W32_STILL_ACTIVE;
  else if (v >= 0 && co__is_live(m, v) && co__ofd_of(m, v)->proc)
    pred->ret = W32_STILL_ACTIVE;
  else
    co__fail(pred, CO_EBADF);
}

/* Steps the Win32 table's rules do not take (co__platform pre): 1 if
 * predicted here. */
int co__w32_pre(struct co_model *m, const struct co_call *c,
                struct co_outcome *pred, struct co_aftermath *t) {
  int err;
  switch (c->kind) {
  case CO_OP_GETSTD:
    rule_getstd(m, c, pred);
    return 1;
  case CO_OP_SETSTD:
    rule_setstd(m, c, pred);
    return 1;
  case CO_OP_CLOSESTD:
    rule_closestd(m, c, pred, t);
    return 1;
  case CO_OP_EXITCODE:
    rule_exitcode(m, c, pred, t);
    return 1;
  case CO_OP_CLOSE: /* the pseudo close: TRUE, nothing changes
                       (GetCurrentProcess, Microsoft Learn) */
    return c->a == -1;
  case CO_OP_DUPH:
  case CO_OP_DUP_CLOSE:
    if (c->a != -1)
      return 0;
    rule_dup_pseudo(m, c, pred, t);
    return 1;
  case CO_OP_WRITE:
  case CO_OP_READ:
  case CO_OP_LSEEK:
  case CO_OP_REOPENFILE:
  case CO_OP_SETVALID:
  case CO_OP_FILETYPE:
    /* on a process handle: ERROR_INVALID_HANDLE (Wine: the object is no
     * file; docs/win32.md#pseudo); ReOpenFile checks its flags first
     * (docs/win32.md#reopen) */
    if (!co__is_live(m, c->a) || !co__ofd_of(m, c->a)->proc ||
        (c->kind == CO_OP_REOPENFILE && c->n >= 1 && c->n <= 8))
      return 0;
    co__touch(t, c->a);
    /* (an lseek error found before the handle is looked up comes first,
     * as for a file: docs/wine.md#negative-seek) */
    if (c->kind == CO_OP_LSEEK && (err = m->hook.seek_early(c)) != CO_OK)
      co__fail(pred, err);
    else
      co__fail(pred, CO_EBADF);
    return 1;
  default:
    return 0;
  }
}

/* The guard's exceptions (co_model_refuses): the standard slots are
 * refused unless the trace owns 0-2; -1 may be passed to CloseHandle,
 * DuplicateHandle (as the source), SetStdHandle (as the value),
 * GetExitCodeProcess and SetFileValidData (no file: ERROR_INVALID_HANDLE,
 * docs/win32.md#setvaliddata). */
int co__w32_std_refused(const struct co_model *m, const struct co_call *c) {
  int k;
  if ((c->kind != CO_OP_GETSTD && c->kind != CO_OP_SETSTD &&
       c->kind != CO_OP_CLOSESTD) ||
      m->platform != CO_PLATFORM_WIN32)
    return 0; /* (elsewhere: ENOSYS) */
  if (!m->own_std)
    return 1;
  /* (never close a number the trace does not reach: SetStdHandle of one
   * is refused, so only a guard) */
  k = std_index(c);
  return c->kind == CO_OP_CLOSESTD && k >= 0 && m->stdh[k] > 0 &&
         co__is_foreign(m, m->stdh[k]);
}

int co__w32_pseudo_ok(const struct co_model *m, const struct co_call *c) {
  return m->platform == CO_PLATFORM_WIN32 && c->a == -1 &&
         (c->kind == CO_OP_CLOSE || c->kind == CO_OP_DUPH ||
          c->kind == CO_OP_DUP_CLOSE || c->kind == CO_OP_SETSTD ||
          c->kind == CO_OP_EXITCODE || c->kind == CO_OP_SETVALID);
}
