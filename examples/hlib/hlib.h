/*
 * hlib: a small Windows I/O library, the third party of closeonce's story.
 * An hlib file owns one HANDLE, from CreateFileW, or one C-runtime
 * descriptor.
 *
 *   hlib_open     creates a file (CreateFileW) and owns its HANDLE
 *   hlib_adopt    takes ownership of a HANDLE on success; NULL, and the
 *                 caller keeps it, if it is not an open handle
 *   hlib_fdopen   takes ownership of a C-runtime descriptor (hlib_close
 *                 _closes it, and so its HANDLE)
 *   hlib_handle   the borrow accessor: lends the HANDLE; hlib still owns
 *                 it and hlib_close closes it. Do not give it to anyone who
 *                 closes it (_open_osfhandle does): use hlib_export
 *   hlib_export   a duplicate of the HANDLE (DuplicateHandle), the
 *                 caller's to close or to give to _open_osfhandle
 *   hlib_write    writes n bytes (WriteFile; over a descriptor _write, so
 *                 its _O_APPEND and _O_TEXT apply)
 *   hlib_close    closes what the object owns and frees it; -1 if that
 *                 close failed (ERROR_INVALID_HANDLE: someone closed it)
 *
 * Failures return NULL, INVALID_HANDLE_VALUE or -1 with errno (EBADF for
 * a handle or descriptor that is not open, ENOMEM); the library keeps no
 * state of its own.
 *
 * HLIB_PLANTED_BUG, bits (closeonce's own tests): 1, the story's bug:
 * hlib_export returns the HANDLE hlib_handle lends, not a duplicate; the
 * caller gives it to _open_osfhandle, and the C runtime's _close and
 * hlib_close both close it. 2: hlib_close leaves an adopted HANDLE open.
 */
#ifndef HLIB_H
#define HLIB_H

#include <stddef.h>
#include <wchar.h>
#include <windows.h>

struct hlib;

struct hlib *hlib_open(const wchar_t *path);
struct hlib *hlib_adopt(HANDLE h);
struct hlib *hlib_fdopen(int fd);
HANDLE hlib_handle(const struct hlib *f);
HANDLE hlib_export(const struct hlib *f);
long hlib_write(struct hlib *f, const void *buf, size_t n);
int hlib_close(struct hlib *f);

#endif
