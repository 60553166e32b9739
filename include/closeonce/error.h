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
             "range); never a platform's code")

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
/* The normalized name of a C errno value (0 is CO_OK; unknown values are
 * CO_OTHER). For adapters' glue. */
int co_err_from_errno(int e);

#endif
