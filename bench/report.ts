/** bench/RESULTS.md: machine, command, medians, ratios against the peers and the direct path, and the targets. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import type { CommitLatency } from './commit';
import type { BulkSample, ConnSample, LatSample, MemSample } from './measure';
import type { HostileResult } from './hostile';
import { renderLonglived, type LonglivedResult } from './longlived';
import { renderSni, type SniResult } from './sni';
import type { VariantResult } from './pumps';
import { controlGoals, renderControl } from './report-control';
import type { ScaleRow } from './scale';
import type { StormResults } from './storm';
import type { WorkersResult } from './workers';
import { fmt, median } from './stats';
import type { SwapCost, SwapUnderLoad } from './swap';
import type { TargetKind } from './targets';
import { BENCH_DIR } from './tools';

export interface Machine {
  cores: number; cpu: string; memGB: number; kernel: string; node: string; git: string; date: string;
  versions: Partial<Record<TargetKind, string>>;
}

export interface Results {
  machine: Machine;
  command: string;
  quick: boolean;
  options: Record<string, unknown>;
  conn: Partial<Record<TargetKind, ConnSample[]>>;
  bulk: Partial<Record<TargetKind, BulkSample[]>>;
  lat: Partial<Record<TargetKind, LatSample[]>>;
  mem: Partial<Record<TargetKind, MemSample[]>>;
  swapCost: SwapCost | null;
  swapLoad: SwapUnderLoad | null;
  commit: CommitLatency[];
  paths: VariantResult[];
  missing: string[];
  /** Cores busy before the bench started. */
  background: number;
  /** Issue 15's sections (absent in results saved before them). */
  storm?: StormResults | null;
  scale?: ScaleRow[] | null;
  workers?: WorkersResult | null;
  hostile?: HostileResult | null;
  longlived?: LonglivedResult | null;
  sni?: SniResult | null;
}

/** What the bench runs on. */
export function machineInfo(versions: Partial<Record<TargetKind, string>>): Machine {
  let git = '?';
  try {
    git = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim().replace('git version ', '');
  } catch {
    // no git: tcpshift cannot run either; the bench fails later with a clear error
  }
  return {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', memGB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(), node: process.version, git, date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    versions,
  };
}

const NAMES: Record<TargetKind, string> = {
  direct: 'direct (no proxy)', tcpshift: 'tcpshift', 'tcpshift-js': 'tcpshift, JS path', haproxy: 'HAProxy', nginx: 'nginx stream',
};
const ORDER: TargetKind[] = ['tcpshift', 'haproxy', 'nginx', 'tcpshift-js', 'direct'];

type Pick<T> = (s: T) => number;
function med<T>(rows: Partial<Record<TargetKind, T[]>>, k: TargetKind, pick: Pick<T>): number {
  return median((rows[k] ?? []).map(pick));
}

interface Goal { label: string; value: number; vs: 'haproxy' | 'nginx' | 'direct' | null; cmp: '>=' | '<='; bound: number; unit: string }

