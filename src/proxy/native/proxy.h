// tcpshift's native data path (Linux): listening sockets and proxied connections on one
// edge-triggered epoll set of their own, watched from Node's libuv loop through a single uv_poll
// handle. JavaScript keeps every decision (which endpoint, limits, failover, counters); this code
// accepts, dials and moves bytes, and reports what happened as events (see addon.cc).
#pragma once

#include <errno.h>
#include <node_api.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace tcpshift {

// Events for JavaScript (exported by the addon as `constants`, so both sides share one definition).
// EV_UPSTREAM_RESET: closed (as EV_CLOSED) because the upstream reset or failed; the client was reset.
// EV_ACCEPT_ERROR: a = -errno, b = waiting connections shed (0 when none could be shed).
// EV_PREAMBLE (preamble.cc): a = bytes peeked so far, b = a PreambleEnd.
enum EventType : int { EV_ACCEPT = 1, EV_CONNECTED = 2, EV_CONNECT_FAILED = 3, EV_CLOSED = 4, EV_ACCEPT_ERROR = 5, EV_UPSTREAM_RESET = 6, EV_PREAMBLE = 7 };
// Why a preamble read stopped: it goes on (more bytes may come), EOF, the time was up, maxBytes peeked.
enum PreambleEnd : int { PE_MORE = 0, PE_EOF = 1, PE_TIMEOUT = 2, PE_FULL = 3 };
// How a connection ends: FINs (or a plain close), a reset passed on to both legs, or a reset the
// upstream caused (counted as failed by JavaScript).
enum Ending : uint8_t { END_CLEAN, END_RESET, END_UPSTREAM_RESET };
enum ConnState : uint8_t { S_ACCEPTED, S_DIALING, S_OPEN, S_CLOSED };
enum WatchKind : uint8_t { W_LISTENER, W_LEG };

constexpr size_t READ_BUFFER = 64 * 1024;
// Bytes read from a client while its upstream is being dialled, kept for the upstream.
constexpr size_t STASH_LIMIT = 64 * 1024;
// A direction that has moved this much switches to splice(2) through a pipe of its own: the bytes
// then go socket → pipe → socket without being copied through user space.
constexpr uint64_t SPLICE_AFTER = 1 << 20;
// At most this many directions hold a pipe (two descriptors and PIPE_SIZE of kernel memory
// each); the rest keep copying.
constexpr size_t MAX_PIPES = 64;
constexpr size_t PIPE_SIZE = 1 << 20;
constexpr size_t SPLICE_RCVBUF = 512 * 1024;
constexpr unsigned SHORT_RTT_US = 250;
constexpr double SLOT_SPACE = 1 << 20;  // connection ids are slot + generation × 2^20
// After an accept error that left connections waiting (no reserve descriptor, ENOBUFS …), the
// listener is tried again this much later: an edge-triggered listener gets no new event for them.
constexpr uint64_t ACCEPT_RETRY_MS = 100;
// Connections shed per accept error, at most (the rest on the retry).
constexpr int SHED_BATCH = 1024;
// What Linux accepts for TCP_KEEPIDLE / TCP_KEEPINTVL (seconds) and TCP_KEEPCNT.
constexpr int KEEPALIVE_MAX_SECONDS = 32767;
constexpr int KEEPALIVE_MAX_PROBES = 127;

struct State;
struct Conn;

struct Event {
  double type, id, a, b;
};

// What an epoll entry points at: a listener or one leg of a connection.
struct Watch {
  WatchKind kind;
};

struct Leg : Watch {
  int fd = -1;
  Conn* conn = nullptr;
  bool client = false;
  bool can_read = false;   // readable since the last short or EAGAIN read
  bool can_write = true;   // writable since the last short write
  bool rdhup = false;      // the peer's FIN has arrived: read until EOF
};

