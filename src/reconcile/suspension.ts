/**
 * Suspension (the incident freeze): whether the reconciler may apply, persisted under --state-dir so
 * a restart during an incident stays frozen. A suspended reconciler still fetches and reports the
 * revision it would apply.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readStateFile, writeStateFile } from './state-file';

/** Who froze the reconciler, and when. */
export interface Suspension {
  /** ISO 8601, UTC. */
  readonly at: string;
  /** Free text from the caller (e.g. `incident 4711`); `manual` by default. */
  readonly reason: string;
}

const FILE = 'suspended.json';

/** Writes the suspension atomically, or removes it when `s` is null; throws on I/O failure. */
export async function saveSuspension(stateDir: string, s: Suspension | null): Promise<void> {
  const path = join(stateDir, FILE);
  if (s === null) {
    await rm(path, { force: true });
    return;
  }
  await writeStateFile(stateDir, FILE, JSON.stringify({ version: 1, at: s.at, reason: s.reason }));
}

/** Reads the suspension; null when there is none; throws when the file exists but is not one. */
export async function loadSuspension(stateDir: string): Promise<Suspension | null> {
  const text = await readStateFile(stateDir, FILE);
  if (text === null) return null;
  const data = JSON.parse(text) as { version?: unknown; at?: unknown; reason?: unknown };
  if (data.version !== 1 || typeof data.at !== 'string' || typeof data.reason !== 'string') {
    throw new Error(`${join(stateDir, FILE)} is not a tcpshift suspension file`);
  }
  return { at: data.at, reason: data.reason };
}

/** The persisted suspension, logged; an unreadable file keeps the reconciler suspended (the freeze fails closed). */
export async function restoreSuspension(stateDir: string, log: Logger): Promise<Suspension | null> {
  try {
    const s = await loadSuspension(stateDir);
    if (s) log.warn({ suspendedAt: s.at, reason: s.reason }, 'still suspended (persisted): nothing is applied until resumed');
    return s;
  } catch (err) {
    log.error({ err, stateDir }, 'the persisted suspension is unreadable; staying suspended until resumed');
    return { at: new Date().toISOString(), reason: 'unreadable suspension file' };
  }
}

/** Saves (or clears) the suspension; a failure is logged, not thrown: the in-memory state still holds. */
export async function persistSuspension(stateDir: string, s: Suspension | null, log: Logger): Promise<void> {
  try {
    await saveSuspension(stateDir, s);
  } catch (err) {
    log.warn({ err }, 'could not persist the suspension; a restart would not remember it');
  }
}
