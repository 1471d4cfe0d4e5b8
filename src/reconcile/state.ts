/** The last applied revision, its commit, its manifests and the history of applies, persisted atomically under --state-dir. */
import { join } from 'node:path';
import type { ManifestFile } from '../manifest/types';
import type { CommitInfo } from '../source/types';
import { historyOf, type HistoryEntry } from './history';
import { readStateFile, writeStateFile } from './state-file';

/** What a restart needs to serve again before Git answers. */
export interface AppliedState {
  readonly revision: string;
  readonly appliedAt: string;
  readonly files: readonly ManifestFile[];
  /** Author, date and subject of the commit, when the source knew them. */
  readonly commit?: CommitInfo | null;
  /** The applied revisions, newest first (absent in files written before it was kept). */
  readonly history?: readonly HistoryEntry[];
}

const FILE = 'applied.json';
const VERSION = 1;

/** Writes the state (temp file, fsync, rename); throws on I/O failure. */
export async function saveApplied(stateDir: string, state: AppliedState): Promise<void> {
  await writeStateFile(stateDir, FILE, JSON.stringify({
    version: VERSION,
    revision: state.revision,
    appliedAt: state.appliedAt,
    commit: state.commit ?? null,
    history: state.history ?? [],
    files: state.files.map((f) => ({
      path: f.path, type: f.type, size: f.size,
      ...(f.content ? { content: Buffer.from(f.content).toString('base64') } : {}),
    })),
  }));
}

/** Reads the state; null when there is none; throws when it exists but is corrupt. */
export async function loadApplied(stateDir: string): Promise<AppliedState | null> {
  const text = await readStateFile(stateDir, FILE);
  if (text === null) return null;
  const data = JSON.parse(text) as { version?: number; revision?: unknown; appliedAt?: unknown; files?: unknown; commit?: unknown; history?: unknown };
  if (data.version !== VERSION || typeof data.revision !== 'string' || typeof data.appliedAt !== 'string' || !Array.isArray(data.files)) {
    throw new Error(`${join(stateDir, FILE)} is not a tcpshift state file (version ${String(data.version)})`);
  }
  const files = (data.files as { path: string; type: ManifestFile['type']; size: number; content?: string }[]).map((f) => ({
    path: String(f.path), type: f.type, size: Number(f.size),
    ...(typeof f.content === 'string' ? { content: new Uint8Array(Buffer.from(f.content, 'base64')) } : {}),
  }));
  return { revision: data.revision, appliedAt: data.appliedAt, files, commit: commitOf(data.commit), history: historyOf(data.history) };
}

function commitOf(v: unknown): CommitInfo | null {
  const c = v as Partial<CommitInfo> | null;
  return c && typeof c.author === 'string' && typeof c.date === 'string' && typeof c.subject === 'string'
    ? { author: c.author, date: c.date, subject: c.subject, ...(typeof c.signer === 'string' ? { signer: c.signer } : {}) } : null;
}
