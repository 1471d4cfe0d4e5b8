/**
 * deploy/: no cluster, no docker engine here, so the manifests are parsed and their promises checked field by
 * field (readiness on /readyz, preStop drain, PDB, anti-affinity, a LoadBalancer for the gateway ports, the repo
 * and secrets from a Secret); the Dockerfile by its instructions; the unit with `systemd-analyze verify` when present.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import { parseAllDocuments } from 'yaml';
import { hostAllowed, hostRule } from '../../src/admin/guard';

const ROOT = join(__dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function docs(file: string): Obj[] {
  const parsed = parseAllDocuments(readFileSync(join(DEPLOY, 'kubernetes', file), 'utf8'));
  for (const d of parsed) expect(d.errors).toEqual([]);
  return parsed.map((d) => d.toJS() as Obj).filter((d) => d !== null);
}

function kind(k: string): Obj[] {
  const files = (docs('kustomization.yaml')[0]?.resources ?? []) as string[];
  return files.flatMap(docs).filter((d) => d.kind === k);
}

describe('deploy/kubernetes', () => {
  const deployment = kind('Deployment')[0] as Obj;
  const pod = deployment.spec.template.spec as Obj;
  const container = pod.containers[0] as Obj;
  const env = new Map<string, Obj>((container.env as Obj[]).map((e) => [e.name as string, e]));

  test('the kustomization lists every manifest of the folder, each with apiVersion, kind and a name', () => {
    const listed = (docs('kustomization.yaml')[0]?.resources ?? []) as string[];
    expect(listed.sort()).toEqual(['deployment.yaml', 'pdb.yaml', 'secret.yaml', 'service.yaml']);
    for (const f of listed) for (const d of docs(f)) expect(d).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String), metadata: { name: expect.any(String) } });
  });

  test('a Deployment of several replicas, ready on /readyz, draining on stop, spread over nodes', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'admin' });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz' });
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', expect.stringMatching(/^\d+$/)]);
    const preStop = Number(container.lifecycle.preStop.exec.command[1]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + 30); // + the default --drain-timeout
    const anti = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
    expect(anti).toMatchObject({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: deployment.spec.selector.matchLabels } });
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  test('the kubelet can probe: the admin listens on the pod address (its own address is an allowed Host)', () => {
    expect(env.get('TCPSHIFT_ADMIN')?.value).toBe('0.0.0.0:15000');
    const admin = (container.ports as Obj[]).find((p) => p.name === 'admin');
    expect(admin?.containerPort).toBe(15000);
    // What the kubelet sends: Host = <pod IP>:15000. Bound to the wildcard, every interface address is the admin's own.
    const rule = hostRule('0.0.0.0', 15000);
    const addresses = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address);
    for (const a of addresses) expect(hostAllowed(`${a}:15000`, rule)).toBe(true);
    expect(hostAllowed('evil.example.com:15000', rule)).toBe(false);
  });

  test('repo and secrets come from the Secret; the instance name from the pod name; non-root, read-only root', () => {
    const secret = kind('Secret')[0] as Obj;
    expect(container.envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
    expect(Object.keys(secret.stringData)).toEqual(expect.arrayContaining(['TCPSHIFT_REPO', 'TCPSHIFT_WEBHOOK_SECRET', 'TCPSHIFT_ADMIN_TOKEN']));
    for (const e of env.values()) expect(e.name).not.toMatch(/SECRET|TOKEN|REPO/);
    expect(env.get('TCPSHIFT_INSTANCE')?.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const mounts = (container.volumeMounts as Obj[]).map((m) => m.mountPath);
    expect(mounts).toContain(env.get('TCPSHIFT_STATE_DIR')?.value);
  });

  test('a PodDisruptionBudget and a LoadBalancer Service for the gateway ports select the pods', () => {
    const labels = deployment.spec.template.metadata.labels as Obj;
    const pdb = kind('PodDisruptionBudget')[0] as Obj;
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(pdb.spec.maxUnavailable ?? pdb.spec.minAvailable).toBeDefined();
    const lb = kind('Service').find((s) => s.spec.type === 'LoadBalancer') as Obj;
    expect(lb.spec.selector).toEqual(labels);
    const gatewayPorts = (container.ports as Obj[]).filter((p) => p.name !== 'admin');
    expect(gatewayPorts.length).toBeGreaterThan(0);
    for (const p of gatewayPorts) expect(lb.spec.ports).toContainEqual(expect.objectContaining({ targetPort: p.name, protocol: 'TCP' }));
    expect(lb.spec.ports.map((p: Obj) => p.targetPort)).not.toContain('admin');
  });
});

/** Dockerfile instructions (continuation lines joined, comments dropped). */
function instructions(text: string): { op: string; args: string }[] {
  return text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ op: l.split(/\s+/)[0]?.toUpperCase() ?? '', args: l.slice(l.indexOf(' ') + 1).trim() }));
}

