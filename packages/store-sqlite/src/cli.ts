#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { StoreError } from '@halite/core';
import { createSqliteStore } from './index.js';

const USAGE = `Usage: halite-store-sqlite <migrate|status> --filename <path>

  migrate   apply pending migrations (idempotent; refuses a database newer than this code)
  status    print applied, pending and unknown migrations as JSON`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { filename: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || !values.filename || (command !== 'migrate' && command !== 'status')) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const store = await createSqliteStore({ filename: values.filename, migrate: false });
  try {
    const status = command === 'migrate' ? await store.migrate() : await store.schemaStatus();
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof StoreError ? `${error.kind}: ${error.message}` : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