// Bytes owed to a destination (what it did not take at once, or the dial-time stash): an owned
// buffer whose allocations are checked — a failed one is reported, never written through.
struct Owed {
  char* data = nullptr;
  size_t len = 0;  // bytes held
  size_t off = 0;  // bytes of them written already
  Owed() = default;
  Owed(const Owed&) = delete;
  Owed& operator=(const Owed&) = delete;
  ~Owed() { std::free(data); }
  // Appends `n` bytes; false (and nothing changed) when memory is short.
  bool Append(const char* p, size_t n);
  void Clear() {
    std::free(data);
    data = nullptr;
    len = off = 0;
  }
};

// One direction: bytes read from one leg on their way to the other.
struct Dir {
  Owed pending;
  bool eof = false;   // the source sent FIN
  bool shut = false;  // FIN passed on to the destination
  uint64_t moved = 0;   // bytes passed on so far
  int pipe_r = -1, pipe_w = -1;  // splice pipe, once `moved` reached SPLICE_AFTER
  size_t in_pipe = 0;   // bytes in the pipe, not yet written to the destination
};

struct Conn {
  State* st = nullptr;
  double id = 0;
  uint32_t slot = 0;
  ConnState state = S_ACCEPTED;
  Leg client, up;
  Dir c2u, u2c;
  uv_timer_t timer;
  bool timer_on = false;
  uint64_t last = 0;  // loop time of the last byte moved
  uint64_t idle_ms = 0;
  int keepalive_idle_s = 0;  // 0 = keepalive off
  int keepalive_intvl_s = 0;
  int keepalive_cnt = 0;
  // bytes_out: bytes read from the upstream for the client (queued ones included, as the
  // JavaScript path's bytesWritten counts them).
  double bytes_in = 0, bytes_out = 0;
  // activity.cc: when an epoll event last reached a leg (State::now), what the client connected
  // from, and whether shut() has closed it gently (later input is read and dropped).
  double stamp = 0;
  sockaddr_storage peer{};
  bool shutting = false;
  // Preamble phase (preamble.cc): the client's first bytes are peeked (MSG_PEEK), not read, until
  // JavaScript has chosen where they go.
  bool preamble = false;
  size_t peek_max = 0;
  size_t peeked = 0;
};

struct Listener : Watch {
  int fd = -1;
  State* st = nullptr;
  double id = 0;
  bool retry = false;  // accept again when the retry timer fires
};

struct State {
  napi_env env = nullptr;
  uv_loop_t* loop = nullptr;
  int epfd = -1;
  int reserve_fd = -1;  // given up to accept-and-close when out of file descriptors
  uv_poll_t poll;
  uv_timer_t retry;  // accept again on listeners whose accept failed with connections waiting
  bool retry_on = false;
  uv_check_t check;
  uv_idle_t idle;
  bool idle_on = false;
  napi_ref flush_fn = nullptr;
  napi_ref events_ref = nullptr;
  napi_async_context actx = nullptr;
  double* events = nullptr;
  size_t events_cap = 0;
  std::vector<Event> queue;
  bool flushing = false;
  std::vector<Conn*> slots;
  std::vector<uint32_t> gens;
  std::vector<uint32_t> free_slots;
  std::vector<Listener*> listeners;  // by id - 1; null once closed
  std::vector<Listener*> dead;       // closed, freed before the next epoll batch
  size_t open_listeners = 0;
  size_t pipes = 0;
  bool splice = true;  // TCPSHIFT_SPLICE=0 turns splicing off
  size_t live = 0;
  bool reffed = false;
  double now = 0;  // ms on uv_hrtime's clock, read once per epoll wake-up (activity.cc)
  char buffer[READ_BUFFER];
};

// listen.cc
int OpenReserve();  // the descriptor kept for shedding connections when out of them, or -1
int Listen(State* st, const sockaddr* addr, int backlog, bool reuse_port, double* id, int* port);  // 0 or -errno
void CloseListener(State* st, double id);
void OnEpoll(uv_poll_t* h, int status, int events);
// Keeps Node's loop alive while something listens or a connection is open, as net sockets do.
void UpdateRef(State* st);
void OnRetry(uv_timer_t* t);
// Removes `fd` from the epoll set, then closes it. A forked child (every spawn forks) may hold a
// copy of the descriptor until it execs; close() alone would leave the socket in the set, raising
// events for memory already freed.
void Unwatch(State* st, int fd);

