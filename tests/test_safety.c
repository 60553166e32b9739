/*
 * The harness's own safety: nothing a trace does can close, replace or leak
 * a descriptor the harness, the test runner or a fuzz engine owns, and files
 * are made only in the private temporary directory, removed afterwards.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix/posix.h"
#include "support.h"

struct ident {
  int fd, flags;
  dev_t dev;
  ino_t ino;
};

/* Every open descriptor with its identity. */
static size_t snapshot(struct ident *out, size_t cap) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  size_t n = 0;
  cr_assert_not_null(d);
  while ((e = readdir(d)) != NULL && n < cap) {
    struct stat st;
    int fd;
    if (e->d_name[0] == '.')
      continue;
    fd = atoi(e->d_name);
    if (fd == dirfd(d))
      continue;
    cr_assert_eq(fstat(fd, &st), 0);
    out[n].fd = fd;
    out[n].flags = fcntl(fd, F_GETFD);
    out[n].dev = st.st_dev;
    out[n].ino = st.st_ino;
    n++;
  }
  closedir(d);
  return n;
}

static void assert_intact(const struct ident *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    struct stat st;
    cr_assert_eq(fstat(s[i].fd, &st), 0, "descriptor %d was closed", s[i].fd);
    cr_assert(st.st_dev == s[i].dev && st.st_ino == s[i].ino,
              "descriptor %d now names another file", s[i].fd);
    cr_assert_eq(fcntl(s[i].fd, F_GETFD), s[i].flags,
                 "descriptor %d changed its flags", s[i].fd);
  }
}

static const char *hostile[] = {
    "close_range f0 -1\n",
    "close_range f0 -1 cloexec\n",
    "close_range -1 -1\nclose_range limit -1\n",
    ("s0 = open rdwr\ns1 = dup2 s0 f0\ns1 = dup2 s0 f1\ns1 = dup2 s0 f2\n"
     "s1 = dup2 s0 f3\ns1 = dup2 s0 f30\ns1 = dup2 s0 f31\n"
     "close_range s0 -1\n"),
    ("s0 = open rdwr\ns1 = dup3 s0 f0 cloexec\ns2 = dupfd s0 f0\n"
     "close f0\nclose f1\nclose f2\nclose -1\nclose limit\n"),
    "close_range f0 f31\nclose_range f5 f1\nclose_range f31 limit\n",
};

Test(safety, no_trace_touches_a_descriptor_it_does_not_own) {
  struct ident before[256];
  size_t n, i;
  int a, b, c, p[2];
  struct co_exec *ex;
  struct rec r;
  struct co_verdict v;
  struct co_trace t;
  struct co_rng rng;
  char buf[2], msg[200];

  /* Harness-like descriptors with a hole between them. */
  a = open("/dev/null", O_RDONLY);
  b = open("/dev/null", O_RDONLY);
  c = open("/dev/null", O_RDONLY | O_CLOEXEC);
  cr_assert_eq(pipe(p), 0);
  cr_assert(a >= 0 && b > a && c > b);
  close(b);
  ex = sup_exec();
  n = snapshot(before, 256);

  for (i = 0; i < sizeof hostile / sizeof *hostile; i++)
    cr_assert_eq(sup_run(ex, hostile[i], &r, &v), CO_V_OK, "%s: %s", hostile[i],
                 v.what);
  assert_intact(before, n);

  /* Random traces, with close_range and dup2 onto free numbers among
   * them. */
  co_trace_init(&t);
  co_rng_seed(&rng, 2024);
  for (i = 0; i < 5000; i++) {
    co_gen_trace(&rng, &co_target_find("posix")->ops, 32, &t);
    cr_assert_eq(co_exec_run(ex, &t, &v), CO_V_OK, "run %zu: %s", i, v.what);
  }
  co_trace_free(&t);
  assert_intact(before, n);
  cr_assert_eq(co_exec_check_process(ex, msg, sizeof msg), 0, "%s", msg);
  /* The pipe still carries data. */
  cr_assert_eq(write(p[1], "x", 1), 1);
  cr_assert_eq(read(p[0], buf, 1), 1);
  cr_assert_eq(buf[0], 'x');
  co_exec_free(ex);
}

Test(safety, a_descriptor_opened_between_traces_is_left_alone) {
  struct co_exec *ex = sup_exec();
  struct co_exec_stats st;
  struct rec r;
  struct co_verdict v;
  struct stat before, after;
  int late;
  sup_run_ok(ex, "s0 = open rdwr\nclose s0\n", &r);
  /* Something else (a fuzz engine writing a file, say) takes what was f0
   * for the executor. */
  late = open("/dev/null", O_RDONLY);
  cr_assert_geq(late, 0);
  cr_assert_eq(fstat(late, &before), 0);
  cr_assert_eq(sup_run(ex,
                       "close f0\nclose_range f0 -1\ns0 = open rdwr\n"
                       "s1 = dup2 s0 f0\nclose s1\n",
                       &r, &v),
               CO_V_OK, "%s", v.what);
  cr_assert_neq(r.call[0].a, late, "f0 still names the new descriptor");
  cr_assert_eq(fstat(late, &after), 0, "the late descriptor was closed");
  cr_assert_eq(after.st_ino, before.st_ino);
  co_exec_stats(ex, &st);
  cr_assert_geq(st.env_rescans, 1);
  close(late);
  co_exec_free(ex);
}

static size_t count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  size_t n = 0;
  if (!d)
    return (size_t)-1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      n++;
  closedir(d);
  return n;
}

Test(safety, files_live_only_in_the_private_directory_and_go_away) {
  char root[] = "/tmp/co-safety-XXXXXX", priv[4096];
  struct co_exec *ex;
  struct rec r;
  struct stat st;
  cr_assert_not_null(mkdtemp(root));
  setenv("TMPDIR", root, 1);
  ex = sup_exec();
  snprintf(priv, sizeof priv, "%s", co_posix_tmpdir(co_exec_backend_self(ex)));
  cr_assert_eq(strncmp(priv, root, strlen(root)), 0, "%s is not under %s", priv,
               root);
  cr_assert_eq(count_entries(root), 1); /* just the private directory */
  sup_run_ok(ex,
             "s0 = open rdwr\ns1 = open rdonly\ns2 = open wronly append\n"
             "write s0 9\ns3 = open rdonly cloexec\nclose s1\n",
             &r);
  cr_assert_eq(count_entries(priv), 0, "files left in %s", priv);
  co_exec_free(ex);
  cr_assert_eq(stat(priv, &st), -1, "%s still exists", priv);
  cr_assert_eq(count_entries(root), 0);
  rmdir(root);
}

Test(safety, a_harness_descriptor_closed_between_traces_is_noticed) {
  /* A descriptor open when one trace begins and closed before the next:
   * the next trace's numbering must use the free number again. */
  struct co_exec *ex = sup_exec();
  struct co_exec_stats st;
  struct rec r;
  int low = sup_lowest_free(), tmp;
  tmp = open("/dev/null", O_RDONLY);
  cr_assert_eq(tmp, low);
  sup_run_ok(ex, "s0 = open rdwr\nclose s0\n", &r); /* takes tmp as foreign */
  cr_assert_neq(r.real[0].ret, tmp);
  close(tmp);
  sup_run_ok(ex, "s0 = open rdwr\nclose s0\n", &r);
  cr_assert_eq(r.real[0].ret, tmp, "the freed number was not used again");
  co_exec_stats(ex, &st);
  cr_assert_geq(st.env_rescans, 2);
  co_exec_free(ex);
}
