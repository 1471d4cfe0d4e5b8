/** `tcpshift echo PORTS PREFIX`: the tcp-echo demo backend (Istio's tcp-echo-server). */
import { Command, Option } from 'commander';
import { startEcho } from '../echo/server';

/** Adds the `echo` command; runs until SIGINT/SIGTERM. Exit 1 when a port cannot be bound. */
export function registerEcho(program: Command): void {
  program.command('echo')
    .description('tcp-echo backend: answers every line with "<prefix> <line>"')
    .argument('<ports>', 'comma-separated ports, e.g. 9000,9001')
    .argument('<prefix>', 'prefix of every answer, e.g. one')
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .action(async (portsArg: string, prefix: string, flags: { host: string }) => {
      const ports = portsArg.split(',').map((p) => Number(p.trim()));
      if (ports.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
        process.stderr.write(`error: ports must be comma-separated numbers 0-65535, got ${JSON.stringify(portsArg)}\n`);
        process.exit(2);
      }
      let echo: Awaited<ReturnType<typeof startEcho>>;
      try {
        echo = await startEcho(ports, prefix, flags.host);
      } catch (err) {
        process.stderr.write(`error: cannot listen: ${(err as Error).message}\n`);
        process.exit(1);
      }
      process.stdout.write(`listening on ${echo.ports.map((p) => `${flags.host}:${p}`).join(', ')} with prefix ${JSON.stringify(prefix)}\n`);
      const stop = () => void echo.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
