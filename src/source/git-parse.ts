/** Parsers for the plumbing output the Git source reads: `ls-tree -r -l -z`, `cat-file --batch`, commit objects. Pure. */
import type { CommitInfo } from './types';

/** One entry of `git ls-tree -r -l -z`. */
export interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly object: string;
  /** Bytes; 0 for a submodule (`-`). */
  readonly size: number;
  readonly path: string;
}

const TREE_LINE = /^(\d{6}) (\w+) ([0-9a-f]{40,64}) +(-|\d+)\t([\s\S]+)$/;

/** Parses NUL-separated `ls-tree -r -l -z` output; throws on a line it does not understand. */
export function parseLsTree(out: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const line of out.split('\0')) {
    if (line === '') continue;
    const m = TREE_LINE.exec(line);
    if (!m) throw new Error(`unexpected ls-tree line: ${JSON.stringify(line.slice(0, 200))}`);
    const [, mode = '', type = '', object = '', size = '-', path = ''] = m;
    entries.push({ mode, type, object, size: size === '-' ? 0 : Number(size), path });
  }
  return entries;
}

/** One object from `cat-file --batch` output; `content` is null when git answered `missing`. */
export interface BatchObject {
  readonly name: string;
  readonly type: string;
  readonly content: Buffer | null;
}

/** Splits `cat-file --batch` output (`<sha> <type> <size>\n<bytes>\n` per object) binary-safely; throws when truncated. */
export function parseBatch(out: Buffer): BatchObject[] {
  const objects: BatchObject[] = [];
  let pos = 0;
  while (pos < out.length) {
    const eol = out.indexOf(0x0a, pos);
    if (eol < 0) throw new Error('truncated cat-file header');
    const header = out.toString('utf8', pos, eol).split(' ');
    pos = eol + 1;
    const name = header[0] ?? '';
    if (header[1] === 'missing' || header[1] === 'ambiguous') {
      objects.push({ name, type: header[1], content: null });
      continue;
    }
    const size = Number(header[2]);
    if (header.length !== 3 || !Number.isSafeInteger(size) || pos + size + 1 > out.length) {
      throw new Error(`unexpected cat-file header: ${header.join(' ').slice(0, 200)}`);
    }
    objects.push({ name, type: header[1] ?? '', content: out.subarray(pos, pos + size) });
    pos += size + 1;
  }
  return objects;
}

/** Author name, ISO date and subject of a raw commit object, as `git log --format=%an%n%aI%n%s` would print them. */
export function parseCommit(raw: Buffer): CommitInfo {
  const text = raw.toString('utf8');
  const split = text.indexOf('\n\n');
  const headers = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  const author = /^author (.*) <[^>]*> (\d+) ([+-]\d{4})$/m.exec(headers);
  const firstParagraph = message.replace(/^\s*\n/, '').split(/\n[ \t]*\n/)[0] ?? '';
  return {
    author: author?.[1] ?? '',
    date: author ? isoDate(Number(author[2]), author[3] ?? '+0000') : '',
    subject: firstParagraph.trim().split('\n').map((l) => l.trim()).join(' '),
  };
}

/** `1700000000`, `+0200` → `2023-11-15T00:13:20+02:00` (the author's wall clock with its offset, like `%aI`). */
export function isoDate(epochSeconds: number, tz: string): string {
  const sign = tz.startsWith('-') ? -1 : 1;
  const hh = Number(tz.slice(1, 3));
  const mm = Number(tz.slice(3, 5));
  const local = new Date((epochSeconds + sign * (hh * 3600 + mm * 60)) * 1000);
  if (Number.isNaN(local.getTime())) return '';
  return `${local.toISOString().slice(0, 19)}${tz.slice(0, 3)}:${tz.slice(3, 5)}`;
}
