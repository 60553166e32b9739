/*
 * The closeonce command line: fuzz, replay, print, targets.
 * Exit codes: 0 nothing found, 1 a finding, 2 a usage or input error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "closeonce/campaign.h"
#include "portable.h"
#include "closeonce/closeonce.h"
#include "closeonce/kit.h"
#include "closeonce/repro.h"
#include "closeonce/shrink.h"

#define EXIT_FOUND 1
#define EXIT_USAGE 2

static const char *prog = "closeonce";
static int shrink_report(struct co_exec *ex, struct co_trace *t,
                         struct co_verdict *v, FILE *out,
                         struct co_shrink_stats *st);
static const char *default_target; /* set by co_kit_main */

void co_cli_set_default_target(const char *name) {
  default_target = name;
}

static int usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s %s: ", prog, cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see '%s %s --help')\n", prog, cmd);
  return EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  unsigned long long v;
  if (!s || !*s || *s == '-')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 0);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

static const struct co_target *target_arg(const char *cmd, const char *name) {
  const struct co_target *t = co_target_find(name);
  size_t i;
  if (!t) {
    fprintf(stderr, "%s %s: unknown target '%s'; targets:", prog, cmd, name);
    for (i = 0; co_targets[i]; i++)
      fprintf(stderr, " %s", co_targets[i]->name);
    fprintf(stderr, "\n");
  }
  return t;
}

/* --format's value; EXIT_USAGE (after saying why) if it is none of them. */
static int format_arg(const char *cmd, const char *s, enum co_format *f) {
  if (!strcmp(s, "auto"))
    *f = CO_FMT_AUTO;
  else if (!strcmp(s, "text"))
    *f = CO_FMT_TEXT;
  else if (!strcmp(s, "binary"))
    *f = CO_FMT_BINARY;
  else
    return usage_error(cmd, "--format expects auto, text or binary, got '%s'",
                       s);
  return 0;
}

/* getopt_long with closeonce's conventions: options only in long form,
 * errors reported by the caller through bad_option(). */
static int next_opt(int argc, char **argv, const struct option *opts) {
  return getopt_long(argc, argv, "", opts, NULL);
}

static int bad_option(const char *cmd, char **argv) {
  return usage_error(cmd, "unknown or incomplete option '%s'",
                     argv[optind - 1]);
}

/* The documented deviations the model applies on this platform. */
static void print_profile(const struct co_target *t) {
  const struct co_backend *be = t->backend;
  unsigned q = be->version >= 3 && be->quirks ? be->quirks(NULL) : 0;
  if (!q)
    return;
  printf("profile: the model applies these documented deviations:\n");
  co_quirks_print(q, stdout);
}

/* ---- fuzz ---- */

static const char fuzz_help[] =
    "usage: closeonce fuzz --target T [--seconds N | --runs N] [--seed S]\n"
    "                      [--max-ops K] [--mode contract|conformance]\n"
    "                      [--out DIR] [--quiet] [--naive]\n"
    "\n"
    "Run the built-in generator against target T: random open/dup/close\n"
    "traces, the model and the real platform in lockstep. Stops at the\n"
    "first finding, prints the report and saves the trace to DIR.\n"
    "\n"
    "  --target T    what to fuzz (closeonce targets lists them)\n"
    "  --seconds N   time budget (default 10 when --runs is not given)\n"
    "  --runs N      number of traces; with a seed, the same result each time\n"
    "  --seed S      generator seed (default: from the clock, printed)\n"
    "  --max-ops K   operations per trace, at most (default 32, max 4096)\n"
    "  --mode M      conformance: traces may misuse handles, the model\n"
    "                predicts the platform; ownership events are reported.\n"
    "                contract: only moves a well-behaved client makes; every\n"
    "                ownership event is a finding (the library's fault).\n"
    "                Default: the target's (closeonce targets)\n"
    "  --report-dir DIR  also write reports there: junit.xml and\n"
    "                closeonce.sarif (SARIF 2.1.0), and for a finding\n"
    "                TARGET-HASH.md and TARGET-HASH.json\n"
    "  --out DIR     where a finding's trace is saved\n"
    "                (default ./closeonce-findings)\n"
    "  --quiet       no progress lines\n"
    "  --naive       the baseline engine, for benchmarks: every trace is\n"
    "                uniformly random bytes decoded (no coverage feedback,\n"
    "                no corpus); contract mode still skips a client's\n"
    "                illegal moves\n"
    "\n"
    "exit: 0 nothing found, 1 finding, 2 usage or input error\n";

struct progress_env {
  int tty;
};

static void human(double v, char *buf, size_t cap) {
  if (v >= 1e9)
    snprintf(buf, cap, "%.2fG", v / 1e9);
  else if (v >= 1e6)
    snprintf(buf, cap, "%.2fM", v / 1e6);
  else if (v >= 1e4)
    snprintf(buf, cap, "%.1fk", v / 1e3);
  else
    snprintf(buf, cap, "%.0f", v);
}

static void print_status(const struct co_campaign_status *s, FILE *out,
                         const char *end) {
  char runs[16], rate[16], ops[16];
  human((double)s->runs, runs, sizeof runs);
  human(s->elapsed > 0 ? (double)s->runs / s->elapsed : 0, rate, sizeof rate);
  human((double)s->ops, ops, sizeof ops);
  fprintf(out,
          "[%5.0fs] runs %s (%s/s)  ops %s  transitions %" PRIu64
          "  corpus %zu  events %" PRIu64 "  findings %" PRIu64 "%s",
          s->elapsed, runs, rate, ops, s->transitions, s->corpus, s->events,
          s->findings, end);
  fflush(out);
}

