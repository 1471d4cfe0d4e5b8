/**
 * `npm run bench [-- --quick]`: brings up echo/sink backends, tcpshift (the real `tcpshift run`
 * against a local git repo), HAProxy, nginx-stream and the direct path on 127.0.0.1; drives them
 * with the same load generator, alternating targets round by round; writes RESULTS.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureCommitLatency, type CommitLatency, type CommitMode } from './commit';
import { measureBulk, measureConn, measureLat, measureMem, type BulkSample, type ConnSample, type LatSample, type MemSample } from './measure';
import { sleep } from './net';
import { systemBusySeconds } from './proc-stats';
import { compareDataPaths } from './pumps';
import { updateReadme } from './headline';
import { APT_LINE, peerVersion } from './peers';
import { installCleanup, stopAll } from './procs';
import { machineInfo, renderReport, type Results } from './report';
import { measureSwapCost, measureSwapUnderLoad, type SwapCost, type SwapUnderLoad } from './swap';
import { measureHostile } from './hostile';
import { LONGLIVED_DEFAULTS, measureLonglived } from './longlived';
import { measureScale } from './scale';
import { measureSni } from './sni';
import { measureStorm } from './storm';
import { launch, type Target, type TargetKind, type Upstreams } from './targets';
import { measureWorkers } from './workers';
import { BENCH_DIR, buildTool, startBackend } from './tools';

/** The README whose headline figures a full run (or a --render of one) rewrites. */
const README = join(BENCH_DIR, '..', 'README.md');

const MEASURES = ['conn', 'bulk', 'lat', 'mem', 'swap', 'commit', 'paths', 'storm', 'scale', 'cpu', 'workers', 'hostile', 'longlived', 'sni'] as const;
type Measure = (typeof MEASURES)[number];

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      targets: { type: 'string', default: 'direct,tcpshift,haproxy,nginx,tcpshift-js' },
      only: { type: 'string', default: MEASURES.join(',') },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      connections: { type: 'string' },
      render: { type: 'string' },
      'storm-targets': { type: 'string', default: 'tcpshift,haproxy,nginx' },
      'storm-seconds': { type: 'string' },
      'storm-commit-gap': { type: 'string', default: '0' },
      'scale-sizes': { type: 'string' },
      'scale-trials': { type: 'string' },
    },
  });
  const quick = values.quick!;
  const unknown = values.only!.split(',').filter((m) => m !== '' && !(MEASURES as readonly string[]).includes(m));
  if (unknown.length > 0) throw new Error(`--only: unknown ${unknown.join(', ')}; choose from ${MEASURES.join(',')}`);
  return {
    quick,
    rounds: Number(values.rounds ?? (quick ? 1 : 3)),
    connSeconds: Number(values.seconds ?? (quick ? 1 : 5)),
    bulkSeconds: quick ? 1 : 3,
    latSeconds: quick ? 1 : 3,
    latRate: 2000,
    concurrency: 50,
    memConnections: Number(values.connections ?? (quick ? 1000 : 5000)),
    swapRoutes: 1000,
    swapIterations: quick ? 3 : 15,
    swapLoadSeconds: quick ? 2 : 5,
    commitTrials: quick ? 3 : 9,
    stormTargets: values['storm-targets']!.split(',').filter(Boolean) as TargetKind[],
    stormRoutes: 1000,
    stormSeconds: Number(values['storm-seconds'] ?? (quick ? 2 : 8)),
    stormRounds: Number(values.rounds ?? (quick ? 1 : 3)),
    pingIntervalMs: 5,
    reloadEveryMs: 500,
    /** ms from one storm commit to the next at least (0: back to back, each after the last is applied). */
    stormCommitGapMs: Number(values['storm-commit-gap']),
    scaleSizes: (values['scale-sizes'] ?? (quick ? '1000' : '1000,5000,10000')).split(',').filter(Boolean).map(Number),
    scaleTrials: Number(values['scale-trials'] ?? (quick ? 2 : 5)),
    /** Files of just under 1 MiB in the hostile commit: 16 stay under the 16 MiB commit cap. */
    hostileFiles: quick ? 2 : 16,
    hostileWindowS: quick ? 10 : 40,
    /** Per size: commits stop once they took this long together (at least one is measured). */
    scaleBudgetS: quick ? 30 : 90,
    targets: values.targets!.split(',').filter(Boolean) as TargetKind[],
    only: new Set(values.only!.split(',').filter(Boolean) as Measure[]),
    out: values.out ?? (quick ? join(BENCH_DIR, 'out', 'RESULTS-quick.md') : join(BENCH_DIR, 'RESULTS.md')),
    keep: values.keep!,
    /** Re-render RESULTS.md from a saved results JSON (e.g. after editing bench/analysis.md), measuring nothing. */
    render: values.render,
  };
}

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

