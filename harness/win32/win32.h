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
/* The C runtime's quirks found by start-up probes (crt.c): the text
 * modes, the end-of-file flag, calls on a descriptor that is not open. */
unsigned co_crt_quirks(void);

#endif
