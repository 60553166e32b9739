/*
 * vfd: virtual descriptors, as many as an int can number (the table grows
 * to INT_MAX entries, then vfd_open fails with EMFILE), over a bounded
 * window of real ones.
 *
 * A program that needs more C-runtime descriptors than the runtime allows
 * (_setmaxstdio: 2048 in msvcrt, 8192 in UCRT), or more low-numbered POSIX
 * descriptors than it wants to spend, keeps each of its files as a parked
 * kernel handle and pages a real descriptor in when it uses the file:
 *
 *   - Win32: each virtual descriptor parks a HANDLE. Paging in is
 *     DuplicateHandle + _open_osfhandle into a C-runtime descriptor; paging
 *     out is _close of that descriptor (which closes the duplicate; the
 *     parked handle survives).
 *   - POSIX: the parked descriptor lives at or above the watermark
 *     (fcntl F_DUPFD_CLOEXEC); paging in duplicates it into the window,
 *     below the watermark (the lowest free number, as dup(2)); paging out
 *     closes the window copy.
 *
 * At most `window` virtual descriptors are paged in at once. Paging one in
 * when the window is full first pages out the least recently used one that
 * is not lent. Every operation is O(1): no scan over the virtual
 * descriptors.
 *
 * Recency: vfd_get, vfd_put, vfd_write and vfd_page_in make a descriptor the
 * most recently used. vfd_open, vfd_adopt and vfd_dup make it paged out.
 *
 * The lending rule: vfd_get returns the real descriptor and pins it: it
 * stays paged in, with the same number, until the caller calls vfd_put
 * (each vfd_get needs one vfd_put). The caller may use the number between
 * the two and must not close it: the pager owns it. After vfd_put any page
 * operation may close it, and the number may be given to another file.
 * vfd_page_out of a lent descriptor fails with EBUSY; paging in when every
 * window descriptor is lent fails with EBUSY. vfd_close of a lent
 * descriptor closes it anyway: the caller's lent number dies with it.
 *
 * What a page-in restores: the file position is the open file
 * description's, shared by the parked handle and every window copy, so it
 * is preserved. What the kernel object does not hold is the virtual
 * descriptor's own: its close-on-exec flag (POSIX, VFD_CLOEXEC) and the C
 * runtime's append and text modes (Win32, VFD_APPEND, VFD_TEXT); each
 * window copy gets them again. Parked POSIX descriptors are always
 * close-on-exec; parked handles are not inheritable.
 *
 * Errors: functions return -1 and set errno. A failed page-in leaves no
 * descriptor behind. A close error (EBADF, EIO) is reported after the
 * virtual descriptor is freed, as close(2) does.
 *
 * Not thread-safe: one pager per thread, or a lock around it.
 */
#ifndef VFD_H
#define VFD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef _WIN32
typedef void *vfd_native; /* a HANDLE */
#else
typedef int vfd_native; /* a descriptor */
#endif

struct vfd_pager;

/* Flags of a virtual descriptor, applied to every window copy. */
#define VFD_CLOEXEC 0x1 /* POSIX: FD_CLOEXEC on the window descriptor */
#define VFD_APPEND 0x2  /* Win32: _O_APPEND (seek to the end before writes) */
#define VFD_TEXT 0x4    /* Win32: _O_TEXT (writes "\n" as "\r\n") */

struct vfd_config {
  /* The most descriptors paged in at once, >= 1. */
  unsigned window;
  /* POSIX: parked descriptors are at or above it, window descriptors below
   * it (a page-in that would land at or above it fails with EMFILE).
   * Win32: window descriptors are C-runtime numbers below it. 0: 1024
   * (POSIX), no bound (Win32). */
  int watermark;
};

/* A pager; NULL with errno on failure (EINVAL: window 0). */
struct vfd_pager *vfd_pager_new(const struct vfd_config *cfg);
/* Close every virtual descriptor and free the pager. 0, or -1 if a close
 * failed (everything is freed anyway). */
int vfd_pager_free(struct vfd_pager *p);

/* Open path (open(2) flags / CreateFile via _O_* flags) as a new virtual
 * descriptor, paged out. Returns its number (>= 0) or -1. */
int vfd_open(struct vfd_pager *p, const char *path, int oflags, int mode,
             unsigned flags);
/* Adopt a kernel handle: on success the pager owns it (POSIX: it is moved
 * above the watermark and h is closed; Win32: the handle is kept). On
 * failure the caller keeps h (EBADF: not open; EMFILE: no number free at
 * or above the watermark). */
int vfd_adopt(struct vfd_pager *p, vfd_native h, unsigned flags);
/* A second virtual descriptor on the same open file (a duplicate of the
 * parked handle), paged out, without VFD_CLOEXEC (as dup(2)). */
int vfd_dup(struct vfd_pager *p, int v);
/* Free v: close its window descriptor (if paged in) and its parked one. */
int vfd_close(struct vfd_pager *p, int v);

/* Lend v's real descriptor: page it in if needed and pin it. */
int vfd_get(struct vfd_pager *p, int v);
/* Return a descriptor vfd_get lent (EINVAL if v is not lent). */
int vfd_put(struct vfd_pager *p, int v);
/* Page v in (0) or out (0; EBUSY if lent). Paging in a resident one or out
 * a paged-out one succeeds and changes nothing but recency. */
int vfd_page_in(struct vfd_pager *p, int v);
int vfd_page_out(struct vfd_pager *p, int v);
/* Write through v (paging it in); returns the bytes written or -1. */
long vfd_write(struct vfd_pager *p, int v, const void *buf, size_t n);

/* The parked handle of v (the pager owns it), or the invalid value. */
vfd_native vfd_parked(const struct vfd_pager *p, int v);
/* v's window descriptor if paged in, else -1 (an observation: no paging,
 * no recency change). */
int vfd_window_of(const struct vfd_pager *p, int v);
/* Live virtual descriptors, and those paged in. */
size_t vfd_count(const struct vfd_pager *p);
size_t vfd_resident(const struct vfd_pager *p);

#ifdef __cplusplus
}
#endif
#endif
