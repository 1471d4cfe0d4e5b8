/*
 * A minimal single-threaded io_uring TCP proxy (liburing), for comparing with the epoll prototype
 * (eproxy.c) under the same load: multishot accept; the client's first bytes received, then
 * connect → send → recv linked in one submission; then recv → send linked per direction; a FIN
 * passed on with IORING_OP_SHUTDOWN; both sockets closed with IORING_OP_CLOSE. Every operation of a
 * loop turn goes to the kernel in one io_uring_enter. A short send breaks its chain and fails the
 * connection (not retried: the bench's 5-byte exchange never has one).
 *
 *   uproxy LISTEN_PORT UPSTREAM_PORT [FLAG ...]
 *
 * FLAG: defer (TCP_DEFER_ACCEPT on the listener), taskrun (IORING_SETUP_DEFER_TASKRUN: completions
 * run only when this thread waits), sqpoll (a kernel thread polls the submission queue; its CPU
 * counts: it is one of this process's threads), socket (IORING_OP_SOCKET instead of socket(2)),
 * pollfirst (IORING_RECVSEND_POLL_FIRST on every receive but the first: wait for readiness instead
 * of trying the receive first — after a send, the answer is not there yet).
 *
 * Prints {"ready":PORT} once listening; on SIGTERM prints its CPU time as JSON and exits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum Op { OP_ACCEPT = 1, OP_RECV_C, OP_RECV_U, OP_SEND_C, OP_SEND_U, OP_CONNECT, OP_SHUT, OP_CLOSE, OP_SOCKET };

#define BUF 4096
struct conn {
  int cfd, ufd;
  int inflight;     /* operations submitted and not completed: freed at 0 once closing */
  int c_eof, u_eof, closing, waiting, held;  /* waiting: for the first bytes */
  char first[BUF], c2u[BUF], u2c[BUF];  /* first: the client's first bytes, sent after the connect */
};

static struct io_uring ring;
static struct sockaddr_in up_addr;
static int lfd, f_socket, f_pollfirst;
static volatile sig_atomic_t stop;
static long conns;

static struct io_uring_sqe *sqe_get(void) {
  struct io_uring_sqe *s = io_uring_get_sqe(&ring);
  while (s == NULL) {
    io_uring_submit(&ring);
    s = io_uring_get_sqe(&ring);
  }
  return s;
}

static uint64_t ud(struct conn *c, enum Op op) { return (uint64_t)(uintptr_t)c | op; }

static struct io_uring_sqe *prep(struct conn *c, enum Op op) {
  struct io_uring_sqe *s = sqe_get();
  io_uring_sqe_set_data64(s, ud(c, op));
  if (c != NULL) c->inflight++;
  return s;
}

