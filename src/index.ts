/** tcpshift as a library: the pure core (manifests → table → diff) and the proxy. The CLI is src/cli/main.ts. */
export { parseManifests } from './manifest/parse';
export { compile } from './model/compile';
export { buildDesired, type Desired } from './model/desired';
export { diff } from './diff/diff';
export { renderChanges } from './diff/render';
export { TcpProxy } from './proxy/proxy';
export { startApp, type App, type AppConfig } from './app';
export { formatDiagnostic, Codes, type Diagnostic } from './errors';
export type { RoutingTable } from './model/types';
