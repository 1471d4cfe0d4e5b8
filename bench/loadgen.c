/*
 * tcpshift bench load generator: one epoll thread, so it costs the same for every target.
 *
 *   loadgen conn HOST PORT CONCURRENCY SECONDS [FILE]
 *                                                connect, write 5 bytes (or FILE's bytes, e.g. a TLS
 *                                                ClientHello), read the echo, close; in a loop
 *   loadgen lat  HOST PORT SECONDS RATE          one persistent connection, 5-byte ping-pong paced at RATE/s
 *   loadgen bulk HOST PORT SECONDS               one stream to a sink; the sink answers the byte count at EOF
 *   loadgen hold HOST PORT COUNT                 open COUNT connections (1-byte echo each), print "ready",
 *                                                hold them until stdin closes, then close them all
 *   loadgen ping HOST PORT SECONDS INTERVAL_MS   one connection opened first, then a 5-byte line every
 *                                                INTERVAL_MS on schedule (not waiting for answers); each
 *                                                answer timed from its line's sending
 *
 * Prints one JSON line with the result and its own CPU time (so it can be checked against the
 * direct path: it must not be the bottleneck).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in target;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void cpu_times(double *user, double *sys) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int new_socket(int nonblock) {
  int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* ---- conn: new connections per second ---- */

enum { S_CONNECTING, S_READING };
struct slot { int fd; int state; int got; double started; };

/*
 * Source addresses for new connections. Loopback accepts any 127/8 source; spreading the short
 * connections over many of them keeps the kernel's ephemeral-port search (which walks ports still in
 * TIME_WAIT towards the same destination) from dominating the generator's own CPU time.
 */
#define N_SOURCES 64
static unsigned next_source;

static void bind_source(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET };
  a.sin_addr.s_addr = htonl(0x7f000002u + (next_source++ % N_SOURCES)); /* 127.0.0.2 … */
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind source");
}

static int conn_start(int ep, struct slot *s) {
  s->fd = new_socket(1);
  bind_source(s->fd);
  s->got = 0;
  s->started = now_s();
  int r = connect(s->fd, (struct sockaddr *)&target, sizeof target);
  if (r < 0 && errno != EINPROGRESS) {
    close(s->fd);
    s->fd = -1;
    return -1;
  }
  s->state = S_CONNECTING;
  struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = s };
  if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) < 0) die("epoll_ctl");
  return 0;
}

/* What conn writes on each connection ("hello", or the bytes of a file). */
static const char *conn_payload = "hello";
static int conn_len = 5;

static void load_payload(const char *file) {
  static char buf[16384];
  FILE *f = fopen(file, "rb");
  if (f == NULL) die("payload file");
  conn_len = (int)fread(buf, 1, sizeof buf, f);
  fclose(f);
  if (conn_len <= 0) die("empty payload file");
  conn_payload = buf;
}

static int run_conn(int conc, double seconds) {
  int ep = epoll_create1(0);
  struct slot *slots = calloc(conc, sizeof *slots);
  struct epoll_event evs[256];
  long ok = 0, errors = 0, restarts = 0;
  double lat_sum = 0;
  double t0 = now_s(), end = t0 + seconds;
  for (int i = 0; i < conc; i++) {
    while (conn_start(ep, &slots[i]) < 0) {
      errors++;
      if (++restarts > 1000000) die("connect keeps failing");
    }
  }
  int live = conc;
  int stopping = 0;
  while (live > 0) {
    int n = epoll_wait(ep, evs, 256, 100);
    double t = now_s();
    if (!stopping && t >= end) stopping = 1;
    if (stopping && t > end + 10) break; /* stuck connections: give up on them */
    for (int k = 0; k < n; k++) {
      struct slot *s = evs[k].data.ptr;
      int done = 0, failed = 0;
      if (s->state == S_CONNECTING) {
        if (evs[k].events & (EPOLLERR | EPOLLHUP)) {
          failed = 1;
        } else if (write(s->fd, conn_payload, conn_len) != conn_len) {
          failed = 1;
        } else {
          s->state = S_READING;
          struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
          epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
        }
      } else {
        char buf[4096];
        ssize_t r = read(s->fd, buf, sizeof buf);
        if (r > 0) {
          s->got += r;
          if (s->got >= conn_len) done = 1;
        } else if (r == 0 || errno != EAGAIN) {
          failed = 1;
        }
      }
      if (!done && !failed) continue;
      close(s->fd); /* closing removes it from the epoll set */
      s->fd = -1;
      if (t <= end) {
        if (done) {
          ok++;
          lat_sum += t - s->started;
        } else {
          errors++;
        }
      }
      if (stopping) {
        live--;
        continue;
      }
      while (conn_start(ep, s) < 0) {
        errors++;
        if (++restarts > 1000000) die("connect keeps failing");
      }
    }
  }
  double elapsed = (now_s() < end ? now_s() : end) - t0;
  double u, sy;
  cpu_times(&u, &sy);
  printf("{\"mode\":\"conn\",\"ok\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"meanMs\":%.3f,\"cpuUser\":%.3f,\"cpuSys\":%.3f}\n",
         ok, errors, elapsed, ok / elapsed, ok ? lat_sum / ok * 1e3 : 0, u, sy);
  return 0;
}

