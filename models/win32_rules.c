/*
 * The Win32 HANDLE rules: what differs from the POSIX table. Handle values
 * are multiples of 4 chosen by the OS (not lowest-first), so a new
 * handle binds to the value the platform returned (the call's hint);
 * handles carry inherit and protect-from-close flags; DuplicateHandle can
 * close its source, clear the inherit flag or copy the source's flags. Every
 * other operation follows posix_rules.c.
 */
#include "model_internal.h"

/* Win32 handle values are multiples of 4; the low two bits are ignored
 * (docs/win32.md#values: 0x31 names 0x30). NULL is
 * never a handle. */
#define W32_STRIDE 4

/* The OS chooses (docs/win32.md#values): the value the
 * platform returned, if it is a handle value not open in the model; else
 * -1. */
static int64_t w32_alloc(struct co_model *m, int64_t from) {
  int64_t n = m->hint;
  (void)from;
  if (n <= 0 || n % m->stride || n >= m->limit || co__is_open(m, n) ||
      co__ensure(m, n) < 0)
    return -1;
  return n;
}

/* The flags of a handle DuplicateHandle makes from source a
 * (docs/win32.md#duplicatehandle): DUPLICATE_SAME_ATTRIBUTES copies the
 * source's inherit and protect flags and bInheritHandle is ignored; else
 * the handle is inherited as bInheritHandle says and not protected. */
static void w32_dup_flags(struct co_model *m, const struct co_call *c,
                          int64_t n, uint8_t cloexec, uint8_t protect) {
  if ((c->flags & CO_F_SAMEATTR) && m->hook.sameattr()) {
    m->fd[n].cloexec = cloexec;
    m->fd[n].protect = protect;
  } else {
    m->fd[n].cloexec = (c->flags & CO_F_NOINHERIT) != 0;
    m->fd[n].protect = 0;
  }
}

/* DuplicateHandle(..., DUPLICATE_SAME_ACCESS) within one process: a new
 * handle value on the source's object, or ERROR_INVALID_HANDLE. */
static void w32_duph(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  uint8_t cloexec, protect;
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  cloexec = m->fd[c->a].cloexec;
  protect = m->fd[c->a].protect;
  co__rule_dup(m, c, pred, t);
  if (pred->ret >= 0)
    w32_dup_flags(m, c, pred->ret, cloexec, protect);
}

/* The same with DUPLICATE_CLOSE_SOURCE (docs/win32.md#duplicatehandle):
 * an unprotected source is closed and the new handle comes back with the
 * source's value, its flags set as above; an invalid source fails and a
 * protected one stays open, the copy getting a new value: as duphandle. */
static void w32_dup_close(struct co_model *m, const struct co_call *c,
                          struct co_outcome *pred, struct co_aftermath *t) {
  int32_t ofd = co__is_live(m, c->a) ? m->fd[c->a].ofd : -1;
  uint8_t cloexec = ofd >= 0 ? m->fd[c->a].cloexec : 0;
  if (ofd >= 0 && co__fd_close(m, c->a) == CO_OK) {
    co__install(m, c->a, ofd, 0); /* a new handle that has the old value */
    w32_dup_flags(m, c, c->a, cloexec, 0);
    pred->ret = c->a;
    co__touch(t, c->a);
    return;
  }
  w32_duph(m, c, pred, t);
}

/* SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, ...): the flag is
 * the handle's, not the object's (docs/win32.md#flags). */
static void w32_setprotect(struct co_model *m, const struct co_call *c,
                           struct co_outcome *pred, struct co_aftermath *t) {
  co__touch(t, c->a);
  if (!co__is_live(m, c->a))
    co__fail(pred, CO_EBADF);
  else
    m->fd[c->a].protect = (uint8_t)(c->flags & CO_F_BIT0);
}

/* WriteFile on a handle without write access: ERROR_ACCESS_DENIED
 * (docs/win32.md#access). */
static void w32_write(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  co__write_with(m, c, pred, t, CO_EACCES);
}

/* ---- reopen, SetFileValidData, GetFileType (docs/win32.md#reopen) ---- */

/* Does an open with access acc and share mode deny conflict with an open
 * of the same file that is still open (docs/win32.md#share-modes)? Each
 * side's read or write access must be one the other's share mode allows. */
static int w32_share_conflict(const struct co_model *m, int32_t file, int acc,
                              int deny) {
  size_t i;
  int rd = acc != CO_F_ACC_WRONLY, wr = acc != CO_F_ACC_RDONLY;
  for (i = 0; i < m->nofd; i++) {
    const struct ofdent *o = &m->ofd[i];
    int ord = o->acc != CO_F_ACC_WRONLY, owr = o->acc != CO_F_ACC_RDONLY;
    if (o->file != file || o->refs <= 0)
      continue;
    if ((rd && (o->deny & CO_F_DENYR)) || (wr && (o->deny & CO_F_DENYW)) ||
        (ord && (deny & CO_F_DENYR)) || (owr && (deny & CO_F_DENYW)))
      return 1;
  }
  return 0;
}

/* The open that made a file (its first description: a reopen's come
 * later) holds FILE_FLAG_DELETE_ON_CLOSE. Once it is closed, Windows has
 * the file delete-pending, and Wine 8.0 still opens it: not run. */
int co__reopen_unsure(const struct co_model *m, const struct co_call *c) {
  size_t i;
  int32_t file;
  if (m->plat != &co__win32_platform || !co__is_live(m, c->a))
    return 0;
  file = m->ofd[m->fd[c->a].ofd].file;
  for (i = 0; i < m->nofd; i++)
    if (m->ofd[i].file == file)
      return m->ofd[i].refs <= 0;
  return 0;
}

