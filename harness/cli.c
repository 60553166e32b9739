/*
 * The closeonce command line: fuzz, replay, print, targets.
 * Exit codes: 0 nothing found, 1 a finding, 2 a usage or input error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stddef.h>
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

static const char prog[] = "closeonce";

/* The command line's context: what co_cli_run was given, and the command
 * being run (for messages). Nothing of the command line is global. */
struct cli {
  const char *default_target; /* a kit's own target, or NULL */
  const char *cmd;
  /* the program as invoked (argv[0]: a kit program's own name), for the
   * commands that reports print */
  const char *argv0;
};

static int shrink_report(struct co_exec *ex, struct co_trace *t,
                         struct co_verdict *v, FILE *out,
                         struct co_shrink_stats *st);

/* The program's name as invoked, without its directory (a kit program's
 * own: "hlib-closeonce.exe"). */
static const char *prog_name(const struct cli *cli) {
  const char *p = cli->argv0, *q;
  for (q = p; *q; q++)
    if (*q == '/' || *q == '\\')
      p = q + 1;
  return *p ? p : prog;
}

/* The length of prog_name's name without a ".exe" ending: the name error
 * messages start with ("hlib-closeonce fuzz: ..."; "closeonce" under Wine
 * as on Linux). PROG(cli) gives it to a "%.*s". */
static int prog_len(const struct cli *cli) {
  const char *p = prog_name(cli);
  size_t n = strlen(p);
  if (n > 4 && (!strcmp(p + n - 4, ".exe") || !strcmp(p + n - 4, ".EXE")))
    n -= 4;
  return (int)n;
}
#define PROG(cli) prog_len(cli), prog_name(cli)

static int usage_error(const struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const struct cli *cli, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%.*s %s: ", PROG(cli), cli->cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see '%s %s --help')\n", prog_name(cli), cli->cmd);
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

/* ---- options: one table, one parser, for every command ---- */

/* What an option's value is. */
enum opt_kind {
  OPT_FLAG,   /* no value: sets an int to 1 */
  OPT_STRING, /* a const char * */
  OPT_UINT,   /* a uint64_t in lo..hi */
  OPT_MODE,   /* contract|conformance: an int, -1 when not given */
  OPT_FORMAT, /* auto|text|binary: an enum co_format */
  OPT_PROFILE /* linux|keeps-open: an int (co_close_profile_parse) */
};

/* The values of every option, each command reading those it takes. */
struct args {
  const char *target, *out, *output, *report_dir, *dict;
  uint64_t seconds, runs, seed, max_ops, max_findings;
  int quiet, naive, allow_empty, help, mode, keep_going, isolate, free_std;
  int no_faults;
  uint64_t threads;  /* --threads N: parallel traces (0: sequential) */
  int close_profile; /* CO_CLOSE_LINUX unless --close-profile */
  enum co_format fmt;
  unsigned given; /* 1 << OPT index: the options on the command line */
  char **pos;     /* the operands, in order */
  int npos;
};

enum {
  O_TARGET,
  O_SECONDS,
  O_RUNS,
  O_SEED,
  O_MAX_OPS,
  O_MODE,
  O_FORMAT,
  O_OUT,
  O_OUTPUT,
  O_REPORT_DIR,
  O_DICT,
  O_QUIET,
  O_NAIVE,
  O_ALLOW_EMPTY,
  O_KEEP_GOING,
  O_MAX_FINDINGS,
  O_ISOLATE,
  O_FREE_STD,
  O_NO_FAULTS,
  O_CLOSE_PROFILE,
  O_THREADS,
  O_HELP,
  O_COUNT
};
#define OPT(o) (1u << (o))

struct opt {
  const char *name; /* --name */
  char short_name;  /* -c, or 0 */
  enum opt_kind kind;
  size_t off; /* where in struct args */
  uint64_t lo, hi;
  const char *arg, *help;
};

#define ARG(field) offsetof(struct args, field)
static const struct opt opts[O_COUNT] = {
    [O_TARGET] = {"target", 0, OPT_STRING, ARG(target), 0, 0, "T",
                  "the target (closeonce targets lists them)"},
    [O_SECONDS] = {"seconds", 0, OPT_UINT, ARG(seconds), 1, UINT64_MAX, "N",
                   "time budget (default 10 when --runs is not given)"},
    [O_RUNS] = {"runs", 0, OPT_UINT, ARG(runs), 1, UINT64_MAX, "N",
                "number of traces; with a seed, the same result each time"},
    [O_SEED] = {"seed", 0, OPT_UINT, ARG(seed), 0, UINT64_MAX, "S",
                "generator seed (default: from the clock, printed)"},
    [O_MAX_OPS] = {"max-ops", 0, OPT_UINT, ARG(max_ops), 1, CO_MAX_OPS, "K",
                   "operations per trace, at most (fuzz: default 32; "
                   "replay: longer traces are cut, default 4096)"},
    [O_MODE] = {"mode", 0, OPT_MODE, ARG(mode), 0, 0, "M",
                "contract or conformance (default: the target's)"},
    [O_FORMAT] = {"format", 0, OPT_FORMAT, ARG(fmt), 0, 0, "F",
                  "auto, text or binary (default auto, see below)"},
    [O_OUT] = {"out", 0, OPT_STRING, ARG(out), 0, 0, "DIR",
               "where a finding's trace is saved (default "
               "./closeonce-findings)"},
    [O_OUTPUT] = {"output", 'o', OPT_STRING, ARG(output), 0, 0, "OUT",
                  "the output file (default: standard output)"},
    [O_REPORT_DIR] = {"report-dir", 0, OPT_STRING, ARG(report_dir), 0, 0, "DIR",
                      "also write reports there: junit.xml and "
                      "closeonce.sarif (SARIF 2.1.0), and for a finding "
                      "NAME-HASH.md and NAME-HASH.json"},
    [O_DICT] = {"dict", 0, OPT_STRING, ARG(dict), 0, 0, "FILE",
                "also write a libFuzzer/AFL++ dictionary there"},
    [O_QUIET] = {"quiet", 0, OPT_FLAG, ARG(quiet), 0, 0, NULL,
                 "no progress or per-file lines"},
    [O_NAIVE] = {"naive", 0, OPT_FLAG, ARG(naive), 0, 0, NULL,
                 "the baseline engine, for benchmarks: uniformly random "
                 "bytes decoded (no coverage feedback, no corpus)"},
    [O_ALLOW_EMPTY] = {"allow-empty", 0, OPT_FLAG, ARG(allow_empty), 0, 0, NULL,
                       "a directory that holds no trace is not an error"},
    [O_KEEP_GOING] = {"keep-going", 0, OPT_FLAG, ARG(keep_going), 0, 0, NULL,
                      "go on after a finding: every distinct bug once, by "
                      "its name, with its hits and when it was first seen"},
    [O_MAX_FINDINGS] = {"max-findings", 0, OPT_UINT, ARG(max_findings), 1,
                        UINT64_MAX, "N",
                        "stop after N distinct bugs (implies --keep-going)"},
    [O_ISOLATE] = {"isolate", 0, OPT_FLAG, ARG(isolate), 0, 0, NULL,
                   "run every trace in a child process (POSIX), so that "
                   "nothing a library keeps in the process carries over"},
    [O_FREE_STD] = {"free-std", 0, OPT_FLAG, ARG(free_std), 0, 0, NULL,
                    "descriptors 0, 1 and 2 are the traces': the harness "
                    "moves its own standard streams out of the way for each "
                    "trace (f0 is then 0)"},
    [O_NO_FAULTS] = {"no-faults", 0, OPT_FLAG, ARG(no_faults), 0, 0, NULL,
                     "draw no `fail` (docs/faults.md#fail): the library's "
                     "calls all run as the platform answers them"},
    [O_CLOSE_PROFILE] = {"close-profile", 0, OPT_PROFILE, ARG(close_profile), 0,
                         0, "P",
                         "linux (default) or keeps-open: is a descriptor "
                         "still open after the library's close failed with "
                         "an injected EINTR (docs/faults.md#profiles)"},
    [O_THREADS] = {"threads", 0, OPT_UINT, ARG(threads), 1, CO_THREADS, "N",
                   "parallel traces of up to N threads (docs/threads.md): "
                   "fuzz draws them; the other commands read binary inputs "
                   "with a thread byte a record (a threaded fuzz program's "
                   "inputs: 4)"},
    [O_HELP] = {"help", 'h', OPT_FLAG, ARG(help), 0, 0, NULL, "this help"},
};

