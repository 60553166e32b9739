/*
 * The platform-neutral half of the interposer (harness/ipose.h): the
 * per-step log of a library's calls, the armed faults and their
 * countdowns, the names. The wrappers that feed it are the platform's
 * (harness/posix/ipose_elf.c).
 */
#include "ipose.h"

#include <stdio.h>
#include <string.h>

#include "closeonce/contract.h"
#include "closeonce/error.h"

/* The running glue call's context on this thread (ipose.h: set only
 * between co_ipose_enter and co_ipose_leave). */
static _Thread_local struct co_ipose *current;

/* The contexts attached to libraries' objects (ipose.h co_ipose_attach):
 * what a thread of a library's own reaches. The process's; under its lock. */
#define ATTACH_MAX 64
static struct {
  _Atomic int lock;
  struct {
    struct co_ipose *ip;
    const char *const *names;
  } at[ATTACH_MAX];
  unsigned n;
} attached;

/* Give the processor away while waiting for a library thread (detach). */
#ifdef _WIN32
__declspec(dllimport) int __stdcall SwitchToThread(void); /* kernel32 */
#define yield_cpu() ((void)SwitchToThread())
#else
#include <sched.h>
#define yield_cpu() ((void)sched_yield())
#endif

static void spin_lock(_Atomic int *l) {
  while (atomic_exchange_explicit(l, 1, memory_order_acquire))
    while (atomic_load_explicit(l, memory_order_relaxed))
      ;
}
static void spin_unlock(_Atomic int *l) {
  atomic_store_explicit(l, 0, memory_order_release);
}

_Static_assert(CO_NOFAULT_ALLOC == 1u << CO_IF_ALLOC,
               "closeonce/contract.h CO_NOFAULT_ALLOC is the malloc family");

static const char *const fam_names[CO_IF_COUNT] = {
#define CO__IFAM_NAME(id, name) name,
    CO_IFAM_LIST(CO__IFAM_NAME)
#undef CO__IFAM_NAME
};

static const char *const fn_names[CO_IFN_COUNT] = {
#define CO__IFN_NAME(id, name) name,
    CO_IFN_LIST(CO__IFN_NAME)
#undef CO__IFN_NAME
};

const char *co_ifam_name(unsigned fam) {
  return fam < CO_IF_COUNT ? fam_names[fam] : NULL;
}

int co_ifam_find(const char *t, size_t n) {
  unsigned i;
  for (i = 0; i < CO_IF_COUNT; i++)
    if (strlen(fam_names[i]) == n && memcmp(fam_names[i], t, n) == 0)
      return (int)i;
  return -1;
}

const char *co_ipose_fn_name(unsigned fn) {
  return fn < CO_IFN_COUNT ? fn_names[fn] : "?";
}

/* docs/faults.md#errors: what each call documents it can fail with, that
 * a library has to handle. */
static const int errs_close[] = {CO_EINTR, CO_EIO};
static const int errs_table[] = {CO_EMFILE, CO_ENFILE};
static const int errs_write[] = {CO_ENOSPC, CO_EIO, CO_EAGAIN};
static const int errs_read[] = {CO_EIO, CO_EAGAIN};
static const int errs_badf[] = {CO_EBADF};
static const int errs_alloc[] = {CO_ENOMEM};

unsigned co_ifam_errs(unsigned fam, const int **errs) {
#define ERRS(a) (*errs = (a), (unsigned)(sizeof(a) / sizeof(a)[0]))
  switch (fam) {
  case CO_IF_CLOSE:
    return ERRS(errs_close);
  case CO_IF_OPEN:
  case CO_IF_DUP:
  case CO_IF_SOCKET:
  case CO_IF_ACCEPT:
  case CO_IF_PIPE:
  case CO_IF_ADOPT:
    return ERRS(errs_table);
  case CO_IF_WRITE:
    return ERRS(errs_write);
  case CO_IF_READ:
    return ERRS(errs_read);
  case CO_IF_FCNTL:
  case CO_IF_LSEEK:
    return ERRS(errs_badf);
  case CO_IF_ALLOC:
    return ERRS(errs_alloc);
  default:
    *errs = NULL;
    return 0;
  }
#undef ERRS
}

void co_ipose_init(struct co_ipose *ip, enum co_close_profile profile) {
  memset(ip, 0, sizeof *ip);
  ip->profile = profile;
  ip->own_fd = -1;
}

int co_ipose_arm(struct co_ipose *ip, unsigned fam, int err, unsigned count) {
  const int *errs;
  unsigned i, n = co_ifam_errs(fam, &errs);
  for (i = 0; i < n && errs[i] != err; i++)
    ;
  if (i == n)
    return -1;
  spin_lock(&ip->lock);
  if (ip->nfault == CO_FAULTS_MAX) { /* the oldest gives way */
    memmove(&ip->fault[0], &ip->fault[1],
            (CO_FAULTS_MAX - 1) * sizeof ip->fault[0]);
    ip->nfault--;
  }
  ip->fault[ip->nfault].fam = (uint8_t)fam;
  ip->fault[ip->nfault].err = err;
  ip->fault[ip->nfault].count = count;
  ip->nfault++;
  spin_unlock(&ip->lock);
  return 0;
}

