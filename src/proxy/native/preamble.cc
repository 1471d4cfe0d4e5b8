// The preamble phase of an accepted connection: before JavaScript routes it, the client's first
// bytes (a PROXY header, a TLS ClientHello) are peeked with MSG_PEEK — never read, so they stay in
// the socket for the upstream — and reported as EV_PREAMBLE events (how many bytes, and whether
// the read has stopped: EOF, timeout, or maxBytes peeked). JavaScript copies them with peek(),
// decides, then calls preface(): drop a PROXY header, queue bytes for the upstream, and dial.
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "proxy.h"

namespace tcpshift {

namespace {

void StopPreamble(Conn* c) {
  c->preamble = false;
  if (c->timer_on) {
    uv_timer_stop(&c->timer);
    c->timer_on = false;
  }
}

// Tells JavaScript how many bytes are waiting; a final report ends the phase.
void Report(Conn* c, int end) {
  if (end != PE_MORE) StopPreamble(c);
  Emit(c->st, EV_PREAMBLE, c->id, static_cast<double>(c->peeked), end);
}

void OnPreambleTimer(uv_timer_t* t) {
  Conn* c = static_cast<Conn*>(t->data);
  c->timer_on = false;
  if (c->preamble && c->state != S_CLOSED) Report(c, PE_TIMEOUT);
}

State* GetState(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<State*>(data);
}

napi_value Num(napi_env env, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  return n;
}

double ArgNum(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

bool Args(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < want) {
    napi_throw_type_error(env, nullptr, "missing arguments");
    return false;
  }
  return true;
}

// The bytes of a Uint8Array (or Buffer) argument; false when it is not one.
bool Bytes(napi_env env, napi_value v, char** data, size_t* len) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) return false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &offset) != napi_ok || type != napi_uint8_array) return false;
  *data = static_cast<char*>(p);
  return true;
}

// preamble(id, maxBytes, timeoutMs) → 0, or 1 when the connection has closed already
napi_value PreambleJs(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, 3, argv)) return nullptr;
  Conn* c = Lookup(GetState(env), ArgNum(env, argv[0]));
  if (c == nullptr || c->state == S_CLOSED) return Num(env, 1);
  if (c->state != S_ACCEPTED) return Num(env, -EALREADY);
  double max = ArgNum(env, argv[1]);
  c->peek_max = max >= READ_BUFFER ? READ_BUFFER : (max < 1 ? 1 : static_cast<size_t>(max));
  c->peeked = 0;
  c->preamble = true;
  uint64_t ms = ToMs(ArgNum(env, argv[2]));
  if (ms > 0) {
    uv_timer_start(&c->timer, OnPreambleTimer, ms, 0);
    c->timer_on = true;
  }
  PreambleRead(c);  // bytes may have come with the connection (their edge passed before this call)
  return Num(env, c->state == S_CLOSED ? 1 : 0);
}

// peek(id, bytes: Uint8Array) → bytes copied (what is waiting, up to its length and maxBytes), -1 when closed
napi_value PeekJs(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, 2, argv)) return nullptr;
  Conn* c = Lookup(GetState(env), ArgNum(env, argv[0]));
  char* data;
  size_t len;
  if (!Bytes(env, argv[1], &data, &len)) {
    napi_throw_type_error(env, nullptr, "peek: bytes must be a Uint8Array");
    return nullptr;
  }
  if (c == nullptr || c->state == S_CLOSED || c->client.fd < 0) return Num(env, -1);
  if (c->peek_max > 0 && len > c->peek_max) len = c->peek_max;
  for (;;) {
    ssize_t n = recv(c->client.fd, data, len, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0) return Num(env, static_cast<double>(n));
    if (errno == EINTR) continue;
    return Num(env, errno == EAGAIN ? 0 : -1);
  }
}

