// Memory benchmark (issue item 4): the reference server (`halite serve`, its own process) polling
// the salt-api simulator at 50,000 minions while the simulator's bus carries 100 events/s and
// 1% of grains / 0.5% of presence change every minute; the server's RSS is sampled from /proc
// every minute for 30 minutes. Polling is faster than the defaults so the run sees many cycles:
// keys every 60 s, presence 30 s, grains 120 s, jobs 60 s, event stream on.
//
//   tsx --conditions=dev-source bench/memory.bench.ts [--smoke] [--minions N] [--duration 30m] [--sample 60s] [--events 100] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';
import { spawnSaltSimulator } from '../packages/testkit/src/sim/index.ts';
import { load, parseDuration, report, rssOfPid, spawnServer } from './harness.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    minions: { type: 'string' },
    duration: { type: 'string' },
    sample: { type: 'string' },
    events: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.minions ?? (values.smoke ? 1_000 : 50_000));
const DURATION = parseDuration(values.duration ?? (values.smoke ? '5s' : '30m'));
const SAMPLE = parseDuration(values.sample ?? (values.smoke ? '1s' : '60s'));
const EVENTS = Number(values.events ?? 100);
const CHURN_EVERY = values.smoke ? 5_000 : 60_000;
const CLI = fileURLToPath(new URL('../packages/http-adapter/src/cli.ts', import.meta.url));

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const sim = await spawnSaltSimulator(['--minions', String(N), '--jobs', '1000']);
const dir = mkdtempSync(join(tmpdir(), 'halite-memory-'));
const database = join(dir, 'halite.sqlite');
try {
  const store = await createSqliteStore({ filename: database });
  await store.migrate();
  await store.settings.update({
    minionInitialDelaySeconds: 0,
    minionKeysIntervalSeconds: values.smoke ? 5 : 60,
    minionPresenceIntervalSeconds: values.smoke ? 3 : 30,
    minionGrainsIntervalSeconds: values.smoke ? 8 : 120,
    jobsPollIntervalSeconds: values.smoke ? 5 : 60,
    eventStreamEnabled: true,
  });
  await store.close();
  const server = await spawnServer(CLI, {
    HALITE_SECRET: 'm'.repeat(40),
    HALITE_DATABASE_URL: database,
    HALITE_ADMIN_PASSWORD: 'bench-admin-password-1',
    HALITE_SALT_URL: sim.url,
    HALITE_SALT_USERNAME: sim.username,
    HALITE_SALT_PASSWORD: sim.password,
    HALITE_SALT_EAUTH: sim.eauth,
  });
  try {
    // Wait for the first full grains pass: every accepted minion's cache.grains answered.
    const chunks = Math.ceil((N * 0.98) / 250);
    const warmStart = performance.now();
    for (;;) {
      const stats = (await sim.control('stats')) as { calls: Record<string, number> };
      if ((stats.calls['runner cache.grains'] ?? 0) >= chunks) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const warmupMs = Math.round(performance.now() - warmStart);
    await sim.control('events', { rate: EVENTS });
    const churn = setInterval(
      () => void sim.control('churn', { grains: 0.01, presence: 0.005 }),
      CHURN_EVERY,
    );
    const samples: Array<{ minute: number; rssMb: number; load: number }> = [];
    const started = performance.now();
    for (;;) {
      const minute = Math.round(((performance.now() - started) / 60_000) * 100) / 100;
      samples.push({ minute, rssMb: rssOfPid(server.pid), load: load() });
      if (!values.json) process.stderr.write(`  t=${minute} min rss=${samples.at(-1)!.rssMb} MB\n`);
      if (performance.now() - started >= DURATION) break;
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE, DURATION - (performance.now() - started))));
    }
    clearInterval(churn);
    const stats = (await sim.control('stats')) as { calls: Record<string, number>; eventsWritten: number };
    const rss = samples.map((s) => s.rssMb);
    const half = samples.slice(Math.floor(samples.length / 2));
    report(
      `server RSS at ${N} minions, ${EVENTS} events/s, ${DURATION / 60_000} min (flat: no growth beyond noise)`,
      {
        minions: N,
        eventsPerSecond: EVENTS,
        minutes: DURATION / 60_000,
        warmupMs,
        startMb: rss[0],
        endMb: rss.at(-1),
        minMb: Math.min(...rss),
        maxMb: Math.max(...rss),
        slopeMbPerMin: Math.round(slope(samples.map((s) => [s.minute, s.rssMb])) * 100) / 100,
        secondHalfSlopeMbPerMin: Math.round(slope(half.map((s) => [s.minute, s.rssMb])) * 100) / 100,
        grainsCalls: stats.calls['runner cache.grains'] ?? 0,
        keysCalls: stats.calls['wheel key.list_all'] ?? 0,
        presenceCalls: stats.calls['runner manage.present'] ?? 0,
        jobsCalls: stats.calls['runner jobs.list_jobs'] ?? 0,
        eventsDelivered: stats.eventsWritten,
        samples,
      },
      values.json,
    );
  } finally {
    await server.close();
  }
} finally {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
