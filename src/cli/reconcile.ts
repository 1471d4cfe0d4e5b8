/** `tcpshift reconcile`: ask a running instance to reconcile now (POST /reconcile) and print the outcome. */
import { Command, Option } from 'commander';
import type { RunResult } from '../reconcile/reconciler';
import { adminRequest } from './admin-client';
import { adminUrl } from './options';

/** Adds the `reconcile` command; exit 0 when applied, unchanged or suspended, 1 when rejected (the head too: with its errors), failed or unreachable. */
export function registerReconcile(program: Command): void {
  program.command('reconcile')
    .description('reconcile now and print the outcome (exit 0: applied, unchanged or suspended)')
    .addOption(new Option('--admin <host:port>', 'admin API address').default('127.0.0.1:15000').env('TCPSHIFT_ADMIN'))
    .addOption(new Option('--admin-token <token>', 'bearer token of the admin API').env('TCPSHIFT_ADMIN_TOKEN'))
    .action(async (flags: { admin: string; adminToken?: string }) => {
      try {
        const r = await adminRequest<RunResult>(adminUrl(flags.admin), '/reconcile', { method: 'POST', ...(flags.adminToken ? { token: flags.adminToken } : {}) });
        process.stdout.write(`${r.outcome} ${r.revision ?? '-'} in ${r.durationMs}ms${r.error ? `: ${r.error}` : ''}\n`);
        for (const line of [...r.changes, ...(r.errors ?? [])]) process.stdout.write(`  ${line}\n`);
        process.exit(r.outcome === 'applied' || r.outcome === 'noop' || r.outcome === 'suspended' || r.outcome === 'rolling' ? 0 : 1);
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });
}