// pump.cc
Conn* NewConn(State* st, int fd);  // an accepted client, watched; null when it cannot be watched
Conn* Lookup(State* st, double id);
// Keepalive as the DestinationRule says (seconds, probes); idle 0 = off.
struct Keepalive {
  int idle_s, intvl_s, cnt;
};
// 0, -errno, or 1 = closed
int Dial(Conn* c, const sockaddr* addr, uint64_t connect_ms, uint64_t idle_ms, Keepalive ka);
void CloseAll(Conn* c, Ending how = END_CLEAN);
int SetKeepalive(int fd, Keepalive ka);  // 0 or -errno
uint64_t ToMs(double ms);  // a JavaScript duration as a timer value: 0 for NaN or ≤ 0, clamped above
void OnLegEvent(Leg* leg, uint32_t events);
void Pump(Conn* c, Leg* src);
void EndDirection(Conn* c, Dir& d, Leg* dst);
bool WritePending(Conn* c, Dir& d, Leg* dst);  // what `d` owes `dst`; true when all of it is written

// One receive from `src` through `read` (recv or splice): bytes (> 0), RECV_EOF, RECV_AGAIN (can_read
// cleared) or RECV_ERROR (errno set). EINTR is retried. With `short_drains`, fewer bytes than `want`
// mean the socket is drained, so can_read is cleared at once unless the peer's FIN is pending.
constexpr ssize_t RECV_EOF = 0, RECV_AGAIN = -1, RECV_ERROR = -2;
template <typename Read>
ssize_t Receive(Leg* src, size_t want, bool short_drains, Read read) {
  for (;;) {
    ssize_t n = read(want);
    if (n > 0) {
      if (short_drains && static_cast<size_t>(n) < want && !src->rdhup) src->can_read = false;
      return n;
    }
    if (n == 0) {
      src->can_read = false;
      return RECV_EOF;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      src->can_read = false;
      return RECV_AGAIN;
    }
    return RECV_ERROR;
  }
}
// Who to blame when `leg` fails.
inline Ending FailureOf(const Leg* leg) { return leg->client ? END_RESET : END_UPSTREAM_RESET; }

// splice.cc
bool OpenPipe(State* st, Dir& d);
void ClosePipe(State* st, Dir& d);
void FixReceiveBuffer(Leg* src);
void SplicePump(Conn* c, Leg* src, Dir& d, Leg* dst);
bool DrainPipe(Conn* c, Dir& d, Leg* dst);  // the pipe's bytes to dst: true once empty

// activity.cc: graceful close, activity stamps, the client's address, Unix socket addresses.
// Shut: what was read is written, then a FIN on both legs; later input is read and dropped; the
// connection closes once both peers have sent their FIN. With `only_if_quiet`, nothing is done
// (returns 0) when bytes are owed or wait unread in either socket; else returns 1.
int Shut(Conn* c, bool only_if_quiet);
void ShutProgress(Conn* c);  // a shut connection's epoll event
inline void Stamp(State* st) { st->now = static_cast<double>(uv_hrtime()) / 1e6; }
double PeerV4(const sockaddr_storage& a);  // an IPv4 client address as a number (host order), -1 for other families
size_t Owes(const Conn* c);  // bytes read and not yet written, both ways
socklen_t AddrLen(const sockaddr* a);
// preamble.cc
void PreambleRead(Conn* c);  // the client is readable while its preamble is read
void DefinePreamble(napi_env env, napi_value exports);  // the addon's preamble functions and constants

// addon.cc
void Emit(State* st, int type, double id, double a = 0, double b = 0);
void Flush(State* st);

}  // namespace tcpshift
