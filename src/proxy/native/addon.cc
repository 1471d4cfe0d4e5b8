// The JavaScript face of tcpshift's native data path (see proxy.h, pump.cc): a handful of
// functions, and events — accepted, connected, connect failed, closed — queued as they happen and
// handed to one JavaScript callback in batches through a shared Float64Array (4 numbers each): at
// the end of every epoll batch, and from the check phase for events raised outside one.
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

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

bool ParseAddr(napi_env env, napi_value host, double port, sockaddr_storage* out) {
  char ip[64];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, host, ip, sizeof ip, &len) != napi_ok) return false;
  std::memset(out, 0, sizeof *out);
  int p = static_cast<int>(port);
  if (uv_ip4_addr(ip, p, reinterpret_cast<sockaddr_in*>(out)) == 0) return true;
  return uv_ip6_addr(ip, p, reinterpret_cast<sockaddr_in6*>(out)) == 0;
}

// init(events: Float64Array, flush: (count) => void)
napi_value Init(napi_env env, napi_callback_info info) {
  State* st = GetState(env);
  napi_value argv[2];
  if (!Args(env, info, 2, argv)) return nullptr;
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_float64_array || length < 4) {
    napi_throw_type_error(env, nullptr, "init: events must be a Float64Array");
    return nullptr;
  }
  if (st->events_ref != nullptr) napi_delete_reference(env, st->events_ref);
  if (st->flush_fn != nullptr) napi_delete_reference(env, st->flush_fn);
  napi_create_reference(env, argv[0], 1, &st->events_ref);
  napi_create_reference(env, argv[1], 1, &st->flush_fn);
  st->events = static_cast<double*>(data);
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
    ThrowErrno(env, EINVAL, "listen: not an IP address");
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

// dial(id, ip, port, connectTimeoutMs, idleTimeoutMs, keepaliveMs) → 0 when dialling, a negative
// errno when the dial could not start, 1 when the connection has closed already (its closed event
// is queued)
napi_value DialJs(napi_env env, napi_callback_info info) {
  State* st = GetState(env);
  napi_value argv[6];
  if (!Args(env, info, 6, argv)) return nullptr;
  Conn* c = Lookup(st, ArgNum(env, argv[0]));
  if (c == nullptr) return Num(env, 1);
  sockaddr_storage addr;
  if (!ParseAddr(env, argv[1], ArgNum(env, argv[2]), &addr)) return Num(env, -EINVAL);
  return Num(env, Dial(c, reinterpret_cast<sockaddr*>(&addr), ArgNum(env, argv[3]), ArgNum(env, argv[4]), ArgNum(env, argv[5])));
}

// destroy(id): closes both legs now; a closed event follows
napi_value DestroyJs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  Conn* c = Lookup(GetState(env), ArgNum(env, argv[0]));
  if (c != nullptr) CloseAll(c);
  return Undefined(env);
}

// errorName(code) → 'ECONNREFUSED' for -ECONNREFUSED, etc.
napi_value ErrorName(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  napi_value s;
  napi_create_string_utf8(env, uv_err_name(static_cast<int>(ArgNum(env, argv[0]))), NAPI_AUTO_LENGTH, &s);
  return s;
}

// live() → connections accepted and not yet closed
napi_value Live(napi_env env, napi_callback_info) { return Num(env, static_cast<double>(GetState(env)->live)); }

void Cleanup(void* arg) {
  State* st = static_cast<State*>(arg);
  st->flush_fn = nullptr;  // the environment is going away: no more calls into it
}

void FreeState(napi_env, void* data, void*) {
  State* st = static_cast<State*>(data);
  // The loop may outlive this environment (worker threads): close our handles; the state itself
  // stays allocated, as open connections may still point at it.
  uv_close(reinterpret_cast<uv_handle_t*>(&st->poll), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->check), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->idle), nullptr);
}

napi_value ModuleInit(napi_env env, napi_value exports) {
  State* st = new State();
  st->env = env;
  napi_get_uv_event_loop(env, &st->loop);
  st->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (st->epfd < 0) {
    ThrowErrno(env, errno, "epoll_create1");
    return nullptr;
  }
  st->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
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
  napi_set_instance_data(env, st, FreeState, nullptr);
  napi_add_env_cleanup_hook(env, Cleanup, st);
  napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"listen", nullptr, ListenJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"closeListener", nullptr, CloseListenerJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dial", nullptr, DialJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"destroy", nullptr, DestroyJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"errorName", nullptr, ErrorName, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"live", nullptr, Live, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace
}  // namespace tcpshift

NAPI_MODULE_INIT() { return tcpshift::ModuleInit(env, exports); }
