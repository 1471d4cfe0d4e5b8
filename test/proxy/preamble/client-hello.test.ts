/** The ClientHello reader on real hellos (node:tls, openssl s_client), split records, garbage and bounds. */
import { CLIENT_HELLO_MAX_BYTES, readClientHello } from '../../../src/proxy/preamble/client-hello';
import { hasOpenssl, nodeHello, opensslHello } from '../../helpers/tls';

/** A TLS handshake record around `body` (a handshake message). */
function record(body: Buffer, version = 0x0301): Buffer {
  const h = Buffer.alloc(5);
  h[0] = 22;
  h.writeUInt16BE(version, 1);
  h.writeUInt16BE(body.length, 3);
  return Buffer.concat([h, body]);
}

/** A ClientHello handshake message with `extensions` (type, data) in order; `null` = no extensions block. */
function hello(extensions: [number, Buffer][] | null, sessionId = 32): Buffer {
  const parts = [Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([sessionId]), Buffer.alloc(sessionId, 1), Buffer.from([0, 4, 0x13, 0x01, 0x13, 0x02]), Buffer.from([1, 0])];
  if (extensions !== null) {
    const exts = Buffer.concat(extensions.map(([t, d]) => {
      const h = Buffer.alloc(4);
      h.writeUInt16BE(t, 0);
      h.writeUInt16BE(d.length, 2);
      return Buffer.concat([h, d]);
    }));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(exts.length);
    parts.push(len, exts);
  }
  const body = Buffer.concat(parts);
  const head = Buffer.from([1, 0, 0, 0]);
  head.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([head, body]);
}

/** A server_name extension body naming `names` (type 0 host_name each). */
function serverName(...names: string[]): Buffer {
  const list = Buffer.concat(names.map((n) => {
    const b = Buffer.from(n, 'latin1');
    const h = Buffer.alloc(3);
    h.writeUInt16BE(b.length, 1);
    return Buffer.concat([h, b]);
  }));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(list.length);
  return Buffer.concat([len, list]);
}

/** `msg` split over TLS records of at most `size` bytes. */
function records(msg: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += size) out.push(record(msg.subarray(i, i + size)));
  return Buffer.concat(out);
}

const GREASE = 0x1a1a;

/** `msg` with the 16-bit field at `at` set to `v`. */
function corrupt(msg: Buffer, at: number, v: number): Buffer {
  const b = Buffer.from(msg);
  b.writeUInt16BE(v, at);
  return b;
}

describe('synthetic ClientHellos', () => {
  test.each([
    ['one name', hello([[0, serverName('api.example.com')]]), 'api.example.com'],
    ['upper case and a trailing dot', hello([[0, serverName('API.Example.COM.')]]), 'api.example.com'],
    ['after GREASE and other extensions', hello([[GREASE, Buffer.alloc(0)], [23, Buffer.alloc(0)], [0, serverName('a.example.com')], [GREASE + 0x1010, Buffer.from([0])]]), 'a.example.com'],
    ['no server_name extension', hello([[GREASE, Buffer.alloc(1)], [10, Buffer.from([0, 2, 0, 29])]]), null],
    ['no extensions block', hello(null), null],
    ['an empty session id', hello([[0, serverName('x.example.com')]], 0), 'x.example.com'],
    ['a name that is not a DNS name', hello([[0, serverName('bad name')]]), null],
  ])('%s', (_what, msg, sni) => {
    expect(readClientHello(record(msg))).toEqual({ kind: 'hello', sni });
  });

  test('split over records of 1, 3 and 100 bytes: the same name', () => {
    const msg = hello([[GREASE, Buffer.alloc(0)], [0, serverName('split.example.com')]]);
    for (const size of [1, 3, 100]) expect(readClientHello(records(msg, size))).toEqual({ kind: 'hello', sni: 'split.example.com' });
  });

  test('every prefix of a hello is `more`, the whole is the hello', () => {
    const buf = records(hello([[0, serverName('p.example.com')]]), 50);
    for (let n = 0; n < buf.length; n++) expect(readClientHello(buf.subarray(0, n))).toEqual({ kind: 'more' });
    expect(readClientHello(buf)).toEqual({ kind: 'hello', sni: 'p.example.com' });
  });

  test('read after an offset (a PROXY header before the hello)', () => {
    const buf = Buffer.concat([Buffer.from('PROXY UNKNOWN\r\n'), record(hello([[0, serverName('o.example.com')]]))]);
    expect(readClientHello(buf, 15)).toEqual({ kind: 'hello', sni: 'o.example.com' });
  });

  test.each([
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['one byte of garbage', Buffer.from([0x00])],
    ['an SSLv2-format hello', Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15])],
    ['a TLS alert record', Buffer.from([21, 3, 1, 0, 2, 2, 40])],
    ['a handshake that is not a ClientHello', record(Buffer.from([2, 0, 0, 0]))],
    ['a record version 3.9', Buffer.from([22, 3, 9, 0, 4, 1, 0, 0, 0])],
    ['a zero-length record', Buffer.from([22, 3, 1, 0, 0])],
    ['an extensions block longer than the hello', record(corrupt(hello([[0, serverName('a.example.com')]]), 79, 0xffff))],
    ['a session id longer than the hello', record(corrupt(hello(null), 38, 0xff00))],
  ])('%s is not TLS', (_what, buf) => {
    expect(readClientHello(buf).kind).toBe('not_tls');
  });

  test('bounded: a hello longer than the limit is too_large as soon as its length is read', () => {
    const big = hello([[21, Buffer.alloc(CLIENT_HELLO_MAX_BYTES)], [0, serverName('big.example.com')]]);
    const buf = records(big, 16_000);
    expect(readClientHello(buf.subarray(0, 9))).toEqual({ kind: 'too_large' });
    expect(readClientHello(buf, 0, 64 * 1024)).toEqual({ kind: 'hello', sni: 'big.example.com' });
  });
});

describe('real ClientHellos', () => {
  test('node:tls with and without a servername', async () => {
    expect(readClientHello(await nodeHello('svc.example.com'))).toEqual({ kind: 'hello', sni: 'svc.example.com' });
    expect(readClientHello(await nodeHello())).toEqual({ kind: 'hello', sni: null });
  });

  test('node:tls, its hello split into two TCP reads at every 97th byte: `more` until whole', async () => {
    const buf = await nodeHello('svc.example.com');
    for (let n = 1; n < buf.length; n += 97) expect(readClientHello(buf.subarray(0, n)).kind).toBe('more');
  });

  (hasOpenssl ? test : test.skip)('openssl s_client -servername and -noservername', async () => {
    expect(readClientHello(await opensslHello('db.example.com'))).toEqual({ kind: 'hello', sni: 'db.example.com' });
    expect(readClientHello(await opensslHello())).toEqual({ kind: 'hello', sni: null });
  });
});
