/*
 * Names of the normalized errors.
 */
#include "closeonce/error.h"

#include <errno.h>
#include <stdio.h>

static const char *const names[CO_ERR_COUNT] = {
#define CO__ERR_NAME(name, desc) #name,
    CO_ERRNO_MAP(CO__ERR_NAME)
#undef CO__ERR_NAME
};
static const char *const descs[CO_ERR_COUNT] = {
#define CO__ERR_DESC(name, desc) desc,
    CO_ERRNO_MAP(CO__ERR_DESC)
#undef CO__ERR_DESC
};

const char *co_err_name(int err) {
  return err >= 0 && err < CO_ERR_COUNT ? names[err] : "?";
}

const char *co_err_str(int err) {
  return err >= 0 && err < CO_ERR_COUNT ? descs[err] : "?";
}

int co_err_from_errno(int e) {
  switch (e) {
  case 0:
    return CO_OK;
  case EBADF:
    return CO_EBADF;
  case EINVAL:
    return CO_EINVAL;
  case EMFILE:
    return CO_EMFILE;
  case ENFILE:
    return CO_ENFILE;
  case EBUSY:
    return CO_EBUSY;
  case EINTR:
    return CO_EINTR;
  case EIO:
    return CO_EIO;
  case EPERM:
    return CO_EPERM;
  case EACCES:
    return CO_EACCES;
  case ENOENT:
    return CO_ENOENT;
  case ENOSPC:
    return CO_ENOSPC;
  case ESPIPE:
    return CO_ESPIPE;
  case EOVERFLOW:
    return CO_EOVERFLOW;
  case ENOSYS:
    return CO_ENOSYS;
  case ENXIO:
    return CO_ENXIO;
  case EPIPE:
    return CO_EPIPE;
  case EAGAIN:
    return CO_EAGAIN;
  case ECONNRESET:
    return CO_ECONNRESET;
  case ENOTCONN:
    return CO_ENOTCONN;
  case ENOTSOCK:
    return CO_ENOTSOCK;
  case ECONNREFUSED:
    return CO_ECONNREFUSED;
  case EOPNOTSUPP:
    return CO_EOPNOTSUPP;
  case ENOMEM: /* issue 21: an injected allocation failure */
    return CO_ENOMEM;
  case EISDIR: /* evdir */
    return CO_EISDIR;
  case EEXIST:
    return CO_EEXIST;
#ifdef ELOOP
  case ELOOP:
    return CO_ELOOP;
#endif
  case ENOTDIR:
    return CO_ENOTDIR;
  default:
    return CO_OTHER;
  }
}

static const struct co_words posix_words = {"descriptor", "descriptors",
                                            "close", "errno", 0};
static const struct co_words win32_words = {"HANDLE", "HANDLEs", "CloseHandle",
                                            "GetLastError", 1};

const struct co_words *co_words(int platform) {
  return platform == 1 ? &win32_words : &posix_words;
}

const char *co_words_value(const struct co_words *w, long long v, char *buf,
                           unsigned cap) {
  if (w->win32 && v >= 0)
    snprintf(buf, cap, "0x%llx", (unsigned long long)v);
  else
    snprintf(buf, cap, "%lld", v);
  return buf;
}

const char *co_words_num(const struct co_words *w, long long v, char *buf,
                         unsigned cap) {
  char num[24];
  snprintf(buf, cap, "%s %s", w->handle, co_words_value(w, v, num, sizeof num));
  return buf;
}

/* The Win32 error a normalized one comes from, where only one does
 * (harness/win32/backend.c's table, docs/win32.md#errors). */
const char *co_words_err(const struct co_words *w, int err) {
  if (w->win32)
    switch (err) {
    case CO_EBADF:
      return "ERROR_INVALID_HANDLE";
    case CO_EACCES:
      return "ERROR_ACCESS_DENIED";
    case CO_EMFILE:
      return "ERROR_TOO_MANY_OPEN_FILES";
    }
  return co_err_name(err);
}

/* The GetLastError codes closeonce meets (docs/win32.md#errors). */
const char *co_words_raw(const struct co_words *w, int raw) {
  static const struct {
    int code;
    const char *name;
  } codes[] = {{2, "ERROR_FILE_NOT_FOUND"},
               {3, "ERROR_PATH_NOT_FOUND"},
               {4, "ERROR_TOO_MANY_OPEN_FILES"},
               {5, "ERROR_ACCESS_DENIED"},
               {6, "ERROR_INVALID_HANDLE"},
               {87, "ERROR_INVALID_PARAMETER"},
               {131, "ERROR_NEGATIVE_SEEK"},
               {32, "ERROR_SHARING_VIOLATION"},    /* names: ReOpenFile */
               {1314, "ERROR_PRIVILEGE_NOT_HELD"}, /* names: SetFileValidData */
               /* winsock (docs/win32.md#sockets): WSAGetLastError's codes */
               {10022, "WSAEINVAL"},
               {10035, "WSAEWOULDBLOCK"},
               {10038, "WSAENOTSOCK"},
               {10053, "WSAECONNABORTED"},
               {10054, "WSAECONNRESET"},
               {10057, "WSAENOTCONN"},
               {10058, "WSAESHUTDOWN"},
               {10093, "WSANOTINITIALISED"},
               /* issue 20, pipes (docs/win32.md#pipes) */
               {1, "ERROR_INVALID_FUNCTION"},
               {66, "ERROR_BAD_DEV_TYPE"},
               {109, "ERROR_BROKEN_PIPE"},
               {232, "ERROR_NO_DATA"}};
  size_t i;
  if (!w->win32)
    return NULL;
  for (i = 0; i < sizeof codes / sizeof *codes; i++)
    if (codes[i].code == raw)
      return codes[i].name;
  return NULL;
}
