/*
 * The replay runner: a fuzz target linked with this main instead of a
 * fuzzing runtime runs files and directories (recursively, in name order)
 * through the same LLVMFuzzerTestOneInput. Binary files are engine inputs;
 * text traces (the corpus) are encoded for the target first, so corpus
 * directories run as ordinary tests. A finding aborts, as under an engine.
 *
 * usage: replay-TARGET FILE|DIR...    (exit 0: all ran clean; 2: a file
 * could not be read or parsed)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "closeonce/fuzz.h"
#include "closeonce/report.h"
#include "closeonce/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned files, bad;

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, n;
  if (!f) {
    fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
    bad++;
    return;
  }
  do {
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 4096);
      if (!nb)
        abort();
      buf = nb;
    }
    n = fread(buf + len, 1, cap - len, f);
    len += n;
  } while (n);
  fclose(f);
  if (co_format_detect(buf, len) == CO_FMT_TEXT) {
    const struct co_target *t = co_target_find(co_fuzz_target_name);
    struct co_trace tr;
    char err[512];
    size_t need;
    uint8_t *bin;
    co_trace_init(&tr);
    if (!t || co_trace_load_mem(buf, len, path, CO_FMT_TEXT, &t->ops, 0, &tr,
                                err, sizeof err) < 0) {
      fprintf(stderr, "%s\n", t ? err : "unknown target");
      bad++;
      free(buf);
      co_trace_free(&tr);
      return;
    }
    need = co_trace_encode(&tr, &t->ops, NULL, 0);
    bin = malloc(need ? need : 1);
    if (!bin)
      abort();
    co_trace_encode(&tr, &t->ops, bin, need);
    free(buf);
    buf = bin;
    len = need;
    co_trace_free(&tr);
  }
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  files++;
  printf("ok    %s\n", path);
}

static void run_path(const char *path) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, i;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
    bad++;
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    run_file(path);
    return;
  }
  if (!(d = opendir(path))) {
    fprintf(stderr, "%s: cannot open directory: %s\n", path, strerror(errno));
    bad++;
    return;
  }
  while ((e = readdir(d)) != NULL) {
    char *p;
    if (e->d_name[0] == '.')
      continue;
    p = malloc(strlen(path) + strlen(e->d_name) + 2);
    names = realloc(names, (n + 1) * sizeof *names);
    if (!p || !names)
      abort();
    sprintf(p, "%s/%s", path, e->d_name);
    names[n++] = p;
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp);
  for (i = 0; i < n; i++) {
    run_path(names[i]);
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  int i;
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  co_fuzz_target_setup();
  for (i = 1; i < argc; i++)
    run_path(argv[i]);
  printf("replayed %u input%s for target %s: all clean, %u unreadable or "
         "malformed\n",
         files, files == 1 ? "" : "s", co_fuzz_target_name, bad);
  return bad ? 2 : 0;
}