static void on_progress(const struct co_campaign_status *s, void *env) {
  struct progress_env *pe = env;
  print_status(s, stderr, pe->tty ? "\r" : "\n");
}

/* Save a finding's trace as DIR/TARGET-HASH.trace; path written to out. */
static int save_finding(const char *dir, const char *target,
                        const struct co_trace *t, const char *header, char *out,
                        size_t cap) {
  if (co_mkdir_p(dir) < 0)
    return -1;
  snprintf(out, cap, "%s/%s-%016" PRIx64 ".trace", dir, target,
           co_trace_hash(t));
  return co_trace_save(out, header, t);
}

/* The reports of a whole run: DIR/junit.xml and DIR/closeonce.sarif. */
static int write_run_reports(const char *dir, const char *suite, int argc,
                             char **argv, const struct co_junit_case *cases,
                             size_t n) {
  char path[4200], command[2048] = "closeonce";
  size_t len = strlen(command);
  FILE *f;
  int rc, i;
  if (co_mkdir_p(dir) < 0)
    return -1;
  snprintf(path, sizeof path, "%s/junit.xml", dir);
  if (!(f = fopen(path, "w")))
    return -1;
  rc = co_report_junit(f, suite, cases, n);
  if (fclose(f) != 0 || rc < 0)
    return -1;
  for (i = 0; i < argc && len < sizeof command; i++)
    len +=
        (size_t)snprintf(command + len, sizeof command - len, " %s", argv[i]);
  snprintf(path, sizeof path, "%s/closeonce.sarif", dir);
  if (!(f = fopen(path, "w")))
    return -1;
  rc = co_report_sarif(f, command, cases, n);
  return fclose(f) != 0 || rc < 0 ? -1 : 0;
}

