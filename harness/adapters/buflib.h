/*
 * buflib: a small buffered stream over a descriptor, with the habits that
 * make an exact I/O contract fail although its ownership is simple (the
 * shape of libsndfile's sf_open_fd):
 *
 *   buf_open_fd  a stream that owns fd on success (closes it at
 *                buf_close); on failure the caller keeps fd. Mode "r"
 *                reads a 4-byte header at the current offset and fails
 *                (EINVAL) when fewer bytes are there; "w" starts at the
 *                end of the file; "u" (update) reads the header like "r"
 *                and writes later. It never checks the access mode.
 *   buf_fd       lends the descriptor; the stream keeps it
 *   buf_write    buffers up to 64 bytes, writing the buffer out when full;
 *                a failed write-out fails the call
 *   buf_detach   writes out what is buffered, frees the stream, and hands
 *                the descriptor back, open, even when the write-out failed
 *   buf_close    writes out what is buffered, closes fd; -1 if either
 *                failed (so it fails only with output pending, or on a
 *                descriptor that is gone)
 *
 * Planted bugs, for closeonce's own tests (0: none), chosen per stream.
 */
#ifndef BUFLIB_H
#define BUFLIB_H

#include <stddef.h>

struct buf;

/* buf_open_fd's failure path (a short header) closes the caller's fd. */
#define BUF_BUG_OPEN_FAIL_CLOSES 0x1
/* buf_close returns -1 without closing fd when the write-out fails. */
#define BUF_BUG_CLOSE_FAIL_LEAKS 0x2
/* buf_detach closes fd after writing out, and still returns its number. */
#define BUF_BUG_DETACH_CLOSES 0x4
/* A failed write-out in buf_write closes fd (which the stream goes on
 * owning, and closes again at buf_close). */
#define BUF_BUG_WRITE_FAIL_CLOSES 0x8

struct buf *buf_open_fd(int fd, const char *mode, unsigned bugs);
int buf_fd(const struct buf *b);
long buf_write(struct buf *b, const void *data, size_t n);
int buf_detach(struct buf *b);
int buf_close(struct buf *b);

#endif
