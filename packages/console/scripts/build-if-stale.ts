/**
 * Builds the web console (`vite build`) when its `dist/` is missing or older than its sources,
 * so `pnpm start`, the browser tests and the screenshots always serve what the sources say.
 * When the build is up to date this only compares file times (a few milliseconds).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console package's directory. */
export const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where `vite build` writes the console (what the server serves). */
export const CONSOLE_DIST = path.join(CONSOLE_DIR, 'dist');

/** Inputs of the build besides `src/`: a change in any of them makes `dist/` stale. */
const BUILD_INPUTS = ['src', 'public', 'index.html', 'package.json', /^vite\.config\./, /^tsconfig.*\.json$/];

/** The newest modification time (ms) under `entry`, a file or a directory; 0 when absent. */
function newestMtime(entry: string): number {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const child of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** Why `dist/` must be rebuilt, or null when it is up to date. */
export function consoleStaleReason(): string | null {
  const index = path.join(CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return 'no build yet';
  const built = statSync(index).mtimeMs;
  const inputs = readdirSync(CONSOLE_DIR).filter((name) =>
    BUILD_INPUTS.some((input) => (typeof input === 'string' ? input === name : input.test(name))),
  );
  const changed = inputs.find((name) => newestMtime(path.join(CONSOLE_DIR, name)) > built);
  return changed === undefined ? null : `${changed} changed since the last build`;
}

/**
 * Runs `vite build` in the console package when {@link consoleStaleReason} says so; returns the
 * `dist/` directory. Throws when the build fails (its output has been printed).
 */
export function buildConsoleIfStale(log: (line: string) => void = (line) => console.error(line)): string {
  const reason = consoleStaleReason();
  if (reason === null) return CONSOLE_DIST;
  log(`building the web console (${reason})…`);
  const vite = path.join(CONSOLE_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) throw new Error(`vite is not installed in ${CONSOLE_DIR}: run pnpm install first`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: CONSOLE_DIR,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
  log(`built the web console in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return CONSOLE_DIST;
}
