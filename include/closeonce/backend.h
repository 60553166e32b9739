/*
 * closeonce: a backend is a real implementation behind the operation table.
 *
 * A versioned table of function pointers (append-only: new members go at the
 * end and raise CO_BACKEND_VERSION), SQLite-VFS style. A backend issues the
 * calls the executor gives it and answers observation queries; it never
 * decides what is safe: the executor only hands it numbers that the trace
 * reaches (never a foreign descriptor).
 */
#ifndef CLOSEONCE_BACKEND_H
#define CLOSEONCE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/model.h"

#define CO_BACKEND_VERSION 6

/* What one query of a number sees. */
struct co_obs {
  int valid;   /* the number is open */
  int cloexec; /* its per-descriptor close-on-exec bit (if valid); on
                  Win32: not HANDLE_FLAG_INHERIT */
  int protect; /* Win32 HANDLE_FLAG_PROTECT_FROM_CLOSE; 0 elsewhere */
};

struct co_backend {
  int version; /* CO_BACKEND_VERSION */
  const char *name;

  /* Create the private state (a temporary directory for files). Returns
   * NULL and writes a message to err on failure. The backend's own
   * descriptors are open before the executor takes the foreign set. */
  void *(*create)(char *err, size_t errcap);
  /* Remove the temporary directory and release everything. */
  void (*destroy)(void *self);

  /* Every number open in the process now, in any order (the executor
   * sorts). *out is malloc'd by the backend and freed by the caller.
   * Returns 0 or -1. */
  int (*open_set)(void *self, int64_t **out /* OUT */, size_t *n /* OUT */);
  /* The descriptor limit (RLIMIT_NOFILE soft). */
  int64_t (*limit)(void *self);

  /* Issue one call; write the outcome (ret, normalized err, raw code). */
  void (*call)(void *self, const struct co_call *c,
               struct co_outcome *out /* OUT */);

  /* Observe one number: one system call. */
  void (*query)(void *self, int64_t num, struct co_obs *out /* OUT */);
  /* The offset of num's open file description, or -1. */
  int64_t (*offset)(void *self, int64_t num);
  /* 0 if a and b name the same open file description, 1 if not, -1 if it
   * cannot tell. */
  int (*same)(void *self, int64_t a, int64_t b);
  /* A key of the object behind num (the inode); 0 on success. */
  int (*object_key)(void *self, int64_t num, uint64_t *key /* OUT */);
  /* Validity of many numbers in one call: out[i] = 1 if nums[i] is open.
   * Returns 0 or -1. */
  int (*valid_many)(void *self, const int64_t *nums, size_t n,
                    uint8_t *out /* OUT */);

  /* Version 2. The private directory, where adapters may create files:
   * returns its descriptor and writes its path. */
  int (*private_dir)(void *self, const char **path /* OUT */);

  /* Version 3. The platform whose rules the model follows (enum
   * co_platform); a version 2 backend is POSIX. */
  int platform;
  /* The documented deviations (CO_QUIRK_*) of what it runs on; may be
   * NULL (none). */
  unsigned (*quirks)(void *self);

  /* Version 4, optional (NULL: the platform cannot). The standard
   * descriptors for a trace (co_exec_set_free_std): std_park moves the
   * process's 0, 1 and 2 out of the way, flushing the C library's
   * streams first, so that the numbers are free: each open one is
   * duplicated to a number above them (saved[i], -1 if i was not open) and
   * closed. std_restore puts them back after the trace (whatever the trace
   * left at 0-2 is closed first). 0, or -1 with nothing changed. */
  int (*std_park)(void *self, int64_t saved[3]);
  void (*std_restore)(void *self, const int64_t saved[3]);

  /* Version 4. The hard descriptor limit (RLIMIT_NOFILE hard), the most
   * the soft one can be raised to (setlimit, and the executor's raise for
   * traces that name high numbers); NULL: the platform has no such limit
   * to set. A backend whose call() issues CO_OP_SETLIMIT keeps the limit()
   * it reports current. */
  int64_t (*hard_limit)(void *self);

  /* Version 5, optional (NULL: not known). The trace's files, as the
   * backend probed them where it makes them (struct co_files in
   * closeonce/model.h; docs/posix.md#blocks, #reopen). */
  void (*files)(void *self, struct co_files *out /* OUT */);
  /* Version 5, optional (NULL: nothing to do). The trace is over (or
   * never began): whatever it started beyond the calls' own effects ends,
   * the second party's thread (docs/posix.md#party) with its table. */
  void (*trace_end)(void *self);

  /* Version 6, optional (NULL: nothing to do). Called once on each thread
   * of a scheduled run's pool when it starts, before any trace runs there
   * (docs/threads.md#scheduled): what the platform makes once per thread
   * on a thread's first call of a kind (Wine's ws2_32 makes a thread's own
   * event HANDLE at its first socket call:
   * docs/threads.md#win32-thread-handles) is made here, so that it is open
   * before a trace starts, never a leak of one. */
  void (*thread_init)(void *self);
};

/* The POSIX (Linux) backend. */
extern const struct co_backend co_backend_posix;
/* The Win32 backend: HANDLEs (CreateFile, DuplicateHandle, CloseHandle,
 * Get/SetHandleInformation, WriteFile, SetFilePointerEx). Windows builds
 * only. */
extern const struct co_backend co_backend_win32;

#endif
