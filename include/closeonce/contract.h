/*
 * closeonce: contracts and adapters.
 *
 * A contract describes, declaratively, what each entry point of an owner
 * layer (stdio, zlib's gzFile, your library's handle object) does to the
 * ownership of a descriptor. The model is generic over contracts: it knows
 * the effects below and nothing about any particular library. An adapter is
 * a contract plus thin glue that calls the real library; together they make a
 * fuzz target.
 *
 * In traces, a layer's objects live in object slots o0..o7 and its entry
 * points are called by name:
 *
 *   o0 = fdopen s1 w      # ADOPT_ON_SUCCESS: o0 owns s1's descriptor
 *   s2 = fileno o0        # LEND: s2 borrows it; o0 still owns it
 *   fwrite o0 5           # USE: write 5 bytes through the object
 *   fclose o0             # CLOSE: frees o0 and closes what it owns
 */
#ifndef CLOSEONCE_CONTRACT_H
#define CLOSEONCE_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "closeonce/model.h"

/* What an entry point does to ownership. */
enum co_effect {
  /* Creates an object over a fresh descriptor of its own, which it owns.
   * Trace: oD = NAME [mode] */
  CO_EFF_OPEN,
  /* Takes ownership of the descriptor argument whatever happens: on failure
   * it closes it. Trace: oD = NAME R [mode] */
  CO_EFF_ADOPT,
  /* Takes ownership on success; on failure the caller keeps it. */
  CO_EFF_ADOPT_ON_SUCCESS,
  /* Uses the descriptor argument without taking it: the object's close
   * leaves it open (e.g. BIO_NOCLOSE). */
  CO_EFF_BORROW,
  /* Returns the object's descriptor; the object keeps owning it and the
   * caller may use it only while the object holds it. Trace: sD = NAME oK */
  CO_EFF_LEND,
  /* Returns a duplicate of the object's descriptor, owned by the caller. */
  CO_EFF_DUP,
  /* Frees the object and hands its descriptor to the caller. */
  CO_EFF_DETACH,
  /* Frees the object and closes the descriptor it owns (not a borrowed one).
   * Trace: NAME oK */
  CO_EFF_CLOSE,
  /* Writes n bytes through the object's descriptor. Trace: NAME oK N
   * Through a pipe the bytes are taken to be zeros, as the built-in glue
   * writes them ($buf below): a reader of the pipe compares them. */
  CO_EFF_USE,
  /* A new object of the same layer over a duplicate of oK's descriptor,
   * owned by the new object (the C runtime's _dup). Trace: oD = NAME oK */
  CO_EFF_DUP_OBJ,
  /* Makes object oD hold a duplicate of oK's descriptor: oD's old
   * descriptor is closed (its errors are lost), the duplicate is made
   * first and on failure oD is untouched; oK == oD changes nothing (the
   * C runtime's _dup2 on two live descriptors). Trace: NAME oK oD */
  CO_EFF_DUP2_OBJ,
  /* A new object over object oK of the layer named by the entry's inner
   * (a FILE over a C-runtime descriptor: _fdopen). The new object owns oK:
   * closing it closes oK; oK stays usable meanwhile. Trace:
   * oD = NAME oK [mode] */
  CO_EFF_WRAP,
  /* Returns the object's number (a numbered layer's, or the number of the
   * object it wraps: _fileno). Binds nothing. Trace: NAME oK */
  CO_EFF_NUMBER,
  /* Paged layers (co_contract.paged, a descriptor pager): objects are
   * virtual descriptors holding a parked descriptor and, while paged in, a
   * window copy of it. In a paged layer OPEN and ADOPT_ON_SUCCESS park the
   * descriptor (POSIX: the lowest free number at or above the watermark;
   * ADOPT moves it there and closes the argument), DUP_OBJ parks a
   * duplicate (paged out), LEND pages in and pins (the window descriptor
   * is lent until UNPIN), USE pages in and writes through the window copy,
   * CLOSE closes both. Paging in takes the lowest free number, below the
   * watermark (else EMFILE), with the object's own flags; when the window
   * is full it first pages out the least recently used object that is not
   * pinned (none: EBUSY). */
  /* Returns a lent descriptor: EINVAL if none is lent. Trace: NAME oK */
  CO_EFF_UNPIN,
  /* Pages out (closes the window copy): EBUSY if lent. Trace: NAME oK */
  CO_EFF_PAGE_OUT,
  /* Pages in (no pin). Trace: NAME oK */
  CO_EFF_PAGE_IN,
  /* A new object over a duplicate of the descriptor argument, which it
   * makes itself and owns; the caller keeps the argument (fdopen(dup(fd)),
   * _open_osfhandle of a DuplicateHandle copy: examples/hlib/app.c). The
   * duplicate is made as dup(2) / DuplicateHandle would (POSIX: the lowest
   * free number, close-on-exec clear; Windows: the value the adapter's
   * handle_of reports, which it needs), over the same open file
   * description. An object that holds the argument itself, not a copy, is
   * a second owner of it: an ownership violation by the layer at this
   * step. Not for paged layers or ownership-first entries. Trace:
   * oD = NAME R [mode] */
  CO_EFF_ADOPT_DUP,
  /* Moves the object's descriptor's offset by N (-128..127) from the
   * origin its mode word names (the C runtime's _lseek): a mode's
   * seeks_end holds the origin (CO_WHENCE_*); a mode that is not valid is
   * an origin the entry rejects: EINVAL before the descriptor is used. A
   * result before the start is EINVAL and leaves the offset; the handle
   * not open is EBADF. Returns the new offset. An unpaged layer's entry.
   * Trace: NAME oK N WHENCE */
  CO_EFF_SEEK,
  /* crtmisc (issue 19): the C runtime's queries of a descriptor's file
   * and its resize (_fstat, _filelength, _chsize; docs/crt.md#fstat).
   * Unpaged, numbered layers' entries; the object's handle not open:
   * EBADF; a closed object whose number is free: the runtime's answer
   * for a descriptor that is not open (the profile's). */
  /* The file's fstat fields, in the outcome's data (closeonce/model.h
   * CO_STAT_*): a regular file, mode 0666, one link, its size. Returns
   * 0. Trace: NAME oK */
  CO_EFF_STAT,
  /* Returns the file's size; the offset does not move. Trace: NAME oK */
  CO_EFF_SIZE,
  /* Sets the file's size to N (-128..127: below 0, EINVAL after the
   * invalid-parameter handler), zeros past the old end; the offset does
   * not move; returns 0. Trace: NAME oK N */
  CO_EFF_RESIZE,
  /* Reads up to N bytes (0..255) through the object's descriptor (the C
   * runtime's _read, fread over an unbuffered stream): returns the count,
   * the bytes' digest as data (co_bytes_digest); the object's translation
   * flags (CO_OWN_TEXT, CO_OWN_UTF16, CO_OWN_UTF8) apply as in
   * docs/crt.md#read. A READ of a wrapper (a stream) repeats the read
   * until N bytes came or one returned 0. Numbered layers and their
   * wrappers only. Trace: NAME oK N */
  CO_EFF_READ,
  /* Sets the object's translation flags to its mode word's own
   * (CO_OWN_TEXT, CO_OWN_UTF16, CO_OWN_UTF8: _setmode); a mode that is not
   * valid is rejected (EINVAL, before the descriptor is looked up).
   * Returns the index of the first valid mode whose flags were the
   * object's. Numbered layers only. Trace: NAME oK MODE */
  CO_EFF_SETMODE,
  CO_EFF_COUNT
};
const char *co_effect_name(enum co_effect e);
/* 1 if an entry with effect f takes a descriptor argument (adopt,
 * adopt-on-success, borrow, adopt-dup). */
