/*
 * wiolib: a small stdio-like wrapper, the kind every code base grows: a
 * write stream over a descriptor, with a close-on-free flag in the style of
 * OpenSSL's BIO_CLOSE / BIO_NOCLOSE.
 *
 *   wio_take    a stream that owns fd (closes it when freed); fd must be
 *               open for writing: EBADF if it is not open, EINVAL if it is
 *               read-only; on failure the caller keeps fd
 *   wio_borrow  a stream over fd that never closes it (BIO_NOCLOSE)
 *   wio_fd      lends the descriptor; the stream keeps it
 *   wio_write   writes through the descriptor (unbuffered)
 *   wio_free    frees the stream, closing fd if it owns it
 *
 * Planted bugs, for closeonce's own tests: wio_take_planted and
 * wio_borrow_planted make a stream with WIO_BUG_... (the take's error path
 * too). The bugs are the stream's: the library keeps no state of its own.
 */
#ifndef WIOLIB_H
#define WIOLIB_H

#include <stddef.h>

struct wio;

/* wio_free ignores the close-on-free flag and closes a borrowed fd. */
#define WIO_BUG_BORROW_CLOSES 0x1
/* wio_free ignores the flag the other way: an owned fd is never closed. */
#define WIO_BUG_TAKE_LEAKS 0x2
/* wio_take's error path (a read-only fd) closes the caller's fd, which the
 * caller still owns and will close again. */
#define WIO_BUG_TAKE_FAIL_CLOSES 0x4

struct wio *wio_take(int fd);
struct wio *wio_borrow(int fd);
/* The same with planted bugs (0: none, as above). */
struct wio *wio_take_planted(int fd, unsigned bugs);
struct wio *wio_borrow_planted(int fd, unsigned bugs);
int wio_fd(const struct wio *w);
long wio_write(struct wio *w, const void *buf, size_t n);
int wio_free(struct wio *w);

#endif