/* ---- lat: ping-pong on one persistent connection ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int read_full(int fd, char *buf, int n) {
  int got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0) return -1;
    got += r;
  }
  return 0;
}

static int run_lat(double seconds, double rate) {
  int fd = new_socket(0);
  if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0) die("connect");
  long cap = (long)(seconds * rate) + 16;
  double *rtt = malloc(cap * sizeof *rtt);
  long n = 0, warm = (long)(rate / 5) + 50; /* 0.2 s of warm-up, not recorded */
  char buf[8];
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  long step = (long)(1e9 / rate);
  double end = now_s() + seconds + warm / rate;
  for (long i = 0; now_s() < end && n < cap; i++) {
    next.tv_nsec += step;
    while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    double t = now_s();
    if (write(fd, "hello", 5) != 5 || read_full(fd, buf, 5) < 0) die("ping-pong");
    double d = now_s() - t;
    if (i >= warm) rtt[n++] = d;
  }
  close(fd);
  qsort(rtt, n, sizeof *rtt, cmp_double);
  double u, sy;
  cpu_times(&u, &sy);
  printf("{\"mode\":\"lat\",\"samples\":%ld,\"p50Us\":%.1f,\"p90Us\":%.1f,\"p99Us\":%.1f,\"p999Us\":%.1f,\"maxUs\":%.1f,\"cpuUser\":%.3f,\"cpuSys\":%.3f}\n",
         n, rtt[n / 2] * 1e6, rtt[n * 9 / 10] * 1e6, rtt[n * 99 / 100] * 1e6, rtt[n * 999 / 1000] * 1e6, rtt[n - 1] * 1e6, u, sy);
  return 0;
}

/* ---- ping: a small echo every few ms on an already open connection, open loop ---- */

/*
 * Lines go out on schedule whether or not the earlier ones were answered (the socket buffer holds
 * them through a stall), so each answer is timed from when its line was sent on time: a stall of
 * S seconds shows as answers up to S late, and a slow answer delays no later line's sending.
 */
static int run_ping(double seconds, double interval_ms) {
  int fd = new_socket(0);
  if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0) die("connect");
  char buf[4096];
  /* one exchange first, not recorded: the connection is open and proxied before the clock starts */
  if (write(fd, "hello", 5) != 5 || read_full(fd, buf, 5) < 0) die("ping warm-up");
  fcntl(fd, F_SETFL, O_NONBLOCK);
  double step = interval_ms / 1e3;
  long cap = (long)(seconds / step) + 2;
  double *due = malloc(cap * sizeof *due), *lat = malloc(cap * sizeof *lat);
  long sent = 0, answered = 0, failed = 0;
  long long received = 0;
  double t0 = now_s(), end = t0 + seconds, give_up = end + 10;
  for (;;) {
    double t = now_s();
    while (sent < cap && t0 + sent * step <= t && t0 + sent * step <= end) {
      if (write(fd, "hello", 5) != 5) { failed = 1; break; }
      due[sent] = t0 + sent * step;
      sent++;
    }
    int more = sent < cap && t0 + sent * step <= end;
    if (failed || (!more && answered == sent) || t > give_up) break;
    double wake = more ? t0 + sent * step : give_up;
    int wait_ms = (int)((wake - now_s()) * 1e3 + 0.999);
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    if (poll(&pfd, 1, wait_ms < 0 ? 0 : wait_ms) <= 0) continue;
    ssize_t r = read(fd, buf, sizeof buf);
    if (r == 0 || (r < 0 && errno != EAGAIN)) { failed = 1; break; }
    if (r < 0) continue;
    received += r;
    double got = now_s();
    while (answered < sent && received >= (answered + 1) * 5) {
      lat[answered] = got - due[answered];
      answered++;
    }
  }
  close(fd);
  long n = answered;
  double u, sy;
  cpu_times(&u, &sy);
  if (n == 0) {
    /* still a result (the report counts the lines lost), not a failure of the tool */
    printf("{\"mode\":\"ping\",\"samples\":0,\"sent\":%ld,\"unanswered\":%ld,\"failed\":%ld}\n", sent, sent, failed);
    return 0;
  }
  qsort(lat, n, sizeof *lat, cmp_double);
  printf("{\"mode\":\"ping\",\"samples\":%ld,\"sent\":%ld,\"unanswered\":%ld,\"failed\":%ld,\"p50Us\":%.1f,\"p99Us\":%.1f,\"p999Us\":%.1f,\"maxUs\":%.1f,"
         "\"cpuUser\":%.3f,\"cpuSys\":%.3f}\n",
         n, sent, sent - answered, failed, lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6, lat[n * 999 / 1000] * 1e6, lat[n - 1] * 1e6, u, sy);
  return 0;
}

