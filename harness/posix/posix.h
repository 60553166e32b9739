/*
 * Private helpers of the POSIX backend, for the harness and its tests.
 */
#ifndef CLOSEONCE_HARNESS_POSIX_H
#define CLOSEONCE_HARNESS_POSIX_H

/* The backend's private temporary directory (self: its state). */
const char *co_posix_tmpdir(void *self);

#endif
