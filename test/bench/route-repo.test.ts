/**
 * The bench's big repo (bench/route-repo.ts) is what tcpshift validates as it stands, and its
 * storm commits change what they say: one file, or every file, never the untouched routes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileFiles } from '../../bench/hostile';
import { lowPorts } from '../../bench/ports';
import { RouteRepo } from '../../bench/route-repo';
import { tcpshift } from '../helpers/cli';

const U = { echo: [5001, 5002], sink: [5003, 5004], id: [5005, 5006] } as const;

function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-repo-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('bench RouteRepo', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('1,000 routes in 10 files validate, one listener per route', () => {
    const ports = Array.from({ length: 1000 }, (_, i) => 3000 + i);
    const rr = new RouteRepo(ports, U);
    const files = rr.allFiles();
    expect(Object.keys(files)).toHaveLength(11); // services.yaml + 10 route files
    const dir = writeTree(files);
    dirs.push(dir);
    const r = tcpshift(['validate', '-q', dir]);
    expect(r.code).toBe(0);
    // -q: errors only, then the one summary line
    expect((r.stdout + r.stderr).trim()).toMatch(/^valid: .*\b1000 listener/);
    expect(rr.pools()).toHaveLength(1000);
    expect(rr.pools().every((p) => p.upstreams.length > 0 && p.upstreams.every((u) => u.weight > 0))).toBe(true);
  }, 60_000);

  it('a one-file change touches one file; an all-file change keeps the untouched routes as they were', () => {
    const ports = Array.from({ length: 300 }, (_, i) => 3000 + i);
    const rr = new RouteRepo(ports, U);
    const before = rr.allFiles();
    const one = rr.touch(1);
    expect(Object.keys(one)).toEqual(['routes-001.yaml']);
    expect(one['routes-001.yaml']).not.toBe(before['routes-001.yaml']);
    const [echo, ping] = [rr.route(0), rr.route(1)];
    const prev = rr.allFiles();
    const all = rr.touchAll();
    for (const f of ['routes-000.yaml', 'routes-001.yaml', 'routes-002.yaml']) expect(all[f]).not.toBe(prev[f]);
    expect(all['services.yaml']).toBe(prev['services.yaml']);
    expect([rr.route(0), rr.route(1)]).toEqual([echo, ping]);
    const flip = rr.flipProbe();
    expect(Object.keys(flip)).toEqual(['routes-002.yaml']);
    expect(rr.probeWant).toBe('b');
  });

  it('listener ports come from below 20000, distinct, never 15000', async () => {
    const ports = await lowPorts(50);
    expect(new Set(ports).size).toBe(50);
    expect(ports.every((p) => p >= 3000 && p < 20000 && p !== 15000)).toBe(true);
  });

  it('the hostile commit stays inside the caps: every file under 1 MiB, all under 16 MiB, and it validates', () => {
    const h = hostileFiles(16);
    const sizes = Object.values(h.files).map((t) => Buffer.byteLength(t));
    expect(sizes).toHaveLength(16);
    expect(Math.max(...sizes)).toBeLessThan(1 << 20);
    expect(h.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(h.bytes).toBeLessThan(16 << 20);
    const dir = writeTree({ 'hostile-00.yaml': h.files['hostile-00.yaml']! });
    dirs.push(dir);
    const r = tcpshift(['validate', '-q', dir]);
    expect(r.code).toBe(0);
  }, 60_000);
});
