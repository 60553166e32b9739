/*
 * Documented deviations of one implementation from its platform's rules
 * (CO_QUIRK_*, model.h), as profile hooks: each quirk replaces the
 * reference behaviour at one named point (struct co__hooks). A backend
 * declares the quirks of what it runs on; co_model_begin builds the hooks
 * from that mask, so no rule tests a quirk bit inline.
 */
#include "model_internal.h"

/* ---- the reference behaviour at each hook point ---- */

static int ref_seek_early(const struct co_call *c) {
  (void)c;
  return CO_OK; /* the handle is looked up first */
}

static void ref_empty_write(struct co_model *m, struct ofdent *o) {
  (void)m;
  (void)o; /* man write: a count of 0 changes nothing */
}

static int ref_param_err(int err) {
  (void)err; /* UCRT: the invalid-parameter handler fires (close.cpp,
                fdopen.cpp) */
  return CO_IPH;
}

static int ref_resize_rdonly(int same) {
  /* UCRT chsize.cpp: growing writes zeros (_write: ERROR_ACCESS_DENIED,
   * then EACCES), shrinking is SetEndOfFile (EACCES); the same size
   * calls neither */
  return same ? CO_OK : CO_EACCES;
}

static int ref_stat_gone(void) {
  return CO_EBADF; /* UCRT stat.cpp: GetFileType says FILE_TYPE_UNKNOWN */
}

static int ref_dup2_same(void) {
  return 0; /* UCRT dup2.cpp: _dup2(fd, fd) returns 0, changes nothing */
}

static int ref_sameattr(void) {
  return 1; /* DUPLICATE_SAME_ATTRIBUTES copies the source's flags */
}

static int ref_dup_access(void) {
  return 0; /* DuplicateHandle gives a file handle no more access than its
               source has (docs/win32.md#access) */
}

/* SetFileValidData with write access: Windows asks for the
 * SE_MANAGE_VOLUME_NAME privilege first, which the harness never enables
 * (docs/win32.md#setvaliddata). */
static int ref_valid_data(int64_t size, int32_t n) {
  (void)size;
  (void)n;
  return CO_EPERM;
}

/* ---- the quirks ---- */

/* WINE_VALIDDATA_NO_PRIVILEGE: no privilege is asked; a length of 0 or
 * less, or past the file's size, is ERROR_INVALID_PARAMETER, any other
 * succeeds. */
static int wine_valid_data(int64_t size, int32_t n) {
  return n <= 0 || size < 0 || n > size ? CO_EINVAL : CO_OK;
}
static void q_valid_data(struct co__hooks *h) {
  h->valid_data = wine_valid_data;
}

/* WINE_SEEK_BEFORE_HANDLE: FILE_BEGIN with a negative offset fails
 * ERROR_NEGATIVE_SEEK before the handle is looked up. */
static int wine_seek_early(const struct co_call *c) {
  return (c->flags & CO_F_WHENCE_MASK) == 0 && c->n < 0 ? CO_EINVAL : CO_OK;
}

/* WINE_EMPTY_APPEND_WRITE_MOVES: an empty write through an append-only
 * handle moves the pointer to the end. */
static void wine_empty_write(struct co_model *m, struct ofdent *o) {
  if (o->append)
    o->off = m->fsize[o->file];
}

/* MSVCRT_NO_IPH: msvcrt returns the error without calling the handler. */
static int msvcrt_param_err(int err) {
  return err;
}

/* WINE_DUP2_SAME_REDUPS: _dup2(fd, fd) duplicates and closes the old. */
static int wine_dup2_same(void) {
  return 1;
}

/* WINE_SAMEATTR_IGNORED: DUPLICATE_SAME_ATTRIBUTES changes nothing. */
static int wine_sameattr(void) {
  return 0;
}

