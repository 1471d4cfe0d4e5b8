/** `tcpshift open`: prints the web view's address of a running instance and opens it in a browser where there is one. */
import { spawn } from 'node:child_process';
import { Command, Option } from 'commander';
import { adminUrl } from './options';

/** The program that opens a URL on this platform, or null where no desktop is likely (no DISPLAY on Linux). */
function opener(env: NodeJS.ProcessEnv = process.env): string | null {
  if (process.platform === 'darwin') return 'open';
  if (process.platform === 'win32') return null;
  return env.DISPLAY || env.WAYLAND_DISPLAY ? 'xdg-open' : null;
}

/** Adds the `open` command: exit 1 when the admin API does not answer, 0 otherwise (printing the URL is the contract; the browser is a convenience). */
export function registerOpen(program: Command): void {
  program.command('open')
    .description('print the URL of the live web view (GET / on the admin address) and open it in a browser')
    .addOption(new Option('--admin <host:port>', 'admin API address').default('127.0.0.1:15000').env('TCPSHIFT_ADMIN'))
    .option('--print', 'only print the URL')
    .action(async (flags: { admin: string; print?: boolean }) => {
      const base = adminUrl(flags.admin);
      try {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
        await res.text();
      } catch (err) {
        const why = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
        process.stderr.write(`error: cannot reach the tcpshift admin API at ${base} (${why}); is \`tcpshift run\` running, and is --admin right?\n`);
        process.exit(1);
      }
      const url = `${base}/`;
      process.stdout.write(`${url}\n`);
      const cmd = flags.print ? null : opener();
      if (cmd === null) return;
      const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
      child.on('error', () => process.stderr.write(`could not start ${cmd}; open ${url} yourself\n`));
      child.unref();
    });
}
