/**
 * Many SNI routes on one socket (issue 11): conn/s and the proxy's CPU per connection through one
 * TLS passthrough socket with 1, 100 and 1,000 SNI entries (exact names, then `*.suffix` names),
 * against a plain TCP listener. Each connection sends a real ClientHello (captured from node:tls,
 * naming the entry added last) to the C echo backend, reads it back and closes: the preamble read,
 * the SNI pick and the route are what differ from the TCP row. The proxy is an in-process TcpProxy
 * on each data path; the load generator is the C one (its own process), so the bench process's
 * CPU time is the proxy's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import pino from 'pino';
import { entryKey } from '../src/model/address';
import { deepFreeze } from '../src/model/freeze';
import { DEFAULT_POLICY, type Listener, type RoutingTable } from '../src/model/types';
import { nativeBinding } from '../src/proxy/native/binding';
import { TcpProxy } from '../src/proxy/proxy';
import { freePorts, sleep } from './net';
import { median } from './stats';
import { loadgen } from './tools';

export type SniKind = 'tcp' | 'exact' | 'wildcard';

export interface SniRow {
  kind: SniKind;
  /** SNI entries on the socket (1 for the TCP row: its one listener). */
  routes: number;
  dataPath: 'native' | 'js';
  rate: number;
  /** The proxy's CPU time (the bench process's user + system) per connection. */
  cpuUsPerConn: number;
  errors: number;
}

export interface SniResult { concurrency: number; seconds: number; rounds: number; rows: SniRow[] }

export interface SniOptions { readonly sizes: readonly number[]; readonly seconds: number; readonly rounds: number; readonly concurrency: number }

interface ConnResult { ok: number; errors: number; rate: number; seconds: number }

/** The table: one socket on `port`, `n` entries named by `name(i)` (or one TCP listener), every one to the echo backend. */
function table(kind: SniKind, n: number, port: number, echo: number): RoutingTable {
  const listener = (i: number, sni?: string[]): Listener => ({
    key: entryKey('127.0.0.1', port, sni), address: '127.0.0.1', port, gateway: 'bench/gw', portName: 'tls',
    route: {
      virtualService: 'bench/sni', rule: i,
      destinations: [{
        key: `echo|v1|9000`, host: 'echo', subset: 'v1', port: 9000, weight: 1, percent: 100, service: 'echo', version: 'v1', policy: DEFAULT_POLICY,
        endpoints: [{ key: `127.0.0.1:${echo}`, address: '127.0.0.1', port: echo, weight: 1, labels: { version: 'v1' } }],
      }],
    },
    ...(sni !== undefined ? { sni, tls: true as const } : {}),
  });
  if (kind === 'tcp') return deepFreeze({ listeners: [listener(0)] });
  return deepFreeze({ listeners: Array.from({ length: n }, (_, i) => listener(i, [nameOf(kind, i)])) });
}

function nameOf(kind: SniKind, i: number): string {
  return kind === 'wildcard' ? `*.zone-${i}.example.com` : `host-${i}.example.com`;
}

/** The SNI a client sends to hit entry `i`. */
function clientName(kind: SniKind, i: number): string {
  return kind === 'wildcard' ? `a.zone-${i}.example.com` : `host-${i}.example.com`;
}

/** The ClientHello node:tls sends for `servername` (read by a server that never answers). */
async function captureHello(servername: string): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      let client: tls.TLSSocket | null = null;
      server.on('connection', (s) => {
        let got = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          got = Buffer.concat([got, d]);
          if (got.length >= 5 && got.length >= 5 + got.readUInt16BE(3)) {
            resolve(got);
            s.destroy();
            client?.destroy();
          }
        });
        s.on('error', () => undefined);
      });
      client = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername, rejectUnauthorized: false });
      client.on('error', () => undefined);
      setTimeout(() => reject(new Error('no ClientHello captured')), 5000).unref();
    });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

