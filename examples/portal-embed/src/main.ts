/**
 * Halite's SDK in your own code, no HTTP: open a Store, read minions from it, follow the live
 * activity feed.
 *
 *   pnpm start                 print minions and recent activity, then live events until Ctrl-C
 *   pnpm start -- --once       print and exit
 *
 * With HALITE_SALT_URL, HALITE_SALT_USERNAME, HALITE_SALT_PASSWORD (and HALITE_SALT_EAUTH) set,
 * the connection is saved in ./example.sqlite with the event stream switched on, so the pollers
 * fill the Store and Salt's events arrive live (try it with `pnpm salt:lab`).
 */
import { type ActivityCategory, createHalite, type Logger, SaltSettingsUpdate } from '@halite/core';
import { createSqliteStore } from '@halite/store-sqlite';

const once = process.argv.includes('--once');

// HALITE_SECRET encrypts the salt-api password at rest. Never use a fixed value in production.
const DEMO_SECRET = 'halite-examples-demo-secret-not-for-production';
const secret = process.env.HALITE_SECRET || DEMO_SECRET;
if (secret === DEMO_SECRET) console.warn('warning: HALITE_SECRET is not set; using a fixed demo secret');

const logger: Logger = {
  debug() {},
  info() {},
  warn: (msg, fields) => console.warn(`[halite] ${msg}`, fields ?? ''),
  error: (msg, fields) => console.error(`[halite] ${msg}`, fields ?? ''),
};

const store = await createSqliteStore({ filename: process.env.EXAMPLE_DB ?? 'example.sqlite' });
// This script calls the services directly: no HTTP, so no built-in accounts (no first-boot admin).
const halite = await createHalite({ store, secret, logger, authenticate: async () => null });

if (process.env.HALITE_SALT_URL) {
  // The same schema the settings API validates with; saving reloads the runtime (login, pollers).
  await halite.settings.updateSalt(
    SaltSettingsUpdate.parse({
      url: process.env.HALITE_SALT_URL,
      username: process.env.HALITE_SALT_USERNAME,
      password: process.env.HALITE_SALT_PASSWORD,
      eauth: process.env.HALITE_SALT_EAUTH ?? 'pam',
    }),
  );
  await halite.settings.updatePollers({ event_stream_enabled: true });
}
const { salt } = halite.runtime.status();
console.log(`salt-api: ${salt.state}${salt.detail ? ` (${salt.detail})` : ''}`);

// ---- Reads: always from the Store, never from Salt ----

const stats = await halite.minions.stats();
const byStatus = stats.by_status.map((s) => `${s.value} ${s.count}`).join(', ');
console.log(`\n${stats.total} minions${byStatus ? ` (${byStatus})` : ''}`);
console.log(`last refreshed: ${stats.last_refreshed_at ?? 'never'}${stats.is_stale ? ' (stale)' : ''}`);

const page = await halite.minions.list({ limit: 10, offset: 0, sort: 'id', order: 'asc' });
for (const m of page.minions) {
  console.log(`  ${m.id.padEnd(24)} ${m.status.padEnd(8)} ${(m.os ?? '-').padEnd(12)} ${m.ip ?? '-'}`);
}
if (page.total > page.minions.length) console.log(`  … and ${page.total - page.minions.length} more`);

const categories: ActivityCategory[] = ['job', 'key', 'minion'];
const recent = await halite.activity.list(
  { limit: 5, offset: 0, hide_routine: false, hide_dispatch: false },
  categories,
);
console.log(`\nrecent activity (${recent.total} stored):`);
for (const e of recent.events) console.log(`  ${e.ts} ${e.event_type.padEnd(12)} ${e.summary}`);

// ---- The live feed: every event is persisted first, then published to the hub ----

if (!once) {
  const settings = await halite.settings.get();
  if (!settings.pollers.event_stream_enabled || salt.state !== 'connected') {
    console.log('\n(no live events will come: Salt is not connected or the event stream is off)');
  }
  console.log('\nfollowing live activity; Ctrl-C to stop');
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  // A subscription waits on a promise, which does not keep Node running by itself.
  const keepAlive = setInterval(() => {}, 60_000);
  abort.signal.addEventListener('abort', () => clearInterval(keepAlive));
  let lastEventId: number | undefined;
  while (!abort.signal.aborted) {
    const feed = halite.hub.subscribe({
      signal: abort.signal,
      ...(lastEventId === undefined ? {} : { lastEventId }),
    });
    for await (const message of feed) {
      if (message.type === 'event') {
        const e = message.event;
        lastEventId = e.id;
        console.log(`  #${e.id} ${e.occurredAt} ${e.eventType.padEnd(12)} ${e.summary}`);
      } else if (message.reason === 'closed') {
        abort.abort();
      } else if (message.reason === 'slow_consumer') {
        console.log(`  (fell behind; resuming after #${lastEventId ?? 0})`);
      } else {
        console.log('  (too many events missed; continuing with the latest)');
        lastEventId = undefined;
      }
    }
  }
}

await halite.close();
await store.close();