/** Renders the whole report. */
export function renderReport(r: Results): string {
  const kinds = ORDER.filter((k) => r.conn[k] || r.bulk[k] || r.lat[k] || r.mem[k]);
  const m = r.machine;
  const out: string[] = [];
  out.push('# tcpshift benchmark results', '');
  if (r.quick) out.push('> **Quick smoke run** (`--quick`): one short round; not the numbers to quote.', '');
  out.push(
    `- Machine: ${m.cores} cores (${m.cpu}), ${m.memGB} GB RAM, Linux ${m.kernel}`,
    `- Node ${m.node}, git ${m.git}; HAProxy ${m.versions.haproxy ?? 'not installed'}, nginx ${m.versions.nginx ?? 'not installed'} (stream module)`,
    `- Run: ${m.date}, command \`${r.command}\``,
    ...(kinds.length === 0 ? [] : [`- Method: every target on 127.0.0.1 in front of the same C epoll backends; the same C load generator (one thread) drives all of them, targets alternating within each round (${kinds.map((k) => NAMES[k]).join(' → ')}), ${String(r.options['rounds'])} round(s), medians reported. tcpshift is \`node dist/cli/main.js run --repo <temp git repo>\` with 80/20 weights (native data path; "tcpshift, JS path" is the same process with TCPSHIFT_NATIVE=0); HAProxy and nginx get the same two weighted upstreams.`]),
  );
  out.push(`- Other load on the machine before the run: ${fmt(r.background, 2)} cores busy`);
  if (r.missing.length > 0) out.push(`- Not installed, not measured: ${r.missing.join(', ')}`);
  out.push('');

  const connRate = (k: TargetKind) => med(r.conn, k, (s) => s.rate);
  const bulk = (k: TargetKind) => med(r.bulk, k, (s) => s.gbps);
  const p50 = (k: TargetKind) => med(r.lat, k, (s) => s.p50Us);
  const p99 = (k: TargetKind) => med(r.lat, k, (s) => s.p99Us);
  const memKB = (k: TargetKind) => med(r.mem, k, (s) => s.perConnKB);
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);

  out.push('## Targets', '');
  const goals: Goal[] = [
    { label: 'new connections/s vs HAProxy', value: ratio(connRate('tcpshift'), connRate('haproxy')), vs: 'haproxy', cmp: '>=', bound: 1.1, unit: '×' },
    { label: 'new connections/s vs nginx', value: ratio(connRate('tcpshift'), connRate('nginx')), vs: 'nginx', cmp: '>=', bound: 1.1, unit: '×' },
    { label: 'bulk throughput vs HAProxy', value: ratio(bulk('tcpshift'), bulk('haproxy')), vs: 'haproxy', cmp: '>=', bound: 1.0, unit: '×' },
    { label: 'bulk throughput vs direct', value: ratio(bulk('tcpshift'), bulk('direct')), vs: 'direct', cmp: '>=', bound: 0.6, unit: '×' },
    { label: 'p99 echo latency vs HAProxy', value: ratio(p99('tcpshift'), p99('haproxy')), vs: 'haproxy', cmp: '<=', bound: 1.5, unit: '×' },
    { label: 'memory per idle proxied connection', value: memKB('tcpshift'), vs: null, cmp: '<=', bound: 10, unit: ' KB' },
  ];
  if (r.swapCost) {
    const c = r.swapCost;
    goals.push({ label: `swap of ${c.routes} routes: compile + diff + swap (YAML parse, ${fmt(c.parseCompileMs - c.compileOnlyMs)} ms more, not counted)`, value: c.compileOnlyMs + c.diffMs + c.swapMs, vs: null, cmp: '<=', bound: 20, unit: ' ms' });
  }
  if (r.swapLoad) goals.push({ label: 'failed connections while swapping every 100 ms at full load', value: r.swapLoad.errors, vs: null, cmp: '<=', bound: 0, unit: '' });
  const watch = r.commit.find((c) => c.mode === 'watch');
  if (watch) goals.push({ label: 'commit → serving, median (local watch)', value: watch.medianMs / 1000, vs: null, cmp: '<=', bound: 0.3, unit: ' s' });
  // a run of other sections only (--only storm, say) measured none of these: no table of dashes
  if (goals.some((g) => Number.isFinite(g.value))) out.push('| Target | tcpshift | Measured ratio | Goal | Met |', '|---|---|---|---|---|');
  for (const g of goals.some((x) => Number.isFinite(x.value)) ? goals : []) {
    const digits = g.unit === ' s' ? 3 : g.unit === '' ? 0 : g.unit === ' ms' ? 1 : 2;
    const measured = g.vs === null ? `${fmt(g.value, digits)}${g.unit}` : `${fmt(g.value, 2)}${g.unit}`;
    const met = !Number.isFinite(g.value) ? 'not measured' : (g.cmp === '>=' ? g.value >= g.bound : g.value <= g.bound) ? 'met' : '**missed**';
    const goal = g.bound === 0 && g.cmp === '<=' ? '0' : `${g.cmp === '>=' ? '≥' : '≤'} ${g.bound}${g.unit}`;
    out.push(`| ${g.label} | ${g.vs === null ? measured : describeAbs(g, r)} | ${g.vs === null ? '' : measured} | ${goal} | ${met} |`);
  }
  out.push('');
  const extra = controlGoals(r);
  if (extra.length > 0) {
    out.push('### Control plane, scale and CPU (issue 15)', '');
    out.push('| Target | Measured | Goal | Met |', '|---|---|---|---|');
    for (const g of extra) out.push(`| ${g.label} | ${g.measured} | ${g.goal} | ${g.met} |`);
    out.push('');
  }

  if (kinds.length > 0) renderTargets(out, r, kinds, connRate, bulk, p50, p99, memKB, ratio);
  renderControl(out, r, Number(r.options['rounds']));
  renderRest(out, r);
  if (r.longlived) out.push(...renderLonglived(r.longlived));
  if (r.sni) out.push(...renderSni(r.sni));
  return out.join('\n');
}

