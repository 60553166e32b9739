/*
 * Names of the normalized errors.
 */
#include "closeonce/error.h"

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
