// Minion ingest benchmark (issue item 1): the real pollers' code (ingestKeys, ingestPresence,
// ingestGrains with 250 ids per cache.grains call) with a real SaltAPIClient against the salt-api
// simulator (its own process) into a SQLite file. Measures the first cycle into an empty store
// and the steady-state cycle after 1% of grains and 1% of presence changed; the baseline is the
// same salt-api requests done with fetch + JSON.parse and nothing else, in the same run.
//
//   tsx --conditions=dev-source bench/ingest.bench.ts [--smoke] [--minions 10000,50000] [--rounds 3] [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';
import { type SpawnedSimulator, spawnSaltSimulator } from '../packages/testkit/src/sim/index.ts';
import { ingestContext, load, median, minionCycle, ms, peakRssMb, report, simClient } from './harness.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    minions: { type: 'string' },
    rounds: { type: 'string' },
    json: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
  },
});
const SIZES = (values.minions ?? (values.smoke ? '1000' : '10000,50000')).split(',').map(Number);
const ROUNDS = Number(values.rounds ?? (values.smoke ? 1 : 3));
const TARGET = { steadyOverBaseline: 1.5, peakRssMb: 600 };

interface Result {
  minions: number;
  accepted: number;
  firstCycleMs: number;
  steadyCycleMs: number[];
  baselineMs: number[];
  steadyOverBaseline: number;
  steadyWrites: { updated: number };
  peakRssMb: number;
  load: number[];
}

/** The salt-api requests of one minion cycle, with fetch + JSON.parse only: what any client pays. */
async function baselineCycle(sim: SpawnedSimulator): Promise<number> {
  const started = performance.now();
  const login = await fetch(`${sim.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username: sim.username, password: sim.password, eauth: sim.eauth }),
  });
  const token = ((await login.json()) as { return: [{ token: string }] }).return[0].token;
  const post = async (chunk: unknown) => {
    const response = await fetch(`${sim.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': token },
      body: JSON.stringify([chunk]),
    });
    return (JSON.parse(await response.text()) as { return: unknown[] }).return[0];
  };
  const keys = (await post({ client: 'wheel', fun: 'key.list_all' })) as {
    data: { return: { minions: string[] } };
  };
  await post({ client: 'runner', fun: 'manage.present' });
  const accepted = keys.data.return.minions;
  for (let i = 0; i < accepted.length; i += 250) {
    await post({
      client: 'runner',
      fun: 'cache.grains',
      kwarg: { tgt: accepted.slice(i, i + 250), tgt_type: 'list' },
    });
  }
  return ms(started);
}

async function measure(n: number): Promise<Result> {
  const sim = await spawnSaltSimulator(['--minions', String(n), '--jobs', '10']);
  const dir = mkdtempSync(join(tmpdir(), 'halite-ingest-'));
  const store = await createSqliteStore({ filename: join(dir, 'halite.sqlite') });
  const loads: number[] = [load()];
  try {
    await store.migrate();
    const ctx = ingestContext(simClient(sim), store);
    await baselineCycle(sim); // warms the simulator's caches; not counted
    let t = performance.now();
    await minionCycle(ctx);
    const firstCycleMs = ms(t);
    const steady: number[] = [];
    const baseline: number[] = [];
    let updated = 0;
    for (let r = 0; r < ROUNDS; r++) {
      await sim.control('churn', { grains: 0.01, presence: 0.01 });
      t = performance.now();
      const cycle = await minionCycle(ctx);
      steady.push(ms(t));
      updated = cycle.keys.updated + cycle.presence.updated + cycle.grains.updated;
      baseline.push(await baselineCycle(sim));
      loads.push(load());
    }
    const accepted = await store.minions.count({ keyStatus: ['accepted'] });
    return {
      minions: n,
      accepted,
      firstCycleMs,
      steadyCycleMs: steady,
      baselineMs: baseline,
      steadyOverBaseline: Math.round((median(steady) / median(baseline)) * 100) / 100,
      steadyWrites: { updated },
      peakRssMb: peakRssMb(),
      load: loads,
    };
  } finally {
    await store.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.child) {
  report(`ingest, ${SIZES[0]} minions`, await measure(SIZES[0]!), true);
} else {
  // One process per size: the peak RSS is then that size's own.
  const results: Result[] = [];
  for (const n of SIZES) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1]!, '--child', '--minions', String(n), '--rounds', String(ROUNDS)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
    );
    if (child.status !== 0) throw new Error(`ingest bench at ${n} minions failed (exit ${child.status})`);
    results.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Result);
  }
  const verdicts = results.map((r) => ({
    minions: r.minions,
    firstCycleMs: r.firstCycleMs,
    steadyMs: median(r.steadyCycleMs),
    baselineMs: median(r.baselineMs),
    ratio: r.steadyOverBaseline,
    ratioTarget: r.steadyOverBaseline <= TARGET.steadyOverBaseline ? 'met' : 'missed',
    peakRssMb: r.peakRssMb,
    rssTarget: r.minions < 50_000 || r.peakRssMb <= TARGET.peakRssMb ? 'met' : 'missed',
  }));
  report(
    'ingest (steady ≤ 1.5× baseline; peak RSS ≤ 600 MB at 50k)',
    values.json ? results : verdicts,
    values.json,
  );
}
