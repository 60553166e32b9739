/*
 * Private helpers of the POSIX backend, for the harness and its tests.
 */
#ifndef CLOSEONCE_HARNESS_POSIX_H
#define CLOSEONCE_HARNESS_POSIX_H

/* The backend's private temporary directory (self: its state). */
const char *co_posix_tmpdir(void *self);
/* The number of entries in it (-1 if it cannot be read). */
int co_posix_dir_entries(void *self);

#endif
