/*
 * kfixlib: a small I/O library for the tests of fuzz --keep-going,
 * --isolate and the adapter's reset hook (tests/kitfix/adapter.c). An
 * object writes to a descriptor it owns or borrows:
 *
 *   kf_from_fd(fd, owns, bugs)  an object over fd (fails with EBADF if fd
 *                               is not open; the caller keeps fd)
 *   kf_fd      the object's descriptor (lent)
 *   kf_export  a duplicate the caller owns
 *   kf_put     one write(2)
 *   kf_free    frees the object; closes fd if it owns it
 *   kf_crash_put  kf_put, but a write of 3 bytes kills the process with
 *                 SIGSEGV (a crash for --isolate to report)
 *
 * Planted bugs (bugs argument, bits): KF_BUG_EXPORT_NODUP (kf_export
 * returns the object's own descriptor), KF_BUG_PUT_CLOSES (kf_put that wrote
 * 4 bytes or more closes the descriptor), KF_BUG_FREE_LEAKS
 * (kf_free never closes an owned descriptor).
 *
 * kf_take_counted is kf_from_fd(fd, 1, 0) with process-global state, on
 * purpose (the state a real library keeps in a pool or a cache): the 5th
 * call in the process fails with EIO and closes fd, as libsndfile's
 * sf_open_fd does on its failure paths. kf_reset forgets the count.
 */
#ifndef KFIXLIB_H
#define KFIXLIB_H

#include <stddef.h>

#define KF_BUG_EXPORT_NODUP 0x1
#define KF_BUG_PUT_CLOSES 0x2
#define KF_BUG_FREE_LEAKS 0x4

struct kf;
struct kf *kf_from_fd(int fd, int owns, unsigned bugs);
int kf_fd(const struct kf *k);
int kf_export(struct kf *k);
long kf_put(struct kf *k, const void *buf, size_t n);
long kf_crash_put(struct kf *k, const void *buf, size_t n);
int kf_free(struct kf *k);
struct kf *kf_take_counted(int fd);
void kf_reset(void);

#endif
