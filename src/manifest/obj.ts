/** A mapping being read: typed accessors for its keys, and FIELD_UNKNOWN for the keys nobody read. Pure. */
import type { Node, Pair } from 'yaml';
import { Codes, type Diagnostic } from '../errors';
import { asDuration, asEnum, asInt, asList, asPort, asString, asStringList, isPlainMap, typeError, type DurationRange, type IntRange } from './fields';
import type { DocReader, Field } from './reader';

/** A mapping being read; remembers which keys were read so the rest can be reported as unknown. */
export class Obj {
  private readonly used = new Set<string>();
  private index: Map<string, Pair> | undefined;

  constructor(
    readonly r: DocReader,
    readonly path: string,
    private readonly value: Readonly<Record<string, unknown>>,
    private readonly node: Node | undefined,
  ) {}

  /** The dotted path of child `key`. */
  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  /** The keys as written (merged keys included). */
  keys(): string[] {
    return Object.keys(this.value);
  }

  /** Child `key`, marked as read and positioned; undefined when absent or null (as in Kubernetes). */
  get(key: string): Field | undefined {
    this.used.add(key);
    if (!Object.hasOwn(this.value, key)) return undefined;
    this.index ??= this.r.pairsOf(this.node);
    const pair = this.index.get(key);
    const path = this.at(key);
    this.r.mark(path, pair?.key);
    const value = this.value[key];
    if (value === null || value === undefined) return undefined;
    return { path, value, node: this.r.deref(pair?.value) };
  }

  /** Child `key`, reporting FIELD_REQUIRED when absent. */
  need(key: string): Field | undefined {
    const f = this.get(key);
    if (!f) this.r.report(this.at(key), Codes.FIELD_REQUIRED, `${this.at(key)} is required`);
    return f;
  }

  /** Accepts keys whose value tcpshift does not need. */
  ignore(...keys: string[]): void {
    for (const k of keys) this.get(k);
  }

  /** Reports FIELD_UNSUPPORTED when `key` is written: Istio has it, tcpshift cannot honour it. */
  unsupported(key: string, why: string, severity: Diagnostic['severity']): void {
    const f = this.get(key);
    if (f) this.r.report(f.path, Codes.FIELD_UNSUPPORTED, `${f.path} is not supported: ${why}`, severity);
  }

  /** Reports FIELD_UNKNOWN (warning) for every key not read so far. */
  done(): void {
    for (const key of this.keys()) {
      if (this.used.has(key)) continue;
      this.get(key);
      this.r.report(this.at(key), Codes.FIELD_UNKNOWN, `${this.at(key)} is not a known field; ignored`, 'warning');
    }
  }

  // Typed children: each returns undefined (or an empty value) when absent or after reporting why.

  str(key: string, required = false): string | undefined {
    const f = required ? this.need(key) : this.get(key);
    const s = f && asString(this.r, f);
    if (required && f && s === '') {
      this.r.report(f.path, Codes.FIELD_REQUIRED, `${f.path} must not be empty`);
      return undefined;
    }
    return s;
  }

  int(key: string, range: IntRange, required = false): number | undefined {
    const f = required ? this.need(key) : this.get(key);
    return f && asInt(this.r, f, range);
  }

  port(key: string, required = false): number | undefined {
    const f = required ? this.need(key) : this.get(key);
    return f && asPort(this.r, f);
  }

  duration(key: string, range: DurationRange): number | undefined {
    const f = this.get(key);
    return f && asDuration(this.r, f, range);
  }

  enum<T extends string>(key: string, allowed: readonly T[], aliases?: Readonly<Record<string, T>>): T | undefined {
    const f = this.get(key);
    return f && asEnum(this.r, f, allowed, aliases);
  }

  obj(key: string, required = false): Obj | undefined {
    const f = required ? this.need(key) : this.get(key);
    return f && asObj(this.r, f);
  }

  list(key: string, required = false): Field[] {
    const f = required ? this.need(key) : this.get(key);
    return f ? asList(this.r, f) : [];
  }

  strList(key: string): string[] {
    const f = this.get(key);
    return f ? asStringList(this.r, f) : [];
  }

  strMap(key: string): Record<string, string> {
    const f = this.get(key);
    return f ? asStringMap(this.r, f) : {};
  }
}

/** The field as a mapping to read further. */
export function asObj(r: DocReader, f: Field): Obj | undefined {
  return isPlainMap(f.value) ? new Obj(r, f.path, f.value, f.node) : typeError(r, f, 'a map');
}

/** A map of strings (labels, selectors); entries of another type are reported and left out. */
export function asStringMap(r: DocReader, f: Field): Record<string, string> {
  const o = asObj(r, f);
  if (!o) return {};
  const entries: [string, string][] = [];
  for (const key of o.keys()) {
    const item = o.get(key);
    const s = item && asString(r, item);
    if (s !== undefined) entries.push([key, s]);
  }
  return Object.fromEntries(entries);
}