async function main(): Promise<void> {
  const o = options();
  if (o.render !== undefined) {
    const saved = JSON.parse(readFileSync(o.render, 'utf8')) as Results;
    writeFileSync(o.out, renderReport(saved));
    log(`wrote ${o.out} from ${o.render}`);
    if (!saved.quick && o.out === join(BENCH_DIR, 'RESULTS.md')) {
      updateReadme(README, saved);
      log(`wrote the headline figures of ${README}`);
    }
    return;
  }
  installCleanup(log);
  const workDir = mkdtempSync(join(tmpdir(), 'tcpshift-bench-'));
  log(`work dir ${workDir}${o.quick ? ' (quick run)' : ''}`);
  const versions: Partial<Record<TargetKind, string>> = {};
  const missing: string[] = [];
  const wantsPeers = (peer: TargetKind) => o.targets.includes(peer) || (o.only.has('storm') && o.stormTargets.includes(peer));
  for (const peer of ['haproxy', 'nginx'] as const) {
    if (!wantsPeers(peer)) continue;
    const v = peerVersion(peer);
    if (v === null) missing.push(peer);
    else versions[peer] = v;
  }
  if (missing.length > 0) {
    log(`not installed: ${missing.join(', ')} — measuring the rest. To compare against them:\n  ${APT_LINE}`);
  }
  const kinds = o.targets.filter((k) => !missing.includes(k));
  const loadgenBin = buildTool('loadgen');
  const backendBin = buildTool('backend');
  const backend = await startBackend(backendBin, ['echo:0', 'echo:0', 'sink:0', 'sink:0', 'id:0:a', 'id:0:b'], join(workDir, 'backend.log'));
  const p = backend.ports;
  const u: Upstreams = { echo: [p[0]!, p[1]!], sink: [p[2]!, p[3]!], id: [p[4]!, p[5]!] };
  const results: Results = {
    machine: machineInfo(versions), command: commandLine(), quick: o.quick, options: { ...o, only: [...o.only], targets: kinds },
    conn: {}, bulk: {}, lat: {}, mem: {}, swapCost: null, swapLoad: null, commit: [], paths: [], missing,
    storm: null, scale: null, workers: null, hostile: null, longlived: null, sni: null,
    background: await backgroundLoad(),
  };
  if (results.background > 0.2) log(`note: the machine was already busy before the bench (${results.background.toFixed(2)} cores); results will be noisier`);
  const ok = await run(o, kinds, u, loadgenBin, workDir, results).then(() => true, (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    return false;
  });
  await stopAll();
  if (ok) {
    const json = o.out.replace(/\.md$/, '.json');
    writeFileSync(json, JSON.stringify(results, null, 2));
    writeFileSync(o.out, renderReport(results));
    log(`wrote ${o.out} (data: ${json})`);
    if (!o.quick && o.out === join(BENCH_DIR, 'RESULTS.md')) updateReadme(README, results);
  }
  if (!o.keep && ok) rmSync(workDir, { recursive: true, force: true });
  else log(`logs kept in ${workDir}`);
  process.exit(ok ? 0 : 1);
}

