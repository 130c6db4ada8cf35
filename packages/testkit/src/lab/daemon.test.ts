import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, groupAlive, sweepStaleLabs, tailFile } from './daemon.js';

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('Daemon', () => {
  it('stops every process of its group, including forked children', async () => {
    const dir = await tempDir('hl-daemon-');
    // A parent that forks a child which ignores SIGTERM, like a busy Salt worker.
    const daemon = new Daemon({
      name: 'forker',
      file: 'sh',
      args: ['-c', 'sh -c "trap \\"\\" TERM; sleep 60" & echo started; wait'],
      logFile: path.join(dir, 'logs', 'forker.log'),
      runDir: path.join(dir, 'run'),
    });
    await daemon.start();
    const pgid = daemon.pid!;
    expect(await readFile(path.join(dir, 'run', 'forker.pgid'), 'utf8')).toBe(String(pgid));
    for (let i = 0; i < 50 && !tailFile(daemon.logFile).includes('started'); i++) await sleep(20);
    expect(groupAlive(pgid)).toBe(true);

    await daemon.stop(200);

    expect(groupAlive(pgid)).toBe(false);
    expect(daemon.running).toBe(false);
    expect(existsSync(path.join(dir, 'run', 'forker.pgid'))).toBe(false);
  });

  it('reports how it exited and keeps its output for the error message', async () => {
    const dir = await tempDir('hl-daemon-');
    const daemon = new Daemon({
      name: 'failing',
      file: 'sh',
      args: ['-c', 'echo "boom: bad config"; exit 3'],
      logFile: path.join(dir, 'failing.log'),
      runDir: path.join(dir, 'run'),
    });
    await daemon.start();
    for (let i = 0; i < 100 && daemon.running; i++) await sleep(20);
    expect(daemon.running).toBe(false);
    expect(daemon.exitDescription).toBe('exit code 3');
    expect(daemon.tail()).toBe('boom: bad config');
    await daemon.stop();
  });

  it('deletes its stale pidfiles before starting', async () => {
    const dir = await tempDir('hl-daemon-');
    const pidfile = path.join(dir, 'salt-minion.pid');
    await writeFile(pidfile, '12345');
    const daemon = new Daemon({
      name: 'quick',
      file: 'true',
      args: [],
      logFile: path.join(dir, 'q.log'),
      runDir: path.join(dir, 'run'),
      pidfiles: [pidfile],
    });
    await daemon.start();
    expect(existsSync(pidfile)).toBe(false);
    await daemon.stop();
  });
});

describe('tailFile', () => {
  it('returns the last lines, or nothing for a missing file', async () => {
    const dir = await tempDir('hl-tail-');
    await writeFile(path.join(dir, 'log'), 'a\nb\nc\nd\n');
    expect(tailFile(path.join(dir, 'log'), 2)).toBe('c\nd');
    expect(tailFile(path.join(dir, 'missing'))).toBe('');
  });
});

describe('sweepStaleLabs', () => {
  it('kills the process groups of a lab whose owner died and removes it, leaving live labs alone', async () => {
    const parent = await tempDir('sweep-');
    const stale = path.join(parent, 'hl-stale');
    const live = path.join(parent, 'hl-live');
    await mkdir(path.join(stale, 'run'), { recursive: true });
    await mkdir(path.join(live, 'run'), { recursive: true });
    const orphan = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    orphan.unref();
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    await writeFile(path.join(stale, 'run', 'owner.pid'), String(dead.pid));
    await writeFile(path.join(stale, 'run', 'salt-minion_m1.pgid'), String(orphan.pid));
    await writeFile(path.join(live, 'run', 'owner.pid'), String(process.pid));

    expect(await sweepStaleLabs(parent)).toEqual([stale]);

    for (let i = 0; i < 50 && groupAlive(orphan.pid!); i++) await sleep(20);
    expect(groupAlive(orphan.pid!)).toBe(false);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});
