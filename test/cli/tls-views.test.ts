/** `tcpshift status` and `tcpshift get virtualservice` with SNI entries and tls[] rules. */
import type { AppliedResource } from '../../src/admin/config-view';
import { summarize } from '../../src/cli/get-table';
import { renderStatus, type StatusDocument } from '../../src/cli/status-view';

const entry = (key: string, rule: number, extra: object = {}) => ({
  key, gateway: 'default/gw', ...extra,
  route: { virtualService: 'default/vs', rule, observedConnections: 0, destinations: [] },
});

const status = (listeners: unknown[]): StatusDocument => ({
  source: 'git /r branch main', ready: true, reason: 'ReconciliationSucceeded', message: 'serving', lastAppliedRevision: null, lastAppliedAt: null,
  lastAttemptedRevision: null, lastAttemptedAt: null, lastOutcome: null, diagnostics: [], lastChanges: [], activeConnections: 0, listeners,
} as unknown as StatusDocument);

const listenerLines = (s: StatusDocument) => renderStatus(s).filter((l) => l.startsWith('  0.0.0.0'));

test('status: SNI entries name their tls[] rule even from a snapshot that carries only the key', () => {
  expect(listenerLines(status([entry('0.0.0.0:443', 0), entry('0.0.0.0:443 sni=a.example.com', 1)]))).toEqual([
    '  0.0.0.0:443  gateway default/gw  route default/vs tcp[0]  observed over the last 0 new connections',
    '  0.0.0.0:443 sni=a.example.com  gateway default/gw  route default/vs tls[1]  observed over the last 0 new connections',
  ]);
});

test('status: with the entry fields in the snapshot, every SNI name, the TLS fallback and +PROXY are shown', () => {
  const withRoute = (key: string, rule: number, extra: object, section?: 'tls') => {
    const e = entry(key, rule, extra);
    return section ? { ...e, route: { ...e.route, section } } : e;
  };
  const lines = listenerLines(status([
    withRoute('0.0.0.0:443', 2, { tls: true }, 'tls'),
    withRoute('0.0.0.0:443 sni=a.example.com', 0, { tls: true, sni: ['a.example.com', '*.a.example.com'], acceptProxyProtocol: true }, 'tls'),
  ]));
  expect(lines).toEqual([
    '  0.0.0.0:443 (TLS fallback)  gateway default/gw  route default/vs tls[2]  observed over the last 0 new connections',
    '  0.0.0.0:443 sni=a.example.com,*.a.example.com +PROXY  gateway default/gw  route default/vs tls[0]  observed over the last 0 new connections',
  ]);
});

test('get virtualservice: tls rules are summarized with their SNI names after the tcp rules', () => {
  const vs: AppliedResource = {
    kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', metadata: { name: 'vs', namespace: 'default' }, file: 'm.yaml',
    manifest: { spec: {
      tcp: [{ route: [{ destination: { host: 'c' } }] }],
      tls: [
        { match: [{ sniHosts: ['a.example.com'] }, { sniHosts: ['*.a.example.com'] }], route: [{ destination: { host: 'a', subset: 'v1' }, weight: 80 }, { destination: { host: 'a', subset: 'v2' }, weight: 20 }] },
        { match: [{ sniHosts: ['b.example.com'] }], route: [{ destination: { host: 'b' } }] },
      ],
    } },
  };
  expect(summarize(vs)).toBe('c; sni=a.example.com,*.a.example.com: a/v1 80, a/v2 20; sni=b.example.com: b');
});
