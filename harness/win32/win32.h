/*
 * Win32 backend internals shared with the CRT adapter and the tests.
 */
#ifndef CLOSEONCE_WIN32_INTERNAL_H
#define CLOSEONCE_WIN32_INTERNAL_H

/* The normalized error (enum co_err) of a GetLastError code. */
int co_err_from_win32(unsigned long code);
/* Entries left in the backend's private directory, or -1. */
int co_win32_dir_entries(void *self);
/* The handle C-runtime descriptor fd stores, -1 if it is not open (an
 * observation: the invalid-parameter handler is not counted). */
#include <stdint.h>
int64_t co_crt_peek_osfhandle(int fd);
/* 1 if _write, _dup, _dup2 and _fdopen of a descriptor that is not open
 * return EBADF without the invalid-parameter handler (quirk
 * WINE_BADFD_NO_IPH): a probe with -1, which no descriptor is. */
int co_crt_badfd_no_iph(void);
/* 1 if _fstat of a descriptor that is not open sets no errno and
 * _chsize_s of one returns errno as it was (quirk WINE_FSTAT_CHSIZE_ERRNO);
 * probed with -1. */
int co_crt_fstat_chsize_errno(void);
/* The C runtime's quirks found by start-up probes (crt.c). */
unsigned co_crt_quirks(void);

#endif
