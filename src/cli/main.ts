#!/usr/bin/env node
/** The `tcpshift` command. Only src/cli exits the process. */
import { Command } from 'commander';
import { registerDemo } from './demo';
import { registerDiff } from './diff';
import { registerEcho } from './echo';
import { registerFleet } from './fleet';
import { registerGet } from './get';
import { registerHistory } from './history';
import { registerOpen } from './open';
import { registerReconcile } from './reconcile';
import { registerRollout } from './rollout';
import { registerRun } from './run';
import { registerStatus } from './status';
import { registerSuspend } from './suspend';
import { registerValidate } from './validate';
import { registerVersion, TCPSHIFT_VERSION } from './version';

const program = new Command('tcpshift')
  .description('Istio-style TCP traffic shifting without Kubernetes: a GitOps reconciler and an L4 proxy')
  .version(TCPSHIFT_VERSION, '-V, --version', 'print the version (`tcpshift version` says more)')
  .showHelpAfterError();

registerRun(program);
registerValidate(program);
registerDiff(program);
registerGet(program);
registerStatus(program);
registerFleet(program);
registerReconcile(program);
registerSuspend(program);
registerRollout(program);
registerHistory(program);
registerOpen(program);
registerEcho(program);
registerDemo(program);
registerVersion(program);

if (process.argv.length <= 2) {
  // No command: the help, as a success (commander's default exits 1).
  program.outputHelp();
  process.exit(0);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
