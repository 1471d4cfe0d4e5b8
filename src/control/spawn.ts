/** Starts the build worker (src/control/worker.ts) with its heap limits. */
import type { ResourceLimits, Worker } from 'node:worker_threads';
import { startThread } from '../threads';

/** A new build worker with `data` as its workerData and the given heap limits. */
export function spawnBuildWorker(data: object, resourceLimits: ResourceLimits): Worker {
  return startThread(__dirname, 'worker', data, resourceLimits);
}
