/** `tcpshift suspend` / `tcpshift resume`: the incident freeze of a running instance (POST /suspend, /resume). */
import { Command, Option } from 'commander';
import type { RunResult } from '../reconcile/reconciler';
import { adminRequest, runAdminCommand } from './admin-client';
import { adminUrl } from './options';

interface Flags { admin: string; adminToken?: string; reason?: string }

interface Suspended { suspended: boolean; suspendedAt: string | null; reason: string | null; lastAppliedRevision: string | null; pendingRevision: string | null }

const admin = () => new Option('--admin <host:port>', 'admin API address').default('127.0.0.1:15000').env('TCPSHIFT_ADMIN');
const token = () => new Option('--admin-token <token>', 'bearer token of the admin API').env('TCPSHIFT_ADMIN_TOKEN');

/** Adds `suspend` and `resume`; exit 0 on success, 1 when the admin API refuses or cannot be reached. */
export function registerSuspend(program: Command): void {
  program.command('suspend')
    .description('stop applying new revisions (fetching and serving go on) until `tcpshift resume`; survives restarts')
    .addOption(new Option('--reason <text>', 'why, shown in status (e.g. "incident 4711")'))
    .addOption(admin())
    .addOption(token())
    .action(async (flags: Flags) => {
      const query = flags.reason ? `?reason=${encodeURIComponent(flags.reason)}` : '';
      await runAdminCommand(async () => {
        const s = await adminRequest<Suspended>(adminUrl(flags.admin), `/suspend${query}`, { method: 'POST', ...(flags.adminToken ? { token: flags.adminToken } : {}) });
        process.stdout.write(`suspended since ${s.suspendedAt ?? '-'} (${s.reason ?? 'manual'}); serving ${s.lastAppliedRevision ?? 'nothing'}\n`);
      });
    });
  program.command('resume')
    .description('apply again: reconciles at once and prints the outcome')
    .addOption(admin())
    .addOption(token())
    .action(async (flags: Flags) => {
      await runAdminCommand(async () => {
        const r = await adminRequest<RunResult>(adminUrl(flags.admin), '/resume', { method: 'POST', ...(flags.adminToken ? { token: flags.adminToken } : {}) });
        process.stdout.write(`resumed: ${r.outcome} ${r.revision ?? '-'} in ${r.durationMs}ms${r.error ? `: ${r.error}` : ''}\n`);
        for (const c of r.changes) process.stdout.write(`  ${c}\n`);
      });
    });
}
