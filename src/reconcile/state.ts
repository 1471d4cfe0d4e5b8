/** The last applied revision and its manifests, persisted atomically under --state-dir. */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestFile } from '../manifest/types';

/** What a restart needs to serve again before Git answers. */
export interface AppliedState {
  readonly revision: string;
  readonly appliedAt: string;
  readonly files: readonly ManifestFile[];
}

const FILE = 'applied.json';
const VERSION = 1;

/** Writes the state (temp file, fsync, rename); throws on I/O failure. */
export async function saveApplied(stateDir: string, state: AppliedState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const body = JSON.stringify({
    version: VERSION,
    revision: state.revision,
    appliedAt: state.appliedAt,
    files: state.files.map((f) => ({
      path: f.path, type: f.type, size: f.size,
      ...(f.content ? { content: Buffer.from(f.content).toString('base64') } : {}),
    })),
  });
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(stateDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Reads the state; null when there is none; throws when it exists but is corrupt. */
export async function loadApplied(stateDir: string): Promise<AppliedState | null> {
  let text: string;
  try {
    text = await readFile(join(stateDir, FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const data = JSON.parse(text) as { version?: number; revision?: unknown; appliedAt?: unknown; files?: unknown };
  if (data.version !== VERSION || typeof data.revision !== 'string' || typeof data.appliedAt !== 'string' || !Array.isArray(data.files)) {
    throw new Error(`${join(stateDir, FILE)} is not a tcpshift state file (version ${String(data.version)})`);
  }
  const files = (data.files as { path: string; type: ManifestFile['type']; size: number; content?: string }[]).map((f) => ({
    path: String(f.path), type: f.type, size: Number(f.size),
    ...(typeof f.content === 'string' ? { content: new Uint8Array(Buffer.from(f.content, 'base64')) } : {}),
  }));
  return { revision: data.revision, appliedAt: data.appliedAt, files };
}
