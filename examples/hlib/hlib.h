/*
 * hlib: a small Windows I/O library, the third party of closeonce's story.
 * An hlib file owns one HANDLE, from CreateFileW; an hlib log writes lines
 * to a HANDLE it borrows, through a C-runtime stream.
 *
 *   hlib_open     creates a file (CreateFileW) and owns its HANDLE
 *   hlib_adopt    takes ownership of a HANDLE on success; NULL, and the
 *                 caller keeps it, if it is not an open handle
 *   hlib_handle   the borrow accessor: lends the HANDLE; hlib still owns
 *                 it and hlib_close closes it. DuplicateHandle it before
 *                 you give it to anyone who closes (_open_osfhandle does)
 *   hlib_log      a log over a HANDLE it borrows: hlib_close of the log
 *                 leaves the HANDLE open (it writes through a duplicate)
 *   hlib_write    writes n bytes (WriteFile; for a log one fwrite)
 *   hlib_close    closes what the object owns and frees it; -1 if that
 *                 close failed (an ERROR_INVALID_HANDLE: someone closed it)
 *
 * Failures return NULL or -1 with errno (EBADF for a handle that is not
 * open, ENOMEM); the library keeps no state of its own.
 *
 * HLIB_PLANTED_BUG (closeonce's own test, and the story's bug): hlib_log
 * gives the borrowed HANDLE itself to _open_osfhandle, so the log's fclose
 * closes a HANDLE it was only lent; the owner's close then fails.
 */
#ifndef HLIB_H
#define HLIB_H

#include <stddef.h>
#include <wchar.h>
#include <windows.h>

struct hlib;

struct hlib *hlib_open(const wchar_t *path);
struct hlib *hlib_adopt(HANDLE h);
struct hlib *hlib_log(HANDLE h);
HANDLE hlib_handle(const struct hlib *f);
long hlib_write(struct hlib *f, const void *buf, size_t n);
int hlib_close(struct hlib *f);

#endif
