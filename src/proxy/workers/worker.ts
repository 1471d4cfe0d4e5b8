/**
 * One data-plane worker thread: its own copy of the native addon (its own epoll set on this
 * thread's loop) under its own TcpProxy, listening on SO_REUSEPORT sockets that every worker binds.
 * Tables arrive from the pool as deltas in two phases: prepare (build and bind, then answer), and
 * the pool's generation flip in shared memory, which the next accept here sees — or the commit
 * message, whichever comes first.
 */
import pino from 'pino';
import { parentPort, workerData } from 'node:worker_threads';
import { ApplyError } from '../../errors';
import type { Listener } from '../../model/types';
import { TcpProxy, type PreparedSwap } from '../proxy';
import type { FromWorker, TableDelta, ToWorker, WorkerConfig, WorkerStats } from './protocol';
import { bindsHere } from './placement';
import { liveGeneration, routePicker } from './shared';

const config = workerData as WorkerConfig;
const port = parentPort!;
const send = (m: FromWorker): void => port.postMessage(m);
// Log lines go to the pool, which writes them with the instance's logger (and a `worker` field).
const log = pino({ level: config.level, base: null, timestamp: false }, { write: (line: string) => send({ type: 'log', line }) });

/** The listeners of the table being served, by key (the objects later deltas leave unchanged). */
let serving = new Map<string, Listener>();
/** Route slots of the table being prepared, for the pickers it builds. */
let slots = new Map<string, number>();
let pending: { gen: number; swap: PreparedSwap; listeners: Map<string, Listener> } | null = null;
/** How many workers bind each socket new in the table being prepared. */
let copies = config.workers;

const proxy = new TcpProxy({
  logger: log,
  dataPath: 'native',
  reusePort: true,
  bindsSocket: (key, port) => bindsHere(key, port, config.index, config.workers, copies),
  routePicker: (l, weights) => routePicker(weights, config.mem, slots.get(l.key) ?? 0),
  beforeAccept: () => {
    if (pending !== null && liveGeneration(config.mem) >= pending.gen) commit(pending.gen);
  },
  ...(config.maxConnections !== undefined ? { maxConnections: config.maxConnections } : {}),
});

function stats(): WorkerStats {
  return { counters: proxy.counters(), activity: proxy.activity() };
}

function commit(gen: number): void {
  if (pending === null || pending.gen !== gen) return;
  const p = pending;
  pending = null;
  serving = p.listeners;
  p.swap.commit();
}

async function prepare(gen: number, delta: TableDelta): Promise<void> {
  const changed = new Map(delta.changed.map((l) => [l.key, l]));
  const listeners = new Map<string, Listener>();
  for (const key of delta.order) {
    const l = changed.get(key) ?? serving.get(key);
    if (l === undefined) {
      send({ type: 'failed', gen, message: `worker ${config.index}: listener ${key} missing from the delta` });
      return;
    }
    listeners.set(key, l);
  }
  slots = new Map(delta.slots);
  copies = delta.copies;
  try {
    const swap = await proxy.prepare({ listeners: [...listeners.values()] }, new Map(delta.ports));
    pending = { gen, swap, listeners };
    send({ type: 'prepared', gen, bound: swap.bound });
  } catch (err) {
    const e = err instanceof ApplyError ? err : new ApplyError(String(err));
    send({ type: 'failed', gen, message: e.message, ...(e.address !== undefined ? { address: e.address } : {}), ...(e.port !== undefined ? { port: e.port } : {}) });
  }
}

/** Counts that change when anything a report shows changes (connections come and go, tables swap). */
let lastSign = '';
function sign(): string {
  const c = proxy.counters();
  let ended = 0;
  for (const d of c.destinations) ended += d.closed + d.failed + d.connectFailures + d.rejected + d.expired;
  return `${c.accepted}|${c.active}|${c.rejected}|${ended}|${c.acceptErrors.length}|${c.localConnectErrors.length}|${proxy.table.listeners.length}|${serving.size}`;
}

// Unasked reports only when something changed: a snapshot of a large table is not free to copy.
// (And every 25th tick regardless: ejections end with time, not with a count.)
let ticks = 0;
const timer = setInterval(() => {
  const now = sign();
  if (now === lastSign && ++ticks % 25 !== 0) return;
  lastSign = now;
  send({ type: 'stats', ...stats() });
}, config.statsMs);
timer.unref();

port.on('message', (m: ToWorker) => {
  if (m.type === 'prepare') void prepare(m.gen, m.delta);
  else if (m.type === 'commit') commit(m.gen);
  else if (m.type === 'abort') {
    const p = pending !== null && pending.gen === m.gen ? pending : null;
    pending = null;
    void (p?.swap.abort() ?? Promise.resolve()).then(() => send({ type: 'aborted', gen: m.gen }));
  } else if (m.type === 'stats') send({ type: 'stats', ...stats() });
  else if (m.type === 'close') {
    clearInterval(timer);
    void proxy.close(m.drainMs).then(() => send({ type: 'closed', ...stats() }));
  }
});

send({ type: 'ready', dataPath: proxy.dataPath });
