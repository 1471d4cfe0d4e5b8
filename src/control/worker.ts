/** The build worker thread's entry: builds every snapshot it is sent with one IncrementalBuild (bytes of unchanged files kept from the last request), and says which file it parses. */
import { parentPort, workerData } from 'node:worker_threads';
import { IncrementalBuild } from './incremental';
import { niceThisThread } from '../threads';
import type { BuildRequest, WorkerConfig, WorkerMessage } from './protocol';

/** Nice value of the build thread: on a busy machine the kernel runs the serving thread first. */
const BUILD_NICE = 10;

const port = parentPort;
if (port === null) throw new Error('src/control/worker.ts runs as a worker thread');
niceThisThread(BUILD_NICE);
const state = new IncrementalBuild(workerData as WorkerConfig);
port.on('message', (sent: BuildRequest) => {
  const req = state.withHeld(sent);
  if (req === null) return port.postMessage({ type: 'resend', id: sent.id } satisfies WorkerMessage);
  const reply = state.build(req, (file) => port.postMessage({ type: 'parsing', id: req.id, file } satisfies WorkerMessage));
  port.postMessage(reply satisfies WorkerMessage);
});
