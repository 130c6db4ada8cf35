// Startup benchmark (issue item 5): `halite serve` on an existing, migrated database (50,000
// minions with grains, 10,000 jobs; 1,000 and 1,000 with --smoke), timed from spawning the process
// to the first 200 from GET /readyz, several times; the median is the figure. Salt is not
// configured, so readiness is the database and the listener (Salt is reported, never awaited).
// Measured both as the workspace runs it (sources through tsx, `pnpm start`) and, when built
// (`pnpm build`), as installed (`node packages/http-adapter/dist/cli.js serve`).
//
//   tsx --conditions=dev-source bench/startup.bench.ts [--smoke] [--runs 7] [--json]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHalite, type JobInput } from '../packages/core/src/index.ts';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';
import { makeFleet } from './fleet.ts';
import { load, median, ms, report, spawnServer } from './harness.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    runs: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const N = values.smoke ? 1_000 : 50_000;
const JOBS = values.smoke ? 1_000 : 10_000;
const RUNS = Number(values.runs ?? (values.smoke ? 1 : 7));
const TARGET_MS = 1_000;
const SOURCE_CLI = fileURLToPath(new URL('../packages/http-adapter/src/cli.ts', import.meta.url));
const BUILT_CLI = fileURLToPath(new URL('../packages/http-adapter/dist/cli.js', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'halite-startup-'));
const database = join(dir, 'halite.sqlite');
const env = {
  HALITE_SECRET: 's'.repeat(40),
  HALITE_DATABASE_URL: database,
  HALITE_ADMIN_PASSWORD: 'bench-admin-password-1',
};

async function untilReady(url: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${url}/readyz`).catch(() => null);
    if (response && (await response.json().catch(() => null))?.checks?.db === 'ok') return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function runs(cli: string, useExecArgv: boolean) {
  const out: Array<{ readyMs: number; listeningMs: number; serverStartupMs: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const server = await spawnServer(cli, env, useExecArgv);
    await untilReady(server.url);
    out.push({ readyMs: ms(started), listeningMs: server.listeningMs, serverStartupMs: server.startupMs });
    await server.close();
  }
  const ready = median(out.map((r) => r.readyMs));
  return {
    medianReadyMs: ready,
    medianServerStartupMs: median(out.map((r) => r.serverStartupMs)),
    target: ready <= TARGET_MS ? 'met' : 'missed',
    runs: out,
  };
}

try {
  const store = await createSqliteStore({ filename: database });
  await store.migrate();
  await store.minions.reconcile({ insert: makeFleet(N) });
  const jobs: JobInput[] = Array.from({ length: JOBS }, (_, i) => ({
    jid: `2026112700${String(i).padStart(10, '0')}`,
    function: i % 3 ? 'state.apply' : 'test.ping',
    startTime: new Date(Date.UTC(2026, 10, 27) + i * 1000).toISOString(),
    status: 'finished',
  }));
  await store.jobs.upsert(jobs);
  // The first boot creates the admin account; every measured boot is on an existing database.
  await (
    await createHalite({ store, secret: env.HALITE_SECRET, adminPassword: env.HALITE_ADMIN_PASSWORD })
  ).close();
  await store.close();
  const source = await runs(SOURCE_CLI, true);
  const built = existsSync(BUILT_CLI) ? await runs(BUILT_CLI, false) : null;
  report(
    `startup on an existing database (${N} minions, ${JOBS} jobs): spawn → /readyz 200, ≤ ${TARGET_MS} ms`,
    { minions: N, jobs: JOBS, load: load(), source, built: built ?? 'not built (pnpm build)' },
    values.json,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
