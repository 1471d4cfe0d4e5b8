/** `tcpshift diff --live`: the base side read from a running instance (`GET /config`), as files it can be rebuilt from. */
import { stringify } from 'yaml';
import type { AppliedConfig } from '../admin/config-view';
import type { ManifestFile } from '../manifest/types';
import { adminRequest } from './admin-client';
import type { DiffSide } from './diff-view';

/** The instance's applied manifests regrouped into their files; throws when the admin API cannot be read. */
export async function loadLive(adminBase: string, label: string): Promise<{ side: DiffSide; files: ManifestFile[] }> {
  const config = await adminRequest<AppliedConfig>(adminBase, '/config');
  return { side: { ref: `live ${label}`, revision: config.revision }, files: liveFiles(config) };
}

/** One YAML file per applied file, its resources as documents in the order /config lists them. Pure. */
export function liveFiles(config: AppliedConfig): ManifestFile[] {
  const byFile = new Map<string, string[]>();
  for (const r of config.resources) {
    const docs = byFile.get(r.file) ?? [];
    docs.push(stringify(r.manifest));
    byFile.set(r.file, docs);
  }
  return [...byFile].map(([path, docs]) => {
    const content = new TextEncoder().encode(docs.join('---\n'));
    return { path, type: 'file' as const, size: content.length, content };
  });
}
