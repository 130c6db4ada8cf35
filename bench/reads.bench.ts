// Reads benchmark (issue item 2): the reference handler over a SQLite database filled by the real
// ingest from the salt-api simulator (50,000 minions; 100,000 jobs through ingestJobs), loaded
// by autocannon (32 connections) from this process while the server runs in its own. Baseline:
// the same pages from a live-call console (bench/live-console.ts) that asks the simulator for
// every page, as consoles without a database do.
//
//   tsx --conditions=dev-source bench/reads.bench.ts [--smoke] [--minions N] [--jobs N] [--seconds S] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ingestJobs } from '../packages/core/src/index.ts';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';
import { spawnSaltSimulator } from '../packages/testkit/src/sim/index.ts';
import { ingestContext, load, minionCycle, ms, report, simClient, spawnJsonChild } from './harness.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    minions: { type: 'string' },
    jobs: { type: 'string' },
    seconds: { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
  },
});
const N = Number(values.minions ?? (values.smoke ? 2_000 : 50_000));
const JOBS = Number(values.jobs ?? (values.smoke ? 5_000 : 100_000));
const SECONDS = Number(values.seconds ?? (values.smoke ? 1 : 10));
const CONNECTIONS = 32;
const TARGET = { p99Ms: 15, rps: 2_000 };
const here = new URL('.', import.meta.url).pathname;

interface Run {
  name: string;
  path: string;
  connections: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  target?: string;
}

async function load_(
  base: string,
  name: string,
  path: string,
  connections: number,
  seconds: number,
): Promise<Run> {
  // A short warm-up so the first requests' JIT and page-cache work is not in the figure.
  if (!values.smoke) await autocannon({ url: base + path, connections, duration: 1 });
  const r = await autocannon({ url: base + path, connections, duration: seconds });
  return {
    name,
    path,
    connections,
    requests: r.requests.total,
    rps: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

const sim = await spawnSaltSimulator(['--minions', String(N), '--jobs', String(JOBS)]);
const dir = mkdtempSync(join(tmpdir(), 'halite-reads-'));
const filename = join(dir, 'halite.sqlite');
try {
  const store = await createSqliteStore({ filename });
  await store.migrate();
  const ctx = ingestContext(simClient(sim), store);
  let t = performance.now();
  await minionCycle(ctx);
  const ingestMs = ms(t);
  t = performance.now();
  const jobs = await ingestJobs(ctx, { lookbackHours: 25 });
  const jobsIngestMs = ms(t);
  const counts = { minions: await store.minions.count(), jobs: jobs.inserted };
  await store.close();

  // A prefix that matches a page or so of ids, and a function about a fifth of the jobs have.
  const keys = (await simClient(sim).wheelCall('key.list_all')) as { minions: string[] };
  const prefix = keys.minions[Math.floor(keys.minions.length / 2)]!.slice(0, 8);
  const paths: Array<[string, string]> = [
    ['minions, first page', '/api/minions?limit=50'],
    ['minions, os_family=RedHat', '/api/minions?limit=50&os_family=RedHat'],
    [`minions, id prefix "${prefix}"`, `/api/minions?limit=50&search=${encodeURIComponent(prefix)}`],
    ['jobs, function=state.apply', '/api/jobs?limit=50&function=state.apply'],
  ];

  const server = await spawnJsonChild(join(here, 'reads-server.ts'), [filename]);
  const halite: Run[] = [];
  try {
    for (const [name, path] of paths) {
      const run = await load_(server.info.url, name, path, CONNECTIONS, SECONDS);
      run.target = run.p99Ms <= TARGET.p99Ms && run.rps >= TARGET.rps && run.non2xx === 0 ? 'met' : 'missed';
      halite.push(run);
    }
  } finally {
    await server.close();
  }

  const live: Run[] = [];
  if (!values['no-baseline']) {
    const console_ = await spawnJsonChild(join(here, 'live-console.ts'), [
      sim.url,
      sim.username,
      sim.password,
      sim.eauth,
    ]);
    try {
      // The smoke run keeps one live page: enough that this code cannot rot.
      for (const [name, path] of values.smoke ? paths.slice(0, 1) : paths) {
        // Filtering by OS live means every matching minion's grains per page: 4 connections, not
        // 32, or the simulator and this console would hold gigabytes of answers in flight.
        const connections = path.includes('os_family') ? 4 : CONNECTIONS;
        live.push(await load_(console_.info.url, name, path, connections, SECONDS));
      }
    } finally {
      await console_.close();
    }
  }
  report(
    `reads at ${N} minions, ${counts.jobs} jobs (p99 ≤ ${TARGET.p99Ms} ms and ≥ ${TARGET.rps} req/s each)`,
    {
      fleet: N,
      ...counts,
      ingestMs,
      jobsIngestMs,
      seconds: SECONDS,
      load: load(),
      halite,
      liveBaseline: live,
    },
    values.json,
  );
} finally {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
