import { dropSchema, execInSchema, uniqueSchemaName } from '@halite/testkit/postgres';
import { describeStoreConformance, type StoreFixture } from '@halite/testkit/store-conformance';
import { describe, inject } from 'vitest';
import { createPostgresStore } from './index.js';

const url = inject('pgUrl');

function failWritesSql(schema: string, table: string, column: string, value: string): string {
  const literal = `'${value.replaceAll("'", "''")}'`;
  return `
    create function "${schema}".halite_test_fail() returns trigger language plpgsql as $$
      begin raise exception 'injected failure'; end $$;
    create trigger halite_test_fail_ins before insert or update on "${schema}".${table}
      for each row when (new.${column} = ${literal}) execute function "${schema}".halite_test_fail();
    create trigger halite_test_fail_del before delete on "${schema}".${table}
      for each row when (old.${column} = ${literal}) execute function "${schema}".halite_test_fail();`;
}

if (url) {
  describeStoreConformance({
    name: 'postgres',
    async open(options): Promise<StoreFixture> {
      const schema = uniqueSchemaName('conformance');
      const store = await createPostgresStore({ connectionString: url, schema, poolSize: 4, ...options });
      return {
        store,
        openAnother: (more) =>
          createPostgresStore({ connectionString: url, schema, poolSize: 4, ...options, ...more }),
        exec: (sql) => execInSchema(url, schema, sql),
        failWritesWhere: (table, column, value) =>
          execInSchema(url, schema, failWritesSql(schema, table, column, value)),
        async dispose() {
          await store.close();
          await dropSchema(url, schema);
        },
      };
    },
  });
} else {
  describe.skip('Store conformance: postgres (HALITE_TEST_SKIP_PG=1)', () => {});
}
