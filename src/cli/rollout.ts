/** `tcpshift rollout status|pause|resume|promote|abort`: a running instance's progressive rollout (GET /rollout, POST /rollout/*). */
import { Command, Option } from 'commander';
import type { RolloutStatus } from '../reconcile/rollout-state';
import { adminRequest, runAdminCommand } from './admin-client';
import { adminUrl } from './options';
import { rolloutSummary } from './status-view';

interface Flags { admin: string; adminToken?: string }
interface RolloutView { reason: string; message: string; rollouts: RolloutStatus[] }

const admin = () => new Option('--admin <host:port>', 'admin API address').default('127.0.0.1:15000').env('TCPSHIFT_ADMIN');
const token = () => new Option('--admin-token <token>', 'bearer token of the admin API').env('TCPSHIFT_ADMIN_TOKEN');

const COMMANDS: readonly [string, string][] = [
  ['pause', 'hold the current step (checks keep running; failures still abort)'],
  ['resume', 'go on from the current step'],
  ['promote', 'jump to the committed weights (100 %) and apply the revision'],
  ['abort', 'roll back: serve the previous applied revision again'],
];

/** Adds `rollout` and its subcommands; exit 0 on success, 1 when refused (no rollout in progress) or unreachable. */
export function registerRollout(program: Command): void {
  const rollout = program.command('rollout').description('show or steer the progressive rollout of a running tcpshift');
  rollout.command('status').description('the rollout of the last revision that needed one, one line per VirtualService')
    .addOption(admin()).addOption(token())
    .action(async (flags: Flags) => runAdminCommand(async () => print(await adminRequest<RolloutView>(adminUrl(flags.admin), '/rollout', tokenOf(flags)))));
  for (const [cmd, what] of COMMANDS) {
    rollout.command(cmd).description(what).addOption(admin()).addOption(token())
      .action(async (flags: Flags) => runAdminCommand(async () => {
        print(await adminRequest<RolloutView>(adminUrl(flags.admin), `/rollout/${cmd}`, { method: 'POST', ...tokenOf(flags) }));
      }));
  }
}

function tokenOf(flags: Flags): { token?: string } {
  return flags.adminToken ? { token: flags.adminToken } : {};
}

function print(v: RolloutView): void {
  if (v.rollouts.length === 0) process.stdout.write('no rollout\n');
  for (const r of v.rollouts) process.stdout.write(`${rolloutSummary(r)}\n`);
  process.stdout.write(`${v.reason}: ${v.message}\n`);
}
