/**
 * The lab itself: parallel labs, cleanup, and failures that name the daemon at fault.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { SaltLabError } from './errors.js';
import { type SaltLab, startSaltLab } from './lab.js';

/** Pids of the processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const labDirs = () => new Set(readdirSync('/tmp').filter((d) => d.startsWith('hl-')));
const labs: SaltLab[] = [];

afterAll(async () => {
  await Promise.all(labs.map((l) => l.stop()));
});

describe('startSaltLab', () => {
  it('runs two labs side by side on distinct ports and dirs, each with its own minions', async () => {
    const [a, b] = await Promise.all([startSaltLab({ minions: ['a1'] }), startSaltLab({ minions: ['b1'] })]);
    labs.push(a, b);
    expect(
      new Set([a.ports.api, a.ports.publish, a.ports.ret, b.ports.api, b.ports.publish, b.ports.ret]).size,
    ).toBe(6);
    expect(a.rootDir).not.toBe(b.rootDir);
    expect(a.rootDir.length).toBeLessThan(20);

    const keysA = JSON.parse((await a.saltKey('-L', '--out=json')).stdout) as Record<string, string[]>;
    expect(keysA).toMatchObject({ minions: ['a1'], minions_pre: [] });
    const ping = await b.salt('*', 'test.ping', '--out=json', '--static');
    expect(ping.exitCode).toBe(0);
    expect(JSON.parse(ping.stdout)).toEqual({ b1: true });
    const present = await a.saltRun('manage.present', '--out=json');
    expect(JSON.parse(present.stdout)).toEqual(['a1']);
  });

  it('stop() kills every process it started and removes its dir; a second stop() is a no-op', async () => {
    const lab = labs[0]!;
    const before = processesMentioning(lab.rootDir);
    // master (+ workers), salt-api (+ netapi child), minion (+ process manager), the watchdog
    expect(before.length).toBeGreaterThan(6);
    await lab.stop();
    expect(processesMentioning(lab.rootDir)).toEqual([]);
    expect(labDirs().has(lab.rootDir.slice('/tmp/'.length))).toBe(false);
    await lab.stop();
    // The other lab is untouched.
    expect(JSON.parse((await labs[1]!.salt('b1', 'test.ping', '--out=json')).stdout)).toEqual({ b1: true });
  });

  it('fails fast, naming salt-api and showing its log, when the API port is taken; leaves nothing behind', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dirsBefore = labDirs();
    try {
      const error = await startSaltLab({ minions: ['c1'], apiPort: port, readyTimeoutMs: 60_000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SaltLabError);
      expect((error as SaltLabError).daemon).toBe('salt-api');
      expect((error as SaltLabError).message).toContain(`salt-api cannot bind 127.0.0.1:${port}`);
      expect((error as SaltLabError).logTail).toContain(`Port ${port} not free`);
    } finally {
      blocker.close();
    }
    expect([...labDirs()].filter((d) => !dirsBefore.has(d))).toEqual([]);
    const ours = new Set(labs[1] ? processesMentioning(labs[1].rootDir) : []);
    const left = processesMentioning('/tmp/hl-').filter((pid) => !ours.has(pid));
    expect(left.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))).toEqual([]);
  });
});