/* How --format auto decides, for the help of the commands that read
 * traces (the rule is co_trace_looks_text's, closeonce/trace.h). */
static const char format_help[] =
    "--format auto: a name ending in .trace is text; an engine's names are\n"
    "binary (libFuzzer crash-*, leak-*, timeout-*, oom-*, slow-unit-* and\n"
    "40-hex-digit corpus units, AFL++ id:*, and *.bin); any other file is\n"
    "text if its first 8 bytes are printable ASCII, tab, CR, LF or UTF-8.\n"
    "Text is never read as binary: a stray byte in a text file is an error\n"
    "at its file:line:col (exit 2). --format binary reads any file as an\n"
    "engine input.\n";

/* text from column col on, words wrapped at 79 columns. */
static void wrap(FILE *out, const char *text, int col) {
  int at = col;
  while (*text) {
    int n = (int)strcspn(text, " ");
    if (at > col && at + 1 + n > 79) {
      fprintf(out, "\n%*s", col - 1, "");
      at = col;
    }
    fprintf(out, " %.*s", n, text);
    at += 1 + n;
    text += n;
    text += strspn(text, " ");
  }
}

/* The option list of a command's help, from the table. */
static void print_options(unsigned takes, FILE *out) {
  size_t i;
  for (i = 0; i < O_COUNT; i++) {
    const struct opt *o = &opts[i];
    char head[40], text[400];
    if (!(takes & OPT(i)))
      continue;
    snprintf(head, sizeof head, "%s%c%s--%s%s%s", o->short_name ? "-" : "",
             o->short_name ? o->short_name : ' ', o->short_name ? ", " : "",
             o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    fprintf(out, "  %-20s", o->short_name ? head : head + 1);
    if (o->kind == OPT_UINT && o->hi != UINT64_MAX)
      snprintf(text, sizeof text, "%s; %" PRIu64 "..%" PRIu64, o->help, o->lo,
               o->hi);
    else
      snprintf(text, sizeof text, "%s", o->help);
    wrap(out, text, 23);
    fputc('\n', out);
  }
}

static int bad_value(const struct cli *cli, const struct opt *o,
                     const char *v) {
  if (o->kind == OPT_MODE)
    return usage_error(cli, "--%s expects contract or conformance, got '%s'",
                       o->name, v);
  if (o->kind == OPT_FORMAT)
    return usage_error(cli, "--%s expects auto, text or binary, got '%s'",
                       o->name, v);
  if (o->kind == OPT_PROFILE)
    return usage_error(cli, "--%s expects linux or keeps-open, got '%s'",
                       o->name, v);
  if (o->hi == UINT64_MAX)
    return usage_error(cli, "--%s expects %s integer, got '%s'", o->name,
                       o->lo ? "a positive" : "an unsigned", v);
  return usage_error(cli, "--%s expects %" PRIu64 "..%" PRIu64 ", got '%s'",
                     o->name, o->lo, o->hi, v);
}

/* Store option o's value v in a. Returns 0 or EXIT_USAGE. */
static int set_value(const struct cli *cli, const struct opt *o, const char *v,
                     struct args *a) {
  void *field = (char *)a + o->off;
  uint64_t u;
  switch (o->kind) {
  case OPT_FLAG:
    *(int *)field = 1;
    return 0;
  case OPT_STRING:
    *(const char **)field = v;
    return 0;
  case OPT_UINT:
    if (parse_u64(v, &u) < 0 || u < o->lo || u > o->hi)
      return bad_value(cli, o, v);
    *(uint64_t *)field = u;
    return 0;
  case OPT_MODE:
    return co_mode_parse(v, (int *)field) < 0 ? bad_value(cli, o, v) : 0;
  case OPT_PROFILE:
    return co_close_profile_parse(v, (int *)field) < 0 ? bad_value(cli, o, v)
                                                       : 0;
  case OPT_FORMAT:
    if (!strcmp(v, "auto"))
      *(enum co_format *)field = CO_FMT_AUTO;
    else if (!strcmp(v, "text"))
      *(enum co_format *)field = CO_FMT_TEXT;
    else if (!strcmp(v, "binary"))
      *(enum co_format *)field = CO_FMT_BINARY;
    else
      return bad_value(cli, o, v);
    return 0;
  }
  return 0;
}

/* The option argv[i] names among those the command takes, or NULL; *inl
 * points at an inline value (--name=value), else NULL. */
static const struct opt *find_opt(const char *arg, unsigned takes,
                                  const char **inl) {
  size_t i, n;
  *inl = NULL;
  for (i = 0; i < O_COUNT; i++) {
    if (!(takes & OPT(i)))
      continue;
    if (arg[1] != '-') {
      if (opts[i].short_name && arg[1] == opts[i].short_name) {
        *inl = arg[2] ? arg + 2 : NULL;
        return &opts[i];
      }
      continue;
    }
    n = strlen(opts[i].name);
    if (!strncmp(arg + 2, opts[i].name, n) &&
        (arg[2 + n] == 0 || arg[2 + n] == '=')) {
      *inl = arg[2 + n] == '=' ? arg + 3 + n : NULL;
      return &opts[i];
    }
  }
  return NULL;
}

/* Parse argv[1..] (argv[0] is the command) into a: the options the
 * command takes, anywhere, and its operands ("--" ends the options).
 * Returns 0, or EXIT_USAGE after saying why. a->pos is malloc'd. */
static int parse_args(const struct cli *cli, unsigned takes, int argc,
                      char **argv, struct args *a) {
  int i, only_operands = 0;
  memset(a, 0, sizeof *a);
  a->mode = -1;
  a->fmt = CO_FMT_AUTO;
  if (!(a->pos = calloc((size_t)argc + 1, sizeof *a->pos)))
    return usage_error(cli, "out of memory");
  for (i = 1; i < argc; i++) {
    const char *arg = argv[i], *inl;
    const struct opt *o;
    if (only_operands || arg[0] != '-' || !arg[1]) {
      a->pos[a->npos++] = argv[i];
      continue;
    }
    if (!strcmp(arg, "--")) {
      only_operands = 1;
      continue;
    }
    o = find_opt(arg, takes | OPT(O_HELP), &inl);
    if (!o || (o->kind == OPT_FLAG && inl) ||
        (o->kind != OPT_FLAG && !inl && i + 1 >= argc))
      return usage_error(cli, "unknown or incomplete option '%s'", arg);
    if (o->kind != OPT_FLAG && !inl)
      inl = argv[++i];
    if (set_value(cli, o, inl, a))
      return EXIT_USAGE;
    a->given |= OPT((size_t)(o - opts));
  }
  return 0;
}

/* A help text with the program's own name where it says how to run it
 * ("usage: closeonce ...", "'closeonce COMMAND --help'"). */
static void put_help(const struct cli *cli, const char *text, FILE *f) {
  const char *at;
  size_t n = strlen(prog);
  while ((at = strstr(text, prog)) != NULL) {
    int named = (at - text >= 7 && !strncmp(at - 7, "usage: ", 7)) ||
                (at > text && at[-1] == '\'');
    fwrite(text, 1, (size_t)(at - text), f);
    fputs(named ? prog_name(cli) : prog, f);
    text = at + n;
  }
  fputs(text, f);
}

/* The command's help: its text, then its options from the table. */
static int show_help(const struct cli *cli, const char *text, unsigned takes,
                     int formats) {
  put_help(cli, text, stdout);
  printf("\noptions:\n");
  print_options(takes | OPT(O_HELP), stdout);
  if (formats)
    printf("\n%s", format_help);
  return 0;
}

static const struct co_target *target_arg(const struct cli *cli,
                                          const char *name) {
  const struct co_target *t = co_target_find(name);
  size_t i;
  if (!t) {
    fprintf(stderr, "%.*s %s: unknown target '%s'; targets:", PROG(cli),
            cli->cmd, name);
    for (i = 0; co_targets[i]; i++)
      fprintf(stderr, " %s", co_targets[i]->name);
    fprintf(stderr, "\n");
  }
  return t;
}

/* --target, else the kit's target, else fallback (NULL: required). */
static const struct co_target *
target_of(const struct cli *cli, const struct args *a, const char *fallback) {
  const char *name = a->target             ? a->target
                     : cli->default_target ? cli->default_target
                                           : fallback;
  if (!name) {
    usage_error(cli, "--target is required");
    return NULL;
  }
  return target_arg(cli, name);
}

/* The target's operations as the command decodes them: with --threads N,
 * binary inputs carry a thread byte a record (closeonce/trace.h). */
static struct co_opset opset_of(const struct co_target *tg,
                                const struct args *a) {
  struct co_opset ops = tg->ops;
  ops.threads = (uint8_t)a->threads;
  return ops;
}

/* The form FILE is read in: fmt, or for auto the one co_trace_load picks
 * (closeonce/trace.h, co_trace_looks_text: by name, then by its first
 * bytes). */
static enum co_format file_format(const char *path, enum co_format fmt) {
  unsigned char head[CO_TEXT_LEAD + 3];
  size_t n = 0;
  FILE *fp;
  if (fmt != CO_FMT_AUTO)
    return fmt;
  if ((fp = fopen(path, "rb")) != NULL) {
    n = fread(head, 1, sizeof head, fp);
    fclose(fp);
  }
  return co_trace_looks_text(path, head, n) ? CO_FMT_TEXT : CO_FMT_BINARY;
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
    "                      [--keep-going] [--max-findings N] [--isolate]\n"
    "                      [--out DIR] [--report-dir DIR] [--quiet] [--naive]\n"
    "\n"
    "Run the built-in generator against target T: random open/dup/close\n"
    "traces, the model and the real platform in lockstep. Stops at the\n"
    "first finding, shrinks it, prints the report and saves the trace to\n"
    "DIR as TARGET-BUG.trace. BUG, the bug's name, is a stable signature:\n"
    "VERDICT.PARTY.RULE.STEP (the party at fault, the rule broken, the\n"
    "entry or operation of the step), the same from any seed.\n"
    "\n"
    "--keep-going: go on after a finding. Findings are grouped by bug name;\n"
    "each distinct bug is kept once (its first trace, shrunk), with its\n"
    "number of hits and when it was first seen, and listed once in the\n"
    "summary and the reports. --max-findings N stops after N bugs.\n"
    "\n"
    "Every finding is confirmed before it is reported: its reproducer runs\n"
    "again in a fresh process (POSIX: one forked before the first trace).\n"
    "If it gives something else there, it depends on what earlier traces\n"
    "left in the process (a library's pool, cache or counter): it is\n"
    "reported as \"unstable: depends on earlier traces\", saved as\n"
    "TARGET-BUG.unstable.trace, not as a finding. --isolate runs every\n"
    "trace in a child process (POSIX only), so that no state carries over;\n"
    "a child killed by a signal is a finding (harness-error naming it).\n"
    "An adapter can instead reset its library before each trace (struct\n"
    "co_adapter.reset, closeonce/contract.h).\n"
    "\n"
    "--mode conformance: traces may misuse handles, the model predicts the\n"
    "platform; ownership events are reported. contract: only moves a\n"
    "well-behaved client makes; every ownership event is a finding (the\n"
    "library's fault). --naive: contract mode still skips a client's\n"
    "illegal moves. A target that cannot start (a library's own start-up\n"
    "failed, e.g. out of descriptors) is a usage error, exit 2.\n"
    "\n"
    "exit: 0 nothing found, 1 a finding (confirmed or unstable), 2 usage or\n"
    "input error\n";
#define FUZZ_OPTS                                                              \
  (OPT(O_TARGET) | OPT(O_SECONDS) | OPT(O_RUNS) | OPT(O_SEED) |                \
   OPT(O_MAX_OPS) | OPT(O_OUT) | OPT(O_QUIET) | OPT(O_MODE) |                  \
   OPT(O_REPORT_DIR) | OPT(O_NAIVE) | OPT(O_KEEP_GOING) |                      \
   OPT(O_MAX_FINDINGS) | OPT(O_ISOLATE) | OPT(O_FREE_STD) | OPT(O_NO_FAULTS) | \
   OPT(O_CLOSE_PROFILE) | OPT(O_THREADS))

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

/* The reports of a whole run: DIR/junit.xml and DIR/closeonce.sarif. */
static int write_run_reports(const char *dir, const char *suite,
                             const char *program, int argc, char **argv,
                             const struct co_junit_case *cases, size_t n) {
  char path[4200], command[2048];
  size_t len = (size_t)snprintf(command, sizeof command, "%s", program);
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

/* A time since the start, for people: milliseconds under a second. */
static const char *since(double s, char *buf, size_t cap) {
  if (s < 1)
    snprintf(buf, cap, "%.1f ms", s * 1e3);
  else
    snprintf(buf, cap, "%.2f s", s);
  return buf;
}

/* What the fuzz command keeps about one bug of the campaign. */
struct bug_out {
  struct co_bug *b;
  struct co_bug_info info;
  char path[4200]; /* the saved reproducer */
  int saved, save_errno;
  struct co_shrink_stats sst; /* what the shrinker verified */
  int shrunk;
  int unstable;
  int killed;     /* its trace kills the process it runs in */
  char note[600]; /* what the confirmation found */
};

/* One fuzz command: its options, the campaign and what is left of it. */
struct fuzz {
  const struct cli *cli;
  struct args a;
  struct co_campaign_config cfg;
  struct co_campaign_result res;
  struct progress_env pe;
  struct co_exec *sx;     /* for shrinking and reports */
  struct co_fresh *fresh; /* confirms findings; NULL: not available */
  char fresh_err[200];
  struct bug_out *bo; /* one per res.bugs */
  size_t nstable, nunstable, nunchecked;
};

/* The campaign's configuration from the options; prints the header. */
static int fuzz_configure(struct fuzz *fz) {
  struct co_campaign_config *cfg = &fz->cfg;
  struct args *a = &fz->a;
  if (a->npos)
    return usage_error(fz->cli, "unexpected argument '%s'", a->pos[0]);
  if (a->isolate && !co_fresh_available())
    return usage_error(fz->cli, "--isolate is not available on this "
                                "platform: it runs each trace in a forked "
                                "child (POSIX only)");
  if (!a->out)
    a->out = "closeonce-findings";
  memset(cfg, 0, sizeof *cfg);
  if (!(cfg->target = target_of(fz->cli, a, NULL)))
    return EXIT_USAGE;
  if (!(a->given & OPT(O_SEED)))
    a->seed = co__entropy() % 1000000000ull;
  if (!(a->given & OPT(O_MAX_OPS)))
    a->max_ops = 32;
  if (!a->runs && !a->seconds)
    a->seconds = 10;
  if (a->given & OPT(O_MAX_FINDINGS))
    a->keep_going = 1;
  cfg->seed = a->seed;
  cfg->runs = a->runs;
  cfg->mode = a->mode;
  cfg->mode_set = a->mode >= 0;
  cfg->seconds = (double)a->seconds;
  cfg->max_ops = (size_t)a->max_ops;
  cfg->naive = a->naive;
  cfg->keep_going = 1; /* bugs in res.bugs; without --keep-going, one */
  cfg->max_findings = a->keep_going ? a->max_findings : 1;
  cfg->isolate = a->isolate;
  cfg->free_std = a->free_std;
  cfg->no_faults = a->no_faults;
  cfg->threads = (unsigned)a->threads;
  cfg->close_profile = a->close_profile;
  fz->pe.tty = isatty(2);
  if (!a->quiet) {
    cfg->progress = on_progress;
    cfg->progress_every = fz->pe.tty ? 1.0 : 5.0;
    cfg->env = &fz->pe;
  }
  printf("closeonce %s: fuzz target %s (%s mode%s%s%s), seed %" PRIu64
         ", at most %" PRIu64 " ops a trace, ",
         CO_VERSION, cfg->target->name,
         co_mode_name(a->mode >= 0 ? a->mode : cfg->target->mode),
         a->naive ? ", naive engine" : "", a->keep_going ? ", keep going" : "",
         a->isolate ? ", each trace in its own process" : "", a->seed,
         a->max_ops);
  if (a->runs && (a->given & OPT(O_SECONDS)))
    printf("%" PRIu64 " runs or %" PRIu64 " s\n", a->runs, a->seconds);
  else if (a->runs)
    printf("%" PRIu64 " runs\n", a->runs);
  else
    printf("%" PRIu64 " s\n", a->seconds);
  print_profile(cfg->target);
  fflush(stdout);
  return 0;
}

/* Confirm bug o in a fresh process: the same bug name there, or it
 * depends on earlier traces. unshrunk: its trace before shrinking, tried
 * when the shrunk one differs. */
static void fuzz_confirm(struct fuzz *fz, struct bug_out *o,
                         const struct co_trace *unshrunk) {
  struct co_bug *b = o->b;
  struct co_verdict fv;
  char err[200], want[CO_BUG_NAME_MAX], got[CO_BUG_NAME_MAX];
  int mode = fz->res.mode;
  o->info.confirmed = "not-checked";
  if (!fz->fresh) {
    snprintf(o->note, sizeof o->note, "not confirmed in a fresh process: %s",
             fz->fresh_err);
    return;
  }
  co_bug_name(&b->trace, &b->verdict, want, sizeof want);
  if (co_fresh_run(fz->fresh, &b->trace, mode, 0, &fv, err, sizeof err) < 0) {
    snprintf(o->note, sizeof o->note, "not confirmed in a fresh process: %s",
             err);
    return;
  }
  co_bug_name(&b->trace, &fv, got, sizeof got);
  if (!strcmp(want, got) && fv.step == b->verdict.step) {
    o->info.confirmed = "fresh-process";
    snprintf(o->note, sizeof o->note, "confirmed in a fresh process");
    return;
  }
  if (o->shrunk && unshrunk) {
    struct co_verdict uv;
    if (co_fresh_run(fz->fresh, unshrunk, mode, 0, &uv, err, sizeof err) == 0 &&
        uv.kind == b->verdict.kind) {
      co_bug_name(unshrunk, &uv, got, sizeof got);
      if (!strcmp(got, b->name) || !strcmp(got, want)) {
        co_trace_copy(&b->trace, unshrunk);
        b->verdict = uv;
        o->shrunk = 0;
        o->info.confirmed = "fresh-process";
        snprintf(o->note, sizeof o->note,
                 "confirmed in a fresh process as found (its shrunk form "
                 "depended on the traces shrinking ran before: not kept)");
        return;
      }
    }
  }
  o->unstable = 1;
  o->info.confirmed = "unstable";
  if (fv.kind == CO_V_OK)
    snprintf(o->note, sizeof o->note,
             "unstable: depends on earlier traces (run alone in a fresh "
             "process, its reproducer gives ok)");
  else
    snprintf(o->note, sizeof o->note,
             "unstable: depends on earlier traces (run alone in a fresh "
             "process, its reproducer gives %s at step %zu: %.300s)",
             co_verdict_name(fv.kind), fv.step, fv.what);
}

/* Save o's reproducer: DIR/TARGET-BUG.trace, or .unstable.trace. */
static void fuzz_save(struct fuzz *fz, struct bug_out *o) {
  const char *name = fz->cfg.target->name;
  struct co_bug *b = o->b;
  char header[1600], t[32], thr[24] = "";
  if (fz->a.threads)
    snprintf(thr, sizeof thr, " --threads %u", (unsigned)fz->a.threads);
  snprintf(header, sizeof header,
           "closeonce %s: %s in target %s (%s mode)\n%s\nbug: %s (%" PRIu64
           " hit%s, first in run %" PRIu64 " after %s)\n%s\nfound by: "
           "%s fuzz --target %s --mode %s --seed %" PRIu64 " --max-ops %" PRIu64
           "%s%s%s%s --close-profile %s",
           CO_VERSION, co_verdict_name(b->verdict.kind), name,
           co_mode_name(fz->res.mode), b->verdict.what, b->name, b->hits,
           b->hits == 1 ? "" : "s", b->first_run,
           since(b->first_seconds, t, sizeof t), o->note, fz->cli->argv0, name,
           co_mode_name(fz->res.mode), fz->a.seed, fz->a.max_ops,
           fz->a.isolate ? " --isolate" : "",
           fz->a.free_std ? " --free-std" : "",
           fz->a.no_faults ? " --no-faults" : "", thr,
           co_close_profile_name(fz->a.close_profile));
  o->saved = -1;
  if (co_mkdir_p(fz->a.out) == 0) {
    snprintf(o->path, sizeof o->path, "%s/%s-%s%s.trace", fz->a.out, name,
             b->name, o->unstable ? ".unstable" : "");
    o->saved = co_trace_save(o->path, header, &b->trace);
  }
  o->save_errno = errno;
}

/* Shrink bug o: here, or with --isolate in a child process (nothing of
 * the shrinker's traces stays in this one, and a crash kills only the
 * child). */
static void fuzz_shrink(struct fuzz *fz, struct bug_out *o) {
  struct co_bug *b = o->b;
  const struct co_event_rec *ev;
  char line[400];
  int r;
  printf("\n%s: ", b->name);
  if (!fz->a.isolate) {
    o->shrunk =
        shrink_report(fz->sx, &b->trace, &b->verdict, stdout, &o->sst) == 0;
    b->nevents = co_exec_events(fz->sx, &ev);
    memcpy(b->events, ev, b->nevents * sizeof *ev);
    return;
  }
  r = co_shrink_isolated(fz->sx, &b->trace, &b->verdict, &o->sst, b->events,
                         &b->nevents);
  o->shrunk = r == 0;
  o->killed = r == -2;
  if (r == -2) {
    printf("shrink: its process died (the trace kills the process it runs "
           "in); trace kept as found\n");
  } else if (r < 0) {
    printf("shrink: the finding did not reproduce; trace kept as is\n");
  } else {
    co_shrink_describe(&o->sst, line, sizeof line);
    printf("%s (in a child process)\n", line);
  }
}

/* Each bug: shrink it (the saved reproducer is the minimal one), confirm
 * it in a fresh process, then save it; the reports point at its lines. */
static void fuzz_keep_bugs(struct fuzz *fz) {
  size_t i;
  struct co_trace orig;
  co_trace_init(&orig);
  if (!(fz->bo = calloc(fz->res.nbugs ? fz->res.nbugs : 1, sizeof *fz->bo)))
    return;
  for (i = 0; i < fz->res.nbugs; i++) {
    struct bug_out *o = &fz->bo[i];
    struct co_bug *b = o->b = &fz->res.bugs[i];
    o->info.name = b->name;
    o->info.hits = b->hits;
    o->info.first_run = b->first_run;
    o->info.first_seconds = b->first_seconds;
    if (fz->sx && b->trace.len && co_trace_copy(&orig, &b->trace) == 0)
      fuzz_shrink(fz, o);
    if (b->trace.len)
      fuzz_confirm(fz, o, &orig);
    if (o->unstable)
      fz->nunstable++;
    else if (!strcmp(o->info.confirmed, "fresh-process"))
      fz->nstable++;
    else
      fz->nunchecked++;
    if (b->trace.len)
      fuzz_save(fz, o);
    else
      o->saved = -1;
  }
  co_trace_free(&orig);
}

/* --report-dir: each bug's files, junit.xml and closeonce.sarif. */
static void fuzz_reports(struct fuzz *fz, int argc, char **argv) {
  struct co_campaign_result *res = &fz->res;
  const char *tname = fz->cfg.target->name, *dir = fz->a.report_dir;
  size_t n = res->nbugs, i, k = 0;
  struct co_finding *f = calloc(n ? n : 1, sizeof *f);
  struct co_junit_case *jc = calloc(n ? n : 1, sizeof *jc);
  char(*names)[CO_BUG_NAME_MAX + 64] = calloc(n ? n : 1, sizeof *names);
  char(*sources)[200] = calloc(n ? n : 1, sizeof *sources);
  int bad = !f || !jc || !names || !sources;
  for (i = 0; !bad && i < n; i++) {
    struct bug_out *o = &fz->bo[i];
    struct co_bug *b = o->b;
    snprintf(sources[i], sizeof sources[i],
             "%s fuzz --target %s --seed %" PRIu64
             " --close-profile %s (run %" PRIu64 ")",
             fz->cli->argv0, tname, fz->a.seed,
             co_close_profile_name(fz->a.close_profile), b->first_run);
    f[i].target = tname;
    f[i].mode = res->mode;
    f[i].source = sources[i];
    f[i].trace = &b->trace;
    f[i].trace_file = o->saved == 0 ? o->path : NULL;
    f[i].v = &b->verdict;
    f[i].ev = b->events;
    f[i].nev = b->nevents;
    f[i].shrink = o->shrunk ? &o->sst : NULL;
    f[i].program = fz->cli->argv0;
    f[i].bug = &o->info;
    snprintf(names[i], sizeof names[i], "%s-%s%s", tname, b->name,
             o->unstable ? ".unstable" : "");
    jc[i].classname = "closeonce.fuzz";
    jc[i].name = names[i];
    jc[i].seconds = b->first_seconds;
    jc[i].failure = &f[i];
    /* the Markdown runs the trace again: not one that kills the process */
    bad = b->trace.len &&
          co_report_files(dir, names[i], o->killed ? NULL : fz->sx, &f[i]) < 0;
    k++;
  }
  if (!n && jc) { /* a clean campaign: one passing case */
    jc[0].classname = "closeonce.fuzz";
    jc[0].name = tname;
    jc[0].seconds = res->status.elapsed;
    k = 1;
  }
  if (bad || write_run_reports(dir, "closeonce fuzz", fz->cli->argv0, argc,
                               argv, jc, k) < 0)
    fprintf(stderr, "%.*s fuzz: cannot write reports in %s: %s\n",
            PROG(fz->cli), dir, strerror(errno));
  else if (n)
    printf("reports: %s/%s-BUG.md and .json for each of the %zu bugs, "
           "junit.xml and closeonce.sarif\n",
           dir, tname, n);
  else
    printf("reports: %s/junit.xml and closeonce.sarif\n", dir);
  free(f);
  free(jc);
  free(names);
  free(sources);
}

/* One bug's lines: its name, hits, when first seen, the report, and how
 * to replay it. */
static void fuzz_print_bug(struct fuzz *fz, size_t i) {
  struct bug_out *o = &fz->bo[i];
  struct co_bug *b = o->b;
  const char *tname = fz->cfg.target->name;
  char t[32];
  printf("\n%s %zu of %zu: %s: %" PRIu64 " hit%s, first in run %" PRIu64
         " after %s\n",
         o->unstable ? "unstable bug" : "bug", i + 1, fz->res.nbugs, b->name,
         b->hits, b->hits == 1 ? "" : "s", b->first_run,
         since(b->first_seconds, t, sizeof t));
  printf("finding in run %" PRIu64 " (seed %" PRIu64 "): ", b->first_run,
         fz->a.seed);
  co_report_text(stdout, tname, &b->trace, &b->verdict, b->events, b->nevents);
  printf("%s\n", o->note);
  if (o->saved == 0)
    printf("reproducer: %s (%zu operations)\nreplay it:  %s replay "
           "--target %s --mode %s%s%s %s\n",
           o->path, b->trace.len, fz->cli->argv0, tname,
           co_mode_name(fz->res.mode), fz->a.free_std ? " --free-std" : "",
           fz->a.close_profile ? " --close-profile keeps-open" : "", o->path);
  else if (b->trace.len)
    fprintf(stderr, "%.*s fuzz: cannot save the trace under %s: %s\n",
            PROG(fz->cli), fz->a.out, strerror(o->save_errno));
}

/* The last lines: every bug once, or what was covered. Returns the exit
 * code. */
static int fuzz_result(struct fuzz *fz) {
  struct co_campaign_result *res = &fz->res;
  char t[32];
  size_t i;
  if (res->found && !res->nbugs) { /* found after the campaign: a leak */
    printf("\nfinding after the campaign (seed %" PRIu64 "): ", fz->a.seed);
    co_report_text(stdout, fz->cfg.target->name, &res->trace, &res->verdict,
                   res->events, res->nevents);
    return EXIT_FOUND;
  }
  for (i = 0; i < res->nbugs && fz->bo; i++)
    fuzz_print_bug(fz, i);
  if (res->nbugs) {
    char unchecked[48] = "";
    if (fz->nunchecked)
      snprintf(unchecked, sizeof unchecked, ", %zu not checked",
               fz->nunchecked);
    printf("\n%zu distinct bug%s (%zu confirmed, %zu unstable%s) in %" PRIu64
           " finding trace%s of %" PRIu64 "; the first after %s (run "
           "%" PRIu64 ")\n",
           res->nbugs, res->nbugs == 1 ? "" : "s", fz->nstable, fz->nunstable,
           unchecked, res->hits, res->hits == 1 ? "" : "s", res->status.runs,
           since(res->bugs[0].first_seconds, t, sizeof t),
           res->bugs[0].first_run);
    for (i = 0; i < res->nbugs && fz->bo; i++)
      printf("  %-8s %s (%" PRIu64 " hit%s)\n",
             fz->bo[i].unstable ? "unstable" : "bug", res->bugs[i].name,
             res->bugs[i].hits, res->bugs[i].hits == 1 ? "" : "s");
    return EXIT_FOUND;
  }
  printf("no finding in %" PRIu64 " traces; %" PRIu64
         " distinct model transitions covered",
         res->status.runs, res->status.transitions);
  if (res->mode == CO_MODE_CONTRACT)
    printf("; %" PRIu64 " moves a well-behaved client would not make were "
           "skipped",
           res->status.skipped);
  else
    printf("; %" PRIu64 " ownership events predicted and matched",
           res->status.events - res->status.events_refused);
  if (res->mode != CO_MODE_CONTRACT && res->status.events_refused)
    printf(", %" PRIu64 " more on refused steps (predicted, not run)",
           res->status.events_refused);
  if (res->status.faults)
    printf("; %" PRIu64 " faults fired inside the library", res->status.faults);
  printf("\n");
  return 0;
}

static int cmd_fuzz(const struct cli *cli, int argc, char **argv) {
  struct fuzz fz;
  char err[256];
  int rc;
  memset(&fz, 0, sizeof fz);
  fz.cli = cli;
  rc = parse_args(cli, FUZZ_OPTS, argc, argv, &fz.a);
  if (!rc && fz.a.help)
    show_help(cli, fuzz_help, FUZZ_OPTS, 0);
  else if (!rc && !(rc = fuzz_configure(&fz))) {
    /* the fresh process, forked before the campaign runs anything */
    if (!(fz.fresh =
              co_fresh_start(fz.cfg.target, fz.fresh_err, sizeof fz.fresh_err)))
      fz.fresh_err[sizeof fz.fresh_err - 1] = 0;
    co_fresh_set_free_std(fz.fresh, fz.a.free_std);
    co_fresh_set_close_profile(fz.fresh, fz.a.close_profile);
    if (co_campaign_run(&fz.cfg, &fz.res, err, sizeof err) < 0) {
      fprintf(stderr, "%.*s fuzz: %s\n", PROG(fz.cli), err);
      rc = EXIT_USAGE;
    }
  }
  free(fz.a.pos);
  if (rc || fz.a.help) {
    co_fresh_stop(fz.fresh);
    return rc;
  }
  if (!fz.a.quiet && fz.pe.tty)
    fputs("\n", stderr);
  print_status(&fz.res.status, stdout, "\n");
  if ((fz.sx = co_exec_new_target(fz.cfg.target, err, sizeof err)) != NULL) {
    co_exec_set_mode(fz.sx, fz.res.mode, 0);
    co_exec_set_full_check(fz.sx, 1);
    (void)co_exec_set_free_std(fz.sx, fz.a.free_std); /* the campaign's did */
    (void)co_exec_set_close_profile(fz.sx, fz.a.close_profile);
  }
  fuzz_keep_bugs(&fz);
  co_fresh_stop(fz.fresh);
  if (fz.a.report_dir && fz.sx)
    fuzz_reports(&fz, argc, argv);
  co_exec_free(fz.sx);
  rc = fuzz_result(&fz);
  free(fz.bo);
  co_campaign_result_free(&fz.res);
  return rc;
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
    "in lockstep and print a verdict per file. Text traces are the corpus\n"
    "format; binary files are fuzz-engine inputs. In a text\n"
    "trace every operation runs, and in contract mode a move a well-behaved\n"
    "client would not make is a finding; in a binary input (an engine's\n"
    "crash file) such moves are skipped, as the engine skipped them.\n"
    "\n"
    "exit: 0 all clean, 1 a finding in any file, 2 a usage error, a target\n"
    "that cannot start, or an unreadable / malformed file (the other files\n"
    "are still run)\n";
#define REPLAY_OPTS                                                            \
  (OPT(O_TARGET) | OPT(O_FORMAT) | OPT(O_MAX_OPS) | OPT(O_QUIET) |             \
   OPT(O_MODE) | OPT(O_REPORT_DIR) | OPT(O_ALLOW_EMPTY) | OPT(O_FREE_STD) |    \
   OPT(O_CLOSE_PROFILE) | OPT(O_THREADS))

struct replay_ctx {
  const struct cli *cli;
  const struct co_target *target;
  struct co_opset ops; /* the target's, with --threads */
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
  size_t not_run, not_run_files; /* steps that did not run, and in how many */
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

/* --report-dir: keep what the JUnit report needs about this file. */
static void replay_keep_case(struct replay_ctx *rc, const char *path) {
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
  rc->cases[k].verdict = NULL;
}

/* --report-dir: the finding's files, NAME-HASH.md and .json. */
static void replay_report_finding(struct replay_ctx *rc, const char *path,
                                  const struct co_verdict *v,
                                  const struct co_event_rec *ev, size_t nev) {
  size_t k = rc->ncases - 1;
  struct co_finding *f = &rc->findings[k];
  char name[128];
  const char *base = strrchr(path, '/');
  rc->verdicts[k] = *v;
  f->target = rc->target->name;
  f->mode = rc->mode;
  f->source = rc->cases[k].name;
  f->trace_file = rc->cases[k].name;
  f->trace = &rc->traces[k];
  f->v = &rc->verdicts[k];
  f->ev = ev;
  f->nev = nev;
  f->shrink = NULL;
  f->program = rc->cli->argv0;
  f->bug = NULL;
  rc->cases[k].failure = f; /* re-pointed after the last realloc */
  snprintf(name, sizeof name, "%s-%016" PRIx64, base ? base + 1 : path,
           co_trace_hash(&rc->t));
  if (co_report_files(rc->report_dir, name, rc->ex, f) < 0)
    fprintf(stderr, "%.*s replay: cannot write reports in %s: %s\n",
            PROG(rc->cli), rc->report_dir, strerror(errno));
}

/* Run one loaded file and print its verdict. */
static void replay_run(struct replay_ctx *rc, const char *path) {
  const struct co_event_rec *ev;
  struct co_verdict v;
  size_t nev;
  int kind = co_exec_run(rc->ex, &rc->t, &v);
  char nr[200];
  nev = co_exec_events(rc->ex, &ev);
  rc->not_run += v.not_run;
  rc->not_run_files += v.not_run != 0;
  if (rc->report_dir) /* the JUnit case's verdict (steps not run) */
    rc->verdicts[rc->ncases - 1] = v;
  if (kind == CO_V_OK) {
    rc->clean++;
    if (!rc->quiet) {
      size_t i, nref = 0;
      for (i = 0; i < nev; i++)
        nref += ev[i].refused != 0;
      printf("ok    %s (%zu ops", path, rc->t.len);
      if (nev > nref)
        printf(", %zu ownership event%s predicted and matched", nev - nref,
               nev - nref == 1 ? "" : "s");
      if (nref)
        printf(", %zu on refused step%s (predicted, not run)", nref,
               nref == 1 ? "" : "s");
      if (co_verdict_not_run(&v, nr, sizeof nr))
        printf("; %s", nr);
      printf(")\n");
      co_report_events(stdout, ev, nev);
    }
    return;
  }
  rc->found++;
  printf("FOUND %s: ", path);
  co_report_text(stdout, rc->target->name, &rc->t, &v, ev, nev);
  if (rc->report_dir)
    replay_report_finding(rc, path, &v, ev, nev);
}

/* A trace that names a number (f>=B) the hard descriptor limit does not
 * reach cannot run as written: said, naming the step (exit 2). */
static int replay_fits(struct replay_ctx *rc, const char *path) {
  struct co_limit_need need;
  char text[96];
  if (co_exec_fit_limit(rc->ex, &rc->t, &need) == 0)
    return 0;
  co_op_format(&rc->t.ops[need.step], text, sizeof text);
  if (need.hard < 0)
    fprintf(stderr,
            "%s: step %zu `%s` names descriptor %" PRId64
            ", at or above the descriptor limit, which this platform "
            "cannot raise\n",
            path, need.step, text, need.num);
  else
    fprintf(stderr,
            "%s: step %zu `%s` names descriptor %" PRId64
            ", which the hard descriptor limit %" PRId64
            " (RLIMIT_NOFILE) does not allow; raise it (ulimit -Hn, "
            "prlimit) or run the trace elsewhere\n",
            path, need.step, text, need.num, need.hard);
  printf("ERROR %s\n", path);
  rc->bad++;
  return -1;
}

static void replay_path(struct replay_ctx *rc, const char *path, int top) {
  struct stat st;
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
  if (co_trace_load(path, rc->fmt, &rc->ops, rc->max_ops, &rc->t, err,
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
  co_exec_set_mode(rc->ex, rc->mode,
                   file_format(path, rc->fmt) == CO_FMT_BINARY);
  if (replay_fits(rc, path) < 0)
    return;
  if (rc->report_dir)
    replay_keep_case(rc, path);
  replay_run(rc, path);
}

/* --report-dir: junit.xml and closeonce.sarif of every file; frees what
 * replay_path kept for them. */
static void replay_reports(struct replay_ctx *rc, int argc, char **argv) {
  size_t k;
  /* The arrays have moved since; point the failures at their final
   * places. */
  for (k = 0; k < rc->ncases; k++)
    rc->cases[k].verdict = &rc->verdicts[k];
  for (k = 0; k < rc->ncases; k++)
    if (rc->cases[k].failure) {
      rc->findings[k].trace = &rc->traces[k];
      rc->findings[k].v = &rc->verdicts[k];
      rc->findings[k].ev = NULL;
      rc->findings[k].nev = 0;
      rc->cases[k].failure = &rc->findings[k];
    }
  if (write_run_reports(rc->report_dir, "closeonce replay", rc->cli->argv0,
                        argc, argv, rc->cases, rc->ncases) < 0)
    fprintf(stderr,
            "%.*s replay: cannot write %s/junit.xml and closeonce.sarif: %s\n",
            PROG(rc->cli), rc->report_dir, strerror(errno));
  for (k = 0; k < rc->ncases; k++) {
    free((char *)rc->cases[k].name);
    co_trace_free(&rc->traces[k]);
  }
  free(rc->cases);
  free(rc->findings);
  free(rc->traces);
  free(rc->verdicts);
}

/* The target, its executor and the mode from the options. Returns 0 or
 * EXIT_USAGE after saying why. */
static int replay_setup(const struct cli *cli, const struct args *a,
                        struct replay_ctx *rc) {
  char err[256];
  if (!(rc->target = target_of(cli, a, NULL)))
    return EXIT_USAGE;
  rc->ops = opset_of(rc->target, a);
  if (!a->npos)
    return usage_error(cli, "no trace file or directory given");
  if (!(rc->ex = co_exec_new_target(rc->target, err, sizeof err))) {
    fprintf(stderr, "%.*s replay: %s\n", PROG(rc->cli), err);
    return EXIT_USAGE;
  }
  if (co_exec_set_free_std(rc->ex, a->free_std) < 0) {
    co_exec_free(rc->ex);
    rc->ex = NULL;
    return usage_error(cli, "--free-std is not available on this platform");
  }
  (void)co_exec_set_close_profile(rc->ex, a->close_profile);
  rc->fmt = a->fmt;
  rc->quiet = a->quiet;
  rc->report_dir = a->report_dir;
  rc->max_ops = (size_t)a->max_ops; /* 0: not given, no limit */
  rc->mode = a->mode >= 0 ? a->mode : rc->target->mode;
  if (!rc->quiet)
    print_profile(rc->target);
  co_exec_set_mode(rc->ex, rc->mode, 0);
  co_exec_set_full_check(rc->ex, 1);
  co_trace_init(&rc->t);
  return 0;
}

static int cmd_replay(const struct cli *cli, int argc, char **argv) {
  struct replay_ctx rc;
  struct args a;
  char msg[200];
  int i, code;
  memset(&rc, 0, sizeof rc);
  rc.cli = cli;
  if ((code = parse_args(cli, REPLAY_OPTS, argc, argv, &a)) != 0 ||
      (a.help && !show_help(cli, replay_help, REPLAY_OPTS, 1)) ||
      (code = replay_setup(cli, &a, &rc)) != 0) {
    free(a.pos);
    return code;
  }
  for (i = 0; i < a.npos; i++) {
    unsigned before = rc.files;
    struct stat st;
    replay_path(&rc, a.pos[i], 1);
    /* a directory that holds no trace replays nothing: not a pass */
    if (rc.files == before && !a.allow_empty && stat(a.pos[i], &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      fprintf(stderr,
              "%.*s replay: no traces in %s (--allow-empty accepts it)\n",
              PROG(rc.cli), a.pos[i]);
      rc.bad++;
    }
  }
  if (co_exec_check_process(rc.ex, msg, sizeof msg) < 0) {
    printf("FOUND leak after replay: %s\n", msg);
    rc.found++;
  }
  if (rc.report_dir)
    replay_reports(&rc, argc, argv);
  printf("replayed %u file%s: %u ok, %u finding%s, %u unreadable or "
         "malformed\n",
         rc.files, rc.files == 1 ? "" : "s", rc.clean, rc.found,
         rc.found == 1 ? "" : "s", rc.bad);
  if (rc.not_run) /* never agreement over a step that did not run */
    printf("not run: %zu step%s in %zu file%s (nothing compared there)\n",
           rc.not_run, rc.not_run == 1 ? "" : "s", rc.not_run_files,
           rc.not_run_files == 1 ? "" : "s");
  co_trace_free(&rc.t);
  co_exec_free(rc.ex);
  free(a.pos);
  return rc.found ? EXIT_FOUND : rc.bad ? EXIT_USAGE : 0;
}

/* ---- print ---- */

static const char print_help[] =
    "usage: closeonce print [--target T] [--format auto|text|binary] FILE\n"
    "\n"
    "Print a trace as canonical text: binary fuzz inputs are decoded for\n"
    "target T (default posix), text traces are normalized.\n";

#define PRINT_OPTS (OPT(O_TARGET) | OPT(O_FORMAT) | OPT(O_THREADS))

static int cmd_print(const struct cli *cli, int argc, char **argv) {
  const struct co_target *tg;
  struct co_trace t;
  struct args a;
  char err[512];
  int rc = parse_args(cli, PRINT_OPTS, argc, argv, &a);
  if (!rc && a.help)
    show_help(cli, print_help, PRINT_OPTS, 1);
  else if (!rc && a.npos != 1)
    rc = usage_error(cli, "expects exactly one FILE");
  else if (!rc && !(tg = target_of(cli, &a, "posix")))
    rc = EXIT_USAGE;
  else if (!rc) {
    struct co_opset ops = opset_of(tg, &a);
    co_trace_init(&t);
    if (co_trace_load(a.pos[0], a.fmt, &ops, 0, &t, err, sizeof err) < 0) {
      fprintf(stderr, "%s\n", err);
      rc = EXIT_USAGE;
    } else {
      co_trace_print(&t, stdout);
    }
    co_trace_free(&t);
  }
  free(a.pos);
  return rc;
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
struct dict {
  uint32_t rec[4096];
  size_t n;
};

static void dict_add(struct dict *d, const uint8_t *buf, size_t n) {
  size_t i, k;
  for (i = 0; i + 4 <= n; i += 4) {
    uint32_t r = (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 |
                 (uint32_t)buf[i + 2] << 16 | (uint32_t)buf[i + 3] << 24;
    for (k = 0; k < d->n && d->rec[k] != r; k++)
      ;
    if (k == d->n && d->n < sizeof d->rec / sizeof *d->rec)
      d->rec[d->n++] = r;
  }
}

static int dict_write(const struct dict *d, const char *path,
                      const char *target) {
  FILE *f = fopen(path, "w");
  size_t i;
  if (!f)
    return -1;
  fprintf(f, "# closeonce %s: operation records of target %s's corpus\n",
          CO_VERSION, target);
  for (i = 0; i < d->n; i++)
    fprintf(f, "op%zu=\"\\x%02x\\x%02x\\x%02x\\x%02x\"\n", i, d->rec[i] & 0xff,
            (d->rec[i] >> 8) & 0xff, (d->rec[i] >> 16) & 0xff, d->rec[i] >> 24);
  return fclose(f);
}

static int encode_one(struct dict *d, const struct co_target *tg,
                      const char *in, const char *out) {
  struct co_trace t;
  struct co_opset ops;
  char err[512];
  uint8_t *buf;
  size_t n, rec;
  FILE *f;
  co_trace_init(&t);
  if (co_trace_load(in, CO_FMT_TEXT, &tg->ops, 0, &t, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    co_trace_free(&t);
    return -1;
  }
  /* a parallel trace: 5-byte records, as a threaded fuzz program reads
   * them (closeonce/trace.h; replay them with --threads 4) */
  ops = tg->ops;
  ops.threads = co_trace_threads(&t) ? CO_THREADS : 0;
  rec = ops.threads ? CO_REC_THREADED : 4;
  n = co_trace_encode(&t, &ops, NULL, 0);
  buf = malloc(n ? n : 1);
  if (!buf) {
    co_trace_free(&t);
    return -1;
  }
  co_trace_encode(&t, &ops, buf, n);
  if (!ops.threads) /* the dictionary's records are 4 bytes */
    dict_add(d, buf, n);
  if (n < t.len * rec)
    fprintf(stderr,
            "%s: %zu operations are not in target %s and were "
            "left out\n",
            in, t.len - n / rec, tg->name);
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

/* Encode every NAME.trace of directory in into out/NAME.bin. Returns the
 * number of failures, or -1 if out cannot be made. */
static int encode_dir(struct dict *d, const struct co_target *tg,
                      const char *in, const char *out) {
  DIR *dir = opendir(in);
  struct dirent *e;
  int bad = 0;
  if (co_mkdir_p(out) < 0) {
    fprintf(stderr, "%s: cannot create: %s\n", out, strerror(errno));
    if (dir)
      closedir(dir);
    return -1;
  }
  while (dir && (e = readdir(dir)) != NULL) {
    size_t l = strlen(e->d_name);
    char path[4200], o[4200];
    if (l < 7 || strcmp(e->d_name + l - 6, ".trace"))
      continue;
    snprintf(path, sizeof path, "%s/%s", in, e->d_name);
    snprintf(o, sizeof o, "%s/%.*s.bin", out, (int)(l - 6), e->d_name);
    bad += encode_one(d, tg, path, o) < 0;
  }
  if (dir)
    closedir(dir);
  return bad;
}

#define ENCODE_OPTS (OPT(O_TARGET) | OPT(O_OUTPUT) | OPT(O_DICT))

static int cmd_encode(const struct cli *cli, int argc, char **argv) {
  const struct co_target *tg = NULL;
  struct dict *d = calloc(1, sizeof *d);
  struct args a;
  int i, bad = 0, rc = parse_args(cli, ENCODE_OPTS, argc, argv, &a);
  if (!rc && a.help)
    show_help(cli, encode_help, ENCODE_OPTS, 0);
  else if (!rc && !(tg = target_of(cli, &a, NULL)))
    rc = EXIT_USAGE;
  else if (!rc && !a.npos)
    rc = usage_error(cli, "no trace file or directory given");
  else if (!rc && !d)
    rc = usage_error(cli, "out of memory");
  for (i = 0; !rc && !a.help && i < a.npos; i++) {
    struct stat st;
    int n;
    if (stat(a.pos[i], &st) < 0) {
      fprintf(stderr, "%s: cannot read: %s\n", a.pos[i], strerror(errno));
      bad++;
    } else if (!S_ISDIR(st.st_mode)) {
      bad += encode_one(d, tg, a.pos[i], a.output) < 0;
    } else if (!a.output) {
      rc = usage_error(cli, "a directory needs -o DIR");
    } else if ((n = encode_dir(d, tg, a.pos[i], a.output)) < 0) {
      rc = EXIT_USAGE;
    } else {
      bad += n;
    }
  }
  if (!rc && !a.help && a.dict && dict_write(d, a.dict, tg->name) < 0) {
    fprintf(stderr, "%s: cannot write: %s\n", a.dict, strerror(errno));
    bad++;
  }
  free(d);
  free(a.pos);
  return rc ? rc : bad ? EXIT_USAGE : 0;
}

/* ---- shrink, explain ---- */

/* Load FILE for target tg and run it once in mode (binary input: the moves
 * the engine skipped are dropped first, as it dropped them). On return *t
 * holds the operations that ran and *v the verdict. Returns 0, or
 * EXIT_USAGE after saying why. */
static int load_and_run(const char *path, const struct co_opset *ops, int mode,
                        enum co_format fmt, struct co_exec *ex,
                        struct co_trace *t, struct co_verdict *v) {
  char err[512];
  fmt = file_format(path, fmt);
  if (co_trace_load(path, fmt, ops, 0, t, err, sizeof err) < 0) {
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

/* Commands that take one finding FILE (shrink, explain, repro): the
 * options --target --mode --format -o --help, the executor, and the first
 * run. */
struct one_file {
  const struct cli *cli;
  const char *help;
  const char *def_target; /* when neither --target nor a kit gives one */
  int load_only;          /* load FILE, do not run it or require a finding */
  /* repro: a text trace with a fault is not run here, so that the
   * reproducer's recording sees the library's first run in this process,
   * as the program's will be (repro_fail.inc, fail_same_runs) */
  int faults_unrun;
  const char *no_free_std; /* why the command refuses --free-std, or NULL */
  const char *out, *path;
  const struct co_target *tg;
  struct co_opset ops; /* the target's, with --threads */
  int mode;
  struct co_exec *ex;
  struct co_trace t;
  struct co_verdict v;
};
#define ONE_FILE_OPTS                                                          \
  (OPT(O_TARGET) | OPT(O_MODE) | OPT(O_FORMAT) | OPT(O_OUTPUT) |               \
   OPT(O_FREE_STD) | OPT(O_CLOSE_PROFILE) | OPT(O_THREADS))

/* The options, the target and the executor. Returns -1 when the command
 * goes on, else its exit code. */
static int one_file_options(struct one_file *f, int argc, char **argv,
                            enum co_format *fmt) {
  struct args a;
  char err[512];
  int rc = parse_args(f->cli, ONE_FILE_OPTS, argc, argv, &a);
  if (!rc && a.help)
    show_help(f->cli, f->help, ONE_FILE_OPTS, 1);
  else if (!rc && !(f->tg = target_of(f->cli, &a, f->def_target)))
    rc = EXIT_USAGE;
  else if (!rc && a.npos != 1)
    rc = usage_error(f->cli, "expects exactly one FILE");
  else if (!rc && a.free_std && f->no_free_std)
    rc = usage_error(f->cli, "--free-std: %s", f->no_free_std);
  else if (!rc && !(f->ex = co_exec_new_target(f->tg, err, sizeof err))) {
    fprintf(stderr, "%.*s %s: %s\n", PROG(f->cli), f->cli->cmd, err);
    rc = EXIT_USAGE;
  } else if (!rc && co_exec_set_free_std(f->ex, a.free_std) < 0) {
    co_exec_free(f->ex);
    f->ex = NULL;
    rc = usage_error(f->cli, "--free-std is not available on this platform");
  } else if (!rc) {
    (void)co_exec_set_close_profile(f->ex, a.close_profile); /* parsed */
    f->ops = opset_of(f->tg, &a);
    f->mode = a.mode >= 0 ? a.mode : f->tg->mode;
    f->out = a.output;
    f->path = a.pos[0];
    *fmt = a.fmt;
    rc = -1;
  }
  free(a.pos);
  return rc;
}

/* 1 if t arms a fault (fail CALL ERR N). */
static int has_fault(const struct co_trace *t) {
  size_t i;
  for (i = 0; i < t->len; i++)
    if (t->ops[i].kind == CO_OP_FAIL)
      return 1;
  return 0;
}

/* Returns -1 when the command goes on (f->t and f->v hold the run), else
 * its exit code. */
static int one_file_begin(struct one_file *f, int argc, char **argv) {
  enum co_format fmt = CO_FMT_AUTO;
  char err[512];
  int rc = one_file_options(f, argc, argv, &fmt);
  if (rc >= 0)
    return rc;
  co_exec_set_full_check(f->ex, 1);
  co_trace_init(&f->t);
  if (f->faults_unrun && file_format(f->path, fmt) == CO_FMT_TEXT &&
      co_trace_load(f->path, CO_FMT_TEXT, &f->ops, 0, &f->t, err, sizeof err) ==
          0 &&
      has_fault(&f->t)) {
    co_exec_set_mode(f->ex, f->mode, 0);
    return -1;
  }
  co_trace_clear(&f->t);
  if (f->load_only) {
    if (co_trace_load(f->path, fmt, &f->ops, 0, &f->t, err, sizeof err) == 0)
      return -1;
    fprintf(stderr, "%s\n", err);
    rc = EXIT_USAGE;
  } else {
    rc = load_and_run(f->path, &f->ops, f->mode, fmt, f->ex, &f->t, &f->v);
    if (rc == 0 && f->v.kind == CO_V_OK) {
      fprintf(stderr, "%s: no finding in target %s (%s mode): nothing to %s\n",
              f->path, f->tg->name, co_mode_name(f->mode), f->cli->cmd);
      rc = EXIT_USAGE;
    }
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

static int cmd_shrink(const struct cli *cli, int argc, char **argv) {
  struct one_file f = {.cli = cli, .help = shrink_help};
  struct co_shrink_stats st = {0};
  const struct co_event_rec *ev;
  char header[1200], bug[CO_BUG_NAME_MAX];
  size_t nev;
  int rc = one_file_begin(&f, argc, argv);
  if (rc >= 0)
    return rc;
  if (shrink_report(f.ex, &f.t, &f.v, stderr, &st) < 0) {
    one_file_end(&f); /* no finding to shrink: the help says exit 2 */
    return EXIT_USAGE;
  }
  rc = 0;
  nev = co_exec_events(f.ex, &ev);
  co_report_text(stderr, f.tg->name, &f.t, &f.v, ev, nev);
  co_bug_name(&f.t, &f.v, bug, sizeof bug);
  snprintf(header, sizeof header,
           "closeonce %s: %s in target %s (%s mode), %s\n%s\nbug: %s\n"
           "shrunk from %s",
           CO_VERSION, co_verdict_name(f.v.kind), f.tg->name,
           co_mode_name(f.mode), co_shrink_checked(&st), f.v.what, bug, f.path);
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

static int cmd_explain(const struct cli *cli, int argc, char **argv) {
  struct one_file f = {
      .cli = cli, .help = explain_help, .def_target = "posix", .load_only = 1};
  int rc = one_file_begin(&f, argc, argv);
  if (rc >= 0)
    return rc;
  co_exec_set_mode(f.ex, f.mode, 0);
  printf("%s, target %s, %s mode:\n", f.path, f.tg->name, co_mode_name(f.mode));
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

static int cmd_repro(const struct cli *cli, int argc, char **argv) {
  struct one_file f = {
      .cli = cli,
      .help = repro_help,
      .faults_unrun = 1,
      .no_free_std = "a reproducer whose trace owns descriptors 0-2 is not "
                     "written (the program would first have to move its own "
                     "output out of the way); no file written"};
  char err[512];
  int rc = one_file_begin(&f, argc, argv);
  if (rc >= 0)
    return rc;
  rc = 0;
  /* no file at all unless the whole program is written */
  if (co_repro_write(f.out, f.ex, f.tg, &f.t, err, sizeof err) < 0) {
    fprintf(stderr, "%s: %s\n", f.path, err);
    rc = EXIT_USAGE;
  }
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

static int cmd_targets(const struct cli *cli, int argc, char **argv) {
  struct args a;
  size_t i;
  int w = 0, rc = parse_args(cli, 0, argc, argv, &a);
  if (!rc && a.help)
    show_help(cli,
              "usage: closeonce targets\n\nList the targets: name, mode, "
              "what each is.\n",
              0, 0);
  else if (!rc && a.npos)
    rc = usage_error(cli, "unexpected argument '%s'", a.pos[0]);
  free(a.pos);
  if (rc || a.help)
    return rc;
  for (i = 0; co_targets[i]; i++)
    if ((int)strlen(co_targets[i]->name) > w)
      w = (int)strlen(co_targets[i]->name);
  for (i = 0; co_targets[i]; i++)
    printf("%-*s %-11s %s\n", w, co_targets[i]->name,
           co_mode_name(co_targets[i]->mode), co_targets[i]->summary);
  return 0;
}

static const struct {
  const char *name;
  int (*run)(const struct cli *cli, int argc, char **argv);
} commands[] = {
    {"fuzz", cmd_fuzz},     {"replay", cmd_replay},   {"print", cmd_print},
    {"encode", cmd_encode}, {"shrink", cmd_shrink},   {"explain", cmd_explain},
    {"repro", cmd_repro},   {"targets", cmd_targets},
};

int co_cli_run(int argc, char **argv, const char *default_target) {
  struct cli cli = {default_target, NULL,
                    argc > 0 && argv[0] && *argv[0] ? argv[0] : prog};
  size_t i;
  if (argc < 2) {
    put_help(&cli, main_help, stderr);
    return EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    put_help(&cli, main_help, stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("closeonce %s\n", CO_VERSION);
    return 0;
  }
  for (i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(argv[1], commands[i].name)) {
      cli.cmd = commands[i].name;
      return commands[i].run(&cli, argc - 1, argv + 1);
    }
  fprintf(stderr, "%.*s: unknown command '%s' (see '%s --help')\n", PROG(&cli),
          argv[1], prog_name(&cli));
  return EXIT_USAGE;
}

int co_cli_main(int argc, char **argv) {
  return co_cli_run(argc, argv, NULL);
}
