/** `tcpshift version` (and `--version`): tcpshift, Node.js, the native data path and git, for bug reports. */
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { nativeBinding, nativeLoadError } from '../proxy/native/binding';
import { formatData, isDataFormat, outputOption } from './output';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

/** tcpshift's own version (package.json). */
export const TCPSHIFT_VERSION = version;

/** What `version` reports. */
export interface VersionInfo {
  readonly tcpshift: string;
  readonly node: string;
  readonly nativeDataPath: { readonly on: boolean; readonly why: string | null };
  readonly git: string | null;
}

/** Collects the versions; git is null when it cannot be run. */
export function versionInfo(): VersionInfo {
  const on = nativeBinding() !== null;
  let git: string | null = null;
  try {
    git = execFileSync('git', ['--version'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim().replace(/^git version /, '');
  } catch {
    git = null;
  }
  return { tcpshift: version, node: process.versions.node, nativeDataPath: { on, why: on ? null : nativeLoadError() }, git };
}

/** The text lines of `tcpshift version`. */
export function renderVersion(v: VersionInfo): string[] {
  return [
    `tcpshift  ${v.tcpshift}`,
    `node      ${v.node}`,
    `native    ${v.nativeDataPath.on ? 'on (epoll/splice data path)' : `off: ${v.nativeDataPath.why ?? 'not loaded'} (Node sockets move the bytes)`}`,
    `git       ${v.git ?? 'not found (needed for --repo)'}`,
  ];
}

/** Adds the `version` command. */
export function registerVersion(program: Command): void {
  program.command('version')
    .description('print the versions of tcpshift, Node.js and git, and whether the native data path is on')
    .addOption(outputOption(['text', 'json', 'yaml']))
    .action((flags: { output: string }) => {
      const v = versionInfo();
      process.stdout.write(isDataFormat(flags.output) ? formatData(flags.output, v) : `${renderVersion(v).join('\n')}\n`);
    });
}
