/** An in-process instance serving a real repo of `files`, stopped by the harness: the CLI tests' running target. */
import { startApp, type App } from '../../src/app';
import { testAppConfig } from './app';
import { gitRepo, tempDir } from './git';
import type { Harness } from './harness';
import { silent } from './harness';
import { waitFor } from './net';

/** Starts it and resolves once the first commit is applied, with its admin address (`127.0.0.1:PORT`). */
export async function servingInstance(h: Harness, files: Record<string, string>): Promise<{ app: App; admin: string }> {
  const repo = gitRepo(files);
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(repo.dir, state.dir), silent);
  h.defer(() => app.stop(500));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 10_000, () => `first apply; status ${JSON.stringify(app.reconciler.status())}`);
  return { app, admin: `127.0.0.1:${app.adminPort}` };
}
