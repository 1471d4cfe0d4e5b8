/** A debounced chokidar watch: many file events in a burst become one call. */
import { watch } from 'chokidar';
import type { StopWatch } from './types';

/** Debounce and filtering of a watch. */
export interface WatchOptions {
  /** Quiet time after the last event before onChange runs. */
  readonly debounceMs: number;
  /** Paths (absolute) whose events are dropped, e.g. `.git` inside a folder or git's `*.lock` files. */
  readonly ignored?: (path: string) => boolean;
  /** Called with watcher errors (e.g. EMFILE); the watch keeps going. */
  readonly onError?: (err: unknown) => void;
}

/** Watches `paths` (files or folders, may not exist yet) and calls onChange once per burst of events. */
export function watchPaths(paths: readonly string[], opts: WatchOptions, onChange: () => void): StopWatch {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const watcher = watch([...paths], {
    ignoreInitial: true,
    followSymlinks: false,
    ...(opts.ignored ? { ignored: opts.ignored } : {}),
  });
  const fire = (): void => {
    timer = undefined;
    if (!stopped) onChange();
  };
  watcher.on('all', () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, opts.debounceMs);
  });
  watcher.on('error', (err) => opts.onError?.(err));
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  watcher.once('ready', () => markReady());
  const stop = async (): Promise<void> => {
    stopped = true;
    markReady();
    if (timer) clearTimeout(timer);
    timer = undefined;
    await watcher.close();
  };
  return Object.assign(stop, { ready });
}
