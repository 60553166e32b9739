/*
 * The replay runner: a fuzz target linked with this main instead of a
 * fuzzing runtime runs files and directories (recursively, in name order)
 * through the same LLVMFuzzerTestOneInput. Binary files are engine inputs;
 * text traces (the corpus) are encoded for the target first, so corpus
 * directories run as ordinary tests. Which a file is: --format, or by
 * default the rule of co_trace_looks_text (closeonce/trace.h): by name
 * (.trace is text; crash-*, id:*, *.bin... are binary), then text if its
 * first 8 bytes are; a text file that does not parse is an error at its
 * line:col, never run as binary. A finding aborts, as under an engine.
 * Every input runs as the engine runs it: in a contract-mode target the
 * moves a well-behaved client would not make are skipped, so a corpus
 * trace that misuses handles on purpose runs clean here; closeonce replay
 * runs a trace as written (and says "FOUND" for such a trace).
 *
 * usage: replay-TARGET [--format auto|text|binary] FILE|DIR...
 * (exit 0: all ran clean; 2: a file could not be read or parsed, or the
 * target cannot start)
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

/* What one run has replayed. */
struct replay {
  enum co_format fmt;
  unsigned files, bad;
};

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_file(struct replay *r, const char *path) {
  enum co_format fmt = r->fmt;
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, n;
  if (!f) {
    fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
    r->bad++;
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
  if (fmt == CO_FMT_TEXT ||
      (fmt == CO_FMT_AUTO && co_trace_looks_text(path, buf, len))) {
    const struct co_target *t = co_target_find(co_fuzz_target_name);
    struct co_trace tr;
    char err[512];
    size_t need;
    uint8_t *bin;
    co_trace_init(&tr);
    if (!t || co_trace_load_mem(buf, len, path, CO_FMT_TEXT, &t->ops, 0, &tr,
                                err, sizeof err) < 0) {
      fprintf(stderr, "%s\n", t ? err : "unknown target");
      r->bad++;
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
  r->files++;
  printf("ok    %s\n", path);
}

static void run_path(struct replay *r, const char *path) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, i;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
    r->bad++;
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    run_file(r, path);
    return;
  }
  if (!(d = opendir(path))) {
    fprintf(stderr, "%s: cannot open directory: %s\n", path, strerror(errno));
    r->bad++;
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
  if (!n) {
    /* a directory that replays nothing is no pass */
    fprintf(stderr, "%s: no inputs in this directory\n", path);
    r->bad++;
  } else
    qsort(names, n, sizeof *names, cmp);
  for (i = 0; i < n; i++) {
    run_path(r, names[i]);
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  struct replay r = {CO_FMT_AUTO, 0, 0};
  int i = 1;
  if (argc > 2 && !strcmp(argv[1], "--format")) {
    if (!strcmp(argv[2], "text"))
      r.fmt = CO_FMT_TEXT;
    else if (!strcmp(argv[2], "binary"))
      r.fmt = CO_FMT_BINARY;
    else if (strcmp(argv[2], "auto")) {
      fprintf(stderr, "%s: --format expects auto, text or binary, got '%s'\n",
              argv[0], argv[2]);
      return 2;
    }
    i = 3;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: %s [--format auto|text|binary] FILE|DIR...\n",
            argv[0]);
    return 2;
  }
  co_fuzz_target_setup();
  for (; i < argc; i++)
    run_path(&r, argv[i]);
  /* (a finding aborts: every input that ran, ran clean) */
  printf("replayed %u input%s for target %s as engine inputs: %s, %u "
         "unreadable or malformed\n",
         r.files, r.files == 1 ? "" : "s", co_fuzz_target_name,
         r.bad ? "those ran clean" : "all clean", r.bad);
  return r.bad ? 2 : 0;
}
