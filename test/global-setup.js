/** Builds dist/ once before the suite, so CLI tests run the code under test (not a stale build). */
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  // `tcpshift run` defaults --workers to the number of cores; the suite keeps one data-plane thread
  // (today's behaviour) unless a test passes --workers. Inherited by jest's workers and their children.
  process.env.TCPSHIFT_WORKERS ??= '1';
  const root = join(__dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
};
