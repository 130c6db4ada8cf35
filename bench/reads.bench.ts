// Reads benchmark: the reference handler over a SQLite database filled by the real ingest from
// the salt-api simulator (50,000 minions; 100,000 jobs through ingestJobs), loaded by autocannon
// (32 connections) from this process while the server runs in its own. Each endpoint twice: as
// fast as it answers (req/s), then at the target rate (its p99). The same with the read cache
// off shows what a request costs when every one reaches the database. Baseline: the same pages
// from a live-call console (bench/live-console.ts) that asks the simulator for every page, as
// consoles without a database do.
//
//   tsx --conditions=dev-source bench/reads.bench.ts [--smoke] [--minions N] [--jobs N] [--seconds S]
//     [--database FILE] [--no-baseline] [--no-uncached] [--json]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ingestJobs } from '../packages/core/src/index.ts';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';
import { spawnSaltSimulator } from '../packages/testkit/src/sim/index.ts';
import {
  cpuMsOfPid,
  ingestContext,
  load,
  minionCycle,
  ms,
  report,
  simClient,
  spawnJsonChild,
} from './harness.ts';
import { type PacedLoadResult, pacedLoad } from './paced-load.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    minions: { type: 'string' },
    jobs: { type: 'string' },
    seconds: { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    'no-uncached': { type: 'boolean', default: false },
    database: { type: 'string' },
  },
});
const N = Number(values.minions ?? (values.smoke ? 1_000 : 50_000));
const JOBS = Number(values.jobs ?? (values.smoke ? 1_000 : 100_000));
const SECONDS = Number(values.seconds ?? (values.smoke ? 1 : 10));
const CONNECTIONS = 32;
const TARGET = { p99Ms: 15, rps: 2_000 };
const here = new URL('.', import.meta.url).pathname;

/** One run's figures: the load generator's (the paced one's shape), the server's CPU. */
interface Run extends PacedLoadResult {
  name: string;
  path: string;
  connections: number;
  /** The offered rate (req/s, all connections together); absent: as fast as answers come. */
  rate?: number;
  /** Server CPU (user + system) per request, ms. */
  cpuMsPerRequest: number;
  /** 1000 / cpuMsPerRequest: the rate one core of its own would sustain. */
  oneCoreRps: number;
}

/** One endpoint against the target: its req/s flat out, and its p99 at the target rate. */
interface Result {
  name: string;
  path: string;
  saturated: Run;
  atTargetRate: Run;
  target: 'met' | 'missed';
}

async function load_(
  base: string,
  pid: number,
  name: string,
  path: string,
  connections: number,
  seconds: number,
  rate?: number,
): Promise<Run> {
  // A short warm-up so the first requests' JIT and page-cache work is not in the figure.
  if (!values.smoke) await autocannon({ url: base + path, connections, duration: 1 });
  await drained(base);
  const cpuBefore = cpuMsOfPid(pid);
  // At a rate: evenly paced requests (autocannon's own rate limit sends each second's quota in
  // one burst); flat out: autocannon.
  const r = rate
    ? fromPaced(await pacedLoad({ url: base + path, rate, connections, seconds }))
    : await autocannon({ url: base + path, connections, duration: seconds });
  await drained(base);
  // CPU per request (abandoned ones finish during the drain): what bounds req/s on a core of
  // its own, whatever else the machine runs.
  const served = r.requests.total + r.errors;
  const cpuMsPerRequest = served > 0 ? Math.round(((cpuMsOfPid(pid) - cpuBefore) / served) * 100) / 100 : 0;
  return {
    name,
    path,
    connections,
    ...(rate ? { rate } : {}),
    requests: r.requests.total,
    rps: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    cpuMsPerRequest,
    oneCoreRps: cpuMsPerRequest > 0 ? Math.round(1000 / cpuMsPerRequest) : 0,
  };
}

