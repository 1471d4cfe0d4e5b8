/**
 * Starts a data-plane worker from this package: dist/proxy/workers/worker.js when compiled, and
 * worker.ts transpiled on load (the TypeScript compiler, a dev dependency) when running from
 * sources, as under jest. The same loader as src/control/spawn.ts, which is private to that folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerConfig } from './protocol';

const TS_LOADER = `
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const dir = path.join(require('node:os').tmpdir(), 'tcpshift-ts-cache');
let ts = null;
require.extensions['.ts'] = (m, filename) => {
  const st = fs.statSync(filename);
  const key = crypto.createHash('sha1').update(filename + '|' + st.size + '|' + st.mtimeMs).digest('hex');
  const cached = path.join(dir, key + '.js');
  let js = null;
  try { js = fs.readFileSync(cached, 'utf8'); } catch {}
  if (js === null) {
    ts ??= require('typescript');
    js = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
    }).outputText;
    try {
      fs.mkdirSync(dir, { recursive: true });
      const tmp = cached + '.' + process.pid + '.' + require('node:worker_threads').threadId + '.tmp';
      fs.writeFileSync(tmp, js);
      fs.renameSync(tmp, cached);
    } catch {}
  }
  m._compile(js, filename);
};
require(require('node:worker_threads').workerData.entry);
`;

/** A new data-plane worker thread with `config` as its workerData. */
export function spawnDataWorker(config: WorkerConfig): Worker {
  const js = join(__dirname, 'worker.js');
  if (existsSync(js)) return new Worker(js, { workerData: config });
  return new Worker(TS_LOADER, { eval: true, workerData: { ...config, entry: join(__dirname, 'worker.ts') } });
}