function renderTargets(
  out: string[], r: Results, kinds: TargetKind[], connRate: (k: TargetKind) => number, bulk: (k: TargetKind) => number,
  p50: (k: TargetKind) => number, p99: (k: TargetKind) => number, memKB: (k: TargetKind) => number, ratio: (a: number, b: number) => number,
): void {
  out.push('## Medians', '');
  out.push(`| Metric | ${kinds.map((k) => NAMES[k]).join(' | ')} |`, `|---|${kinds.map(() => '---:').join('|')}|`);
  const row = (label: string, f: (k: TargetKind) => number, digits: number, skipDirect = false) =>
    out.push(`| ${label} | ${kinds.map((k) => (skipDirect && k === 'direct' ? '–' : fmt(f(k), digits))).join(' | ')} |`);
  row('new connections/s (concurrency 50)', connRate, 0);
  row('  proxy CPU per connection (µs)', (k) => med(r.conn, k, (s) => s.cpuUsPerConn), 1, true);
  row('    of which in user space (µs)', (k) => med(r.conn, k, (s) => s.userUsPerConn ?? NaN), 1, true);
  row('    of which in the kernel (µs)', (k) => med(r.conn, k, (s) => s.sysUsPerConn ?? NaN), 1, true);
  row('  proxy CPU used (cores)', (k) => med(r.conn, k, (s) => s.targetCores), 2, true);
  row('  load generator CPU (cores)', (k) => med(r.conn, k, (s) => s.loadgenCores), 2);
  row(`  whole machine busy (cores of ${r.machine.cores})`, (k) => med(r.conn, k, (s) => s.machineCores), 2);
  row('  failed connections (sum)', (k) => (r.conn[k] ?? []).reduce((a, s) => a + s.errors, 0), 0);
  row('bulk, one stream (Gbit/s)', bulk, 2);
  row('  proxy CPU per GB (s)', (k) => med(r.bulk, k, (s) => s.cpuSPerGB), 3, true);
  row('echo latency p50 (µs)', p50, 1);
  row('echo latency p99 (µs)', p99, 1);
  row(`memory per idle proxied connection (KB, ${String(r.options['memConnections'])} open)`, memKB, 2, true);
  out.push(`|   RSS idle → with connections open (MB) | ${kinds.map((k) => (k === 'direct' ? '–' : `${fmt(med(r.mem, k, (s) => s.idleMB), 1)} → ${fmt(med(r.mem, k, (s) => s.heldMB), 1)}`)).join(' | ')} |`);
  out.push('');

  if (r.conn.direct && r.conn.tcpshift) {
    const dRate = connRate('direct');
    const dCores = med(r.conn, 'direct', (s) => s.loadgenCores);
    out.push(`The load generator is not the bottleneck: on the direct path it reached ${fmt(dRate)} conn/s using ${fmt(dCores, 2)} cores, ${fmt(ratio(dRate, Math.max(...(['tcpshift', 'haproxy', 'nginx'] as TargetKind[]).map(connRate).filter(Number.isFinite))), 1)}× the fastest proxy's rate; through the proxies it used about ${fmt(med(r.conn, 'tcpshift', (s) => s.loadgenCores), 2)} cores.`, '');
  }
  out.push('## Ratios of tcpshift to each target (medians)', '');
  const others = kinds.filter((k) => k !== 'tcpshift');
  out.push(`| Metric | ${others.map((k) => `÷ ${NAMES[k]}`).join(' | ')} |`, `|---|${others.map(() => '---:').join('|')}|`);
  const rrow = (label: string, f: (k: TargetKind) => number) => out.push(`| ${label} | ${others.map((k) => fmt(ratio(f('tcpshift'), f(k)), 2)).join(' | ')} |`);
  rrow('new connections/s (higher is better)', connRate);
  rrow('bulk Gbit/s (higher is better)', bulk);
  rrow('latency p50 (lower is better)', p50);
  rrow('latency p99 (lower is better)', p99);
  out.push(`| memory per connection (lower is better) | ${others.map((k) => (k === 'direct' ? '–' : fmt(ratio(memKB('tcpshift'), memKB(k)), 2))).join(' | ')} |`);
  out.push('');

  out.push('## Every round', '');
  out.push('| Round | Target | conn/s | µs CPU/conn | Gbit/s | p50 µs | p99 µs | KB/conn |', '|---|---|---:|---:|---:|---:|---:|---:|');
  const rounds = Number(r.options['rounds']);
  for (let i = 0; i < rounds; i++) {
    for (const k of kinds) {
      const c = r.conn[k]?.[i];
      const b = r.bulk[k]?.[i];
      const l = r.lat[k]?.[i];
      const mm = r.mem[k]?.[i];
      out.push(`| ${i + 1} | ${NAMES[k]} | ${fmt(c?.rate)} | ${k === 'direct' ? '–' : fmt(c?.cpuUsPerConn, 1)} | ${fmt(b?.gbps, 2)} | ${fmt(l?.p50Us, 1)} | ${fmt(l?.p99Us, 1)} | ${fmt(mm?.perConnKB, 2)} |`);
    }
  }
  out.push('');

}

