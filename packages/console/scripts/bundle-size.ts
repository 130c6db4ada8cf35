/**
 * Budget check of the built console: the JavaScript a browser loads before the first paint
 * (the entry `<script type="module">` and every `<link rel="modulepreload">` in dist/index.html)
 * must stay under 300 KB gzipped. Lazily loaded route chunks do not count.
 *
 *   pnpm bundle-size            # after `pnpm build` (or `vite build` in packages/console)
 *
 * Prints each file and the total; exits 1 over budget or when there is no build.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The budget for the initial JavaScript, gzipped. */
export const BUDGET_BYTES = 300 * 1024;

/** One initial script and its sizes. */
export interface InitialScript {
  /** Path as written in index.html, e.g. `/assets/index-abc123.js`. */
  src: string;
  /** Bytes on disk. */
  bytes: number;
  /** Bytes gzipped (level 9, as a server's static compression would at best). */
  gzipBytes: number;
}

/** The `src`/`href` of the entry scripts and module preloads of an index.html, in order, once each. */
export function initialScriptPaths(html: string): string[] {
  const found: string[] = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const attr = (name: string) => tag.match(new RegExp(`\\b${name}\\s*=\\s*["']([^"']*)["']`, 'i'))?.[1];
    const isScript = /^<script/i.test(tag) && attr('type') === 'module' && attr('src');
    const isPreload = /^<link/i.test(tag) && attr('rel') === 'modulepreload' && attr('href');
    const src = isScript ? attr('src') : isPreload ? attr('href') : undefined;
    if (src && !/^[a-z]+:\/\//i.test(src) && !found.includes(src)) found.push(src);
  }
  return found;
}

/** Measures the initial JavaScript of the build in `dist`. */
export function measureInitialJs(dist: string): InitialScript[] {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  return initialScriptPaths(html).map((src) => {
    const file = path.join(dist, src.replace(/^\.?\//, '').split(/[?#]/)[0] as string);
    const content = readFileSync(file);
    return { src, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) {
    console.error(`bundle-size: no build in ${dist}; run pnpm build first`);
    process.exit(1);
  }
  const scripts = measureInitialJs(dist);
  if (scripts.length === 0) {
    console.error('bundle-size: dist/index.html loads no module script');
    process.exit(1);
  }
  for (const s of scripts) console.log(`  ${s.src}  ${kb(s.bytes)} (${kb(s.gzipBytes)} gzipped)`);
  const total = scripts.reduce((sum, s) => sum + s.gzipBytes, 0);
  const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
  console.log(`initial JavaScript: ${kb(total)} gzipped, ${verdict} the ${kb(BUDGET_BYTES)} budget`);
  if (total > BUDGET_BYTES) process.exit(1);
}
