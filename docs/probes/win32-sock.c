/* closeonce probe (docs/sources.md#obs-wine-sock): what winsock does under
 * Wine with the classic SOCKET misuses (CloseHandle, _open_osfhandle then
 * _close, DuplicateHandle) against WSADuplicateSocketW, and closesocket,
 * send, recv of values that are not sockets. Each line: the call, its
 * result, WSAGetLastError after it. Build: x86_64-w64-mingw32-gcc -O1
 * win32-sock.c -lws2_32; run under wine. */
#include <winsock2.h>
#include <windows.h>
#include <io.h>
#include <stdio.h>
#define R(x)                                                                   \
  do {                                                                         \
    long long _r;                                                              \
    WSASetLastError(0);                                                        \
    SetLastError(0);                                                           \
    _r = (long long)(x);                                                       \
    int _w = WSAGetLastError();                                                \
    unsigned long _g = GetLastError();                                         \
    printf("  %-62s = %lld wsa=%d gle=%lu\n", #x, _r, _w, _g);                 \
  } while (0)
static SOCKET lst;
static struct sockaddr_in la;
static u_long nb = 1;
static char buf[256];
static DWORD fl;
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
  int len = sizeof la;
  WSAStartup(MAKEWORD(2, 2), &wd);
  lst = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  la.sin_family = AF_INET;
  la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(lst, (struct sockaddr *)&la, sizeof la);
  getsockname(lst, (struct sockaddr *)&la, &len);
  listen(lst, 8);
  ioctlsocket(lst, FIONBIO, &nb);
  R(accept(lst, NULL, NULL));
  printf("== basics\n");
  mkpair(&c, &s);
  R(recv(s, buf, 10, 0));
  R(send(c, "hello", 5, 0));
  Sleep(20);
  R(recv(s, buf, 3, 0));
  R(recv(s, buf, 10, 0));
  R(GetFileType((HANDLE)c));
  R(shutdown(c, SD_SEND));
  Sleep(20);
  R(recv(s, buf, 10, 0));
  R(send(c, "x", 1, 0));
  R(send(s, "y", 1, 0));
  Sleep(20);
  R(recv(c, buf, 10, 0));
  R(shutdown(c, SD_RECEIVE));
  R(shutdown(c, SD_BOTH));
  R(shutdown(c, 7));
  R(closesocket(c));
  R(closesocket(c));
  R(send(s, "y", 1, 0));
  Sleep(20);
  R(send(s, "y", 1, 0));
  R(closesocket(s));
  printf("== CloseHandle on socket\n");
  mkpair(&c, &s);
  R(CloseHandle((HANDLE)c));
  R(GetHandleInformation((HANDLE)c, &fl));
  R(send(c, "x", 1, 0));
  Sleep(20);
  R(recv(s, buf, 10, 0));
  R(closesocket(c));
  R(closesocket(s));
  printf("== _open_osfhandle + _close\n");
  mkpair(&c, &s);
  {
    int fd;
    R(fd = _open_osfhandle((intptr_t)c, 0));
    R(_close(fd));
  }
  R(GetHandleInformation((HANDLE)c, &fl));
  Sleep(20);
  R(recv(s, buf, 10, 0));
  R(closesocket(c));
  R(closesocket(s));
  printf("== _open_osfhandle + closesocket + _close\n");
  mkpair(&c, &s);
  {
    int fd;
    R(fd = _open_osfhandle((intptr_t)c, 0));
    R(_write(fd, "ab", 2));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(closesocket(c));
    R(_close(fd));
  }
  R(closesocket(s));
  printf("== DuplicateHandle\n");
  mkpair(&c, &s);
  {
    HANDLE d = 0;
    R(DuplicateHandle(GetCurrentProcess(), (HANDLE)c, GetCurrentProcess(), &d,
                      0, FALSE, DUPLICATE_SAME_ACCESS));
    R((long long)(intptr_t)d);
    R(send((SOCKET)d, "ab", 2, 0));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(WriteFile(d, "cd", 2, &fl, NULL));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(closesocket(c));
    R(send((SOCKET)d, "ab", 2, 0));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(GetHandleInformation(d, &fl));
    R(closesocket((SOCKET)d));
    R(CloseHandle(d));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(closesocket(s));
  }
  printf("== DuplicateHandle, CloseHandle dup first\n");
  mkpair(&c, &s);
  {
    HANDLE d = 0;
    R(DuplicateHandle(GetCurrentProcess(), (HANDLE)c, GetCurrentProcess(), &d,
                      0, FALSE, DUPLICATE_SAME_ACCESS));
    R(CloseHandle(d));
    R(send(c, "ab", 2, 0));
    R(closesocket(c));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(closesocket(s));
  }
  printf("== WSADuplicateSocketW\n");
  mkpair(&c, &s);
  {
    SOCKET d, d2;
    WSAPROTOCOL_INFOW pi;
    R(WSADuplicateSocketW(c, GetCurrentProcessId(), &pi));
    R(d = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO,
                     &pi, 0, 0));
    R(GetHandleInformation((HANDLE)d, &fl));
    printf("  flags %lu\n", fl);
    R(GetHandleInformation((HANDLE)c, &fl));
    printf("  flags %lu\n", fl);
    R(send(d, "ab", 2, 0));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(closesocket(c));
    R(send(d, "cd", 2, 0));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(d2 = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO,
                      FROM_PROTOCOL_INFO, &pi, 0, 0));
    R(send(d2, "ef", 2, 0));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(closesocket(d));
    R(send(d2, "gh", 2, 0));
    R(closesocket(d2));
    Sleep(20);
    R(recv(s, buf, 10, 0));
    R(recv(s, buf, 10, 0));
    R(closesocket(s));
    R(WSADuplicateSocketW(c, GetCurrentProcessId(), &pi));
    R(WSADuplicateSocketW(INVALID_SOCKET, GetCurrentProcessId(), &pi));
  }
  printf("== non-socket handles\n");
  {
    HANDLE f =
        CreateFileA("NUL", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    R(closesocket((SOCKET)f));
    R(GetHandleInformation(f, &fl));
    R(send((SOCKET)f, "a", 1, 0));
    CloseHandle(f);
  }
  R(closesocket(INVALID_SOCKET));
  R(closesocket(0x1234));
  R(send(0x1234, "a", 1, 0));
  R(recv(0x1234, buf, 1, 0));
  printf("== fill\n");
  mkpair(&c, &s);
  {
    long tot = 0;
    int k, r = 0;
    static char big[65536];
    for (k = 0; k < 2000; k++) {
      r = send(c, big, sizeof big, 0);
      if (r < 0)
        break;
      tot += r;
    }
    printf("  tot=%ld r=%d wsa=%d\n", tot, r, WSAGetLastError());
    for (k = 0; k < 2000; k++) {
      r = send(c, big, 1, 0);
      if (r < 0)
        break;
      tot += r;
    }
    printf("  tot=%ld r=%d wsa=%d\n", tot, r, WSAGetLastError());
  }
  R(closesocket(c));
  R(closesocket(s));
  printf("== blocking socket recv with timeout? (skip)\n");
  printf("== handle values after WSACleanup\n");
  mkpair(&c, &s);
  R(WSACleanup());
  R(GetHandleInformation((HANDLE)c, &fl));
  R(closesocket(c));
  R(WSAStartup(MAKEWORD(2, 2), &wd));
  R(closesocket(c));
  R(GetHandleInformation((HANDLE)c, &fl));
  return 0;
}
