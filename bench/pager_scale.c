/*
 * The pager at scale: per-operation cost as the number of virtual
 * descriptors grows (pager/vfd.h promises O(1) operations: no scan over
 * them).
 *
 * For each count N (1e3, 1e4, ... up to --max), N virtual descriptors are
 * made (one file, vfd_dup of it: a parked duplicate each), then OPS
 * operations run over them with a window of W, in two workloads:
 *   random  uniformly random descriptors: 80% vfd_write of 1 byte, 20%
 *           vfd_get + vfd_put (the miss rate grows towards 1 as N >> W);
 *   sweep   descriptors in turn, vfd_write of 1 byte: every operation
 *           pages one out and one in once N > W (the worst case).
 * Reported per N: ns per made descriptor, ns per operation of each workload
 * (median of 3 rounds), and the page-ins per operation, so that a cost
 * that grows with N is told apart from one that follows the miss rate.
 *
 * POSIX: parked descriptors need RLIMIT_NOFILE >= N + W + watermark; the
 * bench raises the soft limit to the hard one and stops at what fits
 * (root can raise the hard limit up to fs.nr_open first). Win32 (under
 * Wine): parked HANDLEs are not limited so; the window is C-runtime
 * descriptors, raised with _setmaxstdio.
 *
 * usage: bench_pager_scale [--window W] [--max N] [--ops K] [--csv FILE]
 */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "portable.h"
#include "vfd.h"

static double now(void) {
  return co__seconds(); /* harness/portable.h: the monotonic clock */
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static unsigned long long rng = 88172645463325252ull;
static unsigned next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng >> 11);
}

static void die(const char *what) {
  fprintf(stderr, "bench_pager_scale: %s (errno %d: %s)\n", what, errno,
          strerror(errno));
  exit(1);
}

/* How many virtual descriptors fit, with the window and the watermark. */
static long fits(long want, int window, int watermark) {
#ifdef _WIN32
  (void)window;
  (void)watermark;
  return want;
#else
  struct rlimit rl;
  long room;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    die("getrlimit");
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  room = (long)rl.rlim_cur - watermark - 16;
  (void)window;
  return want < room ? want : room;
#endif
}

struct result {
  long n;
  double make_ns, random_ns, sweep_ns, random_misses, sweep_misses;
};

static struct result run(long n, int window, int watermark, long ops,
                         const char *dir) {
  struct vfd_config cfg = {(unsigned)window, watermark};
  struct vfd_pager *p = vfd_pager_new(&cfg);
  static char path[4096];
  struct result r = {n, 0, 0, 0, 0, 0};
  double t0, rs[3], ss[3], rm = 0, sm = 0;
  long i, k, cur = 0;
  int *v, round;
  if (!p)
    die("vfd_pager_new");
  v = malloc((size_t)n * sizeof *v);
  if (!v)
    die("malloc");
  snprintf(path, sizeof path, "%s/pager-scale-%ld", dir, n);
#ifdef _WIN32
  v[0] = vfd_open(p, path, _O_RDWR | _O_CREAT | _O_TRUNC | _O_TEMPORARY, 0, 0);
#else
  v[0] = vfd_open(p, path, O_RDWR | O_CREAT | O_TRUNC, 0600, 0);
  unlink(path);
#endif
  if (v[0] < 0)
    die("vfd_open");
  t0 = now();
  for (i = 1; i < n; i++)
    if ((v[i] = vfd_dup(p, v[0])) < 0) {
      fprintf(stderr, "at %ld descriptors: ", i);
      die("vfd_dup");
    }
  r.make_ns = (now() - t0) * 1e9 / (double)(n > 1 ? n - 1 : 1);
  for (round = 0; round < 3; round++) {
    /* random */
    t0 = now();
    for (i = 0; i < ops; i++) {
      k = (long)(next() % (unsigned)n);
      if (next() % 5 == 0) {
        if (vfd_window_of(p, v[k]) < 0)
          rm++;
        if (vfd_get(p, v[k]) < 0 || vfd_put(p, v[k]) < 0)
          die("vfd_get/vfd_put");
      } else {
        if (vfd_window_of(p, v[k]) < 0)
          rm++;
        if (vfd_write(p, v[k], "x", 1) != 1)
          die("vfd_write");
      }
    }
    rs[round] = (now() - t0) * 1e9 / (double)ops;
    /* sweep */
    t0 = now();
    for (i = 0; i < ops; i++) {
      k = cur++ % n;
      if (vfd_window_of(p, v[k]) < 0)
        sm++;
      if (vfd_write(p, v[k], "x", 1) != 1)
        die("vfd_write");
    }
    ss[round] = (now() - t0) * 1e9 / (double)ops;
  }
  qsort(rs, 3, sizeof *rs, cmp_d);
  qsort(ss, 3, sizeof *ss, cmp_d);
  r.random_ns = rs[1];
  r.sweep_ns = ss[1];
  r.random_misses = rm / (3.0 * (double)ops);
  r.sweep_misses = sm / (3.0 * (double)ops);
  if (vfd_pager_free(p) < 0)
    die("vfd_pager_free");
  free(v);
  return r;
}

