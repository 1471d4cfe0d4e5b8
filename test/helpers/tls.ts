/** TLS helpers for SNI tests: a self-signed certificate made with openssl, captured ClientHellos, TLS clients. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';

/** True when the openssl command is installed. */
export const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

let cached: { key: string; cert: string } | null = null;

/** A self-signed P-256 certificate for `*.example.com` and `example.com` (made once per test file). */
export function selfSigned(): { key: string; cert: string } {
  if (cached !== null) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'tcpshift-tls-'));
  try {
    const r = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=example.com', '-addext', 'subjectAltName=DNS:example.com,DNS:*.example.com',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr.toString()}`);
    cached = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first bytes a client sends to a server that never answers, once `until` says they are enough. */
async function capture(connect: (port: number) => () => void, until: (b: Buffer) => boolean): Promise<Buffer> {
  let stopClient: (() => void) | null = null;
  const server = net.createServer();
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      server.on('connection', (s) => {
        let got = Buffer.alloc(0);
        s.on('error', () => undefined);
        s.on('data', (d: Buffer) => {
          got = Buffer.concat([got, d]);
          if (until(got)) {
            resolve(got);
            s.destroy();
          }
        });
      });
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        stopClient = connect((server.address() as net.AddressInfo).port);
      });
    });
  } finally {
    (stopClient as (() => void) | null)?.();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** True once the first TLS record has arrived whole. */
function helloComplete(b: Buffer): boolean {
  if (b.length < 9) return false;
  return b.length >= 5 + b.readUInt16BE(3);
}

/** The ClientHello node:tls sends with `servername` (omitted when undefined). */
export function nodeHello(servername?: string): Promise<Buffer> {
  return capture((port) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...(servername !== undefined ? { servername } : {}), rejectUnauthorized: false });
    s.on('error', () => undefined);
    return () => s.destroy();
  }, helloComplete);
}

/** The ClientHello `openssl s_client` sends with `-servername` (or `-noservername` when undefined). */
export function opensslHello(servername?: string): Promise<Buffer> {
  return capture((port) => {
    const args = ['s_client', '-connect', `127.0.0.1:${port}`, ...(servername !== undefined ? ['-servername', servername] : ['-noservername'])];
    const child = spawn('openssl', args, { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => undefined);
    return () => child.kill('SIGKILL');
  }, helloComplete);
}

/**
 * A TLS handshake with `servername` through `port`, then `line` sent and the reply read until the
 * server closes: resolves with the reply (the backend's certificate is self-signed; trusted here).
 */
export function tlsRequest(port: number, servername: string | undefined, line: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...(servername !== undefined ? { servername } : {}), ca, checkServerIdentity: () => undefined });
    let got = '';
    s.setEncoding('utf8');
    s.on('secureConnect', () => s.write(line));
    s.on('data', (d: string) => (got += d));
    s.on('end', () => {
      s.end();
      resolve(got);
    });
    s.on('error', reject);
  });
}

/** `openssl s_client -servername` through `port`: sends `line`, resolves with what it printed (stdout). */
export function opensslRequest(port: number, servername: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', servername, '-quiet', '-ign_eof'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
    child.stdin.end(line);
  });
}

/** A TLS server on 127.0.0.1:0 answering `<name> <sni> <line>` and closing; returns its port and a close. */
export async function tlsEcho(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const { key, cert } = selfSigned();
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ key, cert }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.setEncoding('utf8');
    s.once('data', (d: string) => s.end(`${name} ${(s as tls.TLSSocket & { servername?: string | false }).servername || '-'} ${d}`));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
