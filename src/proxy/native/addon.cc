// The JavaScript face of tcpshift's native data path (see proxy.h, pump.cc): a handful of
// functions, and events — accepted, connected, connect failed, closed — queued as they happen and
// handed to one JavaScript callback in batches through a shared Float64Array (4 numbers each): at
// the end of every epoll batch, and from the check phase for events raised outside one.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "proxy.h"

namespace tcpshift {

void OnIdle(uv_idle_t*) {}

void Emit(State* st, int type, double id, double a, double b) {
  st->queue.push_back(Event{static_cast<double>(type), id, a, b});
  if (!st->idle_on) {
    // An active idle handle keeps the next poll from blocking until the check phase has flushed.
    uv_idle_start(&st->idle, OnIdle);
    st->idle_on = true;
  }
}

void Flush(State* st) {
  if (st->flushing || st->queue.empty() || st->flush_fn == nullptr) return;
  st->flushing = true;
  napi_env env = st->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, recv;
  napi_get_reference_value(env, st->flush_fn, &fn);
  napi_get_global(env, &recv);  // napi_make_callback wants an object as `this`
  // JavaScript may queue more events while it runs (destroy, a dial that fails at once): loop.
  size_t pos = 0;
  while (pos < st->queue.size()) {
    size_t n = st->queue.size() - pos;
    if (n > st->events_cap) n = st->events_cap;
    std::memcpy(st->events, &st->queue[pos], n * sizeof(Event));
    pos += n;
    napi_value arg, result;
    napi_create_uint32(env, static_cast<uint32_t>(n), &arg);
    if (napi_make_callback(env, st->actx, recv, fn, 1, &arg, &result) == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  st->queue.clear();
  napi_close_handle_scope(env, scope);
  st->flushing = false;
  if (st->idle_on) {
    uv_idle_stop(&st->idle);
    st->idle_on = false;
  }
}

namespace {

void OnCheck(uv_check_t* h) { Flush(static_cast<State*>(h->data)); }

State* GetState(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<State*>(data);
}

napi_value Undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value Num(napi_env env, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  return n;
}

// Throws an Error whose `code` is the errno name (EADDRINUSE …), as Node's own errors carry.
void ThrowErrno(napi_env env, int err, const char* what) {
  napi_value code, msg, error;
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code);
  char text[256];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_throw(env, error);
}

// Reads up to `want` arguments (missing ones past the required count read as undefined).
bool Args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, size_t max = 0) {
  size_t argc = max > want ? max : want;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < want) {
    napi_throw_type_error(env, nullptr, "missing arguments");
    return false;
  }
  return true;
}

double ArgNum(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

// A keepalive setting for setsockopt: at least 1, at most what Linux takes (`max`); 0 for none.
int KeepaliveValue(double v, int max) {
  if (!(v > 0)) return 0;
  return v >= max ? max : (v < 1 ? 1 : static_cast<int>(v));
}

// An IP address and port, or (a host starting with '/') the path of a Unix domain socket.
bool ParseAddr(napi_env env, napi_value host, double port, sockaddr_storage* out) {
  char ip[sizeof(sockaddr_un::sun_path) + 1];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, host, ip, sizeof ip, &len) != napi_ok) return false;
  std::memset(out, 0, sizeof *out);
  if (ip[0] == '/') {
    sockaddr_un* un = reinterpret_cast<sockaddr_un*>(out);
    if (len >= sizeof un->sun_path) return false;
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, ip, len + 1);
    return true;
  }
  if (len >= 64) return false;
  int p = static_cast<int>(port);
  if (uv_ip4_addr(ip, p, reinterpret_cast<sockaddr_in*>(out)) == 0) return true;
  return uv_ip6_addr(ip, p, reinterpret_cast<sockaddr_in6*>(out)) == 0;
}

// The data and length of a Float64Array argument; false when `v` is not one.
bool Float64Arg(napi_env env, napi_value v, double** data, size_t* length) {
  napi_typedarray_type type;
  size_t offset;
  void* raw;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, &ab, &offset) != napi_ok || type != napi_float64_array) return false;
  *data = static_cast<double*>(raw);
  return true;
}

// init(events: Float64Array, flush: (count) => void)
napi_value Init(napi_env env, napi_callback_info info) {
  State* st = GetState(env);
  napi_value argv[2];
  if (!Args(env, info, 2, argv)) return nullptr;
  double* data;
  size_t length;
  if (!Float64Arg(env, argv[0], &data, &length) || length < 4) {
    napi_throw_type_error(env, nullptr, "init: events must be a Float64Array");
    return nullptr;
  }
  if (st->events_ref != nullptr) napi_delete_reference(env, st->events_ref);
  if (st->flush_fn != nullptr) napi_delete_reference(env, st->flush_fn);
  napi_create_reference(env, argv[0], 1, &st->events_ref);
  napi_create_reference(env, argv[1], 1, &st->flush_fn);
  st->events = data;
  st->events_cap = length / 4;
  return Undefined(env);
}

