/** This process's descriptor limit, lowered for a test and put back (prlimit on our own pid). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** This process's RLIMIT_NOFILE as [soft, hard]. */
export function nofile(): [string, string] {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!;
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
  return [soft!, hard!];
}

/** Lowers the soft limit to what is open now plus `room`; returns what restores it. */
export function lowerLimit(room: number): () => void {
  const [soft, hard] = nofile();
  const open = readdirSync('/proc/self/fd').length;
  execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${open + room}:${hard}`]);
  return () => execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${soft}:${hard}`]);
}
