/**
 * Typed readers of one field. Each returns the value, or undefined after reporting FIELD_TYPE,
 * FIELD_NOT_INTEGER, FIELD_RANGE, PORT_RANGE, FIELD_ENUM or FIELD_DURATION. Pure.
 */
import { isSeq } from 'yaml';
import { Codes, type Code } from '../errors';
import { formatDuration, parseDuration } from '../duration';
import type { DocReader, Field } from './reader';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Bounds of an integer field; `code` is what an out-of-range value is reported as. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
  readonly code?: Code;
}

const PORT: IntRange = { min: 1, max: 65535, code: Codes.PORT_RANGE };

/** A human name for a plain-JS value's type, as used in `must be X, got Y` messages. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'binary';
  if (v instanceof Date) return 'timestamp';
  if (v instanceof Map) return 'ordered map';
  if (v instanceof Set) return 'set';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return isPlainMap(v) ? 'map' : 'object';
  return typeof v;
}

/** True for a mapping as `toJS` produces it (a plain object). */
export function isPlainMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Reports FIELD_TYPE (`<path> must be <expected>, got <type>`); returns undefined for chaining. */
export function typeError(r: DocReader, f: Field, expected: string): undefined {
  r.report(f.path, Codes.FIELD_TYPE, `${f.path} must be ${expected}, got ${typeName(f.value)}`);
  return undefined;
}

/** The field as a string. */
export function asString(r: DocReader, f: Field): string | undefined {
  return typeof f.value === 'string' ? f.value : typeError(r, f, 'a string');
}

/** The field as an integer inside `range`. */
export function asInt(r: DocReader, f: Field, range: IntRange): number | undefined {
  const v = f.value;
  if (typeof v !== 'number') return typeError(r, f, 'an integer');
  if (!Number.isInteger(v)) {
    r.report(f.path, Codes.FIELD_NOT_INTEGER, `${f.path} must be an integer, got ${v}`);
    return undefined;
  }
  if (v < range.min || v > range.max) {
    r.report(f.path, range.code ?? Codes.FIELD_RANGE, `${f.path} must be between ${range.min} and ${range.max}, got ${v}`);
    return undefined;
  }
  return v;
}

/** The field as a port number, 1–65535 (else PORT_RANGE). */
export function asPort(r: DocReader, f: Field): number | undefined {
  return asInt(r, f, PORT);
}

/** Bounds of a duration field, in milliseconds; `wholeSeconds` when the kernel takes it in seconds. */
export interface DurationRange {
  readonly minMs: number;
  readonly maxMs: number;
  readonly wholeSeconds?: boolean;
}

/** The field as a Go/Istio duration string, in milliseconds, inside `range` (else FIELD_RANGE). */
export function asDuration(r: DocReader, f: Field, range: DurationRange): number | undefined {
  if (typeof f.value !== 'string') return typeError(r, f, 'a duration string such as 10s');
  const ms = parseDuration(f.value);
  if (ms === null) {
    r.report(f.path, Codes.FIELD_DURATION, `${f.path} must be a duration such as 500ms, 10s or 1m30s, got ${JSON.stringify(f.value)}`);
    return undefined;
  }
  const why = ms < range.minMs ? `at least ${formatDuration(range.minMs)}`
    : ms > range.maxMs ? `at most ${formatDuration(range.maxMs)}`
      : range.wholeSeconds && ms % 1000 !== 0 ? 'a whole number of seconds' : undefined;
  if (why !== undefined) {
    r.report(f.path, Codes.FIELD_RANGE, `${f.path} must be ${why}, got ${f.value}`);
    return undefined;
  }
  return ms;
}

/** The field as one of `allowed` (or an alias of one), case-sensitive like Istio's enums. */
export function asEnum<T extends string>(
  r: DocReader,
  f: Field,
  allowed: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): T | undefined {
  const v = asString(r, f);
  if (v === undefined) return undefined;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  if (Object.hasOwn(aliases, v)) return aliases[v];
  r.report(f.path, Codes.FIELD_ENUM, `${f.path} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return undefined;
}

/** The items of a list field, each positioned as `path[i]`; [] after FIELD_TYPE. */
export function asList(r: DocReader, f: Field): Field[] {
  if (!Array.isArray(f.value)) return typeError(r, f, 'a list') ?? [];
  const items = isSeq(f.node) ? f.node.items : [];
  return f.value.map((value: unknown, i) => {
    const path = `${f.path}[${i}]`;
    r.mark(path, items[i]);
    return { path, value, node: r.deref(items[i]) };
  });
}

/** A list of strings; items of another type are reported and left out. */
export function asStringList(r: DocReader, f: Field): string[] {
  const out: string[] = [];
  for (const item of asList(r, f)) {
    const s = asString(r, item);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** A copy of `o` without its undefined-valued keys, so optional fields are absent rather than undefined. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
