/** Sources of manifests: a Git branch or a plain folder. The only code touching repositories. */
export { GitSource, type GitSourceOptions } from './git';
export { DirSource, type DirSourceOptions } from './dir';
export { LocalRepo, type LocalRepoOptions } from './revision';
export { redact } from './redact';
export { isManifestName } from './paths';
export type { CommitInfo, Snapshot, Source, StopWatch } from './types';