static void arm_accept(void) {
  struct io_uring_sqe *s = sqe_get();
  io_uring_prep_multishot_accept(s, lfd, NULL, NULL, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(s, OP_ACCEPT);
}

static void recv_from(struct conn *c, int client) {
  struct io_uring_sqe *s = prep(c, client ? OP_RECV_C : OP_RECV_U);
  io_uring_prep_recv(s, client ? c->cfd : c->ufd, client ? c->c2u : c->u2c, BUF, 0);
  if (f_pollfirst) s->ioprio |= IORING_RECVSEND_POLL_FIRST;  /* nothing is there yet: wait first */
}

/* send n bytes of the direction's buffer, then (linked) receive again from its source */
static void forward(struct conn *c, int from_client, int n) {
  struct io_uring_sqe *s = prep(c, from_client ? OP_SEND_U : OP_SEND_C);
  io_uring_prep_send(s, from_client ? c->ufd : c->cfd, from_client ? c->c2u : c->u2c, n, MSG_NOSIGNAL);
  s->flags |= IOSQE_IO_LINK;
  recv_from(c, from_client);
}

static void close_conn(struct conn *c) {
  if (c->closing) return;
  c->closing = 1;
  struct io_uring_sqe *s = prep(c, OP_CLOSE);
  io_uring_prep_close(s, c->cfd);
  if (c->ufd >= 0) {
    s = prep(c, OP_CLOSE);
    io_uring_prep_close(s, c->ufd);
  }
}

/* an error: cut both legs (pending receives complete), then close once nothing is in flight */
static void fail(struct conn *c) {
  if (c->closing) return;
  shutdown(c->cfd, SHUT_RDWR);
  if (c->ufd >= 0) shutdown(c->ufd, SHUT_RDWR);
  c->c_eof = c->u_eof = 1;
}

static void dial(struct conn *c, int n) {
  int one = 1;
  setsockopt(c->ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct io_uring_sqe *s = prep(c, OP_CONNECT);
  io_uring_prep_connect(s, c->ufd, (struct sockaddr *)&up_addr, sizeof up_addr);
  s->flags |= IOSQE_IO_LINK;
  s = prep(c, OP_SEND_U);
  io_uring_prep_send(s, c->ufd, c->first, n, MSG_NOSIGNAL);
  s->flags |= IOSQE_IO_LINK;
  recv_from(c, 0);  /* connect → send → recv, one chain */
  recv_from(c, 1);  /* the client again, on its own */
}

static void on_cqe(struct io_uring_cqe *cqe) {
  uint64_t d = io_uring_cqe_get_data64(cqe);
  enum Op op = d & 15;  /* calloc aligns to 16: the low 4 bits are free */
  struct conn *c = (struct conn *)(uintptr_t)(d & ~(uint64_t)15);
  int res = cqe->res;
  if (op == OP_ACCEPT) {
    if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept();
    if (res < 0) return;
    conns++;
    c = calloc(1, sizeof *c);
    c->cfd = res;
    c->ufd = -1;
    c->waiting = 1;
    struct io_uring_sqe *s = prep(c, OP_RECV_C);  /* the first bytes, then dial */
    io_uring_prep_recv(s, c->cfd, c->first, BUF, 0);
    return;
  }
  c->inflight--;
  switch (op) {
    case OP_RECV_C:
      if (res > 0 && c->waiting) {
        c->waiting = 0;
        if (f_socket) {  /* the bytes wait in `first` until the socket exists */
          struct io_uring_sqe *s = prep(c, OP_SOCKET);
          io_uring_prep_socket(s, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
          c->held = res;
          break;
        }
        c->ufd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->ufd < 0) { fail(c); break; }
        dial(c, res);
      } else if (res > 0) {
        forward(c, 1, res);
      } else if (res == -ECANCELED) {
      } else if (res == 0 && !c->waiting) {
        c->c_eof = 1;
        if (!c->u_eof) { struct io_uring_sqe *s = prep(c, OP_SHUT); io_uring_prep_shutdown(s, c->ufd, SHUT_WR); }
      } else {
        fail(c);
        c->c_eof = 1;
      }
      break;
    case OP_RECV_U:
      if (res > 0) forward(c, 0, res);
      else if (res == 0) {
        c->u_eof = 1;
        if (!c->c_eof) { struct io_uring_sqe *s = prep(c, OP_SHUT); io_uring_prep_shutdown(s, c->cfd, SHUT_WR); }
      } else if (res != -ECANCELED) fail(c);
      break;
    case OP_SOCKET: {
      if (res < 0) { fail(c); break; }
      c->ufd = res;
      dial(c, c->held);
      break;
    }
    case OP_SEND_C: case OP_SEND_U: case OP_CONNECT:
      if (res < 0) fail(c);  /* a canceled link too: its chain is broken */
      break;
    default:
      break;
  }
  if (c->c_eof && c->u_eof && c->inflight == 0) {
    if (c->closing) free(c);
    else close_conn(c);
  }
}

static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: uproxy LISTEN_PORT UPSTREAM_PORT [defer|taskrun|sqpoll|socket|pollfirst ...]\n"); return 2; }
  int f_defer = 0;
  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "defer")) f_defer = 1;
    else if (!strcmp(argv[i], "taskrun")) params.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    else if (!strcmp(argv[i], "sqpoll")) params.flags |= IORING_SETUP_SQPOLL;
    else if (!strcmp(argv[i], "socket")) f_socket = 1;
    else if (!strcmp(argv[i], "pollfirst")) f_pollfirst = 1;
    else if (strcmp(argv[i], "-")) { fprintf(stderr, "uproxy: unknown flag %s\n", argv[i]); return 2; }
  }
  struct sigaction sa = { .sa_handler = on_term };
  sigaction(SIGTERM, &sa, NULL);  /* no SA_RESTART: the wait returns EINTR */
  signal(SIGPIPE, SIG_IGN);
  up_addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (f_defer) setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
  struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(lfd, (struct sockaddr *)&la, sizeof la) < 0 || listen(lfd, 511) < 0) { perror("listen"); return 2; }
  socklen_t len = sizeof la;
  getsockname(lfd, (struct sockaddr *)&la, &len);
  int r = io_uring_queue_init_params(4096, &ring, &params);
  if (r < 0) { fprintf(stderr, "uproxy: io_uring_queue_init: %s\n", strerror(-r)); return 2; }
  arm_accept();
  printf("{\"ready\":%d}\n", ntohs(la.sin_port));
  fflush(stdout);
  while (!stop) {
    r = io_uring_submit_and_wait(&ring, 1);
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) { fprintf(stderr, "uproxy: submit: %s\n", strerror(-r)); return 2; }
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      on_cqe(cqe);
      seen++;
    }
    io_uring_cq_advance(&ring, seen);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"conns\":%ld,\"user\":%.3f,\"sys\":%.3f}\n", conns, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  return 0;
}
