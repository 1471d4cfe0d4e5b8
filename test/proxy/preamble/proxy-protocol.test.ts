/** The PROXY protocol parser and writers (v1 text, v2 binary), per HAProxy's proxy-protocol.txt. */
import { ipBytes, ipText } from '../../../src/proxy/preamble/ip';
import { PROXY_V1_MAX_BYTES, proxyHeaderV1, proxyHeaderV2, readProxyHeader } from '../../../src/proxy/preamble/proxy-protocol';

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A v2 header: version/command byte, family byte, payload. */
function v2(verCmd: number, fam: number, payload: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(payload.length);
  return Buffer.concat([SIG, Buffer.from([verCmd, fam]), len, payload]);
}

describe('v1', () => {
  test.each([
    ['PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n', { address: '192.168.0.1', port: 56324 }, { address: '192.168.0.11', port: 443 }],
    ['PROXY TCP6 2001:db8::1 ::1 65535 0\r\n', { address: '2001:db8::1', port: 65535 }, { address: '::1', port: 0 }],
    ['PROXY UNKNOWN\r\n', null, null],
    ['PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n', null, null],
  ])('%j', (line, source, destination) => {
    const buf = Buffer.concat([Buffer.from(line, 'latin1'), Buffer.from('rest')]);
    expect(readProxyHeader(buf)).toEqual({ kind: 'header', version: 1, length: line.length, source, destination });
  });

  test('every prefix is `more`', () => {
    const line = Buffer.from('PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n');
    for (let n = 0; n < line.length; n++) expect(readProxyHeader(line.subarray(0, n))).toEqual({ kind: 'more' });
  });

  test.each([
    ['GET / HTTP/1.1\r\n', 'not_proxy'],
    ['PRoXY TCP4', 'not_proxy'],
    ['PROXY TCP4 10.0.0.1 10.0.0.2 1\r\n', 'invalid'],
    ['PROXY TCP4 10.0.0.256 10.0.0.2 1 2\r\n', 'invalid'],
    ['PROXY TCP4 ::1 10.0.0.2 1 2\r\n', 'invalid'],
    ['PROXY TCP6 10.0.0.1 ::1 1 2\r\n', 'invalid'],
    ['PROXY TCP4 10.0.0.1 10.0.0.2 65536 2\r\n', 'invalid'],
    ['PROXY TCP4 10.0.0.1 10.0.0.2 -1 2\r\n', 'invalid'],
    ['PROXY UDP4 10.0.0.1 10.0.0.2 1 2\r\n', 'invalid'],
    ['PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n', 'invalid'],
    [`PROXY UNKNOWN ${'x'.repeat(PROXY_V1_MAX_BYTES)}`, 'too_large'],
  ])('%j is rejected: %s', (line, reason) => {
    expect(readProxyHeader(Buffer.from(line, 'latin1'))).toEqual({ kind: 'rejected', reason });
  });

  test('the writer: what the parser reads back; IPv4-mapped and mixed families; unknown', () => {
    const h = proxyHeaderV1({ address: '::ffff:10.1.2.3', port: 5000 }, { address: '10.0.0.9', port: 443 });
    expect(h.toString('latin1')).toBe('PROXY TCP4 10.1.2.3 10.0.0.9 5000 443\r\n');
    expect(proxyHeaderV1({ address: '10.1.2.3', port: 1 }, { address: '::1', port: 2 }).toString('latin1')).toBe('PROXY TCP6 ::ffff:a01:203 ::1 1 2\r\n');
    expect(proxyHeaderV1(null, null).toString('latin1')).toBe('PROXY UNKNOWN\r\n');
    const longest = proxyHeaderV1({ address: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', port: 65535 }, { address: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', port: 65535 });
    expect(longest.length).toBeLessThanOrEqual(PROXY_V1_MAX_BYTES);
    expect(readProxyHeader(longest)).toMatchObject({ kind: 'header', length: longest.length });
  });
});

