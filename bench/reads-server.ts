// The reference server's API over an existing SQLite database, for the reads benchmark: the real
// handler (createHaliteHandler + the Node bridge) behind a host principal that may view all, no
// Salt configured (reads never call Salt). Prints one JSON line {url, pid} when listening.
//
//   tsx --conditions=dev-source bench/reads-server.ts <database file> [--no-cache]
//
// --no-cache turns the read cache off (`readCache: false`), so every request reaches the database.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHalite } from '../packages/core/src/index.ts';
import { createHaliteHandler, toNodeListener } from '../packages/http-adapter/src/index.ts';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';

const filename = process.argv[2];
if (!filename) throw new Error('usage: reads-server.ts <database file>');
const store = await createSqliteStore({ filename });
await store.migrate();
const halite = await createHalite({
  store,
  secret: 'b'.repeat(40),
  ...(process.argv.includes('--no-cache') ? { readCache: false as const } : {}),
  authenticate: async () => ({ id: 'bench', name: 'bench', permissions: ['*'], via: 'host' }),
});
const server = createServer(toNodeListener(createHaliteHandler(halite)));
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid })}\n`,
);
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void halite.close().then(() => store.close());
});
