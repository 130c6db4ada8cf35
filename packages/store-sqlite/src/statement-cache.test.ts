import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivityEventInput } from '@halite/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from './index.js';
import { cachedPrepare } from './statement-cache.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database whose `prepare` calls are counted by SQL text. */
function countingDatabase(filename: string): { database: BetterSqlite3.Database; prepared: string[] } {
  const database = new BetterSqlite3(filename);
  const prepared: string[] = [];
  const prepare = database.prepare.bind(database);
  database.prepare = ((sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  }) as typeof database.prepare;
  return { database, prepared };
}

const event = (n: number): ActivityEventInput => ({
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
  category: 'job',
  eventType: 'job.ret',
  minionId: `web${n}`,
  jid: '20260101000000000001',
  success: true,
  summary: `return ${n}`,
  payload: { n },
});

describe('cachedPrepare', () => {
  it('keeps the most recently used statements, at most `size`', () => {
    const { database, prepared } = countingDatabase(':memory:');
    const prepare = cachedPrepare(database, 3);
    const q = (n: number) => `select ${n} as n`;
    for (const n of [1, 2, 3]) prepare(q(n));
    prepare(q(1)); // 1 is now the most recent: 2 goes first
    prepare(q(4));
    expect(prepared).toEqual([q(1), q(2), q(3), q(4)]);
    prepare(q(1));
    prepare(q(3));
    prepare(q(2));
    expect(prepared).toEqual([q(1), q(2), q(3), q(4), q(2)]);
    database.close();
  });

  it('never hands out a statement that is still iterating', () => {
    const database = new BetterSqlite3(':memory:');
    const prepare = cachedPrepare(database);
    const sql = 'select value from json_each(?)';
    const first = prepare(sql);
    const rows = first.iterate('[1,2,3]');
    expect(rows.next().value).toEqual({ value: 1 });
    const second = prepare(sql);
    expect(second).not.toBe(first);
    expect(second.all('[7]')).toEqual([{ value: 7 }]);
    expect([...rows]).toEqual([{ value: 2 }, { value: 3 }]);
    database.close();
  });
});

describe('the SQLite Store reuses prepared statements', () => {
  it('prepares a repeated write once, and it keeps working across schema changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halite-sqlite-'));
    dirs.push(dir);
    const filename = join(dir, 'halite.db');
    const { database, prepared } = countingDatabase(filename);
    const store = await createSqliteStore({ database });
    await store.activity.insert([event(1), event(2)]);
    const afterFirst = prepared.length;
    await store.activity.insert([event(3), event(4)]);
    expect(prepared.length).toBe(afterFirst);

    // What a migration does from another connection: a new column, an index dropped, then the
    // table rebuilt (create, copy, drop, rename) as SQLite migrations do.
    const side = new BetterSqlite3(filename, { timeout: 5000 });
    side.exec('alter table activity_events add column note text');
    side.exec('drop index ix_activity_jid');
    await store.activity.insert([event(5), event(6)]);
    const ddl = side
      .prepare("select sql from sqlite_master where type = 'table' and name = 'activity_events'")
      .pluck()
      .get() as string;
    side.exec(`
      begin;
      ${ddl.replace('activity_events', 'activity_events_new')};
      insert into activity_events_new select * from activity_events;
      drop table activity_events;
      alter table activity_events_new rename to activity_events;
      commit;`);
    const inserted = await store.activity.insert([event(7), event(8)]);
    expect(prepared.length).toBe(afterFirst); // the same statements, re-prepared by SQLite itself
    expect(inserted.map((e) => e.summary)).toEqual(['return 7', 'return 8']);
    const all = await store.activity.after(0, { limit: 100 });
    expect(all.map((e) => e.summary)).toEqual(Array.from({ length: 8 }, (_, i) => `return ${i + 1}`));
    expect(all[7]?.payload).toEqual({ n: 8 });

    // A column the statement names is gone: it fails as a fresh prepare would, as a StoreError.
    side.exec('alter table activity_events drop column summary');
    await expect(store.activity.insert([event(9)])).rejects.toMatchObject({ name: 'StoreError' });
    side.close();
    await store.close();
    database.close();
  });
});
