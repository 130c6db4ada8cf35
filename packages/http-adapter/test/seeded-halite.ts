import {
  type ActivityEventInput,
  type CreateHaliteOptions,
  createHalite,
  type Halite,
  type JobInput,
  type JobReturnInput,
  type MinionInsert,
  type Principal,
  type Store,
} from '@halite/core';
import { createHaliteHandler, type FetchHandler, type HaliteHandlerOptions } from '../src/index.js';
import { sqliteTestStore, type TestStoreKind } from './test-stores.js';

/** A secret long enough for `SettingsCipher` (≥ 32 characters). */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

/** The first-boot admin password of a Halite built with `auth: 'builtin'`. */
export const ADMIN_PASSWORD = 'first-boot-password';

/** The host principal of the default test Halite: every permission (embedding behind your own auth). */
export const ALL_ACCESS: Principal = Object.freeze({
  id: 'test-host',
  name: 'test-host',
  permissions: ['*'],
  via: 'host',
});

/** The clock of every seeded Halite: the seed's times are relative to it. */
export const NOW = new Date('2025-06-15T12:34:56.000Z');

const HOUR = 3_600_000;

/** A real Halite on a real Store (a SQLite file by default), Salt unconfigured, and its handler. */
export interface TestHalite {
  halite: Halite;
  store: Store;
  handler: FetchHandler;
  /** `handler(new Request(...))` with an `http://halite.test` origin and a JSON body when given. */
  request(method: string, path: string, init?: { body?: unknown; headers?: HeadersInit }): Promise<Response>;
  close(): Promise<void>;
}

/** Builds a fresh install: `createHalite({ store, secret, boot: true })` with no Salt configured. */
export async function createTestHalite(
  options: {
    seed?: boolean;
    handler?: HaliteHandlerOptions;
    auth?: 'host' | 'builtin';
    /** The database (default a SQLite file in a temp dir). */
    store?: TestStoreKind;
    /** Extra `createHalite` options. */
    halite?: Partial<CreateHaliteOptions>;
  } = {},
): Promise<TestHalite> {
  const opened = await (options.store ?? sqliteTestStore).open();
  const { store } = opened;
  const halite = await createHalite({
    store,
    secret: TEST_SECRET,
    boot: true,
    now: () => new Date(NOW),
    // Embedding-style: every request is a host principal with every permission. Tests of the
    // built-in login pass `auth: 'builtin'` instead.
    ...(options.auth === 'builtin'
      ? { passwordHashing: { N: 2 ** 10 }, adminPassword: ADMIN_PASSWORD }
      : { authenticate: async () => ALL_ACCESS }),
    ...options.halite,
  });
  if (options.seed) await seedStore(store);
  const handler = createHaliteHandler(halite, options.handler);
  return {
    halite,
    store,
    handler,
    request: (method, path, init = {}) => {
      const headers = new Headers(init.headers);
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
      return handler(new Request(`http://halite.test${path}`, { method, headers, body }));
    },
    close: async () => {
      await halite.close();
      await opened.dispose();
    },
  };
}

// ---- the seed: a realistic small fleet ----

/** OS families the fleet runs, each with its `os`, releases and kernel. */
const PLATFORMS = [
  { os: 'Debian', osFamily: 'Debian', osrelease: '12.5', kernel: 'Linux' },
  { os: 'Ubuntu', osFamily: 'Debian', osrelease: '22.04', kernel: 'Linux' },
  { os: 'Rocky', osFamily: 'RedHat', osrelease: '9.3', kernel: 'Linux' },
  { os: 'CentOS', osFamily: 'RedHat', osrelease: '7.9.2009', kernel: 'Linux' },
  { os: 'SUSE', osFamily: 'Suse', osrelease: '15.5', kernel: 'Linux' },
  { os: 'Windows', osFamily: 'Windows', osrelease: '2022Server', kernel: 'Windows' },
] as const;
const SALT_VERSIONS = ['3006.9', '3007.1', '3005.5'] as const;
const ROLES = ['web', 'db', 'cache', 'app'] as const;

/** What the seed holds, for assertions. */
export const SEED = {
  minions: 120,
  /** Accepted keys: ids 0–79; of those, 0–59 are online. */
  accepted: 80,
  online: 60,
  offline: 20,
  pending: 20,
  rejected: 10,
  denied: 10,
  jobs: 300,
  runningJobs: 10,
  activity: 200,
  /** The refresh times written with the minions. */
  keysRefreshedAt: new Date(NOW.getTime() - 2 * 60_000).toISOString(),
  presenceRefreshedAt: new Date(NOW.getTime() - 60_000).toISOString(),
  grainsRefreshedAt: new Date(NOW.getTime() - 5 * 60_000).toISOString(),
} as const;

