/**
 * Seeded mutations of YAML manifests for the fuzz test: structure edits on the parsed documents
 * (deleted and duplicated keys, type swaps, prototype names as keys and values, huge and negative
 * numbers, durations past every bound, deep nesting), then text edits (control and unicode
 * characters, truncation). Test-only; everything comes from the `rnd` it is given.
 */
import { isMap, isPair, isScalar, isSeq, Pair, parseAllDocuments, Scalar, visit, type Document, type Node } from 'yaml';

export type Rnd = () => number;

/** Names an object lookup could trip over. */
export const PROTO_NAMES = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'prototype', '__defineGetter__'];
/** The ones the systematic pass tries: an accessor, a function Kubernetes' name rules allow, and a camel-case one. */
const VARIANT_NAMES = ['__proto__', 'constructor', 'toString'];

const STRINGS = [
  ...PROTO_NAMES, '', ' ', 'tcp-echo', 'v1', 'v2', 'TCP', 'tcp', 'mesh', '*', '0.0.0.0', '::', '127.0.0.1', '300.1.1.1',
  'gw\n::error file=x::INJECTED', 'a\r\nb', '\u0000', '\u001b[31mred', 'x\u2028y', 'abc\u202Edcb', 'ｔｃｐ', 'tcp‐echo', '😀',
  'a'.repeat(300), 'tcp-echo/../x', 'default/tcp-echo-gateway', 'ns/', '/x', 'a.b.c', '```', '%0A', 'a,b:c',
  '1193h2m48s', '0s', '-1s', '1e9h', '9999999999999999h', '24h', '25h', '576h', '577h', '32767s', '32768s', '500ms', '1.5s', '.5h', '1ns',
  'ROUND_ROBIN', 'RANDOM', 'LEAST_REQUEST', 'STATIC', 'DNS', 'NONE', 'DISABLE', 'SIMPLE',
  'networking.istio.io/v1', 'networking.istio.io/v2', 'Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry',
];
const NUMBERS = [0, 1, -1, 2, 80, 20, 100, 101, 65535, 65536, 31400, 9000, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 + 1, 1e308, -1e308, 1.5, 0.1, Number.NaN, Infinity, -Infinity];

function pick<T>(rnd: Rnd, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

/** A random plain value of any YAML type, nested up to `depth`. */
function randomValue(rnd: Rnd, depth = 2): unknown {
  const r = rnd();
  if (r < 0.35) return pick(rnd, STRINGS);
  if (r < 0.6) return pick(rnd, NUMBERS);
  if (r < 0.67) return rnd() < 0.5;
  if (r < 0.72) return null;
  if (depth <= 0) return pick(rnd, STRINGS);
  if (r < 0.86) return Array.from({ length: Math.floor(rnd() * 3) }, () => randomValue(rnd, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 3); i > 0; i--) Object.defineProperty(o, pick(rnd, STRINGS), { value: randomValue(rnd, depth - 1), enumerable: true, writable: true, configurable: true });
  return o;
}

/** `levels` maps (or lists) inside each other around `leaf`. */
function nested(rnd: Rnd, levels: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = rnd() < 0.5 ? [v] : { [pick(rnd, ['spec', 'tcp', 'a', '__proto__'])]: v };
  return v;
}

interface Spot {
  readonly parent: Node;
  readonly index: number;
}

/** Every map and list in the document, with the items it holds. */
function collections(doc: Document): Node[] {
  const out: Node[] = [];
  visit(doc, (_k, node) => {
    if (isMap(node) || isSeq(node)) out.push(node);
    return undefined;
  });
  return out;
}

function spots(doc: Document): Spot[] {
  const out: Spot[] = [];
  for (const c of collections(doc)) {
    const items = (c as unknown as { items: unknown[] }).items;
    items.forEach((_x, index) => out.push({ parent: c, index }));
  }
  return out;
}

/** Keys whose values are names or references to names. */
const NAME_KEYS = new Set(['name', 'namespace', 'subset', 'host', 'tcp-db', 'tcp', 'version', 'app']);

/** The pairs whose value is a name (and the keys of `ports` and `labels` maps): where a prototype name hurts most. */
function namePairs(doc: Document): Pair[] {
  const out: Pair[] = [];
  visit(doc, {
    Pair: (_k, pair) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (NAME_KEYS.has(key) && isScalar(pair.value)) out.push(pair as Pair);
      if ((key === 'ports' || key === 'labels' || key === 'selector') && isMap(pair.value)) for (const p of pair.value.items) out.push(p as Pair);
      return undefined;
    },
  });
  return out;
}

