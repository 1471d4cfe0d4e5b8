// Proxied connections on tcpshift's own edge-triggered epoll set: dialling, moving bytes, timers
// and closing (listening and the epoll batch are in listen.cc, splicing in splice.cc).
//
// Each socket is registered once (EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET) and never modified: readiness
// is remembered per leg (can_read / can_write) and cleared by a short read, EAGAIN or a short write.
// Bytes read from one leg go straight to the other from one shared buffer; only what the kernel
// does not take at once is copied, and the source stops being read until that is written
// (backpressure). A FIN is passed on with shutdown(SHUT_WR) once nothing is left to write (half-
// close); when the second direction ends too, both sockets are closed. A reset or an error on one
// leg is passed on as a reset to the other (SO_LINGER {1, 0}), so a client can tell a stream cut
// short from a complete one; the idle timeout or destroy() close both legs plainly, shut() gently
// (activity.cc). Sockets leave
// the epoll set before they are closed; closed connections are freed from the timer's close
// callback, after the epoll batch that may still mention them.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "proxy.h"

namespace tcpshift {

bool Owed::Append(const char* p, size_t n) {
  char* grown = static_cast<char*>(std::realloc(data, len + n));
  if (grown == nullptr) return false;
  data = grown;
  std::memcpy(data + len, p, n);
  len += n;
  return true;
}

uint64_t ToMs(double ms) {
  if (!(ms > 0)) return 0;
  constexpr double MAX = 9007199254740992.0;  // 2^53 ms: longer than any clock will run
  return ms >= MAX ? static_cast<uint64_t>(MAX) : static_cast<uint64_t>(ms);
}

int SetKeepalive(int fd, Keepalive ka) {
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) < 0) return -errno;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &ka.idle_s, sizeof ka.idle_s) < 0) return -errno;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &ka.intvl_s, sizeof ka.intvl_s) < 0) return -errno;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &ka.cnt, sizeof ka.cnt) < 0) return -errno;
  return 0;
}