static int cmd_fuzz(int argc, char **argv) {
  static const struct option opts[] = {
      {"target", 1, 0, 't'},     {"seconds", 1, 0, 's'}, {"runs", 1, 0, 'r'},
      {"seed", 1, 0, 'S'},       {"max-ops", 1, 0, 'k'}, {"out", 1, 0, 'o'},
      {"quiet", 0, 0, 'q'},      {"mode", 1, 0, 'm'},    {"help", 0, 0, 'h'},
      {"report-dir", 1, 0, 'R'}, {"naive", 0, 0, 'N'},   {0, 0, 0, 0}};
  const char *report_dir = NULL;
  int naive = 0;
  struct co_campaign_config cfg;
  struct co_campaign_result res;
  struct progress_env pe;
  const char *target = NULL, *out = "closeonce-findings";
  uint64_t seconds = 0, runs = 0, seed = 0, maxops = 32;
  int have_seed = 0, have_seconds = 0, quiet = 0, c, mode = -1;
  struct co_exec *sx;
  struct co_shrink_stats sst;
  int shrunk = 0;
  char err[256], path[4200];
  int saved = -1, save_errno = 0;

  optind = 1;
  opterr = 0;
  while ((c = next_opt(argc, argv, opts)) != -1) {
    switch (c) {
    case 't':
      target = optarg;
      break;
    case 's':
      if (parse_u64(optarg, &seconds) < 0 || seconds == 0)
        return usage_error("fuzz",
                           "--seconds expects a positive integer, "
                           "got '%s'",
                           optarg);
      have_seconds = 1;
      break;
    case 'r':
      if (parse_u64(optarg, &runs) < 0 || runs == 0)
        return usage_error("fuzz",
                           "--runs expects a positive integer, got "
                           "'%s'",
                           optarg);
      break;
    case 'S':
      if (parse_u64(optarg, &seed) < 0)
        return usage_error("fuzz",
                           "--seed expects an unsigned integer, got "
                           "'%s'",
                           optarg);
      have_seed = 1;
      break;
    case 'k':
      if (parse_u64(optarg, &maxops) < 0 || maxops == 0 || maxops > CO_MAX_OPS)
        return usage_error("fuzz", "--max-ops expects 1..%d, got '%s'",
                           CO_MAX_OPS, optarg);
      break;
    case 'o':
      out = optarg;
      break;
    case 'q':
      quiet = 1;
      break;
    case 'm':
      if (co_mode_parse(optarg, &mode) < 0)
        return usage_error("fuzz",
                           "--mode expects contract or conformance, "
                           "got '%s'",
                           optarg);
      break;
    case 'R':
      report_dir = optarg;
      break;
    case 'N':
      naive = 1;
      break;
    case 'h':
      fputs(fuzz_help, stdout);
      return 0;
    default:
      return bad_option("fuzz", argv);
    }
  }
  if (optind < argc)
    return usage_error("fuzz", "unexpected argument '%s'", argv[optind]);
  if (!target)
    target = default_target;
  if (!target)
    return usage_error("fuzz", "--target is required");
  memset(&cfg, 0, sizeof cfg);
  if (!(cfg.target = target_arg("fuzz", target)))
    return EXIT_USAGE;
  if (!have_seed) {
    seed = co__entropy();
    seed %= 1000000000ull;
  }
  if (!runs && !have_seconds)
    seconds = 10;
  cfg.seed = seed;
  cfg.runs = runs;
  cfg.mode = mode;
  cfg.mode_set = mode >= 0;
  cfg.seconds = (double)seconds;
  cfg.max_ops = (size_t)maxops;
  cfg.naive = naive;
  pe.tty = isatty(2);
  if (!quiet) {
    cfg.progress = on_progress;
    cfg.progress_every = pe.tty ? 1.0 : 5.0;
    cfg.env = &pe;
  }
  printf("closeonce %s: fuzz target %s (%s mode%s), seed %" PRIu64
         ", at most %" PRIu64 " ops a trace, ",
         CO_VERSION, cfg.target->name,
         co_mode_name(mode >= 0 ? mode : cfg.target->mode),
         naive ? ", naive engine" : "", seed, maxops);
  if (runs && seconds)
    printf("%" PRIu64 " runs or %" PRIu64 " s\n", runs, seconds);
  else if (runs)
    printf("%" PRIu64 " runs\n", runs);
  else
    printf("%" PRIu64 " s\n", seconds);
  print_profile(cfg.target);
  fflush(stdout);
  if (co_campaign_run(&cfg, &res, err, sizeof err) < 0) {
    fprintf(stderr, "%s fuzz: %s\n", prog, err);
    return EXIT_USAGE;
  }
  if (!quiet && pe.tty)
    fputs("\n", stderr);
  res.status.findings = (uint64_t)res.found;
  print_status(&res.status, stdout, "\n");
  sx = co_exec_new_target(cfg.target, err, sizeof err);
  if (sx) {
    co_exec_set_mode(sx, res.mode, 0);
    co_exec_set_full_check(sx, 1);
  }
  if (res.found && res.trace.len && sx) {
    /* Shrink before reporting: the saved reproducer is the minimal one. */
    const struct co_event_rec *ev;
    printf("\n");
    shrunk = shrink_report(sx, &res.trace, &res.verdict, stdout, &sst) == 0;
    res.nevents = co_exec_events(sx, &ev);
    memcpy(res.events, ev, res.nevents * sizeof *ev);
  }
  if (res.found && res.trace.len) {
    /* The reproducer file first: the reports point at its lines. */
    char header[1024];
    snprintf(header, sizeof header,
             "closeonce %s: %s in target %s (%s mode)\n%s\nfound by: "
             "closeonce fuzz --target %s --mode %s --seed %" PRIu64
             " --max-ops %" PRIu64 " (run %" PRIu64 ")",
             CO_VERSION, co_verdict_name(res.verdict.kind), cfg.target->name,
             co_mode_name(res.mode), res.verdict.what, cfg.target->name,
             co_mode_name(res.mode), seed, maxops, res.run);
    saved = save_finding(out, cfg.target->name, &res.trace, header, path,
                         sizeof path);
    save_errno = errno;
  }
  if (report_dir && sx) {
    char name[128], source[200];
    struct co_finding f;
    struct co_junit_case jc;
    snprintf(source, sizeof source,
             "closeonce fuzz --target %s --seed %" PRIu64 " (run %" PRIu64 ")",
             cfg.target->name, seed, res.run);
    f.target = cfg.target->name;
    f.mode = res.mode;
    f.source = source;
    f.trace = &res.trace;
    f.trace_file = saved == 0 ? path : NULL;
    f.v = &res.verdict;
    f.ev = res.events;
    f.nev = res.nevents;
    f.shrink = shrunk ? &sst : NULL;
    snprintf(name, sizeof name, "%s-%016" PRIx64, cfg.target->name,
             co_trace_hash(&res.trace));
    jc.classname = "closeonce.fuzz";
    jc.name = cfg.target->name;
    jc.seconds = res.status.elapsed;
    jc.failure = res.found ? &f : NULL;
    if ((res.found && co_report_files(report_dir, name, sx, &f) < 0) ||
        write_run_reports(report_dir, "closeonce fuzz", argc, argv, &jc, 1) < 0)
      fprintf(stderr, "%s fuzz: cannot write reports in %s: %s\n", prog,
              report_dir, strerror(errno));
    else
      printf("reports: %s/%s%s\n", report_dir,
             res.found ? name : "junit.xml and closeonce.sarif",
             res.found ? ".md, .json, junit.xml and closeonce.sarif" : "");
  }
  co_exec_free(sx);
  if (res.found) {
    printf("\nfinding in run %" PRIu64 " (seed %" PRIu64 "): ", res.run, seed);
    co_report_text(stdout, cfg.target->name, &res.trace, &res.verdict,
                   res.events, res.nevents);
    if (saved == 0)
      printf("\nreproducer: %s\nreplay it:  %s replay --target %s --mode %s "
             "%s\n",
             path, prog, cfg.target->name, co_mode_name(res.mode), path);
    else if (res.trace.len)
      fprintf(stderr, "%s fuzz: cannot save the trace under %s: %s\n", prog,
              out, strerror(save_errno));
    co_trace_free(&res.trace);
    return EXIT_FOUND;
  }
  printf("no finding in %" PRIu64 " traces; %" PRIu64
         " distinct model transitions covered",
         res.status.runs, res.status.transitions);
  if (res.mode == CO_MODE_CONTRACT)
    printf("; %" PRIu64 " moves a well-behaved client would not make were "
           "skipped",
           res.status.skipped);
  else
    printf("; %" PRIu64 " ownership events predicted and matched",
           res.status.events);
  printf("\n");
  co_trace_free(&res.trace);
  return 0;
}

/* ---- replay ---- */

static const char replay_help[] =
    "usage: closeonce replay --target T [--format auto|text|binary]\n"
    "                        [--mode contract|conformance] [--max-ops K]\n"
    "                        [--quiet] [--report-dir DIR] [--allow-empty]\n"
    "                        FILE|DIR...\n"
    "\n"
    "Run each trace file (directories: every file in them, recursively, in\n"
    "name order; a directory without any is an error unless --allow-empty)\n"
    "in lockstep and print a verdict per file. Text traces are\n"
    "the corpus format; binary files are fuzz-engine inputs. With auto, a\n"
    "file of printable ASCII is text. In a text trace every operation\n"
    "runs, and in contract mode a move a well-behaved client would not make\n"
    "is a finding; in a binary input (an engine's crash file) such moves\n"
    "are skipped, as the engine skipped them.\n"
    "\n"
    "exit: 0 all clean, 1 a finding in any file, 2 a usage error or an\n"
    "unreadable / malformed file (the other files are still run)\n";

