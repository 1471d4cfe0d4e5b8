/** `tcpshift validate PATH…`: the reconciler's own checks, for pull-request CI. */
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { formatDiagnostic, type Diagnostic } from '../errors';
import { DEFAULT_LIMITS, type ManifestFile, type ReadLimits } from '../manifest/types';
import { buildDesired } from '../model/desired';
import { DirSource } from '../source/dir';
import { githubAnnotation } from './github-annotation';
import { labelsArg, sizeArg } from './options';

/** Reads files and folders as one commit would be read; paths in diagnostics are as the user typed them. */
export async function readPaths(paths: readonly string[], limits: ReadLimits): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  for (const p of paths) {
    const isDir = statSync(p).isDirectory();
    const source = new DirSource({ dir: isDir ? p : dirname(p), limits });
    const snap = await source.read(await source.resolve());
    for (const f of snap.files) {
      if (!isDir && f.path !== basename(p)) continue;
      out.push({ ...f, path: isDir ? join(p, f.path) : p });
    }
  }
  return out;
}

/** Adds the `validate` command: exit 0 when valid, 1 with every error printed, 2 on a bad path. */
export function registerValidate(program: Command): void {
  program.command('validate')
    .description('validate manifest files or folders as one commit; exit 1 with every error')
    .argument('<paths...>', 'files or folders')
    .addOption(new Option('--gateway-labels <k=v,...>', "the proxy's labels").default({ istio: 'ingressgateway' }, 'istio=ingressgateway').argParser(labelsArg))
    .addOption(new Option('--max-file-bytes <size>', 'largest manifest file').default(DEFAULT_LIMITS.maxFileBytes, '1MiB').argParser(sizeArg))
    .addOption(new Option('--max-commit-bytes <size>', 'largest total').default(DEFAULT_LIMITS.maxTotalBytes, '16MiB').argParser(sizeArg))
    .addOption(new Option('-q, --quiet', 'print errors only, no warnings'))
    .addOption(new Option('--format <format>', 'text (file:line:col: code: message) or github (workflow annotations, all on stdout)').choices(['text', 'github']).default('text'))
    .action(async (paths: string[], flags: { gatewayLabels: Record<string, string>; maxFileBytes: number; maxCommitBytes: number; quiet?: boolean; format: string }) => {
      let files: ManifestFile[];
      try {
        files = await readPaths(paths, { maxFileBytes: flags.maxFileBytes, maxTotalBytes: flags.maxCommitBytes });
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exit(2);
      }
      const desired = buildDesired(files, { gatewayLabels: flags.gatewayLabels, listenHost: '0.0.0.0' }, { maxFileBytes: flags.maxFileBytes, maxTotalBytes: flags.maxCommitBytes });
      const show = (d: Diagnostic) => !flags.quiet || d.severity === 'error';
      for (const d of desired.diagnostics.filter(show)) {
        if (flags.format === 'github') process.stdout.write(`${githubAnnotation(d)}\n`);
        else (d.severity === 'error' ? process.stdout : process.stderr).write(`${d.severity === 'warning' ? 'warning: ' : ''}${formatDiagnostic(d)}\n`);
      }
      const errors = desired.diagnostics.filter((d) => d.severity === 'error').length;
      if (!desired.ok) {
        process.stderr.write(`${errors} error(s) in ${files.length} file(s)\n`);
        process.exit(1);
      }
      process.stderr.write(`valid: ${files.length} file(s), ${desired.resources.length} resource(s), ${desired.table.listeners.length} listener(s)\n`);
      process.exit(0);
    });
}
