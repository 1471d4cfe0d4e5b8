/**
 * An idle close (shut(true)) is refused while the client's bytes wait unread in the proxy's socket
 * (SIOCINQ), on both data paths: the request a client has just written is forwarded, not dropped.
 */
import * as net from 'node:net';
import { nativeBinding } from '../../src/proxy/native/binding';
import type { TcpProxy } from '../../src/proxy/proxy';
import type { RoutedConnection } from '../../src/proxy/routed';
import { Harness } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());
const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];

/** The proxy's open connections (private: the sweep's view of them). */
function conns(proxy: TcpProxy): RoutedConnection[] {
  return [...(proxy as unknown as { conns: Set<RoutedConnection> }).conns];
}

test.each(paths)('%s data path: shut(onlyIfQuiet) refuses while bytes wait unread, and closes gently once quiet', async (dataPath) => {
  const backend = await h.echo('one');
  const port = await freePort();
  const proxy = h.proxy({ dataPath });
  await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: backend }] }] }] }));
  const client = net.connect({ host: '127.0.0.1', port });
  client.setEncoding('utf8');
  client.on('error', () => undefined);
  h.defer(async () => { client.destroy(); });
  let got = '';
  let ended = false;
  client.on('data', (d: string) => { got += d; });
  client.on('end', () => { ended = true; });
  client.write('a\n');
  await waitFor(() => got === 'one a\n');
  await waitFor(() => conns(proxy).length === 1 && conns(proxy)[0]!.established);
  const c = conns(proxy)[0]!;
  // Written synchronously on loopback: in the proxy's socket before its event loop has read it.
  client.write('b\n');
  expect(c.shut(true)).toBe(false);
  await waitFor(() => got === 'one a\none b\n');
  expect(ended).toBe(false);
  await waitFor(() => !c.pending());
  expect(c.shut(true)).toBe(true);
  await waitFor(() => ended, 5000, 'the FIN');
  expect(got).toBe('one a\none b\n');
});