async function run(o: ReturnType<typeof options>, kinds: TargetKind[], u: Upstreams, bin: string, workDir: string, results: Results): Promise<void> {
  const wants = (m: Measure) => o.only.has(m);
  // the CPU-per-connection section is read from the conn/s runs
  if (wants('conn') || wants('cpu') || wants('bulk') || wants('lat')) {
    const targets: Target[] = [];
    for (const k of kinds) {
      log(`starting ${k}`);
      targets.push(await launch(k, u, { workDir, versions: results.machine.versions }));
    }
    log('warm-up');
    for (const t of targets) await measureConn(bin, t, o.concurrency, o.quick ? 0.5 : 1);
    for (let r = 1; r <= o.rounds; r++) {
      if (wants('conn') || wants('cpu')) {
        for (const t of targets) {
          const s = await measureConn(bin, t, o.concurrency, o.connSeconds);
          push(results.conn, t.kind, s);
          log(`round ${r} conn/s  ${t.kind.padEnd(9)} ${s.rate.toFixed(0).padStart(7)}  errors ${s.errors}  cpu ${s.cpuUsPerConn.toFixed(1)} µs/conn  (target ${s.targetCores.toFixed(2)} cores, loadgen ${s.loadgenCores.toFixed(2)}, machine ${s.machineCores.toFixed(2)})`);
          await sleep(300);
        }
      }
      if (wants('bulk')) {
        for (const t of targets) {
          const s = await measureBulk(bin, t, o.bulkSeconds);
          push(results.bulk, t.kind, s);
          log(`round ${r} bulk    ${t.kind.padEnd(9)} ${s.gbps.toFixed(2).padStart(7)} Gbit/s  cpu ${s.cpuSPerGB.toFixed(3)} s/GB`);
          await sleep(300);
        }
      }
      if (wants('lat')) {
        for (const t of targets) {
          const s = await measureLat(bin, t, o.latSeconds, o.latRate);
          push(results.lat, t.kind, s);
          log(`round ${r} latency ${t.kind.padEnd(9)} p50 ${s.p50Us.toFixed(1)} µs  p99 ${s.p99Us.toFixed(1)} µs`);
          await sleep(300);
        }
      }
    }
    for (const t of targets) await t.stop();
  }
  if (wants('mem')) {
    for (let r = 1; r <= o.rounds; r++) {
      for (const k of kinds) {
        if (k === 'direct') continue;
        const t = await launch(k, u, { workDir, versions: results.machine.versions });
        try {
          const s = await measureMem(bin, t, o.memConnections);
          push(results.mem, k, s);
          log(`round ${r} memory  ${k.padEnd(9)} ${s.perConnKB.toFixed(2)} KB/conn  (idle ${s.idleMB.toFixed(1)} MB, ${s.ready} held: ${s.heldMB.toFixed(1)} MB, errors ${s.errors})`);
        } finally {
          await t.stop();
        }
      }
    }
  }
  if (wants('swap') && kinds.some((k) => k.startsWith('tcpshift'))) {
    results.swapCost = await measureSwapCost(u, o.swapRoutes, o.swapIterations);
    const c = results.swapCost;
    log(`swap cost (${c.routes} routes): parse+compile ${c.parseCompileMs.toFixed(1)} ms, diff ${c.diffMs.toFixed(1)} ms, swap ${c.swapMs.toFixed(1)} ms, total ${c.totalMs.toFixed(1)} ms`);
    results.swapLoad = await measureSwapUnderLoad(bin, u, workDir, o.swapRoutes, o.swapLoadSeconds);
    const l = results.swapLoad;
    log(`swap under load: ${l.commits} commits, ${l.swapsApplied} swaps applied, ${l.errors} failed connections, ${l.rate.toFixed(0)} conn/s`);
  }
  if (wants('paths')) {
    results.paths = await compareDataPaths(bin, u.echo[0], u.sink[0], workDir, o.quick ? 1 : 3, o.quick ? 1 : 2, log);
  }
  if (wants('storm')) {
    const stormKinds = o.stormTargets.filter((k) => !results.missing.includes(k) && k !== 'direct');
    results.storm = await measureStorm(bin, u, workDir, {
      routes: o.stormRoutes, seconds: o.stormSeconds, rounds: o.stormRounds, concurrency: o.concurrency,
      pingIntervalMs: o.pingIntervalMs, reloadEveryMs: o.reloadEveryMs, minCommitGapMs: o.stormCommitGapMs, kinds: stormKinds, versions: results.machine.versions,
    }, log);
  }
  if (wants('scale')) {
    results.scale = await measureScale(u, workDir, {
      sizes: o.scaleSizes, trials: o.scaleTrials, budgetS: o.scaleBudgetS, coldTimeoutS: 180, commitTimeoutS: 60,
    }, log);
  }
  if (wants('hostile')) {
    results.hostile = await measureHostile(bin, u, workDir, { files: o.hostileFiles, windowS: o.hostileWindowS, reconcileTimeoutS: 110 }, log);
  }
  if (wants('longlived')) {
    results.longlived = await measureLonglived({ ...LONGLIVED_DEFAULTS, watchS: o.quick ? 15 : LONGLIVED_DEFAULTS.watchS }, log);
  }
  if (wants('sni')) {
    results.sni = await measureSni(bin, u.echo[0], { sizes: [1, 100, 1000], seconds: o.quick ? 1 : 3, rounds: o.quick ? 1 : 3, concurrency: o.concurrency }, log);
  }
  if (wants('workers')) {
    results.workers = await measureWorkers(bin, u, {
      counts: [1, 2], rounds: o.rounds, concurrency: o.concurrency, connSeconds: o.connSeconds, latSeconds: o.latSeconds,
      latRate: o.latRate, workDir, versions: results.machine.versions,
    }, log);
    if (!results.workers.available) log(`workers: ${results.workers.note}`);
  }
  if (wants('commit') && kinds.some((k) => k.startsWith('tcpshift'))) {
    for (const mode of ['watch', 'poll 1s', 'POST /reconcile'] as CommitMode[]) {
      const c: CommitLatency = await measureCommitLatency(u, workDir, mode, o.commitTrials);
      results.commit.push(c);
      log(`commit → serving (${mode}): median ${c.medianMs.toFixed(0)} ms (min ${c.minMs.toFixed(0)}, max ${c.maxMs.toFixed(0)})`);
    }
  }
}

/** Cores busy over one second before anything starts (other work on the machine). */
async function backgroundLoad(): Promise<number> {
  const b0 = systemBusySeconds();
  await sleep(1000);
  return systemBusySeconds() - b0;
}

function push<T>(into: Partial<Record<TargetKind, T[]>>, k: TargetKind, s: T): void {
  (into[k] ??= []).push(s);
}

function commandLine(): string {
  const extra = process.argv.slice(2);
  return `npm run bench${extra.length ? ` -- ${extra.join(' ')}` : ''}`;
}

export type { BulkSample, ConnSample, LatSample, MemSample, SwapCost, SwapUnderLoad };

void main();
