import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How to start one daemon of the lab. */
export interface DaemonSpec {
  /** Display name, used in errors: `salt-master`, `salt-api`, `salt-minion m1`. */
  name: string;
  /** Executable. */
  file: string;
  /** Arguments. */
  args: string[];
  /** Where its stdout and stderr go (appended across restarts). */
  logFile: string;
  /** The lab's run dir: a `<slug>.pgid` file there names its process group while it runs. */
  runDir: string;
  /**
   * The daemon's own pidfiles, deleted before each start: Salt refuses to start while the pid
   * they name still exists, and a SIGKILLed daemon's last process may linger briefly as a zombie.
   */
  pidfiles?: string[];
}

const live = new Set<Daemon>();
let handlersInstalled = false;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/**
 * The processes of a group that are still running (zombies excluded). Reads `/proc` on Linux;
 * elsewhere falls back to `kill(-pgid, 0)`.
 */
export function groupAlive(pgid: number): boolean {
  if (existsSync('/proc/self/stat')) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs the process group of every daemon still running in this process. Synchronous. */
export function killAllDaemonsSync(): void {
  for (const daemon of live) daemon.killSync();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllDaemonsSync);
  // A monitor does not change how an uncaught error ends the process; 'exit' follows anyway.
  process.on('uncaughtExceptionMonitor', killAllDaemonsSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAllDaemonsSync();
      process.off(signal, onSignal);
      // Nobody else handles it: behave as if we had not listened (terminate by this signal).
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * One daemon of the lab, started in its own process group (`detached`) so that stopping it
 * reaches every process it forked (Salt's workers, a minion's job processes). It never keeps
 * the Node process alive; if Node exits while it runs, it is SIGKILLed.
 */
export class Daemon {
  /** Display name. */
  readonly name: string;
  private child: ChildProcess | undefined;
  private pgid: number | undefined;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private logOffset = 0;

  constructor(private readonly spec: DaemonSpec) {
    this.name = spec.name;
  }

  /** The pid of the daemon's main process (= its process group id) while it runs. */
  get pid(): number | undefined {
    return this.pgid;
  }

  /** The daemon's log file. */
  get logFile(): string {
    return this.spec.logFile;
  }

  /** True between `start()` and its exit (or `stop()`). */
  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** How the main process ended, e.g. `exit code 1` or `signal SIGKILL`. */
  get exitDescription(): string {
    if (!this.exitInfo) return 'still running';
    return this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `exit code ${this.exitInfo.code}`;
  }

  private get pgidFile(): string {
    return path.join(this.spec.runDir, `${slug(this.name)}.pgid`);
  }

  /** Starts the daemon (it must not be running). */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    installExitHandlers();
    await mkdir(path.dirname(this.spec.logFile), { recursive: true });
    await mkdir(this.spec.runDir, { recursive: true });
    for (const file of this.spec.pidfiles ?? []) rmSync(file, { force: true });
    this.logOffset = existsSync(this.spec.logFile) ? statSync(this.spec.logFile).size : 0;
    const fd = openSync(this.spec.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.file, this.spec.args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
      });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`could not start ${this.name}: ${error.message}`);
    }
    child.on('error', () => {});
    this.child = child;
    this.pgid = child.pid;
    this.exitInfo = undefined;
    child.once('exit', (code, signal) => {
      this.exitInfo = { code, signal };
    });
    child.unref();
    writeFileSync(this.pgidFile, String(child.pid));
    live.add(this);
  }

  /**
   * Stops the whole process group: SIGTERM, then SIGKILL after `graceMs` (0 = SIGKILL at once),
   * and waits (bounded) until no process of the group is left.
   */
  async stop(graceMs = 0): Promise<void> {
    const pgid = this.pgid;
    if (pgid === undefined) return;
    if (graceMs > 0) {
      signalGroup(pgid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && groupAlive(pgid)) await sleep(100);
    }
    signalGroup(pgid, 'SIGKILL');
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (groupAlive(pgid) || this.running)) await sleep(50);
    this.forget();
  }

  /** SIGKILLs the process group without waiting (exit paths). */
  killSync(): void {
    if (this.pgid !== undefined) signalGroup(this.pgid, 'SIGKILL');
    this.forget();
  }

  private forget(): void {
    live.delete(this);
    if (this.pgid !== undefined && this.exitInfo === undefined)
      this.exitInfo = { code: null, signal: 'SIGKILL' };
    this.pgid = undefined;
    rmSync(this.pgidFile, { force: true });
  }

  /** The last `lines` lines of the daemon's log ('' when it has none). */
  tail(lines = 40): string {
    return tailFile(this.spec.logFile, lines);
  }

  /** The last `lines` lines this run of the daemon wrote (not those of an earlier run). */
  tailSinceStart(lines = 40): string {
    return tailFile(this.spec.logFile, lines, this.logOffset);
  }
}