// listen(host, port, backlog, reusePort?) → [id, boundPort]
napi_value ListenJs(napi_env env, napi_callback_info info) {
  State* st = GetState(env);
  napi_value argv[4];
  if (!Args(env, info, 3, argv, 4)) return nullptr;
  bool reuse_port = false;
  napi_valuetype t = napi_undefined;
  napi_typeof(env, argv[3], &t);
  if (t == napi_boolean) napi_get_value_bool(env, argv[3], &reuse_port);
  sockaddr_storage addr;
  if (!ParseAddr(env, argv[0], ArgNum(env, argv[1]), &addr)) {
    ThrowErrno(env, EINVAL, "listen: not an IP address or socket path");
    return nullptr;
  }
  double id = 0;
  int port = 0;
  int r = Listen(st, reinterpret_cast<sockaddr*>(&addr), static_cast<int>(ArgNum(env, argv[2])), reuse_port, &id, &port);
  if (r < 0) {
    ThrowErrno(env, -r, "listen");
    return nullptr;
  }
  Flush(st);  // connections already waiting
  napi_value out;
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, Num(env, id));
  napi_set_element(env, out, 1, Num(env, port));
  return out;
}

// closeListener(id): stops accepting at once
napi_value CloseListenerJs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  CloseListener(GetState(env), ArgNum(env, argv[0]));
  return Undefined(env);
}

// dial(id, ip, port, connectTimeoutMs, idleTimeoutMs, keepIdleS, keepIntvlS, keepCnt) → 0 when
// dialling, a negative errno when the dial could not start, 1 when the connection has closed
// already (its closed event is queued). Durations are 64-bit; keepIdleS 0 = keepalive off.
napi_value DialJs(napi_env env, napi_callback_info info) {
  State* st = GetState(env);
  napi_value argv[8];
  if (!Args(env, info, 8, argv)) return nullptr;
  Conn* c = Lookup(st, ArgNum(env, argv[0]));
  if (c == nullptr) return Num(env, 1);
  sockaddr_storage addr;
  if (!ParseAddr(env, argv[1], ArgNum(env, argv[2]), &addr)) return Num(env, -EINVAL);
  Keepalive ka{KeepaliveValue(ArgNum(env, argv[5]), KEEPALIVE_MAX_SECONDS), KeepaliveValue(ArgNum(env, argv[6]), KEEPALIVE_MAX_SECONDS),
               KeepaliveValue(ArgNum(env, argv[7]), KEEPALIVE_MAX_PROBES)};
  return Num(env, Dial(c, reinterpret_cast<sockaddr*>(&addr), ToMs(ArgNum(env, argv[3])), ToMs(ArgNum(env, argv[4])), ka));
}

// setKeepalive(fd, idleS, intvlS, cnt) → 0 or a negative errno: keepalive on a socket of this
// process as the DestinationRule says (the JavaScript data path uses it for its net.Sockets, whose
// setKeepAlive sets the idle time only).
napi_value SetKeepaliveJs(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!Args(env, info, 4, argv)) return nullptr;
  Keepalive ka{KeepaliveValue(ArgNum(env, argv[1]), KEEPALIVE_MAX_SECONDS), KeepaliveValue(ArgNum(env, argv[2]), KEEPALIVE_MAX_SECONDS),
               KeepaliveValue(ArgNum(env, argv[3]), KEEPALIVE_MAX_PROBES)};
  if (ka.idle_s == 0) return Num(env, -EINVAL);
  return Num(env, SetKeepalive(static_cast<int>(ArgNum(env, argv[0])), ka));
}

// destroy(id): closes both legs now; a closed event follows
napi_value DestroyJs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  Conn* c = Lookup(GetState(env), ArgNum(env, argv[0]));
  if (c != nullptr) CloseAll(c);
  return Undefined(env);
}

// shut(id, onlyIfQuiet) → 1 when closing gently (or closed already), 0 when onlyIfQuiet and bytes
// are owed or wait unread (nothing done), -1 for an unknown id. See Shut in activity.cc.
napi_value ShutJs(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, 2, argv)) return nullptr;
  State* st = GetState(env);
  Conn* c = Lookup(st, ArgNum(env, argv[0]));
  if (c == nullptr) return Num(env, -1);
  bool quiet = false;
  napi_get_value_bool(env, argv[1], &quiet);
  int r = Shut(c, quiet);
  Flush(st);
  return Num(env, r);
}

