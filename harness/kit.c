/*
 * co_kit_main: a user's adapter as a closeonce program; co_kit_fuzz_*: the
 * same adapter as a libFuzzer or AFL++ program (CO_KIT_MAIN, kit.h), run by
 * the engine entry points' executor (closeonce/fuzz.h). co_kit_register
 * gives the adapter's target this platform's backend and layers: POSIX
 * descriptors and stdio; on Windows HANDLEs (with DuplicateHandle's
 * close-source form and SetHandleInformation) and the C runtime's
 * descriptors and streams over them.
 */
#include "closeonce/kit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closeonce/fuzz.h"
#include "closeonce/target.h"
#ifdef _WIN32
#include "win32/win32.h"
#endif

#ifdef _WIN32
/* The client's HANDLE calls around a user's library: CreateFile,
 * DuplicateHandle (and with DUPLICATE_CLOSE_SOURCE), CloseHandle,
 * WriteFile, SetFilePointerEx, Get/SetHandleInformation (inherit). Not
 * HANDLE_FLAG_PROTECT_FROM_CLOSE: a well-behaved client that protects a
 * handle and then gives it to a library that owns it has made the
 * library's CloseHandle fail; that is conformance (the win32 target). */
static const uint8_t kit_ops[] = {CO_OP_OPEN,  CO_OP_DUP,   CO_OP_DUP_CLOSE,
                                  CO_OP_CLOSE, CO_OP_WRITE, CO_OP_LSEEK,
                                  CO_OP_GETFD, CO_OP_SETFD};
#define KIT_NOPS (sizeof kit_ops)
#define KIT_BACKEND co_backend_win32
/* The C runtime's descriptors (_open_osfhandle, _get_osfhandle, _close,
 * _dup, _dup2, _write) and streams over them (_fdopen, _fileno, fwrite,
 * fclose). */
static const char *const kit_layers[] = {"crt", "crt-stdio"};

int co_kit_crt_fd(const void *crt_object) {
  return (int)co_adapter_crt.number_of((void *)(uintptr_t)crt_object);
}

int64_t co_kit_crt_osfhandle(int fd) {
  return co_crt_peek_osfhandle(fd);
}
#else
#define kit_ops co_client_ops
#define KIT_NOPS co_client_nops
#define KIT_BACKEND co_backend_posix
static const char *const kit_layers[] = {"stdio"};
#endif
#define KIT_NLAYERS (sizeof kit_layers / sizeof *kit_layers)

int co_kit_register_layers(const struct co_adapter *const *a, size_t na,
                           const char *summary, char *err, size_t cap) {
  struct co_target *t;
  size_t i, k, n = 0;
  const size_t max = sizeof t->layers / sizeof *t->layers;
  if (na < 1 || na + KIT_NLAYERS > max) {
    snprintf(err, cap, "a kit target has 1 to %zu layers of its own, not %zu",
             max - KIT_NLAYERS, na);
    return -1;
  }
  for (i = 0; i < na; i++)
    if (co_adapter_register(a[i], err, cap) < 0)
      return -1;
  if (co_target_find(a[0]->contract->layer))
    return 0; /* registered already */
  if (!(t = calloc(1, sizeof *t))) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  t->name = a[0]->contract->layer;
  t->summary = summary;
  t->backend = &KIT_BACKEND;
  t->kinds = kit_ops;
  t->nkinds = KIT_NOPS;
  for (i = 0; i < na; i++)
    t->layers[n++] = a[i]->contract->layer;
  for (k = 0; k < KIT_NLAYERS; k++) {
    for (i = 0; i < na && strcmp(kit_layers[k], a[i]->contract->layer); i++)
      ;
    if (i == na)
      t->layers[n++] = kit_layers[k];
  }
  t->mode = CO_MODE_CONTRACT;
  if (co_target_register(t, err, cap) < 0) {
    free(t);
    return -1;
  }
  return 0;
}

int co_kit_register(const struct co_adapter *a, const char *summary, char *err,
                    size_t cap) {
  return co_kit_register_layers(&a, 1, summary, err, cap);
}

int co_kit_main_layers(int argc, char **argv, const struct co_adapter *const *a,
                       size_t n, const char *summary) {
  char err[256];
  if (co_kit_register_layers(a, n, summary, err, sizeof err) < 0) {
    fprintf(stderr, "closeonce kit: %s\n", err);
    return 2;
  }
  co_targets_freeze();
  return co_cli_run(argc, argv, a[0]->contract->layer);
}

int co_kit_main(int argc, char **argv, const struct co_adapter *a,
                const char *summary) {
  return co_kit_main_layers(argc, argv, &a, 1, summary);
}

struct co_fuzz *co_kit_fuzz_start_layers(const struct co_adapter *const *a,
                                         size_t n, const char *summary) {
  char err[256];
  if (co_kit_register_layers(a, n, summary, err, sizeof err) < 0) {
    fprintf(stderr, "closeonce kit: %s\n", err);
    exit(2);
  }
  co_targets_freeze();
  return co_fuzz_start(a[0]->contract->layer);
}

struct co_fuzz *co_kit_fuzz_start(const struct co_adapter *a,
                                  const char *summary) {
  return co_kit_fuzz_start_layers(&a, 1, summary);
}

int co_kit_fuzz_one(struct co_fuzz *fz, const uint8_t *data, size_t size) {
  return co_fuzz_run(fz, data, size);
}

void co_kit_fuzz_exit(struct co_fuzz *fz) {
  if (getenv("CLOSEONCE_HYGIENE"))
    co_fuzz_exit_check(fz);
}
