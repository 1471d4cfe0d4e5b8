/** Test helpers: manifest files from strings or from config-repo-example, as a source would hand them over. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceVirtualService } from '../../src/cli/demo-steps';
import type { ManifestFile } from '../../src/manifest/types';

export const EXAMPLE_DIR = join(__dirname, '..', '..', 'config-repo-example');

/** `{ 'a.yaml': '...' }` → ManifestFile[] (type file, UTF-8). */
export function manifestFiles(files: Record<string, string>): ManifestFile[] {
  return Object.entries(files).map(([path, text]) => {
    const content = Buffer.from(text, 'utf8');
    return { path, type: 'file' as const, size: content.length, content };
  });
}

/** The text of every file in config-repo-example/manifests, by name. */
export function exampleManifests(): Record<string, string> {
  const dir = join(EXAMPLE_DIR, 'manifests');
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** The Istio sample `tcp-echo-20-v2.yaml` (the 80/20 VirtualService), unchanged. */
export function sample8020(): string {
  return readFileSync(join(EXAMPLE_DIR, 'steps', 'tcp-echo-20-v2.yaml'), 'utf8');
}

/** The walkthrough after the 80/20 commit: the VirtualService of tcp-echo-all-v1.yaml replaced by the 80/20 one. */
export function example8020(): Record<string, string> {
  const files = exampleManifests();
  return { ...files, 'tcp-echo-all-v1.yaml': replaceVirtualService(files['tcp-echo-all-v1.yaml'] ?? '', sample8020()) };
}