describe('v2', () => {
  const v4 = Buffer.from([10, 0, 0, 1, 10, 0, 0, 2, 0x13, 0x88, 0x01, 0xbb]);

  test('PROXY over TCP/IPv4, with a TLV after the addresses', () => {
    const buf = Buffer.concat([v2(0x21, 0x11, Buffer.concat([v4, Buffer.from([0x04, 0x00, 0x02, 0xab, 0xcd])])), Buffer.from('data')]);
    expect(readProxyHeader(buf)).toEqual({ kind: 'header', version: 2, length: 16 + 17, source: { address: '10.0.0.1', port: 5000 }, destination: { address: '10.0.0.2', port: 443 } });
  });

  test('PROXY over TCP/IPv6', () => {
    const a = Buffer.concat([ipBytes('2001:db8::7')!, ipBytes('::1')!, Buffer.from([0, 80, 0, 81])]) as Buffer;
    expect(readProxyHeader(v2(0x21, 0x21, a))).toMatchObject({ source: { address: '2001:db8::7', port: 80 }, destination: { address: '::1', port: 81 } });
  });

  test.each([
    ['LOCAL (a health check)', v2(0x20, 0x00, Buffer.alloc(0))],
    ['LOCAL with addresses', v2(0x20, 0x11, v4)],
    ['PROXY, AF_UNSPEC', v2(0x21, 0x00, Buffer.alloc(0))],
    ['PROXY over a Unix stream socket', v2(0x21, 0x31, Buffer.alloc(216))],
  ])('%s: the socket\'s own addresses stand', (_what, buf) => {
    expect(readProxyHeader(buf)).toEqual({ kind: 'header', version: 2, length: buf.length, source: null, destination: null });
  });

  test('every prefix is `more`', () => {
    const buf = v2(0x21, 0x11, v4);
    for (let n = 0; n < buf.length; n++) expect(readProxyHeader(buf.subarray(0, n))).toEqual({ kind: 'more' });
  });

  test.each([
    ['version 1 in the binary form', v2(0x11, 0x11, v4), 'invalid'],
    ['an unknown command', v2(0x22, 0x11, v4), 'invalid'],
    ['an unknown family', v2(0x21, 0x41, v4), 'invalid'],
    ['IPv4 addresses cut short', v2(0x21, 0x11, v4.subarray(0, 8)), 'invalid'],
    ['IPv6 addresses cut short', v2(0x21, 0x21, Buffer.alloc(20)), 'invalid'],
    ['a payload over the bound', v2(0x21, 0x11, Buffer.alloc(2000)), 'too_large'],
    ['a broken signature', Buffer.concat([Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x01]), Buffer.alloc(20)]), 'not_proxy'],
    ['a TLS hello', Buffer.from([22, 3, 1, 0, 5]), 'not_proxy'],
  ])('%s is rejected: %s', (_what, buf, reason) => {
    expect(readProxyHeader(buf)).toEqual({ kind: 'rejected', reason });
  });

  test('the writer round-trips IPv4, IPv6, mixed families, and writes AF_UNSPEC when unknown', () => {
    const cases: [string, string][] = [['127.0.0.1', '127.0.0.2'], ['::1', 'fe80::1:2'], ['10.0.0.1', '2001:db8::1'], ['::ffff:127.0.0.1', '127.0.0.1']];
    for (const [s, d] of cases) {
      const h = proxyHeaderV2({ address: s, port: 1234 }, { address: d, port: 443 });
      const r = readProxyHeader(h);
      expect(r).toMatchObject({ kind: 'header', version: 2, length: h.length });
      if (r.kind !== 'header') throw new Error('not a header');
      expect(ipBytes(r.source!.address)).toEqual(ipBytes(s.includes(':') && d.includes(':') ? s : r.source!.address));
      expect(r.source!.port).toBe(1234);
      expect(r.destination!.port).toBe(443);
    }
    expect(proxyHeaderV2({ address: '127.0.0.1', port: 1 }, { address: '127.0.0.2', port: 2 }).subarray(12, 16)).toEqual(Buffer.from([0x21, 0x11, 0, 12]));
    const unknown = proxyHeaderV2(null, null);
    expect(unknown.subarray(12)).toEqual(Buffer.from([0x21, 0x00, 0, 0]));
  });
});

test('IPv6 text and bytes both ways', () => {
  for (const [text, canonical] of [['::', '::'], ['::1', '::1'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['::ffff:1.2.3.4', '::ffff:102:304'], ['fe80::', 'fe80::']]) {
    expect(ipText(ipBytes(text!)!)).toBe(canonical);
  }
});
