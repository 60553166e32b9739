/*
 * The target registry.
 */
#include "closeonce/target.h"

#include <string.h>

static const uint8_t posix_ops[] = {
    CO_OP_OPEN,        CO_OP_DUP,   CO_OP_DUP2,  CO_OP_DUP3,  CO_OP_DUPFD,
    CO_OP_GETFD,       CO_OP_SETFD, CO_OP_GETFL, CO_OP_SETFL, CO_OP_CLOSE,
    CO_OP_CLOSE_RANGE, CO_OP_WRITE, CO_OP_LSEEK};

static const struct co_target target_posix = {
    "posix",
    "Linux descriptors: open/dup/dup2/dup3/fcntl/close/close_range/write/"
    "lseek, conformance mode",
    &co_backend_posix,
    {posix_ops, sizeof posix_ops}};

const struct co_target *const co_targets[] = {&target_posix, NULL};

const struct co_target *co_target_find(const char *name) {
  size_t i;
  for (i = 0; co_targets[i]; i++)
    if (strcmp(co_targets[i]->name, name) == 0)
      return co_targets[i];
  return NULL;
}
