/**
 * README claims that are figures or program output, checked against their source: the headline
 * benchmark figures against bench/RESULTS.json, and the `tcpshift validate` example against the
 * command run on the walkthrough's files edited as the README says.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillHeadline } from '../../bench/headline';
import type { Results } from '../../bench/report';
import { tcpshift } from '../helpers/cli';
import { tempDir } from '../helpers/git';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('the headline figures are the ones bench/RESULTS.json renders (npm run bench -- --render bench/RESULTS.json)', () => {
  const results = JSON.parse(readFileSync(join(ROOT, 'bench', 'RESULTS.json'), 'utf8')) as Results;
  expect(fillHeadline(README, results)).toBe(README);
});

test('the `tcpshift validate` example is what validate prints for the edit the README describes', () => {
  const example = /\$ tcpshift validate -q manifests\n([\s\S]*?)\n```/.exec(README);
  expect(example).not.toBeNull();
  const dir = tempDir();
  try {
    cpSync(join(ROOT, 'config-repo-example'), dir.dir, { recursive: true });
    // Step 4 of the walkthrough (the 80/20 rule in place of the all-v1 one), then v2 → v3 and 20 → -20.
    const file = join(dir.dir, 'manifests', 'tcp-echo-all-v1.yaml');
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService';
    const all = readFileSync(file, 'utf8');
    const step = readFileSync(join(dir.dir, 'steps', 'tcp-echo-20-v2.yaml'), 'utf8');
    const edited = `${all.slice(0, all.lastIndexOf(vs))}${step.slice(step.indexOf(vs))}`.replace('subset: v2', 'subset: v3').replace('weight: 20', 'weight: -20');
    writeFileSync(file, edited);
    const r = tcpshift(['validate', '-q', 'manifests'], { cwd: dir.dir });
    expect(r.code).toBe(1);
    expect(`${r.stdout}${r.stderr}`.trimEnd()).toBe(example![1]);
    // The reconcile log example quotes the same error.
    const weightLine = r.stdout.split('\n').find((l) => l.includes('WEIGHT_NEGATIVE'))!;
    expect(README).toContain(JSON.stringify(weightLine));
  } finally {
    dir.cleanup();
  }
});
