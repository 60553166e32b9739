/*
 * app: the client's own code in closeonce's story: a program that uses
 * hlib and writes through the C runtime. Its bridge gives a C-runtime
 * descriptor for a HANDLE it does not own (hlib_handle's), so that the
 * rest of the program can use _write.
 *
 *   app_crt_fd     a C-runtime descriptor over the HANDLE; the HANDLE
 *                  stays its owner's (hlib_close still closes it)
 *   app_write      writes n bytes through the descriptor (_write)
 *   app_crt_close  closes the descriptor (_close) and what it made;
 *                  never the caller's HANDLE
 *
 * APP_PLANTED_BUG (closeonce's own tests): 1, the story's bug: app_crt_fd
 * gives the HANDLE itself to _open_osfhandle, which adopts it, so
 * app_crt_close's _close closes the HANDLE hlib owns and hlib_close's
 * CloseHandle then fails with ERROR_INVALID_HANDLE (or closes whatever
 * was given that value since). The fix, app.c without it: _open_osfhandle
 * of a DuplicateHandle copy.
 */
#ifndef APP_H
#define APP_H

#include <windows.h>

int app_crt_fd(HANDLE h);
int app_write(int fd, const void *buf, unsigned n);
int app_crt_close(int fd);

#endif
