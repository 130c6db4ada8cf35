import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LAB_EAUTH,
  type LabConfigSpec,
  type LabUser,
  labLayout,
  renderLabFiles,
  validateLabSpec,
} from './config.js';
import { Daemon, startWatchdog, sweepStaleLabs } from './daemon.js';
import { SaltLabError } from './errors.js';
import { DEFAULT_SALT_VERSION, ensureSaltInstalled } from './install.js';

/** Options of {@link startSaltLab}. */
export interface SaltLabOptions {
  /** Minions whose keys are accepted at first contact (default `['m1', 'm2', 'm3']`). */
  minions?: string[];
  /** Minions whose keys stay pending in `minions_pre`, for key flows (default none). */
  pending?: string[];
  /** Salt release from PyPI (default {@link DEFAULT_SALT_VERSION}). */
  saltVersion?: string;
  /** Lifetime of Salt eauth tokens in seconds, the master's `token_expire` (default 43 200). */
  tokenExpire?: number;
  /** The main eauth user (default `halite`); it may do everything. */
  username?: string;
  /** Its password (default `halite`). */
  password?: string;
  /** rest_cherrypy port (default: a free one). */
  apiPort?: number;
  /** Master/minion transport (default `zeromq`, Salt's default). */
  transport?: 'zeromq' | 'tcp';
  /** Bound on the whole start-up once Salt is installed, ms (default 120 000). */
  readyTimeoutMs?: number;
  /** Progress lines (default: to stderr, prefixed `[salt-lab]`). */
  log?: (line: string) => void;
  /** Directory the lab's root is created in (default `/tmp`; keep it short). */
  parentDir?: string;
}

/** What a Salt CLI command printed. */
export interface SaltCliResult {
  /** Exit status (non-zero also when Salt reports minions that did not return). */
  exitCode: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** A restricted second eauth user of the lab, for permission tests. */
export interface SaltLabUser {
  /** Login name. */
  username: string;
  /** Password. */
  password: string;
  /** Its Salt ACL. */
  perms: LabUser['perms'];
}

/** A running Salt lab on loopback. Call {@link SaltLab.stop} when done. */
export interface SaltLab {
  /** salt-api (rest_cherrypy, plain http) base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The main eauth user (ACL `.*`, `@wheel`, `@runner`, `@jobs`). */
  username: string;
  /** Its password. */
  password: string;
  /** eauth backend to log in with: `file`. */
  eauth: string;
  /** A restricted user: `test.*` on minions, `@runner` `jobs.*` and `manage.*`, no wheel. */
  viewer: SaltLabUser;
  /** Ids of the accepted minions. */
  minions: readonly string[];
  /** Ids of the minions started with a pending key. */
  pending: readonly string[];
  /** The Salt version running. */
  saltVersion: string;
  /** The master's id (runner/wheel jobs target `<masterId>_master`). */
  masterId: string;
  /** The lab's root directory (configs under `etc/salt`, logs under `logs/`). */
  rootDir: string;
  /** Ports on 127.0.0.1. */
  ports: { api: number; publish: number; ret: number };
  /** Runs `salt -c <lab> ...args` (e.g. `salt('m1', 'test.ping', '--out=json')`). */
  salt(...args: string[]): Promise<SaltCliResult>;
  /** Runs `salt-key -c <lab> ...args` (e.g. `saltKey('-L', '--out=json')`). */
  saltKey(...args: string[]): Promise<SaltCliResult>;
  /** Runs `salt-run -c <lab> ...args` (e.g. `saltRun('manage.status')`). */
  saltRun(...args: string[]): Promise<SaltCliResult>;
  /** Stops one minion (its whole process group); resolves once no process of it is left. */
  stopMinion(id: string): Promise<void>;
  /**
   * Starts a stopped minion; resolves once it answers `test.ping` (accepted key) or once the
   * master lists its key (pending or rejected key).
   */
  startMinion(id: string): Promise<void>;
  /** Restarts salt-api (every `/login` session is lost); resolves once login works again. */
  restartApi(): Promise<void>;
  /** Stops salt-api (connections are refused until {@link SaltLab.startApi}). */
  stopApi(): Promise<void>;
  /** Starts a stopped salt-api; resolves once login works. */
  startApi(): Promise<void>;
  /** The last lines of a daemon's log: `salt-master`, `salt-api` or a minion id. */
  logTail(daemon: string, lines?: number): string;
  /**
   * Kills every process of the lab and deletes its directory. Idempotent. Runner calls still in
   * flight (close the salt-api clients first) get up to 30 s to end before they are killed too.
   */
  stop(): Promise<void>;
}

type Log = (line: string) => void;

const defaultLog: Log = (line) => process.stderr.write(`[salt-lab] ${line}\n`);

/** Free TCP ports on 127.0.0.1, all distinct (held open together while picking). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A tiny salt-api caller of its own, so the lab does not depend on the client under test. */
class ApiProbe {
  private token: string | undefined;

