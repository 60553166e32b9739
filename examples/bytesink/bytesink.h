/*
 * bytesink: a tiny library that writes into a descriptor, standing in for
 * "your library" in closeonce's kit example. Its twist is OpenSSL's
 * BIO_CLOSE/BIO_NOCLOSE: sink_from_fd's flag decides who closes the fd.
 */
#ifndef BYTESINK_H
#define BYTESINK_H

#include <stddef.h>

struct sink;

/* Wraps fd. close_on_free: sink_free closes fd (the sink owns it);
 * otherwise the caller keeps owning it. NULL with errno EBADF if fd is not
 * open (the caller keeps it). */
struct sink *sink_from_fd(int fd, int close_on_free);
/* The descriptor, lent: do not close it. */
int sink_fd(const struct sink *s);
/* Writes n bytes; returns n or -1. */
long sink_put(struct sink *s, const void *buf, size_t n);
/* Frees the sink, closing fd if it owns it. Returns 0 or -1. */
int sink_free(struct sink *s);

#endif
