/*
 * mlib: a test fixture for the kit's reproducers, a small library of the
 * kind a user brings (the "mlib" of issue 17): a write handle over a
 * descriptor, adopted with a mode.
 *
 *   mlib_adopt  a handle that owns fd on success; mode "rw" or "w" must be
 *               allowed by fd's access: EBADF if fd is not open, EINVAL if
 *               its access lacks the mode's; on failure the caller keeps fd
 *   mlib_fd     lends the descriptor; the handle keeps it
 *   mlib_write  one write(2)
 *   mlib_close  closes fd and frees the handle
 *
 * Planted bug, unless built with -DMLIB_FIXED: mlib_adopt's EINVAL path
 * closes fd, which the caller still owns (and will close again).
 */
#ifndef MLIB_H
#define MLIB_H

#include <stddef.h>

struct mlib;

struct mlib *mlib_adopt(int fd, const char *mode);
int mlib_fd(const struct mlib *m);
long mlib_write(struct mlib *m, const void *buf, size_t n);
int mlib_close(struct mlib *m);

#endif
