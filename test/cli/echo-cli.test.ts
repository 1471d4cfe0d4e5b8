/** `tcpshift echo PORTS PREFIX` as a process: it listens where it is told, answers `<prefix> <line>`, exits 0 on SIGTERM, 1 or 2 when it cannot start. */
import { spawn } from 'node:child_process';
import { MAIN, tcpshift } from '../helpers/cli';
import { connectAndSend, connectError, freePort, startServer, waitFor } from '../helpers/net';

test('two ports, one prefix: each answers, and SIGTERM stops both with exit 0', async () => {
  const ports = [await freePort(), await freePort()];
  const p = spawn(process.execPath, [MAIN, 'echo', ports.join(','), 'one'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  try {
    await waitFor(() => out.includes('listening on'), 10_000, () => `listening line; got ${JSON.stringify(out)}`);
    expect(out).toBe(`listening on ${ports.map((q) => `127.0.0.1:${q}`).join(', ')} with prefix "one"\n`);
    for (const port of ports) expect(await connectAndSend(port, 'hello')).toBe('one hello\n');
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const port of ports) expect(await connectError(port)).toBe('ECONNREFUSED');
  } finally {
    p.kill('SIGKILL');
    await exited;
  }
});

test('a port that is taken: exit 1, saying so', async () => {
  const taken = await startServer(() => undefined);
  try {
    const r = tcpshift(['echo', String(taken.port), 'one']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EADDRINUSE/);
  } finally {
    await taken.close();
  }
});

test('ports that are not numbers: exit 2', () => {
  expect(tcpshift(['echo', '9000,x', 'one']).code).toBe(2);
});
