/**
 * Multi-document YAML text → plain-JS documents with their nodes and positions, bounded in time and
 * memory: nesting is checked on the token stream before any tree is built, duplicate keys are found
 * in linear time, and aliases are capped in number and in expansion. Pure.
 */
import { Composer, isScalar, Lexer, LineCounter, Parser, type Alias, type CST, type Document, type Node } from 'yaml';
import { Codes, type Code, type Diagnostic } from '../errors';
import { MAX_PLAIN_VALUES, toPlain } from './plain';
import { checkDocument, type DocCheck } from './yamlcheck';

/** Deepest nesting of mappings and lists accepted. */
export const MAX_DEPTH = 64;
/** Alias expansion budget given to `toJS` (the yaml library's own default). */
export const MAX_ALIAS_COUNT = 100;
/** Alias nodes allowed in one document. */
export const MAX_ALIASES = 100;
/** YAML problems listed per file; the rest are counted in one summary diagnostic. */
export const MAX_YAML_PROBLEMS = 100;

/** One non-empty, well-formed document. */
export interface YamlDoc {
  /** The document as plain JS (aliases and `<<` merges resolved; alias targets shared). */
  readonly value: unknown;
  /** The same as a JSON-safe tree. */
  readonly raw: unknown;
  /** Its root node. */
  readonly node: Node | undefined;
  /** Every alias node resolved to its anchored node. */
  readonly aliases: ReadonlyMap<Alias, Node>;
  readonly lineCounter: LineCounter;
  /** Where the document's content starts (1-based). */
  readonly line: number;
  readonly col: number;
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * Reads every document of `text`; problems go to `out` (at most MAX_YAML_PROBLEMS, then one summary)
 * and the documents concerned are left out.
 */
export function readYaml(file: string, text: string, out: Diagnostic[]): YamlDoc[] {
  const lineCounter = new LineCounter();
  const at = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  let listed = 0;
  let unlisted = 0;
  let firstUnlisted = 0;
  const push = (code: Code, offset: number, message: string, severity: Diagnostic['severity'] = 'error'): void => {
    if (listed < MAX_YAML_PROBLEMS) {
      listed += 1;
      out.push({ severity, code, message, file, ...at(offset) });
    } else if (unlisted++ === 0) {
      firstUnlisted = offset;
    }
  };
  const docs = withoutStacks(() => readDocs(text, lineCounter, push));
  if (unlisted > 0) {
    const message = `${unlisted} more YAML problems in this file not listed`;
    out.push({ severity: 'error', code: Codes.YAML_SYNTAX, message, file, ...at(firstUnlisted) });
  }
  return docs;
}

function readDocs(text: string, lineCounter: LineCounter, push: Push): YamlDoc[] {
  const at = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);

  const tokens = tokenize(text, lineCounter);
  if ('tooDeepAt' in tokens) {
    push(Codes.YAML_TOO_DEEP, tokens.tooDeepAt, `YAML nesting is deeper than ${MAX_DEPTH} levels`);
    return [];
  }
  const composer = new Composer({ uniqueKeys: false, merge: true, logLevel: 'silent' });
  const docs = Array.from(composer.compose(tokens, false, text.length));
  // Problems outside any document (e.g. a directive with no document after it).
  const stray = composer.streamInfo();
  for (const e of stray.errors) push(Codes.YAML_SYNTAX, e.pos[0], e.message);
  for (const w of stray.warnings) push(Codes.YAML_SYNTAX, w.pos[0], w.message, 'warning');