int co_effect_takes_fd(enum co_effect f);
/* 1 if an entry with effect f takes an integer N (use, seek, read). */
int co_effect_takes_n(enum co_effect f);

/* Checks an adopting entry makes before taking the descriptor. */
#define CO_CHK_VALID 0x1 /* not open -> fails with EBADF */
#define CO_CHK_ACCESS                                                          \
  0x2 /* mode needs an access the description lacks ->                         \
         fails with EINVAL */
/* Takes any int without looking at it, -1 included: the object is made over
 * it and fails only when it uses it (OpenSSL's BIO_new_fd). Without it a
 * negative descriptor fails the entry (EBADF). */
#define CO_CHK_ANY 0x4
/*
 * Kind checks (issue 20): which kinds of open file description an adopting
 * or borrowing entry accepts (docs/posix.md#layer-kinds). An entry with
 * none of these bits accepts every kind: stdio's fdopen and zlib's
 * gzdopen take any stream (a file, a pipe, a socket), and what their I/O
 * then does is the kind's own rule.
 */
/* Sockets only: the entry asks the descriptor for its socket type first
 * (getsockopt SO_TYPE: GLib's g_socket_new_from_fd). A descriptor that is
 * not open fails it as CO_CHK_VALID does; any other kind than a socket
 * fails it too (ENOTSOCK; "failed" for an entry that does not set
 * errno, as GLib's, which reports a GError). The library asks for a socket:
 * handing it another kind is the client's mistake, an event (contract mode does
 * not draw it), and the model still predicts the library's answer. */
