/*
 * Names of the normalized errors.
 */
#include "closeonce/error.h"

#include <errno.h>

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
  default:
    return CO_OTHER;
  }
}