int main(int argc, char **argv) {
  int window = 2048, watermark, i;
  long max = 1000000, ops = 20000, n, want;
  const char *csv = NULL, *dir;
  FILE *cf = NULL;
  for (i = 1; i < argc; i++) {
    char *end;
    if (!strcmp(argv[i], "--window") && i + 1 < argc)
      window = (int)strtol(argv[++i], &end, 10);
    else if (!strcmp(argv[i], "--max") && i + 1 < argc)
      max = strtol(argv[++i], &end, 10);
    else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
      ops = strtol(argv[++i], &end, 10);
    else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
      csv = argv[++i];
    else {
      fprintf(stderr, "usage: bench_pager_scale [--window W] [--max N] "
                      "[--ops K] [--csv FILE]\n");
      return 2;
    }
  }
  if (window < 1 || max < 1000 || ops < 1) {
    fprintf(stderr, "bench_pager_scale: --window >= 1, --max >= 1000, "
                    "--ops >= 1\n");
    return 2;
  }
#ifdef _WIN32
  {
    /* the C runtime's table must hold the window (and stdin/out/err) */
    int need = window + 16, got;
    got = _setmaxstdio(need < 512 ? 512 : need);
    if (got < 0) {
      fprintf(stderr,
              "bench_pager_scale: _setmaxstdio(%d) refused: this C runtime "
              "cannot hold a window of %d (msvcrt: at most 2048 "
              "descriptors, UCRT 8192)\n",
              need, window);
      return 2;
    }
    watermark = 0;
    dir = getenv("TEMP") ? getenv("TEMP") : ".";
  }
#else
  watermark = window + 64;
  dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
#endif
  if (csv && !(cf = fopen(csv, "w"))) {
    fprintf(stderr, "bench_pager_scale: cannot write %s: %s\n", csv,
            strerror(errno));
    return 2;
  }
  if (cf)
    fprintf(cf, "n,window,make_ns,random_ns,random_pageins,sweep_ns,"
                "sweep_pageins\n");
  printf("window %d, %ld operations a workload, median of 3 rounds\n", window,
         ops);
  printf("%10s %10s %12s %10s %12s %10s\n", "vfds", "make ns", "random ns/op",
         "page-ins", "sweep ns/op", "page-ins");
  for (want = 1000; want <= max; want *= 10) {
    struct result r;
    int capped;
    n = fits(want, window, watermark);
    capped = n < want;
    if (capped) {
      printf("%10ld do not fit: RLIMIT_NOFILE leaves room for %ld parked "
             "descriptors here (raise the hard limit, up to fs.nr_open)\n",
             want, n);
      if (n < 1000)
        break;
    }
    r = run(capped ? n : want, window, watermark, ops, dir);
    printf("%10ld %10.0f %12.0f %10.2f %12.0f %10.2f\n", r.n, r.make_ns,
           r.random_ns, r.random_misses, r.sweep_ns, r.sweep_misses);
    fflush(stdout);
    if (cf)
      fprintf(cf, "%ld,%d,%.0f,%.0f,%.3f,%.0f,%.3f\n", r.n, window, r.make_ns,
              r.random_ns, r.random_misses, r.sweep_ns, r.sweep_misses);
    if (capped)
      break;
  }
  if (cf)
    fclose(cf);
  return 0;
}
