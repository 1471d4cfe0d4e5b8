/**
 * Starts the build worker from this package: dist/control/worker.js when compiled, and from
 * src/control/worker.ts (transpiled on load with the TypeScript compiler, a dev dependency) when the
 * code runs from sources, as under jest.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** Loads .ts files by transpiling them (only when running from sources). */
const TS_LOADER = `
const ts = require('typescript');
const fs = require('node:fs');
require.extensions['.ts'] = (m, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  });
  m._compile(out.outputText, filename);
};
require(require('node:worker_threads').workerData.entry);
`;

/** A new build worker with `data` as its workerData and the given heap limits. */
export function spawnBuildWorker(data: object, resourceLimits: ResourceLimits): Worker {
  const js = join(__dirname, 'worker.js');
  if (existsSync(js)) return new Worker(js, { workerData: data, resourceLimits, stdout: false, stderr: false });
  const ts = join(__dirname, 'worker.ts');
  return new Worker(TS_LOADER, { eval: true, workerData: { ...data, entry: ts }, resourceLimits });
}