#define CO_CHK_SOCKET 0x8
/* The object waits for its descriptor with epoll (libevent's default
 * backend): over a kind epoll refuses (a regular file, a directory:
 * epoll_ctl EPERM) the entry succeeds, but the object's writes never
 * reach the descriptor: every USE fails, with no system call on it. */
#define CO_CHK_POLL 0x10
/* The library's documentation asks for a socket and the library does not
 * check (libevent's bufferevent_socket_new: "over an existing socket ...
 * This file descriptor is not allowed to be a pipe(2)"; libuv's
 * uv_tcp_open: "not type checked, but it's required that it represents a
 * valid stream socket"): handing another kind is the client's mistake, an
 * event (contract mode does not draw it); if it runs, the model predicts
 * what the library does over it, as over any stream. */
#define CO_CHK_WANTS_SOCKET 0x20
/* evdir: takes a directory only (glibc's fdopendir fstats it): a
 * descriptor open on anything else fails with ENOTDIR, after CO_CHK_VALID.
 * The model knows the descriptions its built-in operations made (opendir:
 * docs/posix.md#dirs); one a layer made is a regular file to it. */
#define CO_CHK_DIR 0x40

/* How the layer's own I/O moves the description's offset. */
#define CO_IO_EXACT 0 /* USE writes exactly n bytes; CLOSE writes nothing */
#define CO_IO_OPAQUE                                                           \
  1 /* USE and CLOSE write an unknown amount (buffers,                         \
       compression): offset and size become unknown */
#define CO_IO_STICKY                                                           \
  2 /* after a failed USE the object stays failed: later                       \
       USE fail without touching the descriptor (CLOSE                         \
       still writes what is pending, then closes) */
/* The entry's result never depends on the descriptor: CLOSE and USE report
 * success whatever close(2) or write(2) would say (a void function, a
 * close result the library ignores, output kept in a buffer). Their effects
 * on descriptors are the same as without. */
#define CO_IO_SILENT 4
/* Making the object reads from the descriptor (format detection): on
 * success the description's offset becomes unknown. */
#define CO_IO_READS 8
/* CLOSE closes the descriptor even when the object borrows it (GLib's
 * g_io_channel_shutdown): an ownership event, the client's move. */
#define CO_IO_CLOSES_ANY 16
/* Making the object reads the descriptor's access mode once: over a
 * descriptor that is not writable, every USE of the object fails without a
 * system call, whatever the number holds later (GLib's GIOChannel
 * is_writeable). Handing it a descriptor that is not open is the client's
 * mistake (an event, even for BORROW): the object's state is then the
 * library's guess (GLib leaves it uninitialised); the model predicts that
 * it never writes. */
#define CO_IO_ACCESS_ONCE 32
/* Ownership first: the contract states only what happens to ownership, on
 * success and on failure; whatever else the library does is taken as it
 * ran. The executor calls the library first, and the model follows the
 * path the call really took: whether it failed and with what error, how
 * many bytes a USE wrote, whether a CLOSE reported an error, which
 * descriptor an OPEN made (the adapter's handle_of) or a DUP returned.
 * Offsets of the descriptions it touches become unknown (it may read,
 * seek, buffer or flush). What it means for ownership is still checked,
 * at this step: a failed ADOPT_ON_SUCCESS or BORROW leaves the descriptor
 * open with the caller, ADOPT closes it on failure, a CLOSE closes what
 * the object owns and nothing else, a DETACH hands back the descriptor it
 * held (still open, even when it reports a failed flush), a LEND returns
 * the object's own descriptor, USE keeps it open. The checks (CO_CHK_*)
 * are then not predicted either. Not for numbered or paged layers, and not
 * with CO_IO_OPAQUE, CO_IO_STICKY or CO_IO_SILENT (they predict what this
 * takes as it ran). An OPEN entry needs the adapter's handle_of. */