  constructor(
    readonly url: string,
    private readonly username: string,
    private readonly password: string,
  ) {}

  async welcome(): Promise<boolean> {
    const res = await fetch(`${this.url}/`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status === 200;
  }

  async login(): Promise<string> {
    const res = await fetch(`${this.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username: this.username, password: this.password, eauth: LAB_EAUTH }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST /login answered ${res.status}: ${htmlMessage(text)}`);
    const token = (JSON.parse(text) as { return: Array<{ token: string }> }).return[0]?.token;
    if (!token) throw new Error('POST /login returned no token');
    this.token = token;
    return token;
  }

  async call(lowstate: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const token = this.token ?? (await this.login());
      const res = await fetch(`${this.url}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': token },
        body: JSON.stringify([lowstate]),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      if (res.status !== 200)
        throw new Error(`${lowstate.client} ${lowstate.fun} answered ${res.status}: ${htmlMessage(text)}`);
      return (JSON.parse(text) as { return: unknown[] }).return[0];
    }
  }

  async keys(): Promise<Record<string, string[]>> {
    const r = (await this.call({ client: 'wheel', fun: 'key.list_all' })) as {
      data?: { return?: Record<string, string[]> };
    };
    return r.data?.return ?? {};
  }

  /** Ids among `ids` that answer test.ping now. */
  async ping(ids: string[]): Promise<string[]> {
    const r = (await this.call(
      { client: 'local', tgt: ids, tgt_type: 'list', fun: 'test.ping', timeout: 1, gather_job_timeout: 1 },
      30_000,
    )) as Record<string, unknown>;
    return ids.filter((id) => r?.[id] === true);
  }
}

function htmlMessage(text: string): string {
  return (/<p>([\s\S]*?)<\/p>/.exec(text)?.[1] ?? text).trim().slice(0, 300);
}

interface WaitOptions {
  deadline: number;
  /** Daemons that must stay up while waiting; one exiting fails the wait at once. */
  watch: () => Daemon[];
  /** Daemons whose logs explain a timeout. */
  blame: () => Daemon[];
  intervalMs?: number;
  /** A fatal condition (e.g. a log line) that makes waiting pointless: its message, or undefined. */
  fatal?: () => { message: string; daemon: Daemon } | undefined;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const started = Date.now();
  let lastError = '';
  for (;;) {
    for (const d of opts.watch()) {
      if (!d.running) {
        throw new SaltLabError(`${d.name} exited (${d.exitDescription}) while waiting for ${what}`, {
          daemon: d.name,
          logTail: d.tail(),
        });
      }
    }
    const fatal = opts.fatal?.();
    if (fatal) {
      throw new SaltLabError(`${fatal.message} while waiting for ${what}`, {
        daemon: fatal.daemon.name,
        logTail: fatal.daemon.tail(),
      });
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = '';
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= opts.deadline) {
      const blamed = opts.blame();
      const seconds = Math.round((Date.now() - started) / 1000);
      const detail = lastError ? ` (last error: ${lastError})` : '';
      throw new SaltLabError(`timed out after ${seconds} s waiting for ${what}${detail}`, {
        daemon: blamed.map((d) => d.name).join(', ') || undefined,
        logTail: blamed.map((d) => (blamed.length > 1 ? `[${d.name}]\n${d.tail(20)}` : d.tail())).join('\n'),
      });
    }
    await sleep(opts.intervalMs ?? 300);
  }
}

function runCli(file: string, args: string[], timeoutMs = 120_000): Promise<SaltCliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ exitCode, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function defaultParentDir(): string {
  return process.platform !== 'win32' && existsSync('/tmp') ? '/tmp' : os.tmpdir();
}

/**
 * Starts a real Salt on loopback: one salt-master, the minions, and salt-api (rest_cherrypy,
 * plain http on 127.0.0.1, free ports), with `file` eauth (no PAM). Salt comes from PyPI into
 * a cached virtualenv (see {@link ensureSaltInstalled}). Resolves once salt-api answers, login
 * works, every accepted minion answers `test.ping` and every pending minion's key waits in
 * `minions_pre`. Every wait is bounded; a failure names the daemon and shows its log tail.
 * Every process is killed by `stop()`, when Node exits, and (via a watchdog) when Node dies.
 *
 * @example
 * ```ts
 * const lab = await startSaltLab({ minions: ['m1', 'm2'], pending: ['p1'] });
 * try {
 *   const client = new SaltAPIClient({ url: lab.url, username: lab.username, password: lab.password, eauth: lab.eauth });
 *   await client.localCall({ tgt: '*', fun: 'test.ping' });
 * } finally {
 *   await lab.stop();
 * }
 * ```
 */
export async function startSaltLab(options: SaltLabOptions = {}): Promise<SaltLab> {
  const log = options.log ?? defaultLog;
  const minions = [...(options.minions ?? ['m1', 'm2', 'm3'])];
  const pending = [...(options.pending ?? [])];
  const version = options.saltVersion ?? DEFAULT_SALT_VERSION;
  const username = options.username ?? 'halite';
  const password = options.password ?? 'halite';
  for (const v of [username, password]) {
    if (/[:\n\r]/.test(v) || v === '')
      throw new SaltLabError('lab username/password must be non-empty, without ":" or newlines');
  }
  const viewer: SaltLabUser = {
    username: username === 'viewer' ? 'viewer2' : 'viewer',
    password: 'viewer',
    perms: ['test.*', { '@runner': ['jobs.*', 'manage.*'] }],
  };
  const parentDir = options.parentDir ?? defaultParentDir();
  validateLabSpec({ root: path.join(parentDir, 'hl-XXXXXX'), minions, pending });

  const install = await ensureSaltInstalled({ version, log });
  await sweepStaleLabs(parentDir).then((gone) => {
    if (gone.length > 0) log(`swept ${gone.length} stale lab(s): ${gone.join(', ')}`);
  });

  const started = Date.now();
  const deadline = started + (options.readyTimeoutMs ?? 120_000);
  const root = await mkdtemp(path.join(parentDir, 'hl-'));
  const layout = labLayout(root);
  const [publishPort, retPort, freeApiPort] = (await freePorts(3)) as [number, number, number];
  const apiPort = options.apiPort ?? freeApiPort;
  const masterId = 'halite-lab';
  const spec: LabConfigSpec = {
    root,
    masterId,
    minions,
    pending,
    publishPort,
    retPort,
    apiPort,
    tokenExpire: options.tokenExpire ?? 43_200,
    transport: options.transport ?? 'zeromq',
    user: os.userInfo().username,
    users: [{ username, password, perms: ['.*', '@wheel', '@runner', '@jobs'] }, viewer],
  };
  try {
    for (const file of renderLabFiles(spec)) {
      await mkdir(path.dirname(file.path), { recursive: true });
      await writeFile(file.path, file.content, { mode: file.mode ?? 0o644 });
    }
    await mkdir(layout.runDir, { recursive: true });
    await writeFile(path.join(layout.runDir, 'owner.pid'), String(process.pid));
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  const watchdog = startWatchdog(process.pid, layout.runDir, root);

  const bin = (tool: string) => path.join(install.binDir, tool);
  const daemonOf = (name: string, tool: string, confDir: string, daemonRoot: string) =>
    new Daemon({
      name,
      file: bin(tool),
      args: ['-c', confDir, '-l', 'info'],
      logFile: path.join(layout.logsDir, `${name.replace(/\s+/g, '-')}.log`),
      runDir: layout.runDir,
      pidfiles: [`${tool}.pid`, `process_responsibility_${tool}.pid`].map((f) =>
        path.join(daemonRoot, 'var', 'run', f),
      ),
    });
  const master = daemonOf('salt-master', 'salt-master', layout.confDir, root);
  const api = daemonOf('salt-api', 'salt-api', layout.confDir, root);
  const minionDaemons = new Map<string, Daemon>(
    [...minions, ...pending].map((id) => [
      id,
      daemonOf(`salt-minion ${id}`, 'salt-minion', layout.minionConfDir(id), layout.minionRoot(id)),
    ]),
  );
  const all = () => [master, api, ...minionDaemons.values()];
  const url = `http://127.0.0.1:${apiPort}`;
  const probe = new ApiProbe(url, username, password);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await settleRunners(root);
    await Promise.all(all().map((d) => d.stop(0)));
    await rm(root, { recursive: true, force: true });
    await watchdog.stop();
  };

  const waitApi = async (until: number) => {
    await waitFor('salt-api to answer GET /', async () => ((await probe.welcome()) ? true : undefined), {
      deadline: until,
      watch: () => [master, api],
      blame: () => [api],
      intervalMs: 200,
      fatal: () => {
        const busy = /Port (\d+) not free/.exec(api.tailSinceStart(60));
        return busy
          ? { message: `salt-api cannot bind 127.0.0.1:${busy[1]} (port in use)`, daemon: api }
          : undefined;
      },
    });
    // 503 "Salt Master is not available" until the master's workers are up.
    await waitFor('POST /login to succeed (master ready)', () => probe.login(), {
      deadline: until,
      watch: () => [master, api],
      blame: () => [master, api],
      intervalMs: 300,
    });
  };

  const minion = (id: string): Daemon => {
    const d = minionDaemons.get(id);
    if (!d)
      throw new SaltLabError(
        `unknown minion ${JSON.stringify(id)} (lab has ${[...minionDaemons.keys()].join(', ')})`,
      );
    return d;
  };

  const waitMinions = async (accepted: string[], pre: string[], until: number) => {
    const daemons = () => [...accepted, ...pre].map(minion);
    await waitFor(
      `minion keys (${[...accepted, ...pre].join(', ')}) to reach the master`,
      async () => {
        const keys = await probe.keys();
        const known = (id: string) =>
          Object.values(keys).some((list) => Array.isArray(list) && list.includes(id));
        return accepted.every((id) => keys.minions?.includes(id)) && pre.every(known) ? true : undefined;
      },
      {
        deadline: until,
        watch: () => [master, api, ...daemons()],
        blame: () => [master, ...daemons()],
        intervalMs: 300,
      },
    );
    const answered = new Set<string>();
    await waitFor(
      `test.ping from ${accepted.join(', ')}`,
      async () => {
        const waiting = accepted.filter((id) => !answered.has(id));
        if (waiting.length === 0) return true;
        for (const id of await probe.ping(waiting)) answered.add(id);
        return answered.size === accepted.length ? true : undefined;
      },
      {
        deadline: until,
        watch: () => [master, api, ...daemons()],
        blame: () => [master, ...accepted.filter((id) => !answered.has(id)).map(minion)],
        intervalMs: 200,
      },
    );
  };

  try {
    log(
      `starting Salt ${version} lab in ${root} (api port ${apiPort}, publish ${publishPort}, ret ${retPort})`,
    );
    await Promise.all([master.start(), api.start()]);
    await waitApi(deadline);
    await Promise.all([...minionDaemons.values()].map((d) => d.start()));
    await waitMinions(minions, pending, deadline);
  } catch (err) {
    await stop();
    throw err;
  }
  log(`lab ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${url}`);
  await writeFile(
    path.join(root, 'lab.json'),
    `${JSON.stringify({ url, username, password, eauth: LAB_EAUTH, minions, pending, version, pid: process.pid }, null, 2)}\n`,
  );

  const cli =
    (tool: string) =>
    (...args: string[]) =>
      runCli(bin(tool), ['-c', layout.confDir, ...args]);
  const stepTimeout = () => Date.now() + (options.readyTimeoutMs ?? 120_000);

  return {
    url,
    username,
    password,
    eauth: LAB_EAUTH,
    viewer,
    minions,
    pending,
    saltVersion: version,
    masterId,
    rootDir: root,
    ports: { api: apiPort, publish: publishPort, ret: retPort },
    salt: cli('salt'),
    saltKey: cli('salt-key'),
    saltRun: cli('salt-run'),
    async stopMinion(id) {
      await minion(id).stop(1_000);
    },
    async startMinion(id) {
      const d = minion(id);
      if (d.running) throw new SaltLabError(`salt-minion ${id} is already running`, { daemon: d.name });
      await d.start();
      const keys = await probe.keys();
      if (keys.minions?.includes(id)) await waitMinions([id], [], stepTimeout());
      else await waitMinions([], [id], stepTimeout());
    },
    async restartApi() {
      await api.stop(2_000);
      await api.start();
      await waitApi(stepTimeout());
    },
    async stopApi() {
      await api.stop(2_000);
    },
    async startApi() {
      if (api.running) throw new SaltLabError('salt-api is already running', { daemon: api.name });
      await api.start();
      await waitApi(stepTimeout());
    },
    logTail(daemon, lines = 40) {
      if (daemon === 'salt-master') return master.tail(lines);
      if (daemon === 'salt-api') return api.tail(lines);
      return minion(daemon.replace(/^salt-minion\s+/, '')).tail(lines);
    },
    stop,
  };
}

/**
 * The pids of the lab's runner processes. A runner called through salt-api runs in a process
 * the master's worker daemonizes (`ProcessFunc(AsyncClientMixin._proc_function, …)`, own
 * session, parent 1): outside every process group the daemons' stop kills. One still in flight
 * at stop (a poller's `jobs.active`) would write its return into the master's job cache after
 * the lab directory was removed (ENOTEMPTY, or a directory left behind). Linux only, like the lab.
 */
function runnerPids(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(`${root}/`) && cmdline.includes('ProcessFunc(')) pids.push(Number(entry));
  }
  return pids;
}

/** Waits until no runner of the lab has run for two checks in a row (at most 30 s), then kills any left. */
async function settleRunners(root: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    quiet = runnerPids(root).length === 0 ? quiet + 1 : 0;
    if (quiet < 2) await sleep(200);
  }
  for (const pid of runnerPids(root)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
