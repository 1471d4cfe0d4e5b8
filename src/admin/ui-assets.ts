/**
 * The web view's files, served from the installed package (no CDN): the page, its script and style from
 * src/admin/ui (shipped in the package as they are), and uPlot from its npm package. Read once, then kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One file ready to send. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** Request path → where the file is and its content type. */
const FILES: ReadonlyMap<string, { readonly from: 'ui' | 'uplot'; readonly name: string; readonly type: string }> = new Map([
  ['/', { from: 'ui', name: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/ui/app.js', { from: 'ui', name: 'app.js', type: 'text/javascript; charset=utf-8' }],
  ['/ui/app.css', { from: 'ui', name: 'app.css', type: 'text/css; charset=utf-8' }],
  ['/ui/favicon.svg', { from: 'ui', name: 'favicon.svg', type: 'image/svg+xml' }],
  ['/ui/uPlot.iife.min.js', { from: 'uplot', name: 'uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' }],
  ['/ui/uPlot.min.css', { from: 'uplot', name: 'uPlot.min.css', type: 'text/css; charset=utf-8' }],
] as const);

/** The request paths of the web view's files. */
export const ASSET_PATHS: readonly string[] = [...FILES.keys()];

/** The folder holding index.html: next to this file when run from src (tests), src/admin/ui of the package when run from dist. */
function uiDir(): string {
  for (const dir of [join(__dirname, 'ui'), join(__dirname, '..', '..', 'src', 'admin', 'ui')]) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  throw new Error('the web view files (src/admin/ui) are missing from this installation');
}

const cache = new Map<string, Asset>();

/** The file served at `path`, or undefined when it is not one of the web view's; throws when the package lacks it. */
export function asset(path: string): Asset | undefined {
  const f = FILES.get(path);
  if (!f) return undefined;
  let a = cache.get(path);
  if (!a) {
    const file = f.from === 'ui' ? join(uiDir(), f.name) : require.resolve(`uplot/dist/${f.name}`);
    a = { type: f.type, body: readFileSync(file) };
    cache.set(path, a);
  }
  return a;
}

/** Headers for every web view response: same-origin everything, no framing, no sniffing, no referrer. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};
