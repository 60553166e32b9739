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

/* The running glue call's context on this thread (ipose.h: the one state
 * outside a context, set only between co_ipose_enter and co_ipose_leave). */
static _Thread_local struct co_ipose *current;

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
  if (ip->nfault == CO_FAULTS_MAX) { /* the oldest gives way */
    memmove(&ip->fault[0], &ip->fault[1],
            (CO_FAULTS_MAX - 1) * sizeof ip->fault[0]);
    ip->nfault--;
  }
  ip->fault[ip->nfault].fam = (uint8_t)fam;
  ip->fault[ip->nfault].err = err;
  ip->fault[ip->nfault].count = count;
  ip->nfault++;
  return 0;
}

void co_ipose_disarm(struct co_ipose *ip) {
  ip->nfault = 0;
}

void co_ipose_enter(struct co_ipose *ip) {
  ip->n = ip->lost = ip->fired = 0;
  current = ip;
}

void co_ipose_leave(struct co_ipose *ip) {
  (void)ip;
  current = NULL;
}

struct co_ipose *co_ipose_current(void) {
  return current;
}

int co_ipose_fault(struct co_ipose *ip, unsigned fam, int *err) {
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
  if (ip->n < CO_ICALLS_MAX)
    ip->log[ip->n++] = *c;
  else
    ip->lost++;
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
  return len;
}