void co_ipose_disarm(struct co_ipose *ip) {
  spin_lock(&ip->lock);
  ip->nfault = 0;
  spin_unlock(&ip->lock);
}

void co_ipose_enter(struct co_ipose *ip) {
  unsigned i;
  spin_lock(&ip->lock);
  ip->n = ip->lost = ip->fired = ip->other = 0;
  /* what the library's threads did since the last step comes first */
  for (i = 0; i < ip->nlate; i++) {
    ip->log[ip->n] = ip->late[i];
    ip->log[ip->n++].thr = CO_ICALL_LATE;
  }
  ip->other = ip->n;
  ip->lost = ip->late_lost;
  ip->nlate = ip->late_lost = 0;
  atomic_store_explicit(&ip->open, 1, memory_order_relaxed);
  spin_unlock(&ip->lock);
  current = ip;
}

void co_ipose_leave(struct co_ipose *ip) {
  spin_lock(&ip->lock);
  atomic_store_explicit(&ip->open, 0, memory_order_relaxed);
  spin_unlock(&ip->lock);
  current = NULL;
}

unsigned co_ipose_late(struct co_ipose *ip, struct co_icall *first) {
  unsigned n;
  spin_lock(&ip->lock);
  n = ip->nlate;
  if (n && first)
    *first = ip->late[0];
  n += ip->late_lost;
  spin_unlock(&ip->lock);
  return n;
}

unsigned co_ipose_drop_late(struct co_ipose *ip) {
  unsigned n;
  spin_lock(&ip->lock);
  n = ip->nlate + ip->late_lost;
  ip->nlate = ip->late_lost = 0;
  spin_unlock(&ip->lock);
  ip->total_dropped += n;
  return n;
}

struct co_ipose *co_ipose_current(void) {
  return current;
}

/* A file name (its base) that starts with one of names. */
static int names_match(const char *path, const char *const *names) {
  const char *base = path ? strrchr(path, '/') : NULL;
  base = base ? base + 1 : path;
  for (; base && names && *names; names++)
    if (**names && strncmp(base, *names, strlen(*names)) == 0)
      return 1;
  return 0;
}

int co_ipose_attach(struct co_ipose *ip, const char *const *names, char *err,
                    size_t cap) {
  int rc = 0;
  unsigned i;
  spin_lock(&attached.lock);
  for (i = 0; i < attached.n; i++)
    if (attached.at[i].ip == ip && attached.at[i].names == names)
      break;
  if (i < attached.n)
    ; /* attached before */
  else if (attached.n == ATTACH_MAX) {
    snprintf(err, cap,
             "interposer: more than %d libraries attached to executors at "
             "once",
             ATTACH_MAX);
    rc = -1;
  } else {
    attached.at[attached.n].ip = ip;
    attached.at[attached.n++].names = names;
  }
  spin_unlock(&attached.lock);
  return rc;
}

void co_ipose_detach(struct co_ipose *ip) {
  unsigned i = 0;
  spin_lock(&attached.lock);
  while (i < attached.n)
    if (attached.at[i].ip == ip)
      attached.at[i] = attached.at[--attached.n];
    else
      i++;
  spin_unlock(&attached.lock);
  /* a call that found ip before is still on its way: ip lives until then */
  while (atomic_load_explicit(&ip->inflight, memory_order_acquire))
    yield_cpu();
}

/* Entry i is attached to object, and the first such entry of its context
 * (a context attached for two layers is one candidate). */
static int candidate(unsigned i, const char *object) {
  unsigned j;
  if (!names_match(object, attached.at[i].names))
    return 0;
  for (j = 0; j < i; j++)
    if (attached.at[j].ip == attached.at[i].ip &&
        names_match(object, attached.at[j].names))
      return 0;
  return 1;
}

struct co_ipose *co_ipose_route(const char *object) {
  struct co_ipose *one = NULL, *open = NULL;
  unsigned i, nip = 0, nopen = 0;
  spin_lock(&attached.lock);
  for (i = 0; i < attached.n; i++) {
    struct co_ipose *ip = attached.at[i].ip;
    if (!candidate(i, object))
      continue;
    nip++;
    one = ip;
    if (atomic_load_explicit(&ip->open, memory_order_relaxed)) {
      nopen++;
      open = ip;
    }
  }
  /* the one with a step running; else the only one there is */
  one = nopen == 1 ? open : nopen == 0 && nip == 1 ? one : NULL;
  if (one)
    atomic_fetch_add_explicit(&one->inflight, 1, memory_order_relaxed);
  else if (nip > 1)
    for (i = 0; i < attached.n; i++)
      if (candidate(i, object))
        attached.at[i].ip->total_ambiguous++;
  spin_unlock(&attached.lock);
  return one;
}

void co_ipose_done(struct co_ipose *ip) {
  atomic_fetch_sub_explicit(&ip->inflight, 1, memory_order_release);
}

