/** The AppConfig of an in-process test instance, so each test names only what it is about. */
import type { AppConfig } from '../../src/app';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import type { ReconcilerOptions } from '../../src/reconcile/context';

/** This proxy's labels and loopback listeners, as every test compiles. */
export const TEST_COMPILE: ReconcilerOptions['compile'] = { gatewayLabels: { istio: 'ingressgateway' }, listenHost: '127.0.0.1' };

/** Branch main, repo root, admin on 127.0.0.1:0, no watch, a poll interval longer than any test; `overrides` win. */
export function testAppConfig(repo: string, stateDir: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    repo, branch: 'main', path: '', intervalMs: 600_000, stateDir, admin: { host: '127.0.0.1', port: 0 },
    compile: TEST_COMPILE, limits: DEFAULT_LIMITS, watch: false, ...overrides,
  };
}
