/** The compile options `run`, `validate` and `diff` share, so a check in CI builds what the reconciler builds. */
import { Command, Option } from 'commander';
import { DEFAULT_LIMITS, type ReadLimits } from '../manifest/types';
import type { CompileOptions } from '../model/types';
import { labelsArg, sizeArg } from './options';

/** The flags as commander parses them. */
export interface CompileFlags {
  gatewayLabels: Record<string, string>;
  listenHost: string;
  maxFileBytes: number;
  maxCommitBytes: number;
}

/** Adds `--gateway-labels`, `--listen-host`, `--max-file-bytes` and `--max-commit-bytes` with `run`'s defaults. */
export function addCompileOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--gateway-labels <k=v,...>', "the proxy's labels; Gateway selectors must match them (as run)").default({ istio: 'ingressgateway' }, 'istio=ingressgateway').argParser(labelsArg))
    .addOption(new Option('--listen-host <address>', 'address of listeners whose Gateway server has no bind (as run)').default('0.0.0.0'))
    .addOption(new Option('--max-file-bytes <size>', 'largest manifest file').default(DEFAULT_LIMITS.maxFileBytes, '1MiB').argParser(sizeArg))
    .addOption(new Option('--max-commit-bytes <size>', 'largest total of manifest files').default(DEFAULT_LIMITS.maxTotalBytes, '16MiB').argParser(sizeArg));
}

/** The compile options of the flags. */
export function compileOptions(f: CompileFlags): CompileOptions {
  return { gatewayLabels: f.gatewayLabels, listenHost: f.listenHost };
}

/** The read limits of the flags. */
export function readLimits(f: CompileFlags): ReadLimits {
  return { maxFileBytes: f.maxFileBytes, maxTotalBytes: f.maxCommitBytes };
}
