/** The Git source's hints: a missing branch names the branches there are, every time a fetch fails on it (remote or local). */
import { FetchError } from '../../src/errors';
import { missingBranchHint, missingPathHint } from '../../src/source/git-hints';
import { GitSource } from '../../src/source/git';
import { gitRepo, tempDir } from '../helpers/git';
import { captureLogs } from '../helpers/logs';

test('a fetch of a branch the repository lacks fails with the branches it has (the reconciler retries, logging this)', async () => {
  const repo = gitRepo({ 'a.yaml': 'x: 1\n' }, { branch: 'master', bare: true });
  const state = tempDir();
  try {
    const source = new GitSource({ repo: repo.url, branch: 'main', stateDir: state.dir });
    const err = await source.resolve().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as Error).message).toBe(`branch main not found in ${repo.url}; its branches: master (use --branch master)`);
  } finally {
    repo.cleanup();
    state.cleanup();
  }
});

test('hint texts: several branches, nested --path, no near folder', () => {
  expect(missingBranchHint('main', 'https://***@git.example.com/r.git', ['dev', 'prod'])).toBe('branch main not found in https://***@git.example.com/r.git; its branches: dev, prod (choose one with --branch)');
  expect(missingPathHint('deploy/tcp', 'main', 'a'.repeat(40), ['tcpx', 'http'])).toBe(`--path deploy/tcp does not exist in branch main (${'a'.repeat(12)}); folders there: deploy/tcpx, deploy/http — did you mean deploy/tcpx?`);
  expect(missingPathHint('zzz', 'main', 'a'.repeat(40), [])).toMatch(/there is no folder$/);
});

test('a commit without the --path folder: one warning per revision naming the folders there are', async () => {
  const repo = gitRepo({ 'deploy/a.yaml': 'x: 1\n', 'docs/b.md': 'y\n' }, { bare: true });
  const state = tempDir();
  const { log, lines } = captureLogs();
  try {
    const source = new GitSource({ repo: repo.url, branch: 'main', path: 'deplyo', stateDir: state.dir, logger: log });
    const sha = await source.resolve();
    expect((await source.read(sha)).missingPath).toBe('deplyo');
    await source.read(sha);
    const warnings = lines.filter((l) => l.msg === 'manifest path not in the commit');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ revision: sha, hint: `--path deplyo does not exist in branch main (${sha.slice(0, 12)}); folders there: deploy, docs — did you mean deploy?` });
  } finally {
    repo.cleanup();
    state.cleanup();
  }
});
