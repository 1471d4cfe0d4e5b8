/**
 * `npm pack` makes a tarball that installs and runs on a machine with only Node and npm: packed (dist/ as
 * built by the jest global setup), installed into an empty folder (dependencies from the registry, cache
 * first), then `npx tcpshift --version` and `tcpshift version` (native on). About 40 s; TCPSHIFT_SKIP_PACK=1 skips it locally.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/git';

const ROOT = join(__dirname, '..', '..');
const run = process.env.TCPSHIFT_SKIP_PACK === '1' ? test.skip : test;

function npm(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('npm', args, { cwd, encoding: 'utf8', timeout: 170_000, maxBuffer: 16 << 20, env: { ...process.env, npm_config_update_notifier: 'false' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`npm ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

run('npm pack → npm install ./tcpshift-*.tgz in an empty folder → npx tcpshift --version', async () => {
  const tmp = tempDir('tcpshift-pack-');
  try {
    // --ignore-scripts: `prepare` would rebuild dist/ under the feet of the CLI tests running meanwhile.
    const packed = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], ROOT)) as { filename: string; files: { path: string }[] }[];
    const { filename, files } = packed[0]!;
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['dist/cli/main.js', 'binding.gyp', 'package.json']));
    expect(paths.some((p) => p.startsWith('test/') || p.startsWith('src/cli') || p.startsWith('node_modules/'))).toBe(false);

    const app = join(tmp.dir, 'app');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true }));
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp.dir, filename)], app);
    const version = (await npm(['exec', '--offline', '--', 'tcpshift', '--version'], app)).trim();
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe(pkg.version);
    // The install script built the native data path from the shipped sources (node-gyp, as on a clean machine with a compiler).
    expect(await npm(['exec', '--offline', '--', 'tcpshift', 'version'], app)).toMatch(/^native\s+on\b/m);
  } finally {
    tmp.cleanup();
  }
}, 180_000);
