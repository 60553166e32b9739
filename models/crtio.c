/*
 * The C runtime's reads, writes and translation modes (docs/crt.md#read,
 * #write, #setmode): what _write stores for the glue's bytes in each mode,
 * what _read and fread return from a file's bytes (the content fdtable.c
 * keeps), the end-of-file flag, _setmode and _doserrno. The rules are
 * UCRT's (lowio/read.cpp, write.cpp, setmode.cpp); Wine's differences are
 * profile hooks (quirks.c).
 */
#include <string.h>

#include "model_internal.h"

#define TEXTBITS (CO_OWN_TEXT | CO_OWN_UTF16 | CO_OWN_UTF8)
#define UNICODE (CO_OWN_UTF16 | CO_OWN_UTF8)
#define LF 0x0a
#define CR 0x0d
#define CTRLZ 0x1a

/* The glue writes n LF bytes (harness/win32/crt.c). What the file gets:
 * binary and UTF-16 modes the bytes (UTF-16: n/2 units 0x0a0a, none of
 * them a wide LF); ANSI text CR LF for each; UTF-8 the UTF-8 form of each
 * unit U+0A0A (E0 A8 8A). Returns the stored length, at most 3 * 255. */
static int64_t crt_stored(unsigned own, int32_t n, uint8_t *buf) {
  int32_t i;
  if (!(own & CO_OWN_TEXT) || (own & CO_OWN_UTF16)) {
    memset(buf, LF, (size_t)n);
    return n;
  }
  if (own & CO_OWN_UTF8) {
    for (i = 0; i < n / 2; i++) {
      buf[3 * i] = 0xe0;
      buf[3 * i + 1] = 0xa8;
      buf[3 * i + 2] = 0x8a;
    }
    return 3 * (int64_t)(n / 2);
  }
  for (i = 0; i < n; i++) {
    buf[2 * i] = CR;
    buf[2 * i + 1] = LF;
  }
  return 2 * (int64_t)n;
}

/* _write's effect on the description once it reaches WriteFile (UCRT
 * write.cpp): the stored bytes at the offset; returns n (0 here). */
int co__crt_write(struct co_model *m, struct ofdent *d, unsigned own, int32_t n,
                  struct co_outcome *pred) {
  uint8_t buf[3 * 256];
  (void)pred;
  co__ofd_write_bytes(m, d, buf, crt_stored(own, n, buf));
  return 0;
}

/* What _dup and _dup2 copy of the translation flags besides the text and
 * append flags (UCRT dup.cpp copies _osfile, FEOFLAG with it, and
 * _textmode; Wine's msvcrt_set_fd keeps only the open, inherit, append,
 * text, pipe and tty bits, so its copy loses the end-of-file flag and the
 * Unicode kind: docs/wine.md#text-modes). */
void co__crt_dup_flags(const struct co_model *m, const struct objent *o,
                       struct objent *d) {
  d->eof = m->hook.dup_keeps_unicode ? o->eof : 0;
  if (!m->hook.dup_keeps_unicode)
    d->own &= (uint8_t)~UNICODE;
}

/* One unit (1 byte, or 2 little-endian in UTF-16) at p. */
static unsigned unit_at(const uint8_t *p, int u) {
  return u == 2 ? (unsigned)p[0] | (unsigned)p[1] << 8 : p[0];
}
static void unit_put(uint8_t *p, int u, unsigned v) {
  p[0] = (uint8_t)v;
  if (u == 2)
    p[1] = (uint8_t)(v >> 8);
}

/* Text translation of the k bytes at in (UCRT read.cpp
 * translate_text_mode_nolock, Wine read_i): CR LF becomes LF, Ctrl+Z ends
 * the file (sets the flag, the rest of what was read is dropped); a CR
 * that ends the buffer looks at the next unit of the file (b, size,
 * *off past the buffer): at the end of the file it stays; an LF is taken
 * if nothing was translated yet, else the CR is dropped and the offset
 * stays on the LF; anything else: the CR stays. Returns the output
 * length, -1 if the next unit is not known. */
static int64_t translate(const uint8_t *b, int64_t size, int64_t *off,
                         const uint8_t *in, int64_t k, int u, uint8_t *out,
                         uint8_t *eof) {
  int64_t i = 0, j = 0, units = k / u;
  while (i < units) {
    unsigned c = unit_at(in + i * u, u);
    if (c == CTRLZ) {
      *eof = 1;
      break;
    }
    if (c != CR) {
      unit_put(out + j++ * u, u, c);
      i++;
      continue;
    }
    if (i + 1 < units) {
      int lf = unit_at(in + (i + 1) * u, u) == LF;
      unit_put(out + j++ * u, u, lf ? LF : CR);
      i += lf ? 2 : 1;
      continue;
    }
    i++;
    if (size - *off <= 0) {
      unit_put(out + j++ * u, u, CR);
      continue;
    }
    if (!b || size - *off < u)
      return -1;
    if (unit_at(b + *off, u) == LF && j == 0) {
      unit_put(out + j++ * u, u, LF);
      *off += u;
    } else if (unit_at(b + *off, u) != LF) {
      unit_put(out + j++ * u, u, CR);
    }
  }
  return j * u;
}

