/**
 * The main thread's half of an incremental build: the last table the worker sent, and how a delta
 * turns it into the next one. Costs O(what changed) plus one array of references per table; unchanged
 * listeners keep their object identity, which the proxy uses to keep their runtime (pickers, counters).
 */
import type { Resource } from '../manifest/types';
import { deepFreeze } from '../model/freeze';
import type { Listener, RoutingTable } from '../model/types';
import type { TableDelta } from './protocol';

/** One assembled build. */
export interface Assembled {
  readonly gen: number;
  readonly table: RoutingTable;
  readonly resources: readonly Resource[];
}

export class Assembler {
  private gen: number | null = null;
  private table: RoutingTable | null = null;
  private byKey = new Map<string, Listener>();
  private keys: readonly string[] = [];
  private files = new Map<string, readonly Resource[]>();
  private fileOrder: readonly string[] = [];

  /** The last assembled table (the one a delta's `changes` are against), or null. */
  get last(): RoutingTable | null {
    return this.table;
  }

  /** Applies `delta`; throws when it is not against the last table (the caller then asks for a full build). */
  apply(delta: TableDelta): Assembled {
    if (delta.base !== null && delta.base !== this.gen) throw new Error(`build delta against generation ${delta.base}, have ${String(this.gen)}`);
    if (delta.base === null) {
      this.byKey = new Map();
      this.files = new Map();
      this.keys = [];
      this.fileOrder = [];
    }
    for (const k of delta.removed) this.byKey.delete(k);
    for (const l of delta.changed) this.byKey.set(l.key, deepFreeze(l));
    if (delta.order) this.keys = delta.order;
    for (const [path, list] of delta.files) this.files.set(path, list);
    if (delta.fileOrder) {
      const keep = new Set(delta.fileOrder);
      for (const p of this.files.keys()) if (!keep.has(p)) this.files.delete(p);
      this.fileOrder = delta.fileOrder;
    }
    const listeners = this.keys.map((k) => {
      const l = this.byKey.get(k);
      if (l === undefined) throw new Error(`build delta names listener ${k} it never sent`);
      return l;
    });
    const resources = this.fileOrder.flatMap((p) => this.files.get(p) ?? []);
    this.gen = delta.gen;
    this.table = Object.freeze({ listeners: Object.freeze(listeners), ...(delta.rollouts ? { rollouts: deepFreeze(delta.rollouts) } : {}) });
    return { gen: delta.gen, table: this.table, resources };
  }

  /** Forgets everything (the worker restarted with no state). */
  reset(): void {
    this.gen = null;
    this.table = null;
    this.byKey = new Map();
    this.files = new Map();
    this.keys = [];
    this.fileOrder = [];
  }
}