#define CO_IO_AS_RUN 64
/* CLOSE leaves a descriptor 0, 1 or 2 open, even one the object owns
 * (libuv's uv__stream_close: "Don't close stdio file descriptors"); it
 * closes any other as usual. Only a trace that owns 0-2 (--free-std) gets
 * there; the descriptor is then the client's again. POSIX descriptors. */
#define CO_IO_KEEPS_STD 128
/* A failed USE or READ reports the C runtime's _doserrno as its outcome's
 * data (docs/crt.md#doserrno): the model predicts it where ReadFile or
 * WriteFile failed. */
#define CO_IO_DOSERRNO 256
/* libs (issue 20): making the object sets O_NONBLOCK on the descriptor's
 * open file description, shared by its duplicates, whenever the
 * descriptor is open, even when the entry then fails (GLib's
 * g_socket_new_from_fd: "the file descriptor will be set to non-blocking
 * mode"; libuv's uv_pipe_open and uv_tcp_open: uv__nonblock). Without it
 * an object's description has O_NONBLOCK unknown while the object holds
 * it (a library may set it). An adopting or borrowing entry's. */
#define CO_IO_NONBLOCK 512
/* evdir: making the object sets FD_CLOEXEC on the descriptor it takes,
 * whatever it was (glibc's fdopendir: __alloc_dir). */
#define CO_IO_SETS_CLOEXEC 1024

#define CO_NEED_READ 0x1
#define CO_NEED_WRITE 0x2
/* A mode's needs may also say what the object does later, when that
 * differs from the access making it needs: CO_THEN_READ and CO_THEN_WRITE
 * are the access its later I/O uses (USE writes, CLOSE flushes). Without
 * them it is the CO_NEED_* bits. Example: a read mode whose library
 * writes a header back at close, CO_NEED_READ | CO_THEN_READ |
 * CO_THEN_WRITE: checked for read access, and its writes fail (the model
 * predicts that) over a read-only descriptor. */
#define CO_THEN_READ 0x4
#define CO_THEN_WRITE 0x8

/* One mode string of an entry ("r", "w", "a"...). */
struct co_mode {
  const char *name;
  uint8_t valid;       /* 0: the entry rejects it (caller keeps the handle) */
  uint8_t needs;       /* CO_NEED_*: checked with CO_CHK_ACCESS; CO_THEN_*:
                          what its later I/O uses, if not that */
  uint8_t sets_append; /* sets O_APPEND on the open file description */
  uint8_t seeks_end;   /* CO_SEEK_*: moves the description's offset to the
                          end */
  uint8_t own;         /* CO_OWN_*: flags the object keeps for itself */
};
/* The object's own append flag: each of its writes first moves the offset
 * to the end; the description's O_APPEND is untouched (the C runtime's
 * _O_APPEND). */
#define CO_OWN_APPEND 0x1
/* Text translation: the glue writes '\n' bytes, each stored as "\r\n";
 * a write of n returns n and moves the offset by 2n (_O_TEXT). */
#define CO_OWN_TEXT 0x2
/* Paged layers: the window copies the object makes are close-on-exec
 * (POSIX) / not inheritable (Win32). An OPEN entry's mode (not ownership
 * first): the descriptor it makes is close-on-exec (O_CLOEXEC) / not
 * inheritable (a HANDLE made with no inheritable SECURITY_ATTRIBUTES, as
 * most Windows libraries make them); without it the model has it
 * inheritable. */
#define CO_OWN_CLOEXEC 0x4
/* With CO_OWN_TEXT, the C runtime's Unicode text modes (docs/crt.md#setmode):
 * UTF16 (_O_WTEXT, _O_U16TEXT) translates 2-byte units, UTF8 (_O_U8TEXT)
 * converts UTF-16 to UTF-8 on write; both take even counts only. */