int co__dev_io(const struct co_model *m, const struct co_call *c) {
  if (c->kind != CO_OP_WRITE && c->kind != CO_OP_LSEEK &&
      c->kind != CO_OP_REOPEN && c->kind != CO_OP_SETVALID)
    return 0;
  return co__is_live(m, c->a) && m->ofd[m->fd[c->a].ofd].dev;
}

/* opendev nul: CreateFileW("NUL"), a new handle on a new open of the NUL
 * device, inheritable unless cloexec (docs/win32.md#devices). Its offset
 * and size are not a file's: unknown to the model, never compared. */
static void w32_opendev(struct co_model *m, const struct co_call *c,
                        struct co_outcome *pred, struct co_aftermath *t) {
  int32_t ofd;
  int64_t n = m->plat->alloc(m, 0);
  if (n < 0 || (ofd = co__new_ofd(m, CO_F_ACC_RDWR, 0)) < 0) {
    co__fail(pred, n < 0 ? CO_EMFILE : CO_OTHER);
    return;
  }
  m->ofd[ofd].dev = 1;
  m->ofd[ofd].off = -1;
  m->fsize[m->ofd[ofd].file] = -1;
  co__install(m, n, ofd, c->flags & CO_F_CLOEXEC);
  pred->ret = n;
  co__touch(t, n);
}

/* ReOpenFile(h, access, share, dwFlags): dwFlags with a FILE_ATTRIBUTE_*
 * fails ERROR_INVALID_PARAMETER; an invalid handle ERROR_INVALID_HANDLE; a
 * share conflict ERROR_SHARING_VIOLATION (EACCES, as the C runtime maps
 * it); else a new handle, not inheritable (ReOpenFile takes no security
 * attributes), on a new open of the same file at offset 0. */
static void w32_reopen(struct co_model *m, const struct co_call *c,
                       struct co_outcome *pred, struct co_aftermath *t) {
  int acc = c->flags & CO_F_ACC_MASK,
      deny = c->flags & (CO_F_DENYW | CO_F_DENYR);
  int32_t ofd, file;
  int64_t n;
  if (c->n >= 1 && c->n <= 8) {
    co__fail(pred, CO_EINVAL);
    return;
  }
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  file = m->ofd[m->fd[c->a].ofd].file;
  if (w32_share_conflict(m, file, acc, deny)) {
    co__fail(pred, CO_EACCES);
    return;
  }
  if ((n = m->plat->alloc(m, 0)) < 0 ||
      (ofd = co__reopen_ofd(m, file, acc, deny)) < 0) {
    co__fail(pred, n < 0 ? CO_EMFILE : CO_OTHER);
    return;
  }
  co__install(m, n, ofd, 1);
  pred->ret = n;
  co__touch(t, n);
}

/* SetFileValidData(h, n): an invalid handle ERROR_INVALID_HANDLE; without
 * FILE_WRITE_DATA access ERROR_ACCESS_DENIED; with it, Windows wants the
 * SE_MANAGE_VOLUME_NAME privilege enabled, which the harness never
 * enables: ERROR_PRIVILEGE_NOT_HELD (EPERM). Under Wine 8.0 the privilege
 * is not asked (CO_QUIRK_WINE_VALIDDATA_NO_PRIVILEGE, docs/wine.md). */
static void w32_setvalid(struct co_model *m, const struct co_call *c,
                         struct co_outcome *pred, struct co_aftermath *t) {
  const struct ofdent *o;
  int e;
  (void)t;
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  o = &m->ofd[m->fd[c->a].ofd];
  /* FILE_WRITE_DATA: an append-only handle (FILE_APPEND_DATA) lacks it */
  e = o->acc == CO_F_ACC_RDONLY || o->append
          ? CO_EACCES
          : m->hook.valid_data(m->fsize[o->file], c->n);
  if (e != CO_OK)
    co__fail(pred, e);
}

/* GetFileType: a file on disk is FILE_TYPE_DISK (1), the NUL device
 * FILE_TYPE_CHAR (2); an invalid handle FILE_TYPE_UNKNOWN with
 * ERROR_INVALID_HANDLE. */
static void w32_filetype(struct co_model *m, const struct co_call *c,
                         struct co_outcome *pred, struct co_aftermath *t) {
  (void)t;
  if (!co__is_live(m, c->a))
    co__fail(pred, CO_EBADF);
  else
    pred->ret = m->ofd[m->fd[c->a].ofd].dev ? 2 : 1;
}

/* The C-runtime numbers are taken by objects only (8 slots): the
 * CO_PAGER_LOW_WIN32-th one free at the start, for a trace to fill the
 * window range. */
static int64_t w32_watermark(const struct co_model *m) {
  int k, nfree = 0;
  for (k = 0; k < CO_OBJNUMS; k++)
    if (!m->onum_used[k] && nfree++ == CO_PAGER_LOW_WIN32)
      return k;
  return -1;
}

const struct co__platform co__win32_platform = {
    .stride = W32_STRIDE,
    .rule = {CO__SHARED_RULES, [CO_OP_WRITE] = w32_write,
             [CO_OP_DUP_CLOSE] = w32_dup_close, [CO_OP_DUPH] = w32_duph,
             [CO_OP_SETPROTECT] = w32_setprotect, [CO_OP_REOPEN] = w32_reopen,
             [CO_OP_SETVALID] = w32_setvalid, [CO_OP_FILETYPE] = w32_filetype,
             [CO_OP_OPENDEV] = w32_opendev},
    .alloc = w32_alloc,
    .neg_foreign = 1,
    .pager_keeps = 1,
    .window_numbered = 1,
    .watermark = w32_watermark,
};
