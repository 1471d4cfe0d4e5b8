/*
 * tcpshift bench backends: one epoll thread serving every port it is given, so that all targets
 * share the same, cheap upstreams.
 *
 *   backend MODE:PORT ...      PORT 0 = any free port; prints {"ports":[...]} once listening
 *     echo:PORT   writes back what it reads; closes after the client's EOF
 *     sink:PORT   discards what it reads; at the client's EOF answers the byte count ("N\n") and closes
 *     id:PORT:C   writes the one character C, then closes (tells which upstream served a connection)
 *
 * Runs until SIGTERM/SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { ECHO, SINK, ID };
#define MAX_FDS 65536
#define MAX_LISTENERS 64

struct conn {
  uint8_t mode, listener, active;
  char id;
  unsigned long long count;
  char *pending;   /* echo bytes not yet written */
  size_t pending_len, pending_off;
};

static struct conn conns[MAX_FDS];
static int listen_fd[MAX_LISTENERS], listen_mode[MAX_LISTENERS];
static char listen_id[MAX_LISTENERS];
static int n_listeners;
static volatile sig_atomic_t stop;
static char buf[256 * 1024];

static void on_signal(int sig) { (void)sig; stop = 1; }

static void die(const char *what) {
  fprintf(stderr, "backend: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void drop(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  free(conns[fd].pending);
  memset(&conns[fd], 0, sizeof conns[fd]);
}

/* Writes what echo owes; returns 0 when all is written, 1 when blocked, -1 on error. */
static int flush_pending(int fd) {
  struct conn *c = &conns[fd];
  while (c->pending_off < c->pending_len) {
    ssize_t w = write(fd, c->pending + c->pending_off, c->pending_len - c->pending_off);
    if (w < 0) return errno == EAGAIN ? 1 : -1;
    c->pending_off += w;
  }
  c->pending_off = c->pending_len = 0;
  return 0;
}

static void on_readable(int ep, int fd) {
  struct conn *c = &conns[fd];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EAGAIN) return;
      drop(ep, fd);
      return;
    }
    if (r == 0) {
      if (c->mode == SINK) {
        char reply[32];
        int n = snprintf(reply, sizeof reply, "%llu\n", c->count);
        if (write(fd, reply, n) != n) {}
      }
      drop(ep, fd);
      return;
    }
    c->count += r;
    if (c->mode != ECHO) continue;
    ssize_t w = write(fd, buf, r);
    if (w < 0) {
      if (errno != EAGAIN) { drop(ep, fd); return; }
      w = 0;
    }
    if (w < r) {
      /* Blocked: keep the rest and stop reading until it is written (backpressure). */
      c->pending = realloc(c->pending, r - w);
      memcpy(c->pending, buf + w, r - w);
      c->pending_len = r - w;
      c->pending_off = 0;
      struct epoll_event ev = { .events = EPOLLOUT, .data.fd = fd };
      epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
      return;
    }
  }
}

static void on_accept(int ep, int l) {
  for (;;) {
    int fd = accept4(listen_fd[l], NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR) fprintf(stderr, "backend: accept: %s\n", strerror(errno));
      return;
    }
    if (fd >= MAX_FDS) { close(fd); continue; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct conn *c = &conns[fd];
    memset(c, 0, sizeof *c);
    c->mode = listen_mode[l];
    c->active = 1;
    if (c->mode == ID) {
      if (write(fd, &listen_id[l], 1) != 1) {}
      close(fd);
      c->active = 0;
      continue;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = { .sa_handler = on_signal };
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  int ep = epoll_create1(0);
  printf("{\"ports\":[");
  for (int i = 1; i < argc && n_listeners < MAX_LISTENERS; i++) {
    char mode[16] = {0}, id = '?';
    int port = 0;
    if (sscanf(argv[i], "%15[a-z]:%d:%c", mode, &port, &id) < 2) { fprintf(stderr, "backend: bad spec %s\n", argv[i]); return 2; }
    int m = !strcmp(mode, "echo") ? ECHO : !strcmp(mode, "sink") ? SINK : !strcmp(mode, "id") ? ID : -1;
    if (m < 0) { fprintf(stderr, "backend: bad mode %s\n", mode); return 2; }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (listen(fd, 4096) < 0) die("listen");
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    listen_fd[n_listeners] = fd;
    listen_mode[n_listeners] = m;
    listen_id[n_listeners] = id;
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = -1 - n_listeners };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    printf("%s%d", n_listeners ? "," : "", ntohs(a.sin_port));
    n_listeners++;
  }
  printf("]}\n");
  fflush(stdout);
  struct epoll_event evs[256];
  while (!stop) {
    int n = epoll_wait(ep, evs, 256, 500);
    for (int k = 0; k < n; k++) {
      int fd = evs[k].data.fd;
      if (fd < 0) { on_accept(ep, -1 - fd); continue; }
      if (!conns[fd].active) continue;
      if (evs[k].events & EPOLLOUT) {
        int r = flush_pending(fd);
        if (r < 0) { drop(ep, fd); continue; }
        if (r == 0) {
          struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
          epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        }
        continue;
      }
      if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(ep, fd);
    }
  }
  return 0;
}
