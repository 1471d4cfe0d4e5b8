/** `tcpshift fleet --admin A --admin B …` (and `tcpshift status` with several --admin): do the replicas serve one revision? */
import { Command, Option } from 'commander';
import { adminRequest } from './admin-client';
import { alignRows, fleetRows, fleetView, type FleetMember, type FleetStatus, type FleetView } from './fleet-view';
import { adminUrl, durationArg } from './options';
import { formatData, isDataFormat, outputOption } from './output';

/** How often a disagreeing fleet is read again while within --max-skew. */
const REREAD_MS = 250;

/** Collects a repeatable flag's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Reads every instance's /status at once; an instance that cannot be read is a member with its error. */
export async function readFleet(admins: readonly string[]): Promise<FleetMember[]> {
  return Promise.all(admins.map(async (admin): Promise<FleetMember> => {
    try {
      return { admin, status: await adminRequest<FleetStatus>(adminUrl(admin), '/status') };
    } catch (err) {
      return { admin, error: err instanceof Error ? err.message.replace(/; is `tcpshift run`.*$/, '') : String(err) };
    }
  }));
}

/**
 * Reads the fleet until it agrees or its disagreement has lasted `maxSkewMs` (measured from the latest apply
 * the instances report; an unreachable instance is not waited for). Resolves with the last reading.
 */
export async function settleFleet(admins: readonly string[], maxSkewMs: number, now = Date.now): Promise<{ members: FleetMember[]; view: FleetView }> {
  for (;;) {
    const members = await readFleet(admins);
    const view = fleetView(members);
    const unreachable = members.some((m) => 'error' in m);
    const deadline = unreachable ? 0 : (view.disagreeSince ?? now()) + maxSkewMs;
    if (view.agree || now() >= deadline) return { members, view };
    await new Promise((r) => setTimeout(r, Math.min(REREAD_MS, Math.max(1, deadline - now()))));
  }
}

/** Prints the fleet and exits: 0 when all instances answer and serve one revision, 1 otherwise (after --max-skew). */
export async function fleetAction(admins: readonly string[], flags: { output: string; maxSkew: number }): Promise<never> {
  for (const a of admins) adminUrl(a); // a malformed address fails before any request
  const { members, view } = await settleFleet(admins, flags.maxSkew);
  if (isDataFormat(flags.output)) process.stdout.write(formatData(flags.output, { agree: view.agree, summary: view.summary, revision: view.revision, instances: members }));
  else process.stdout.write(`${[...alignRows(fleetRows(members)), view.summary].join('\n')}\n`);
  if (!view.agree) process.stderr.write(`tcpshift fleet: the instances disagree (${view.summary})${flags.maxSkew > 0 ? ` for longer than --max-skew ${flags.maxSkew} ms` : ''}\n`);
  process.exit(view.agree ? 0 : 1);
}

/** `--max-skew <duration>`: how long replicas may serve different revisions (a fetch delay) before it is an error. */
export function maxSkewOption(): Option {
  return new Option('--max-skew <duration>', 'how long instances may disagree (their fetch delay) before the exit code is 1').default(10_000, '10s').argParser(durationArg);
}

/** Adds the `fleet` command. */
export function registerFleet(program: Command): void {
  program.command('fleet')
    .description('read several instances (one --admin each): one line per instance and whether they serve one revision')
    .addOption(outputOption(['text', 'json', 'yaml']))
    .addOption(new Option('--admin <host:port>', 'admin API address of one instance (repeat for each)').argParser(collect).makeOptionMandatory())
    .addOption(maxSkewOption())
    .action((flags: { output: string; admin: string[]; maxSkew: number }) => fleetAction(flags.admin, flags));
}
