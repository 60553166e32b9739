/*
 * The pager with its planted bugs compiled in (pager/vfd_planted.h): the
 * same source as libvfd, built with VFD_PLANTED. For closeonce's own
 * tests, benchmarks and reproducers only; never installed.
 */
#define VFD_PLANTED 1
#include "vfd.c"
