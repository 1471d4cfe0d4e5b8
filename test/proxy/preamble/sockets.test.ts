/** How a table's listener entries become sockets: one per socketOf(), TLS entries picked by SNI, and the entries that cannot share one. */
import { Counters } from '../../../src/proxy/counters';
import { SniTable } from '../../../src/proxy/preamble/sni-table';
import { buildRuntime } from '../../../src/proxy/runtime';
import { socketEntries, tableFrom, to } from '../../helpers/sni-table';

test('TLS entries share one socket; each keeps its own runtime; the SNI pick is by the most specific name', () => {
  const rt = buildRuntime(tableFrom(
    socketEntries(9443, [{ sni: ['*.example.com'], destinations: [to(1)] }, { sni: ['a.example.com'], destinations: [to(2)] }, { destinations: [to(3)] }], { tls: true }),
    socketEntries(9000, [{ destinations: [to(4)] }], { acceptProxyProtocol: true }),
  ), new Counters());
  expect([...rt.listeners.keys()]).toEqual(['127.0.0.1:9443 sni=*.example.com', '127.0.0.1:9443 sni=a.example.com', '127.0.0.1:9443', '127.0.0.1:9000']);
  expect([...rt.sockets.keys()]).toEqual(['127.0.0.1:9443', '127.0.0.1:9000']);
  const tls = rt.sockets.get('127.0.0.1:9443')!;
  const pick = (sni: string | null) => tls.sni!.pick(sni)?.listener.key;
  expect(pick('a.example.com')).toBe('127.0.0.1:9443 sni=a.example.com');
  expect(pick('b.example.com')).toBe('127.0.0.1:9443 sni=*.example.com');
  expect(pick('example.com')).toBe('127.0.0.1:9443');
  expect(pick(null)).toBe('127.0.0.1:9443');
  expect(rt.sockets.get('127.0.0.1:9000')).toMatchObject({ acceptProxy: true, sni: null });
});

test('two TCP entries on one socket, or two TLS fallbacks (one key), cannot be served', () => {
  const counters = new Counters();
  expect(() => buildRuntime(tableFrom(socketEntries(9000, [{ destinations: [to(1)] }]), socketEntries(9000, [{ sni: ['x'], destinations: [to(2)] }])), counters)).toThrow(/2 TCP listener entries/);
  expect(() => buildRuntime(tableFrom(socketEntries(9443, [{ destinations: [to(1)] }, { sni: [], destinations: [to(2)] }], { tls: true })), counters)).toThrow(/appears twice/);
});

test('the SNI table: the longest *.suffix wins whatever the order names were added in; a name taken twice keeps its first entry', () => {
  const t = new SniTable<string>(null);
  t.add(['*.com'], 'com');
  t.add(['*.example.com'], 'example');
  t.add(['*.deep.example.com', 'exact.example.com'], 'deep');
  t.add(['exact.example.com'], 'second');
  expect(t.pick('x.deep.example.com')).toBe('deep');
  expect(t.pick('deep.example.com')).toBe('example');
  expect(t.pick('exact.example.com')).toBe('deep');
  expect(t.pick('x.org')).toBeNull();
  expect(t.pick(null)).toBeNull();
  expect(t.size).toBe(4);
});
