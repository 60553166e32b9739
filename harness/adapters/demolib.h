/*
 * demolib: a small third-party-style I/O library, the subject of the classic
 * handle-ownership story. A struct demo owns one descriptor.
 *
 *   demo_open    makes a file and owns its descriptor
 *   demo_adopt   takes ownership of a descriptor on success (the caller
 *                keeps it when it fails: EBADF if it is not open)
 *   demo_fd      lends the descriptor: demo still owns and will close it
 *   demo_export  returns a duplicate the caller owns
 *   demo_detach  frees the object and gives the descriptor to the caller
 *   demo_write   writes through the descriptor
 *   demo_close   closes the descriptor and frees the object
 *
 * Planted bugs, for closeonce's own tests: an object made by
 * demo_open_planted or demo_adopt_planted with DEMO_BUG_... has a broken
 * variant of one function. The bugs are the object's: the library keeps no
 * state of its own, so objects with different bugs live side by side (in
 * two threads, say).
 */
#ifndef DEMOLIB_H
#define DEMOLIB_H

#include <stddef.h>

struct demo;

/* demo_export returns the object's own descriptor instead of a duplicate:
 * the caller and the object both own it (the classic double owner). */
#define DEMO_BUG_EXPORT_NODUP 0x1
/* demo_detach closes the descriptor it hands over (a close on an error-free
 * path): the caller's first use of it fails with EBADF. */
#define DEMO_BUG_DETACH_CLOSES 0x2
/* demo_close frees the object but forgets to close its descriptor. */
#define DEMO_BUG_CLOSE_LEAKS 0x4

struct demo *demo_open(const char *path);
struct demo *demo_adopt(int fd);
/* The same, the object with planted bugs (0: none, as above). */
struct demo *demo_open_planted(const char *path, unsigned bugs);
struct demo *demo_adopt_planted(int fd, unsigned bugs);
int demo_fd(const struct demo *d);
int demo_export(struct demo *d);
int demo_detach(struct demo *d);
long demo_write(struct demo *d, const void *buf, size_t n);
int demo_close(struct demo *d);

#endif