static void q_seek(struct co__hooks *h) {
  h->seek_early = wine_seek_early;
}
static void q_empty_write(struct co__hooks *h) {
  h->empty_write = wine_empty_write;
}
static void q_param(struct co__hooks *h) {
  h->param_err = msvcrt_param_err;
  h->lend_err = msvcrt_param_err;
  h->seek_badfd_err = msvcrt_param_err;
  h->badfd_err = msvcrt_param_err;
  h->stat_badfd_err = msvcrt_param_err;
  h->resize_badfd_err = msvcrt_param_err;
  h->text_param_err = msvcrt_param_err;
}
/* WINE_GET_OSFHANDLE_NO_IPH: Wine's _get_osfhandle returns -1, EBADF,
 * without the handler, under both runtimes. */
static void q_lend(struct co__hooks *h) {
  h->lend_err = msvcrt_param_err;
}
/* WINE_LSEEK_NO_IPH: Wine's _lseeki64 returns -1, EBADF, without the
 * handler, under both runtimes. */
static void q_lseek(struct co__hooks *h) {
  h->seek_badfd_err = msvcrt_param_err;
}
/* WINE_BADFD_NO_IPH: Wine's _write, _dup, _dup2 and _fdopen (its
 * msvcrt_init_fp) return -1 or NULL with EBADF for a descriptor that is
 * not open, without the handler, under both runtimes. */
static void q_badfd(struct co__hooks *h) {
  h->badfd_err = msvcrt_param_err;
  h->read0_before_fd = 1;
}
/* WINE_FSTAT_CHSIZE_ERRNO: Wine's _fstat64 of a descriptor that is not
 * open returns -1 and sets no errno; its _chsize_s returns errno as it
 * was (0 here: success, and _chsize 0). */
static int wine_no_errno(int err) {
  (void)err;
  return CO_OK;
}
/* ... and on a handle without write access it calls SetEndOfFile
 * whatever the size, which fails with EBADF (observed under Wine 8.0) */
static int wine_resize_rdonly(int same) {
  (void)same;
  return CO_EBADF;
}
/* ... and its _fstat64 of a descriptor whose handle was closed fails
 * with EINVAL (its query of the file fails: ERROR_INVALID_PARAMETER) */
static int wine_stat_gone(void) {
  return CO_EINVAL;
}
static void q_keeps_errno(struct co__hooks *h) {
  h->stat_gone_err = wine_stat_gone;
  h->stat_badfd_err = wine_no_errno;
  h->resize_badfd_err = wine_no_errno;
  h->resize_rdonly_err = wine_resize_rdonly;
}
static void q_dup2(struct co__hooks *h) {
  h->dup2_same = wine_dup2_same;
}

static void q_sameattr(struct co__hooks *h) {
  h->sameattr = wine_sameattr;
}

/* WINE_DUP_ACCESS_UNCHECKED: Wine's server grants a duplicate the access
 * it asks for when the file's own security allows it. */
static int wine_dup_access(void) {
  return 1;
}
static void q_dup_access(struct co__hooks *h) {
  h->dup_access_unchecked = wine_dup_access;
}
/* WINE_TEXT_MODES: Wine's text-mode checks call no handler, _O_BINARY
 * resets the Unicode kind, a previous _O_U8TEXT is reported as _O_WTEXT. */
static void q_text_modes(struct co__hooks *h) {
  h->text_param_err = msvcrt_param_err;
  h->binary_keeps_unicode = 0;
  h->u8_as_wtext = 1;
  h->setmode_closed_slot = 1;
  h->dup_keeps_unicode = 0;
}
/* WINE_READ_EOF_STICKY: a _read of 0 bytes sets the end-of-file flag. */
static void q_eof_sticky(struct co__hooks *h) {
  h->eof_sticky = 1;
}

/* WINE_PIPE_SEEK_FAILS: SetFilePointerEx on a pipe end fails. */
static void q_pipe_seek(struct co__hooks *h) {
  h->pipe_seek_fails = 1;
}