// activity(out: Float64Array) → slots in use. For each slot below out.length / 2: out[2 slot] = when
// an event last reached the connection's legs (ms, 0 when the slot is free), out[2 slot + 1] = bytes
// it owes either way. One call a sweep, not one per connection.
napi_value ActivityJs(napi_env env, napi_callback_info info) {
  State* st = GetState(env);
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  double* out;
  size_t length;
  if (!Float64Arg(env, argv[0], &out, &length)) {
    napi_throw_type_error(env, nullptr, "activity: out must be a Float64Array");
    return nullptr;
  }
  size_t n = st->slots.size();
  if (n > length / 2) n = length / 2;
  for (size_t i = 0; i < n; i++) {
    const Conn* c = st->slots[i];
    out[2 * i] = c == nullptr ? 0 : c->stamp;
    out[2 * i + 1] = c == nullptr ? 0 : static_cast<double>(Owes(c));
  }
  return Num(env, static_cast<double>(st->slots.size()));
}

// peer(id) → the client's address as text (IPv6, or IPv4 for a mapped one), null when unknown or
// not an IP socket. IPv4 clients come with the accept event already (EV_ACCEPT's b).
napi_value PeerJs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  Conn* c = Lookup(GetState(env), ArgNum(env, argv[0]));
  char text[INET6_ADDRSTRLEN] = "";
  napi_value s;
  if (c == nullptr) {
    napi_get_null(env, &s);
    return s;
  }
  int r = -1;
  if (c->peer.ss_family == AF_INET) r = uv_ip4_name(reinterpret_cast<const sockaddr_in*>(&c->peer), text, sizeof text);
  else if (c->peer.ss_family == AF_INET6) r = uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(&c->peer), text, sizeof text);
  if (r != 0) napi_get_null(env, &s);
  else napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s);
  return s;
}

// unread(fd) → bytes waiting unread in socket `fd` of this process (SIOCINQ); the JavaScript data
// path asks before an idle close.
napi_value UnreadJs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  int n = 0;
  if (ioctl(static_cast<int>(ArgNum(env, argv[0])), FIONREAD, &n) < 0) n = 0;
  return Num(env, n);
}

// finishWrite(fd) → 0 or a negative errno: shutdown(SHUT_WR) now on socket `fd` of this process (a
// FIN at once; Node's end() sends it an event-loop turn later). Only for a socket with nothing queued.
napi_value FinishWriteJs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  return Num(env, shutdown(static_cast<int>(ArgNum(env, argv[0])), SHUT_WR) < 0 ? -errno : 0);
}

// errorName(code) → 'ECONNREFUSED' for -ECONNREFUSED, etc.
napi_value ErrorName(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  napi_value s;
  napi_create_string_utf8(env, uv_err_name(static_cast<int>(ArgNum(env, argv[0]))), NAPI_AUTO_LENGTH, &s);
  return s;
}

// pendingError(fd) → the socket's pending error (SO_ERROR; reading it clears it), 0 when none. The
// JavaScript data path asks on 'end': libuv reports a reset that follows data in the same wakeup
// as an end of stream, without reading it.
napi_value PendingError(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(static_cast<int>(ArgNum(env, argv[0])), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  return Num(env, err);
}

// keepaliveOf(fd) → [SO_KEEPALIVE, TCP_KEEPIDLE s, TCP_KEEPINTVL s, TCP_KEEPCNT] of a socket of this
// process (tests read back what the proxy set)
napi_value KeepaliveOf(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  int fd = static_cast<int>(ArgNum(env, argv[0]));
  int v[4] = {0, 0, 0, 0};
  socklen_t len = sizeof(int);
  getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v[0], &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v[1], &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v[2], &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v[3], &len);
  napi_value out;
  napi_create_array_with_length(env, 4, &out);
  for (uint32_t i = 0; i < 4; i++) napi_set_element(env, out, i, Num(env, v[i]));
  return out;
}

// live() → connections accepted and not yet closed
napi_value Live(napi_env env, napi_callback_info) { return Num(env, static_cast<double>(GetState(env)->live)); }

// The numbers JavaScript must agree on (event types, limits): one definition, here.
napi_value Constants(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
  const struct {
    const char* name;
    double value;
  } all[] = {
      {"EV_ACCEPT", EV_ACCEPT}, {"EV_CONNECTED", EV_CONNECTED}, {"EV_CONNECT_FAILED", EV_CONNECT_FAILED},
      {"EV_CLOSED", EV_CLOSED}, {"EV_ACCEPT_ERROR", EV_ACCEPT_ERROR}, {"EV_UPSTREAM_RESET", EV_UPSTREAM_RESET},
      {"SLOT_SPACE", SLOT_SPACE}, {"KEEPALIVE_MAX_SECONDS", KEEPALIVE_MAX_SECONDS}, {"KEEPALIVE_MAX_PROBES", KEEPALIVE_MAX_PROBES},
  };
  for (const auto& c : all) napi_set_named_property(env, o, c.name, Num(env, c.value));
  napi_object_freeze(env, o);
  return o;
}

