/**
 * The simulator in its own process, for benchmarks: its memory and CPU are then not the
 * measured process's. Driven through its control API (`/_sim/…`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A simulator running in a child process. */
export interface SpawnedSimulator {
  /** Base URL. */
  url: string;
  /** The account it accepts. */
  username: string;
  /** Its password. */
  password: string;
  /** Its eauth backend. */
  eauth: string;
  /** The child's pid. */
  pid: number;
  /** POSTs to its control API (`/_sim/<path>`) and returns the JSON answer. */
  control(path: string, body?: unknown): Promise<unknown>;
  /** Stops the child. */
  close(): Promise<void>;
}

/**
 * Starts `cli.ts --json` with the given CLI flags (e.g. `['--minions', '50000']`) in a child
 * Node.js (same exec arguments, so it runs on sources through tsx) and waits for its URL.
 */
export async function spawnSaltSimulator(flags: string[]): Promise<SpawnedSimulator> {
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, cli, '--json', '--port', '0', '--events', '0', ...flags],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // A parent that dies (a failed benchmark) takes the simulator with it.
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  child.once('exit', () => process.off('exit', stop));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before it was ready`)));
  });
  const info = JSON.parse(line) as { url: string; username: string; password: string; eauth: string };
  return {
    ...info,
    pid: child.pid!,
    control: async (path, body) => {
      const response = await fetch(`${info.url}/_sim/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(`simulator /_sim/${path}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
