/**
 * The peers: HAProxy and nginx (stream module) from Debian, configured with the same two weighted
 * upstreams as tcpshift (80/20), each with its stock defaults otherwise (worker count = cores).
 * nginx gets `proxy_half_close on` (off by default), as tcpshift and HAProxy pass half-closes on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, stop, type Proc } from './procs';

export const APT_LINE = 'sudo apt-get install -y haproxy nginx libnginx-mod-stream';
const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** Two weighted upstreams behind one listener. */
export interface Pool {
  readonly listen: number;
  readonly upstreams: readonly { readonly port: number; readonly weight: number }[];
}

/** A running peer. */
export interface Peer {
  readonly proc: Proc;
  readonly version: string;
  /** Writes the config for `pools` and asks the running peer to load it (started with `reloadable` only). */
  reload(pools: readonly Pool[]): void;
  /** Reloads the peer's own log says it completed (a new worker started), for `reloadable` peers. */
  reloadsDone(): number;
  stop(): Promise<void>;
}

/** Version of a peer (`2.6.12-1+deb12u4`, `1.22.1`), or null when it (or nginx's stream module) is not installed. */
export function peerVersion(name: 'haproxy' | 'nginx'): string | null {
  if (name === 'nginx' && !existsSync(NGINX_STREAM_MODULE)) return null;
  // Both print their version line: haproxy on stdout, nginx on stderr.
  const r = spawnSync(name, ['-v'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return null;
  const text = `${r.stdout}${r.stderr}`;
  const m = name === 'haproxy' ? /version (\S+)/.exec(text) : /nginx\/(\S+)/.exec(text);
  return m?.[1] ?? text.split('\n')[0]!.trim();
}

function haproxyConfig(pools: readonly Pool[], reloadable: boolean): string {
  return [
    'global',
    '  maxconn 9000',
    // the master-worker's own log (new worker forked, old one leaving) goes to its stderr, counted by reloadsDone()
    reloadable ? '  log stderr format raw local0 notice' : '  log stderr format raw local0 emerg',
    'defaults',
    '  mode tcp',
    '  timeout connect 10s',
    '  timeout client 1h',
    '  timeout server 1h',
    ...pools.flatMap((p, i) => [
      `listen pool${i}`,
      `  bind 127.0.0.1:${p.listen}`,
      '  balance roundrobin',
      ...p.upstreams.map((u, k) => `  server u${k} 127.0.0.1:${u.port} weight ${u.weight}`),
    ]),
    '',
  ].join('\n');
}

function countLines(file: string, match: RegExp): number {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => match.test(l)).length;
  } catch {
    return 0;
  }
}

/**
 * Writes the HAProxy config for `pools` under `dir` and starts it in the foreground. `reloadable`:
 * master-worker mode (`-W`); reload() is a seamless reload (SIGUSR2 to the master: a new worker
 * takes the listening sockets over from the old one, which finishes its open connections).
 */
export function startHaproxy(dir: string, pools: readonly Pool[], version: string, reloadable = false): Peer {
  const file = join(dir, 'haproxy.cfg');
  const logFile = join(dir, 'haproxy.log');
  writeFileSync(file, haproxyConfig(pools, reloadable));
  const proc = start('haproxy', 'haproxy', [...(reloadable ? ['-W'] : []), '-db', '-f', file], { logFile });
  const forkedAtStart = 1;
  return {
    proc, version,
    reload(next) {
      writeFileSync(file, haproxyConfig(next, reloadable));
      process.kill(proc.pid, 'SIGUSR2');
    },
    reloadsDone: () => Math.max(0, countLines(logFile, /: New worker \(\d+\) forked/) - forkedAtStart),
    stop: () => stop(proc),
  };
}

function nginxConfig(dir: string, pools: readonly Pool[], reloadable: boolean): string {
  return [
    `load_module ${NGINX_STREAM_MODULE};`,
    'worker_processes auto;',
    'worker_rlimit_nofile 20000;',
    `pid ${join(dir, 'nginx.pid')};`,
    // notice: the master logs each reconfiguration, counted by reloadsDone()
    `error_log ${join(dir, 'nginx-error.log')} ${reloadable ? 'notice' : 'error'};`,
    'events { worker_connections 12000; }',
    'stream {',
    ...pools.flatMap((p, i) => [
      `  upstream pool${i} {`,
      ...p.upstreams.map((u) => `    server 127.0.0.1:${u.port} weight=${u.weight};`),
      '  }',
      `  server { listen 127.0.0.1:${p.listen}; proxy_pass pool${i}; proxy_half_close on; }`,
    ]),
    '}',
    '',
  ].join('\n');
}

/**
 * Writes the nginx config for `pools` under `dir` and starts it (master + one worker per core).
 * reload() is `nginx -s reload` (SIGHUP to the master: new workers with the new config, the old
 * ones finish their open connections).
 */
export function startNginx(dir: string, pools: readonly Pool[], version: string, reloadable = false): Peer {
  const file = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'nginx-error.log');
  writeFileSync(file, nginxConfig(dir, pools, reloadable));
  const proc = start('nginx', 'nginx', ['-e', errorLog, '-p', dir, '-c', file, '-g', 'daemon off;'], { logFile: join(dir, 'nginx.log') });
  return {
    proc, version,
    reload(next) {
      writeFileSync(file, nginxConfig(dir, next, reloadable));
      process.kill(proc.pid, 'SIGHUP');
    },
    // nginx logs "signal 1 (SIGHUP) received from …, reconfiguring", then "reconfiguring" alone
    reloadsDone: () => countLines(errorLog, /: reconfiguring$/),
    stop: () => stop(proc),
  };
}