/** The minion id of seed minion `i` (`web-000` … `app-119`). */
export function minionId(i: number): string {
  return `${ROLES[i % ROLES.length]}-${String(i).padStart(3, '0')}`;
}

/** The platform of seed minion `i` (accepted minions only have grains). */
export function platformOf(i: number) {
  return PLATFORMS[i % PLATFORMS.length] as (typeof PLATFORMS)[number];
}

/** The seed's minions, in index order. */
export function seedMinions(): MinionInsert[] {
  return Array.from({ length: SEED.minions }, (_, i) => minion(i));
}

function minion(i: number): MinionInsert {
  const id = minionId(i);
  const keyStatus =
    i < SEED.accepted
      ? 'accepted'
      : i < SEED.accepted + SEED.pending
        ? 'pending'
        : i < SEED.accepted + SEED.pending + SEED.rejected
          ? 'rejected'
          : 'denied';
  if (keyStatus !== 'accepted') {
    return { minionId: id, keyStatus, keysRefreshedAt: SEED.keysRefreshedAt };
  }
  const p = platformOf(i);
  const saltversion = SALT_VERSIONS[i % SALT_VERSIONS.length] as string;
  const ip = `10.0.${Math.floor(i / 100)}.${(i % 100) + 10}`;
  const isOnline = i < SEED.online;
  return {
    minionId: id,
    keyStatus,
    isOnline,
    grains: {
      id,
      os: p.os,
      os_family: p.osFamily,
      osrelease: p.osrelease,
      kernel: p.kernel,
      kernelrelease: p.kernel === 'Linux' ? '6.1.0-18-amd64' : '10.0.20348',
      virtual: i % 3 === 0 ? 'physical' : 'kvm',
      num_cpus: 2 + (i % 8),
      mem_total: 2048 * (1 + (i % 4)),
      saltversion,
      ipv4: ['127.0.0.1', ip],
      fqdn: `${id}.example.internal`,
      roles: [ROLES[i % ROLES.length] as string],
    },
    os: p.os,
    osFamily: p.osFamily,
    osrelease: p.osrelease,
    kernel: p.kernel,
    kernelrelease: p.kernel === 'Linux' ? '6.1.0-18-amd64' : '10.0.20348',
    virtual: i % 3 === 0 ? 'physical' : 'kvm',
    numCpus: 2 + (i % 8),
    memTotal: 2048 * (1 + (i % 4)),
    saltversion,
    primaryIp: ip,
    contentHash: `hash-${i}`,
    keysRefreshedAt: SEED.keysRefreshedAt,
    presenceRefreshedAt: SEED.presenceRefreshedAt,
    grainsRefreshedAt: SEED.grainsRefreshedAt,
    lastSeenAt: isOnline ? SEED.presenceRefreshedAt : new Date(NOW.getTime() - (i + 1) * HOUR).toISOString(),
  };
}

const FUNCTIONS = ['test.ping', 'state.apply', 'cmd.run', 'pkg.upgrade', 'grains.items'] as const;
const USERS = ['root', 'alice', 'bob', 'salt-scheduler'] as const;

/** The 20-digit jid of a job started at `at` (Salt's `%Y%m%d%H%M%S%f`), made unique by `n`. */
export function jidAt(at: Date, n: number): string {
  const iso = at.toISOString(); // 2025-06-15T12:34:56.000Z
  const digits = iso.slice(0, 19).replace(/\D/g, '');
  return `${digits}${String(n).padStart(6, '0')}`;
}

/** Start time of seed job `n`: one every 9.6 minutes, job 0 the newest (12 minutes before NOW). */
export function jobStart(n: number): Date {
  return new Date(NOW.getTime() - 12 * 60_000 - n * 576_000);
}

/** The seed's jobs, newest first: job `n` runs `FUNCTIONS[n % 5]` for `USERS[n % 4]`. */
export function seedJobs(): JobInput[] {
  return Array.from({ length: SEED.jobs }, (_, n) => {
    const start = jobStart(n);
    const running = n < SEED.runningJobs;
    return {
      jid: jidAt(start, n),
      function: FUNCTIONS[n % FUNCTIONS.length] as string,
      target: n % 7 === 0 ? `${minionId(n % 60)},${minionId((n + 1) % 60)}` : n % 2 === 0 ? 'web-*' : '*',
      targetType: n % 7 === 0 ? 'list' : 'glob',
      user: USERS[n % USERS.length] as string,
      startTime: start,
      arguments: n % 5 === 2 ? ['uptime'] : [],
      metadata: null,
      minionCount: 3,
      status: running ? 'running' : 'finished',
      ...(running ? {} : { endTime: new Date(start.getTime() + 30_000) }),
    };
  });
}

