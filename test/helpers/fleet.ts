/** A fleet in tests: `git daemon` on loopback for one bare repo, and signed push webhooks to each instance. */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { git } from './git';
import type { Harness } from './harness';
import { freePort, waitFor } from './net';
import type { RunProcess } from './run-process';

/** One instance of a fleet test: its name, address, admin port, state folder and process. */
export interface FleetNode { readonly name: string; readonly host: string; readonly admin: number; readonly state: string; proc?: RunProcess }

/** `git daemon` serving `base` on 127.0.0.1:<free> (stopped by `h`); resolves with its port once it answers `ls-remote`. */
export async function gitDaemon(h: Harness, base: string): Promise<number> {
  const port = await freePort();
  const p = spawn('git', ['daemon', `--base-path=${base}`, '--export-all', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, base], { stdio: 'ignore', detached: true });
  p.on('error', () => undefined);
  const exited = new Promise<void>((r) => p.on('exit', () => r()));
  h.defer(async () => {
    try { process.kill(-(p.pid ?? 0), 'SIGKILL'); } catch { /* gone */ }
    await exited;
  });
  await waitFor(() => {
    try {
      git(base, 'ls-remote', `git://127.0.0.1:${port}/bare.git`);
      return true;
    } catch {
      return false;
    }
  }, 10_000, 'git daemon answering');
  return port;
}

/** POSTs a signed generic push webhook (branch main) to one instance; resolves with the HTTP status. */
export async function signedPush(node: FleetNode, secret: string): Promise<number> {
  const body = JSON.stringify({ ref: 'refs/heads/main' });
  const sig = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const res = await fetch(`http://${node.host}:${node.admin}/webhook`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', 'x-tcpshift-signature': sig },
  });
  await res.text();
  return res.status;
}
