// What the connection sweep (src/proxy/sweep.ts) needs from the native data path: a graceful close
// (maxConnectionDuration, rebalancing, drain), when each connection last moved (a stamp written on
// every epoll event of its legs, from a clock read once per epoll wake-up: no syscall per read), and
// the client's address. Also the length of a socket address, Unix domain sockets included.
//
// A shut connection writes what it owes (the copy buffer, the splice pipe, and what the upstream
// had sent before the shut), sends a FIN on both legs, then reads and drops whatever either peer
// still sends until its FIN — closing a socket with unread bytes would send a reset — and closes
// once both FINs are in. A peer that never closes is destroyed by the sweep (SHUT_GRACE_MS).
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include "proxy.h"

namespace tcpshift {

namespace {

// Bytes waiting unread in socket `fd` (SIOCINQ); 0 when it cannot tell.
int Unread(int fd) {
  int n = 0;
  if (fd < 0 || ioctl(fd, SIOCINQ, &n) < 0) return 0;
  return n;
}

// Reads and drops what `leg` sends, until EAGAIN or its FIN.
void Discard(Conn* c, Leg* leg) {
  Dir& d = leg->client ? c->c2u : c->u2c;
  char* buf = c->st->buffer;
  auto read = [&](size_t want) { return recv(leg->fd, buf, want, 0); };
  while (c->state == S_OPEN && leg->can_read && !d.eof) {
    ssize_t n = Receive(leg, READ_BUFFER, true, read);
    if (n == RECV_AGAIN) return;
    if (n == RECV_ERROR) {
      CloseAll(c, FailureOf(leg));
      return;
    }
    if (n == RECV_EOF) {
      d.eof = true;
      return;
    }
    if (leg->client) c->bytes_in += static_cast<double>(n);
  }
}

// Writes what `d` owes `dst` (its buffer, then its pipe), then passes a FIN on.
void Finish(Conn* c, Dir& d, Leg* dst) {
  if (d.shut || c->state != S_OPEN) return;
  if (d.pending.len > 0 && (!dst->can_write || !WritePending(c, d, dst))) return;
  if (!DrainPipe(c, d, dst)) return;
  d.shut = true;
  if (shutdown(dst->fd, SHUT_WR) < 0 && errno != ENOTCONN) CloseAll(c, FailureOf(dst));
}

}  // namespace

size_t Owes(const Conn* c) {
  return (c->c2u.pending.len - c->c2u.pending.off) + (c->u2c.pending.len - c->u2c.pending.off) + c->c2u.in_pipe + c->u2c.in_pipe;
}

void ShutProgress(Conn* c) {
  Finish(c, c->u2c, &c->client);
  Finish(c, c->c2u, &c->up);
  Discard(c, &c->client);
  Discard(c, &c->up);
  if (c->state == S_OPEN && c->c2u.shut && c->u2c.shut && c->c2u.eof && c->u2c.eof) CloseAll(c);
}

int Shut(Conn* c, bool only_if_quiet) {
  if (c->state == S_CLOSED || c->shutting) return 1;
  if (c->state != S_OPEN) {
    CloseAll(c);
    return 1;
  }
  if (only_if_quiet && (Owes(c) > 0 || Unread(c->client.fd) > 0 || Unread(c->up.fd) > 0)) return 0;
  Stamp(c->st);
  // What the upstream had sent is owed to the client; what the client sends from now on is dropped.
  // (An event not handled yet may be waiting: try to read anyway.)
  c->up.can_read = true;
  if (!c->u2c.eof) Pump(c, &c->up);
  if (c->state != S_OPEN) return 1;
  c->shutting = true;
  ShutProgress(c);
  return 1;
}

double PeerV4(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohl(reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr);
  if (a.ss_family == AF_INET6) {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6&>(a).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      const uint8_t* b = v6.s6_addr + 12;
      return (static_cast<double>(b[0]) * 16777216.0) + (b[1] << 16) + (b[2] << 8) + b[3];
    }
  }
  return -1;
}

socklen_t AddrLen(const sockaddr* a) {
  if (a->sa_family == AF_INET6) return sizeof(sockaddr_in6);
  if (a->sa_family == AF_UNIX) return sizeof(sockaddr_un);
  return sizeof(sockaddr_in);
}

}  // namespace tcpshift