// preface(id, discard, prefix?: Uint8Array) → 0, 1 when closed already, or a negative errno: ends the
// preamble, reads and drops `discard` bytes (a PROXY header), and queues `prefix` for the upstream
// ahead of the client's bytes. Call once, before dial().
napi_value PrefaceJs(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 2) {
    napi_throw_type_error(env, nullptr, "missing arguments");
    return nullptr;
  }
  Conn* c = Lookup(GetState(env), ArgNum(env, argv[0]));
  if (c == nullptr || c->state == S_CLOSED) return Num(env, 1);
  if (c->state != S_ACCEPTED) return Num(env, -EALREADY);
  StopPreamble(c);
  double d = ArgNum(env, argv[1]);
  size_t discard = d > 0 ? static_cast<size_t>(d) : 0;
  char* buf = c->st->buffer;
  while (discard > 0) {
    // The bytes were peeked: they are in the socket now.
    ssize_t n = recv(c->client.fd, buf, discard > READ_BUFFER ? READ_BUFFER : discard, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Num(env, -(n == 0 ? EPIPE : errno));
    discard -= static_cast<size_t>(n);
  }
  char* data;
  size_t len;
  if (argc >= 3 && Bytes(env, argv[2], &data, &len) && len > 0 && !c->c2u.pending.Append(data, len)) return Num(env, -ENOMEM);
  c->client.can_read = true;  // what was peeked is still waiting: the dial's stash reads it
  return Num(env, 0);
}

// addresses(id) → [peer ip, peer port, local ip, local port] of the client socket, or null
napi_value AddressesJs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, argv)) return nullptr;
  Conn* c = Lookup(GetState(env), ArgNum(env, argv[0]));
  napi_value null_value;
  napi_get_null(env, &null_value);
  if (c == nullptr || c->client.fd < 0) return null_value;
  sockaddr_storage sa[2];
  socklen_t len[2] = {sizeof sa[0], sizeof sa[1]};
  if (getpeername(c->client.fd, reinterpret_cast<sockaddr*>(&sa[0]), &len[0]) < 0) return null_value;
  if (getsockname(c->client.fd, reinterpret_cast<sockaddr*>(&sa[1]), &len[1]) < 0) return null_value;
  napi_value out;
  napi_create_array_with_length(env, 4, &out);
  for (int i = 0; i < 2; i++) {
    char ip[64] = {0};
    int port;
    if (sa[i].ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&sa[i]);
      uv_ip4_name(a, ip, sizeof ip);
      port = ntohs(a->sin_port);
    } else if (sa[i].ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&sa[i]);
      uv_ip6_name(a, ip, sizeof ip);
      port = ntohs(a->sin6_port);
    } else {
      return null_value;
    }
    napi_value s;
    napi_create_string_utf8(env, ip, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, out, i * 2, s);
    napi_set_element(env, out, i * 2 + 1, Num(env, port));
  }
  return out;
}

}  // namespace

void PreambleRead(Conn* c) {
  Leg* leg = &c->client;
  if (!c->preamble || c->state == S_CLOSED) return;
  for (;;) {
    ssize_t n = recv(leg->fd, c->st->buffer, c->peek_max, MSG_PEEK);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        leg->can_read = false;
        return;
      }
      CloseAll(c, END_RESET);
      return;
    }
    if (n == 0) {
      Report(c, PE_EOF);
      return;
    }
    bool grew = static_cast<size_t>(n) > c->peeked;
    c->peeked = static_cast<size_t>(n);
    leg->can_read = false;  // peeked, not read: only new bytes raise a new edge
    if (c->peeked >= c->peek_max) Report(c, PE_FULL);
    else if (leg->rdhup) Report(c, PE_EOF);  // the FIN came with these bytes: no more will
    else if (grew) Report(c, PE_MORE);
    return;
  }
}

void DefinePreamble(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"preamble", nullptr, PreambleJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"peek", nullptr, PeekJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"preface", nullptr, PrefaceJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addresses", nullptr, AddressesJs, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value o;
  napi_create_object(env, &o);
  const struct {
    const char* name;
    double value;
  } all[] = {{"EV_PREAMBLE", EV_PREAMBLE}, {"PE_MORE", PE_MORE}, {"PE_EOF", PE_EOF}, {"PE_TIMEOUT", PE_TIMEOUT}, {"PE_FULL", PE_FULL}};
  for (const auto& k : all) napi_set_named_property(env, o, k.name, Num(env, k.value));
  napi_object_freeze(env, o);
  napi_set_named_property(env, exports, "preambleConstants", o);
}

}  // namespace tcpshift
