/** `tcpshift run`: reconciler + proxy + admin server until SIGTERM/SIGINT; SIGHUP reconciles now. */
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import type { SignatureMode } from '../source/verify';
import { startApp } from '../app';
import { createLogger, type LogFormat } from '../log';
import { DEFAULT_LIMITS } from '../manifest/types';
import { loadApplied } from '../reconcile/state';
import { gatewayClassOption } from './compile-options';
import { acquireStateLock } from './state-lock';
import { sourceProblem, startupErrorLine } from './startup';
import { countArg, defaultStateDir, durationArg, hostListArg, hostPortArg, labelsArg, logLevelArg, positiveDurationArg, sizeArg } from './options';

interface RunFlags {
  repo?: string; dir?: string; branch: string; path: string; interval: number; stateDir: string;
  admin: { host: string; port: number }; adminToken?: string; listenHost: string; gatewayLabels: Record<string, string>; gatewayClass: string;
  maxFileBytes: number; maxCommitBytes: number; maxConnections?: number; drainTimeout: number; workers: number;
  logLevel: string; logFormat: LogFormat; watch: boolean; revision?: string; webhookSecret?: string;
  gitTimeout: number; adminAllowedHosts: string[];
  verifySignatures?: SignatureMode; allowedSigners?: string; trustedKeys?: string; instance: string;
}

const env = (o: Option, name: string) => o.env(`TCPSHIFT_${name}`);

/** A start-up mistake: one line on stderr saying what to do, exit 1. */
function exitWith(line: string): never {
  process.stderr.write(`tcpshift run: ${line}\n`);
  process.exit(1);
}

/** How far past --drain-timeout a stop may run (killing git takes up to 2 s) before the process exits anyway. */
const STOP_MARGIN_MS = 3000;