/** One structure edit of `doc`, in place. */
function mutateDoc(rnd: Rnd, doc: Document): void {
  const names = namePairs(doc);
  if (names.length > 0 && rnd() < 0.35) {
    const pair = pick(rnd, names);
    const proto = new Scalar(pick(rnd, rnd() < 0.7 ? PROTO_NAMES : STRINGS));
    if (isScalar(pair.value) && rnd() < 0.7) pair.value = proto; // a name
    else pair.key = proto; // a key of ports/labels
    return;
  }
  const all = spots(doc);
  if (all.length === 0) {
    doc.contents = doc.createNode(randomValue(rnd)) as never;
    return;
  }
  const { parent, index } = pick(rnd, all);
  const items = (parent as unknown as { items: unknown[] }).items;
  const item = items[index];
  const op = rnd();
  const newNode = (v: unknown): Node => doc.createNode(v) as Node;
  if (op < 0.15) {
    items.splice(index, 1); // deleted key or item
  } else if (op < 0.27) {
    const copy = isPair(item) ? item.clone() : isScalar(item) || isMap(item) || isSeq(item) ? item.clone() : item;
    items.splice(index, 0, copy); // duplicated key or item
  } else if (op < 0.5) {
    const v = newNode(randomValue(rnd)); // type swap
    if (isPair(item)) item.value = v;
    else items[index] = v;
  } else if (op < 0.62) {
    if (isPair(item)) item.key = new Scalar(pick(rnd, PROTO_NAMES)); // prototype names as keys
    else items[index] = newNode(pick(rnd, PROTO_NAMES));
  } else if (op < 0.8) {
    const v = newNode(rnd() < 0.5 ? pick(rnd, STRINGS) : pick(rnd, NUMBERS)); // names, durations, numbers
    if (isPair(item)) item.value = v;
    else items[index] = v;
  } else if (op < 0.88) {
    const v = newNode(nested(rnd, 1 + Math.floor(rnd() * 80), randomValue(rnd, 1))); // deep nesting
    if (isPair(item)) item.value = v;
    else items[index] = v;
  } else if (isMap(parent)) {
    parent.items.push(new Pair(new Scalar(pick(rnd, STRINGS)), newNode(randomValue(rnd)))); // extra key
  } else {
    items.push(newNode(randomValue(rnd)));
  }
}

const TEXT_INSERTS = ['\u0000', '\t', '\r', '\n', '\u001b', '\u0085', '\u2028', '\u202e', '\ufeff', '\ud800', '😀', '&a ', '*a', '<<: *a\n', '{', ']', '- ', ': ', '#', '!tag ', '"', "'", '---\n', '...\n', '%YAML 1.1\n'];

/** One text edit: an inserted character or fragment, or a cut. */
function mutateText(rnd: Rnd, text: string): string {
  const at = Math.floor(rnd() * (text.length + 1));
  if (rnd() < 0.15) return text.slice(0, at);
  return text.slice(0, at) + pick(rnd, TEXT_INSERTS) + text.slice(at);
}

/** A mutation of `text`: 1–3 edits, mostly on the structure; the text is returned unchanged when it cannot be re-serialized. */
export function mutate(rnd: Rnd, text: string): string {
  let out = text;
  const edits = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < edits; i++) {
    if (rnd() < 0.8) {
      try {
        const docs = parseAllDocuments(out, { uniqueKeys: false });
        if (!Array.isArray(docs) || docs.length === 0) continue;
        const doc = pick(rnd, docs);
        mutateDoc(rnd, doc);
        out = docs.map((d) => d.toString({ lineWidth: 0 })).join('');
      } catch {
        // Only the mutator failed (e.g. a duplicated anchor it cannot print): keep the last text.
      }
    } else {
      out = mutateText(rnd, out);
    }
  }
  return out;
}

/**
 * Every variant of `text` with one name (or one key of a ports/labels/selector map) replaced by one
 * prototype name: the systematic part of the fuzz, so the lookups by user-written key are always tried.
 */
export function* protoVariants(text: string): Generator<string> {
  // Istio documents only: the Deployments and Services of the samples are skipped whole.
  const istio = (d: Document): boolean => String(d.get('apiVersion') ?? '').startsWith('networking.istio.io/');
  const count = (parseAllDocuments(text) as Document[]).map((d) => (istio(d) ? namePairs(d).length : 0));
  for (let doc = 0; doc < count.length; doc++) {
    for (let i = 0; i < (count[doc] ?? 0); i++) {
      for (const name of VARIANT_NAMES) {
        for (const asKey of [false, true]) {
          const docs = parseAllDocuments(text) as Document[];
          const pair = namePairs(docs[doc]!)[i]!;
          if (asKey) pair.key = new Scalar(name);
          else if (isScalar(pair.value)) pair.value = new Scalar(name);
          else continue;
          yield docs.map((d) => d.toString({ lineWidth: 0 })).join('');
        }
      }
    }
  }
}
