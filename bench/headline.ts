/**
 * The README's headline figures, rendered from a results JSON (bench/RESULTS.json) so they are
 * never typed by hand: `npm run bench` and `npm run bench -- --render bench/RESULTS.json` fill the
 * block between the two markers in README.md. Pure, apart from `updateReadme`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Results } from './report';
import { median } from './stats';

export const HEADLINE_START = '<!-- bench-headline: filled from bench/RESULTS.json by `npm run bench -- --render bench/RESULTS.json`; do not edit by hand -->';
export const HEADLINE_END = '<!-- /bench-headline -->';

const med = <T>(rows: T[] | undefined, pick: (s: T) => number): number => median((rows ?? []).map(pick));
const x = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

/** The headline bullet for `r`: tcpshift's connections/s and bulk throughput against HAProxy and nginx, and its memory per idle connection. */
export function renderHeadline(r: Results): string {
  const conn = (k: 'tcpshift' | 'haproxy' | 'nginx') => med(r.conn[k], (s) => s.rate);
  const bulk = (k: 'tcpshift' | 'haproxy' | 'nginx') => med(r.bulk[k], (s) => s.gbps);
  const kb = (k: 'tcpshift' | 'haproxy' | 'nginx') => med(r.mem[k], (s) => s.perConnKB).toFixed(2);
  return [
    '- **Measured against HAProxy and nginx on the same box**, with routing and accounting on',
    `  ([bench/RESULTS.md](bench/RESULTS.md), run of ${r.machine.date}): new connections/s ${x(conn('tcpshift'), conn('haproxy'))} HAProxy's`,
    `  and ${x(conn('tcpshift'), conn('nginx'))} nginx's, single-stream throughput ${x(bulk('tcpshift'), bulk('haproxy'))} HAProxy's and ${x(bulk('tcpshift'), bulk('nginx'))} nginx's,`,
    `  ${kb('tcpshift')} KB per idle proxied connection (HAProxy ${kb('haproxy')} KB, nginx ${kb('nginx')} KB).`,
  ].join('\n');
}

/** `readme` with the text between the headline markers replaced by `renderHeadline(r)`; throws when a marker is missing. */
export function fillHeadline(readme: string, r: Results): string {
  const start = readme.indexOf(HEADLINE_START);
  const end = readme.indexOf(HEADLINE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${HEADLINE_START} … ${HEADLINE_END} block`);
  return `${readme.slice(0, start + HEADLINE_START.length)}\n${renderHeadline(r)}\n${readme.slice(end)}`;
}

/** Rewrites the headline block of the README at `path` from `r`. */
export function updateReadme(path: string, r: Results): void {
  writeFileSync(path, fillHeadline(readFileSync(path, 'utf8'), r));
}