/** Adds the `run` command. */
export function registerRun(program: Command): void {
  program.command('run')
    .description('run the reconciler, the proxy and the admin server')
    .addOption(env(new Option('--repo <url|path>', 'Git repository: URL, file:// URL or local path'), 'REPO'))
    .addOption(env(new Option('--dir <path>', 'a plain folder instead of Git (development; watched)'), 'DIR'))
    .addOption(env(new Option('--branch <name>', 'branch to follow').default('main'), 'BRANCH'))
    .addOption(env(new Option('--path <subdir>', 'sub-folder of the repo holding the manifests').default(''), 'PATH'))
    .addOption(env(new Option('--revision <sha>', 'serve this commit (full or abbreviated id) even when the branch moves; the branch is still fetched'), 'REVISION'))
    .addOption(env(new Option('--interval <duration>', 'poll interval (also the cap of fetch retries)').default(10_000, '10s').argParser(durationArg), 'INTERVAL'))
    .addOption(env(new Option('--no-watch', 'do not watch a local repo or folder (poll only)'), 'NO_WATCH'))
    .addOption(env(new Option('--state-dir <path>', 'Git cache and the persisted applied revision').default(defaultStateDir()), 'STATE_DIR'))
    .addOption(env(new Option('--admin <host:port>', 'admin HTTP address').default({ host: '127.0.0.1', port: 15000 }, '127.0.0.1:15000').argParser(hostPortArg), 'ADMIN'))
    .addOption(env(new Option('--admin-allowed-hosts <hosts>', 'more Host names the admin API answers to (comma-separated)').default([], 'none').argParser(hostListArg), 'ADMIN_ALLOWED_HOSTS'))
    .addOption(env(new Option('--admin-token <token>', 'bearer token required by mutating admin endpoints'), 'ADMIN_TOKEN'))
    .addOption(env(new Option('--webhook-secret <secret>', 'enables POST /webhook: GitHub/generic HMAC secret or GitLab token (prefer the env variable)'), 'WEBHOOK_SECRET'))
    .addOption(env(new Option('--listen-host <address>', 'address of listeners whose Gateway server has no bind').default('0.0.0.0'), 'LISTEN_HOST'))
    .addOption(env(new Option('--gateway-labels <k=v,...>', "this proxy's labels; Gateway selectors must match them").default({ istio: 'ingressgateway' }, 'istio=ingressgateway').argParser(labelsArg), 'GATEWAY_LABELS'))
    .addOption(env(gatewayClassOption(), 'GATEWAY_CLASS'))
    .addOption(env(new Option('--max-file-bytes <size>', 'largest manifest file').default(DEFAULT_LIMITS.maxFileBytes, '1MiB').argParser(sizeArg), 'MAX_FILE_BYTES'))
    .addOption(env(new Option('--max-commit-bytes <size>', 'largest total of manifest files in one commit').default(DEFAULT_LIMITS.maxTotalBytes, '16MiB').argParser(sizeArg), 'MAX_COMMIT_BYTES'))
    .addOption(env(new Option('--max-connections <n>', 'global cap of open client connections').argParser(countArg), 'MAX_CONNECTIONS'))
    .addOption(env(new Option('--workers <n>', 'threads moving bytes, each with its own epoll loop (native data path; 1 = the main thread)').default(availableParallelism(), 'the number of cores').argParser(countArg), 'WORKERS'))
    .addOption(env(new Option('--drain-timeout <duration>', 'how long SIGTERM waits for open connections (and bound of the whole stop)').default(30_000, '30s').argParser(durationArg), 'DRAIN_TIMEOUT'))
    .addOption(env(new Option('--git-timeout <duration>', 'kill a git process silent this long (any git call after 10 times as long)').default(60_000, '60s').argParser(positiveDurationArg), 'GIT_TIMEOUT'))
    .addOption(env(new Option('--verify-signatures <kind>', 'apply only commits whose signature git verifies: ssh (with --allowed-signers) or openpgp (with --trusted-keys)').choices(['ssh', 'openpgp']), 'VERIFY_SIGNATURES'))
    .addOption(env(new Option('--allowed-signers <file>', "git's allowed-signers file of trusted SSH keys (--verify-signatures ssh)"), 'ALLOWED_SIGNERS'))
    .addOption(env(new Option('--trusted-keys <file|dir>', 'OpenPGP public key file, or a folder of them (--verify-signatures openpgp)'), 'TRUSTED_KEYS'))
    .addOption(env(new Option('--instance <name>', 'this replica\'s name in status, metrics and logs').default(hostname(), 'the host name'), 'INSTANCE'))
    .addOption(env(new Option('--log-level <level>', 'trace, debug, info, warn, error').default('info').argParser(logLevelArg), 'LOG_LEVEL'))
    .addOption(env(new Option('--log-format <format>', 'json, pretty, or auto (pretty on a terminal)').choices(['json', 'pretty', 'auto']).default('auto'), 'LOG_FORMAT'))
    .action(async (flags: RunFlags) => {
      if (!!flags.repo === !!flags.dir) {
        process.stderr.write('tcpshift run: give exactly one of --repo <url|path> and --dir <path>\n');
        process.exit(2);
      }
      if (flags.revision !== undefined && (flags.dir || !/^[0-9a-f]{4,64}$/i.test(flags.revision))) {
        process.stderr.write('tcpshift run: --revision takes a commit id (4 to 64 hex digits) and needs --repo\n');
        process.exit(2);
      }
      const trust = trustProblem(flags);
      if (trust !== null) {
        process.stderr.write(`tcpshift run: ${trust}\n`);
        process.exit(2);
      }
      const lock = acquireStateLock(flags.stateDir);
      if ('problem' in lock) exitWith(lock.problem);
      process.on('exit', () => lock.release());
      const problem = await sourceProblem(flags);
      if (problem !== null) {
        // A restart keeps serving what it served (the persisted revision) while the mistake is fixed; a first start stops.
        const persisted = await loadApplied(flags.stateDir).catch(() => null);
        if (persisted === null) exitWith(problem);
        process.stderr.write(`tcpshift run: ${problem}; serving the persisted revision ${persisted.revision.slice(0, 12)} meanwhile, retrying\n`);
      }
      const log = createLogger({ level: flags.logLevel, format: flags.logFormat }).child({ instance: flags.instance });
      let app;
      try {
        app = await startApp({
          ...(flags.repo ? { repo: flags.repo } : {}), ...(flags.dir ? { dir: flags.dir } : {}),
          branch: flags.branch, path: flags.path, intervalMs: flags.interval, stateDir: flags.stateDir,
          admin: { ...flags.admin, ...(flags.adminToken ? { token: flags.adminToken } : {}), allowedHosts: flags.adminAllowedHosts },
          gitTimeoutMs: flags.gitTimeout,
          compile: { gatewayLabels: flags.gatewayLabels, listenHost: flags.listenHost, gatewayClass: flags.gatewayClass },
          limits: { maxFileBytes: flags.maxFileBytes, maxTotalBytes: flags.maxCommitBytes },
          ...(flags.maxConnections ? { maxConnections: flags.maxConnections } : {}),
          workers: flags.workers,
          watch: flags.watch,
          ...(flags.revision ? { revision: flags.revision } : {}),
          ...(flags.webhookSecret ? { webhookSecret: flags.webhookSecret } : {}),
          instance: flags.instance,
          ...(flags.verifySignatures ? { verify: {
            mode: flags.verifySignatures,
            ...(flags.allowedSigners ? { allowedSigners: flags.allowedSigners } : {}),
            ...(flags.trustedKeys ? { trustedKeys: flags.trustedKeys } : {}),
          } } : {}),
        }, log);
      } catch (err) {
        exitWith(startupErrorLine(err, flags.admin));
      }
      const running = app;
      let stopping = false;
      process.on('SIGHUP', () => void running.reconciler.trigger('sighup', true));
      const shutdown = (signal: string) => {
        if (stopping) {
          log.warn({ signal }, 'second signal: exiting without waiting for connections');
          process.exit(1);
        }
        stopping = true;
        log.info({ signal, drainTimeoutMs: flags.drainTimeout }, 'stopping: no new connections, draining open ones');
        // Backstop: whatever hangs, the process is gone shortly after --drain-timeout.
        setTimeout(() => {
          log.error({ drainTimeoutMs: flags.drainTimeout }, 'stop took longer than --drain-timeout: exiting now');
          process.exit(1);
        }, flags.drainTimeout + STOP_MARGIN_MS).unref();
        running.stop(flags.drainTimeout).then(
          () => { log.info('stopped'); process.exit(0); },
          (err: unknown) => { log.error({ err }, 'stop failed'); process.exit(1); },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });
}

/** What is wrong with the signature flags (a kind without its keys, keys without a kind, a missing file); null when fine. */
function trustProblem(f: RunFlags): string | null {
  if (!f.verifySignatures) {
    return f.allowedSigners || f.trustedKeys ? '--allowed-signers and --trusted-keys need --verify-signatures ssh|openpgp' : null;
  }
  if (f.dir) return '--verify-signatures needs --repo (a folder has no commits to verify)';
  const [flag, path] = f.verifySignatures === 'ssh' ? ['--allowed-signers', f.allowedSigners] : ['--trusted-keys', f.trustedKeys];
  if (!path) return `--verify-signatures ${f.verifySignatures} needs ${flag}`;
  if (!existsSync(path)) return `${flag} ${path} does not exist`;
  return null;
}
