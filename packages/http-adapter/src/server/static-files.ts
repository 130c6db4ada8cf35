import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/**
 * Serves a built single-page app from `root`: a file when it exists, else `index.html` for any
 * GET that is not under `/api/` or `/assets/` (client-side routes); `null` (let the API answer,
 * a 404) for everything else. Paths never leave `root`. Hashed assets
 * under `/assets/` are cached for a year; `index.html` is never cached.
 */
export function createStaticHandler(root: string): (request: Request) => Promise<Response | null> {
  // Absolute, without a trailing separator: `HALITE_CONSOLE_DIR=dist/` must work too.
  const base = resolve(root);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    const { pathname } = new URL(request.url);
    if (
      pathname === '/api' ||
      pathname.startsWith('/api/') ||
      pathname === '/healthz' ||
      pathname === '/readyz'
    )
      return null;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    const file = normalize(join(base, decoded));
    if (file !== base && !file.startsWith(base + sep)) return null;
    const exists = await isFile(file);
    // A missing hashed asset is a 404, not the app's HTML under a script's URL.
    if (!exists && decoded.startsWith('/assets/')) return null;
    const found = exists ? file : join(base, 'index.html');
    let body: Buffer;
    try {
      body = await readFile(found);
    } catch {
      return null;
    }
    const immutable = decoded.startsWith('/assets/') && found === file;
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      headers: {
        'content-type': TYPES[extname(found)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
