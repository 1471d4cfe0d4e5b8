/** A throwaway local git repository the bench commits manifests to (tcpshift runs against it). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const GIT_ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_'))),
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@localhost', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@localhost',
};

export class Repo {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.git('init', '-q', '-b', 'main');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  /** Writes `files` (replacing every other .yaml file) and stages them, without committing. */
  stage(files: Record<string, string>): void {
    rmSync(join(this.dir, 'manifests'), { recursive: true, force: true });
    for (const [name, text] of Object.entries(files)) {
      const path = join(this.dir, 'manifests', name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    this.git('add', '-A');
  }

  /** Writes `files` over the ones there (leaving the others), stages and commits them; returns the new SHA. */
  update(files: Record<string, string>, message = 'bench'): string {
    for (const [name, text] of Object.entries(files)) {
      const path = join(this.dir, 'manifests', name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    this.git('add', '-A');
    return this.commitStaged(message);
  }

  /** Commits what is staged; returns the new SHA. */
  commitStaged(message: string): string {
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  /** Stages and commits `files`; returns the new SHA. */
  commit(files: Record<string, string>, message = 'bench'): string {
    this.stage(files);
    return this.commitStaged(message);
  }
}