namespace {

constexpr uint32_t LEG_EVENTS = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Keepalive KeepaliveOf(const Conn* c) { return Keepalive{c->keepalive_idle_s, c->keepalive_intvl_s, c->keepalive_cnt}; }

bool AddToEpoll(State* st, Leg* leg) {
  epoll_event ev;
  ev.events = LEG_EVENTS;
  ev.data.ptr = static_cast<tcpshift::Watch*>(leg);
  return epoll_ctl(st->epfd, EPOLL_CTL_ADD, leg->fd, &ev) == 0;
}

void CloseFd(State* st, Leg* leg, bool reset) {
  if (leg->fd < 0) return;
  if (reset) {
    linger lg = {1, 0};
    setsockopt(leg->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  Unwatch(st, leg->fd);
  leg->fd = -1;
}

void FreeConn(uv_handle_t* h) { delete static_cast<Conn*>(h->data); }

void StopTimer(Conn* c) {
  if (c->timer_on) {
    uv_timer_stop(&c->timer);
    c->timer_on = false;
  }
}

void OnTimer(uv_timer_t* t);

void ArmTimer(Conn* c, uint64_t ms) {
  uv_timer_start(&c->timer, OnTimer, ms, 0);
  c->timer_on = true;
}

Dir& DirFrom(Conn* c, Leg* src) { return src->client ? c->c2u : c->u2c; }
Leg* Other(Conn* c, Leg* leg) { return leg->client ? &c->up : &c->client; }

}  // namespace

// Passes the FIN of `d`'s source on to `dst`; closes the connection once both directions are done.
void EndDirection(Conn* c, Dir& d, Leg* dst) {
  if (d.shut || d.pending.len > 0 || d.in_pipe > 0) return;
  d.shut = true;
  Dir& back = &d == &c->c2u ? c->u2c : c->c2u;
  if (back.shut) {
    CloseAll(c);  // both directions done: close() sends our FIN, no shutdown needed
    return;
  }
  if (shutdown(dst->fd, SHUT_WR) < 0 && errno != ENOTCONN) CloseAll(c, FailureOf(dst));
}

bool WritePending(Conn* c, Dir& d, Leg* dst) {
  Owed& o = d.pending;
  while (o.off < o.len) {
    ssize_t w = send(dst->fd, o.data + o.off, o.len - o.off, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        dst->can_write = false;
        return false;
      }
      CloseAll(c, FailureOf(dst));
      return false;
    }
    o.off += static_cast<size_t>(w);
  }
  o.Clear();
  c->last = uv_now(c->st->loop);
  return true;
}

// Moves bytes from `src` to the other leg until src is drained, the other leg is full, or EOF.
void Pump(Conn* c, Leg* src) {
  Dir& d = DirFrom(c, src);
  Leg* dst = Other(c, src);
  if (d.pipe_r >= 0) {
    SplicePump(c, src, d, dst);
    return;
  }
  char* buf = c->st->buffer;
  auto read = [&](size_t want) { return recv(src->fd, buf, want, 0); };
  while (c->state == S_OPEN && src->can_read && !d.eof && d.pending.len == 0) {
    ssize_t n = Receive(src, READ_BUFFER, true, read);
    if (n == RECV_AGAIN) return;
    if (n == RECV_ERROR) {
      CloseAll(c, FailureOf(src));
      return;
    }
    if (n == RECV_EOF) {
      d.eof = true;
      EndDirection(c, d, dst);
      return;
    }
    if (src->client) c->bytes_in += static_cast<double>(n);
    else c->bytes_out += static_cast<double>(n);
    c->last = uv_now(c->st->loop);
    ssize_t w = dst->can_write ? send(dst->fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) : (errno = EAGAIN, -1);
    if (w == n) {
      d.moved += static_cast<uint64_t>(n);
      if (d.moved >= SPLICE_AFTER && OpenPipe(c->st, d)) {
        FixReceiveBuffer(src);
        SplicePump(c, src, d, dst);
        return;
      }
      continue;
    }
    if (w < 0 && errno != EAGAIN) {
      CloseAll(c, FailureOf(dst));
      return;
    }
    size_t done = w > 0 ? static_cast<size_t>(w) : 0;
    dst->can_write = false;
    // Keep what the destination did not take.
    if (!d.pending.Append(buf + done, static_cast<size_t>(n) - done)) CloseAll(c, END_RESET);
    return;
  }
}

namespace {

// While dialling: keeps what the client sends (up to STASH_LIMIT) for the upstream.
void Stash(Conn* c) {
  Leg* src = &c->client;
  Dir& d = c->c2u;
  char* buf = c->st->buffer;
  auto read = [&](size_t want) { return recv(src->fd, buf, want, 0); };
  while (src->can_read && !d.eof && d.pending.len < STASH_LIMIT) {
    ssize_t n = Receive(src, STASH_LIMIT - d.pending.len, true, read);
    if (n == RECV_AGAIN) return;
    if (n == RECV_ERROR) {
      CloseAll(c, END_RESET);
      return;
    }
    if (n == RECV_EOF) {
      d.eof = true;
      return;
    }
    c->bytes_in += static_cast<double>(n);
    if (!d.pending.Append(buf, static_cast<size_t>(n))) {
      CloseAll(c, END_RESET);
      return;
    }
  }
}

void ConnectFailed(Conn* c, int err) {
  StopTimer(c);
  CloseFd(c->st, &c->up, false);
  c->up.can_read = false;
  c->up.can_write = true;
  c->up.rdhup = false;
  c->state = S_ACCEPTED;
  Emit(c->st, EV_CONNECT_FAILED, c->id, -err);
}

void Connected(Conn* c) {
  c->state = S_OPEN;
  StopTimer(c);
  if (c->keepalive_idle_s > 0) SetKeepalive(c->up.fd, KeepaliveOf(c));
  c->last = uv_now(c->st->loop);
  c->stamp = c->st->now;
  if (c->idle_ms > 0) ArmTimer(c, c->idle_ms);
  Emit(c->st, EV_CONNECTED, c->id);
  Dir& d = c->c2u;
  if (d.pending.len > 0 && !WritePending(c, d, &c->up)) return;
  if (d.eof) EndDirection(c, d, &c->up);
  if (c->state == S_OPEN) Pump(c, &c->client);
  if (c->state == S_OPEN) Pump(c, &c->up);
}

void OnTimer(uv_timer_t* t) {
  Conn* c = static_cast<Conn*>(t->data);
  c->timer_on = false;
  if (c->state == S_DIALING) {
    ConnectFailed(c, ETIMEDOUT);
  } else if (c->state == S_OPEN && c->idle_ms > 0) {
    uint64_t idle = uv_now(c->st->loop) - c->last;
    if (idle >= c->idle_ms) CloseAll(c);
    else ArmTimer(c, c->idle_ms - idle);
  }
}

}  // namespace

void OnLegEvent(Leg* leg, uint32_t events) {
  Conn* c = leg->conn;
  if (c->state == S_CLOSED || leg->fd < 0) return;
  c->stamp = c->st->now;
  if (events & EPOLLIN) leg->can_read = true;
  if (events & EPOLLRDHUP) leg->rdhup = leg->can_read = true;
  if (events & EPOLLOUT) leg->can_write = true;
  if (!leg->client && c->state == S_DIALING) {
    if (events & (EPOLLERR | EPOLLHUP)) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(leg->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      ConnectFailed(c, err != 0 ? err : ECONNREFUSED);
    } else if (events & EPOLLOUT) {
      Connected(c);
    }
    return;
  }
  if (events & EPOLLERR) {
    CloseAll(c, FailureOf(leg));  // reset
    return;
  }
  if (events & EPOLLHUP) leg->can_read = true;  // read the EOF (or the error)
  if (c->shutting) {
    ShutProgress(c);
    return;
  }
  if (leg->client && c->preamble) {
    PreambleRead(c);
    return;
  }
  if (c->state != S_OPEN) {
    // Accepted, not connected yet: keep what the client sends for the upstream.
    if (leg->client && c->state == S_DIALING) Stash(c);
    return;
  }
  if (leg->can_write) {
    Dir& owed = leg->client ? c->u2c : c->c2u;  // the direction writing to this leg
    if (owed.pending.len > 0) {
      if (!WritePending(c, owed, leg)) return;
      if (owed.eof) EndDirection(c, owed, leg);
      else Pump(c, Other(c, leg));
      if (c->state != S_OPEN) return;
    } else if (owed.in_pipe > 0) {
      Pump(c, Other(c, leg));  // drains the pipe, then reads on
      if (c->state != S_OPEN) return;
    }
  }
  if (leg->can_read) Pump(c, leg);
}

Conn* NewConn(State* st, int fd) {
  Conn* c = new (std::nothrow) Conn();
  if (c == nullptr) return nullptr;
  c->st = st;
  c->client.kind = c->up.kind = W_LEG;
  c->client.conn = c->up.conn = c;
  c->client.client = true;
  c->client.fd = fd;  // TCP_NODELAY: inherited from the listening socket (Linux)
  if (!AddToEpoll(st, &c->client)) {
    delete c;
    return nullptr;
  }
  uint32_t slot;
  if (!st->free_slots.empty()) {
    slot = st->free_slots.back();
    st->free_slots.pop_back();
  } else {
    slot = static_cast<uint32_t>(st->slots.size());
    st->slots.push_back(nullptr);
    st->gens.push_back(0);
  }
  st->gens[slot] = (st->gens[slot] + 1) % (1u << 30);
  c->slot = slot;
  c->id = slot + st->gens[slot] * SLOT_SPACE;
  c->timer.data = c;
  uv_timer_init(st->loop, &c->timer);
  st->slots[slot] = c;
  st->live++;
  UpdateRef(st);
  return c;
}

Conn* Lookup(State* st, double id) {
  if (!(id >= 0)) return nullptr;
  uint64_t slot = static_cast<uint64_t>(id) % static_cast<uint64_t>(SLOT_SPACE);
  if (slot >= st->slots.size()) return nullptr;
  Conn* c = st->slots[slot];
  return c != nullptr && c->id == id ? c : nullptr;
}

void CloseAll(Conn* c, Ending how) {
  if (c->state == S_CLOSED) return;
  State* st = c->st;
  c->state = S_CLOSED;
  StopTimer(c);
  CloseFd(st, &c->client, how != END_CLEAN);
  CloseFd(st, &c->up, how != END_CLEAN);
  ClosePipe(st, c->c2u);
  ClosePipe(st, c->u2c);
  st->slots[c->slot] = nullptr;
  st->free_slots.push_back(c->slot);
  st->live--;
  Emit(st, how == END_UPSTREAM_RESET ? EV_UPSTREAM_RESET : EV_CLOSED, c->id, c->bytes_in, c->bytes_out);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), FreeConn);
  UpdateRef(st);
}

int Dial(Conn* c, const sockaddr* addr, uint64_t connect_ms, uint64_t idle_ms, Keepalive ka) {
  if (c->state == S_CLOSED) return 1;
  if (c->state != S_ACCEPTED) return -EALREADY;
  c->idle_ms = idle_ms;
  if (ka.idle_s > 0 && c->keepalive_idle_s == 0) SetKeepalive(c->client.fd, ka);
  c->keepalive_idle_s = ka.idle_s > 0 ? ka.idle_s : 0;
  c->keepalive_intvl_s = ka.intvl_s;
  c->keepalive_cnt = ka.cnt;
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (addr->sa_family != AF_UNIX) SetNoDelay(fd);
  if (connect(fd, addr, AddrLen(addr)) < 0 && errno != EINPROGRESS) {
    int err = errno;
    close(fd);
    return -err;
  }
  c->up.fd = fd;
  if (!AddToEpoll(c->st, &c->up)) {
    int err = errno;
    close(fd);
    c->up.fd = -1;
    return -err;
  }
  c->state = S_DIALING;
  if (connect_ms > 0) ArmTimer(c, connect_ms);
  Stash(c);
  return c->state == S_CLOSED ? 1 : 0;
}

}  // namespace tcpshift
