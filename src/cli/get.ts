/** `tcpshift get KIND|all [NAME] [-o yaml|json|name]`: the applied resources, like `kubectl get`. */
import { Command, Option } from 'commander';
import type { AppliedConfig } from '../admin/config-view';
import { KINDS } from '../manifest/types';
import { adminRequest } from './admin-client';
import { renderTable, withNamespace } from './get-table';
import { KIND_NAMES, kindOf, resourceName } from './kinds';
import { adminUrl } from './options';
import { formatData, outputOption } from './output';

/** Adds the `get` command. Exit 1 when the kind is unknown, the resource is not applied, or the admin API is unreachable. */
export function registerGet(program: Command): void {
  program.command('get')
    .description('print applied resources as a table, or -o yaml|json|name (kinds: all, virtualservice|vs, gateway|gw, destinationrule|dr, serviceentry|se, service|svc, endpointslice, workloadentry|we; Gateway API: gtw (gateway.gateway.networking.k8s.io), tcproute, tlsroute, referencegrant)')
    .argument('<kind>', 'resource kind, or all')
    .argument('[name]', 'resource name (all of the kind when left out)')
    .addOption(outputOption(['text', 'yaml', 'json', 'name'], 'text (a table), yaml, json, or name'))
    .addOption(new Option('-n, --namespace <ns>', 'namespace').default('default'))
    .addOption(new Option('-A, --all-namespaces', 'every namespace'))
    .addOption(new Option('--admin <host:port>', 'admin API address').default('127.0.0.1:15000').env('TCPSHIFT_ADMIN'))
    .action(async (kindName: string, name: string | undefined, flags: { output: string; namespace: string; allNamespaces?: boolean; admin: string }) => {
      const all = kindName.toLowerCase() === 'all';
      const kind = all ? null : kindOf(kindName);
      if (!all && !kind) {
        process.stderr.write(`error: unknown kind ${JSON.stringify(kindName)}; use all or one of ${KIND_NAMES.join(', ')}\n`);
        process.exit(1);
      }
      let config: AppliedConfig;
      try {
        config = await adminRequest<AppliedConfig>(adminUrl(flags.admin), '/config');
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exit(1);
      }
      const kindOrder = (k: string) => (KINDS as readonly string[]).indexOf(k);
      const found = config.resources.filter((r) => (all || r.kind === kind)
        && (flags.allNamespaces || r.metadata.namespace === flags.namespace)
        && (name === undefined || r.metadata.name === name))
        .slice().sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind));
      if (name !== undefined && found.length === 0) {
        process.stderr.write(`Error from server (NotFound): ${kind ?? 'resource'} ${JSON.stringify(name)} not found in namespace ${flags.namespace} (applied revision ${config.revision ?? 'none'})\n`);
        process.exit(1);
      }
      const docs = found.map(withNamespace);
      const body = name !== undefined && !all ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs };
      if (flags.output === 'name') process.stdout.write(found.map((r) => `${resourceName(r.kind, r.metadata.name)}\n`).join(''));
      else if (flags.output === 'json' || flags.output === 'yaml') process.stdout.write(formatData(flags.output, body));
      else process.stdout.write(`${renderTable(found, all).join('\n')}\n`);
    });
}