#define CO_OWN_UTF16 0x8
#define CO_OWN_UTF8 0x10
#define CO_SEEK_NEVER 0
#define CO_SEEK_ALWAYS 1
#define CO_SEEK_IF_SET_APPEND 2 /* only when it turned O_APPEND on itself */
/* A SEEK entry's modes: the origin, in seeks_end. */
#define CO_WHENCE_SET 0
#define CO_WHENCE_CUR 1
#define CO_WHENCE_END 2

#define CO_MODES_MAX 16

struct co_entry {
  const char *name; /* unique across all adapters */
  enum co_effect effect;
  unsigned checks;             /* CO_CHK_* (adopting entries) */
  unsigned io;                 /* CO_IO_* (USE, CLOSE) */
  uint8_t sets_errno;          /* failures report errno; else only "failed" */
  const struct co_mode *modes; /* OPEN/ADOPT/BORROW: NULL-name terminated;
                                  NULL: no mode word (valid, read-write) */
  const char *source;          /* where the contract comes from */
  const char *inner;           /* WRAP: the layer of the wrapped object */
  /* Version 5, optional: the entry in C, for `closeonce repro` (the
   * standalone reproducer): statements that do what call() does for this
   * entry, with the placeholders below; NULL: a trace that calls the entry
   * has no reproducer (repro names the step and the entry, exit 2). */
  const char *c;
};

/*
 * Reproducer templates (co_entry.c, co_contract.repro).
 *
 * A template is C text copied into the program, where $NAME (NAME in
 * a-z) is replaced; $$ is a '$'. An entry's template runs in a block of its
 * own (it may declare locals) and sets $r as call() sets out->ret: the
 * descriptor for LEND/DUP/DETACH, n for USE, 0 otherwise; on failure
 * exactly -1 (not the library's own negative code), with errno if the
 * entry sets_errno (errno is 0 before it). After CLOSE and DETACH the program
 * forgets the object; after LEND/DUP/DETACH it binds $r to the slot.
 *   $r        the result: a long, to set (every entry template sets it)
 *   $o        the object (void *): for OPEN, ADOPT, ADOPT_ON_SUCCESS,
 *             BORROW, DUP_OBJ and WRAP the new one, to set (NULL on
 *             failure); for DUP2_OBJ the target oD; else the operand oK
 *   $src      DUP_OBJ, DUP2_OBJ, WRAP: the source object oK
 *   $fd       ADOPT, ADOPT_ON_SUCCESS, BORROW: the descriptor argument (int)
 *   $mode     entries with modes: the mode's name, a C string ("w")
 *   $modeno   entries with modes: its index in the entry's modes (unsigned)
 *   $n        USE: the byte count (an int); SEEK: the offset (an int)
 *   $buf      256 bytes of zeros (const char *) to write from
 *   $path     a new path in the program's private directory (char *, one
 *             per step), for entries that make files (unlink it once open)
 *   $variant  the target's variant (planted bugs; an unsigned): VARIANT,
 *             which the program's builder sets with -DVARIANT=0 (fixed)
 *   $window   a paged layer's window size (unsigned)
 *   $watermark  the trace's watermark (an int, co_model_watermark)
 * Example: "$o = fdopen($fd, $mode);\n$r = $o ? 0 : -1;"
 * Registration checks every template: an unknown placeholder, one the
 * entry's effect has no value for, or a template that does not set $r (or
 * $o, for an entry that makes an object) is an error naming the entry and
 * the field.
 * Win32 targets get a Win32 program (Win32 and the C runtime only): there
 * $r is an intptr_t (a HANDLE value fits), the slots $fd names hold HANDLE
 * values (intptr_t), $variant is REPRO_VARIANT (<windows.h> declares a type
 * VARIANT), $watermark a C-runtime number, and an adapter whose templates
 * differ there selects them with #ifdef _WIN32 (harness/adapters/vfd.c).
 */
/* What a program calling a layer's C needs besides the entries' templates
 * (co_contract.repro, version 5); each NULL if nothing. */
