import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SaltLabError } from './errors.js';

/** The Salt release the lab installs unless told otherwise. */
export const DEFAULT_SALT_VERSION = '3008.5';

/** Name of the file that marks a virtualenv as completely installed. */
export const INSTALL_STAMP = '.halite-complete';

/** How a Salt virtualenv came to be usable. */
export type SaltInstallRoute =
  /** Stamped by an earlier run: reused as is. */
  | 'cached'
  /** Found complete without a stamp (built by hand): checked, then stamped. */
  | 'adopted'
  /** `pip install salt==<version>` resolved every pin. */
  | 'pip'
  /** Salt's pins could not all be met: `--no-deps salt`, then its requirements by name. */
  | 'no-deps-fallback';

/** A usable Salt install. */
export interface SaltInstall {
  /** The Salt version. */
  version: string;
  /** The virtualenv directory. */
  venvDir: string;
  /** Its `bin` directory (`salt-master`, `salt-api`, …). */
  binDir: string;
  /** How it was obtained this time. */
  route: SaltInstallRoute;
}

/** Options of {@link ensureSaltInstalled}. */
export interface EnsureSaltOptions {
  /** Salt version (default {@link DEFAULT_SALT_VERSION}). */
  version?: string;
  /** Cache root (default `$HALITE_SALT_CACHE`, else `~/.cache/halite`). */
  cacheDir?: string;
  /** Python used to create the venv (default `$HALITE_PYTHON`, else `python3`). */
  python?: string;
  /** Progress lines (default: to stderr). */
  log?: (line: string) => void;
  /** Longest wait for the install (or for another process's install), ms (default 10 min). */
  timeoutMs?: number;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PIP_NO_INPUT: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr) || (error && !stderr ? String(error) : ''),
        });
      },
    );
  });
}

