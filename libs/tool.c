/*
 * closeonce-libs: what closeonce knows about the real libraries (libs/).
 *
 *   closeonce-libs failpaths [--check FILE]
 *   closeonce-libs table FINDINGS_DIR [--runs N]
 *
 * table: the README's table of validated libraries, from the adapters (their
 * contracts, as the libraries' documentation states them), a contract-mode
 * campaign of N traces per library run now in lockstep (default 20000), and
 * the findings in FINDINGS_DIR (each NAME.md names its entries in a
 * "<!-- closeonce: entries=a,b -->" line).
 *
 * failpaths: every adopting or borrowing entry point of the real
 * libraries' adapters (libs/), called through its glue on descriptors it
 * should refuse or cannot use: one that is not open, -1, one of the wrong
 * access mode, and the wrong file types (a pipe, a socket, a directory),
 * (the kinds the trace language makes run through the model too; the
 * others are observed only). For each: what the contract (the library's
 * documentation) says happens, and what happened: the call's result,
 * whether the caller's descriptor is still open after the call, and after
 * the object is freed. Then the injected faults: each of those entries
 * over a descriptor it accepts, with the first call of each family it
 * makes (close, open, dup, fcntl, read, write, lseek, socket, malloc)
 * failed inside it (harness/ipose.h, docs/faults.md), the free made with
 * no fault: what the library did, and what the contract says that result
 * means for the descriptor. Markdown on stdout:
 * reports/libraries/failure-paths.md is its output, and ctest compares the
 * two, so a library that changes shows up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <closeonce/campaign.h>
#include <closeonce/contract.h>
#include <closeonce/error.h>
#include <closeonce/model.h>
#include <closeonce/trace.h>

#include "../harness/ipose.h"
#include "libs.h"

enum { C_CLOSED, C_NEG, C_ACCESS, C_PIPE, C_SOCKET, C_DIR, C_COUNT };
static const char *const case_name[C_COUNT] = {
    "not open", "-1", "wrong access", "pipe", "socket", "directory"};
/* the access mode a "wrong access" case has */
static const char *access_name(unsigned needs) {
  return needs & CO_NEED_WRITE ? "read-only" : "write-only";
}

static char dir[] = "/tmp/closeonce-failpaths-XXXXXX";