function renderRest(out: string[], r: Results): void {
  if (r.swapCost || r.swapLoad) {
    out.push('## Routing table swaps', '');
    if (r.swapCost) {
      const c = r.swapCost;
      out.push(`In-process, the code \`tcpshift run\` uses, ${c.routes} routes (${c.routes} listeners, each a VirtualService with an 80/20 or 70/30 split), every route's weights changed on each swap; median of ${c.iterations} swaps:`, '');
      out.push('| parse YAML + compile | of which compile | diff | build runtime + swap | total |', '|---:|---:|---:|---:|---:|');
      out.push(`| ${fmt(c.parseCompileMs, 1)} ms | ${fmt(c.compileOnlyMs, 1)} ms | ${fmt(c.diffMs, 1)} ms | ${fmt(c.swapMs, 1)} ms | ${fmt(c.totalMs, 1)} ms |`, '');
    }
    if (r.swapLoad) {
      const l = r.swapLoad;
      out.push(`Under full load: the real process serving the ${l.routes}-route repo, the load generator at concurrency 50 on one route for ${fmt(l.seconds, 1)} s while a commit changing every route's weights landed every 100 ms (watched repo): **${l.errors} failed connections** of ${fmt(l.rate * l.seconds)}; ${l.commits} commits, ${l.swapsApplied} swaps applied (the reconciler coalesces commits that land while a run is in progress); ${fmt(l.rate)} conn/s while swapping against ${fmt(l.baselineRate)} conn/s (${l.baselineErrors} failed) from the same process just before, without commits; tcpshift used ${fmt(l.cpuCores, 2)} cores.`, '');
    }
  }
  if (r.commit.length > 0) {
    out.push('## Commit → serving', '');
    out.push('From the start of `git commit` in the local repo until the first new connection reaches the upstream the commit names (a client connects in a loop):', '');
    out.push('| Trigger | trials | median | min | max |', '|---|---:|---:|---:|---:|');
    for (const c of r.commit) out.push(`| ${c.mode} | ${c.trials} | ${fmt(c.medianMs)} ms | ${fmt(c.minMs)} ms | ${fmt(c.maxMs)} ms |`);
    out.push('');
  }
  if (r.paths.length > 0) {
    out.push('## Ways of moving bytes', '');
    out.push('Minimal proxies (no routing, one upstream) that differ only in how they move bytes, measured with the same load generator (medians; CPU is the proxy process(es) only):', '');
    out.push('| Variant | How | conn/s | proxy CPU µs/conn | bulk Gbit/s | proxy CPU s/GB |', '|---|---|---:|---:|---:|---:|');
    for (const v of r.paths) out.push(`| ${v.name} | ${v.what} | ${fmt(v.rate)} | ${fmt(v.cpuUs, 1)} | ${fmt(v.gbps, 2)} | ${fmt(v.sPerGB, 3)} |`);
    out.push('');
    const by = (n: string) => r.paths.find((v) => v.name === n);
    const [one, two, pipe, cl] = [by('native+splice'), by('native×2'), by('pipe'), by('pipe×2')];
    if (one && two && pipe && cl) {
      out.push(`One process or two on these ${r.machine.cores} cores: two native processes sharing the port reached ${fmt(two.rate)} conn/s against ${fmt(one.rate)} for one (${fmt(two.rate / one.rate, 2)}×); node:cluster with its default round-robin scheduler reached ${fmt(cl.rate)} against ${fmt(pipe.rate)} for one plain process (${fmt(cl.rate / pipe.rate, 2)}×).`, '');
    }
  }
  const notes = join(BENCH_DIR, 'analysis.md');
  if (existsSync(notes)) out.push(readFileSync(notes, 'utf8').trim(), '');
}

function describeAbs(g: Goal, r: Results): string {
  const c = (k: TargetKind) => median((r.conn[k] ?? []).map((s) => s.rate));
  const b = (k: TargetKind) => median((r.bulk[k] ?? []).map((s) => s.gbps));
  const p = (k: TargetKind) => median((r.lat[k] ?? []).map((s) => s.p99Us));
  if (g.label.startsWith('new connections')) return `${fmt(c('tcpshift'))} vs ${fmt(c(g.vs!))} conn/s`;
  if (g.label.startsWith('bulk')) return `${fmt(b('tcpshift'), 2)} vs ${fmt(b(g.vs!), 2)} Gbit/s`;
  return `${fmt(p('tcpshift'), 1)} vs ${fmt(p(g.vs!), 1)} µs`;
}