/** A paced run in autocannon's result shape (the fields this benchmark reads). */
function fromPaced(r: PacedLoadResult) {
  return {
    requests: { total: r.requests, average: r.rps },
    latency: { p50: r.p50Ms, p90: r.p90Ms, p99: r.p99Ms, max: r.maxMs },
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/**
 * Waits until the server has worked through what autocannon left queued (a request abandoned by
 * the client is still served), so one slow endpoint does not eat into the next one's run.
 */
async function drained(base: string): Promise<void> {
  const deadline = performance.now() + 300_000;
  while (performance.now() < deadline) {
    const t = performance.now();
    await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
    if (performance.now() - t < 50) return;
  }
}

const sim = await spawnSaltSimulator(['--minions', String(N), '--jobs', String(JOBS)]);
const dir = mkdtempSync(join(tmpdir(), 'halite-reads-'));
// --database FILE keeps the filled database (and reuses it when it exists): filling takes minutes.
const filename = values.database ?? join(dir, 'halite.sqlite');
try {
  const reuse = values.database !== undefined && existsSync(values.database);
  const store = await createSqliteStore({ filename });
  await store.migrate();
  const ctx = ingestContext(simClient(sim), store);
  let ingestMs = 0;
  let jobsIngestMs = 0;
  if (!reuse) {
    let t = performance.now();
    await minionCycle(ctx);
    ingestMs = ms(t);
    t = performance.now();
    await ingestJobs(ctx, { lookbackHours: 25 });
    jobsIngestMs = ms(t);
  }
  const counts = { minions: await store.minions.count(), jobs: (await store.jobs.list({ limit: 1 })).total };
  await store.close();

  // A prefix that matches two or three pages of ids, and a function about a fifth of the jobs have.
  const keys = (await simClient(sim).wheelCall('key.list_all')) as { minions: string[] };
  const prefix = keys.minions[Math.floor(keys.minions.length / 2)]!.slice(0, 5);
  const paths: Array<[string, string]> = [
    ['minions, first page', '/api/minions?limit=50'],
    ['minions, os_family=RedHat', '/api/minions?limit=50&os_family=RedHat'],
    ['jobs, function=state.apply', '/api/jobs?limit=50&function=state.apply'],
    [`minions, id prefix "${prefix}"`, `/api/minions?limit=50&id_prefix=${encodeURIComponent(prefix)}`],
  ];
  // Not a target of its own: `search` is a substring of the id or IP, so a miss scans every row.
  // Last, so what it leaves queued cannot land in another endpoint's run.
  const substring: [string, string] = [
    `minions, substring "${prefix}"`,
    `/api/minions?limit=50&search=${encodeURIComponent(prefix)}`,
  ];

  /** Each endpoint flat out (req/s), then at the target rate (p99), on one server. */
  async function measure(serverArgs: string[], endpoints: Array<[string, string]>): Promise<Result[]> {
    const server = await spawnJsonChild(join(here, 'reads-server.ts'), [filename, ...serverArgs]);
    const results: Result[] = [];
    try {
      const { url, pid } = server.info;
      for (const [name, path] of endpoints) {
        const saturated = await load_(url, pid, name, path, CONNECTIONS, SECONDS);
        const atTargetRate = await load_(url, pid, name, path, CONNECTIONS, SECONDS, TARGET.rps);
        const met =
          saturated.rps >= TARGET.rps &&
          atTargetRate.p99Ms <= TARGET.p99Ms &&
          saturated.non2xx + atTargetRate.non2xx === 0;
        results.push({ name, path, saturated, atTargetRate, target: met ? 'met' : 'missed' });
      }
    } finally {
      await server.close();
    }
    return results;
  }

  const halite = await measure([], [...paths, substring]);
  // The smoke run keeps one uncached endpoint: enough that this code cannot rot.
  const uncached = values['no-uncached']
    ? []
    : await measure(['--no-cache'], values.smoke ? paths.slice(0, 1) : [...paths, substring]);

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
        live.push(await load_(console_.info.url, console_.info.pid, name, path, connections, SECONDS));
      }
    } finally {
      await console_.close();
    }
  }
  report(
    `reads at ${N} minions, ${counts.jobs} jobs (≥ ${TARGET.rps} req/s flat out, p99 ≤ ${TARGET.p99Ms} ms at ${TARGET.rps} req/s)`,
    {
      fleet: N,
      ...counts,
      ingestMs,
      jobsIngestMs,
      seconds: SECONDS,
      load: load(),
      halite,
      uncached,
      liveBaseline: live,
    },
    values.json,
  );
} finally {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