/** The seed's job returns. */
export function seedReturns(jobs: readonly JobInput[]): JobReturnInput[] {
  const out: JobReturnInput[] = [];
  jobs.forEach((job, n) => {
    // Running jobs have 1 return of 3; finished ones all 3 (every 10th has one failure).
    const count = n < SEED.runningJobs ? 1 : 3;
    for (let k = 0; k < count; k++) {
      const failed = n % 10 === 5 && k === 2;
      out.push({
        jid: job.jid,
        minionId: minionId((n + k) % SEED.online),
        success: !failed,
        retcode: failed ? 1 : 0,
        return: job.function === 'test.ping' ? true : { stdout: `result ${n}/${k}`, changed: k === 0 },
        returnedAt: new Date(jobStart(n).getTime() + (k + 1) * 1000),
      });
    }
  });
  return out;
}

const EVENT_KINDS = [
  { category: 'job', eventType: 'job.new' },
  { category: 'job', eventType: 'job.ret' },
  { category: 'job', eventType: 'job.ret' },
  { category: 'key', eventType: 'key.accept' },
  { category: 'minion', eventType: 'minion.start' },
] as const;

/** Activity event `n` of the seed: one a minute back from NOW, oldest inserted first. */
export function seedActivity(count: number = SEED.activity, from = 0): ActivityEventInput[] {
  return Array.from({ length: count }, (_, k) => {
    const n = from + count - 1 - k; // insert oldest first so ids ascend with time
    const kind = EVENT_KINDS[n % EVENT_KINDS.length] as (typeof EVENT_KINDS)[number];
    const id = minionId(n % SEED.online);
    return {
      occurredAt: new Date(NOW.getTime() - (n + 1) * 60_000),
      category: kind.category,
      eventType: kind.eventType,
      minionId: id,
      jid: kind.category === 'job' ? jidAt(new Date(NOW.getTime() - (n + 1) * 60_000), n) : null,
      fun: kind.category === 'job' ? 'state.apply' : null,
      success: kind.eventType === 'job.ret' ? n % 4 !== 0 : null,
      changed: kind.eventType === 'job.ret' ? n % 3 === 0 : null,
      initiator: kind.category === 'job' ? 'root' : null,
      target: kind.category === 'job' ? id : null,
      durationMs: kind.eventType === 'job.ret' ? 100 + n : null,
      summary: `${kind.eventType} on ${id} (#${n})`,
      payload: { tag: `salt/${kind.category}/${n}`, data: { n } },
    };
  });
}

/** Writes the seed fleet: 120 minions over every key state and six platforms, 300 jobs, 200 events. */
export async function seedStore(store: Store): Promise<void> {
  await store.minions.reconcile({
    insert: seedMinions(),
    refreshed: {
      keys: SEED.keysRefreshedAt,
      presence: SEED.presenceRefreshedAt,
      grains: SEED.grainsRefreshedAt,
    },
  });
  const jobs = seedJobs();
  await store.jobs.upsert(jobs, { polledAt: new Date(NOW.getTime() - 30_000) });
  await store.jobs.markPolled(new Date(NOW.getTime() - 30_000));
  await store.jobs.recordReturns(seedReturns(jobs));
  await store.activity.insert(seedActivity());
}

/** Row counts and the settings row: what the bad-input sweep compares before and after. */
export async function storeSnapshot(store: Store): Promise<unknown> {
  const [minions, jobs, activity, settings, returns] = await Promise.all([
    store.minions.list({ limit: 1000 }),
    store.jobs.list({ limit: 1 }),
    store.activity.list({ limit: 1 }),
    store.settings.get(),
    store.jobs.returnsForMinion(minionId(0), { limit: 1 }),
  ]);
  return {
    minions: minions.items.map((m) => [m.minionId, m.keyStatus, m.updatedAt]),
    jobs: jobs.total,
    newestJob: jobs.items[0]?.updatedAt,
    activity: activity.total,
    latestActivity: await store.activity.latestId(),
    returnsOfFirstMinion: returns.total,
    settings: { ...settings, saltApiPasswordEncrypted: settings.saltApiPasswordEncrypted?.length ?? null },
  };
}
