/*
 * libsndfile (Debian 12: 1.2.0) over a caller's descriptor: sf_open_fd
 * with close_desc TRUE and FALSE, sf_write_short, sf_write_raw, sf_close,
 * through the public kit only.
 *
 * Contract, from the API page (libsndfile.github.io/libsndfile/api.html,
 * "File Descriptor Open") and sndfile.h:
 *  - sf_open_fd(fd, mode, &info, close_desc): "When sf_close() is called,
 *    the file descriptor is only closed if the close_desc parameter was
 *    TRUE"; sndfile.h: "If close_desc is TRUE, the file descriptor will be
 *    closed when sf_close() is called. If it is FALSE, the descriptor will
 *    not be closed." "On fail, the sf_open_fd() function returns a NULL
 *    pointer." So FALSE borrows (CO_EFF_BORROW): the descriptor stays the
 *    caller's, whatever happens. What TRUE does on failure the page does
 *    not say; the library closes it on every failure path (sndfile.c: the
 *    early returns close it, psf_open_file's error exit goes through
 *    psf_close; made so in 1.0.31 for libsndfile issue #278, "a user can't
 *    know if they need to close fd on their own on error"): it takes the
 *    descriptor whatever happens (CO_EFF_ADOPT).
 *    In 1.2.0 a failed sf_open_fd closes the descriptor with close_desc
 *    FALSE too: sf_open_fd sets do_not_close_descriptor only after
 *    psf_open_file succeeded, and psf_open_file's error exit has closed it
 *    by then (libsndfile issues #948, #949; fixed in 1.2.1 by #950):
 *    reports/findings/sndfile-open-fd-fail-closes-borrowed.md.
 *  - the modes (the mode word picks sf_open_fd's mode and SF_INFO; mono,
 *    8000 Hz): "wau" SFM_WRITE, SF_FORMAT_AU|PCM_16 (writes its header at
 *    open; works on pipes: au.c writes an unknown data length there);
 *    "wraw" SFM_WRITE, RAW|PCM_16 (no header: nothing is written at open);
 *    "wwav" SFM_WRITE, WAV|PCM_16 (refuses pipes and sockets: wav.c
 *    SFE_NO_PIPE_WRITE); "r" SFM_READ, the format detected from the
 *    header (reads at open: an empty or unknown file fails, "Format not
 *    recognised"); "rraw" SFM_READ, RAW|PCM_16 (reads nothing at open).
 *    A descriptor that is not open fails every mode (fstat, lseek or the
 *    header write fail), as does a write mode with a header over a
 *    read-only one.
 *  - sf_write_short(s, buf, n): n items (samples; mono, so frames): 2n
 *    bytes through psf_fwrite, one write(2) and no buffer (file_io.c); on
 *    a reading object it fails without a system call;
 *  - sf_write_raw(s, buf, n): n bytes, "an integer multiple of the number
 *    of channels multiplied by the number of bytes required to represent
 *    one sample": an odd n fails without a system call;
 *  - sf_close: "closes the file, deallocates its internal buffers and
 *    returns 0 on success or an error value otherwise". It rewrites the
 *    header of a seekable file (seek, write), then psf_fclose closes the
 *    descriptor if close_desc was TRUE; it returns psf_fclose's result
 *    only (sndfile.c psf_close), and psf_close_fd retries a close that
 *    failed with EINTR, on Linux a second close of a freed number.
 * No sf_command touches the descriptor's ownership (SFC_UPDATE_HEADER_NOW
 * writes, SFC_FILE_TRUNCATE truncates; none closes, dups or returns it),
 * and no call returns the descriptor: no handle_of.
 * Ownership first (CO_IO_AS_RUN, as buflib's, the shape it was made
 * after): the header write at open, the embedded-file offset logic
 * (sf_open_fd in write mode at a non-zero offset seeks to the end) and the
 * header rewrite at close are taken as they ran; what they mean for
 * ownership is checked at each step. Making an object in "r" reads a
 * header of a length the model does not know (CO_IO_READS): in a reading
 * mode ("r", and "rraw" with it: the rule looks at the mode's access), over
 * a pipe or socket that still has a writer, the step is refused as a read
 * that would wait. libsndfile's errors are its own codes (sf_error):
 * failures compare as "failed".
 */
#include <errno.h>
#include <sndfile.h>
#include <string.h>

#include <closeonce/contract.h>
#include <closeonce/error.h>

#include "libs.h"

static const struct co_mode modes[] = {
    {.name = "wau", .valid = 1, .needs = CO_NEED_WRITE},
    {.name = "wraw", .valid = 1, .needs = CO_NEED_WRITE},
    {.name = "wwav", .valid = 1, .needs = CO_NEED_WRITE},
    {.name = "r", .valid = 1, .needs = CO_NEED_READ},
    {.name = "rraw", .valid = 1, .needs = CO_NEED_READ},
    {.name = NULL}};

/* The glue's sf_open_fd, for the reproducer too: mode word k (modes[])
 * as sf_open_fd's mode and SF_INFO. */
#define SNDFILE_OPEN_C                                                         \
  "static inline SNDFILE *sndfile_open(int fd, unsigned k, int close_desc) "   \
  "{\n"                                                                        \
  "  static const int format[] = {\n"                                          \
  "      SF_FORMAT_AU | SF_FORMAT_PCM_16, SF_FORMAT_RAW | SF_FORMAT_PCM_16,\n" \
  "      SF_FORMAT_WAV | SF_FORMAT_PCM_16, 0, SF_FORMAT_RAW | "                \
  "SF_FORMAT_PCM_16};\n"                                                       \
  "  SF_INFO info;\n"                                                          \
  "  memset(&info, 0, sizeof info);\n"                                         \
  "  info.format = format[k];\n"                                               \
  "  info.channels = 1;\n"                                                     \
  "  info.samplerate = 8000;\n"                                                \
  "  return sf_open_fd(fd, k < 3 ? SFM_WRITE : SFM_READ, &info, "              \
  "close_desc);\n"                                                             \
  "}"