/** The last `lines` lines of a text file after byte `from` (reads at most its last 64 KiB). */
export function tailFile(file: string, lines = 40, from = 0): string {
  let fd: number | undefined;
  try {
    const size = statSync(file).size;
    const length = Math.max(0, Math.min(size - from, 64 * 1024));
    const buffer = Buffer.alloc(length);
    fd = openSync(file, 'r');
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, size - length + read);
      if (n <= 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const WATCHDOG = `
owner=$1; run=$2; root=$3
while kill -0 "$owner" 2>/dev/null && [ -d "$run" ]; do sleep 1; done
[ -d "$run" ] || exit 0
for f in "$run"/*.pgid; do pg=$(cat "$f" 2>/dev/null) && [ -n "$pg" ] && kill -9 "-$pg" 2>/dev/null; done
sleep 1
rm -rf "$root"
`;

/**
 * Starts a tiny shell watchdog for a lab: once `ownerPid` is gone (even by SIGKILL, which no
 * exit handler sees) it SIGKILLs every process group listed in `runDir` and deletes `root`.
 * It exits by itself when `runDir` disappears; {@link Watchdog.stop} ends it at once.
 */
export function startWatchdog(ownerPid: number, runDir: string, root: string): Watchdog {
  const child = spawn('sh', ['-c', WATCHDOG, 'halite-lab-watchdog', String(ownerPid), runDir, root], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => {});
  child.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child.pid, 'SIGKILL');
      await Promise.race([exited, sleep(2_000)]);
    },
  };
}

/** A running lab watchdog. */
export interface Watchdog {
  /** Ends the watchdog (after a clean stop, when there is nothing left to guard). */
  stop(): Promise<void>;
}

/**
 * Cleans up labs whose owning process is gone: SIGKILLs the process groups listed in their
 * run dir and deletes them. Labs are found as `<parent>/hl-*` with a `run/owner.pid` file.
 * Returns the roots it removed. Safe while other labs run (their owners are alive).
 */
export async function sweepStaleLabs(parent = '/tmp'): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.startsWith('hl-')) continue;
    const root = path.join(parent, entry);
    const runDir = path.join(root, 'run');
    const owner = Number.parseInt(await readFile(path.join(runDir, 'owner.pid'), 'utf8').catch(() => ''), 10);
    if (!Number.isFinite(owner) || owner <= 0) continue;
    let alive = true;
    try {
      process.kill(owner, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive) continue;
    for (const file of await readdir(runDir).catch(() => [] as string[])) {
      if (!file.endsWith('.pgid')) continue;
      const pgid = Number.parseInt(await readFile(path.join(runDir, file), 'utf8').catch(() => ''), 10);
      if (Number.isFinite(pgid) && pgid > 1) signalGroup(pgid, 'SIGKILL');
    }
    await rm(root, { recursive: true, force: true });
    removed.push(root);
  }
  return removed;
}