static int fault_locked(struct co_ipose *ip, unsigned fam, int *err);

int co_ipose_fault(struct co_ipose *ip, unsigned fam, int *err) {
  int fired;
  if (!co_ipose_armed(ip))
    return 0;
  spin_lock(&ip->lock);
  /* (a library's own thread outside a step: no fault is the trace's) */
  fired = atomic_load_explicit(&ip->open, memory_order_relaxed) &&
          fault_locked(ip, fam, err);
  spin_unlock(&ip->lock);
  return fired;
}

static int fault_locked(struct co_ipose *ip, unsigned fam, int *err) {
  unsigned i, fire = CO_FAULTS_MAX;
  /* every armed fault of the family counts this call; the first armed
   * that reaches it fires, and only one fires per call */
  for (i = 0; i < ip->nfault; i++) {
    if (ip->fault[i].fam != fam)
      continue;
    if (ip->fault[i].count == 0 && fire == CO_FAULTS_MAX)
      fire = i;
    else if (ip->fault[i].count)
      ip->fault[i].count--;
  }
  if (fire == CO_FAULTS_MAX)
    return 0;
  *err = ip->fault[fire].err;
  memmove(&ip->fault[fire], &ip->fault[fire + 1],
          (ip->nfault - fire - 1) * sizeof ip->fault[0]);
  ip->nfault--;
  ip->fired++;
  return 1;
}

void co_ipose_log(struct co_ipose *ip, const struct co_icall *c) {
  spin_lock(&ip->lock);
  if (c->thr == CO_ICALL_STEP ||
      atomic_load_explicit(&ip->open, memory_order_relaxed)) {
    if (ip->n < CO_ICALLS_MAX) {
      ip->log[ip->n++] = *c;
      ip->other += c->thr != CO_ICALL_STEP;
    } else
      ip->lost++;
    if (c->thr != CO_ICALL_STEP)
      ip->total_other++;
  } else { /* after the step returned: kept for the next one */
    if (ip->nlate < CO_ILATE_MAX)
      ip->late[ip->nlate++] = *c;
    else
      ip->late_lost++;
    ip->total_late++;
  }
  spin_unlock(&ip->lock);
}

int co_icall_format(const struct co_icall *c, char *buf, size_t cap) {
  const char *fn = co_ipose_fn_name(c->fn);
  int len;
  switch (c->fn) {
  case CO_IFN_OPEN:
  case CO_IFN_OPENAT:
  case CO_IFN_CREAT:
  case CO_IFN_FOPEN:
  case CO_IFN_SOCKET:
  case CO_IFN_SOCKETPAIR:
  case CO_IFN_PIPE:
  case CO_IFN_PIPE2:
  case CO_IFN_CREATEFILEW:
    len = snprintf(buf, cap, "%s()", fn);
    break;
  case CO_IFN_MALLOC:
  case CO_IFN_CALLOC:
  case CO_IFN_REALLOC:
    len = snprintf(buf, cap, "%s(%lld)", fn, (long long)c->arg);
    break;
  case CO_IFN_DUP2:
  case CO_IFN_DUP3:
  case CO_IFN_CLOSE_RANGE:
    len = snprintf(buf, cap, "%s(%lld, %lld)", fn, (long long)c->a,
                   (long long)c->b);
    break;
  case CO_IFN_WRITE:
  case CO_IFN_FWRITE:
  case CO_IFN_FREAD:
  case CO_IFN_READ:
  case CO_IFN_SEND:
  case CO_IFN_RECV:
  case CO_IFN_WRITEFILE:
    len = snprintf(buf, cap, "%s(%lld, %lld)", fn, (long long)c->a,
                   (long long)c->arg);
    break;
  default:
    len = snprintf(buf, cap, "%s(%lld)", fn, (long long)c->a);
  }
  if (len < 0 || (size_t)len >= cap)
    return len;
  if (c->fn == CO_IFN_MALLOC || c->fn == CO_IFN_CALLOC ||
      c->fn == CO_IFN_REALLOC)
    len += snprintf(buf + len, cap - (size_t)len, " = %s",
                    c->err == 0 ? "ok" : "NULL");
  else if (c->err != 0)
    len +=
        snprintf(buf + len, cap - (size_t)len, " = -1 %s", co_err_name(c->err));
  else if (c->ret2 >= 0)
    len += snprintf(buf + len, cap - (size_t)len, " = %lld, %lld",
                    (long long)c->ret, (long long)c->ret2);
  else
    len += snprintf(buf + len, cap - (size_t)len, " = %lld", (long long)c->ret);
  if ((size_t)len < cap && c->injected)
    len += snprintf(buf + len, cap - (size_t)len, "%s",
                    c->injected == CO_INJ_CLOSED
                        ? " (injected; the number was freed)"
                        : " (injected)");
  if (len >= 0 && (size_t)len < cap && c->thr != CO_ICALL_STEP)
    len += snprintf(buf + len, cap - (size_t)len, "%s",
                    c->thr == CO_ICALL_LATE
                        ? " [a library thread, after the step before]"
                        : " [a library thread]");
  return len;
}
