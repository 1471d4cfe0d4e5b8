/** A rule without destinations is reported once, however it is written (README: one problem, one diagnostic). */
import { buildDesired } from '../../src/model/desired';
import { exampleManifests, manifestFiles } from '../helpers/manifests';

/** The walkthrough's files with the all-v1 VirtualService's `route:` block replaced by `replacement`. */
function withRoute(replacement: string): Record<string, string> {
  const files = exampleManifests();
  const name = Object.keys(files).find((f) => f.endsWith('tcp-echo-all-v1.yaml'))!;
  const text = files[name]!;
  const at = text.lastIndexOf('    route:\n');
  return { ...files, [name]: `${text.slice(0, at)}${replacement}` };
}

test.each([
  ['route: []', '    route: []\n', 'FIELD_REQUIRED'],
  ['route missing', '', 'FIELD_REQUIRED'],
  ['route of one unreadable entry', '    route:\n    - 5\n', 'FIELD_TYPE'],
])('%s → one error, at the route', (_name, replacement, code) => {
  const d = buildDesired(manifestFiles(withRoute(replacement)));
  const errors = d.diagnostics.filter((x) => x.severity === 'error');
  expect(errors.map((e) => e.code)).toEqual([code]);
});
