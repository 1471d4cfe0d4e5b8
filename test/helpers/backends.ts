/** Misbehaving loopback backends for fault tests. */
import { spawn } from 'node:child_process';
import * as net from 'node:net';

/**
 * A port on 127.0.0.1 where a TCP connect hangs (no SYN-ACK), so only a connect timeout ends it.
 * How: a child process listens with a backlog of 1 and is stopped (SIGSTOP) so it never accepts; two
 * filler connections fill the accept queue, after which Linux drops new SYNs. `close()` kills the child.
 */
export async function hangingBackend(): Promise<{ port: number; close(): Promise<void> }> {
  const script = "const s=require('net').createServer();s.listen({host:'127.0.0.1',port:0,backlog:1},()=>process.stdout.write(s.address().port+'\\n'))";
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('error', reject);
  });
  child.kill('SIGSTOP');
  const sockets: net.Socket[] = [];
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    child.kill('SIGKILL');
    await exited;
  };
  for (let i = 0; i < 6; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    sockets.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      s.once('connect', () => { clearTimeout(t); resolve(true); });
    });
    if (!connected) return { port, close }; // the queue is full: this connect hangs, and so will the next
  }
  await close();
  throw new Error('could not make a hanging backend: connects kept succeeding');
}
