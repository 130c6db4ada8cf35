#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { HaliteError } from '@halite/core';
import { createUserFromCli } from './server/create-user.js';
import { createJsonLogger, type LogLevel } from './server/json-logger.js';
import { ConfigError, readServerConfig, startServer } from './server/serve.js';
import { openStore, parseStoreUrl } from './server/store-url.js';

const HELP = `halite — the Halite reference server

Usage:
  halite serve      start the API (and the web console when built) on HALITE_HOST:HALITE_PORT
  halite migrate    bring the database schema up to date, then exit
  halite create-user <username> [--role <name>]... [--display-name <text>] [--must-change-password]
                    create a user (default role viewer) with the password in HALITE_NEW_USER_PASSWORD,
                    else a generated one printed once (to be changed at first login)
  halite --help     this text

Environment:
  HALITE_SECRET         required for serve; at least 32 characters (encrypts the salt-api password)
  HALITE_ADMIN_PASSWORD the first-boot admin password (else generated and logged once)
  HALITE_DATABASE_URL   SQLite file path (default ./halite.sqlite) or postgres://user:pass@host/db
  HALITE_HOST           default 127.0.0.1
  HALITE_PORT           default 8080
  HALITE_LOG_LEVEL      debug, info (default), warn, error
  HALITE_TRUST_PROXY    true behind your own reverse proxy (believe X-Forwarded-*)
  HALITE_COOKIE_SECURE  auto (default: Secure over HTTPS), always, never
  HALITE_CONSOLE_DIR    the built web console to serve at /
  HALITE_SALT_URL, HALITE_SALT_USERNAME, HALITE_SALT_PASSWORD, HALITE_SALT_EAUTH, HALITE_SALT_VERIFY
                        optional: saved to the settings at start (else configure Salt in Settings)
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      role: { type: 'string', multiple: true },
      'display-name': { type: 'string' },
      'must-change-password': { type: 'boolean' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const level = (process.env.HALITE_LOG_LEVEL ?? 'info') as LogLevel;
  const logger = createJsonLogger({
    level: ['debug', 'info', 'warn', 'error'].includes(level) ? level : 'info',
  });
  if (command === 'migrate') {
    const store = await openStore(parseStoreUrl(process.env.HALITE_DATABASE_URL));
    try {
      const status = await store.migrate();
      logger.info('schema up to date', { applied: status.applied.length, flavor: store.flavor });
    } finally {
      await store.close();
    }
    return 0;
  }
  if (command === 'create-user') {
    const username = positionals[1];
    if (!username) {
      process.stderr.write(`halite: create-user needs a username\n\n${HELP}`);
      return 2;
    }
    const store = await openStore(parseStoreUrl(process.env.HALITE_DATABASE_URL));
    try {
      await store.migrate();
      const { user, generatedPassword } = await createUserFromCli(store, {
        username,
        roles: values.role ?? [],
        password: process.env.HALITE_NEW_USER_PASSWORD || undefined,
        mustChangePassword: values['must-change-password'] === true,
        ...(values['display-name'] === undefined ? {} : { displayName: values['display-name'] }),
      });
      process.stdout.write(`created user ${user.username} (${user.id})\n`);
      if (generatedPassword) {
        process.stdout.write(`password (shown once, change it at first login): ${generatedPassword}\n`);
      }
    } finally {
      await store.close();
    }
    return 0;
  }
  if (command === 'serve') {
    const running = await startServer(readServerConfig(process.env), logger);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info('shutting down', { signal });
        running.close().then(resolve, (error: unknown) => {
          logger.error('shutdown failed', { error: String(error) });
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  }
  process.stderr.write(`halite: unknown command "${command}"\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigError || error instanceof HaliteError
        ? error.message
        : error instanceof Error
          ? error.stack
          : String(error);
    process.stderr.write(`halite: ${message}\n`);
    process.exit(1);
  },
);
