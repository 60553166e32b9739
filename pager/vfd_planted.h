/*
 * The pager's planted bugs: a private build of pager/vfd.c for closeonce's
 * own tests and benchmarks (pager/vfd_planted.c; the vfd-* planted targets,
 * the reproducers of corpus/regress/vfd-*). Not installed: the installed
 * vfd.h and libvfd have no bug switches.
 */
#ifndef VFD_PLANTED_H
#define VFD_PLANTED_H

#include "vfd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Planted bugs: each makes the pager wrong in one classic way. */
#define VFD_BUG_FORGET_FLAGS 0x01 /* page-in drops cloexec/append/text */
#define VFD_BUG_EVICT_LENT 0x02   /* eviction ignores lending pins */
#define VFD_BUG_STALE_WINDOW                                                   \
  0x04 /* page-out keeps the old window number; close closes it again */
#define VFD_BUG_LEAK_ON_FAIL                                                   \
  0x08                       /* a failed page-in leaks the duplicate it made */
#define VFD_BUG_LRU_MRU 0x10 /* evicts the most recently used */
#define VFD_BUG_DUP_SHARES_WINDOW                                              \
  0x20 /* vfd_dup copies the window descriptor: both close it */
#define VFD_BUG_CLOSE_TWICE                                                    \
  0x40 /* closing a paged-out descriptor closes the parked one twice */

/* vfd_pager_new with the planted bugs `bugs` (VFD_BUG_*; 0: the pager as
 * installed). */
struct vfd_pager *vfd_pager_new_planted(const struct vfd_config *cfg,
                                        unsigned bugs);

#ifdef __cplusplus
}
#endif
#endif