static const struct {
  unsigned bit;
  void (*apply)(struct co__hooks *h);
} quirk_hooks[] = {
    {CO_QUIRK_WINE_SEEK_BEFORE_HANDLE, q_seek},
    {CO_QUIRK_WINE_EMPTY_APPEND_WRITE_MOVES, q_empty_write},
    {CO_QUIRK_MSVCRT_NO_IPH, q_param},
    {CO_QUIRK_WINE_DUP2_SAME_REDUPS, q_dup2},
    {CO_QUIRK_WINE_GET_OSFHANDLE_NO_IPH, q_lend},
    {CO_QUIRK_WINE_SAMEATTR_IGNORED, q_sameattr},
    {CO_QUIRK_WINE_LSEEK_NO_IPH, q_lseek},
    {CO_QUIRK_WINE_DUP_ACCESS_UNCHECKED, q_dup_access},
    {CO_QUIRK_WINE_BADFD_NO_IPH, q_badfd},
    {CO_QUIRK_WINE_FSTAT_CHSIZE_ERRNO, q_keeps_errno},
    {CO_QUIRK_WINE_TEXT_MODES, q_text_modes},
    {CO_QUIRK_WINE_READ_EOF_STICKY, q_eof_sticky},
    {CO_QUIRK_WINE_VALIDDATA_NO_PRIVILEGE, q_valid_data},
    {CO_QUIRK_WINE_PIPE_SEEK_FAILS, q_pipe_seek},
};

void co__hooks_init(struct co__hooks *h, unsigned quirks) {
  size_t i;
  h->seek_early = ref_seek_early;
  h->empty_write = ref_empty_write;
  h->param_err = ref_param_err;
  h->lend_err = ref_param_err; /* UCRT osfinfo.cpp _get_osfhandle */
  h->dup2_same = ref_dup2_same;
  h->sameattr = ref_sameattr;
  h->seek_badfd_err = ref_param_err; /* UCRT lowio/lseek.cpp */
  h->dup_access_unchecked = ref_dup_access;
  /* UCRT write.cpp, dup.cpp, dup2.cpp, fdopen.cpp: _VALIDATE_*(FOPEN) */
  h->badfd_err = ref_param_err;
  h->read0_before_fd = 0;            /* UCRT read.cpp: FOPEN validated first */
  h->stat_badfd_err = ref_param_err; /* UCRT stat.cpp _fstat64 */
  h->resize_badfd_err = ref_param_err; /* UCRT lowio/chsize.cpp */
  h->resize_rdonly_err = ref_resize_rdonly;
  h->stat_gone_err = ref_stat_gone;
  h->text_param_err = ref_param_err; /* UCRT setmode.cpp, read.cpp, write.cpp */
  h->binary_keeps_unicode = 1;       /* UCRT setmode.cpp: FTEXT cleared only */
  h->u8_as_wtext = 0;                /* UCRT setmode.cpp: _O_U8TEXT */
  h->setmode_closed_slot = 0;        /* UCRT setmode.cpp: FOPEN checked */
  h->dup_keeps_unicode = 1;          /* UCRT dup.cpp, dup2.cpp: _textmode */
  h->eof_sticky = 0;                 /* UCRT read.cpp: FEOFLAG at Ctrl+Z */
  h->valid_data = ref_valid_data;
  h->pipe_seek_fails = 0; /* Microsoft: not for a pipe; result undefined */
  for (i = 0; i < sizeof quirk_hooks / sizeof quirk_hooks[0]; i++)
    if (quirks & quirk_hooks[i].bit)
      quirk_hooks[i].apply(h);
}

void co_quirks_print(unsigned mask, FILE *out) {
#define CO__Q_PRINT(id, bit, profile, text)                                    \
  if (mask & (bit))                                                            \
    fprintf(out, "  - %s: %s\n", profile, text);
  CO_QUIRK_LIST(CO__Q_PRINT)
#undef CO__Q_PRINT
}