describe('deploy/Dockerfile', () => {
  const ins = instructions(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'));
  const froms = ins.map((i, n) => ({ ...i, n })).filter((i) => i.op === 'FROM');
  const final = ins.slice(froms[froms.length - 1]?.n ?? 0);

  test('multi-stage: the addon and dist are built in a first stage; the last ships only what runs', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const build = ins.slice(froms[0]!.n, froms[1]!.n).map((i) => i.args).join('\n');
    expect(build).toMatch(/node-gyp rebuild/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
    const copies = final.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies.every((c) => c.startsWith('--from='))).toBe(true);
    expect(copies.join('\n')).not.toMatch(/\/src\/src|\/src\/test/);
    // What the build stage copies from the context exists in the repository.
    for (const c of ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))) {
      for (const f of c.args.split(/\s+/).slice(0, -1)) expect(existsSync(join(ROOT, f))).toBe(true);
    }
    // What the image runs is what `npm run build` and node-gyp make.
    expect(copies.join('\n')).toContain('/src/dist');
    expect(copies.join('\n')).toContain('/src/build/Release/tcpshift_native.node');
  });

  test('non-root, a state volume, a HEALTHCHECK on /readyz over loopback at the admin port', () => {
    const user = final.filter((i) => i.op === 'USER').pop()?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const env = final.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
    const state = /TCPSHIFT_STATE_DIR=(\S+)/.exec(env)?.[1];
    expect(final.find((i) => i.op === 'VOLUME')?.args).toContain(state);
    const admin = /TCPSHIFT_ADMIN=\S+:(\d+)/.exec(env)?.[1];
    const health = final.find((i) => i.op === 'HEALTHCHECK')?.args ?? '';
    expect(health).toContain(`http://127.0.0.1:${admin}/readyz`);
    expect(final.find((i) => i.op === 'ENTRYPOINT')?.args).toContain('dist/cli/main.js');
  });
});

describe('deploy/systemd/tcpshift.service', () => {
  const unit = readFileSync(join(DEPLOY, 'systemd', 'tcpshift.service'), 'utf8');
  const keys = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!]);
  }
  const one = (k: string) => keys.get(k)?.[0];

  test('hardened: its own user, a state directory, no new privileges, a read-only system, one capability', () => {
    expect(one('DynamicUser') === 'yes' || one('User') !== undefined).toBe(true);
    expect(one('StateDirectory')).toBe('tcpshift');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(one('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(Number(one('LimitNOFILE'))).toBeGreaterThanOrEqual(65536);
    expect(one('ExecReload')).toMatch(/kill -HUP \$MAINPID/);
    expect(keys.get('Environment')?.join(' ')).toContain('TCPSHIFT_STATE_DIR=/var/lib/tcpshift');
  });

  test('systemd-analyze verify accepts it (when systemd-analyze is installed)', () => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) return; // not installed here: the field checks above still ran
    const r = spawnSync('systemd-analyze', ['verify', join(DEPLOY, 'systemd', 'tcpshift.service')], { encoding: 'utf8' });
    expect({ code: r.status, stderr: r.stderr.trim() }).toEqual({ code: 0, stderr: '' });
  });
});
