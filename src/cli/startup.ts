/** What `tcpshift run` checks before it starts, and the one line it prints when starting fails. */
import { existsSync, statSync } from 'node:fs';
import { bindHint } from '../errors';
import { GitSource } from '../source/git';

/** The source flags of `run`. */
export interface SourceFlags {
  readonly repo?: string;
  readonly dir?: string;
  readonly branch: string;
  readonly path: string;
  readonly stateDir: string;
}

/**
 * The mistake that keeps the source from ever serving, as one line saying what to do; null when
 * there is none (a remote repository is never judged here: it is retried with backoff).
 */
export async function sourceProblem(f: SourceFlags): Promise<string | null> {
  if (f.dir !== undefined) {
    if (!existsSync(f.dir)) return `--dir ${f.dir} does not exist`;
    if (!statSync(f.dir).isDirectory()) return `--dir ${f.dir} is not a folder`;
    return null;
  }
  let source: GitSource;
  try {
    source = new GitSource({ repo: f.repo ?? '', branch: f.branch, path: f.path, stateDir: f.stateDir });
  } catch (err) {
    return (err as Error).message;
  }
  return source.startupProblem();
}

/** The line for an error that stopped the start (the admin address in use, a privileged port…), without a stack. */
export function startupErrorLine(err: unknown, admin: { host: string; port: number }): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e && (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL')) {
    const hint = bindHint(e.code, e.address ?? admin.host, e.port ?? admin.port);
    return `admin address ${hint}${e.code === 'EADDRINUSE' ? '; use --admin' : ''}`;
  }
  return `could not start: ${err instanceof Error ? err.message : String(err)}`;
}
