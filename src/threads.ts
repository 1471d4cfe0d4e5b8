/**
 * Starts this package's worker threads (the build worker, the git thread, the data-plane workers): `<name>.js` when compiled,
 * and `<name>.ts` (transpiled on load with the TypeScript compiler, a dev dependency) when the code
 * runs from sources, as under jest.
 */
import { existsSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Loads .ts files by transpiling them (only when running from sources). The output is cached under
 * the OS temp folder by path, size and mtime, so a restarted worker does not load the compiler again.
 */
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

/** A worker thread running `<dir>/<name>.js` (or `.ts` from sources) with `data` as its workerData. */
export function startThread(dir: string, name: string, data: object, resourceLimits: ResourceLimits = {}): Worker {
  const js = join(dir, `${name}.js`);
  if (existsSync(js)) return new Worker(js, { workerData: data, resourceLimits, stdout: false, stderr: false });
  return new Worker(TS_LOADER, { eval: true, workerData: { ...data, entry: join(dir, `${name}.ts`) }, resourceLimits });
}

/** Linux: renices the calling thread only (setpriority on its id, `/proc/thread-self` → `/proc/PID/task/TID`); elsewhere, or not allowed, nothing. */
export function niceThisThread(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) setPriority(tid, nice);
  } catch {
    // not Linux, or not allowed: the thread runs at the process's priority
  }
}
