/*
 * A minimal single-threaded epoll TCP proxy, the same accept/dial/pump sequence as tcpshift's native
 * data path (src/proxy/native), with each kernel-side idea behind a flag, so that their cost can be
 * measured on their own, without Node (bench/uring/ab.sh drives it with bench/loadgen.c).
 *
 *   eproxy LISTEN_PORT UPSTREAM_PORT [FLAG ...]
 *
 * FLAG:
 *   defer       TCP_DEFER_ACCEPT (1 s) on the listener: accept() only once the client's first bytes are in
 *   bindnp      IP_BIND_ADDRESS_NO_PORT + bind(127.0.0.1:0) before connect()
 *   qa0         TCP_QUICKACK 0 on each accepted socket (delay the ACK of the client's data so it rides
 *               on the answer: HAProxy's tcp-smart-accept)
 *   smartconn   TCP_QUICKACK 0 before connect() when client bytes are already held (the handshake's
 *               last ACK rides on them: HAProxy's tcp-smart-connect)
 *   eager       read the client right after accept(), and send what is held right after connect()
 *               instead of waiting for EPOLLOUT
 *   nodelay0    no TCP_NODELAY on either leg
 *   nodel       close() without EPOLL_CTL_DEL first (the last close removes a socket from the set;
 *               the addon deletes first because a forked child may hold a copy)
 *
 * Prints {"ready":PORT} once listening; on SIGTERM prints its CPU time as JSON and exits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int f_defer, f_bindnp, f_qa0, f_smartconn, f_eager, f_nodelay = 1, f_nodel;
static struct sockaddr_in up_addr;
static int ep;
static volatile sig_atomic_t stop;

enum { DIALING, OPEN };
struct leg { int fd; int client; int can_read, can_write; struct conn *c; };
struct conn {
  struct leg cl, up;
  int state;
  char held[4096]; size_t held_len;      /* client bytes read while dialling */
  int c_eof, u_eof, c_shut, u_shut;
  int dead;
  struct conn *next_dead;
};
static struct conn *dead;  /* closed in this epoll batch: freed after it (later events may name them) */

static const unsigned LEG_EVENTS = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
static char buf[65536];
static long conns;

static void add(struct leg *l) {
  struct epoll_event ev = { .events = LEG_EVENTS, .data.ptr = l };
  if (epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev) < 0) { perror("epoll_ctl"); exit(2); }
}

static void close_all(struct conn *c) {
  if (!f_nodel) epoll_ctl(ep, EPOLL_CTL_DEL, c->cl.fd, NULL);
  close(c->cl.fd);
  if (c->up.fd >= 0) {
    if (!f_nodel) epoll_ctl(ep, EPOLL_CTL_DEL, c->up.fd, NULL);
    close(c->up.fd);
  }
  c->dead = 1;
  c->next_dead = dead;
  dead = c;
}

/* Reads what the client sent while dialling into c->held. Returns -1 when the connection closed. */
static int stash(struct conn *c) {
  while (c->cl.can_read && !c->c_eof && c->held_len < sizeof c->held) {
    size_t want = sizeof c->held - c->held_len;
    ssize_t n = recv(c->cl.fd, c->held + c->held_len, want, 0);
    if (n > 0) { c->held_len += n; if ((size_t)n < want) c->cl.can_read = 0; continue; }
    if (n == 0) { c->c_eof = 1; c->cl.can_read = 0; break; }
    if (errno == EAGAIN) { c->cl.can_read = 0; break; }
    close_all(c); return -1;
  }
  return 0;
}

/* Both directions ended: close. Returns -1 when closed. */
static int end_dir(struct conn *c, struct leg *dst) {
  int *shut = dst == &c->up ? &c->u_shut : &c->c_shut;
  if (*shut) return 0;
  *shut = 1;
  if (c->u_shut && c->c_shut) { close_all(c); return -1; }
  shutdown(dst->fd, SHUT_WR);
  return 0;
}

static int pump(struct conn *c, struct leg *src) {
  struct leg *dst = src->client ? &c->up : &c->cl;
  int *eof = src->client ? &c->c_eof : &c->u_eof;
  while (src->can_read && !*eof) {
    ssize_t n = recv(src->fd, buf, sizeof buf, 0);
    if (n > 0) {
      if ((size_t)n < sizeof buf) src->can_read = 0;
      ssize_t w = send(dst->fd, buf, n, MSG_NOSIGNAL);
      if (w != n) { close_all(c); return -1; }  /* 5-byte echo: never short here */
      continue;
    }
    if (n == 0) { *eof = 1; src->can_read = 0; return end_dir(c, dst); }
    if (errno == EAGAIN) { src->can_read = 0; return 0; }
    close_all(c); return -1;
  }
  return 0;
}