struct co_contract_c {
  /* At file scope, after the platform's headers: the library's #includes,
   * and declarations or static helpers the templates use. Placeholders:
   * $variant, $window. Name what you declare after your layer; a static
   * helper a program does not call draws no warning. */
  const char *head;
  /* Statements at the start of main, before the program takes stock of the
   * descriptors open (as state_new runs before the executor does): the
   * library's own set-up; `return 2;` if it fails. Placeholders: $variant,
   * $window. */
  const char *init;
  /* The compiler arguments that build the program with the library, shell
   * words after "cc -std=c11 repro.c", run in the adapter's project
   * directory (closeonce's own adapters: its source tree): "-lz",
   * "-I . mylib.c" (the program may be anywhere: name the directories of
   * your headers), "$(pkg-config --cflags --libs glib-2.0)". */
  const char *build;
};

struct co_contract {
  const char *layer; /* "stdio", "zlib", ... */
  const struct co_entry *entries;
  size_t nentries;
  /* 1: the layer's objects are numbers the library allocates lowest-free
   * from 0, skipping those in use when the trace starts (the C runtime's
   * descriptors). The model predicts them; the adapter's number_of and
   * number_open report them. All numbered layers of a target share one
   * number space. */
  int numbered;
  /* 1: a descriptor pager (CO_EFF_UNPIN...): its window size and watermark
   * are the target's (struct co_glue_env). One paged layer per target. */
  int paged;
  /* Version 5, optional: what a reproducer calling this layer needs
   * (includes, set-up, the build line). */
  const struct co_contract_c *repro;
  /* Version 6, optional: what the glue's descriptor arguments and results
   * are (CO_OVER_*), checked when the adapter registers: a layer over
   * HANDLEs in a POSIX build, or over POSIX descriptors in a Windows one,
   * is refused at start-up (the kit's program exits 2 naming it).
   * CO_OVER_ANY (0): not said, not checked. */
  int over;
};
/* co_contract.over. */
#define CO_OVER_ANY 0
/* POSIX descriptors: the glue's fd arguments and results are ints from
 * open(2), dup(2)... (a POSIX build only). */
#define CO_OVER_POSIX_FD 1
/* Win32 HANDLEs: the glue receives and returns HANDLE values as int64
 * ((HANDLE)(intptr_t)fd; (int64_t)(intptr_t)h), the trace's sN slots (a
 * Windows build only). */
#define CO_OVER_WIN32_HANDLE 2
/* The C runtime's descriptors (Windows): the layer's objects are made over
 * objects of the "crt" layer (CO_EFF_WRAP, inner "crt"); the glue takes
 * the number from the source object with co_kit_crt_fd (closeonce/kit.h).
 * A Windows build only. */
#define CO_OVER_CRT_FD 3

/* What the glue gets: where files may be created, and the adapter's own
 * state for this executor. The executor makes one per layer of its target;
 * glue keeps nothing of a run anywhere else (no static objects), so that
 * executors in different threads never share anything. */
struct co_glue_env {
  int dirfd;        /* the executor's private directory */
  const char *dir;  /* its path */
  unsigned variant; /* the target's variant (planted bugs of test targets) */
  /* Paged layers: the window size, and the watermark for this trace (the
   * model's: co_model_watermark). */
  unsigned window;
  int64_t watermark;
  /* Version 4: what the adapter's state_new returned for this executor
   * (NULL if it has none). */
  void *state;
};

#define CO_ADAPTER_VERSION 7

/*
 * An adapter: a contract and the glue to the real library.
 *
 * call() performs entry e of the contract. obj is the object operand (IN
 * for LEND/DUP/DETACH/CLOSE/USE; OUT for OPEN/ADOPT/BORROW: the new object,
 * or NULL on failure). fd is the descriptor argument of adopting entries;
 * mode an index into the entry's modes; n the byte count of USE. It writes
 * out->ret: the descriptor for LEND/DUP/DETACH, n for USE, 0 otherwise; -1
 * on failure, with out->raw = errno and out->err its normalized name (or
 * CO_OTHER if the entry does not set errno). After CLOSE and DETACH the
 * object is gone, whatever the result.
 */
