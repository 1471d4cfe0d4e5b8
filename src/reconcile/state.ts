/**
 * The last applied revision, its commit, its manifests and the history of applies, persisted atomically
 * under --state-dir: `applied.json` names each file's blob, whose bytes are in `blobs/` (state-blobs.ts),
 * so a save writes the blobs that changed and a small JSON file. Version 1 files (bytes inline) still load.
 */
import { join } from 'node:path';
import type { ManifestFile } from '../manifest/types';
import type { CommitInfo } from '../source/types';
import type { RolloutState } from '../rollout/machine';
import { historyOf, type HistoryEntry } from './history';
import { BlobStore, gitBlobId, isBlobId } from './state-blobs';
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
const VERSION = 2;

/** A file as saved: its blob instead of its bytes. */
interface SavedFile {
  readonly path: string;
  readonly type: ManifestFile['type'];
  readonly size: number;
  readonly blob?: string;
  /** Version 1: the bytes, base64. */
  readonly content?: string;
}

/**
 * Writes the state: the blobs not stored yet, then the state file (temp file, fsync, rename), then
 * removes the blobs nothing names any more; throws on I/O failure.
 */
export async function saveApplied(stateDir: string, state: AppliedState): Promise<void> {
  const store = new BlobStore(stateDir);
  const had = await store.list();
  const keep = new Set<string>();
  const files = await filesOut(store, had, keep, state.files);
  const rolloutFiles = state.rollout ? await filesOut(store, had, keep, state.rollout.files) : null;
  await store.flush();
  await writeStateFile(stateDir, FILE, JSON.stringify({
    version: VERSION,
    revision: state.revision,
    appliedAt: state.appliedAt,
    commit: state.commit ?? null,
    history: state.history ?? [],
    files,
    rollout: state.rollout ? { ...state.rollout, files: rolloutFiles } : null,
  }));
  await store.prune(had, keep);
}

async function filesOut(store: BlobStore, had: Set<string>, keep: Set<string>, files: readonly ManifestFile[]): Promise<SavedFile[]> {
  const out: SavedFile[] = [];
  for (const f of files) {
    const saved: SavedFile = { path: f.path, type: f.type, size: f.size };
    if (!f.content) {
      out.push(saved);
      continue;
    }
    // The source's id is git's blob id of the bytes (a folder's too); one without is hashed here.
    const blob = isBlobId(f.id) ? f.id : gitBlobId(f.content);
    if (!had.has(blob)) {
      await store.put(blob, f.content);
      had.add(blob);
    }
    keep.add(blob);
    out.push({ ...saved, blob });
  }
  return out;
}

async function filesIn(store: BlobStore, v: unknown): Promise<ManifestFile[]> {
  return Promise.all((v as SavedFile[]).map(async (f) => {
    const file = { path: String(f.path), type: f.type, size: Number(f.size) };
    if (typeof f.blob === 'string') return { ...file, content: await store.get(f.blob), id: f.blob };
    return typeof f.content === 'string' ? { ...file, content: new Uint8Array(Buffer.from(f.content, 'base64')) } : file;
  }));
}

/** The persisted rollout when it is well-formed, else null (a restart then serves the applied revision). */
async function rolloutOf(store: BlobStore, v: unknown): Promise<PersistedRollout | null> {
  const r = v as Partial<Record<keyof PersistedRollout, unknown>> | null;
  if (!r || typeof r !== 'object' || typeof r.revision !== 'string' || typeof r.trigger !== 'string' || !Array.isArray(r.files)
    || !Array.isArray(r.targets) || !Array.isArray(r.changes)) return null;
  const targets = r.targets as RolloutState[];
  if (!targets.every((t) => t && typeof t.target === 'string' && typeof t.step === 'number' && Array.isArray(t.steps) && Array.isArray(t.routes))) return null;
  return { revision: r.revision, trigger: r.trigger, changes: (r.changes as unknown[]).map(String), files: await filesIn(store, r.files), commit: commitOf(r.commit), targets };
}

/** Reads the state (either version); null when there is none; throws when it exists but is corrupt or a blob it names is missing. */
export async function loadApplied(stateDir: string): Promise<AppliedState | null> {
  const text = await readStateFile(stateDir, FILE);
  if (text === null) return null;
  const data = JSON.parse(text) as { version?: number; revision?: unknown; appliedAt?: unknown; files?: unknown; commit?: unknown; history?: unknown; rollout?: unknown };
  if ((data.version !== 1 && data.version !== VERSION) || typeof data.revision !== 'string' || typeof data.appliedAt !== 'string' || !Array.isArray(data.files)) {
    throw new Error(`${join(stateDir, FILE)} is not a tcpshift state file (version ${String(data.version)})`);
  }
  const store = new BlobStore(stateDir);
  const files = await filesIn(store, data.files);
  // A rollout whose blobs are gone is dropped (the applied revision serves); a missing applied blob ignores the whole state.
  const rollout = await rolloutOf(store, data.rollout).catch(() => null);
  return { revision: data.revision, appliedAt: data.appliedAt, files, commit: commitOf(data.commit), history: historyOf(data.history), rollout };
}

function commitOf(v: unknown): CommitInfo | null {
  const c = v as Partial<CommitInfo> | null;
  return c && typeof c.author === 'string' && typeof c.date === 'string' && typeof c.subject === 'string'
    ? { author: c.author, date: c.date, subject: c.subject, ...(typeof c.signer === 'string' ? { signer: c.signer } : {}) } : null;
}
