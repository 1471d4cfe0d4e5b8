import * as net from 'node:net';
import { startEcho, type EchoServer } from '../../src/echo/server';
import { connectAndSend, connectError, freePort, LineClient } from '../helpers/net';

describe('startEcho', () => {
  let echo: EchoServer | null = null;
  const clients: LineClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await echo?.close();
    echo = null;
  });

  test('answers `<prefix> <line>` to a half-closing client', async () => {
    echo = await startEcho([0], 'one');
    expect(echo.ports[0]).toBeGreaterThan(0);
    expect(await connectAndSend(echo.ports[0]!, 'hello')).toBe('one hello\n');
  });

  test('answers every line of a kept-open connection, lines split or joined across writes', async () => {
    echo = await startEcho([0], 'two');
    const c = await LineClient.open(echo.ports[0]!);
    clients.push(c);
    expect(await c.send('a')).toBe('two a');
    c.socket.write('b');
    c.socket.write('c\nd\n');
    expect(await c.next()).toBe('two bc');
    expect(await c.next()).toBe('two d');
  });

  test('keeps bytes as sent (CR, UTF-8 split across writes) and drops a trailing partial line', async () => {
    echo = await startEcho([0], 'x');
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect({ port: echo!.ports[0]!, host: '127.0.0.1', allowHalfOpen: true });
      const parts: Buffer[] = [];
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('error', reject);
      s.on('end', () => { s.destroy(); resolve(Buffer.concat(parts)); });
      const euro = Buffer.from('€\r\n');
      s.write(euro.subarray(0, 1));
      setTimeout(() => { s.write(euro.subarray(1)); s.end('partial'); }, 20);
    });
    expect(reply.toString('utf8')).toBe('x €\r\n');
  });

  test('listens on every port given, reports actual ports in order', async () => {
    const fixed = await freePort();
    echo = await startEcho([fixed, 0], 'p');
    expect(echo.ports[0]).toBe(fixed);
    for (const port of echo.ports) expect(await connectAndSend(port, 'q')).toBe('p q\n');
  });

  test('rejects when a port is taken, and leaves nothing bound', async () => {
    const held = await startEcho([0], 'held');
    try {
      const other = await freePort();
      await expect(startEcho([other, held.ports[0]!], 'x')).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(await connectError(other)).toBe('ECONNREFUSED');
    } finally {
      await held.close();
    }
  });

  test('close() destroys open connections and stops listening', async () => {
    echo = await startEcho([0], 'one');
    const port = echo.ports[0]!;
    const c = await LineClient.open(port);
    clients.push(c);
    expect(await c.send('hi')).toBe('one hi');
    await echo.close();
    echo = null;
    await c.closed;
    expect(await connectError(port)).toBe('ECONNREFUSED');
  });
});