struct co_adapter {
  int version; /* CO_ADAPTER_VERSION */
  const struct co_contract *contract;
  void (*call)(const struct co_glue_env *env, unsigned e, unsigned mode,
               void **obj, int64_t fd, int32_t n, struct co_outcome *out);
  /* The descriptor an object holds now, or -1 if the library does not say.
   * May be NULL. */
  int64_t (*handle_of)(void *obj);
  /* Version 2. Entries with two objects (DUP_OBJ, DUP2_OBJ, WRAP): src is
   * oK; *dst is OUT for DUP_OBJ and WRAP (the new object, NULL on failure)
   * and IN/OUT for DUP2_OBJ (the target, which stays an object whatever the
   * result). out as for call(). Needed if the contract has such entries. */
  void (*call2)(const struct co_glue_env *env, unsigned e, unsigned mode,
                void *src, void **dst, struct co_outcome *out);
  /* Numbered layers: the number an object is (a wrapper: the number of the
   * object it wraps), or -1; and whether number n is in use now (an
   * observation: no side effect, no invalid-parameter report). */
  int64_t (*number_of)(void *obj);
  int (*number_open)(int64_t n);
  /* Version 3, paged layers: the window descriptor an object has paged in
   * now, or -1 (an observation: no paging). Win32: its C-runtime number. */
  int64_t (*window_of)(void *obj);
  /* Version 4, optional: the adapter's per-executor state (counters, a
   * pager instance, a library's event loop), made when the executor of a
   * target with this layer is created, with env's dir and variant
   * (env->state is NULL then), before the executor takes stock of the
   * process's descriptors (the state's own descriptors are the process's,
   * not the trace's), and freed with it by state_free. Nothing of it is
   * made at program start, so one library's start-up cannot break another
   * target. Returns 0 and sets *state (NULL allowed), or -1 with the reason
   * in err, which starts with the library's name ("libuv: ..."): the executor
   * is not created, and the command line exits 2 naming the target and the
   * reason. An object that handle_of, number_of or window_of needs the state
   * for must lead to it (those get only the object). An executor made by
   * co_exec_new (no target) makes a layer's state at that layer's first
   * call instead: there a state must open no descriptor, and one that
   * cannot be made is the trace's harness-error verdict. */
  int (*state_new)(const struct co_glue_env *env, void **state /* OUT */,
                   char *err, size_t cap);
  void (*state_free)(void *state);
  /* Version 5, optional: called by the executor before every trace, for
   * every layer of the target (env as for call(), env->state the layer's
   * state), before the executor checks that the numbers the trace may name
   * are free. It puts the library back as it was before the first trace:
   * what a library keeps across calls in the process (a pool, a cache, a
   * counter, a lazily made loop) and the adapter's own state, so that no
   * trace depends on the ones before it. The objects of the last trace are
   * gone by then (teardown closed them). A descriptor it opens or closes is
   * taken as the process's, not the trace's. NULL: nothing is reset (each
   * trace then sees what the earlier ones left; `fuzz --isolate` runs each
   * trace in a fresh process instead). */
  void (*reset)(const struct co_glue_env *env);
  /* Version 7, optional (issue 21, docs/faults.md): the library's code, to
   * see inside it: the file names (prefixes: "libz.so.1") of the shared
   * objects whose own descriptor calls are the library's, NULL-terminated.
   * Their calls made while one of this layer's entry points runs are
   * logged for the step (`explain` lists them), checked against what the
   * model says each descriptor is (a close of the client's descriptor is
   * named at that call: "BZ2_bzclose -> close(5)"), and can be failed by
   * the trace (`fail CALL ERR N`). On Windows, DLL names ("hlib.dll").
   * NULL: the library is seen from outside only. */
  const char *const *objects;
  /* Version 7, optional: the families of calls (harness/ipose.h: 1 << the
   * family) whose failure the library does not report but dies of: never
   * failed inside it. GLib's g_malloc aborts when an allocation fails
   * ("the application is terminated"), libarchive exits: their
   * allocations are not faulted. 0: every family. */
  unsigned nofault;
};
/* co_adapter.nofault: the library's allocations (malloc, calloc, realloc,
 * fdopen's), the family `fail malloc` names. */
#define CO_NOFAULT_ALLOC (1u << 10)
/* For programs that call an adapter's glue themselves (the executor does
 * this for targets): make a's state into env->state (NULL if a has none).
 * Returns 0, or -1 with state_new's reason in err (env->state NULL).
 * co_glue_stop frees what co_glue_start made. */
