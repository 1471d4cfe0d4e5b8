/** The two variants of the walkthrough `tcpshift demo` runs: Istio's Gateway/VirtualService samples, or its Gateway API ones. */
import { join } from 'node:path';

/** Where a variant's repo template is and what its steps say. */
export interface DemoVariant {
  /** The folder copied into the demo's git repo (manifests/ served, steps/ for the 80/20 commit). */
  readonly dir: string;
  /** The all-v1 file that step 4 replaces with `steps/20-v2/<allV1>`. */
  readonly allV1: string;
  /** The unchanged 80/20 sample, for the step's text. */
  readonly step: string;
  /** What `tcpshift get` shows in step 5. */
  readonly getKind: string;
  readonly samples: string;
  readonly gateway: string;
  readonly route: string;
}

const ROOT = join(__dirname, '..', '..');

const ISTIO: DemoVariant = {
  dir: join(ROOT, 'config-repo-example'), allV1: 'tcp-echo-all-v1.yaml', step: 'tcp-echo-20-v2.yaml', getKind: 'virtualservice',
  samples: 'the Istio samples', gateway: 'Gateway', route: 'VirtualService',
};

/** The Gateway API form (a config-repo-example-like template kept with the tests' fixtures). */
const GATEWAY_API: DemoVariant = {
  dir: join(ROOT, 'test', 'fixtures', 'gateway-api-form'), allV1: 'gateway-api-tcp-echo-all-v1.yaml', step: 'gateway-api-tcp-echo-20-v2.yaml', getKind: 'tcproute',
  samples: "Istio's Gateway API samples (Gateway, TCPRoute, Services)", gateway: 'Gateway API Gateway', route: 'TCPRoute',
};

/** The variant `--gateway-api` asks for. */
export function demoVariant(gatewayApi: boolean): DemoVariant {
  return gatewayApi ? GATEWAY_API : ISTIO;
}
