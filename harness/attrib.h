/*
 * Attribution (issue 21, docs/faults.md#attribution): the calls a library
 * made during one step of its layer (harness/ipose.h), checked one by one
 * against what the model says each descriptor was before the step and is
 * after it. The executor (harness/exec.c) snapshots the numbers the calls
 * name after the library ran and before the model steps, then asks for the
 * first call that closed or used a descriptor the library had no right to.
 */
#ifndef CO_ATTRIB_H
#define CO_ATTRIB_H

#include "ipose.h"

#include "closeonce/model.h"

#define CO_ATTRIB_NUMS (2 * CO_ICALLS_MAX)

/* What the model said of each number the step's calls name, before the
 * step. */
struct co_attrib_snap {
  int64_t num[CO_ATTRIB_NUMS];
  int8_t owner[CO_ATTRIB_NUMS];    /* co_model_owner */
  uint8_t foreign[CO_ATTRIB_NUMS]; /* not the trace's */
  unsigned n;
  /* the numbers the step's objects held (their descriptor, a window copy,
   * a wrapped object's), and the call's descriptor argument */
  int64_t held[8];
  unsigned nheld;
};

/* Before the model steps: what the numbers of ip's log are, and what the
 * step's objects (obj, and dst when two >= 0) hold. arg: the call's
 * descriptor argument, or -1. */
void co_attrib_snap(const struct co_model *m, const struct co_ipose *ip,
                    int obj, int dst, int64_t arg,
                    struct co_attrib_snap *s /* OUT */);

/* A call the library had no right to make. */
struct co_attrib_bad {
  unsigned call;    /* its index in the step's log */
  int64_t num;      /* the descriptor */
  const char *rule; /* "closed", "closed-twice", "closed-stale",
                       "closed-harness", "used", "used-closed" */
  int owner;        /* the party owning num before the step */
  unsigned earlier; /* closed-twice, used-closed: the call that closed it */
  int after;        /* closed: the party owning num after the step */
};

/* After the model stepped: the first call of ip's log the library had no
 * right to make, or 0 if none (1 and *bad set). */
/* strict: contract mode, where the client makes no misuse, so that a close
 * of a number that was not open is the library's own (in conformance mode
 * it may be a number the client closed under the library's object). */
int co_attrib_check(const struct co_model *m, const struct co_ipose *ip,
                    const struct co_attrib_snap *s, int strict,
                    struct co_attrib_bad *bad /* OUT */);

#endif
