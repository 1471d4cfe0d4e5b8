/** `tcpshift validate PATH…`: the reconciler's own checks, for pull-request CI. */
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { Codes, formatDiagnostic, type Diagnostic } from '../errors';
import type { ManifestFile, ReadLimits } from '../manifest/types';
import { buildDesired } from '../model/desired';
import { DirSource } from '../source/dir';
import { addCompileOptions, compileOptions, readLimits, type CompileFlags } from './compile-options';
import { githubAnnotation } from './github-annotation';
import { formatData, isDataFormat, outputOption } from './output';

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

/**
 * Warnings `--strict` fails on: all but KIND_SKIPPED, which Istio's samples (Services, Deployments)
 * are meant to produce when committed unchanged.
 */
export function failsStrict(d: Diagnostic): boolean {
  return d.severity === 'warning' && d.code !== Codes.KIND_SKIPPED;
}

interface ValidateFlags extends CompileFlags { quiet?: boolean; strict?: boolean; output: string; format?: string }

/** Adds the `validate` command: exit 0 when valid, 1 with every error printed (or no manifest at all), 2 on a bad path. */
export function registerValidate(program: Command): void {
  const cmd = program.command('validate')
    .description('validate manifest files or folders as one commit; exit 1 with every error (or when there is no manifest at all)')
    .argument('<paths...>', 'files or folders')
    .addOption(new Option('-q, --quiet', 'print errors only, no warnings'))
    .addOption(new Option('--strict', 'warnings fail too (all but KIND_SKIPPED): for pull-request checks'))
    .addOption(outputOption(['text', 'json', 'yaml', 'github'], 'text (file:line:col: code: message), json, yaml, or github (workflow annotations, all on stdout)'))
    .addOption(new Option('--format <format>', 'same as -o (kept for text and github)').choices(['text', 'github']));
  addCompileOptions(cmd).action(async (paths: string[], flags: ValidateFlags) => {
    const format = flags.format ?? flags.output;
    let files: ManifestFile[];
    try {
      files = await readPaths(paths, readLimits(flags));
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exit(2);
    }
    if (files.length === 0) {
      process.stderr.write(`error: no manifest (*.yaml, *.yml) in ${paths.join(', ')}; give the folder holding the manifests (e.g. manifests)\n`);
      process.exit(1);
    }
    const desired = buildDesired(files, compileOptions(flags), readLimits(flags));
    const errors = desired.diagnostics.filter((d) => d.severity === 'error');
    const warnings = desired.diagnostics.filter((d) => d.severity === 'warning');
    const strictFailures = flags.strict ? warnings.filter(failsStrict) : [];
    const valid = desired.ok && strictFailures.length === 0;
    if (isDataFormat(format)) {
      process.stdout.write(formatData(format, {
        valid, files: files.length, resources: desired.resources.length, listeners: desired.ok ? desired.table.listeners.length : 0,
        errors: errors.length, warnings: warnings.length, diagnostics: desired.diagnostics,
      }));
      process.exit(valid ? 0 : 1);
    }
    const show = (d: Diagnostic) => !flags.quiet || d.severity === 'error' || (flags.strict === true && failsStrict(d));
    for (const d of desired.diagnostics.filter(show)) {
      if (format === 'github') process.stdout.write(`${githubAnnotation(d)}\n`);
      else (d.severity === 'error' ? process.stdout : process.stderr).write(`${d.severity === 'warning' ? 'warning: ' : ''}${formatDiagnostic(d)}\n`);
    }
    if (!desired.ok) {
      process.stderr.write(`${errors.length} error(s) in ${files.length} file(s)\n`);
      process.exit(1);
    }
    if (strictFailures.length > 0) {
      process.stderr.write(`${strictFailures.length} warning(s) in ${files.length} file(s), and --strict makes warnings fail\n`);
      process.exit(1);
    }
    process.stderr.write(`valid: ${files.length} file(s), ${desired.resources.length} resource(s), ${desired.table.listeners.length} listener(s)\n`);
    process.exit(0);
  });
}