// Resets both legs of `c` and closes its timer without a close callback: this runs while the
// environment is torn down, and the addon may be unloaded before the loop runs the callbacks (the
// Conn itself is left allocated: a few hundred bytes per connection a dying thread held).
void Abandon(Conn* c) {
  State* st = c->st;
  for (Leg* leg : {&c->client, &c->up}) {
    if (leg->fd < 0) continue;
    linger lg = {1, 0};
    setsockopt(leg->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    Unwatch(st, leg->fd);
    leg->fd = -1;
  }
  ClosePipe(st, c->c2u);
  ClosePipe(st, c->u2c);
  c->state = S_CLOSED;
  if (c->timer_on) uv_timer_stop(&c->timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), nullptr);
  st->slots[c->slot] = nullptr;
  st->live--;
}

// The environment is going away (a worker thread ends or is terminated): no more calls into it,
// and everything it holds is closed now — its open connections are reset, and its listeners leave
// their SO_REUSEPORT group so the kernel stops queueing connections no one will accept. (Left
// open, the connections' timers would keep the thread's loop from closing, which aborts.)
void Cleanup(void* arg) {
  State* st = static_cast<State*>(arg);
  st->flush_fn = nullptr;
  for (Conn* c : st->slots) {
    if (c != nullptr) Abandon(c);
  }
  for (size_t i = 0; i < st->listeners.size(); i++) {
    if (st->listeners[i] != nullptr) CloseListener(st, static_cast<double>(i + 1));
  }
  st->queue.clear();
}

void FreeState(napi_env, void* data, void*) {
  State* st = static_cast<State*>(data);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->retry), nullptr);
  // The loop may outlive this environment (worker threads): close our handles; the state itself
  // stays allocated, as open connections may still point at it.
  uv_close(reinterpret_cast<uv_handle_t*>(&st->poll), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->check), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->idle), nullptr);
}

napi_value ModuleInit(napi_env env, napi_value exports) {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    ThrowErrno(env, errno, "epoll_create1");
    return nullptr;
  }
  State* st = new (std::nothrow) State();
  if (st == nullptr) {
    close(epfd);
    ThrowErrno(env, ENOMEM, "tcpshift native state");
    return nullptr;
  }
  st->env = env;
  st->epfd = epfd;
  napi_get_uv_event_loop(env, &st->loop);
  st->reserve_fd = OpenReserve();
  const char* splice = getenv("TCPSHIFT_SPLICE");
  st->splice = splice == nullptr || std::strcmp(splice, "0") != 0;
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "tcpshift:native", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &st->actx);
  uv_poll_init(st->loop, &st->poll, st->epfd);
  st->poll.data = st;
  uv_poll_start(&st->poll, UV_READABLE, OnEpoll);
  uv_unref(reinterpret_cast<uv_handle_t*>(&st->poll));
  uv_check_init(st->loop, &st->check);
  st->check.data = st;
  uv_check_start(&st->check, OnCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&st->check));
  uv_idle_init(st->loop, &st->idle);
  st->idle.data = st;
  uv_timer_init(st->loop, &st->retry);
  st->retry.data = st;
  uv_unref(reinterpret_cast<uv_handle_t*>(&st->retry));
  napi_set_instance_data(env, st, FreeState, nullptr);
  napi_add_env_cleanup_hook(env, Cleanup, st);
  napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"listen", nullptr, ListenJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"closeListener", nullptr, CloseListenerJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dial", nullptr, DialJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"destroy", nullptr, DestroyJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"errorName", nullptr, ErrorName, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setKeepalive", nullptr, SetKeepaliveJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pendingError", nullptr, PendingError, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"keepaliveOf", nullptr, KeepaliveOf, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"live", nullptr, Live, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"shut", nullptr, ShutJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"activity", nullptr, ActivityJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"peer", nullptr, PeerJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unread", nullptr, UnreadJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"finishWrite", nullptr, FinishWriteJs, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_set_named_property(env, exports, "constants", Constants(env));
  DefinePreamble(env, exports);
  return exports;
}

}  // namespace
}  // namespace tcpshift

NAPI_MODULE_INIT() { return tcpshift::ModuleInit(env, exports); }
