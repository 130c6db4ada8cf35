import {
  Agent,
  createServer,
  get as httpGet,
  request as httpRequest,
  type IncomingMessage,
  type RequestListener,
} from 'node:http';
import type { HostMount } from '@halite/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRouter, defineRoute, type FetchHandler, toNodeListener } from '../src/index.js';
import { listenOnLoopback } from './listen.js';

const mounts: HostMount[] = [];
afterEach(async () => {
  await Promise.all(mounts.splice(0).map((m) => m.close()));
});

async function serve(listener: RequestListener): Promise<string> {
  const mount = await listenOnLoopback(createServer(listener), '');
  mounts.push(mount);
  return mount.url;
}

/** A handler that answers with what it saw. */
const echo: FetchHandler = async (request) =>
  Response.json({
    url: request.url,
    method: request.method,
    body: request.body ? await request.text() : null,
  });

describe('toNodeListener', () => {
  it('builds the URL from Host and ignores X-Forwarded-* unless trustProxy', async () => {
    const url = await serve(toNodeListener(echo));
    const res = await fetch(`${url}/api/x?a=1`, {
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    });
    const seen = (await res.json()) as { url: string };
    expect(seen.url).toBe(`${url}/api/x?a=1`);
  });

  it('takes scheme and host from the first X-Forwarded-* values with trustProxy', async () => {
    const url = await serve(toNodeListener(echo, { trustProxy: true }));
    const res = await fetch(`${url}/api/x`, {
      headers: {
        'x-forwarded-host': 'halite.example.com, proxy.internal',
        'x-forwarded-proto': 'https, http',
      },
    });
    expect(((await res.json()) as { url: string }).url).toBe('https://halite.example.com/api/x');
  });

  it('strips basePath, hands other paths to next, and 404s them without next', async () => {
    const listener = toNodeListener(echo, { basePath: '/halite/' });
    const url = await serve((req, res) =>
      listener(req, res, () => {
        res.end('next');
      }),
    );
    expect(((await (await fetch(`${url}/halite/api/x`)).json()) as { url: string }).url).toBe(`${url}/api/x`);
    expect(await (await fetch(`${url}/elsewhere`)).text()).toBe('next');

    const bare = await serve(toNodeListener(echo, { basePath: '/halite' }));
    const res = await fetch(`${bare}/elsewhere`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'No route for GET /elsewhere', details: null },
    });
  });

  describe('reuses a body the host already read', () => {
    const preParsed = (parse: (raw: string) => unknown): RequestListener => {
      const listener = toNodeListener(echo);
      return (req, res) => {
        let raw = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => {
          raw += chunk;
        });
        req.on('end', () => {
          (req as IncomingMessage & { body?: unknown }).body = parse(raw);
          listener(req, res);
        });
      };
    };
    const post = (url: string) =>
      fetch(`${url}/api/x`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{ "a" : 1 }',
      });

    it('re-serialises a parsed object as JSON', async () => {
      const url = await serve(preParsed((raw) => JSON.parse(raw)));
      expect(((await (await post(url)).json()) as { body: string }).body).toBe('{"a":1}');
    });

    it('passes a string through as is', async () => {
      const url = await serve(preParsed((raw) => raw));
      expect(((await (await post(url)).json()) as { body: string }).body).toBe('{ "a" : 1 }');
    });

    it('passes a Buffer through as is', async () => {
      const url = await serve(preParsed((raw) => Buffer.from(raw)));
      expect(((await (await post(url)).json()) as { body: string }).body).toBe('{ "a" : 1 }');
    });

    it('sends no body when the host consumed the stream and left none', async () => {
      const url = await serve(preParsed(() => undefined));
      expect(((await (await post(url)).json()) as { body: string | null }).body).toBeNull();
    });
  });

  it('keeps cookies the host set before and adds the handler’s', async () => {
    const listener = toNodeListener(async () => {
      const headers = new Headers();
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      return new Response(null, { status: 204, headers });
    });
    const url = await serve((req, res) => {
      res.setHeader('set-cookie', 'host=0');
      listener(req, res);
    });
    expect((await fetch(url)).headers.getSetCookie()).toEqual(['host=0', 'a=1', 'b=2']);
  });

  it('drops an unread request body so the connection serves its next request', async () => {
    const url = await serve(toNodeListener(async () => new Response('ignored your body')));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const post = () =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => resolve(text));
          },
        );
        req.on('socket', (socket) => sockets.add(socket));
        req.on('error', reject);
        req.end(JSON.stringify({ pad: 'x'.repeat(512 * 1024) }));
      });
    try {
      expect(await post()).toBe('ignored your body');
      expect(await post()).toBe('ignored your body');
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('answers 500 JSON when the handler itself rejects', async () => {
    const url = await serve(toNodeListener(async () => Promise.reject(new Error('no'))));
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: 'internal', message: 'Internal server error', details: null },
    });
  });

  it('stops pulling the response body while the client does not read (backpressure)', async () => {
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024);
    const url = await serve(
      toNodeListener(
        async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              pull(controller) {
                pulled += chunk.byteLength;
                controller.enqueue(chunk);
              },
            }),
          ),
      ),
    );
    const req = httpGet(url, (res) => res.pause());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pulledWhilePaused = pulled;
    req.destroy();
    // Socket and stream buffers hold a few MiB at most; without backpressure it would be GiBs.
    expect(pulledWhilePaused).toBeGreaterThan(0);
    expect(pulledWhilePaused).toBeLessThan(32 * 1024 * 1024);
  });

  it('writes a JSON answer of the router in one piece with its length, and a wrapped one as a stream', async () => {
    const items = Array.from({ length: 2_000 }, (_, i) => ({ id: `minion-${i}`, note: 'ünïcode ✓' }));
    const router = createRouter([
      defineRoute({
        method: 'GET',
        path: '/items',
        summary: 'Items',
        permission: 'public',
        query: z.object({}).strict(),
        handler: async () => ({ items }),
      }),
    ]);
    const direct = await serve(toNodeListener(router));
    const res = await fetch(`${direct}/items`);
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({ items });
    expect((await fetch(`${direct}/items`, { method: 'HEAD' })).headers.get('content-length')).toBeNull();
    // A host handler that reads the router's answer first gets the stream path, intact.
    const wrapped = await serve(
      toNodeListener(async (request) => {
        const inner = await router(request);
        return new Response(await inner.text(), inner);
      }),
    );
    expect(await (await fetch(`${wrapped}/items`)).json()).toEqual({ items });
  });

  it('streams a large body intact', async () => {
    const size = 5 * 1024 * 1024;
    const payload = new Uint8Array(size).map((_, i) => i % 251);
    const url = await serve(toNodeListener(async () => new Response(payload)));
    const got = new Uint8Array(await (await fetch(url)).arrayBuffer());
    expect(got.byteLength).toBe(size);
    expect(got.every((byte, i) => byte === i % 251)).toBe(true);
  });
});
