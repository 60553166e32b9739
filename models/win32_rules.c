/*
 * The Win32 HANDLE rules: what differs from the POSIX table. Handle values
 * are multiples of 4 chosen by the OS (not lowest-first), so a new
 * handle binds to the value the platform returned (the call's hint);
 * handles carry inherit and protect-from-close flags and their own granted
 * access; DuplicateHandle can close its source, clear the inherit flag,
 * copy the source's flags or ask for an access of its own; WriteFile and
 * ReadFile follow the handle's access; CreatePipe makes two handles on
 * one pipe, whose bytes the channel core holds (chan.c). Every other
 * operation follows posix_rules.c.
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
  uint8_t acc = ofd >= 0 ? m->fd[c->a].acc : 0;
  int hold = ofd >= 0 && !m->fd[c->a].protect;
  /* the object stays open across the close and the new handle: it is not
   * released (its socket end is not closed, docs/win32.md#sockets) */
  if (hold)
    m->ofd[ofd].refs++;
  if (ofd >= 0 && co__fd_close(m, c->a) == CO_OK) {
    co__install(m, c->a, ofd, 0); /* a new handle that has the old value */
    m->ofd[ofd].refs--;
    m->fd[c->a].acc = acc; /* DUPLICATE_SAME_ACCESS */
    w32_dup_flags(m, c, c->a, cloexec, 0);
    pred->ret = c->a;
    co__touch(t, c->a);
    return;
  }
  if (hold)
    m->ofd[ofd].refs--;
  w32_duph(m, c, pred, t);
}

/* CreateFileW with the trace's access mask on a new file
 * (docs/win32.md#access): the handle is granted that access, the generic
 * rights mapped; access 0 opens too. noinherit: bInheritHandle FALSE. */
