/*
 * closeonce: loading traces from files and reporting verdicts.
 */
#ifndef CLOSEONCE_REPORT_H
#define CLOSEONCE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "closeonce/exec.h"
#include "closeonce/trace.h"

enum co_format { CO_FMT_AUTO, CO_FMT_TEXT, CO_FMT_BINARY };

/* Which form bytes are in, by content: co_trace_looks_text without a name
 * (closeonce/trace.h). co_trace_load and co_trace_load_mem with CO_FMT_AUTO
 * also go by the name. */
enum co_format co_format_detect(const void *data, size_t size);

/* Decode or parse in-memory bytes. name is used in error messages. On
 * error returns -1 and writes "name:line:col: message" to err. */
int co_trace_load_mem(const void *data, size_t size, const char *name,
                      enum co_format fmt, const struct co_opset *set,
                      size_t max_ops, struct co_trace *out, char *err,
                      size_t errcap);
/* The same for a file; also reports read errors with the path. */
int co_trace_load(const char *path, enum co_format fmt,
                  const struct co_opset *set, size_t max_ops,
                  struct co_trace *out, char *err, size_t errcap);

/* A plain-text report: verdict, explanation, what differed, the ownership
 * events, and the trace with the step marked. */
void co_report_text(FILE *out, const char *target, const struct co_trace *t,
                    const struct co_verdict *v, const struct co_event_rec *ev,
                    size_t nev);
/* The events alone, one indented line each ("step 3: ..."). */
void co_report_events(FILE *out, const struct co_event_rec *ev, size_t nev);

/* Run t on ex and print every step: what the platform returned, the
 * ownership events of the step, and the model's ownership state after it
 * (open descriptors and their owners, objects and what they hold); then the
 * verdict line. Fills *v. */
void co_report_explain(FILE *out, struct co_exec *ex, const struct co_trace *t,
                       struct co_verdict *v /* OUT */);

struct co_shrink_stats; /* closeonce/shrink.h */

/* A campaign's bug (fuzz --keep-going groups findings by bug name,
 * closeonce/campaign.h: co_bug_name). */
struct co_bug_info {
  const char *name;
  uint64_t hits;      /* traces that found it */
  uint64_t first_run; /* the index of the first */
  double first_seconds;
  /* "fresh-process": its reproducer gave the same in a fresh process;
   * "unstable": it did not (it depends on earlier traces); "not-checked" */
  const char *confirmed;
};

/* A finding, for the report files. */
struct co_finding {
  const char *target;
  int mode;                     /* enum co_mode_kind */
  const char *source;           /* the file, or how the fuzzer found it */
  const struct co_trace *trace; /* minimal where it was shrunk */
  const char *trace_file;       /* a text file holding trace (steps are
                                   located at its lines), or NULL */
  const struct co_verdict *v;
  const struct co_event_rec *ev;
  size_t nev;
  /* What shrinking verified about trace, or NULL: not shrunk (the reports
   * then claim nothing about minimality). */
  const struct co_shrink_stats *shrink;
  /* The program to run the trace again, as invoked (a kit program's own
   * name); NULL: closeonce. */
  const char *program;
  const struct co_bug_info *bug; /* a campaign's bug, or NULL */
};

/* Markdown for people: verdict and its meaning, the ownership rule broken,
 * the trace annotated with the ownership state after every step (ex runs
 * it again; ex NULL: the trace as it is, not run, for a trace that kills
 * the process it runs in), model against platform, and how to
 * reproduce. */
int co_report_markdown(FILE *out, struct co_exec *ex,
                       const struct co_finding *f);
/* One JSON object (schema: reports/finding.schema.json). */
int co_report_json(FILE *out, const struct co_finding *f);

/* JUnit XML: one test case per input or campaign; failures carry the
 * verdict. */
struct co_junit_case {
  const char *classname, *name;
  double seconds;
  const struct co_finding *failure; /* NULL: passed */
  /* passed: its verdict, for the steps that did not run (may be NULL) */
  const struct co_verdict *verdict;
};
int co_report_junit(FILE *out, const char *suite,
                    const struct co_junit_case *cases, size_t n);

/* SARIF 2.1.0 (OASIS) for code-scanning UIs: one run of closeonce, one
 * rule per verdict kind, one result per failed case, located at the line of
 * the failing step in the case's trace_file, with a code flow through every
 * step of the trace and a fingerprint from the trace's hash. command is the
 * command line that ran (the invocation). */
int co_report_sarif(FILE *out, const char *command,
                    const struct co_junit_case *cases, size_t n);

/* mkdir -p: creates dir and its missing parents. Returns 0 or -1. */
int co_mkdir_p(const char *dir);

/* Write a finding as NAME.md and NAME.json in dir (created if needed).
 * Returns 0 or -1 (errno set). */
int co_report_files(const char *dir, const char *name, struct co_exec *ex,
                    const struct co_finding *f);

/* Write t to path as text, preceded by '#' comment lines from header (may be
 * NULL; several lines separated by '\n'). Returns 0 or -1 (errno set). */
int co_trace_save(const char *path, const char *header,
                  const struct co_trace *t);

#endif
