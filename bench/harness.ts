// Shared pieces of the fleet-scale benchmarks: options, timing, RSS, the simulator-backed ingest
// context, and one way to print a result (a table for people, `--json` for scripts).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import {
  type IngestContext,
  ingestGrains,
  ingestKeys,
  ingestPresence,
  SaltAPIClient,
  type Store,
  silentLogger,
} from '../packages/core/src/index.ts';
import type { SpawnedSimulator } from '../packages/testkit/src/sim/index.ts';

export const ms = (start: number) => Math.round(performance.now() - start);

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** This process's peak RSS so far, in MB. */
export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Another process's current RSS in MB, from /proc (Linux). */
export function rssOfPid(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** The 1-minute load average, to say how busy the shared machine was. */
export const load = () => Math.round(loadavg()[0]! * 100) / 100;

/** A SaltAPIClient for a spawned simulator. */
export function simClient(
  sim: Pick<SpawnedSimulator, 'url' | 'username' | 'password' | 'eauth'>,
): SaltAPIClient {
  return new SaltAPIClient({
    url: sim.url,
    username: sim.username,
    password: sim.password,
    eauth: sim.eauth,
    timeoutMs: 300_000,
  });
}

export function ingestContext(salt: SaltAPIClient, store: Store): IngestContext {
  return { salt, store, signal: new AbortController().signal, logger: silentLogger, now: () => new Date() };
}

/** One minion cycle as the pollers run it: keys, presence, grains (250 ids per cache.grains call). */
export async function minionCycle(ctx: IngestContext) {
  const keys = await ingestKeys(ctx);
  const presence = await ingestPresence(ctx);
  const grains = await ingestGrains(ctx, { chunkSize: 250 });
  return { keys, presence, grains };
}

/** Prints a result: JSON on one line with `--json`, else a readable block. */
export function report(title: string, result: unknown, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${title}\n${JSON.stringify(result, null, 2)}\n`);
}

/** `30m`, `90s`, `2h` or plain seconds → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--duration: expected e.g. 30m, 90s or 2h, got ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** A child Node.js process that prints one JSON line `{url, pid, …}` once it is ready. */
export interface JsonChild {
  info: { url: string; pid: number } & Record<string, unknown>;
  child: ChildProcess;
  close(): Promise<void>;
}

/** Runs a bench script in a child (same exec arguments: tsx, dev-source) and waits for its line. */
export async function spawnJsonChild(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<JsonChild> {
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  child.once('exit', () => process.off('exit', stop));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
  return {
    info: JSON.parse(line) as JsonChild['info'],
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A reference server (`halite serve`) in a child process. */
export interface ServerChild {
  /** Where it listens. */
  url: string;
  /** Its pid (the Node.js process that serves, so its RSS is the server's). */
  pid: number;
  /** ms from spawn to the "halite listening" log line. */
  listeningMs: number;
  /** The server's own startup_ms (store open + migrations + boot + listen). */
  startupMs: number;
  close(): Promise<void>;
}

/**
 * Spawns `halite serve` (`cli` is the CLI's path: the sources through tsx, or a built dist/cli.js)
 * and resolves once it logs that it listens.
 */
export async function spawnServer(
  cli: string,
  env: Record<string, string>,
  useExecArgv = true,
): Promise<ServerChild> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(useExecArgv ? process.execArgv : []), cli, 'serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HALITE_PORT: '0', HALITE_LOG_LEVEL: 'info', ...env },
  });
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  child.once('exit', () => process.off('exit', stop));
  const lines = createInterface({ input: child.stdout! });
  const listening = await new Promise<{ url: string; startup_ms: number }>((resolve, reject) => {
    lines.on('line', (line) => {
      if (!line.includes('halite listening')) return;
      resolve(JSON.parse(line) as { url: string; startup_ms: number });
    });
    child.once('exit', (code) => reject(new Error(`halite serve exited (${code}) before it listened`)));
  });
  const listeningMs = ms(started);
  // Keep draining its log so a chatty server never blocks on a full pipe.
  lines.on('line', () => {});
  return {
    url: listening.url,
    pid: child.pid!,
    listeningMs,
    startupMs: listening.startup_ms,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** CPU time (user + system) another process has used so far, in ms, from /proc (Linux, 100 Hz ticks). */
export function cpuMsOfPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