async function runOnce(bin: string, echo: number, kind: SniKind, n: number, dataPath: 'native' | 'js', payload: string, o: SniOptions): Promise<SniRow> {
  const [port] = await freePorts(1);
  const proxy = new TcpProxy({ logger: pino({ level: 'silent' }), dataPath });
  try {
    await proxy.swap(table(kind, n, port!, echo));
    await sleep(100);
    const c0 = process.cpuUsage();
    const r = await loadgen<ConnResult>(bin, ['conn', '127.0.0.1', port!, o.concurrency, o.seconds, payload]);
    const c = process.cpuUsage(c0);
    const unmatched = proxy.counters().sniUnmatched.reduce((s, x) => s + x.count, 0);
    return { kind, routes: kind === 'tcp' ? 1 : n, dataPath, rate: r.rate, cpuUsPerConn: r.ok > 0 ? (c.user + c.system) / r.ok : 0, errors: r.errors + unmatched };
  } finally {
    await proxy.close(1000);
  }
}

/** Runs every row `rounds` times (rows alternating within a round) and keeps the medians. */
export async function measureSni(bin: string, echo: number, o: SniOptions, log: (m: string) => void): Promise<SniResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpshift-sni-'));
  const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];
  const cases: { kind: SniKind; n: number; file: string }[] = [];
  try {
    const plain = join(dir, 'tcp.bin');
    writeFileSync(plain, await captureHello('host-0.example.com'));
    cases.push({ kind: 'tcp', n: 1, file: plain });
    for (const kind of ['exact', 'wildcard'] as const) {
      for (const n of o.sizes) {
        const file = join(dir, `${kind}-${n}.bin`);
        writeFileSync(file, await captureHello(clientName(kind, n - 1)));
        cases.push({ kind, n, file });
      }
    }
    // Warm-up (not recorded): the JIT has seen the preamble path before the first measured row.
    for (const dataPath of paths) await runOnce(bin, echo, 'exact', 1, dataPath, cases[1]!.file, { ...o, seconds: Math.min(1, o.seconds) });
    const samples = new Map<string, SniRow[]>();
    for (let round = 1; round <= o.rounds; round++) {
      for (const dataPath of paths) {
        for (const c of cases) {
          const row = await runOnce(bin, echo, c.kind, c.n, dataPath, c.file, o);
          const key = `${c.kind}|${c.n}|${dataPath}`;
          samples.set(key, [...(samples.get(key) ?? []), row]);
          log(`round ${round} sni ${dataPath.padEnd(6)} ${c.kind.padEnd(8)} ${String(row.routes).padStart(5)} routes: ${row.rate.toFixed(0).padStart(6)} conn/s, ${row.cpuUsPerConn.toFixed(1)} µs CPU/conn, errors ${row.errors}`);
        }
      }
    }
    const rows = [...samples.values()].map((rs) => ({
      ...rs[0]!, rate: median(rs.map((r) => r.rate)), cpuUsPerConn: median(rs.map((r) => r.cpuUsPerConn)), errors: rs.reduce((s, r) => s + r.errors, 0),
    }));
    return { concurrency: o.concurrency, seconds: o.seconds, rounds: o.rounds, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The RESULTS.md section. */
export function renderSni(r: SniResult): string[] {
  const out = [
    '## Many SNI routes on one listener (issue 11)', '',
    `One TLS passthrough socket with N SNI entries (exact names, or \`*.suffix\` names), each connection a real node:tls ClientHello naming the entry added last, echoed back by the C backend; against a plain TCP listener sent the same bytes. ${r.concurrency} concurrent connections, ${r.seconds} s per run, median of ${r.rounds} round(s). CPU is the proxy's (an in-process TcpProxy; the load generator is a separate process).`, '',
    '| Data path | Listener | SNI routes | conn/s | µs CPU per connection | errors |',
    '|---|---|---|---|---|---|',
  ];
  for (const x of r.rows) {
    const what = x.kind === 'tcp' ? 'TCP (no preamble)' : x.kind === 'exact' ? 'TLS, exact names' : 'TLS, `*.suffix` names';
    out.push(`| ${x.dataPath} | ${what} | ${x.kind === 'tcp' ? '–' : x.routes.toLocaleString('en-US')} | ${x.rate.toFixed(0)} | ${x.cpuUsPerConn.toFixed(1)} | ${x.errors} |`);
  }
  out.push('');
  return out;
}
