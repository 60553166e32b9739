/*
 * kfixlib: a small I/O library for the tests of fuzz --keep-going,
 * --isolate and the adapter's reset hook (tests/kitfix/adapter.c). An
 * object writes to a descriptor it owns or borrows:
 *
 *   kf_from_fd(fd, owns, bugs)  an object over fd (fails with EBADF if fd
 *                               is not open; the caller keeps fd)
 *   kf_fd      the object's descriptor (lent)
 *   kf_copy_of(fd, bugs)  an object over a dup(2) of fd, which it owns;
 *                         the caller keeps fd (fdopen(dup(fd)))
 *   kf_export  a duplicate the caller owns
 *   kf_put     one write(2)
 *   kf_free    frees the object; closes fd if it owns it
 *   kf_crash_put  kf_put, but a write of 3 bytes kills the process with
 *                 SIGSEGV (a crash for --isolate to report)
 *
 * Planted bugs (bugs argument, bits): KF_BUG_EXPORT_NODUP (kf_export
 * returns the object's own descriptor), KF_BUG_PUT_CLOSES (kf_put that wrote
 * 4 bytes or more closes the descriptor), KF_BUG_FREE_LEAKS
 * (kf_free never closes an owned descriptor), KF_BUG_COPY_NODUP (kf_copy_of
 * takes fd itself, not a duplicate).
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
#define KF_BUG_COPY_NODUP 0x8

struct kf;
struct kf *kf_from_fd(int fd, int owns, unsigned bugs);
struct kf *kf_copy_of(int fd, unsigned bugs);
int kf_fd(const struct kf *k);
int kf_export(struct kf *k);
long kf_put(struct kf *k, const void *buf, size_t n);
long kf_crash_put(struct kf *k, const void *buf, size_t n);
int kf_free(struct kf *k);
struct kf *kf_take_counted(int fd);
void kf_reset(void);

#endif