static SNDFILE *sndfile_open(int fd, unsigned k, int close_desc) {
  static const int format[] = {
      SF_FORMAT_AU | SF_FORMAT_PCM_16, SF_FORMAT_RAW | SF_FORMAT_PCM_16,
      SF_FORMAT_WAV | SF_FORMAT_PCM_16, 0, SF_FORMAT_RAW | SF_FORMAT_PCM_16};
  SF_INFO info;
  memset(&info, 0, sizeof info);
  info.format = format[k];
  info.channels = 1;
  info.samplerate = 8000;
  return sf_open_fd(fd, k < 3 ? SFM_WRITE : SFM_READ, &info, close_desc);
}

enum { OPEN_CLOSE, OPEN_NOCLOSE, WRITE_SHORT, WRITE_RAW, CLOSE };

#define API "libsndfile api.html (File Descriptor Open); sndfile.h: "
static const struct co_entry entries[] = {
    [OPEN_CLOSE] = {.name = "sf_open_fd_close",
                    .effect = CO_EFF_ADOPT,
                    .io = CO_IO_AS_RUN | CO_IO_READS,
                    .modes = modes,
                    .source = API "close_desc TRUE: closed by sf_close; on "
                                  "failure sndfile.c closes it (issue #278)",
                    .c = "$o = sndfile_open($fd, $modeno, SF_TRUE);\n"
                         "$r = $o ? 0 : -1;"},
    [OPEN_NOCLOSE] = {.name = "sf_open_fd_noclose",
                      .effect = CO_EFF_BORROW,
                      .io = CO_IO_AS_RUN | CO_IO_READS,
                      .modes = modes,
                      .source = API "close_desc FALSE: \"the descriptor will "
                                    "not be closed\"",
                      .c = "$o = sndfile_open($fd, $modeno, SF_FALSE);\n"
                           "$r = $o ? 0 : -1;"},
    [WRITE_SHORT] = {.name = "sf_write_short",
                     .effect = CO_EFF_USE,
                     .io = CO_IO_AS_RUN,
                     .source = "api.html (File Write Functions): n items, "
                               "2n bytes; file_io.c psf_fwrite: write(2)",
                     .c =
                         "$r = (long)sf_write_short($o, sndfile_zeros(), $n);\n"
                         "if ($r < $n)\n"
                         "  $r = -1;"},
    [WRITE_RAW] = {.name = "sf_write_raw",
                   .effect = CO_EFF_USE,
                   .io = CO_IO_AS_RUN,
                   .source = "api.html (Raw File Read and Write): n bytes, a "
                             "multiple of the frame size",
                   .c = "$r = (long)sf_write_raw($o, $buf, $n);\n"
                        "if ($r < $n)\n"
                        "  $r = -1;"},
    [CLOSE] = {.name = "sf_close",
               .effect = CO_EFF_CLOSE,
               .io = CO_IO_AS_RUN,
               .source = API "closes the descriptor only if close_desc was "
                             "TRUE; 0 or an error number",
               .c = "$r = sf_close($o) ? -1 : 0;"},
};

/* The reproducer's C (closeonce/contract.h): the glue's calls. */
static const struct co_contract_c repro = {
    .head = "#include <sndfile.h>\n"
            "#include <string.h>\n"
            "\n"
            "static inline const short *sndfile_zeros(void) {\n"
            "  static const short zeros[256];\n"
            "  return zeros;\n"
            "}\n"
            "\n" SNDFILE_OPEN_C,
    .build = "$(pkg-config --cflags --libs sndfile)"};

static const struct co_contract contract = {.layer = "sndfile",
                                            .entries = entries,
                                            .nentries = sizeof entries /
                                                        sizeof *entries,
                                            .repro = &repro,
                                            .over = CO_OVER_POSIX_FD};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const short zeros[256]; /* items for sf_write_short */
  SNDFILE *s = *obj;
  long r = -1;
  (void)env;
  errno = 0;
  switch (e) {
  case OPEN_CLOSE:
  case OPEN_NOCLOSE:
    *obj = sndfile_open((int)fd, mode, e == OPEN_CLOSE ? SF_TRUE : SF_FALSE);
    r = *obj ? 0 : -1;
    break;
  case WRITE_SHORT:
    r = (long)sf_write_short(s, zeros, n);
    if (r < n)
      r = -1;
    break;
  case WRITE_RAW:
    r = (long)sf_write_raw(s, zeros, n);
    if (r < n)
      r = -1;
    break;
  case CLOSE:
    r = sf_close(s) ? -1 : 0;
    *obj = NULL;
    break;
  }
  co_outcome_failed_if(out, r, errno);
}

/* libsndfile's own descriptor calls (file_io.c: read, write, lseek, fstat,
 * close) are made from its shared object (issue 21: the interposer's). */
static const char *const objects[] = {"libsndfile.so.1", NULL};

const struct co_adapter co_lib_sndfile = {.version = CO_ADAPTER_VERSION,
                                          .contract = &contract,
                                          .call = glue,
                                          .objects = objects};
