/*
 * The Microsoft C runtime's descriptor layer as an adapter: a CRT
 * descriptor adopts a HANDLE (_open_osfhandle), lends it (_get_osfhandle),
 * writes through it (_write) and closes it (_close). Windows builds only.
 *
 * Contract (S§3, UCRT lowio/osfinfo.cpp and close.cpp; ML _open_osfhandle):
 *  - _open_osfhandle takes the handle without duplicating it; on success
 *    the descriptor owns it (_close will CloseHandle it); when GetFileType
 *    fails (a closed handle) it returns -1 with EBADF and no
 *    invalid-parameter handler, and the caller keeps what it passed.
 *  - _get_osfhandle returns the stored value: a borrow, stale once
 *    someone else closes the handle.
 *  - _close frees the descriptor whatever CloseHandle says; if CloseHandle
 *    failed (the handle was closed by another party) it returns -1, EBADF.
 * Not modelled here: the descriptor numbers themselves (lowest free, from
 * 3), _dup/_dup2, _fdopen/fclose/_fileno over a descriptor, _setmaxstdio
 * limits (left for the pager issue, which needs them).
 *
 * The invalid-parameter handler: a recording handler is installed for the
 * process (mingw's start-up installs a do-nothing one, S§8). A call during
 * which it fires reports CO_IPH; the contract never expects it, so any
 * firing is an invalid-handle finding.
 */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdlib.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"

static volatile long iph_fired;

static void __cdecl record_iph(const wchar_t *expr, const wchar_t *func,
                               const wchar_t *file, unsigned line,
                               uintptr_t reserved) {
  (void)expr;
  (void)func;
  (void)file;
  (void)line;
  (void)reserved;
  iph_fired++;
}

static const struct co_mode modes[] = {
    {"rw", 1, CO_NEED_READ | CO_NEED_WRITE, 0, 0}, {NULL, 0, 0, 0, 0}};

enum { E_OPEN_OSFHANDLE, E_GET_OSFHANDLE, E_WRITE, E_CLOSE };

static const struct co_entry entries[] = {
    {"_open_osfhandle", CO_EFF_ADOPT_ON_SUCCESS, CO_CHK_VALID, CO_IO_EXACT, 1,
     modes,
     "ML _open_osfhandle: the descriptor takes the handle (no duplicate); "
     "UCRT lowio/osfinfo.cpp: GetFileType failure -> -1, errno from "
     "GetLastError (EBADF), the handle stays the caller's"},
    {"_get_osfhandle", CO_EFF_LEND, 0, CO_IO_EXACT, 1, NULL,
     "ML _get_osfhandle: returns the stored handle; the descriptor still "
     "owns it"},
    {"_write", CO_EFF_USE, 0, CO_IO_EXACT, 1, NULL,
     "ML _write: binary mode, one WriteFile of n bytes"},
    {"_close", CO_EFF_CLOSE, 0, CO_IO_EXACT, 1, NULL,
     "UCRT lowio/close.cpp: CloseHandle, the slot is freed even when it "
     "fails; then -1 with errno mapped (EBADF)"},
};

static const struct co_contract contract = {"crt", entries,
                                            sizeof entries / sizeof *entries};

/* The object is the descriptor number + 1 (never NULL). */
static int fd_of(void *obj) {
  return (int)((intptr_t)obj - 1);
}

static void crt_call(const struct co_glue_env *env, unsigned e, unsigned mode,
                     void **obj, int64_t h, int32_t n, struct co_outcome *out) {
  static const char buf[256];
  static int installed;
  long before, r = 0;
  (void)env;
  (void)mode;
  if (!installed) {
    _set_invalid_parameter_handler(record_iph);
    installed = 1;
  }
  before = iph_fired;
  errno = 0;
  switch (e) {
  case E_OPEN_OSFHANDLE: {
    int fd = _open_osfhandle((intptr_t)h, _O_RDWR | _O_BINARY);
    *obj = fd >= 0 ? (void *)(intptr_t)(fd + 1) : NULL;
    r = fd >= 0 ? 0 : -1;
    break;
  }
  case E_GET_OSFHANDLE:
    r = (long)_get_osfhandle(fd_of(*obj));
    break;
  case E_WRITE:
    r = _write(fd_of(*obj), buf, (unsigned)n);
    break;
  case E_CLOSE:
    r = _close(fd_of(*obj));
    *obj = NULL;
    break;
  default:
    r = -1;
    errno = ENOSYS;
  }
  co_outcome_from_c(out, r, errno);
  if (iph_fired != before) {
    out->ret = -1;
    out->err = CO_IPH;
    out->raw = errno;
  }
}

/* The handle a descriptor stores (no validation: a stale value shows). */
static int64_t crt_handle_of(void *obj) {
  long before = iph_fired;
  intptr_t h = _get_osfhandle(fd_of(obj));
  iph_fired = before; /* an observation, not a call of the trace */
  return (int64_t)h;
}

const struct co_adapter co_adapter_crt = {CO_ADAPTER_VERSION, &contract,
                                          crt_call, crt_handle_of};
