/*
 * vfd: the descriptor pager (vfd.h).
 *
 * Virtual descriptors are indices into one growable table; free entries
 * form a stack. The resident, unpinned ones form a doubly linked LRU list
 * (head: most recent, tail: the next to page out), so every operation is
 * O(1) whatever the number of virtual descriptors.
 *
 * BUG(p, NAME) marks a planted bug's site: compiled in only with
 * VFD_PLANTED (pager/vfd_planted.c, closeonce's own tests); in libvfd it is
 * the constant 0 and the pager has no bug switch.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* F_DUPFD_CLOEXEC, O_CLOEXEC */
#endif
#ifdef VFD_PLANTED
#include "vfd_planted.h"
#else
#include "vfd.h"
#endif
#include "vfd_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#define NO_NATIVE ((vfd_native)INVALID_HANDLE_VALUE)
#else
#include <fcntl.h>
#include <unistd.h>
#define NO_NATIVE (-1)
#endif

struct ent {
  vfd_native parked; /* NO_NATIVE: a free entry */
  int win;           /* the window descriptor, -1 when paged out (see
                        VFD_BUG_STALE_WINDOW: then `resident` decides) */
  uint32_t pins;
  uint8_t flags, resident, live, listed;
  int prev, next; /* LRU links while listed; next: free stack when free */
};

struct vfd_pager {
  struct ent *e;
  int n, cap, free_top;
  int head, tail; /* LRU list, -1 when empty */
  unsigned window, inwin;
  int watermark;
#ifdef VFD_PLANTED
  unsigned bugs;
#endif
  size_t live;
};

#ifdef VFD_PLANTED
#define BUG(p, b) (((p)->bugs & VFD_BUG_##b) != 0)
#else
#define BUG(p, b) ((void)(p), 0)
#endif

struct vfd_pager *vfd_pager_new(const struct vfd_config *cfg) {
  struct vfd_pager *p;
  if (!cfg || cfg->window == 0) {
    errno = EINVAL;
    return NULL;
  }
  p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->window = cfg->window;
#ifdef _WIN32
  p->watermark = cfg->watermark > 0 ? cfg->watermark : 0;
#else
  p->watermark = cfg->watermark > 0 ? cfg->watermark : 1024;
#endif
  p->free_top = p->head = p->tail = -1;
  return p;
}

#ifdef VFD_PLANTED
struct vfd_pager *vfd_pager_new_planted(const struct vfd_config *cfg,
                                        unsigned bugs) {
  struct vfd_pager *p = vfd_pager_new(cfg);
  if (p)
    p->bugs = bugs;
  return p;
}
#endif

static struct ent *get(const struct vfd_pager *p, int v) {
  if (v < 0 || v >= p->n || !p->e[v].live) {
    errno = EBADF;
    return NULL;
  }
  return &p->e[v];
}

/* ---- the platform: park, duplicate into the window, close ---- */

#ifdef _WIN32
static int close_parked(vfd_native h) {
  if (CloseHandle((HANDLE)h))
    return 0;
  errno = EBADF;
  return -1;
}

static int close_window(int fd) {
  return _close(fd);
}

static int dup_parked(const struct vfd_pager *p, vfd_native h,
                      vfd_native *out) {
  HANDLE d;
  (void)p;
  if (!DuplicateHandle(GetCurrentProcess(), (HANDLE)h, GetCurrentProcess(), &d,
                       0, FALSE, DUPLICATE_SAME_ACCESS)) {
    errno = GetLastError() == ERROR_INVALID_HANDLE ? EBADF : EMFILE;
    return -1;
  }
  *out = d;
  return 0;
}

/* DuplicateHandle + _open_osfhandle with the descriptor's own modes. */
static int page_in_fd(struct vfd_pager *p, struct ent *x) {
  HANDLE d;
  int fd, fl = 0;
  if (dup_parked(p, x->parked, (vfd_native *)&d) < 0)
    return -1;
  if (!BUG(p, FORGET_FLAGS)) {
    if (x->flags & VFD_APPEND)
      fl |= _O_APPEND;
    if (x->flags & VFD_TEXT)
      fl |= _O_TEXT;
  }
  fd = _open_osfhandle((intptr_t)d, fl);
  if (fd < 0) {
    int e = errno;
    if (!BUG(p, LEAK_ON_FAIL))
      CloseHandle(d);
    errno = e;
    return -1;
  }
  if (p->watermark > 0 && fd >= p->watermark) {
    /* above the pager's share of the C runtime's table */
    if (!BUG(p, LEAK_ON_FAIL))
      _close(fd);
    errno = EMFILE;
    return -1;
  }
  return fd;
}
#else
static int close_parked(vfd_native h) {
  return close(h);
}

static int close_window(int fd) {
  return close(fd);
}

