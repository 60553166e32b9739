/* closeonce probe (docs/sources.md#obs-wine-sock): winsock timing and edge
 * cases under Wine: send then recv at once on loopback, the end of a
 * connection, a reset, accept after the client closed, 0-byte calls, a
 * DuplicateHandle copy, handle inheritance. Build: x86_64-w64-mingw32-gcc
 * -O1 win32-sock-timing.c -lws2_32; run under wine. */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#define R(x)                                                                   \
  do {                                                                         \
    long long _r;                                                              \
    WSASetLastError(0);                                                        \
    SetLastError(0);                                                           \
    _r = (long long)(x);                                                       \
    int _w = WSAGetLastError();                                                \
    printf("  %-62s = %lld wsa=%d\n", #x, _r, _w);                             \
  } while (0)
static SOCKET lst;
static struct sockaddr_in la;
static u_long nb = 1;
static char buf[256];
static void mkpair(SOCKET *c, SOCKET *s) {
  fd_set w;
  struct timeval tv = {1, 0};
  *c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  ioctlsocket(*c, FIONBIO, &nb);
  connect(*c, (struct sockaddr *)&la, sizeof la);
  FD_ZERO(&w);
  FD_SET(*c, &w);
  select(0, NULL, &w, NULL, &tv);
  *s = accept(lst, NULL, NULL);
  ioctlsocket(*s, FIONBIO, &nb);
}
int main(void) {
  WSADATA wd;
  SOCKET c, s;
  int len = sizeof la, i, bad = 0;
  WSAStartup(MAKEWORD(2, 2), &wd);
  lst = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  la.sin_family = AF_INET;
  la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(lst, (struct sockaddr *)&la, sizeof la);
  getsockname(lst, (struct sockaddr *)&la, &len);
  listen(lst, 8);
  ioctlsocket(lst, FIONBIO, &nb);
  mkpair(&c, &s);
  for (i = 0; i < 3000; i++) {
    int r;
    send(c, "abcde", 5, 0);
    r = recv(s, buf, 10, 0);
    if (r != 5) {
      bad++;
      if (bad < 5)
        printf(" iter %d r=%d wsa=%d\n", i, r, WSAGetLastError());
      Sleep(10);
      recv(s, buf, 10, 0);
    }
  }
  printf("immediate send/recv mismatches: %d of 3000\n", bad);
  bad = 0;
  for (i = 0; i < 300; i++) {
    SOCKET c2, s2;
    int r;
    mkpair(&c2, &s2);
    closesocket(c2);
    r = recv(s2, buf, 10, 0);
    if (r != 0) {
      bad++;
      if (bad < 5)
        printf(" eof iter %d r=%d wsa=%d\n", i, r, WSAGetLastError());
    }
    closesocket(s2);
  }
  printf("immediate eof mismatches: %d of 300\n", bad);
  bad = 0;
  for (i = 0; i < 300; i++) {
    SOCKET c2, s2;
    int r;
    mkpair(&c2, &s2);
    send(c2, "ab", 2, 0);
    closesocket(c2);
    r = recv(s2, buf, 1, 0);
    if (r != 1)
      bad++;
    r = recv(s2, buf, 10, 0);
    if (r != 1)
      bad++;
    r = recv(s2, buf, 10, 0);
    if (r != 0)
      bad++;
    closesocket(s2);
  }
  printf("data then eof mismatches: %d of 300\n", bad);
  bad = 0;
  for (i = 0; i < 300; i++) {
    SOCKET c2, s2;
    int r;
    mkpair(&c2, &s2);
    send(c2, "ab", 2, 0);
    closesocket(s2);
    r = send(c2, "x", 1, 0);
    if (!(r == -1 && WSAGetLastError() == WSAECONNRESET)) {
      bad++;
      if (bad < 4)
        printf(" rst send r=%d wsa=%d\n", r, WSAGetLastError());
    }
    r = recv(c2, buf, 10, 0);
    if (i == 0)
      printf(" rst recv after the reset r=%d wsa=%d\n", r, WSAGetLastError());
    closesocket(c2);
  }
  printf("reset send mismatches: %d of 300\n", bad);
  printf("== pending accept after client close\n");
  {
    SOCKET c2, s2;
    fd_set w;
    struct timeval tv = {1, 0};
    c2 = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ioctlsocket(c2, FIONBIO, &nb);
    connect(c2, (struct sockaddr *)&la, sizeof la);
    FD_ZERO(&w);
    FD_SET(c2, &w);
    select(0, NULL, &w, NULL, &tv);
    R(send(c2, "abc", 3, 0));
    R(closesocket(c2));
    R(s2 = accept(lst, NULL, NULL));
    R(recv(s2, buf, 10, 0));
    R(recv(s2, buf, 10, 0));
    closesocket(s2);
  }
  printf("== recv 0, send 0\n");
  mkpair(&c, &s);
  R(recv(s, buf, 0, 0));
  R(send(c, buf, 0, 0));
  R(recv(s, buf, 0, 0));
  R(send(c, "a", 1, 0));
  R(recv(s, buf, 0, 0));
  R(recv(s, buf, 5, 0));
  R(shutdown(c, SD_SEND));
  R(recv(s, buf, 0, 0));
  R(recv(s, buf, 5, 0));
  printf("== recv on DuplicateHandle copy, send on socket() unconnected\n");
  {
    HANDLE d;
    SOCKET u;
    DWORD fl;
    mkpair(&c, &s);
    DuplicateHandle(GetCurrentProcess(), (HANDLE)s, GetCurrentProcess(), &d, 0,
                    FALSE, DUPLICATE_SAME_ACCESS);
    send(c, "abc", 3, 0);
    R(recv((SOCKET)d, buf, 10, 0));
    R(recv(s, buf, 10, 0));
    R(GetHandleInformation(d, &fl));
    printf("  dupflags %lu\n", fl);
    u = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ioctlsocket(u, FIONBIO, &nb);
    R(send(u, "a", 1, 0));
    R(recv(u, buf, 1, 0));
    R(GetHandleInformation((HANDLE)u, &fl));
    printf("  sockflags %lu\n", fl);
    R(GetHandleInformation((HANDLE)s, &fl));
    printf("  acceptflags %lu\n", fl);
    R(GetHandleInformation((HANDLE)c, &fl));
    printf("  connectflags %lu\n", fl);
    {
      SOCKET v = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, 0x80);
      R(GetHandleInformation((HANDLE)v, &fl));
      printf("  noinherit flags %lu\n", fl);
    }
  }
  return 0;
}
