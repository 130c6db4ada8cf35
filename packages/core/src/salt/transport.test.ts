import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from './__fixtures__/fake-salt-api.js';
import { keyListAllBody } from './__fixtures__/wire.js';
import { SaltAPIClient } from './client.js';
import { SaltAPIUnavailable } from './errors.js';
import { KeyLists, type SaltEvent } from './schemas.js';

// Real sockets, no msw: TLS, refused connections and timeouts are what the real network does.

const TOKEN = 'c0ffee0000000000000000000000000000000001';

/** A tiny salt-api: /login, / (key.list_all) and /events (one event, then idle). */
function saltApi(counts: Record<string, number>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts[path] = (counts[path] ?? 0) + 1;
    req.resume();
    req.on('end', () => {
      if (path === '/login') {
        const now = Date.now() / 1000;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            return: [
              { token: TOKEN, start: now, expire: now + 3600, user: 'saltdev', eauth: 'pam', perms: [] },
            ],
          }),
        );
      } else if (path === '/' && req.headers['x-auth-token'] === TOKEN) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(keyListAllBody));
      } else if (path === '/events' && req.headers['x-auth-token'] === TOKEN) {
        res.writeHead(200, {
          'Content-Type': 'text/event-stream;charset=utf-8',
          'Cache-Control': 'no-cache',
        });
        res.write('retry: 400\n');
        setTimeout(
          () => res.write('tag: salt/test\ndata: {"tag": "salt/test", "data": {"n": 1}}\n\n'),
          300,
        ).unref();
      } else {
        res.writeHead(401, { 'Content-Type': 'text/html' });
        res.end('<p>No permission -- see authorization schemes</p>');
      }
    });
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function firstEvent(client: SaltAPIClient): Promise<SaltEvent | undefined> {
  const controller = new AbortController();
  for await (const event of client.events({ signal: controller.signal })) {
    controller.abort();
    return event;
  }
  return undefined;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('SaltAPIClient over https with a self-signed certificate', () => {
  const counts: Record<string, number> = {};
  let dir: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'halite-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      saltApi(counts),
    );
    url = `https://127.0.0.1:${await listen(server)}`;
  });

  afterAll(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, calls and streams events when verifyTls is false', async () => {
    const client = new SaltAPIClient({ url, username: 'saltdev', password: 'pw', verifyTls: false });
    const keys = await client.wheelCall('key.list_all', {}, { schema: KeyLists });
    expect(keys.minions).toEqual(['m1', 'm2']);
    expect(await firstEvent(client)).toEqual({ tag: 'salt/test', data: { n: 1 } });
  });

  it('refuses the certificate by default with SaltAPIUnavailable (tls), without retrying', async () => {
    const { lines, logger } = capturingLogger();
    const client = new SaltAPIClient({ url, username: 'saltdev', password: 'pw', logger });
    const before = counts['/login'] ?? 0;
    const error = await rejectionOf(client.login());
    expect(error).toBeInstanceOf(SaltAPIUnavailable);
    expect((error as SaltAPIUnavailable).reason).toBe('tls');
    expect((error as SaltAPIUnavailable).message).toMatch(
      /^cannot reach salt-api at https:\/\/127\.0\.0\.1:\d+: /,
    );
    expect(counts['/login'] ?? 0).toBe(before);
    expect(lines.filter((l) => l.message === 'salt-api request failed; retrying')).toHaveLength(0);
  });
});

describe('SaltAPIClient on a plain socket', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });

  it('retries a refused connection 3 times, then throws SaltAPIUnavailable (connection_refused)', async () => {
    const probe = createHttpServer();
    const port = await listen(probe);
    await close(probe); // nothing listens there now
    const { lines, logger } = capturingLogger();
    const client = new SaltAPIClient({
      url: `http://127.0.0.1:${port}`,
      username: 'saltdev',
      password: 'pw',
      logger,
      retry: { minTimeout: 1, maxTimeout: 2 },
    });
    const error = await rejectionOf(client.runnerCall('manage.up'));
    expect(error).toBeInstanceOf(SaltAPIUnavailable);
    expect((error as SaltAPIUnavailable).reason).toBe('connection_refused');
    expect((error as SaltAPIUnavailable).cause).toBeDefined();
    expect(
      lines.filter((l) => l.message === 'salt-api request failed; retrying').map((l) => l.fields?.attempt),
    ).toEqual([1, 2, 3]);
  });

  it('retries /login after a reset connection (salt-api restarting), but not a call that may have run', async () => {
    let logins = 0;
    let calls = 0;
    const flaky = createHttpServer((req, res) => {
      if (req.url === '/login') {
        logins++;
        if (logins === 1) return req.socket.destroy(); // reset mid-request
        res.setHeader('content-type', 'application/json');
        return res.end(
          JSON.stringify({
            return: [{ token: 'ab12', expire: 4e9, start: 1, user: 'u', eauth: 'pam', perms: [] }],
          }),
        );
      }
      calls++;
      req.socket.destroy();
    });
    servers.push(flaky);
    const port = await listen(flaky);
    const client = new SaltAPIClient({
      url: `http://127.0.0.1:${port}`,
      username: 'u',
      password: 'p',
      retry: { minTimeout: 1, maxTimeout: 2 },
    });
    await client.login();
    expect(logins).toBe(2);
    const error = await rejectionOf(client.localAsync({ tgt: '*', fun: 'test.ping' }));
    expect((error as SaltAPIUnavailable).reason).toBe('connection_reset');
    expect(calls).toBe(1);
  });

  it('gives up after timeoutMs with SaltAPIUnavailable (timeout), without retrying', async () => {
    let requests = 0;
    const silent = createHttpServer(() => {
      requests++; // never answers
    });
    servers.push(silent);
    const port = await listen(silent);
    const client = new SaltAPIClient({
      url: `http://127.0.0.1:${port}`,
      username: 'u',
      password: 'p',
      timeoutMs: 150,
    });
    const started = performance.now();
    const error = await rejectionOf(client.login());
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(SaltAPIUnavailable);
    expect((error as SaltAPIUnavailable).reason).toBe('timeout');
    expect((error as Error).message).toMatch(/did not answer POST \/login within 150 ms$/);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2000);
    expect(requests).toBe(1);
  });

  it('keeps an idle /events stream open past timeoutMs once the headers have arrived', async () => {
    const counts: Record<string, number> = {};
    const server = createHttpServer(saltApi(counts));
    servers.push(server);
    const port = await listen(server);
    const client = new SaltAPIClient({
      url: `http://127.0.0.1:${port}`,
      username: 'u',
      password: 'p',
      timeoutMs: 100,
    });
    // The event comes 300 ms after the headers, three times the request deadline.
    expect(await firstEvent(client)).toEqual({ tag: 'salt/test', data: { n: 1 } });
    expect(counts['/events']).toBe(1);
  });
});
