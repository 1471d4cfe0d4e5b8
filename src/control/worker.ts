/** The build worker thread's entry: builds every snapshot it is sent with one IncrementalBuild, and says which file it parses. */
import { parentPort, workerData } from 'node:worker_threads';
import { IncrementalBuild } from './incremental';
import type { BuildRequest, WorkerConfig, WorkerMessage } from './protocol';

const port = parentPort;
if (port === null) throw new Error('src/control/worker.ts runs as a worker thread');
const state = new IncrementalBuild(workerData as WorkerConfig);
port.on('message', (req: BuildRequest) => {
  const reply = state.build(req, (file) => port.postMessage({ type: 'parsing', id: req.id, file } satisfies WorkerMessage));
  port.postMessage(reply satisfies WorkerMessage);
});
