/* The adapters of the hlib example's program: hlib's (adapter.c) and the
 * client's own bridge over it (app_adapter.c). */
#ifndef HLIB_EXAMPLE_ADAPTERS_H
#define HLIB_EXAMPLE_ADAPTERS_H

#include <closeonce/contract.h>

extern const struct co_adapter hlib_adapter;
extern const struct co_adapter app_adapter;

#endif
