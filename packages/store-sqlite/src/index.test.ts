import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@halite/core';
import { describeStoreConformance, type StoreFixture } from '@halite/testkit/store-conformance';
import BetterSqlite3 from 'better-sqlite3';
import { createSqliteStore } from './index.js';

function failWrites(db: BetterSqlite3.Database, table: string, column: string, value: string): void {
  const literal = `'${value.replaceAll("'", "''")}'`;
  for (const [op, row] of [
    ['insert', 'new'],
    ['update', 'new'],
    ['delete', 'old'],
  ] as const) {
    db.exec(
      `create trigger halite_test_fail_${op} before ${op} on ${table} when ${row}.${column} = ${literal}
       begin select raise(abort, 'injected failure'); end`,
    );
  }
}

describeStoreConformance({
  name: 'sqlite (file)',
  async open(options): Promise<StoreFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'halite-sqlite-'));
    const filename = join(dir, 'halite.db');
    const store = await createSqliteStore({ filename, ...options });
    const side = new BetterSqlite3(filename, { timeout: 5000 });
    return {
      store,
      openAnother: (more) => createSqliteStore({ filename, ...options, ...more }),
      async exec(sql) {
        side.exec(sql);
      },
      async failWritesWhere(table, column, value) {
        failWrites(side, table, column, value);
      },
      async dispose() {
        await store.close();
        side.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describeStoreConformance({
  name: 'sqlite (:memory:)',
  async open(options): Promise<StoreFixture> {
    const database = new BetterSqlite3(':memory:');
    const store: Store = await createSqliteStore({ database, ...options });
    return {
      store,
      async exec(sql) {
        database.exec(sql);
      },
      async failWritesWhere(table, column, value) {
        failWrites(database, table, column, value);
      },
      async dispose() {
        await store.close();
        if (database.open) database.close();
      },
    };
  },
});