struct replay_ctx {
  const struct co_target *target;
  struct co_exec *ex;
  int mode;
  const char *report_dir;
  struct co_junit_case *cases;
  struct co_finding *findings;
  struct co_trace *traces;
  struct co_verdict *verdicts;
  size_t ncases;
  enum co_format fmt;
  size_t max_ops;
  int quiet;
  unsigned files, clean, found, bad;
  struct co_trace t;
};

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_path(struct replay_ctx *rc, const char *path, int top);

static void replay_dir(struct replay_ctx *rc, const char *path) {
  DIR *d = opendir(path);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0, i;
  if (!d) {
    fprintf(stderr, "%s: cannot open directory: %s\n", path, strerror(errno));
    rc->bad++;
    return;
  }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof *names);
      if (!nn)
        break;
      names = nn;
    }
    if (asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
      break;
    n++;
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_str);
  for (i = 0; i < n; i++) {
    replay_path(rc, names[i], 0);
    free(names[i]);
  }
  free(names);
}

static void replay_path(struct replay_ctx *rc, const char *path, int top) {
  struct stat st;
  struct co_verdict v;
  char err[512];
  if (stat(path, &st) < 0) {
    fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
    rc->bad++;
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    replay_dir(rc, path);
    return;
  }
  if (!top && !S_ISREG(st.st_mode))
    return;
  rc->files++;
  if (co_trace_load(path, rc->fmt, &rc->target->ops, rc->max_ops, &rc->t, err,
                    sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    printf("ERROR %s\n", path);
    rc->bad++;
    return;
  }
  /* Binary files are generated input (engine crash files, seeds): in
   * contract mode the moves a well-behaved client would not make are
   * skipped, as the engine did. Text traces are someone's program: every
   * move runs. */
  {
    enum co_format f = rc->fmt;
    if (f == CO_FMT_AUTO) {
      FILE *fp = fopen(path, "rb");
      unsigned char head[4096];
      size_t n = fp ? fread(head, 1, sizeof head, fp) : 0;
      if (fp)
        fclose(fp);
      f = co_format_detect(head, n);
    }
    co_exec_set_mode(rc->ex, rc->mode, f == CO_FMT_BINARY);
  }
  if (rc->report_dir) {
    /* Keep what the JUnit report needs about this file. */
    size_t k = rc->ncases++;
    rc->cases = realloc(rc->cases, rc->ncases * sizeof *rc->cases);
    rc->findings = realloc(rc->findings, rc->ncases * sizeof *rc->findings);
    rc->traces = realloc(rc->traces, rc->ncases * sizeof *rc->traces);
    rc->verdicts = realloc(rc->verdicts, rc->ncases * sizeof *rc->verdicts);
    if (!rc->cases || !rc->findings || !rc->traces || !rc->verdicts)
      abort();
    co_trace_init(&rc->traces[k]);
    co_trace_copy(&rc->traces[k], &rc->t);
    rc->cases[k].classname = "closeonce.replay";
    rc->cases[k].name = strdup(path);
    rc->cases[k].seconds = 0;
    rc->cases[k].failure = NULL;
  }
  if (co_exec_run(rc->ex, &rc->t, &v) == CO_V_OK) {
    const struct co_event_rec *ev;
    size_t nev = co_exec_events(rc->ex, &ev);
    rc->clean++;
    if (!rc->quiet) {
      printf("ok    %s (%zu ops", path, rc->t.len);
      if (nev)
        printf(", %zu ownership event%s predicted and matched", nev,
               nev == 1 ? "" : "s");
      printf(")\n");
      co_report_events(stdout, ev, nev);
    }
    return;
  }
  rc->found++;
  printf("FOUND %s: ", path);
  {
    const struct co_event_rec *ev;
    size_t nev = co_exec_events(rc->ex, &ev);
    co_report_text(stdout, rc->target->name, &rc->t, &v, ev, nev);
    if (rc->report_dir) {
      size_t k = rc->ncases - 1;
      struct co_finding *f = &rc->findings[k];
      char name[128];
      const char *base = strrchr(path, '/');
      rc->verdicts[k] = v;
      f->target = rc->target->name;
      f->mode = rc->mode;
      f->source = rc->cases[k].name;
      f->trace_file = rc->cases[k].name;
      f->trace = &rc->traces[k];
      f->v = &rc->verdicts[k];
      f->ev = ev;
      f->nev = nev;
      f->shrink = NULL;
      rc->cases[k].failure = f; /* re-pointed after the last realloc */
      snprintf(name, sizeof name, "%s-%016" PRIx64, base ? base + 1 : path,
               co_trace_hash(&rc->t));
      if (co_report_files(rc->report_dir, name, rc->ex, f) < 0)
        fprintf(stderr, "%s replay: cannot write reports in %s: %s\n", prog,
                rc->report_dir, strerror(errno));
    }
  }
}

static int cmd_replay(int argc, char **argv) {
  static const struct option opts[] = {{"target", 1, 0, 't'},
                                       {"format", 1, 0, 'f'},
                                       {"max-ops", 1, 0, 'k'},
                                       {"quiet", 0, 0, 'q'},
                                       {"mode", 1, 0, 'm'},
                                       {"help", 0, 0, 'h'},
                                       {"report-dir", 1, 0, 'R'},
                                       {"allow-empty", 0, 0, 'E'},
                                       {0, 0, 0, 0}};
  int allow_empty = 0;
  struct replay_ctx rc;
  const char *target = NULL;
  uint64_t maxops = 0;
  char err[256];
  int c, i, mode = -1;

  memset(&rc, 0, sizeof rc);
  optind = 1;
  opterr = 0;
  while ((c = next_opt(argc, argv, opts)) != -1) {
    switch (c) {
    case 't':
      target = optarg;
      break;
    case 'f':
      if (format_arg("replay", optarg, &rc.fmt))
        return EXIT_USAGE;
      break;
    case 'k':
      if (parse_u64(optarg, &maxops) < 0 || maxops > CO_MAX_OPS)
        return usage_error("replay", "--max-ops expects 0..%d, got '%s'",
                           CO_MAX_OPS, optarg);
      break;
    case 'q':
      rc.quiet = 1;
      break;
    case 'E':
      allow_empty = 1;
      break;
    case 'R':
      rc.report_dir = optarg;
      break;
    case 'm':
      if (co_mode_parse(optarg, &mode) < 0)
        return usage_error("replay",
                           "--mode expects contract or "
                           "conformance, got '%s'",
                           optarg);
      break;
    case 'h':
      fputs(replay_help, stdout);
      return 0;
    default:
      return bad_option("replay", argv);
    }
  }
  if (!target)
    target = default_target;
  if (!target)
    return usage_error("replay", "--target is required");
  if (optind >= argc)
    return usage_error("replay", "no trace file or directory given");
  if (!(rc.target = target_arg("replay", target)))
    return EXIT_USAGE;
  rc.max_ops = (size_t)maxops;
  rc.ex = co_exec_new_target(rc.target, err, sizeof err);
  if (!rc.ex) {
    fprintf(stderr, "%s replay: %s\n", prog, err);
    return EXIT_USAGE;
  }
  rc.mode = mode >= 0 ? mode : rc.target->mode;
  if (!rc.quiet)
    print_profile(rc.target);
  co_exec_set_mode(rc.ex, rc.mode, 0);
  co_exec_set_full_check(rc.ex, 1);
  co_trace_init(&rc.t);
  for (i = optind; i < argc; i++) {
    unsigned before = rc.files;
    struct stat st;
    replay_path(&rc, argv[i], 1);
    /* a directory that holds no trace replays nothing: not a pass */
    if (rc.files == before && !allow_empty && stat(argv[i], &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      fprintf(stderr, "%s replay: no traces in %s (--allow-empty accepts it)\n",
              prog, argv[i]);
      rc.bad++;
    }
  }
  {
    char msg[200];
    if (co_exec_check_process(rc.ex, msg, sizeof msg) < 0) {
      printf("FOUND leak after replay: %s\n", msg);
      rc.found++;
    }
  }
  if (rc.report_dir) {
    size_t k;
    /* The arrays have moved since; point the failures at their final
     * places. */
    for (k = 0; k < rc.ncases; k++)
      if (rc.cases[k].failure) {
        rc.findings[k].trace = &rc.traces[k];
        rc.findings[k].v = &rc.verdicts[k];
        rc.findings[k].ev = NULL;
        rc.findings[k].nev = 0;
        rc.cases[k].failure = &rc.findings[k];
      }
    if (write_run_reports(rc.report_dir, "closeonce replay", argc, argv,
                          rc.cases, rc.ncases) < 0)
      fprintf(stderr,
              "%s replay: cannot write %s/junit.xml and closeonce.sarif: "
              "%s\n",
              prog, rc.report_dir, strerror(errno));
    for (k = 0; k < rc.ncases; k++) {
      free((char *)rc.cases[k].name);
      co_trace_free(&rc.traces[k]);
    }
    free(rc.cases);
    free(rc.findings);
    free(rc.traces);
    free(rc.verdicts);
  }
  printf("replayed %u file%s: %u ok, %u finding%s, %u unreadable or "
         "malformed\n",
         rc.files, rc.files == 1 ? "" : "s", rc.clean, rc.found,
         rc.found == 1 ? "" : "s", rc.bad);
  co_trace_free(&rc.t);
  co_exec_free(rc.ex);
  return rc.found ? EXIT_FOUND : rc.bad ? EXIT_USAGE : 0;
}

/* ---- print ---- */

static const char print_help[] =
    "usage: closeonce print [--target T] [--format auto|text|binary] FILE\n"
    "\n"
    "Print a trace as canonical text: binary fuzz inputs are decoded for\n"
    "target T (default posix), text traces are normalized.\n";

static int cmd_print(int argc, char **argv) {
  static const struct option opts[] = {{"target", 1, 0, 't'},
                                       {"format", 1, 0, 'f'},
                                       {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *target = default_target ? default_target : "posix";
  const struct co_target *tg;
  enum co_format fmt = CO_FMT_AUTO;
  struct co_trace t;
  char err[512];
  int c;
  optind = 1;
  opterr = 0;
  while ((c = next_opt(argc, argv, opts)) != -1) {
    switch (c) {
    case 't':
      target = optarg;
      break;
    case 'f':
      if (format_arg("print", optarg, &fmt))
        return EXIT_USAGE;
      break;
    case 'h':
      fputs(print_help, stdout);
      return 0;
    default:
      return bad_option("print", argv);
    }
  }
  if (optind != argc - 1)
    return usage_error("print", "expects exactly one FILE");
  if (!(tg = target_arg("print", target)))
    return EXIT_USAGE;
  co_trace_init(&t);
  if (co_trace_load(argv[optind], fmt, &tg->ops, 0, &t, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    co_trace_free(&t);
    return EXIT_USAGE;
  }
  co_trace_print(&t, stdout);
  co_trace_free(&t);
  return 0;
}

/* ---- encode ---- */

static const char encode_help[] =
    "usage: closeonce encode --target T [-o OUT] [--dict FILE] FILE|DIR...\n"
    "\n"
    "Write text traces in the binary form that fuzz engines read, decoded\n"
    "for target T. One FILE with -o OUT writes OUT; with a directory -o\n"
    "names a directory, filled with NAME.bin for each NAME.trace.\n"
    "--dict FILE also writes a libFuzzer/AFL++ dictionary: every distinct\n"
    "4-byte operation record of the traces, one entry each.\n";

/* Distinct records seen by encode, for --dict. */
static uint32_t dict_rec[4096];
static size_t dict_n;

static void dict_add(const uint8_t *buf, size_t n) {
  size_t i, k;
  for (i = 0; i + 4 <= n; i += 4) {
    uint32_t r = (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 |
                 (uint32_t)buf[i + 2] << 16 | (uint32_t)buf[i + 3] << 24;
    for (k = 0; k < dict_n && dict_rec[k] != r; k++)
      ;
    if (k == dict_n && dict_n < sizeof dict_rec / sizeof *dict_rec)
      dict_rec[dict_n++] = r;
  }
}

static int dict_write(const char *path, const char *target) {
  FILE *f = fopen(path, "w");
  size_t i;
  if (!f)
    return -1;
  fprintf(f, "# closeonce %s: operation records of target %s's corpus\n",
          CO_VERSION, target);
  for (i = 0; i < dict_n; i++)
    fprintf(f, "op%zu=\"\\x%02x\\x%02x\\x%02x\\x%02x\"\n", i,
            dict_rec[i] & 0xff, (dict_rec[i] >> 8) & 0xff,
            (dict_rec[i] >> 16) & 0xff, dict_rec[i] >> 24);
  return fclose(f);
}

static int encode_one(const struct co_target *tg, const char *in,
                      const char *out) {
  struct co_trace t;
  char err[512];
  uint8_t *buf;
  size_t n;
  FILE *f;
  co_trace_init(&t);
  if (co_trace_load(in, CO_FMT_TEXT, &tg->ops, 0, &t, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    co_trace_free(&t);
    return -1;
  }
  n = co_trace_encode(&t, &tg->ops, NULL, 0);
  buf = malloc(n ? n : 1);
  if (!buf) {
    co_trace_free(&t);
    return -1;
  }
  co_trace_encode(&t, &tg->ops, buf, n);
  dict_add(buf, n);
  if (n < t.len * 4)
    fprintf(stderr,
            "%s: %zu operations are not in target %s and were "
            "left out\n",
            in, t.len - n / 4, tg->name);
  f = out ? fopen(out, "wb") : stdout;
  if (!f || fwrite(buf, 1, n, f) != n || (out && fclose(f) != 0)) {
    fprintf(stderr, "%s: cannot write: %s\n", out ? out : "stdout",
            strerror(errno));
    free(buf);
    co_trace_free(&t);
    return -1;
  }
  free(buf);
  co_trace_free(&t);
  return 0;
}

static int cmd_encode(int argc, char **argv) {
  static const struct option opts[] = {{"target", 1, 0, 't'},
                                       {"output", 1, 0, 'o'},
                                       {"dict", 1, 0, 'd'},
                                       {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *target = default_target, *out = NULL, *dict = NULL;
  const struct co_target *tg;
  int c, i, bad = 0;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
    switch (c) {
    case 't':
      target = optarg;
      break;
    case 'o':
      out = optarg;
      break;
    case 'd':
      dict = optarg;
      break;
    case 'h':
      fputs(encode_help, stdout);
      return 0;
    default:
      return bad_option("encode", argv);
    }
  }
  if (!target)
    return usage_error("encode", "--target is required");
  if (optind >= argc)
    return usage_error("encode", "no trace file or directory given");
  if (!(tg = target_arg("encode", target)))
    return EXIT_USAGE;
  for (i = optind; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) < 0) {
      fprintf(stderr, "%s: cannot read: %s\n", argv[i], strerror(errno));
      bad++;
    } else if (S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[i]);
      struct dirent *e;
      if (!out)
        return usage_error("encode", "a directory needs -o DIR");
      if (co_mkdir_p(out) < 0) {
        fprintf(stderr, "%s: cannot create: %s\n", out, strerror(errno));
        return EXIT_USAGE;
      }
      while (d && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        char in[4200], o[4200];
        if (l < 7 || strcmp(e->d_name + l - 6, ".trace"))
          continue;
        snprintf(in, sizeof in, "%s/%s", argv[i], e->d_name);
        snprintf(o, sizeof o, "%s/%.*s.bin", out, (int)(l - 6), e->d_name);
        bad += encode_one(tg, in, o) < 0;
      }
      if (d)
        closedir(d);
    } else {
      bad += encode_one(tg, argv[i], out) < 0;
    }
  }
  if (dict && dict_write(dict, tg->name) < 0) {
    fprintf(stderr, "%s: cannot write: %s\n", dict, strerror(errno));
    bad++;
  }
  return bad ? EXIT_USAGE : 0;
}

/* ---- shrink, explain ---- */

/* Load FILE for target tg and run it once in mode (binary input: the moves
 * the engine skipped are dropped first, as it dropped them). On return *t
 * holds the operations that ran and *v the verdict. Returns 0, or
 * EXIT_USAGE after saying why. */
static int load_and_run(const char *cmd, const char *path,
                        const struct co_target *tg, int mode,
                        enum co_format fmt, struct co_exec *ex,
                        struct co_trace *t, struct co_verdict *v) {
  char err[512];
  if (fmt == CO_FMT_AUTO) {
    FILE *fp = fopen(path, "rb");
    unsigned char head[4096];
    size_t n = fp ? fread(head, 1, sizeof head, fp) : 0;
    if (fp)
      fclose(fp);
    fmt = co_format_detect(head, n);
  }
  if (co_trace_load(path, fmt, &tg->ops, 0, t, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return EXIT_USAGE;
  }
  if (fmt == CO_FMT_BINARY && mode == CO_MODE_CONTRACT) {
    struct co_trace ran;
    size_t i;
    co_exec_set_mode(ex, mode, 1);
    co_exec_run(ex, t, v);
    co_trace_init(&ran);
    for (i = 0; i < t->len; i++)
      if (!co_exec_skipped(ex, i))
        co_trace_push(&ran, &t->ops[i]);
    co_trace_copy(t, &ran);
    co_trace_free(&ran);
  }
  (void)cmd;
  co_exec_set_mode(ex, mode, 0);
  co_exec_run(ex, t, v);
  return 0;
}

/* Shrink a finding and say what was verified; used by shrink and after
 * fuzz. Returns 0 (*st filled), or -1 if the finding did not reproduce. */
static int shrink_report(struct co_exec *ex, struct co_trace *t,
                         struct co_verdict *v, FILE *out,
                         struct co_shrink_stats *st) {
  char line[400];
  if (co_shrink(ex, t, v, st) < 0) {
    fprintf(out, "shrink: the finding did not reproduce; trace kept as is\n");
    return -1;
  }
  co_shrink_describe(st, line, sizeof line);
  fprintf(out, "%s\n", line);
  return 0;
}

static const char shrink_help[] =
    "usage: closeonce shrink --target T [--mode M] [--format F] FILE "
    "[-o OUT]\n"
    "\n"
    "Make a finding's trace minimal, keeping the same verdict, caused by the\n"
    "same party, at the same kind of operation: chunks, single operations\n"
    "and pairs removed, arguments simplified, slots renumbered. It says\n"
    "what it verified (1-minimal or not). FILE is a text trace or an\n"
    "engine's binary input. OUT (default: standard output) gets the text "
    "trace.\n"
    "\n"
    "exit: 0 shrunk, 2 usage error or no finding in FILE\n";

/* Commands that take one finding FILE (shrink, repro): the options
 * --target --mode --format -o --help, the executor, and the first run. */
struct one_file {
  const char *cmd, *help;
  const char *def_target; /* when neither --target nor a kit gives one */
  int load_only;          /* load FILE, do not run it or require a finding */
  const char *out;
  const struct co_target *tg;
  int mode;
  struct co_exec *ex;
  struct co_trace t;
  struct co_verdict v;
};

/* Returns -1 when the command goes on (f->t and f->v hold the run), else
 * its exit code. */
static int one_file_begin(struct one_file *f, int argc, char **argv) {
  static const struct option opts[] = {
      {"target", 1, 0, 't'}, {"mode", 1, 0, 'm'}, {"format", 1, 0, 'f'},
      {"output", 1, 0, 'o'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  const char *target = default_target ? default_target : f->def_target;
  enum co_format fmt = CO_FMT_AUTO;
  char err[512];
  int c, rc;
  f->mode = -1;
  f->out = NULL;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
    switch (c) {
    case 't':
      target = optarg;
      break;
    case 'm':
      if (co_mode_parse(optarg, &f->mode) < 0)
        return usage_error(
            f->cmd, "--mode expects contract or conformance, got '%s'", optarg);
      break;
    case 'f':
      if (format_arg(f->cmd, optarg, &fmt))
        return EXIT_USAGE;
      break;
    case 'o':
      f->out = optarg;
      break;
    case 'h':
      fputs(f->help, stdout);
      return 0;
    default:
      return bad_option(f->cmd, argv);
    }
  }
  if (!target)
    return usage_error(f->cmd, "--target is required");
  if (optind != argc - 1)
    return usage_error(f->cmd, "expects exactly one FILE");
  if (!(f->tg = target_arg(f->cmd, target)))
    return EXIT_USAGE;
  if (f->mode < 0)
    f->mode = f->tg->mode;
  if (!(f->ex = co_exec_new_target(f->tg, err, sizeof err))) {
    fprintf(stderr, "%s %s: %s\n", prog, f->cmd, err);
    return EXIT_USAGE;
  }
  co_exec_set_full_check(f->ex, 1);
  co_trace_init(&f->t);
  if (f->load_only) {
    if (co_trace_load(argv[optind], fmt, &f->tg->ops, 0, &f->t, err,
                      sizeof err) == 0)
      return -1;
    fprintf(stderr, "%s\n", err);
    co_trace_free(&f->t);
    co_exec_free(f->ex);
    return EXIT_USAGE;
  }
  rc = load_and_run(f->cmd, argv[optind], f->tg, f->mode, fmt, f->ex, &f->t,
                    &f->v);
  if (rc == 0 && f->v.kind == CO_V_OK) {
    fprintf(stderr, "%s: no finding in target %s (%s mode): nothing to %s\n",
            argv[optind], f->tg->name, co_mode_name(f->mode), f->cmd);
    rc = EXIT_USAGE;
  }
  if (rc) {
    co_trace_free(&f->t);
    co_exec_free(f->ex);
    return rc;
  }
  return -1;
}

static void one_file_end(struct one_file *f) {
  co_trace_free(&f->t);
  co_exec_free(f->ex);
}

static int cmd_shrink(int argc, char **argv) {
  struct one_file f = {.cmd = "shrink", .help = shrink_help};
  struct co_shrink_stats st = {0};
  const struct co_event_rec *ev;
  char header[1024];
  size_t nev;
  int rc = one_file_begin(&f, argc, argv);
  if (rc >= 0)
    return rc;
  rc = 0;
  shrink_report(f.ex, &f.t, &f.v, stderr, &st);
  nev = co_exec_events(f.ex, &ev);
  co_report_text(stderr, f.tg->name, &f.t, &f.v, ev, nev);
  snprintf(header, sizeof header,
           "closeonce %s: %s in target %s (%s mode), %s\n%s\n"
           "shrunk from %s",
           CO_VERSION, co_verdict_name(f.v.kind), f.tg->name,
           co_mode_name(f.mode), co_shrink_checked(&st), f.v.what,
           argv[argc - 1]);
  if (f.out) {
    if (co_trace_save(f.out, header, &f.t) < 0) {
      fprintf(stderr, "%s: cannot write: %s\n", f.out, strerror(errno));
      rc = EXIT_USAGE;
    }
  } else {
    co_trace_print(&f.t, stdout);
  }
  one_file_end(&f);
  return rc;
}

static const char explain_help[] =
    "usage: closeonce explain [--target T] [--mode M] [--format F] FILE\n"
    "\n"
    "Run the trace and print, after every step, what the platform returned\n"
    "and the model's ownership state: which descriptors are open and who\n"
    "owns each (the client or object oK), what each object holds, and the\n"
    "ownership events of that step. Then the verdict.\n";

static int cmd_explain(int argc, char **argv) {
  struct one_file f = {.cmd = "explain",
                       .help = explain_help,
                       .def_target = "posix",
                       .load_only = 1};
  int rc = one_file_begin(&f, argc, argv);
  if (rc >= 0)
    return rc;
  co_exec_set_mode(f.ex, f.mode, 0);
  printf("%s, target %s, %s mode:\n", argv[argc - 1], f.tg->name,
         co_mode_name(f.mode));
  co_report_explain(stdout, f.ex, &f.t, &f.v);
  rc = f.v.kind == CO_V_OK ? 0 : EXIT_FOUND;
  one_file_end(&f);
  return rc;
}

static const char repro_help[] =
    "usage: closeonce repro --target T [--mode M] [--format F] FILE "
    "[-o repro.c]\n"
    "\n"
    "Write the finding of FILE (shrink it first) as a standalone C program:\n"
    "only the platform's and the libraries' calls, a comment per step with\n"
    "who owns what, a check per step; it exits 1 where the finding shows.\n";

static int cmd_repro(int argc, char **argv) {
  struct one_file f = {.cmd = "repro", .help = repro_help};
  FILE *out = stdout;
  char err[256];
  int rc = one_file_begin(&f, argc, argv);
  if (rc >= 0)
    return rc;
  rc = 0;
  if (f.out && !(out = fopen(f.out, "w"))) {
    fprintf(stderr, "%s: cannot write: %s\n", f.out, strerror(errno));
    rc = EXIT_USAGE;
  } else if (co_repro_c(out, f.ex, f.tg, &f.t, err, sizeof err) < 0) {
    fprintf(stderr, "%s: %s\n", argv[argc - 1], err);
    rc = EXIT_USAGE;
  }
  if (out != stdout && out)
    fclose(out);
  one_file_end(&f);
  return rc;
}

/* ---- main ---- */

static const char main_help[] =
    "usage: closeonce COMMAND [OPTIONS]\n"
    "\n"
    "Checks that every OS handle is closed exactly once: a reference model\n"
    "of descriptor ownership runs in lockstep with the real platform.\n"
    "\n"
    "commands:\n"
    "  fuzz      run the built-in generator against a target\n"
    "  replay    run trace files or corpus directories\n"
    "  print     show a trace (binary or text) as canonical text\n"
    "  encode    write text traces as binary fuzz-engine inputs\n"
    "  shrink    make a finding's trace minimal\n"
    "  explain   show a trace step by step with the ownership state\n"
    "  repro     write a finding as a standalone C program\n"
    "  targets   list the targets\n"
    "\n"
    "'closeonce COMMAND --help' describes a command; --version the version.\n";

int co_cli_main(int argc, char **argv) {
  size_t i;
  if (argc < 2) {
    fputs(main_help, stderr);
    return EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    fputs(main_help, stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("closeonce %s\n", CO_VERSION);
    return 0;
  }
  if (!strcmp(argv[1], "fuzz"))
    return cmd_fuzz(argc - 1, argv + 1);
  if (!strcmp(argv[1], "replay"))
    return cmd_replay(argc - 1, argv + 1);
  if (!strcmp(argv[1], "print"))
    return cmd_print(argc - 1, argv + 1);
  if (!strcmp(argv[1], "encode"))
    return cmd_encode(argc - 1, argv + 1);
  if (!strcmp(argv[1], "shrink"))
    return cmd_shrink(argc - 1, argv + 1);
  if (!strcmp(argv[1], "explain"))
    return cmd_explain(argc - 1, argv + 1);
  if (!strcmp(argv[1], "repro"))
    return cmd_repro(argc - 1, argv + 1);
  if (!strcmp(argv[1], "targets")) {
    int w = 0;
    for (i = 0; co_targets[i]; i++)
      if ((int)strlen(co_targets[i]->name) > w)
        w = (int)strlen(co_targets[i]->name);
    for (i = 0; co_targets[i]; i++)
      printf("%-*s %-11s %s\n", w, co_targets[i]->name,
             co_mode_name(co_targets[i]->mode), co_targets[i]->summary);
    return 0;
  }
  fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n", prog, argv[1],
          prog);
  return EXIT_USAGE;
}