/* One _read of n bytes through descriptor object k (UCRT read.cpp
 * _read_nolock). Returns the count (the bytes in out), -1 with *pred
 * failed, or -2 when the model cannot know (pred->ret CO_RET_ANY). */
static int64_t read_once(struct co_model *m, struct objent *k, int32_t n,
                         int errs, int doserrno, uint8_t *out,
                         struct co_outcome *pred, struct co_aftermath *t) {
  struct ofdent *o;
  const struct co__content *f;
  int64_t size, avail, r;
  uint8_t raw[256];
  if (n == 0 || k->eof == 1)
    return 0;
  if (k->eof) /* 2: not known, after a read the model did not follow */
    return -2;
  if ((k->own & UNICODE) && (n & 1)) {
    co__fail(pred, m->hook.text_param_err(errs ? CO_EINVAL : CO_OTHER));
    return -1;
  }
  co__touch(t, k->hold.num);
  if (!co__is_live(m, k->hold.num) ||
      co__ofd_of(m, k->hold.num)->acc == CO_F_ACC_WRONLY) {
    /* ReadFile fails: EBADF, _doserrno the Win32 error (read.cpp) */
    int live = co__is_live(m, k->hold.num);
    co__fail(pred, errs ? CO_EBADF : CO_OTHER);
    pred->data = live ? CO__ERROR_ACCESS_DENIED : CO__ERROR_INVALID_HANDLE;
    pred->dmask = doserrno ? ~(uint64_t)0 : 0;
    return -1;
  }
  o = co__ofd_of(m, k->hold.num);
  t->offset_num = k->hold.num;
  size = m->fsize[o->file];
  f = &m->content[o->file];
  if (o->off < 0 || size < 0 ||
      (k->own & (CO_OWN_TEXT | CO_OWN_UTF8)) == (CO_OWN_TEXT | CO_OWN_UTF8)) {
    o->off = -1;            /* unknown, or UTF-8 text: not predicted */
    if (m->hook.eof_sticky) /* (it may have met the end: Wine's flag) */
      k->eof = 2;
    return -2;
  }
  avail = size - o->off;
  avail = avail < 0 ? 0 : avail > n ? n : avail;
  if (avail == 0) {
    k->eof |= m->hook.eof_sticky;
    return 0;
  }
  if (f->lost) {
    if (k->own & CO_OWN_TEXT) {
      o->off = -1;
      return -2;
    }
    o->off += avail;
    pred->ret = avail;
    return -3; /* the count, not the bytes */
  }
  memcpy(raw, f->b + o->off, (size_t)avail);
  o->off += avail;
  if (!(k->own & CO_OWN_TEXT)) {
    memcpy(out, raw, (size_t)avail);
    return avail;
  }
  r = translate(f->b, size, &o->off, raw, avail, k->own & CO_OWN_UTF16 ? 2 : 1,
                out, &k->eof);
  if (r < 0)
    o->off = -1;
  return r < 0 ? -2 : r;
}

/* fread through a stream whose descriptor is in a Unicode mode: its first
 * _read is of the even part of the count (UCRT fread.cpp reads what is a
 * multiple of the stream's 2-byte buffer directly; Wine the same, as
 * observed): its failure or its 0 is fread's result; after bytes, and for
 * a count of 1 (the stream's buffer), not predicted (docs/crt.md#fread). */
static void unicode_fread(struct co_model *m, struct objent *k, int32_t n,
                          int errs, struct co_outcome *pred,
                          struct co_aftermath *t) {
  uint8_t out[256];
  int64_t r = n < 2 ? 1 : read_once(m, k, n & ~1, errs, 0, out, pred, t);
  if (r == -1) {
    pred->data = pred->dmask = 0;
    return;
  }
  if (r == 0) {
    pred->ret = 0;
    pred->data = co_bytes_digest(out, 0);
    pred->dmask = ~(uint64_t)0;
    return;
  }
  if (co__is_live(m, k->hold.num))
    co__ofd_of(m, k->hold.num)->off = -1;
  pred->ret = CO_RET_ANY;
  pred->data = pred->dmask = 0;
}