static int connected(struct conn *c) {
  c->state = OPEN;
  if (c->held_len > 0) {
    ssize_t w = send(c->up.fd, c->held, c->held_len, MSG_NOSIGNAL);
    if (w != (ssize_t)c->held_len) { close_all(c); return -1; }
    c->held_len = 0;
  }
  if (c->c_eof && end_dir(c, &c->up) < 0) return -1;
  if (pump(c, &c->cl) < 0) return -1;
  return pump(c, &c->up);
}

static void on_leg(struct leg *l, unsigned events) {
  struct conn *c = l->c;
  if (c->dead) return;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) l->can_read = 1;
  if (events & EPOLLOUT) l->can_write = 1;
  if (c->state == DIALING) {
    if (!l->client) {
      if (events & (EPOLLERR | EPOLLHUP)) { close_all(c); return; }
      if (events & EPOLLOUT) connected(c);
      return;
    }
    stash(c);
    return;
  }
  if (events & EPOLLERR) { close_all(c); return; }
  pump(c, l);
}

static void dial(struct conn *c) {
  int one = 1, zero = 0;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { close_all(c); return; }
  if (f_nodelay) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (f_bindnp) {
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(fd, (struct sockaddr *)&a, sizeof a);
  }
  if (f_smartconn && c->held_len > 0) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof zero);
  c->up.fd = fd;
  if (connect(fd, (struct sockaddr *)&up_addr, sizeof up_addr) < 0 && errno != EINPROGRESS) { close_all(c); return; }
  c->state = DIALING;
  if (f_eager && c->held_len > 0) {
    ssize_t w = send(fd, c->held, c->held_len, MSG_NOSIGNAL);
    if (w == (ssize_t)c->held_len) {
      c->held_len = 0;
      c->state = OPEN;
      c->up.can_write = 1;
      add(&c->up);
      if (c->c_eof && end_dir(c, &c->up) < 0) return;
      pump(c, &c->cl);
      return;
    }
  }
  add(&c->up);
  if (!f_eager) stash(c);
}

static void on_accept(int lfd) {
  int zero = 0;
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    conns++;
    struct conn *c = calloc(1, sizeof *c);
    c->cl = (struct leg){ .fd = fd, .client = 1, .can_write = 1, .c = c };
    c->up = (struct leg){ .fd = -1, .client = 0, .can_write = 0, .c = c };
    if (f_qa0) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof zero);
    if (f_eager) {
      c->cl.can_read = 1;  /* optimistic: read before the epoll set says so */
      if (stash(c) < 0) continue;
    }
    add(&c->cl);
    dial(c);
  }
}

static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: eproxy LISTEN_PORT UPSTREAM_PORT [defer|bindnp|qa0|smartconn|eager|nodelay0 ...]\n"); return 2; }
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "defer")) f_defer = 1;
    else if (!strcmp(argv[i], "bindnp")) f_bindnp = 1;
    else if (!strcmp(argv[i], "qa0")) f_qa0 = 1;
    else if (!strcmp(argv[i], "smartconn")) f_smartconn = 1;
    else if (!strcmp(argv[i], "eager")) f_eager = 1;
    else if (!strcmp(argv[i], "nodelay0")) f_nodelay = 0;
    else if (!strcmp(argv[i], "nodel")) f_nodel = 1;
    else if (strcmp(argv[i], "-")) { fprintf(stderr, "eproxy: unknown flag %s\n", argv[i]); return 2; }
  }
  signal(SIGTERM, on_term);
  signal(SIGPIPE, SIG_IGN);
  up_addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (f_nodelay) setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (f_defer) setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
  struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(lfd, (struct sockaddr *)&la, sizeof la) < 0 || listen(lfd, 511) < 0) { perror("listen"); return 2; }
  socklen_t len = sizeof la;
  getsockname(lfd, (struct sockaddr *)&la, &len);
  ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event lev = { .events = EPOLLIN | EPOLLET, .data.ptr = NULL };
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  printf("{\"ready\":%d}\n", ntohs(la.sin_port));
  fflush(stdout);
  struct epoll_event evs[256];
  while (!stop) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) on_accept(lfd);
      else on_leg(evs[i].data.ptr, evs[i].events);
    }
    while (dead != NULL) { struct conn *c = dead; dead = c->next_dead; free(c); }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"conns\":%ld,\"user\":%.3f,\"sys\":%.3f}\n", conns, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  return 0;
}