function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The cache root: `$HALITE_SALT_CACHE`, else `~/.cache/halite`. */
export function saltCacheDir(): string {
  return process.env.HALITE_SALT_CACHE || path.join(os.homedir(), '.cache', 'halite');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding a cross-process lock (an exclusive-create lock file holding the
 * holder's pid). A lock whose holder is dead is taken over.
 */
async function withLock<T>(
  lockFile: string,
  timeoutMs: number,
  log: (l: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
      if (Number.isFinite(holder) && holder > 0 && !pidAlive(holder)) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (!Number.isFinite(holder)) {
        // Written but not yet filled, or garbage: give it a moment, then treat an old one as stale.
        const age =
          Date.now() -
          (await stat(lockFile)
            .then((s) => s.mtimeMs)
            .catch(() => Date.now()));
        if (age > 10_000) await rm(lockFile, { force: true });
      }
      if (Date.now() > deadline) {
        throw new SaltLabError(
          `timed out waiting for the Salt install lock ${lockFile} (held by pid ${holder})`,
          {
            daemon: 'install',
          },
        );
      }
      if (!announced) log(`waiting for another process (pid ${holder}) to finish installing Salt`);
      announced = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}

async function installedVersion(binDir: string): Promise<string | undefined> {
  const master = path.join(binDir, 'salt-master');
  if (!existsSync(master)) return undefined;
  const res = await run(master, ['--version'], 60_000);
  if (res.code !== 0) return undefined;
  return /salt-master\s+(\S+)/.exec(res.stdout)?.[1];
}

async function importsOk(python: string): Promise<boolean> {
  const res = await run(python, ['-c', 'import salt, cherrypy, zmq, dateutil, msgpack, yaml'], 60_000);
  return res.code === 0;
}

// Salt's requirement names with their markers evaluated, without version pins.
const REQUIREMENT_NAMES = `
import json
from importlib.metadata import requires
from pip._vendor.packaging.requirements import Requirement
names = []
for line in requires("salt") or []:
    req = Requirement(line)
    if req.marker is None or req.marker.evaluate({"extra": ""}):
        names.append(req.name)
print(json.dumps(sorted(set(names))))
`;

/**
 * Makes sure a virtualenv with Salt `version` exists under the cache dir and returns it. The
 * venv is built once per version (`<cache>/salt-<version>`) and reused; it counts as complete
 * only once a stamp file is written after a successful install, so a half-built one is rebuilt.
 * Concurrent callers (several test files, several labs) wait on one lock.
 *
 * Install route: `pip install salt==<version>`; if pip cannot satisfy Salt's pins (3008.5 pins
 * a certifi newer than the registry may offer), fall back to `pip install --no-deps
 * salt==<version>` followed by Salt's requirements by name (newest available), and log it.
 *
 * @example
 * ```ts
 * const { binDir } = await ensureSaltInstalled({ version: '3008.5' });
 * ```
 */
export async function ensureSaltInstalled(options: EnsureSaltOptions = {}): Promise<SaltInstall> {
  const version = options.version ?? DEFAULT_SALT_VERSION;
  if (!/^[0-9][0-9A-Za-z.+-]*$/.test(version))
    throw new SaltLabError(`invalid Salt version ${JSON.stringify(version)}`);
  const cacheDir = options.cacheDir ?? saltCacheDir();
  const python = options.python ?? process.env.HALITE_PYTHON ?? 'python3';
  const log = options.log ?? ((line: string) => process.stderr.write(`[salt-lab] ${line}\n`));
  const timeoutMs = options.timeoutMs ?? 600_000;
  const venvDir = path.join(cacheDir, `salt-${version}`);
  const binDir = path.join(venvDir, 'bin');
  const stamp = path.join(venvDir, INSTALL_STAMP);
  const result = (route: SaltInstallRoute): SaltInstall => ({ version, venvDir, binDir, route });

  if (existsSync(stamp) && existsSync(path.join(binDir, 'salt-api'))) return result('cached');

  await mkdir(cacheDir, { recursive: true });
  return withLock(`${venvDir}.lock`, timeoutMs, log, async () => {
    if (existsSync(stamp) && existsSync(path.join(binDir, 'salt-api'))) return result('cached');

    const writeStamp = (route: SaltInstallRoute) =>
      writeFile(stamp, `${JSON.stringify({ version, route, at: new Date().toISOString() })}\n`);

    // A venv built by hand (or by an interrupted run that got as far as a working Salt).
    if ((await installedVersion(binDir)) === version && (await importsOk(path.join(binDir, 'python')))) {
      log(`adopting the existing Salt ${version} virtualenv at ${venvDir}`);
      await writeStamp('adopted');
      return result('adopted');
    }

    const started = Date.now();
    log(`installing Salt ${version} from PyPI into ${venvDir} (once per version; about a minute)`);
    await rm(venvDir, { recursive: true, force: true });
    const step = async (what: string, file: string, args: string[]) => {
      const res = await run(file, args, timeoutMs);
      if (res.code !== 0) {
        throw new SaltLabError(`Salt install failed at "${what}" (exit ${res.code})`, {
          daemon: 'install',
          logTail: tail(`${res.stdout}\n${res.stderr}`),
        });
      }
      return res;
    };
    await step('create venv', python, ['-m', 'venv', venvDir]);
    const pip = path.join(binDir, 'pip');
    const venvPython = path.join(binDir, 'python');
    await step('upgrade pip', pip, ['install', '--quiet', '-U', 'pip']);

    let route: SaltInstallRoute = 'pip';
    const direct = await run(pip, ['install', '--quiet', `salt==${version}`], timeoutMs);
    if (direct.code !== 0) {
      route = 'no-deps-fallback';
      const why =
        /No matching distribution found for [^\n]*/.exec(direct.stderr)?.[0] ?? tail(direct.stderr, 1);
      log(
        `pip install salt==${version} failed (${why.slice(0, 200)}); ` +
          'falling back to --no-deps salt + its requirements by name (see docs/salt-compat.md)',
      );
      await step('install salt --no-deps', pip, ['install', '--quiet', '--no-deps', `salt==${version}`]);
      const names = JSON.parse(
        (await step('read requirements', venvPython, ['-c', REQUIREMENT_NAMES])).stdout,
      ) as string[];
      await step('install requirements by name', pip, ['install', '--quiet', ...names]);
    }
    // CherryPy came with Salt from 3007 on; older releases need it on top.
    if (!(await importsOk(venvPython)))
      await step('install cherrypy', pip, ['install', '--quiet', 'cherrypy']);
    const got = await installedVersion(binDir);
    if (got !== version) {
      throw new SaltLabError(`Salt install finished but salt-master --version reports ${got ?? 'nothing'}`, {
        daemon: 'install',
      });
    }
    await writeStamp(route);
    log(`Salt ${version} installed (${route}) in ${Math.round((Date.now() - started) / 1000)} s`);
    return result(route);
  });
}
