/*
 * OpenSSL's file-descriptor BIO (OpenSSL 3.0, Debian 12: 3.0.19), through
 * the public kit only (closeonce/contract.h): a worked example of a
 * library whose ownership is chosen by a flag.
 *
 * Contract, from BIO_s_fd(3) (OpenSSL 3.0):
 *  - "BIO_new_fd() returns a file descriptor BIO using fd and close_flag":
 *    with BIO_CLOSE "the file descriptor is closed when the BIO is freed"
 *    (BIO_set_close(3)): the BIO owns fd; with BIO_NOCLOSE the caller keeps
 *    it. The descriptor is not checked: any int is taken, -1 included
 *    (bss_fd.c fd_new/fd_ctrl BIO_C_SET_FD store it).
 *  - "BIO_get_fd() ... returns the file descriptor" or -1 if the BIO is not
 *    initialized: a loan, the BIO keeps owning it.
 *  - BIO_write(3) on a descriptor BIO is one write(2) ("I/O ... is
 *    performed directly on the file descriptor"), -1 with errno on error.
 *  - BIO_free(3) "returns 1 for success and 0 for failure"; for a fd BIO,
 *    fd_free closes the descriptor when BIO_CLOSE is set and does not look
 *    at close(2)'s result (bss_fd.c): BIO_free returns 1 even when the close
 *    fails. Declared CO_IO_SILENT; see
 * reports/findings/openssl-bio-free-hides-close-error.md.
 * And its socket BIO, from BIO_s_socket(3): "BIO_new_socket() returns a
 * socket BIO using sock and close_flag", with BIO_get_fd, BIO_write and
 * BIO_free as for a descriptor BIO (bss_sock.c: sock_new/sock_ctrl store
 * the int unchecked; sock_write is one writesocket(), write(2) on Unix, so
 * any kind works; sock_free closes with BIO_closesocket when BIO_CLOSE is
 * set and ignores its result). BIO_new_socket takes every kind.
 */
#include <errno.h>
#include <openssl/bio.h>

#include <closeonce/contract.h>
#include <closeonce/error.h>

#include "libs.h"

enum { NEW_CLOSE, NEW_NOCLOSE, GET_FD, WRITE, FREE, SOCK_CLOSE, SOCK_NOCLOSE };

static const struct co_entry entries[] = {
    [NEW_CLOSE] = {.name = "BIO_new_fd_close",
                   .effect = CO_EFF_ADOPT_ON_SUCCESS,
                   .checks = CO_CHK_ANY,
                   .sets_errno = 1,
                   .source = "BIO_s_fd(3), BIO_set_close(3): BIO_new_fd(fd, "
                             "BIO_CLOSE) owns fd; bss_fd.c: fd not checked",
                   .c = "$o = BIO_new_fd($fd, BIO_CLOSE);\n$r = $o ? 0 : -1;"},
    [NEW_NOCLOSE] = {.name = "BIO_new_fd_noclose",
                     .effect = CO_EFF_BORROW,
                     .checks = CO_CHK_ANY,
                     .sets_errno = 1,
                     .source = "BIO_s_fd(3): BIO_new_fd(fd, BIO_NOCLOSE) "
                               "leaves fd with the caller",
                     .c = "$o = BIO_new_fd($fd, BIO_NOCLOSE);\n"
                          "$r = $o ? 0 : -1;"},
    [GET_FD] = {.name = "BIO_get_fd",
                .effect = CO_EFF_LEND,
                .sets_errno = 1,
                .source = "BIO_s_fd(3): BIO_get_fd returns the descriptor; "
                          "the BIO keeps it",
                .c = "$r = BIO_get_fd((BIO *)$o, NULL);"},
    [WRITE] = {.name = "BIO_write",
               .effect = CO_EFF_USE,
               .sets_errno = 1,
               .source = "BIO_s_fd(3): I/O directly on the descriptor "
                         "(bss_fd.c fd_write: one write(2))",
               .c = "$r = BIO_write($o, $buf, $n);\n"
                    "if ($r < 0)\n"
                    "  $r = -1;"},
    [FREE] = {.name = "BIO_free",
              .effect = CO_EFF_CLOSE,
              .io = CO_IO_SILENT,
              .sets_errno = 1,
              .source = "BIO_free(3), bss_fd.c fd_free: closes fd if "
                        "BIO_CLOSE; close(2)'s result is ignored, returns 1",
              .c = "$r = BIO_free($o) == 1 ? 0 : -1;"},
    [SOCK_CLOSE] = {.name = "BIO_new_socket_close",
                    .effect = CO_EFF_ADOPT_ON_SUCCESS,
                    .checks = CO_CHK_ANY,
                    .sets_errno = 1,
                    .source = "BIO_s_socket(3), BIO_set_close(3): "
                              "BIO_new_socket(sock, BIO_CLOSE) owns sock; "
                              "bss_sock.c: not checked",
                    .c = "$o = BIO_new_socket($fd, BIO_CLOSE);\n"
                         "$r = $o ? 0 : -1;"},
    [SOCK_NOCLOSE] = {.name = "BIO_new_socket_noclose",
                      .effect = CO_EFF_BORROW,
                      .checks = CO_CHK_ANY,
                      .sets_errno = 1,
                      .source = "BIO_s_socket(3): BIO_new_socket(sock, "
                                "BIO_NOCLOSE) leaves sock with the caller",
                      .c = "$o = BIO_new_socket($fd, BIO_NOCLOSE);\n"
                           "$r = $o ? 0 : -1;"},
};

/* The reproducer's C (closeonce/contract.h): the glue's calls. */
static const struct co_contract_c repro = {
    .head = "#include <openssl/bio.h>",
    .build = "$(pkg-config --cflags --libs libcrypto)"};

static const struct co_contract contract = {
    .layer = "openssl", .entries = entries, .nentries = 7, .repro = &repro};

static void glue(const struct co_glue_env *env, unsigned e, unsigned mode,
                 void **obj, int64_t fd, int32_t n, struct co_outcome *out) {
  static const char buf[256];
  BIO *b = *obj;
  long r = -1;
  (void)env;
  (void)mode;
  errno = 0;
  switch (e) {
  case NEW_CLOSE:
  case NEW_NOCLOSE:
    b = BIO_new_fd((int)fd, e == NEW_CLOSE ? BIO_CLOSE : BIO_NOCLOSE);
    *obj = b;
    r = b ? 0 : -1;
    break;
  case SOCK_CLOSE:
  case SOCK_NOCLOSE:
    b = BIO_new_socket((int)fd, e == SOCK_CLOSE ? BIO_CLOSE : BIO_NOCLOSE);
    *obj = b;
    r = b ? 0 : -1;
    break;
  case GET_FD:
    /* not an error: -1 is the descriptor of a BIO made over -1 */
    co_outcome_value(out, BIO_get_fd(b, NULL));
    return;
  case WRITE:
    r = BIO_write(b, buf, n);
    break;
  case FREE:
    r = BIO_free(b) == 1 ? 0 : -1;
    *obj = NULL;
    break;
  }
  co_outcome_from_c(out, r, errno);
}

static int64_t handle_of(void *obj) {
  return BIO_get_fd((BIO *)obj, NULL);
}

/* The shared objects whose own calls are the library's (issue 21:
 * attributed and faulted, docs/faults.md). */
static const char *const lib_objects[] = {"libcrypto.so", "libssl.so", NULL};

const struct co_adapter co_lib_openssl = {.version = CO_ADAPTER_VERSION, .objects = lib_objects,
                                          .contract = &contract,
                                          .call = glue,
                                          .handle_of = handle_of};