  const result: YamlDoc[] = [];
  let firstEmpty: number | undefined;
  let nonEmpty = stray.errors.length > 0;
  for (const doc of docs) {
    const check = checkDocument(doc);
    const broken = reportProblems(doc, check, push);
    const node = doc.contents ?? undefined;
    if (!broken && isEmpty(node)) {
      firstEmpty ??= doc.range[0];
      continue;
    }
    nonEmpty = true;
    if (broken) continue;
    const start = node?.range?.[0] ?? doc.range[0];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      // The yaml library throws a ReferenceError when aliases expand past maxAliasCount ("billion laughs").
      const message = e instanceof Error ? e.message : String(e);
      const bomb = e instanceof ReferenceError && /alias count/i.test(message);
      push(bomb ? Codes.YAML_ALIAS_LIMIT : Codes.YAML_SYNTAX, start,
        bomb ? `aliases expand past the limit of ${MAX_ALIAS_COUNT}` : message);
      continue;
    }
    const raw = toPlain(value);
    if (!raw) {
      push(Codes.YAML_ALIAS_LIMIT, start, `aliases expand the document past ${MAX_PLAIN_VALUES} values`);
      continue;
    }
    result.push({ value, raw: raw.value, node, aliases: check.aliases, lineCounter, ...at(start) });
  }
  if (!nonEmpty && firstEmpty !== undefined) {
    push(Codes.DOC_EMPTY, firstEmpty, 'file holds only empty documents');
  }
  return result;
}

type Push = (code: Code, offset: number, message: string, severity?: Diagnostic['severity']) => void;

/** Reports the document's YAML errors and warnings; true when it must not be read. */
function reportProblems(doc: Document, check: DocCheck, push: Push): boolean {
  let broken = doc.errors.length > 0;
  for (const e of doc.errors) push(Codes.YAML_SYNTAX, e.pos[0], e.message);
  for (const w of doc.warnings) {
    // An unknown tag (`!foo`) would silently be read as a plain string: reject it.
    const fatal = w.code === 'TAG_RESOLVE_FAILED';
    push(Codes.YAML_SYNTAX, w.pos[0], w.message, fatal ? 'error' : 'warning');
    broken ||= fatal;
  }
  for (const offset of check.duplicates) push(Codes.YAML_DUPLICATE_KEY, offset, 'duplicate key in mapping');
  for (const offset of check.unresolved) push(Codes.YAML_SYNTAX, offset, 'alias refers to no anchor defined before it');
  for (const offset of check.cyclic) push(Codes.YAML_SYNTAX, offset, 'alias refers to a node that contains it');
  const tooMany = check.aliasOffsets[MAX_ALIASES];
  if (tooMany !== undefined) {
    // Beyond this the yaml library's alias resolution turns quadratic; no manifest needs so many.
    push(Codes.YAML_ALIAS_LIMIT, tooMany, `document uses more than ${MAX_ALIASES} aliases`);
  }
  return broken || check.duplicates.length + check.unresolved.length + check.cyclic.length > 0 || tooMany !== undefined;
}

/**
 * Runs `fn` with stack capture off. The yaml library builds an Error per problem, and capturing their
 * stacks dominates the cost of a garbage file (seconds for 1 MiB); the setting is restored before returning.
 */
function withoutStacks<T>(fn: () => T): T {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = saved;
  }
}

/** The CST tokens of `text`, or the offset where nesting first exceeds MAX_DEPTH (parsing stops there). */
function tokenize(text: string, lineCounter: LineCounter): CST.Token[] | { tooDeepAt: number } {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0); // as Parser.parse() does before the first token
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    for (const t of parser.next(lexeme)) tokens.push(t);
    // The parser's stack holds every open node; only count when it could be too deep.
    if (parser.stack.length > MAX_DEPTH) {
      const tooDeep = collectionAt(parser.stack, MAX_DEPTH + 1);
      if (tooDeep) return { tooDeepAt: tooDeep.offset };
    }
  }
  for (const t of parser.end()) tokens.push(t);
  return tokens;
}

/** The `n`-th (1-based) open collection from the outside, if the stack holds that many. */
function collectionAt(stack: readonly CST.Token[], n: number): CST.Token | undefined {
  let seen = 0;
  for (const t of stack) {
    if (COLLECTIONS.has(t.type)) seen += 1;
    if (seen === n) return t;
  }
  return undefined;
}

/** A document with nothing in it (`---` alone, or only comments), or an explicit null. */
function isEmpty(node: Node | undefined): boolean {
  if (node === undefined) return true;
  return isScalar(node) && (node.value === null || node.value === undefined);
}