static void w32_open_access(struct co_model *m, const struct co_call *c,
                            struct co_outcome *pred, struct co_aftermath *t) {
  uint8_t acc = co__w32_map((unsigned)c->n);
  int32_t ofd;
  int64_t n = m->plat->alloc(m, 0);
  if (n < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  /* the object's own mode: writable iff its creator had a write right
   * (what Wine opens its Unix descriptor with, w32_write) */
  ofd = co__new_ofd(m,
                    !(acc & (CO__W_WD | CO__W_AD)) ? CO_F_ACC_RDONLY
                    : acc & CO__W_RD               ? CO_F_ACC_RDWR
                                                   : CO_F_ACC_WRONLY,
                    0);
  if (ofd < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  m->ofd[ofd].nodata = !(acc & (CO__W_RD | CO__W_WD | CO__W_AD));
  co__install(m, n, ofd, c->flags & CO_F_NOINHERIT);
  m->fd[n].acc = acc;
  pred->ret = n;
  co__touch(t, n);
}

/* DuplicateHandle with an explicit access (no DUPLICATE_SAME_ACCESS,
 * docs/win32.md#access): an invalid source fails ERROR_INVALID_HANDLE;
 * an access the source's does not contain (both mapped) fails
 * ERROR_ACCESS_DENIED and makes nothing (unless the profile's quirk says
 * the server grants it); else a new handle on the source's object with
 * that access, its flags as duphandle's. */
static void w32_duph_access(struct co_model *m, const struct co_call *c,
                            struct co_outcome *pred, struct co_aftermath *t) {
  uint8_t want = co__w32_map((unsigned)c->n);
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return;
  }
  if ((want & ~m->fd[c->a].acc) && !m->hook.dup_access_unchecked()) {
    co__fail(pred, CO_EACCES);
    return;
  }
  w32_duph(m, c, pred, t);
  if (pred->ret >= 0)
    m->fd[pred->ret].acc = want;
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

/* ---- anonymous pipes (docs/win32.md#pipes) ---- */

/* The buffer of a pipe CreatePipe makes with nSize 0, as the backend found
 * it (GetNamedPipeInfo); Wine's kernelbase CreatePipe takes 4096. */
static uint32_t w32_pipe_default(const struct co_model *m) {
  return m->files.pipe_default > 0 ? (uint32_t)m->files.pipe_default : 4096u;
}

/* The value the platform gave the second new handle of a call (a pipe's
 * write end, the call's hint2): taken if it is a handle value not open in
 * the model and not the first's; else -1. */
static int64_t w32_take(struct co_model *m, int64_t n, int64_t first) {
  if (n <= 0 || n == first || n % m->stride || n >= m->limit ||
      co__is_open(m, n) || co__ensure(m, n) < 0)
    return -1;
  return n;
}

/* CreatePipe(&r, &w, sa, nSize) (`pipe`: inheritable, nSize 0;
 * `createpipe N [noinherit]`): two new handles on one pipe, the read end
 * with FILE_READ_DATA and the write end with FILE_WRITE_DATA (Microsoft's
 * Anonymous Pipe Operations: read-only and write-only access; Wine's
 * kernel32 pipe.c test_CreatePipe), both inheritable as sa says; its
 * buffer nSize bytes, or the default for 0 (Wine kernelbase CreatePipe).
 * The read end is the result, the write end the data. */
static void w32_pipe(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  int nsize = c->kind == CO_OP_CREATEPIPE ? c->n : 0;
  int noinherit = c->kind == CO_OP_CREATEPIPE && (c->flags & CO_F_NOINHERIT);
  int64_t r = m->plat->alloc(m, 0), w;
  int32_t file, chan, ofr, ofw;
  if (r < 0 || (w = w32_take(m, c->hint2, r)) < 0) {
    co__fail(pred, CO_EMFILE);
    return;
  }
  if ((file = co__new_file(m)) < 0 || (chan = co__chan_new(m, 0, 0)) < 0 ||
      (ofr = co__pipe_end(m, file, chan, CO_F_ACC_RDONLY, 0)) < 0 ||
      (ofw = co__pipe_end(m, file, chan, CO_F_ACC_WRONLY, 0)) < 0) {
    co__fail(pred, CO_OTHER);
    return;
  }
  m->chan[chan].quota = nsize > 0 ? (uint32_t)nsize : w32_pipe_default(m);
  co__install(m, r, ofr, (uint8_t)noinherit);
  m->fd[r].acc = CO__W_RD;
  co__install(m, w, ofw, (uint8_t)noinherit);
  m->fd[w].acc = CO__W_WD | CO__W_AD;
  pred->ret = r;
  pred->data = (uint64_t)w;
  pred->dmask = ~(uint64_t)0;
  co__touch(t, r);
  co__touch(t, w);
}

/* A ReadFile or WriteFile c through a pipe end would wait, and is never
 * issued (docs/win32.md#pipes; anonymous pipes have no non-blocking mode):
 * a read (of any count, 0 too) of an empty pipe whose write end is open
 * somewhere; a write of n > 0 bytes, a reader left, that does not fit in
 * the buffer beside what is queued (Wine server/named_pipe.c
 * reselect_write_queue: a write completes once the bytes queued up to its
 * end fit; Microsoft's CreatePipe: WriteFile does not return until all
 * bytes are written). A handle without the access fails first. */
int co__w32_pipe_would_block(const struct co_model *m,
                             const struct co_call *c) {
  const struct ofdent *o;
  const struct co__chan *ch;
  if (!co__is_live(m, c->a) || (o = co__ofd_of(m, c->a))->kind != CO__KIND_PIPE)
    return 0;
  ch = &m->chan[o->kobj];
  if (c->kind == CO_OP_READ)
    return (m->fd[c->a].acc & CO__W_RD) && (ch->lost || !ch->len) &&
           ch->writers > 0;
  return (m->fd[c->a].acc & (CO__W_WD | CO__W_AD)) && c->n > 0 &&
         ch->readers > 0 && (ch->lost || ch->len + (size_t)c->n > ch->quota);
}

/* WriteFile through a pipe's write end: no reader left, ERROR_NO_DATA
 * (normalized EPIPE), whatever the count (Wine's pipe.c test_CloseHandle;
 * server/named_pipe.c pipe_end_write); 0 bytes change nothing; else the
 * bytes are queued (the rest would block: refused before). */
static void w32_pipe_write(struct co_model *m, const struct co_call *c,
                           struct ofdent *o, struct co_outcome *pred) {
  struct co__chan *ch = &m->chan[o->kobj];
  if (!ch->readers) {
    co__fail(pred, CO_EPIPE);
    pred->dmask = ~(uint64_t)0; /* 0 bytes written */
    return;
  }
  if (c->n > 0)
    co__chan_put(ch, m->pattern, (size_t)c->n, 0);
  pred->ret = c->n;
}

/* ReadFile through a pipe's read end: what is queued, up to the count (a
 * count of 0 returns 0 while bytes are queued); nothing queued and no
 * write end left: ERROR_BROKEN_PIPE (normalized EPIPE), 0 bytes, even
 * for a count of 0 (Microsoft's ReadFile, "Pipes"; Wine's pipe.c
 * test_CreatePipe, test_CloseHandle). */
static void w32_pipe_read(struct co_model *m, const struct co_call *c,
                          struct ofdent *o, struct co_outcome *pred) {
  struct co__chan *ch = &m->chan[o->kobj];
  if (ch->lost) { /* a layer's bytes went through: not known */
    pred->ret = CO_RET_ANY;
    return;
  }
  if (!ch->len) {
    co__fail(pred, CO_EPIPE);
    pred->dmask = ~(uint64_t)0; /* 0 bytes read */
    return;
  }
  co__chan_read(m, ch, c->n, pred);
}

/* ReadFile and WriteFile on Win32 (docs/win32.md#access): the byte count
 * they return is set to 0 before anything is checked (Microsoft's ReadFile
 * and WriteFile pages), so every failure reports 0 bytes (the outcome's
 * data). An invalid handle fails ERROR_INVALID_HANDLE; a handle whose
 * granted access lacks the right ERROR_ACCESS_DENIED. */
static int w32_io_fails(struct co_model *m, const struct co_call *c,
                        struct co_outcome *pred, struct co_aftermath *t,
                        uint8_t rights) {
  co__touch(t, c->a);
  pred->data = 0;
  pred->dmask = ~(uint64_t)0;
  if (!co__is_live(m, c->a)) {
    co__fail(pred, CO_EBADF);
    return 1;
  }
  if (!(m->fd[c->a].acc & rights)) {
    co__fail(pred, CO_EACCES);
    return 1;
  }
  pred->dmask = 0;
  return 0;
}

/* WriteFile needs FILE_WRITE_DATA or FILE_APPEND_DATA; with the second
 * only, every write goes to the end of the file: append is the handle's
 * access, not the file object's (ReactOS ntoskrnl/io/iomgr/iofunc.c
 * NtWriteFile, Wine dlls/ntdll/unix/file.c NtWriteFile). Where the
 * profile lets a duplicate have more access than its source (quirk
 * WINE_DUP_ACCESS_UNCHECKED), the write goes through the Unix descriptor
 * Wine opened for the file's creator, read-only if it had no write right:
 * ERROR_INVALID_HANDLE, 0 bytes (Wine server/fd.c open_fd;
 * docs/wine.md#dup-access). */
static void w32_write(struct co_model *m, const struct co_call *c,
                      struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o;
  uint8_t append;
  if (w32_io_fails(m, c, pred, t, CO__W_WD | CO__W_AD))
    return;
  o = co__ofd_of(m, c->a);
  if (o->kind == CO__KIND_PIPE) {
    w32_pipe_write(m, c, o, pred);
    return;
  }
  if (o->acc == CO_F_ACC_RDONLY && m->hook.dup_access_unchecked()) {
    co__fail(pred, CO_EBADF);
    pred->dmask = ~(uint64_t)0; /* 0 bytes written */
    return;
  }
  append = o->append;
  o->append = !(m->fd[c->a].acc & CO__W_WD);
  pred->ret = c->n;
  co__ofd_write_as(m, o, c->n, 1); /* the backend's CO_WRITE_BYTE bytes */
  o->append = append;
  t->offset_num = c->a;
}

/* ReadFile needs FILE_READ_DATA; then as read (posix_rules.c). */
static void w32_read(struct co_model *m, const struct co_call *c,
                     struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o;
  if (w32_io_fails(m, c, pred, t, CO__W_RD))
    return;
  o = co__ofd_of(m, c->a);
  if (o->kind == CO__KIND_PIPE)
    w32_pipe_read(m, c, o, pred);
  else
    co__read_from(m, c, o, pred, t);
}

/* ---- reopenfile, SetFileValidData, GetFileType (docs/win32.md#reopen) ---- */

/* Does an open with access acc and share mode deny conflict with an open
 * of the same file that is still open (docs/win32.md#share-modes)? Each
 * side's read or write access must be one the other's share mode allows;
 * an open with no data access (open_access 0) takes no part (Wine
 * server/fd.c check_sharing). */
static int w32_share_conflict(const struct co_model *m, int32_t file, int acc,
                              int deny) {
  size_t i;
  int rd = acc != CO_F_ACC_WRONLY, wr = acc != CO_F_ACC_RDONLY;
  for (i = 0; i < m->nofd; i++) {
    const struct ofdent *o = &m->ofd[i];
    int ord = o->acc != CO_F_ACC_WRONLY, owr = o->acc != CO_F_ACC_RDONLY;
    if (o->file != file || o->refs <= 0 || o->nodata)
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
  const struct ofdent *o;
  if (c->kind != CO_OP_WRITE && c->kind != CO_OP_LSEEK &&
      c->kind != CO_OP_REOPENFILE && c->kind != CO_OP_SETVALID &&
      c->kind != CO_OP_DUPH_ACCESS)
    return 0;
  if (!co__is_live(m, c->a))
    return 0;
  o = co__ofd_of(m, c->a);
  if (o->kind == CO__KIND_PIPE && m->plat == &co__win32_platform)
    /* docs/win32.md#pipes: Win32 only (Linux: docs/posix.md#pipes) */
    return c->kind == CO_OP_LSEEK ? !m->hook.pipe_seek_fails
                                  : c->kind != CO_OP_WRITE;
  return c->kind != CO_OP_DUPH_ACCESS && o->dev;
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
static void w32_reopenfile(struct co_model *m, const struct co_call *c,
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
      (ofd = co__new_ofd_on(m, file, acc, 0)) < 0) {
    co__fail(pred, n < 0 ? CO_EMFILE : CO_OTHER);
    return;
  }
  m->ofd[ofd].deny = (uint8_t)deny;
  co__install(m, n, ofd, 1); /* GENERIC_READ and/or GENERIC_WRITE */
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
  o = co__ofd_of(m, c->a);
  /* FILE_WRITE_DATA, the handle's own (an append-only handle lacks it) */
  e = !(m->fd[c->a].acc & CO__W_WD)
          ? CO_EACCES
          : m->hook.valid_data(m->fsize[o->file], c->n);
  if (e != CO_OK)
    co__fail(pred, e);
}

/* GetFileType: a file on disk is FILE_TYPE_DISK (1), the NUL device
 * FILE_TYPE_CHAR (2), a pipe end or a SOCKET FILE_TYPE_PIPE (3:
 * docs/win32.md#pipes, #sockets);
 * an invalid handle FILE_TYPE_UNKNOWN with ERROR_INVALID_HANDLE. */
static void w32_filetype(struct co_model *m, const struct co_call *c,
                         struct co_outcome *pred, struct co_aftermath *t) {
  (void)t;
  if (!co__is_live(m, c->a))
    co__fail(pred, CO_EBADF);
  else if (co__ofd_of(m, c->a)->kind == CO__KIND_PIPE)
    pred->ret = 3; /* FILE_TYPE_PIPE (docs/win32.md#pipes) */
  else
    pred->ret = m->ofd[m->fd[c->a].ofd].kind != CO__KIND_FILE ? 3
                : m->ofd[m->fd[c->a].ofd].dev                 ? 2
                                                              : 1;
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
    .rule =
        {CO__SHARED_RULES, [CO_OP_WRITE] = w32_write,
         [CO_OP_DUP_CLOSE] = w32_dup_close, [CO_OP_DUPH] = w32_duph,
         [CO_OP_SETPROTECT] = w32_setprotect, [CO_OP_READ] = w32_read,
         [CO_OP_OPEN_ACCESS] = w32_open_access,
         [CO_OP_DUPH_ACCESS] = w32_duph_access,
         [CO_OP_REOPENFILE] = w32_reopenfile, [CO_OP_SETVALID] = w32_setvalid,
         [CO_OP_FILETYPE] = w32_filetype, [CO_OP_OPENDEV] = w32_opendev,
         /* SOCKETs: wsock.c */
         [CO_OP_TCP_CONNECT] = co__rule_tcp_connect,
         [CO_OP_TCP_ACCEPT] = co__rule_tcp_accept,
         [CO_OP_SOCKET] = co__rule_socket,
         [CO_OP_CLOSESOCKET] = co__rule_closesocket,
         [CO_OP_SEND] = co__rule_send, [CO_OP_RECV] = co__rule_recv,
         [CO_OP_WSADUP] = co__rule_wsadup,
         /* issue 20, anonymous pipes (docs/win32.md#pipes) */
         [CO_OP_PIPE] = w32_pipe, [CO_OP_CREATEPIPE] = w32_pipe},
    .alloc = w32_alloc,
    .neg_foreign = 1,
    .pager_keeps = 1,
    .window_numbered = 1,
    .watermark = w32_watermark,
    .pre = co__w32_pre, /* standard handles, GetCurrentProcess(): stdh.c */
};
