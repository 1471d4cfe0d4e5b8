/** The last applied revision, its commit, its manifests and the history of applies, persisted atomically under --state-dir. */
import { join } from 'node:path';
import type { ManifestFile } from '../manifest/types';
import type { CommitInfo } from '../source/types';
import type { RolloutState } from '../rollout/machine';
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
  /** A rollout in progress: the revision it walks toward, its files, and each target's state. */
  readonly rollout?: PersistedRollout | null;
}

/** What a restart needs to continue a rollout at the same step with the same shares. */
export interface PersistedRollout {
  readonly revision: string;
  readonly trigger: string;
  readonly changes: readonly string[];
  readonly files: readonly ManifestFile[];
  readonly commit: CommitInfo | null;
  readonly targets: readonly RolloutState[];
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
    files: filesOut(state.files),
    rollout: state.rollout ? { ...state.rollout, files: filesOut(state.rollout.files) } : null,
  }));
}

function filesOut(files: readonly ManifestFile[]): unknown[] {
  return files.map((f) => ({
    path: f.path, type: f.type, size: f.size,
    ...(f.content ? { content: Buffer.from(f.content).toString('base64') } : {}),
  }));
}

function filesIn(v: unknown): ManifestFile[] {
  return (v as { path: string; type: ManifestFile['type']; size: number; content?: string }[]).map((f) => ({
    path: String(f.path), type: f.type, size: Number(f.size),
    ...(typeof f.content === 'string' ? { content: new Uint8Array(Buffer.from(f.content, 'base64')) } : {}),
  }));
}

/** The persisted rollout when it is well-formed, else null (a restart then serves the applied revision). */
function rolloutOf(v: unknown): PersistedRollout | null {
  const r = v as Partial<Record<keyof PersistedRollout, unknown>> | null;
  if (!r || typeof r !== 'object' || typeof r.revision !== 'string' || typeof r.trigger !== 'string' || !Array.isArray(r.files)
    || !Array.isArray(r.targets) || !Array.isArray(r.changes)) return null;
  const targets = r.targets as RolloutState[];
  if (!targets.every((t) => t && typeof t.target === 'string' && typeof t.step === 'number' && Array.isArray(t.steps) && Array.isArray(t.routes))) return null;
  return { revision: r.revision, trigger: r.trigger, changes: (r.changes as unknown[]).map(String), files: filesIn(r.files), commit: commitOf(r.commit), targets };
}

/** Reads the state; null when there is none; throws when it exists but is corrupt. */
export async function loadApplied(stateDir: string): Promise<AppliedState | null> {
  const text = await readStateFile(stateDir, FILE);
  if (text === null) return null;
  const data = JSON.parse(text) as { version?: number; revision?: unknown; appliedAt?: unknown; files?: unknown; commit?: unknown; history?: unknown; rollout?: unknown };
  if (data.version !== VERSION || typeof data.revision !== 'string' || typeof data.appliedAt !== 'string' || !Array.isArray(data.files)) {
    throw new Error(`${join(stateDir, FILE)} is not a tcpshift state file (version ${String(data.version)})`);
  }
  const files = filesIn(data.files);
  return {
    revision: data.revision, appliedAt: data.appliedAt, files, commit: commitOf(data.commit), history: historyOf(data.history), rollout: rolloutOf(data.rollout),
  };
}

function commitOf(v: unknown): CommitInfo | null {
  const c = v as Partial<CommitInfo> | null;
  return c && typeof c.author === 'string' && typeof c.date === 'string' && typeof c.subject === 'string'
    ? { author: c.author, date: c.date, subject: c.subject, ...(typeof c.signer === 'string' ? { signer: c.signer } : {}) } : null;
}