/* READ: _read of N bytes; a stream's fread repeats it until N came or one
 * returned 0 or failed (an unbuffered stream reads through _read, UCRT
 * stdio/fread.cpp); a failure before any byte is fread's, with its
 * _read's errno. The bytes' digest is the data. */
void co__crt_read(struct co_model *m, struct co__callctx *x,
                  struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o, *k = o;
  uint8_t out[256];
  int64_t got = 0, r;
  int32_t n = x->c->n;
  int stream = !o->nb.on;
  t->obj = x->op->obj % CO_OBJS;
  m->lastread_n = -1;
  if (!stream && !o->live) {
    /* a closed descriptor, its number free (docs/crt.md#stale): UCRT
     * read.cpp validates FOPEN first, EBADF after the handler, _doserrno
     * cleared; Wine's read_i returns 0 for a count of 0 before it looks at
     * the descriptor, then EBADF (docs/wine.md#badfd-no-iph) */
    if (n == 0 && m->hook.read0_before_fd) {
      pred->ret = 0;
      return;
    }
    co__fail(pred, m->hook.badfd_err(x->errs ? CO_EBADF : CO_OTHER));
    pred->data = 0;
    pred->dmask = x->e->io & CO_IO_DOSERRNO ? ~(uint64_t)0 : 0;
    return;
  }
  if (stream) {
    int in = co__inner_of(m, o);
    if (in < 0 || !(o->needs & CO_NEED_READ)) {
      /* a stream not made for reading (fdopen "w"): not predicted
       * (docs/crt.md#fread) */
      pred->ret = CO_RET_ANY;
      return;
    }
    k = &m->obj[in];
    if (k->own & UNICODE) {
      unicode_fread(m, k, n, x->errs, pred, t);
      return;
    }
  }
  do {
    r = read_once(m, k, n - (int32_t)got, x->errs,
                  !stream && (x->e->io & CO_IO_DOSERRNO), out + got, pred, t);
    if (r == -2 || r == -3) {
      if (r == -2 || stream)
        pred->ret = CO_RET_ANY;
      pred->data = pred->dmask = 0;
      return;
    }
    if (r < 0) {
      if (stream && got) /* fread returns what it had */
        break;
      if (stream) /* its _read's errno; _doserrno not predicted */
        pred->data = pred->dmask = 0;
      return;
    }
    got += r;
  } while (stream && r > 0 && got < n);
  pred->ret = got;
  pred->err = CO_OK;
  pred->data = co_bytes_digest(out, (size_t)got);
  pred->dmask = ~(uint64_t)0;
  memcpy(m->lastread, out, (size_t)got);
  m->lastread_n = (int16_t)got;
}

long co_model_last_read(const struct co_model *m, uint8_t *buf, size_t cap) {
  size_t n = m->lastread_n < 0 ? 0 : (size_t)m->lastread_n;
  if (m->lastread_n < 0)
    return -1;
  memcpy(buf, m->lastread, n < cap ? n : cap);
  return (long)n;
}

/* SETMODE: _setmode (UCRT setmode.cpp; Wine _setmode). The mode is
 * checked first (EINVAL), then the descriptor (EBADF: a closed one, its
 * number free; under Wine the freed slot takes the mode); returns the index of
 * the first valid mode word with the descriptor's flags: binary when not in
 * text mode, else its kind (UTF-16 for _O_WTEXT and _O_U16TEXT alike). */
void co__crt_setmode(struct co_model *m, struct co__callctx *x,
                     struct co_outcome *pred, struct co_aftermath *t) {
  struct objent *o = x->o;
  const struct co_mode *md;
  unsigned prev, set;
  int i;
  t->obj = x->op->obj % CO_OBJS;
  if (!x->md->valid) {
    co__fail(pred, m->hook.text_param_err(x->errs ? CO_EINVAL : CO_OTHER));
    return;
  }
  if (!o->live && !m->hook.setmode_closed_slot) {
    co__fail(pred, m->hook.text_param_err(x->errs ? CO_EBADF : CO_OTHER));
    return;
  }
  prev = o->own & CO_OWN_TEXT ? o->own & TEXTBITS : 0;
  if ((prev & CO_OWN_UTF8) && m->hook.u8_as_wtext)
    prev = CO_OWN_TEXT | CO_OWN_UTF16;
  pred->ret = -1;
  for (i = 0, md = x->e->modes; md && md->name; md++, i++)
    if (md->valid && (md->own & TEXTBITS) == prev) {
      pred->ret = i;
      break;
    }
  set = x->md->own & TEXTBITS;
  if (!(set & CO_OWN_TEXT))
    set = m->hook.binary_keeps_unicode ? o->own & UNICODE : 0;
  o->own = (uint8_t)((o->own & ~TEXTBITS) | set);
}
