// Listening sockets and the epoll batch: tcpshift's epoll set is watched from Node's loop through
// one uv_poll handle; when it is readable, every ready socket is handled and the events raised meanwhile
// are handed to JavaScript at once.
//
// Out of descriptors (EMFILE, ENFILE), accept() cannot take a waiting connection, and an
// edge-triggered listener raises no new event for those already waiting: they would hang. As libuv
// does, the reserve descriptor is given up to accept-and-reset every waiting connection (they are
// shed, not left hanging), then taken back. When that cannot be done (no reserve, or another error
// such as ENOBUFS), the listener is tried again ACCEPT_RETRY_MS later. Each case is reported to
// JavaScript, which counts and logs it (rate-limited).
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <new>

#include "proxy.h"

namespace tcpshift {

namespace {

constexpr int EPOLL_BATCH = 256;

void Reset(int fd) {
  linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
}

// Accepts and resets what waits on `l` using the reserve descriptor; returns how many were shed,
// and sets `drained` when the queue was emptied (the next connection raises a new edge).
int Shed(State* st, Listener* l, bool* drained) {
  *drained = false;
  if (st->reserve_fd < 0) st->reserve_fd = OpenReserve();
  if (st->reserve_fd < 0) return 0;
  close(st->reserve_fd);
  st->reserve_fd = -1;
  int shed = 0;
  while (shed < SHED_BATCH) {
    int fd = accept4(l->fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      Reset(fd);
      shed++;
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    *drained = errno == EAGAIN;
    break;
  }
  st->reserve_fd = OpenReserve();
  return shed;
}

void ScheduleRetry(State* st, Listener* l) {
  l->retry = true;
  if (st->retry_on) return;
  st->retry_on = true;
  uv_timer_start(&st->retry, OnRetry, ACCEPT_RETRY_MS, 0);
}

void Accept(Listener* l) {
  State* st = l->st;
  for (;;) {
    sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;
    int fd = accept4(l->fd, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EINTR || err == ECONNABORTED) continue;
      if (err == EAGAIN) return;
      if (err == EMFILE || err == ENFILE) {
        // (Linux reports EMFILE before looking at the queue: often nothing is waiting.)
        bool drained = false;
        int shed = Shed(st, l, &drained);
        if (shed > 0 || !drained) Emit(st, EV_ACCEPT_ERROR, l->id, -err, shed);
        if (!drained) ScheduleRetry(st, l);
        return;
      }
      Emit(st, EV_ACCEPT_ERROR, l->id, -err, 0);
      ScheduleRetry(st, l);
      return;
    }
    Conn* c = NewConn(st, fd);
    if (c == nullptr) {
      Reset(fd);
      Emit(st, EV_ACCEPT_ERROR, l->id, -ENOMEM, 1);
      continue;
    }
    c->peer = peer;
    Emit(st, EV_ACCEPT, c->id, l->id, PeerV4(peer));
  }
}

}  // namespace

int OpenReserve() { return open("/dev/null", O_RDONLY | O_CLOEXEC); }

void Unwatch(State* st, int fd) {
  epoll_ctl(st->epfd, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
}

void OnRetry(uv_timer_t* t) {
  State* st = static_cast<State*>(t->data);
  st->retry_on = false;
  for (Listener* l : st->listeners) {
    if (l == nullptr || !l->retry) continue;
    l->retry = false;
    Accept(l);
  }
  Flush(st);
}

void UpdateRef(State* st) {
  bool want = st->live > 0 || st->open_listeners > 0;
  if (want == st->reffed) return;
  st->reffed = want;
  if (want) uv_ref(reinterpret_cast<uv_handle_t*>(&st->poll));
  else uv_unref(reinterpret_cast<uv_handle_t*>(&st->poll));
}

int Listen(State* st, const sockaddr* addr, int backlog, bool reuse_port, double* id, int* port) {
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  // Accepted sockets inherit TCP_NODELAY from here (Linux), which saves a setsockopt per accept.
  if (addr->sa_family != AF_UNIX) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (bind(fd, addr, AddrLen(addr)) < 0 || listen(fd, backlog) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  *port = bound.ss_family == AF_UNIX ? 0
          : ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  Listener* l = new (std::nothrow) Listener();
  if (l == nullptr) {
    close(fd);
    return -ENOMEM;
  }
  l->kind = W_LISTENER;
  l->fd = fd;
  l->st = st;
  epoll_event ev;
  ev.events = EPOLLIN | EPOLLET;
  ev.data.ptr = static_cast<tcpshift::Watch*>(l);
  if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int err = errno;
    close(fd);
    delete l;
    return -err;
  }
  st->listeners.push_back(l);
  l->id = static_cast<double>(st->listeners.size());
  *id = l->id;
  st->open_listeners++;
  UpdateRef(st);
  // Connections may already be waiting.
  Accept(l);
  return 0;
}

void CloseListener(State* st, double id) {
  if (!(id >= 1) || id > static_cast<double>(st->listeners.size())) return;
  Listener*& l = st->listeners[static_cast<size_t>(id) - 1];
  if (l == nullptr) return;
  Unwatch(st, l->fd);
  l->fd = -1;
  st->dead.push_back(l);  // freed later: the current epoll batch may still point at it
  l = nullptr;
  st->open_listeners--;
  UpdateRef(st);
}

void OnEpoll(uv_poll_t* h, int status, int) {
  State* st = static_cast<State*>(h->data);
  if (status < 0) return;
  Stamp(st);
  for (Listener* l : st->dead) delete l;
  st->dead.clear();
  epoll_event evs[EPOLL_BATCH];
  int n;
  do {
    n = epoll_wait(st->epfd, evs, EPOLL_BATCH, 0);
    for (int i = 0; i < n; i++) {
      Watch* w = static_cast<Watch*>(evs[i].data.ptr);
      if (w->kind == W_LEG) {
        OnLegEvent(static_cast<Leg*>(w), evs[i].events);
      } else {
        Listener* l = static_cast<Listener*>(w);
        if (l->fd >= 0) Accept(l);
      }
    }
  } while (n == EPOLL_BATCH);
  Flush(st);
}

}  // namespace tcpshift
