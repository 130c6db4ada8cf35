#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { StoreError } from '@halite/core';
import { createPostgresStore } from './index.js';

const USAGE = `Usage: halite-store-postgres <migrate|status> --connection-string <url> [--schema <name>]

  migrate   apply pending migrations (idempotent; refuses a database newer than this code)
  status    print applied, pending and unknown migrations as JSON

The connection string may also come from DATABASE_URL.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'connection-string': { type: 'string' },
      schema: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const connectionString = values['connection-string'] ?? process.env.DATABASE_URL;
  if (values.help || !connectionString || (command !== 'migrate' && command !== 'status')) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const store = await createPostgresStore({
    connectionString,
    migrate: false,
    ...(values.schema ? { schema: values.schema } : {}),
  });
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
