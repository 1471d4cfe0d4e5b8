/** `tcpshift get KIND [NAME] -o yaml|json`: the applied resources, like `kubectl get … -o yaml`. */
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import type { AppliedConfig } from '../admin/config-view';
import { adminRequest } from './admin-client';
import { KIND_NAMES, kindOf } from './kinds';
import { adminUrl } from './options';

/** Adds the `get` command. Exit 1 when the kind is unknown, the resource is not applied, or the admin API is unreachable. */
export function registerGet(program: Command): void {
  program.command('get')
    .description('print applied resources (kinds: virtualservice|vs, gateway|gw, destinationrule|dr, serviceentry|se)')
    .argument('<kind>', 'resource kind')
    .argument('[name]', 'resource name (all of the kind when left out)')
    .addOption(new Option('-o, --output <format>', 'yaml, json, or name').choices(['yaml', 'json', 'name']).default('yaml'))
    .addOption(new Option('-n, --namespace <ns>', 'namespace').default('default'))
    .addOption(new Option('-A, --all-namespaces', 'every namespace'))
    .addOption(new Option('--admin <host:port>', 'admin API address').default('127.0.0.1:15000').env('TCPSHIFT_ADMIN'))
    .action(async (kindName: string, name: string | undefined, flags: { output: string; namespace: string; allNamespaces?: boolean; admin: string }) => {
      const kind = kindOf(kindName);
      if (!kind) {
        process.stderr.write(`error: unknown kind ${JSON.stringify(kindName)}; use one of ${KIND_NAMES.join(', ')}\n`);
        process.exit(1);
      }
      let config: AppliedConfig;
      try {
        config = await adminRequest<AppliedConfig>(adminUrl(flags.admin), '/config');
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exit(1);
      }
      const found = config.resources.filter((r) => r.kind === kind
        && (flags.allNamespaces || r.metadata.namespace === flags.namespace)
        && (name === undefined || r.metadata.name === name));
      if (name !== undefined && found.length === 0) {
        process.stderr.write(`Error from server (NotFound): ${kind} ${JSON.stringify(name)} not found in namespace ${flags.namespace} (applied revision ${config.revision ?? 'none'})\n`);
        process.exit(1);
      }
      const docs = found.map((r) => r.manifest);
      const body = name !== undefined ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs };
      if (flags.output === 'name') process.stdout.write(found.map((r) => `${kind.toLowerCase()}/${r.metadata.name}\n`).join(''));
      else if (flags.output === 'json') process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      else process.stdout.write(stringify(body));
    });
}
