/** Per-document reading context: collects diagnostics and the position of every field read. Pure. */
import { isAlias, isMap, isNode, isScalar, isSeq, type Alias, type LineCounter, type Node, type Pair } from 'yaml';
import type { Code, Diagnostic } from '../errors';
import { diagAt } from './locate';
import type { LineCol } from './types';

/** One value being read: its dotted path, its plain-JS value and, when found, its YAML node. */
export interface Field {
  readonly path: string;
  readonly value: unknown;
  /** The node the value came from (aliases resolved); absent when it could not be traced. */
  readonly node: Node | undefined;
}

/** How deep `<<` merges are followed when looking for a key's position. */
const MAX_MERGE_HOPS = 8;

/** Reading state of one YAML document. */
export class DocReader {
  readonly positions: Record<string, LineCol> = {};
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    /** Where the document starts (1-based). */
    readonly line: number,
    readonly col: number,
    private readonly aliases: ReadonlyMap<Alias, Node>,
    private readonly lineCounter: LineCounter,
  ) {}

  /** The `[line, col]` where `node` starts, or undefined when it has no source range. */
  posOf(node: unknown): LineCol | undefined {
    if (!isNode(node) || !node.range) return undefined;
    const { line, col } = this.lineCounter.linePos(node.range[0]);
    return [line, col];
  }

  /** Records that `path` was written at `node` (no-op when the node has no position). */
  mark(path: string, node: unknown): void {
    const at = this.posOf(node);
    if (!at) return;
    // A top-level key `__proto__` must be a position, not the object's prototype.
    if (path === '__proto__') Object.defineProperty(this.positions, path, { value: at, enumerable: true, writable: true, configurable: true });
    else this.positions[path] = at;
  }

  /** Adds a diagnostic about field `path`, placed at its (or its nearest ancestor's) position. */
  report(path: string, code: Code, message: string, severity: Diagnostic['severity'] = 'error'): void {
    this.diagnostics.push(diagAt(this, path, code, message, severity));
  }

  /** Adds a diagnostic about the document as a whole, placed where it starts. */
  reportDoc(code: Code, message: string, severity: Diagnostic['severity'] = 'error'): void {
    this.diagnostics.push({ severity, code, message, file: this.file, line: this.line, col: this.col });
  }

  /** The node behind an alias (or the node itself); undefined for non-nodes. */
  deref(node: unknown): Node | undefined {
    if (isAlias(node)) return this.aliases.get(node);
    return isNode(node) ? node : undefined;
  }

  /** The key → pair index of a mapping node, including keys merged in with `<<` (written keys win). */
  pairsOf(node: Node | undefined): Map<string, Pair> {
    const index = new Map<string, Pair>();
    this.addPairs(index, node, 0);
    return index;
  }

  private addPairs(index: Map<string, Pair>, node: Node | undefined, hops: number): void {
    if (!isMap(node) || hops > MAX_MERGE_HOPS) return;
    const merges: unknown[] = [];
    for (const pair of node.items) {
      if (isMergeKey(pair.key)) merges.push(pair.value);
      else {
        const key = keyString(pair.key);
        if (key !== undefined && !index.has(key)) index.set(key, pair);
      }
    }
    for (const m of merges) {
      const target = this.deref(m);
      const sources = isSeq(target) ? target.items.map((i) => this.deref(i)) : [target];
      for (const s of sources) this.addPairs(index, s, hops + 1);
    }
  }
}

/** The key as plain JS turns it into a property name; undefined for collection keys. */
function keyString(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return undefined;
  return String(v);
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return typeof v === 'symbol' && v.description === '<<';
}
