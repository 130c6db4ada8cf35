// Store benchmark: a 50,000-minion first load, then a grains refresh with 1% changed and 0.1%
// vanished, on SQLite (file) and PostgreSQL (a throwaway durable cluster, started the same way
// as the tests). Each store runs in its own process so peak RSS is its own.
//
//   pnpm bench                       # every benchmark in bench/
//   tsx --conditions=dev-source bench/store.bench.ts [--smoke] [--store sqlite|postgres]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MinionDigest, Store } from '../packages/core/src/index.ts';
import { createPostgresStore } from '../packages/store-postgres/src/index.ts';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';
import { dropSchema, startPostgres, uniqueSchemaName } from '../packages/testkit/src/postgres/index.ts';
import { makeFleet, nextRefresh } from './fleet.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    store: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const N = values.smoke ? 2_000 : 50_000;
const TARGETS = { firstLoad: { sqlite: 5_000, postgres: 10_000 }, reconcile: 300, rssMb: 600 };

interface Result {
  store: string;
  minions: number;
  grainsBytes: number;
  firstLoadMs: number;
  firstLoadCpuMs: number;
  diffReadMs: number;
  reconcileMs: number;
  reconcileCounts: { inserted: number; updated: number; deleted: number };
  listPageMs: number;
  peakRssMb: number;
}

const ms = (start: number) => Math.round(performance.now() - start);

async function measure(
  name: string,
  open: () => Promise<{ store: Store; done: () => Promise<void> }>,
): Promise<Result> {
  const fleet = makeFleet(N);
  const grainsBytes = Math.round(
    fleet.reduce((sum, m) => sum + JSON.stringify(m.grains).length, 0) / fleet.length,
  );
  const refresh = nextRefresh(fleet, 0.01, 0.001);
  const { store, done } = await open();
  try {
    let t = performance.now();
    const cpu = process.cpuUsage();
    await store.minions.reconcile({
      insert: fleet,
      refreshed: { keys: '2025-06-01T00:00:00Z', grains: '2025-06-01T00:00:00Z' },
    });
    const firstLoadMs = ms(t);
    const used = process.cpuUsage(cpu);
    const firstLoadCpuMs = Math.round((used.user + used.system) / 1000);

    // What ingest does before a reconcile: read every digest (never the grains) to diff against.
    t = performance.now();
    const digests: MinionDigest[] = [];
    for await (const d of store.minions.iterateHashes({ pageSize: 5000 })) digests.push(d);
    const diffReadMs = ms(t);
    if (digests.length !== N) throw new Error(`expected ${N} digests, got ${digests.length}`);

    t = performance.now();
    const reconcileCounts = await store.minions.reconcile({
      ...refresh,
      refreshed: { grains: '2025-06-01T00:05:00Z' },
    });
    const reconcileMs = ms(t);
    const expected = { inserted: 0, updated: refresh.update.length, deleted: refresh.delete.length };
    if (JSON.stringify(reconcileCounts) !== JSON.stringify(expected)) {
      throw new Error(
        `reconcile wrote ${JSON.stringify(reconcileCounts)}, expected ${JSON.stringify(expected)}`,
      );
    }

    t = performance.now();
    const page = await store.minions.list({
      status: ['online'],
      osFamily: ['RedHat'],
      sort: 'saltversion',
      order: 'desc',
      limit: 50,
    });
    const listPageMs = ms(t);
    if (page.items.length !== 50) throw new Error('list returned a short page');

    return {
      store: name,
      minions: N,
      grainsBytes,
      firstLoadMs,
      firstLoadCpuMs,
      diffReadMs,
      reconcileMs,
      reconcileCounts,
      listPageMs,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await store.close();
    await done();
  }
}

async function runOne(which: string): Promise<Result> {
  if (which === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'halite-bench-'));
    return measure('sqlite (file, WAL)', async () => ({
      store: await createSqliteStore({ filename: join(dir, 'bench.db') }),
      done: async () => rmSync(dir, { recursive: true, force: true }),
    }));
  }
  if (which === 'postgres') {
    // Durable settings (fsync on): the benchmark measures what production would see.
    // With HALITE_TEST_PG_URL set, that server is used (in a schema of its own, dropped after).
    const server = await startPostgres({ fast: false });
    const schema = uniqueSchemaName('halite_bench');
    return measure('postgres 15 (loopback)', async () => ({
      store: await createPostgresStore({ connectionString: server.url, schema }),
      done: async () => {
        await dropSchema(server.url, schema);
        await server.stop();
      },
    }));
  }
  throw new Error(`unknown store ${which}`);
}

function verdict(r: Result): string {
  const load = r.store.startsWith('sqlite') ? TARGETS.firstLoad.sqlite : TARGETS.firstLoad.postgres;
  const ok = r.firstLoadMs <= load && r.reconcileMs <= TARGETS.reconcile && r.peakRssMb <= TARGETS.rssMb;
  return ok ? 'within targets' : 'OVER TARGET';
}

if (values.store) {
  const result = await runOne(values.store);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const results: Result[] = [];
  for (const which of ['sqlite', 'postgres']) {
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1] as string,
        '--store',
        which,
        ...(values.smoke ? ['--smoke'] : []),
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (child.status !== 0) throw new Error(`store benchmark for ${which} failed (exit ${child.status})`);
    const line = child.stdout.trim().split('\n').pop() as string;
    results.push(JSON.parse(line) as Result);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(
      `\nStore: ${N.toLocaleString('en')} minions, ~${results[0]?.grainsBytes} B of grains JSON each${values.smoke ? ' (smoke)' : ''}\n`,
    );
    process.stdout.write(
      '| store | first load (node CPU) | diff read (digests) | reconcile 1% changed + 0.1% vanished | list page | peak RSS | |\n',
    );
    process.stdout.write('| --- | ---: | ---: | ---: | ---: | ---: | --- |\n');
    for (const r of results) {
      process.stdout.write(
        `| ${r.store} | ${r.firstLoadMs} ms (${r.firstLoadCpuMs} ms) | ${r.diffReadMs} ms | ${r.reconcileMs} ms (${r.reconcileCounts.updated} updated, ${r.reconcileCounts.deleted} deleted) | ${r.listPageMs} ms | ${r.peakRssMb} MB | ${values.smoke ? 'smoke' : verdict(r)} |\n`,
      );
    }
  }
}
