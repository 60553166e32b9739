/*
 * closeonce: the one normalized error list.
 *
 * Every backend maps its platform's raw code (errno, GetLastError) onto one
 * of these names. Reports show both the raw code and the normalized name;
 * the executor compares only the normalized one. This list is append-only:
 * the numeric values appear in reports and JSON.
 */
#ifndef CLOSEONCE_ERROR_H
#define CLOSEONCE_ERROR_H

/* X(name, description) */
#define CO_ERRNO_MAP(X)                                                        \
  X(OK, "success")                                                             \
  X(EBADF, "bad file descriptor / invalid handle")                             \
  X(EINVAL, "invalid argument")                                                \
  X(EMFILE, "per-process descriptor table full")                               \
  X(ENFILE, "system descriptor table full")                                    \
  X(EBUSY, "busy (dup2 race)")                                                 \
  X(EINTR, "interrupted")                                                      \
  X(EIO, "I/O error")                                                          \
  X(EPERM, "operation not permitted")                                          \
  X(EACCES, "permission denied")                                               \
  X(ENOENT, "no such file")                                                    \
  X(ENOSPC, "no space left")                                                   \
  X(ESPIPE, "illegal seek")                                                    \
  X(EOVERFLOW, "value too large")                                              \
  X(ENOSYS, "not implemented")                                                 \
  X(OTHER, "unmapped error")                                                   \
  X(IPH, "the C runtime's invalid-parameter handler fired")                    \
  X(REFUSED, "not issued: the model refused it (a foreign descriptor, a "      \
             "freed object, a live one it would lose, an operation out of "    \
             "range); never a platform's code")                                \
  X(ENXIO, "no such device or address (lseek SEEK_DATA/SEEK_HOLE past the "    \
           "end)")                                                             \
  /* issue 20: pipes and sockets (docs/posix.md#pipes, #sockets) */            \
  X(EPIPE, "broken pipe: no reader left, or the socket was shut down")         \
  X(EAGAIN, "would block (O_NONBLOCK)")                                        \
  X(ECONNRESET, "connection reset by peer")                                    \
  X(ENOTCONN, "socket not connected")                                          \
  X(ENOTSOCK, "not a socket")                                                  \
  X(ECONNREFUSED, "connection refused (a datagram socket's peer is gone)")     \
  X(EOPNOTSUPP, "operation not supported (accept on a datagram socket)")       \
  /* evdir (issue 20): directories, eventfd, epoll */                          \
  X(EISDIR, "is a directory")                                                  \
  X(EEXIST, "already exists (epoll_ctl ADD of a registered key)")              \
  X(ELOOP, "a loop of epoll instances")                                        \
  X(ENOTDIR, "not a directory")                                                \
  /* issue 21: an allocation a fault failed (docs/faults.md#errors) */         \
  X(ENOMEM, "out of memory")

enum co_err {
#define CO__ERR_ENUM(name, desc) CO_##name,
  CO_ERRNO_MAP(CO__ERR_ENUM)
#undef CO__ERR_ENUM
      CO_ERR_COUNT
};

/* "EBADF", "OK", ...; "?" for an out-of-range value. */
const char *co_err_name(int err);
/* A one-line description. */
const char *co_err_str(int err);
/*
 * How reports name handles and errors on a platform (enum co_platform,
 * closeonce/model.h: 0 POSIX, 1 Win32). POSIX speaks of descriptors and
 * errno; Win32 of HANDLE values, in hex, and of the Win32 error a HANDLE
 * call's GetLastError gives (ERROR_INVALID_HANDLE). The C runtime's
 * descriptors are descriptors on both, and its calls report errno. The
 * verdict names are the same on both.
 */
struct co_words {
  const char *handle;  /* "descriptor", "HANDLE" */
  const char *handles; /* "descriptors", "HANDLEs" */
  const char *close;   /* the close call: "close", "CloseHandle" */
  const char *code;    /* what a raw code is: "errno", "GetLastError" */
  int win32;
};
const struct co_words *co_words(int platform);
/* "descriptor 4", "HANDLE 0x1c" (value alone: co_words_value). Returns
 * buf. */
const char *co_words_num(const struct co_words *w, long long v, char *buf,
                         unsigned cap);
const char *co_words_value(const struct co_words *w, long long v, char *buf,
                           unsigned cap);
/* A normalized error as the platform's own handle calls report it:
 * "EBADF" on POSIX, "ERROR_INVALID_HANDLE" on Win32 (co_err_name where
 * Win32 has no single code). */
const char *co_words_err(const struct co_words *w, int err);
/* On Win32, the name of a GetLastError code (ERROR_INVALID_HANDLE for 6),
 * NULL for one closeonce does not meet; always NULL on POSIX. */
const char *co_words_raw(const struct co_words *w, int raw);

/* The normalized name of a C errno value (0 is CO_OK; unknown values are
 * CO_OTHER). For adapters' glue. */
int co_err_from_errno(int e);

#endif
