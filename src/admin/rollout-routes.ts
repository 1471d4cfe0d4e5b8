/** The admin API's rollout routes: GET /rollout, POST /rollout/pause|resume|promote|abort (guarded like every POST). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reconciler } from '../reconcile/reconciler';
import type { RolloutCommand } from '../reconcile/rollout-driver';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

const COMMANDS: readonly RolloutCommand[] = ['pause', 'resume', 'promote', 'abort'];

/** What a rollout route answers: the rollouts, and the reason and message of the status. */
function view(r: Reconciler): { reason: string; message: string; rollouts: unknown[] } {
  const s = r.status();
  return { reason: s.reason, message: s.message, rollouts: s.rollouts };
}

/** The routes, keyed `METHOD /path` as the admin server's table; 409 when no rollout is in progress. */
export function rolloutRoutes(reconciler: Reconciler): Record<string, Handler> {
  const routes: Record<string, Handler> = {
    'GET /rollout': (_q, res) => json(res, 200, view(reconciler)),
  };
  for (const cmd of COMMANDS) {
    routes[`POST /rollout/${cmd}`] = async (_q, res) => {
      const done = await reconciler.rollout(cmd);
      if (!done) return json(res, 409, { error: `no rollout in progress to ${cmd}`, ...view(reconciler) });
      json(res, 200, view(reconciler));
    };
  }
  return routes;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