int co_glue_start(struct co_glue_env *env, const struct co_adapter *a,
                  char *err, size_t cap);
void co_glue_stop(struct co_glue_env *env, const struct co_adapter *a);
/* A contract's paged flag (read only from version-3 adapters). */
int co_adapter_paged(const struct co_adapter *a);

/* For glue: the outcome of a C call that returned r (< 0: failure) with
 * errno e: ret is r or -1, raw is e on failure, err its normalized name. */
void co_outcome_from_c(struct co_outcome *out, long r, int e);
/* For glue of a library whose failures do not say why (no reliable errno):
 * ret is r or -1, a failure compares as CO_OTHER, raw (the library's own
 * code, or errno) is kept for the report. */
void co_outcome_failed_if(struct co_outcome *out, long r, int raw);
/* A success returning v, even a negative one (a lent descriptor of an
 * object made over -1). */
void co_outcome_value(struct co_outcome *out, long v);

/* The registry. The built-in adapters are registered once, before any
 * lookup answers (thread-safe); a user's adapter is added with
 * co_adapter_register while the program starts, before its first executor.
 * Creating an executor freezes the registry (co_registry_freeze): from then
 * on it is read-only, lookups are safe from any thread, and registering
 * fails. Entry ids are global and stable for the life of the process. */
#define CO_ENTRIES_MAX 255
/* Returns 0, or -1 if the registry is frozen or full, a name is taken, or
 * the adapter is malformed (message in err). Not thread-safe: call it
 * before starting threads that use closeonce. */
int co_adapter_register(const struct co_adapter *a, char *err, size_t cap);
/* Make the registry read-only (idempotent, thread-safe). */
void co_registry_freeze(void);
/* 1 once frozen. */
int co_registry_frozen(void);
/* The adapter by layer name, or NULL. */
const struct co_adapter *co_adapter_find(const char *layer);
/* Entry id by name, or -1. */
int co_entry_find(const char *name, size_t len);
/* An entry resolved once, when its adapter registers: what a step of a
 * call needs, from one lookup by id (co_entry_ref). */
struct co_entry_ref {
  const struct co_entry *e;
  const struct co_adapter *adapter;
  unsigned index;  /* in its adapter's contract */
  unsigned nmodes; /* co_entry_nmodes */
  /* the call's shape (closeonce/trace.h): 1 binds an object slot, 2 a
   * descriptor slot, 0 nothing (co_call_binds); 1 if it names a target
   * object (co_call_target); its number references (co_op_nrefs); 1 if it
   * names an object operand (co_op_has_obj) */
  uint8_t binds, target, nrefs, has_obj;
  /* 1 if the glue takes two objects (DUP_OBJ, DUP2_OBJ, WRAP: call2) */
  uint8_t two;
  /* the id of its adapter's first entry (co_adapter_first_entry) */
  int first;
};
/* The resolved entry of an id, or NULL if out of range. */
const struct co_entry_ref *co_entry_ref(unsigned id);
/* Entry by id (NULL if out of range); *adapter and *index if non-NULL. */
const struct co_entry *
co_entry_get(unsigned id, const struct co_adapter **adapter, unsigned *index);
/* The number of mode strings of an entry. */
unsigned co_entry_nmodes(const struct co_entry *e);
/* The id of an adapter's first entry (its entries are consecutive). */
int co_adapter_first_entry(const struct co_adapter *a);

/* The built-in adapters (the test fixtures' demo and wio are declared in
 * harness/adapters/fixtures.h: not in the installed library). */
extern const struct co_adapter co_adapter_stdio;
extern const struct co_adapter co_adapter_zlib;
/* Linux builds (evdir): glibc's directory streams over a directory
 * descriptor (fdopendir, dirfd, closedir). */
extern const struct co_adapter co_adapter_dirent;
/* Windows builds: the C runtime's descriptors over HANDLEs, and its
 * streams over those descriptors. */
extern const struct co_adapter co_adapter_crt;
extern const struct co_adapter co_adapter_crt_stdio;
/* The descriptor pager (pager/vfd.h), a paged layer: every build. */
extern const struct co_adapter co_adapter_vfd;

#endif
