/** GitSource survives a damaged cache and never shows credentials, in errors, logs or describe(). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FetchError } from '../../src/errors';
import { GitSource } from '../../src/source';
import { gitRepo, tempDir } from '../helpers/git';

const LIMITS = { maxFileBytes: 1 << 20, maxTotalBytes: 16 << 20 };

/** A pino logger whose JSON lines land in `lines`. */
function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function setup(files: Record<string, string> = { 'a.yaml': 'v: 1\n' }) {
  const repo = gitRepo(files, { bare: true });
  const state = tempDir('tcpshift-state-');
  cleanups.push(repo.cleanup, state.cleanup);
  const { logger, lines } = capture();
  const src = new GitSource({ repo: repo.url, stateDir: state.dir, limits: LIMITS, logger });
  const cacheDir = (): string => {
    const [name] = readdirSync(join(state.dir, 'cache'));
    return join(state.dir, 'cache', name ?? 'none');
  };
  return { repo, state, src, lines, cacheDir };
}

describe('damaged cache is re-created on the next resolve', () => {
  const damages: [string, (cache: string) => void][] = [
    ['cache folder deleted', (c) => rmSync(c, { recursive: true, force: true })],
    ['whole cache root deleted', (c) => rmSync(join(c, '..'), { recursive: true, force: true })],
    ['garbage in HEAD', (c) => writeFileSync(join(c, 'HEAD'), 'garbage\n')],
    ['objects removed', (c) => rmSync(join(c, 'objects'), { recursive: true, force: true })],
    [
      'every object overwritten with junk',
      (c) => {
        const objects = join(c, 'objects');
        for (const d of readdirSync(objects).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
          for (const f of readdirSync(join(objects, d))) {
            rmSync(join(objects, d, f), { force: true });
            writeFileSync(join(objects, d, f), 'junk');
          }
        }
        for (const f of readdirSync(join(objects, 'pack'))) {
          rmSync(join(objects, 'pack', f), { force: true });
          writeFileSync(join(objects, 'pack', f), 'junk');
        }
      },
    ],
    [
      'stale ref lock left by a killed fetch',
      (c) => {
        mkdirSync(join(c, 'refs', 'remotes', 'origin'), { recursive: true });
        writeFileSync(join(c, 'refs', 'remotes', 'origin', 'main.lock'), '');
      },
    ],
  ];

  test.each(damages)('%s', async (_name, damage) => {
    const { repo, src, cacheDir, lines } = setup();
    const first = await src.resolve();
    expect((await src.read(first)).files).toHaveLength(1);
    damage(cacheDir());
    const next = repo.commit({ 'b.yaml': 'b: 1\n' });
    expect(await src.resolve()).toBe(next);
    expect((await src.read(next)).files.map((f) => f.path)).toEqual(['a.yaml', 'b.yaml']);
    expect(lines.filter((l) => l.msg === 'git cache created')).toHaveLength(2);
  });

  test('a read that hits corruption fails with FetchError, and the next resolve repairs', async () => {
    const { src, cacheDir, lines } = setup();
    const sha = await src.resolve();
    rmSync(join(cacheDir(), 'objects'), { recursive: true, force: true });
    await expect(src.read(sha)).rejects.toBeInstanceOf(FetchError);
    expect(await src.resolve()).toBe(sha);
    expect((await src.read(sha)).files).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'git cache created')).toBe(true);
  });

  test('an unreachable remote does not throw the cache away', async () => {
    const { repo, src, lines } = setup();
    await src.resolve();
    rmSync(repo.dir, { recursive: true, force: true });
    await expect(src.resolve()).rejects.toBeInstanceOf(FetchError);
    await expect(src.resolve()).rejects.toBeInstanceOf(FetchError);
    expect(lines.filter((l) => l.msg === 'git cache damaged; re-creating it')).toEqual([]);
    expect(lines.filter((l) => l.msg === 'git cache created')).toHaveLength(1);
  });
});

describe('credentials are redacted', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    // An "HTTP server" that hangs up at once: git fails fast, never reaching the network beyond loopback.
    server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('in the FetchError message, describe() and logs', async () => {
    const state = tempDir('tcpshift-state-');
    cleanups.push(state.cleanup);
    const { logger, lines } = capture();
    const url = `http://deploy-user:s3cr3t-t0ken@127.0.0.1:${port}/org/config.git`;
    const src = new GitSource({ repo: url, stateDir: state.dir, limits: LIMITS, logger });
    expect(src.describe()).toBe(`git http://***@127.0.0.1:${port}/org/config.git branch main`);
    const err = await src.resolve().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    const message = (err as Error).message;
    expect(message).toContain(`http://***@127.0.0.1:${port}`);
    const everything = [message, (err as Error).stack ?? '', JSON.stringify(lines), readdirSync(join(state.dir, 'cache')).join()];
    for (const s of everything) {
      expect(s).not.toContain('s3cr3t');
      expect(s).not.toContain('deploy-user');
    }
  });
});
