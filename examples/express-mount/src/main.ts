/**
 * An Express 5 portal with Halite's API mounted under /halite, behind the portal's own login.
 *
 *   pnpm start                 serve on PORT (default 3000) until Ctrl-C
 *   pnpm start -- --smoke      start on a free port, make a few requests, print the statuses, exit
 *
 * Try (while it runs):
 *   curl localhost:3000/                                            # the portal's own route
 *   curl localhost:3000/halite/healthz                              # public
 *   curl localhost:3000/halite/api/minions                          # 401: nobody logged in
 *   curl -H 'X-Demo-User: bob' localhost:3000/halite/api/minions    # 200: bob may view
 *   curl -H 'X-Demo-User: bob' localhost:3000/halite/api/admin/settings     # 403
 *   curl -H 'X-Demo-User: alice' localhost:3000/halite/api/admin/settings   # 200: alice is an admin
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHalite, type Logger } from '@halite/core';
import { createHaliteHandler, type Principal } from '@halite/http';
import { createExpressMiddleware } from '@halite/http/express';
import { createSqliteStore } from '@halite/store-sqlite';
import compression from 'compression';
import express from 'express';

const smoke = process.argv.includes('--smoke');

// HALITE_SECRET encrypts the salt-api password at rest. Never use a fixed value in production.
const DEMO_SECRET = 'halite-examples-demo-secret-not-for-production';
const secret = process.env.HALITE_SECRET || DEMO_SECRET;
if (secret === DEMO_SECRET) console.warn('warning: HALITE_SECRET is not set; using a fixed demo secret');

// --smoke uses a throwaway database; a normal run keeps ./example.sqlite between runs.
const tmp = smoke ? mkdtempSync(join(tmpdir(), 'halite-example-')) : null;
const filename = tmp ? join(tmp, 'example.sqlite') : 'example.sqlite';

const logger: Logger = {
  debug() {},
  info: (msg, fields) => console.log(`[halite] ${msg}`, fields ?? ''),
  warn: (msg, fields) => console.warn(`[halite] ${msg}`, fields ?? ''),
  error: (msg, fields) => console.error(`[halite] ${msg}`, fields ?? ''),
};

const store = await createSqliteStore({ filename });
// The host has its own login, so Halite's built-in accounts stay off (no first-boot admin):
// principals come from the host (the mount's `principal` option); `authenticate` says nobody else.
const halite = await createHalite({ store, secret, logger, authenticate: async () => null });

// ---- The portal's own login (a stand-in: a real portal has its session or SSO here) ----

interface PortalUser {
  id: string;
  email: string;
  isAdmin: boolean;
}
type PortalRequest = express.Request & { user?: PortalUser };

const USERS: Record<string, PortalUser> = {
  alice: { id: 'u-1', email: 'alice@example.com', isAdmin: true },
  bob: { id: 'u-2', email: 'bob@example.com', isAdmin: false },
};

function demoLogin(req: PortalRequest, _res: express.Response, next: express.NextFunction): void {
  const name = req.get('x-demo-user');
  req.user = name ? USERS[name] : undefined;
  next();
}

/** The portal's user as Halite's principal: admins get everything, everyone else read-only. */
function toPrincipal(req: PortalRequest): Principal | null {
  if (!req.user) return null; // nobody logged in: every non-public Halite route answers 401
  return {
    id: req.user.id,
    name: req.user.email,
    via: 'host',
    permissions: req.user.isAdmin ? ['*'] : ['view:*'],
  };
}

// ---- The app ----

const app = express();
app.use(compression());
app.use(demoLogin);
app.get('/', (_req, res) => {
  res.type('text/plain').send('my portal\n');
});
// Express strips the mount path, so Halite sees /api/...: no basePath needed.
app.use(
  '/halite',
  createExpressMiddleware(createHaliteHandler(halite, { logger }), { principal: toPrincipal }),
);

const server = createServer(app);
const port = smoke ? 0 : Number(process.env.PORT ?? 3000);
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`portal on ${base}/, Halite on ${base}/halite/api/...`);

async function shutdown(): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await halite.close(); // ends every event stream, so their connections can finish
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 5_000);
  await closed;
  clearTimeout(force);
  await store.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

if (smoke) {
  const checks: [path: string, user: string | null, expected: number][] = [
    ['/', null, 200],
    ['/halite/healthz', null, 200],
    ['/halite/api/minions', 'bob', 200],
    ['/halite/api/minions', null, 401],
    ['/halite/api/admin/settings', 'bob', 403],
    ['/halite/api/admin/settings', 'alice', 200],
  ];
  let failed = 0;
  for (const [path, user, expected] of checks) {
    const res = await fetch(base + path, { headers: user ? { 'x-demo-user': user } : {} });
    await res.arrayBuffer();
    const ok = res.status === expected;
    if (!ok) failed += 1;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} GET ${path} as ${user ?? 'nobody'} -> ${res.status} (want ${expected})`,
    );
  }
  await shutdown();
  process.exitCode = failed === 0 ? 0 : 1;
} else {
  const stop = () => {
    console.log('stopping…');
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
