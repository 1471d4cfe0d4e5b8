/** `tcpshift status`: a readable summary of a running instance (or its JSON with -o json). */
import { Command, Option } from 'commander';
import { adminRequest } from './admin-client';
import { collect, fleetAction, maxSkewOption } from './fleet';
import { adminUrl } from './options';
import { formatData, isDataFormat, outputOption } from './output';
import { renderStatus, type StatusDocument } from './status-view';

/** Adds the `status` command; exit 1 when the admin API cannot be reached, 0 otherwise (see Ready for health). */
export function registerStatus(program: Command): void {
  program.command('status')
    .description('show revisions, the Ready condition, listeners, weights and connection counts')
    .addOption(outputOption(['text', 'json', 'yaml']))
    .addOption(new Option('--admin <host:port>', 'admin API address (default 127.0.0.1:15000); several: the fleet view of `tcpshift fleet`').argParser(collect).env('TCPSHIFT_ADMIN'))
    .addOption(maxSkewOption())
    .action(async (flags: { output: string; admin?: string[]; maxSkew: number }) => {
      const admins = flags.admin ?? ['127.0.0.1:15000'];
      if (admins.length > 1) return fleetAction(admins, flags);
      let s: StatusDocument;
      try {
        s = await adminRequest<StatusDocument>(adminUrl(admins[0] ?? '127.0.0.1:15000'), '/status');
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exit(1);
      }
      process.stdout.write(isDataFormat(flags.output) ? formatData(flags.output, s) : `${renderStatus(s).join('\n')}\n`);
    });
}