/* ---- bulk: one stream to a sink ---- */

static int run_bulk(double seconds) {
  int fd = new_socket(0);
  if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0) die("connect");
  size_t size = 256 * 1024;
  char *buf = malloc(size);
  memset(buf, 'x', size);
  double t0 = now_s(), end = t0 + seconds;
  unsigned long long sent = 0;
  while (now_s() < end) {
    ssize_t w = write(fd, buf, size);
    if (w <= 0) die("write");
    sent += w;
  }
  shutdown(fd, SHUT_WR);
  char reply[64];
  int got = 0;
  for (;;) {
    ssize_t r = read(fd, reply + got, sizeof reply - 1 - got);
    if (r <= 0) break;
    got += r;
  }
  reply[got] = 0;
  double elapsed = now_s() - t0;
  unsigned long long received = strtoull(reply, NULL, 10);
  close(fd);
  double u, sy;
  cpu_times(&u, &sy);
  printf("{\"mode\":\"bulk\",\"sent\":%llu,\"received\":%llu,\"seconds\":%.3f,\"gbps\":%.3f,\"cpuUser\":%.3f,\"cpuSys\":%.3f}\n",
         sent, received, elapsed, received * 8 / elapsed / 1e9, u, sy);
  return received == sent ? 0 : 1;
}

/* ---- hold: many idle proxied connections ---- */

static int run_hold(int count) {
  int *fds = malloc(count * sizeof *fds);
  int ep = epoll_create1(0);
  int opened = 0, ready = 0, errors = 0, inflight = 0;
  const int window = 100;
  struct epoll_event evs[256];
  int next = 0;
  while (ready + errors < count) {
    while (inflight < window && next < count) {
      int fd = new_socket(0);
      if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0 || write(fd, "x", 1) != 1) {
        close(fd);
        fds[next++] = -1;
        errors++;
        continue;
      }
      fcntl(fd, F_SETFL, O_NONBLOCK);
      fds[next] = fd;
      struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)next };
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      next++;
      opened++;
      inflight++;
    }
    int n = epoll_wait(ep, evs, 256, 5000);
    if (n == 0) break;
    for (int k = 0; k < n; k++) {
      int i = evs[k].data.u32;
      char c;
      ssize_t r = read(fds[i], &c, 1);
      if (r < 0 && errno == EAGAIN) continue;
      epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
      inflight--;
      if (r == 1) ready++;
      else errors++;
    }
  }
  printf("{\"mode\":\"hold\",\"ready\":%d,\"errors\":%d}\n", ready, errors);
  fflush(stdout);
  char line[16];
  while (read(0, line, sizeof line) > 0) {}
  for (int i = 0; i < next; i++) if (fds[i] >= 0) close(fds[i]);
  return errors ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: loadgen conn|lat|bulk|hold|ping HOST PORT ...\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  target.sin_family = AF_INET;
  target.sin_port = htons(atoi(argv[3]));
  if (inet_pton(AF_INET, argv[2], &target.sin_addr) != 1) die("address");
  const char *mode = argv[1];
  if (!strcmp(mode, "conn") && (argc == 6 || argc == 7)) {
    if (argc == 7) load_payload(argv[6]);
    return run_conn(atoi(argv[4]), atof(argv[5]));
  }
  if (!strcmp(mode, "lat") && argc == 6) return run_lat(atof(argv[4]), atof(argv[5]));
  if (!strcmp(mode, "bulk") && argc == 5) return run_bulk(atof(argv[4]));
  if (!strcmp(mode, "hold") && argc == 5) return run_hold(atoi(argv[4]));
  if (!strcmp(mode, "ping") && argc == 6) return run_ping(atof(argv[4]), atof(argv[5]));
  fprintf(stderr, "loadgen: bad arguments\n");
  return 2;
}