static int is_open(int fd) {
  return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* A descriptor for case c, for a mode needing `needs` (*spare: the other
 * end of a pipe or socket, or -1); -2 when the case does not apply. */
static int make(int c, unsigned needs, int *spare) {
  int fd = -1, sv[2], p[2];
  char path[256];
  *spare = -1;
  switch (c) {
  case C_CLOSED:
    fd = open("/dev/null", O_RDONLY);
    close(fd);
    return fd;
  case C_NEG:
    return -1;
  case C_ACCESS:
    /* a read-only descriptor for a writer (and for an entry without a
     * mode, which reads and writes), a write-only one for a reader */
    snprintf(path, sizeof path, "%s/file", dir);
    fd = open(path, (needs & CO_NEED_WRITE ? O_RDONLY : O_WRONLY) | O_CREAT,
              0600);
    return fd;
  case C_PIPE:
    if (pipe(p) < 0)
      return -2;
    /* the end the mode can use */
    fd = needs & CO_NEED_WRITE ? p[1] : p[0];
    *spare = needs & CO_NEED_WRITE ? p[0] : p[1];
    break;
  case C_SOCKET:
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
      return -2;
    fd = sv[0];
    *spare = sv[1];
    break;
  case C_DIR:
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    return fd;
  default:
    return -2;
  }
  /* A reader gets end of file, not a read that blocks forever: the other
   * end is closed. A writer's reader stays open (no SIGPIPE). */
  if (!(needs & CO_NEED_WRITE)) {
    close(*spare);
    *spare = -1;
  }
  return fd;
}

/* Case c as trace text that makes the caller's descriptor, and the
 * operand naming it (its slot in *slot, -1 if none). The same kinds as
 * make(): a pipe's end the mode can use (a reader's writer closed), one
 * end of an AF_UNIX stream socketpair (a reader's peer closed). NULL:
 * the trace language cannot make it (a directory), not documented. */
static const char *case_trace(int c, unsigned needs, const char **arg,
                              int *slot) {
  int w = (needs & CO_NEED_WRITE) != 0;
  *slot = 0;
  *arg = "s0";
  switch (c) {
  case C_CLOSED:
    *slot = -1;
    *arg = "f0";
    return "";
  case C_NEG:
    *slot = -1;
    *arg = "-1";
    return "";
  case C_ACCESS:
    return w ? "s0 = open rdonly\n" : "s0 = open wronly\n";
  case C_PIPE:
    *slot = w ? 1 : 0;
    *arg = w ? "s1" : "s0";
    return w ? "s0 s1 = pipe\n" : "s0 s1 = pipe\nclose s1\n";
  case C_SOCKET:
    return w ? "s0 s1 = socketpair stream\n"
             : "s0 s1 = socketpair stream\nclose s1\n";
  default:
    return NULL;
  }
}

/* What the contract says, as the model predicts it (the one model, fed
 * the same call in trace form): whether the call fails, and whether the
 * caller's descriptor is open after the call and after the free. An
 * ownership-first entry (CO_IO_AS_RUN) takes the call's result from ran,
 * the glue's outcome, as the executor gives it: the contract then says
 * what that path means for the descriptor. Returns 0, or -1 if the trace
 * language cannot express case c (then it is observed only). */
static int documented(const struct co_entry *e, const char *mode,
                      const char *close_name, int c, unsigned needs,
                      const struct co_outcome *ran, int *fails, int *after_call,
                      int *after_free) {
  static struct co_model *m;
  struct co_model_config cfg;
  struct co_trace t;
  struct co_parse_error perr;
  char text[512];
  const char *arg, *pre;
  int slot_of_arg;
  size_t i, made = 0;
  *fails = *after_call = *after_free = 0;
  pre = case_trace(c, needs, &arg, &slot_of_arg);
  if (!pre)
    return -1;
  if (!m && !(m = co_model_new()))
    abort();
  /* 0-2 are the process's, as when the executor runs a trace: the
   * caller's descriptor is 3 or above (CO_IO_KEEPS_STD would keep 0-2) */
  static const int64_t std_fds[] = {0, 1, 2};
  memset(&cfg, 0, sizeof cfg);
  cfg.foreign = std_fds;
  cfg.nforeign = 3;
  cfg.limit = 1024;
  cfg.platform = CO_PLATFORM_POSIX;
  snprintf(text, sizeof text, "%so0 = %s %s %s\n%s o0\n", pre, e->name, arg,
           mode, close_name);
  co_trace_init(&t);
  if (co_model_begin(m, &cfg) < 0)
    abort();
  if (co_trace_parse(text, strlen(text), &t, &perr) < 0) {
    co_trace_free(&t);
    if (c >= C_PIPE)
      return -1; /* a kind the trace language does not have (yet) */
    fprintf(stderr, "closeonce-libs: %s: %s\n", text, perr.message);
    exit(2);
  }
  for (i = 0; i < t.len; i++) {
    const struct co_op *op = &t.ops[i];
    struct co_call call;
    struct co_outcome pred;
    struct co_aftermath aft;
    struct co_fdstate st;
    if (op->kind == CO_OP_CALL && co_entry_get(op->entry, NULL, NULL) != e &&
        !made)
      break; /* the object was not made: nothing to free */
    co_model_resolve(m, op, &call);
    if (op->kind == CO_OP_CALL && (e->io & CO_IO_AS_RUN) &&
        co_entry_get(op->entry, NULL, NULL) == e)
      call.real = ran;
    co_model_step(m, op, &call, &pred, &aft);
    co_model_fd(m, co_model_slot(m, slot_of_arg < 0 ? 0 : slot_of_arg), &st);
    if (op->kind != CO_OP_CALL)
      continue;
    if (co_entry_get(op->entry, NULL, NULL) == e) {
      *fails = pred.err != CO_OK;
      made = !*fails;
      *after_call = *after_free = slot_of_arg >= 0 && st.live;
    } else
      *after_free = slot_of_arg >= 0 && st.live;
  }
  co_trace_free(&t);
  return 0;
}

/* The entry the tables free an object with: the contract's first CLOSE. */
static unsigned first_close(const struct co_contract *k) {
  unsigned i;
  for (i = 0; i < k->nentries; i++)
    if (k->entries[i].effect == CO_EFF_CLOSE)
      return i;
  return 0;
}

/* An entry the tables probe: one that adopts or borrows a descriptor. */
static int takes(const struct co_entry *e) {
  return e->effect == CO_EFF_ADOPT || e->effect == CO_EFF_ADOPT_ON_SUCCESS ||
         e->effect == CO_EFF_BORROW;
}

static const char *yn(int open_now, int c) {
  if (c == C_CLOSED || c == C_NEG)
    return "-";
  return open_now ? "open" : "closed";
}

static int run(FILE *out) {
  size_t l;
  int diffs = 0;
  struct co_glue_env env;
  memset(&env, 0, sizeof env);
  fprintf(out,
          "| library | entry point | mode | descriptor | contract: result, "
          "fd after the call / after the free | observed | |\n"
          "|---|---|---|---|---|---|---|\n");
  for (l = 0; l < co_nlibs; l++) {
    const struct co_adapter *a = co_libs[l].adapter;
    const struct co_contract *k = a->contract;
    unsigned i, close_e;
    char why[256];
    if (co_glue_start(&env, a, why, sizeof why) < 0) {
      fprintf(stderr, "closeonce-libs: %s\n", why);
      return -1;
    }
    close_e = first_close(k);
    for (i = 0; i < k->nentries; i++) {
      const struct co_entry *e = &k->entries[i];
      unsigned nm = co_entry_nmodes(e), m;
      if (!takes(e))
        continue;
      for (m = 0; m < (nm ? nm : 1); m++) {
        unsigned needs =
            nm ? e->modes[m].needs : (CO_NEED_READ | CO_NEED_WRITE);
        int c;
        for (c = 0; c < C_COUNT; c++) {
          int spare, fd = make(c, needs, &spare);
          int dfail, dcall, dfree, ofail, ocall, ofree, same, known;
          void *obj = NULL;
          struct co_outcome o;
          if (fd == -2)
            continue;
          memset(&o, 0, sizeof o);
          a->call(&env, i, m, &obj, fd, 0, &o);
          ofail = o.ret < 0 || !obj;
          known = documented(e, nm ? e->modes[m].name : "",
                             k->entries[close_e].name, c, needs, &o, &dfail,
                             &dcall, &dfree) == 0;
          ocall = is_open(fd);
          if (obj) {
            struct co_outcome o2;
            a->call(&env, close_e, 0, &obj, -1, 0, &o2);
          }
          ofree = is_open(fd);
          if (c == C_CLOSED || c == C_NEG)
            dcall = dfree = ocall = ofree = 0;
          same = dfail == ofail && dcall == ocall && dfree == ofree;
          /* a kind the trace language cannot make: observed only */
          if (!known)
            same = -1;
          else
            diffs += !same;
          fprintf(out,
                  "| %s | `%s` | %s | %s | %s, %s / %s | %s, %s / %s | %s |\n",
                  co_libs[l].library, e->name, nm ? e->modes[m].name : "",
                  c == C_ACCESS ? access_name(needs) : case_name[c],
                  !known  ? "(not modelled)"
                  : dfail ? "fails"
                          : "succeeds",
                  !known ? "" : yn(dcall, c), !known ? "" : yn(dfree, c),
                  ofail ? "fails" : "succeeds", yn(ocall, c), yn(ofree, c),
                  same < 0 ? ""
                  : same   ? "same"
                           : "**differs**");
          if (is_open(fd))
            close(fd);
          if (spare >= 0)
            close(spare);
        }
      }
    }
    co_glue_stop(&env, a);
  }
  return diffs;
}

/* ---- injected faults ---- */

/* The kinds a fault case is tried over, in order: the first the entry
 * accepts with no fault is the one its faults run over. */
static const int fault_kinds[] = {C_SOCKET, C_PIPE, C_ACCESS};
static const char *const fault_kind_name[] = {"socket", "pipe", "file"};

/* A descriptor of kind k for a mode needing `needs`: make()'s, or for a
 * file one open for reading and writing. */
static int make_fault_fd(int k, unsigned needs, int *spare) {
  char path[256];
  if (fault_kinds[k] != C_ACCESS)
    return make(fault_kinds[k], needs, spare);
  *spare = -1;
  snprintf(path, sizeof path, "%s/file", dir);
  return open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
}

/* The entry over fd, with the nth call (from 1) of family fam (-1: none)
 * failed inside it; the object freed with close_e, no fault armed.
 * *fired: the fault fired; *failed, *after_call, *after_free: what
 * happened. */
static void fault_case(struct co_glue_env *env, const struct co_adapter *a,
                       unsigned i, unsigned m, unsigned close_e, int fd,
                       int fam, unsigned nth, int *fired, int *failed,
                       int *after_call, int *after_free) {
  struct co_ipose ip;
  struct co_outcome o;
  void *obj = NULL;
  const int *errs;
  co_ipose_init(&ip, CO_CLOSE_FREES);
  if (fam >= 0 && co_ifam_errs((unsigned)fam, &errs))
    (void)co_ipose_arm(&ip, (unsigned)fam, errs[0], nth - 1);
  memset(&o, 0, sizeof o);
  co_ipose_enter(&ip);
  a->call(env, i, m, &obj, fd, 0, &o);
  co_ipose_leave(&ip);
  co_ipose_disarm(&ip);
  *fired = ip.fired != 0;
  *failed = o.ret < 0 || !obj;
  *after_call = is_open(fd);
  if (obj) {
    struct co_outcome o2;
    a->call(env, close_e, 0, &obj, -1, 0, &o2);
  }
  *after_free = is_open(fd);
}

/* What the contract says the library's result means for the caller's
 * descriptor, after the call and after the free (docs/faults.md#model). */
static void fault_contract(enum co_effect f, int failed, int *after_call,
                           int *after_free) {
  if (f == CO_EFF_BORROW)
    *after_call = *after_free = 1;
  else if (failed)
    *after_call = *after_free = f != CO_EFF_ADOPT;
  else
    *after_call = 1, *after_free = 0;
}

/* The modes a fault runs in: the first writing mode and the first that
 * does not write (all of an entry without modes: one). */
static int fault_mode(const struct co_entry *e, unsigned m) {
  unsigned j, nm = co_entry_nmodes(e);
  int w;
  if (!nm)
    return m == 0;
  w = (e->modes[m].needs & CO_NEED_WRITE) != 0;
  for (j = 0; j < m; j++)
    if (((e->modes[j].needs & CO_NEED_WRITE) != 0) == w)
      return 0;
  return 1;
}

/* The calls of a family failed in turn: the first, second and third. */
#define FAULT_NTH 3

/* One entry's rows in one mode: over the first kind it accepts, each
 * family's first, second and third call failed, where it made them; the
 * families it did not call, in one row. */
static int fault_rows(FILE *out, struct co_glue_env *env,
                      const struct co_lib *lib, unsigned i, unsigned m,
                      unsigned close_e) {
  const struct co_adapter *a = lib->adapter;
  const struct co_entry *e = &a->contract->entries[i];
  unsigned nm = co_entry_nmodes(e);
  unsigned needs = nm ? e->modes[m].needs : (CO_NEED_READ | CO_NEED_WRITE);
  char uncalled[128] = "";
  int k, fam, diffs = 0;
  for (k = 0; k < (int)(sizeof fault_kinds / sizeof *fault_kinds); k++) {
    int spare, fd = make_fault_fd(k, needs, &spare), fi, fl, oc, of;
    if (fd < 0)
      continue;
    fault_case(env, a, i, m, close_e, fd, -1, 1, &fi, &fl, &oc, &of);
    if (is_open(fd))
      close(fd);
    if (spare >= 0)
      close(spare);
    if (!fl)
      break;
  }
  if (k == (int)(sizeof fault_kinds / sizeof *fault_kinds)) {
    fprintf(out, "| %s | `%s` | %s | (none it accepts) | | | | |\n",
            lib->library, e->name, nm ? e->modes[m].name : "");
    return 0;
  }
  for (fam = 0; fam < CO_IF_COUNT; fam++) {
    unsigned nth;
    const int *errs;
    if (!co_ifam_errs((unsigned)fam, &errs) || fam == CO_IF_ACCEPT ||
        fam == CO_IF_PIPE || fam == CO_IF_ADOPT)
      continue;
    for (nth = 1; nth <= FAULT_NTH; nth++) {
      int spare, fd, fired, failed, oc, of, dc, df, same;
      if ((fd = make_fault_fd(k, needs, &spare)) < 0)
        break;
      fault_case(env, a, i, m, close_e, fd, fam, nth, &fired, &failed, &oc,
                 &of);
      if (is_open(fd))
        close(fd);
      if (spare >= 0)
        close(spare);
      if (!fired) {
        if (nth == 1)
          snprintf(uncalled + strlen(uncalled),
                   sizeof uncalled - strlen(uncalled), "%s%s",
                   uncalled[0] ? ", " : "", co_ifam_name((unsigned)fam));
        break;
      }
      fault_contract(e->effect, failed, &dc, &df);
      same = dc == oc && df == of;
      diffs += !same;
      fprintf(out,
              "| %s | `%s` | %s | %s | %s %s %u | %s, %s / %s | %s / %s | "
              "%s |\n",
              lib->library, e->name, nm ? e->modes[m].name : "",
              fault_kind_name[k], co_ifam_name((unsigned)fam),
              co_err_name(errs[0]), nth, failed ? "fails" : "succeeds",
              oc ? "open" : "closed", of ? "open" : "closed",
              dc ? "open" : "closed", df ? "open" : "closed",
              same ? "same" : "**differs**");
    }
  }
  if (uncalled[0])
    fprintf(out, "| %s | `%s` | %s | %s | not called: %s | | | |\n",
            lib->library, e->name, nm ? e->modes[m].name : "",
            fault_kind_name[k], uncalled);
  return diffs;
}

/* The injected-fault table; the number of rows that differ, or -1. */
static int faults(FILE *out) {
  size_t l;
  int diffs = 0;
  struct co_glue_env env;
  memset(&env, 0, sizeof env);
  fprintf(out,
          "\n## Injected faults\n\n"
          "Each adopting or borrowing entry point over the first descriptor "
          "kind it accepts (a socket, a pipe's end, a file open for reading "
          "and writing), with the first, second or third call of one family it "
          "makes failed "
          "inside it (`fail FAMILY ERR N`, the family's first error, "
          "docs/faults.md#errors; a close fails as on Linux: the descriptor "
          "is freed), then its object "
          "freed with no fault. **Library** is what it did; **contract** is "
          "what the contract says that result means for the caller's "
          "descriptor (a failed adopt-on-success or borrow leaves it open, "
          "a failed adopt closes it; docs/faults.md#model). **differs** is the "
          "library breaking it: bzip2's `BZ2_bzdopen` "
          "([the finding](../findings/bzip2-bzdopen-fail-closes.md)) and "
          "libsndfile's `sf_open_fd_noclose` "
          "([the finding](../findings/sndfile-open-fd-fail-closes-borrowed.md)"
          "). A close and a free are not in this table: what a fault inside "
          "them does is checked by the fault campaigns "
          "([glib-socket-close-retries-eintr](../findings/"
          "glib-socket-close-retries-eintr.md)).\n\n"
          "| library | entry point | mode | descriptor | fault | library: "
          "result, fd after the call / after the free | contract | |\n"
          "|---|---|---|---|---|---|---|---|\n");
  for (l = 0; l < co_nlibs; l++) {
    const struct co_adapter *a = co_libs[l].adapter;
    const struct co_contract *k = a->contract;
    unsigned i, m, close_e;
    char why[256];
    if (!a->objects)
      continue;
    if (co_ipose_install(a->objects, a->nofault, why, sizeof why) < 0 ||
        co_glue_start(&env, a, why, sizeof why) < 0) {
      fprintf(stderr, "closeonce-libs: %s\n", why);
      return -1;
    }
    close_e = first_close(k);
    for (i = 0; i < k->nentries; i++) {
      const struct co_entry *e = &k->entries[i];
      unsigned nm = co_entry_nmodes(e);
      if (!takes(e))
        continue;
      for (m = 0; m < (nm ? nm : 1); m++)
        if (fault_mode(e, m))
          diffs += fault_rows(out, &env, &co_libs[l], i, m, close_e);
    }
    co_glue_stop(&env, a);
  }
  return diffs;
}

/* ---- the table ---- */

static const char *ownership(const struct co_entry *e) {
  switch (e->effect) {
  case CO_EFF_OPEN:
    return "opens its own descriptor";
  case CO_EFF_ADOPT:
    return "takes it, even on failure";
  case CO_EFF_ADOPT_ON_SUCCESS:
    return e->checks & CO_CHK_ANY ? "takes it (any int, unchecked)"
                                  : "takes it on success; on failure the "
                                    "caller keeps it";
  case CO_EFF_BORROW:
    return "borrows it: the caller keeps it";
  case CO_EFF_LEND:
    return "lends it: the object keeps it";
  case CO_EFF_USE:
    return e->io & CO_IO_SILENT ? "writes (buffered; no error reported)"
                                : "writes through it";
  case CO_EFF_SEEK:
    return "moves its offset";
  case CO_EFF_STAT:
    return "reads its file's status";
  case CO_EFF_SIZE:
    return "reads its file's size";
  case CO_EFF_RESIZE:
    return "sets its file's size";
  case CO_EFF_READ:
    return "reads through it";
  case CO_EFF_SETMODE:
    return "sets its translation mode";
  case CO_EFF_CLOSE:
    if (e->io & CO_IO_CLOSES_ANY)
      return "closes it, owned or borrowed";
    return e->io & CO_IO_SILENT ? "frees; closes it if owned (void)"
                                : "frees; closes it if owned";
  default:
    return co_effect_name(e->effect);
  }
}

struct finding {
  char name[128], title[256], entries[512];
};

/* 1 if a bug of the campaign is entry e's (its verdict blames e), or is
 * no entry's (then it may be any): e's contract is broken. */
static int broken_at(const struct co_campaign_result *res,
                     const struct co_entry *e) {
  size_t b;
  for (b = 0; b < res->nbugs; b++)
    if (!res->bugs[b].verdict.entry || res->bugs[b].verdict.entry == e)
      return 1;
  return 0;
}

static size_t load_findings(const char *dir, struct finding *f, size_t cap) {
  DIR *d = opendir(dir);
  struct dirent *de;
  size_t n = 0;
  if (!d) {
    fprintf(stderr, "closeonce-libs: cannot open %s: %s\n", dir,
            strerror(errno));
    exit(2);
  }
  while ((de = readdir(d)) && n < cap) {
    size_t len = strlen(de->d_name);
    char path[1024], line[1024];
    FILE *in;
    if (len < 4 || strcmp(de->d_name + len - 3, ".md"))
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (!(in = fopen(path, "r")))
      continue;
    memset(&f[n], 0, sizeof f[n]);
    snprintf(f[n].name, sizeof f[n].name, "%.*s",
             (int)(len - 3 > 100 ? 100 : len - 3), de->d_name);
    while (fgets(line, sizeof line, in)) {
      char *p;
      line[strcspn(line, "\n")] = 0;
      if (!f[n].title[0] && line[0] == '#' && line[1] == ' ')
        snprintf(f[n].title, sizeof f[n].title, "%.250s", line + 2);
      else if ((p = strstr(line, "<!-- closeonce: entries=")))
        snprintf(f[n].entries, sizeof f[n].entries, ",%.*s,",
                 (int)strcspn(p + 24, " -"), p + 24);
    }
    fclose(in);
    if (!f[n].entries[0]) {
      fprintf(stderr,
              "closeonce-libs: %s names no entries "
              "(<!-- closeonce: entries=... -->)\n",
              path);
      exit(2);
    }
    n++;
  }
  closedir(d);
  return n;
}

static int table(const char *dir, uint64_t runs) {
  struct finding f[64];
  size_t nf = load_findings(dir, f, 64), l;
  printf("| library | entry point | ownership, as documented | as observed "
         "| verdict |\n|---|---|---|---|---|\n");
  for (l = 0; l < co_nlibs; l++) {
    const struct co_adapter *a = co_libs[l].adapter;
    const struct co_contract *k = a->contract;
    struct co_campaign_config cfg;
    struct co_campaign_result res;
    char err[256], observed[128];
    unsigned i;
    memset(&cfg, 0, sizeof cfg);
    cfg.target = co_target_find(k->layer);
    cfg.seed = 1;
    cfg.runs = runs;
    cfg.max_ops = 32;
    /* every distinct bug, so that each row says whether it is its entry's */
    cfg.keep_going = 1;
    cfg.max_findings = 16;
    if (!cfg.target || co_campaign_run(&cfg, &res, err, sizeof err) < 0) {
      fprintf(stderr, "closeonce-libs: %s: %s\n", k->layer,
              cfg.target ? err : "no target");
      return 2;
    }
    if (res.found)
      snprintf(observed, sizeof observed,
               "**%s at run %llu** (%zu distinct bug%s in %llu traces)",
               co_verdict_name(res.verdict.kind), (unsigned long long)res.run,
               res.nbugs, res.nbugs == 1 ? "" : "s",
               (unsigned long long)res.status.runs);
    else
      snprintf(observed, sizeof observed,
               "as documented (%llu traces in lockstep)",
               (unsigned long long)res.status.runs);
    for (i = 0; i < k->nentries; i++) {
      const struct co_entry *e = &k->entries[i];
      char key[160], verdict[1024] = "", version[96] = "";
      size_t j, used = 0;
      snprintf(key, sizeof key, ",%s,", e->name);
      for (j = 0; j < nf; j++)
        if (strstr(f[j].entries, key))
          used += (size_t)snprintf(verdict + used, sizeof verdict - used,
                                   "%sfinding: [%s](reports/findings/%s.md)",
                                   used ? "; " : "", f[j].name, f[j].name);
      if (!i)
        co_libs[l].version(version, sizeof version);
      printf("| %s | `%s` | %s | %s | %s |\n", i ? "" : version, e->name,
             ownership(e), i ? "" : observed,
             used                 ? verdict
             : broken_at(&res, e) ? "**contract broken**"
                                  : "holds");
    }
    co_campaign_result_free(&res);
  }
  printf("\n%zu findings; contract-mode campaign of %llu traces per "
         "library, seed 1.\n",
         nf, (unsigned long long)runs);
  return 0;
}

/* The recorded table in a failure-path file: from its first line that
 * starts with "| library" to the end of the file, or NULL. */
static const char *recorded_table(const char *file) {
  const char *p = file;
  for (;;) {
    if (!strncmp(p, "| library", 9))
      return p;
    if (!(p = strchr(p, '\n')))
      return NULL;
    p++;
  }
}

static int failpaths(int argc, char **argv) {
  const char *table;
  char *buf = NULL, *want = NULL;
  size_t len = 0;
  FILE *mem;
  int diffs;
  if (argc != 0 && !(argc == 2 && !strcmp(argv[0], "--check"))) {
    fprintf(stderr, "usage: closeonce-libs failpaths [--check FILE]\n");
    return 2;
  }
  if (!mkdtemp(dir)) {
    fprintf(stderr, "closeonce-libs: mkdtemp: %s\n", strerror(errno));
    return 2;
  }
  mem = open_memstream(&buf, &len);
  if (!mem)
    return 2;
  diffs = run(mem);
  if (diffs >= 0) {
    int fd = faults(mem);
    diffs = fd < 0 ? -1 : diffs + fd;
  }
  if (ferror(mem) | fclose(mem)) {
    fprintf(stderr, "closeonce-libs: cannot hold the probe's output\n");
    return 2;
  }
  if (diffs < 0)
    return 2;
  {
    char path[300];
    snprintf(path, sizeof path, "%s/file", dir);
    unlink(path);
    rmdir(dir);
  }
  if (argc == 2) {
    FILE *f = fopen(argv[1], "r");
    size_t n = 0, cap = 0, r;
    if (!f) {
      fprintf(stderr, "closeonce-libs: %s: %s\n", argv[1], strerror(errno));
      return 2;
    }
    do {
      char *nw = realloc(want, cap = cap * 2 + 4096);
      if (!nw)
        return 2;
      want = nw;
      n += r = fread(want + n, 1, cap - n - 1, f);
    } while (r);
    fclose(f);
    want[n] = 0;
    if (!(table = recorded_table(want))) {
      fprintf(stderr,
              "closeonce-libs: %s holds no table (no line starting "
              "'| library')\n",
              argv[1]);
      free(buf);
      free(want);
      return 2;
    }
    /* the whole table, exactly: nothing missing, nothing more, and an
     * empty probe output is no match */
    if (!buf || !*buf || strcmp(table, buf)) {
      fputs(buf, stdout);
      fprintf(stderr,
              "closeonce-libs: the libraries' failure paths differ "
              "from %s (above: what they do now)\n",
              argv[1]);
      free(buf);
      free(want);
      return 1;
    }
    free(want);
    printf("closeonce-libs: failure paths as recorded in %s "
           "(%d differ from the documentation)\n",
           argv[1], diffs);
    free(buf);
    return 0;
  }
  fputs(buf, stdout);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  co_libs_init();
  if (argc >= 2 && !strcmp(argv[1], "failpaths"))
    return failpaths(argc - 2, argv + 2);
  if ((argc == 3 || argc == 5) && !strcmp(argv[1], "table")) {
    unsigned long long runs = 20000;
    char *end;
    if (argc == 5) {
      runs = strtoull(argv[4], &end, 10);
      if (strcmp(argv[3], "--runs") || *end || !runs) {
        fprintf(stderr,
                "closeonce-libs table: --runs expects a positive "
                "integer, got '%s'\n",
                argv[4]);
        return 2;
      }
    }
    return table(argv[2], runs);
  }
  fprintf(stderr, "usage: closeonce-libs failpaths [--check FILE]\n"
                  "       closeonce-libs table FINDINGS_DIR [--runs N]\n");
  return 2;
}
