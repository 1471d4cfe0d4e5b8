/** Starts a data-plane worker (worker.ts here) through the package's one thread starter (src/threads.ts). */
import type { Worker } from 'node:worker_threads';
import { startThread } from '../../threads';
import type { WorkerConfig } from './protocol';

/** A new data-plane worker thread with `config` as its workerData. */
export function spawnDataWorker(config: WorkerConfig): Worker {
  return startThread(__dirname, 'worker', config);
}
