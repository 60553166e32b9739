/*
 * Standalone reproducer: libevent 2.1.12, bufferevent_free with
 * BEV_OPT_CLOSE_ON_FREE leaves the descriptor open until the loop turns;
 * a caller that closes "its" number meanwhile (or whose number is reused)
 * has it closed again by the finalizer.
 *
 * cc libevent-free-defers-close.c $(pkg-config --cflags --libs libevent_core)
 * Exit 0: the behaviour described in libevent-free-defers-close.md is
 * there; 1: it is not (libevent changed).
 */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  char path[] = "/tmp/closeonce-libevent-XXXXXX";
  struct event_base *base = event_base_new();
  int fd = mkstemp(path), victim, open_after_free, victim_after_turn;
  struct bufferevent *bev;
  if (!base || fd < 0)
    return 2;
  unlink(path);
  bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_free(bev); /* documented: "we close the underlying file
                            descriptor ... when this bufferevent is freed" */
  open_after_free = fcntl(fd, F_GETFD) >= 0;
  printf("after bufferevent_free: descriptor %d is %s\n", fd,
         open_after_free ? "still open" : "closed");
  /* A careful caller closes it, and the number is reused by an unrelated
   * file. */
  close(fd);
  victim = open("/dev/null", O_RDONLY);
  printf("unrelated open gets %d\n", victim);
  event_base_loop(base, EVLOOP_NONBLOCK); /* the finalizer closes fd */
  victim_after_turn = fcntl(victim, F_GETFD) >= 0;
  printf("after the loop turns: descriptor %d (the unrelated file) is %s\n",
         victim, victim_after_turn ? "open" : "closed by libevent");
  event_base_free(base);
  return open_after_free && victim == fd && !victim_after_turn ? 0 : 1;
}
