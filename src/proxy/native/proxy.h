// tcpshift's native data path (Linux): listening sockets and proxied connections on one
// edge-triggered epoll set of their own, watched from Node's libuv loop through a single uv_poll
// handle. JavaScript keeps every decision (which endpoint, limits, failover, counters); this code
// accepts, dials and moves bytes, and reports what happened as events (see addon.cc).
#pragma once

#include <node_api.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tcpshift {

enum EventType : int { EV_ACCEPT = 1, EV_CONNECTED = 2, EV_CONNECT_FAILED = 3, EV_CLOSED = 4, EV_ACCEPT_ERROR = 5 };
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

// One direction: bytes read from one leg on their way to the other.
struct Dir {
  char* pending = nullptr;  // what the destination did not take at once (or the dial-time stash)
  size_t len = 0;
  size_t off = 0;
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
  uint32_t idle_ms = 0;
  unsigned keepalive_s = 0;
  double bytes_in = 0, bytes_out = 0;
};

struct Listener : Watch {
  int fd = -1;
  State* st = nullptr;
  double id = 0;
};

struct State {
  napi_env env = nullptr;
  uv_loop_t* loop = nullptr;
  int epfd = -1;
  int reserve_fd = -1;  // given up to accept-and-close when out of file descriptors
  uv_poll_t poll;
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
  char buffer[READ_BUFFER];
};

// listen.cc
int Listen(State* st, const sockaddr* addr, int backlog, bool reuse_port, double* id, int* port);  // 0 or -errno
void CloseListener(State* st, double id);
void OnEpoll(uv_poll_t* h, int status, int events);
// Keeps Node's loop alive while something listens or a connection is open, as net sockets do.
void UpdateRef(State* st);

// pump.cc
Conn* NewConn(State* st, int fd);  // an accepted client, watched; null when it cannot be watched
Conn* Lookup(State* st, double id);
int Dial(Conn* c, const sockaddr* addr, double connect_ms, double idle_ms, double keepalive_ms);  // 0, -errno, or 1 = closed
void CloseAll(Conn* c);
void OnLegEvent(Leg* leg, uint32_t events);
void Pump(Conn* c, Leg* src);
void EndDirection(Conn* c, Dir& d, Leg* dst);

// splice.cc
bool OpenPipe(State* st, Dir& d);
void ClosePipe(State* st, Dir& d);
void FixReceiveBuffer(Leg* src);
void SplicePump(Conn* c, Leg* src, Dir& d, Leg* dst);

// addon.cc
void Emit(State* st, int type, double id, double a = 0, double b = 0);
void Flush(State* st);

}  // namespace tcpshift
