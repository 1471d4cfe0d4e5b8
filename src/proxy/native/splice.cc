// Splicing for directions that move a lot: socket → pipe → socket with splice(2), so the bytes are
// not copied through user space. A direction switches once it has moved SPLICE_AFTER bytes, if one
// of MAX_PIPES pipes is free; the pipe bounds what is in flight, as the copy buffer does otherwise.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "proxy.h"

namespace tcpshift {

void ClosePipe(State* st, Dir& d) {
  if (d.pipe_r < 0) return;
  close(d.pipe_r);
  close(d.pipe_w);
  d.pipe_r = d.pipe_w = -1;
  d.in_pipe = 0;
  st->pipes--;
}

// Gives `d` a pipe for splice(2); false when none is left or pipe2 fails.
bool OpenPipe(State* st, Dir& d) {
  if (!st->splice || st->pipes >= MAX_PIPES) return false;
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) return false;
  d.pipe_r = fds[0];
  d.pipe_w = fds[1];
  // A bigger pipe moves more per pair of splices (fewer system calls); if refused, 64 KiB it is.
  fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(PIPE_SIZE));
  st->pipes++;
  return true;
}

// On a short path (RTT under SHORT_RTT_US: the same host or rack, where the bandwidth-delay product
// is small), a spliced source gets a fixed receive buffer (SPLICE_RCVBUF, doubled by the kernel)
// instead of autotuning: splice reads so fast that autotuning grows it towards tcp_rmem's maximum,
// which only keeps more bytes in flight — and out of cache — ahead of a slower reader. Measured on
// loopback: 24 Gbit/s with 512 KiB against 17–22 with 1 MiB and 14–18 autotuned. Longer paths keep
// autotuning, which they need.
void FixReceiveBuffer(Leg* src) {
  tcp_info ti;
  socklen_t len = sizeof ti;
  if (getsockopt(src->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 || ti.tcpi_rtt >= SHORT_RTT_US) return;
  int size = static_cast<int>(SPLICE_RCVBUF);
  setsockopt(src->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

// Writes what `d`'s pipe holds to `dst`: true once the pipe is empty; false when `dst` cannot take
// more now (can_write cleared) or failed (the connection closed).
bool DrainPipe(Conn* c, Dir& d, Leg* dst) {
  while (d.in_pipe > 0) {
    if (!dst->can_write) return false;
    ssize_t w = splice(d.pipe_r, nullptr, dst->fd, nullptr, d.in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (w > 0) {
      d.in_pipe -= static_cast<size_t>(w);
      d.moved += static_cast<uint64_t>(w);
      c->last = uv_now(c->st->loop);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) dst->can_write = false;
    else CloseAll(c, FailureOf(dst));
    return false;
  }
  return true;
}

// Pump for a direction with a pipe: socket → pipe → socket, the pipe bounding what is in flight.
void SplicePump(Conn* c, Leg* src, Dir& d, Leg* dst) {
  constexpr unsigned FLAGS = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
  while (c->state == S_OPEN) {
    if (d.in_pipe > 0) {
      if (!DrainPipe(c, d, dst)) return;
      continue;
    }
    if (d.eof) {
      EndDirection(c, d, dst);
      return;
    }
    if (!src->can_read) return;
    // A short splice says nothing about the socket (the pipe may be what filled): read to EAGAIN.
    ssize_t r = Receive(src, PIPE_SIZE, false, [&](size_t want) { return splice(src->fd, nullptr, d.pipe_w, nullptr, want, FLAGS); });
    if (r > 0) {
      d.in_pipe += static_cast<size_t>(r);
      if (src->client) c->bytes_in += static_cast<double>(r);
      else c->bytes_out += static_cast<double>(r);
      continue;
    }
    if (r == RECV_EOF) {
      d.eof = true;
      continue;
    }
    if (r == RECV_AGAIN) return;  // the pipe is empty here, so the socket is
    CloseAll(c, FailureOf(src));
    return;
  }
}

}  // namespace tcpshift
