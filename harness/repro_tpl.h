/*
 * Internal: the reproducers' template language (closeonce/contract.h,
 * "Reproducer templates"), implemented in repro.c. The registry
 * (contract.c) checks an adapter's templates with it when the adapter
 * registers; repro.c expands them.
 */
#ifndef CLOSEONCE_REPRO_TPL_H
#define CLOSEONCE_REPRO_TPL_H

#include <stddef.h>

#include "closeonce/contract.h"

/* The first adapter version with templates (co_entry.c, co_contract.repro):
 * older adapters' are not read. */
#define CO__REPRO_VERSION 5

/* The placeholders, as bits of a mask. */
enum co__ph {
  CO__PH_R,
  CO__PH_O,
  CO__PH_SRC,
  CO__PH_FD,
  CO__PH_MODE,
  CO__PH_MODENO,
  CO__PH_N,
  CO__PH_BUF,
  CO__PH_PATH,
  CO__PH_VARIANT,
  CO__PH_WINDOW,
  CO__PH_WATERMARK,
  CO__PH_COUNT
};
#define CO__PH(p) (1u << (p))

/* Checks an adapter's templates (version 5): every entry's c and the
 * contract's repro head and init. Returns 0, or -1 with "adapter L: entry
 * E, field c: ..." (or "field repro.head: ...") in err. */
int co__repro_check(const struct co_adapter *a, char *err, size_t cap);

#endif