static int dup_parked(const struct vfd_pager *p, vfd_native h,
                      vfd_native *out) {
  int fd = fcntl(h, F_DUPFD_CLOEXEC, p->watermark);
  if (fd < 0) {
    if (errno == EINVAL)
      errno = EMFILE; /* no number free at or above the watermark */
    return -1;
  }
  *out = fd;
  return 0;
}

/* The lowest free number, with the descriptor's own cloexec; a number at
 * or above the watermark means the window range is full. */
static int page_in_fd(struct vfd_pager *p, struct ent *x) {
  int cloexec = (x->flags & VFD_CLOEXEC) && !BUG(p, FORGET_FLAGS);
  int fd = fcntl(x->parked, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
  if (fd < 0)
    return -1;
  if (fd >= p->watermark) {
    if (!BUG(p, LEAK_ON_FAIL))
      close(fd);
    errno = EMFILE;
    return -1;
  }
  return fd;
}
#endif

/* ---- the LRU list of resident, unpinned descriptors ---- */

static void unlink_lru(struct vfd_pager *p, int v) {
  struct ent *x = &p->e[v];
  if (!x->listed)
    return;
  if (x->prev >= 0)
    p->e[x->prev].next = x->next;
  else
    p->head = x->next;
  if (x->next >= 0)
    p->e[x->next].prev = x->prev;
  else
    p->tail = x->prev;
  x->listed = 0;
}

static void push_mru(struct vfd_pager *p, int v) {
  struct ent *x = &p->e[v];
  unlink_lru(p, v);
  if (x->pins && !BUG(p, EVICT_LENT))
    return; /* lent: not a candidate for eviction */
  x->prev = -1;
  x->next = p->head;
  if (p->head >= 0)
    p->e[p->head].prev = v;
  else
    p->tail = v;
  p->head = v;
  x->listed = 1;
}

/* Close v's window descriptor. */
static int page_out_ent(struct vfd_pager *p, int v) {
  struct ent *x = &p->e[v];
  int r = close_window(x->win);
  unlink_lru(p, v);
  x->resident = 0;
  if (!BUG(p, STALE_WINDOW))
    x->win = -1;
  p->inwin--;
  return r;
}

/* Make v resident and the most recent: evict first if the window is full. */
static int page_in(struct vfd_pager *p, int v) {
  struct ent *x = &p->e[v];
  int fd;
  if (!x->resident) {
    if (p->inwin >= p->window) {
      int victim = BUG(p, LRU_MRU) ? p->head : p->tail;
      if (victim < 0) {
        errno = EBUSY; /* every window descriptor is lent */
        return -1;
      }
      page_out_ent(p, victim); /* its close errors are not v's */
    }
    if ((fd = page_in_fd(p, x)) < 0)
      return -1;
    x->win = fd;
    x->resident = 1;
    p->inwin++;
  }
  push_mru(p, v);
  return 0;
}

/* ---- virtual descriptors ---- */

static int new_ent(struct vfd_pager *p, vfd_native parked, unsigned flags) {
  int v;
  struct ent *x;
  if (p->free_top >= 0) {
    v = p->free_top;
    p->free_top = p->e[v].next;
  } else {
    if (p->n == p->cap) {
      int cap = vfd__next_cap(p->cap);
      struct ent *e;
      if (cap < 0) {
        errno = EMFILE; /* every int is a virtual descriptor already */
        return -1;
      }
      if (!(e = realloc(p->e, (size_t)cap * sizeof *e)))
        return -1;
      p->e = e;
      p->cap = cap;
    }
    v = p->n++;
  }
  x = &p->e[v];
  memset(x, 0, sizeof *x);
  x->parked = parked;
  x->win = -1;
  x->flags = (uint8_t)flags;
  x->live = 1;
  x->prev = x->next = -1;
  p->live++;
  return v;
}

static void free_ent(struct vfd_pager *p, int v) {
  struct ent *x = &p->e[v];
  x->live = 0;
  x->parked = NO_NATIVE;
  x->next = p->free_top;
  p->free_top = v;
  p->live--;
}

int vfd_adopt(struct vfd_pager *p, vfd_native h, unsigned flags) {
  vfd_native parked = h;
  int v;
#ifdef _WIN32
  DWORD info;
  if (!GetHandleInformation((HANDLE)h, &info)) {
    errno = EBADF; /* not an open handle */
    return -1;
  }
#else
  if (dup_parked(p, h, &parked) < 0)
    return -1;
#endif
  if ((v = new_ent(p, parked, flags)) < 0) {
#ifndef _WIN32
    close(parked);
#endif
    errno = ENOMEM;
    return -1;
  }
#ifndef _WIN32
  close(h); /* moved */
#endif
  return v;
}

int vfd_open(struct vfd_pager *p, const char *path, int oflags, int mode,
             unsigned flags) {
  vfd_native h;
  int v;
#ifdef _WIN32
  DWORD acc = (oflags & _O_WRONLY) ? GENERIC_WRITE
              : (oflags & _O_RDWR) ? GENERIC_READ | GENERIC_WRITE
                                   : GENERIC_READ;
  DWORD disp = (oflags & _O_CREAT)
                   ? ((oflags & _O_TRUNC) ? CREATE_ALWAYS : OPEN_ALWAYS)
               : (oflags & _O_TRUNC) ? TRUNCATE_EXISTING
                                     : OPEN_EXISTING;
  DWORD attr = FILE_ATTRIBUTE_NORMAL |
               ((oflags & _O_TEMPORARY) ? FILE_FLAG_DELETE_ON_CLOSE : 0);
  (void)mode;
  h = CreateFileA(path, acc,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  disp, attr, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    errno = GetLastError() == ERROR_FILE_NOT_FOUND ? ENOENT : EACCES;
    return -1;
  }
  if ((v = new_ent(p, h, flags)) < 0) {
    CloseHandle(h);
    errno = ENOMEM;
  }
  return v;
#else
  int fd = open(path, oflags | O_CLOEXEC, mode);
  if (fd < 0)
    return -1;
  if (fd >= p->watermark)
    h = fd; /* already where parked descriptors live */
  else if (dup_parked(p, fd, &h) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  } else
    close(fd);
  if ((v = new_ent(p, h, flags)) < 0) {
    close(h);
    errno = ENOMEM;
  }
  return v;
#endif
}

int vfd_dup(struct vfd_pager *p, int v) {
  struct ent *x = get(p, v);
  vfd_native d;
  int w;
  if (!x)
    return -1;
  if (dup_parked(p, x->parked, &d) < 0)
    return -1;
  if ((w = new_ent(p, d, x->flags & ~(unsigned)VFD_CLOEXEC)) < 0) {
    close_parked(d);
    errno = ENOMEM;
    return -1;
  }
  if (BUG(p, DUP_SHARES_WINDOW)) {
    /* copies the whole entry, window descriptor included */
    x = &p->e[v];
    if (x->resident) {
      p->e[w].win = x->win;
      p->e[w].resident = 1;
      p->inwin++;
      push_mru(p, w);
    }
  }
  return w;
}

int vfd_close(struct vfd_pager *p, int v) {
  struct ent *x = get(p, v);
  int r = 0, e = 0;
  if (!x)
    return -1;
  if (x->resident || (BUG(p, STALE_WINDOW) && x->win >= 0)) {
    if (close_window(x->win) < 0) {
      r = -1;
      e = errno;
    }
    unlink_lru(p, v);
    if (x->resident)
      p->inwin--;
    x->resident = 0;
  }
  if (close_parked(x->parked) < 0 && !r) {
    r = -1;
    e = errno;
  }
  if (BUG(p, CLOSE_TWICE) && x->win < 0 && close_parked(x->parked) < 0 && !r) {
    r = -1;
    e = errno;
  }
  free_ent(p, v);
  if (r)
    errno = e;
  return r;
}

int vfd_get(struct vfd_pager *p, int v) {
  struct ent *x = get(p, v);
  if (!x || page_in(p, v) < 0)
    return -1;
  x->pins++;
  push_mru(p, v); /* lent: off the list */
  return x->win;
}

int vfd_put(struct vfd_pager *p, int v) {
  struct ent *x = get(p, v);
  if (!x)
    return -1;
  if (!x->pins) {
    errno = EINVAL;
    return -1;
  }
  x->pins--;
  push_mru(p, v);
  return 0;
}

int vfd_page_in(struct vfd_pager *p, int v) {
  return get(p, v) ? page_in(p, v) : -1;
}

int vfd_page_out(struct vfd_pager *p, int v) {
  struct ent *x = get(p, v);
  if (!x)
    return -1;
  if (x->pins) {
    errno = EBUSY;
    return -1;
  }
  return x->resident ? page_out_ent(p, v) : 0;
}

long vfd_write(struct vfd_pager *p, int v, const void *buf, size_t n) {
  struct ent *x = get(p, v);
  if (!x || page_in(p, v) < 0)
    return -1;
#ifdef _WIN32
  return _write(x->win, buf, (unsigned)n);
#else
  return (long)write(x->win, buf, n);
#endif
}

vfd_native vfd_parked(const struct vfd_pager *p, int v) {
  return v >= 0 && v < p->n && p->e[v].live ? p->e[v].parked : NO_NATIVE;
}

int vfd_window_of(const struct vfd_pager *p, int v) {
  return v >= 0 && v < p->n && p->e[v].live && p->e[v].resident ? p->e[v].win
                                                                : -1;
}

size_t vfd_count(const struct vfd_pager *p) {
  return p->live;
}

size_t vfd_resident(const struct vfd_pager *p) {
  return p->inwin;
}

int vfd_pager_free(struct vfd_pager *p) {
  int v, r = 0;
  if (!p)
    return 0;
  for (v = 0; v < p->n; v++)
    if (p->e[v].live && vfd_close(p, v) < 0)
      r = -1;
  free(p->e);
  free(p);
  return r;
}
