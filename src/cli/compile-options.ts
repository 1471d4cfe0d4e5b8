/** The compile options `run`, `validate` and `diff` share, so a check in CI builds what the reconciler builds. */
import { Command, Option } from 'commander';
import { DEFAULT_LIMITS, type ReadLimits } from '../manifest/types';
import { DEFAULT_GATEWAY_CLASS, type CompileOptions } from '../model/types';
import { labelsArg, sizeArg } from './options';

/** The flags as commander parses them. */
export interface CompileFlags {
  gatewayLabels: Record<string, string>;
  listenHost: string;
  gatewayClass: string;
  maxFileBytes: number;
  maxCommitBytes: number;
}

/** `--gateway-class NAME`: the Gateway API `gatewayClassName` served (run, validate, diff, demo). */
export function gatewayClassOption(): Option {
  return new Option('--gateway-class <name>', 'the gatewayClassName of the Gateway API Gateways this proxy serves (others are skipped with a warning)').default(DEFAULT_GATEWAY_CLASS);
}

/** Adds `--gateway-labels`, `--listen-host`, `--gateway-class`, `--max-file-bytes` and `--max-commit-bytes` with `run`'s defaults. */
export function addCompileOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--gateway-labels <k=v,...>', "the proxy's labels; Gateway selectors must match them (as run)").default({ istio: 'ingressgateway' }, 'istio=ingressgateway').argParser(labelsArg))
    .addOption(new Option('--listen-host <address>', 'address of listeners whose Gateway server has no bind (as run)').default('0.0.0.0'))
    .addOption(gatewayClassOption())
    .addOption(new Option('--max-file-bytes <size>', 'largest manifest file').default(DEFAULT_LIMITS.maxFileBytes, '1MiB').argParser(sizeArg))
    .addOption(new Option('--max-commit-bytes <size>', 'largest total of manifest files').default(DEFAULT_LIMITS.maxTotalBytes, '16MiB').argParser(sizeArg));
}

/** The compile options of the flags. */
export function compileOptions(f: CompileFlags): CompileOptions {
  return { gatewayLabels: f.gatewayLabels, listenHost: f.listenHost, gatewayClass: f.gatewayClass };
}

/** The read limits of the flags. */
export function readLimits(f: CompileFlags): ReadLimits {
  return { maxFileBytes: f.maxFileBytes, maxTotalBytes: f.maxCommitBytes };
}
