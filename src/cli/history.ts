/** `tcpshift history`: the last applied revisions of a running instance, newest first (from /status). */
import { Command, Option } from 'commander';
import type { ReconcileStatus } from '../reconcile/status';
import { adminRequest } from './admin-client';
import { renderHistory } from './history-view';
import { adminUrl } from './options';
import { formatData, isDataFormat, outputOption } from './output';

/** Adds the `history` command; exit 1 when the admin API cannot be reached. */
export function registerHistory(program: Command): void {
  program.command('history')
    .description('show the last 20 applied revisions: when, who, what commit, and what changed')
    .addOption(outputOption(['text', 'json', 'yaml']))
    .addOption(new Option('--admin <host:port>', 'admin API address').default('127.0.0.1:15000').env('TCPSHIFT_ADMIN'))
    .action(async (flags: { output: string; admin: string }) => {
      let s: Pick<ReconcileStatus, 'history'>;
      try {
        s = await adminRequest<ReconcileStatus>(adminUrl(flags.admin), '/status');
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exit(1);
      }
      const history = s.history ?? [];
      process.stdout.write(isDataFormat(flags.output) ? formatData(flags.output, history) : `${renderHistory(history).join('\n')}\n`);
    });
}
