import type { FetchHandler } from '@halite/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_MAX_BODY_BYTES, type ConformanceProbe, createConformanceHandler } from './routes.js';

/** A handler mounted in a host, listening on loopback. */
export interface HostMount {
  /** The absolute URL of the mount prefix, without a trailing slash: `http://127.0.0.1:41234/halite`. */
  url: string;
  /** Stops the server (open streams included). */
  close(): Promise<void>;
}

/**
 * Mounts `handler` in a host the way an application would. The mount must:
 *
 * - serve the handler under a prefix (not at the root), and return that prefix's URL;
 * - serve a route of the host's own beside it: `GET /host/ping` → `200 pong` (text);
 * - if the host parses JSON bodies itself (Express `express.json()`), do so in front of
 *   `<prefix>/api/parsed`, so the suite covers a body the host parsed first.
 */
export type HostMounter = (handler: FetchHandler) => Promise<HostMount>;

/**
 * The HTTP-host conformance suite: one set of tests that every way of mounting a Halite
 * handler must pass (node:http, Express with and without `compression()`, Fastify, …). It
 * mounts a small route table of its own and checks, over real loopback HTTP: routing under a
 * prefix beside the host's routes, path parameters, query coercion, JSON bodies (and one the
 * host parsed), the 400/404/405/413/415 answers, cookies and headers both ways, a thrown error,
 * and event streams (first bytes at once, events one by one, keepalives, disconnect seen).
 *
 * @example
 * ```ts
 * describeHostConformance('node:http', async (handler) => {
 *   const server = createServer(toNodeListener(handler, { basePath: '/halite' }));
 *   await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
 *   const { port } = server.address() as AddressInfo;
 *   return { url: `http://127.0.0.1:${port}/halite`, close: () => closeServer(server) };
 * });
 * ```
 */
export function describeHostConformance(name: string, mount: HostMounter): void {
  describe(`host conformance: ${name}`, () => {
    let base = '';
    let origin = '';
    let probe: ConformanceProbe;
    let mounted: HostMount | undefined;

    beforeAll(async () => {
      const conformance = createConformanceHandler();
      probe = conformance.probe;
      mounted = await mount(conformance.handler);
      base = mounted.url.replace(/\/+$/, '');
      origin = new URL(base).origin;
    });
    afterAll(async () => {
      await mounted?.close();
    });

    const json = (value: unknown): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value),
    });
    const error = (code: string, message: string, details: unknown = null) => ({
      error: { code, message, details },
    });
    const invalid = (path: string, message: string) =>
      error('invalid_input', `${path}: ${message}`, { issues: [{ path, message }] });

    describe('routing', () => {
      it('serves a route under the mount prefix', async () => {
        const res = await fetch(`${base}/api/items/ab`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(await res.json()).toEqual({ item_id: 'ab' });
      });

      it("leaves the host's own routes to the host", async () => {
        const res = await fetch(`${origin}/host/ping`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('pong');
      });

      it('serves /healthz and the OpenAPI document under the prefix', async () => {
        const health = await fetch(`${base}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });
        const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
          openapi: string;
          paths: object;
        };
        expect(doc.openapi).toBe('3.1.0');
        expect(Object.keys(doc.paths)).toContain('/api/items/{item_id}');
      });

      it('decodes percent-encoded path parameters', async () => {
        const res = await fetch(`${base}/api/items/web%2001%2Fa`);
        expect(await res.json()).toEqual({ item_id: 'web 01/a' });
      });

      it('prefers a literal segment over a parameter', async () => {
        const res = await fetch(`${base}/api/items/special`);
        expect(await res.json()).toEqual({ special: true });
      });

      it('answers 404 JSON for an unknown path under the prefix', async () => {
        const res = await fetch(`${base}/api/nothing-here`);
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual(error('not_found', 'No route for GET /api/nothing-here'));
      });

      it('answers 405 with Allow for a known path asked with another method', async () => {
        const res = await fetch(`${base}/api/items/ab`, { method: 'PUT' });
        expect(res.status).toBe(405);
        expect(res.headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS');
        expect(await res.json()).toEqual(
          error('method_not_allowed', 'PUT is not allowed on /api/items/ab', {
            allow: ['DELETE', 'GET', 'HEAD', 'OPTIONS'],
          }),
        );
      });

      it('answers HEAD from the GET route, headers without a body', async () => {
        const res = await fetch(`${base}/api/items/ab`, { method: 'HEAD' });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(await res.text()).toBe('');
      });

      it('answers 204 without a body when the handler returns null', async () => {
        const res = await fetch(`${base}/api/items/ab`, { method: 'DELETE' });
        expect(res.status).toBe(204);
        expect(await res.text()).toBe('');
      });
    });

    describe('query strings', () => {
      it("coerces values with the route's schema, repeated keys as arrays", async () => {
        const res = await fetch(`${base}/api/search?limit=25&live=true&tag=a&tag=b`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ limit: 25, live: true, tag: ['a', 'b'] });
      });

      it('fills defaults for absent keys', async () => {
        expect(await (await fetch(`${base}/api/search`)).json()).toEqual({ limit: 10, live: false });
      });

      it('answers 400 naming the query field out of range', async () => {
        const res = await fetch(`${base}/api/search?limit=500`);
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(invalid('query.limit', 'Too big: expected number to be <=100'));
      });

      it('answers 400 naming an unknown query key', async () => {
        const res = await fetch(`${base}/api/search?bogus=1`);
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(invalid('query.bogus', 'unknown field'));
      });
    });

    describe('JSON bodies', () => {
      it("parses a JSON body with the route's schema", async () => {
        const res = await fetch(`${base}/api/echo`, json({ name: 'web-01', count: 2 }));
        expect(res.status).toBe(201);
        expect(await res.json()).toEqual({ received: { name: 'web-01', count: 2 } });
      });

      it('accepts a JSON body the host parsed before the handler', async () => {
        const res = await fetch(`${base}/api/parsed/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: '{ "name" :  "db-01" }',
        });
        expect(res.status).toBe(201);
        expect(await res.json()).toEqual({ received: { name: 'db-01' } });
      });

      it('answers 400 naming the body for malformed JSON', async () => {
        const res = await fetch(`${base}/api/echo`, { ...json(null), body: '{"name": ' });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(invalid('body', 'malformed JSON'));
      });

      it('answers 400 naming the body field that fails validation', async () => {
        const res = await fetch(`${base}/api/echo`, json({ name: '' }));
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(
          invalid('body.name', 'Too small: expected string to have >=1 characters'),
        );
      });

      it('answers 400 naming an unknown body field', async () => {
        const res = await fetch(`${base}/api/echo`, json({ name: 'x', extra: true }));
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(invalid('body.extra', 'unknown field'));
      });

      it('answers 400 when the body is missing', async () => {
        const res = await fetch(`${base}/api/echo`, { method: 'POST' });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(
          invalid('body', 'Invalid input: expected object, received undefined'),
        );
      });

      it('answers 415 for a body that is not JSON', async () => {
        const res = await fetch(`${base}/api/echo`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'name=web-01',
        });
        expect(res.status).toBe(415);
        expect(await res.json()).toEqual(
          error('unsupported_media_type', 'body: Content-Type must be application/json'),
        );
      });

      const tooLarge = error('payload_too_large', `body: larger than ${CONFORMANCE_MAX_BODY_BYTES} bytes`, {
        max_bytes: CONFORMANCE_MAX_BODY_BYTES,
      });
      const bigBody = () => JSON.stringify({ name: 'x'.repeat(CONFORMANCE_MAX_BODY_BYTES + 1024) });

      it('answers 413 for a body whose Content-Length is over the limit', async () => {
        const res = await fetch(`${base}/api/echo`, { ...json(null), body: bigBody() });
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual(tooLarge);
      });

      it('answers 413 for a streamed body that grows over the limit', async () => {
        const bytes = new TextEncoder().encode(bigBody());
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < bytes.length; at += 8192) controller.enqueue(bytes.subarray(at, at + 8192));
            controller.close();
          },
        });
        const res = await fetch(`${base}/api/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          duplex: 'half',
        } as RequestInit);
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual(tooLarge);
      });

      it('answers 413 for a body the host parsed that is over the limit', async () => {
        const res = await fetch(`${base}/api/parsed/echo`, { ...json(null), body: bigBody() });
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual(tooLarge);
      });

      it('keeps serving after a 413', async () => {
        await fetch(`${base}/api/echo`, { ...json(null), body: bigBody() }).then((r) => r.arrayBuffer());
        const res = await fetch(`${base}/api/echo`, json({ name: 'after' }));
        expect(res.status).toBe(201);
      });
    });

    describe('headers and cookies', () => {
      it('passes every Set-Cookie through, separately', async () => {
        const res = await fetch(`${base}/api/cookies`, { method: 'POST' });
        expect(res.status).toBe(204);
        expect(res.headers.getSetCookie()).toEqual([
          'first=1; Path=/; HttpOnly; SameSite=Lax',
          'second=2, with comma; Path=/',
        ]);
      });

      it('hands the cookies the client sends to the handler', async () => {
        const res = await fetch(`${base}/api/cookies`, { headers: { cookie: 'first=1; second=2' } });
        expect(await res.json()).toEqual({ cookie: 'first=1; second=2' });
      });

      it('passes request headers in and response headers out', async () => {
        const res = await fetch(`${base}/api/headers?x=1`, { headers: { 'x-conformance': 'hello' } });
        expect(res.headers.get('x-conformance-reply')).toBe('got hello');
        const body = (await res.json()) as { value: string; url: string };
        expect(body.value).toBe('hello');
        expect(new URL(body.url).pathname).toBe('/api/headers');
        expect(new URL(body.url).search).toBe('?x=1');
      });
    });

    describe('client disconnects', () => {
      it("aborts the handler's signal when the client goes away", async () => {
        const started = probe.nextWait();
        const abort = new AbortController();
        const request = fetch(`${base}/api/wait`, { signal: abort.signal }).catch((e: unknown) => e);
        const signal = await within(2000, started, 'the route never ran');
        expect(signal.aborted).toBe(false);
        abort.abort();
        await request;
        const aborted = signal.aborted
          ? Promise.resolve()
          : new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        await within(2000, aborted, 'the signal did not abort after the disconnect');
        expect(signal.aborted).toBe(true);
      });
    });

    describe('errors', () => {
      it('answers 500 JSON with a generic message when a handler throws', async () => {
        const res = await fetch(`${base}/api/boom`);
        expect(res.status).toBe(500);
        const text = await res.text();
        expect(JSON.parse(text)).toEqual(error('internal', 'Internal server error'));
        expect(text).not.toContain('secret');
      });
    });

    describe('event streams', () => {
      it('sends the SSE headers and a first comment at once', async () => {
        const stream = await openStream(`${base}/api/stream`);
        try {
          expect(stream.response.status).toBe(200);
          expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
          expect(stream.response.headers.get('cache-control')).toBe('no-cache, no-transform');
          expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
          expect(stream.response.headers.get('content-encoding')).toBeNull();
          expect(await stream.readUntil(': connected\n\n')).toBe(': connected\n\n');
        } finally {
          stream.close();
        }
      });

      it('delivers each event while the stream stays open', async () => {
        const opened = probe.nextSource();
        const stream = await openStream(`${base}/api/stream`);
        try {
          const source = await within(2000, opened, 'the route never ran');
          await stream.readUntil(': connected\n\n');
          source.push({ id: 1, event: 'job', data: { n: 1 } });
          expect(await stream.readUntil('\n\n')).toBe('id: 1\nevent: job\ndata: {"n":1}\n\n');
          source.push({ id: 2, data: 'second' });
          expect(await stream.readUntil('\n\n')).toBe('id: 2\ndata: second\n\n');
          expect(source.isClosed).toBe(false);
        } finally {
          stream.close();
        }
      });

      it('sends keepalive comments while nothing happens', async () => {
        const stream = await openStream(`${base}/api/keepalive-stream`);
        try {
          await stream.readUntil(': connected\n\n');
          expect(await stream.readUntil('\n\n')).toBe(': keepalive\n\n');
        } finally {
          stream.close();
        }
      });

      it('closes the source when the client disconnects', async () => {
        const opened = probe.nextSource();
        const stream = await openStream(`${base}/api/stream`);
        const source = await within(2000, opened, 'the route never ran');
        await stream.readUntil(': connected\n\n');
        expect(source.isClosed).toBe(false);
        stream.close();
        await within(2000, source.closed, 'the source was not closed after the disconnect');
        expect(source.isClosed).toBe(true);
      });
    });
  });
}

/** An open event stream, read incrementally. */
interface OpenStream {
  response: Response;
  /** Resolves with the text up to and including the next `marker`, failing after 2 s. */
  readUntil(marker: string): Promise<string>;
  /** Disconnects. */
  close(): void;
}

async function openStream(url: string): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await within(2000, fetch(url, { signal: abort.signal }), 'no response headers within 2 s');
  if (!response.body) throw new Error('event stream without a body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return {
    response,
    async readUntil(marker) {
      const read = async () => {
        while (!buffered.includes(marker)) {
          const { done, value } = await reader.read();
          if (done)
            throw new Error(`stream ended before ${JSON.stringify(marker)}; got ${JSON.stringify(buffered)}`);
          buffered += value;
        }
        const end = buffered.indexOf(marker) + marker.length;
        const out = buffered.slice(0, end);
        buffered = buffered.slice(end);
        return out;
      };
      return within(
        2000,
        read(),
        `no ${JSON.stringify(marker)} within 2 s (buffered: ${JSON.stringify(buffered)})`,
      );
    },
    close() {
      abort.abort();
      reader.cancel().catch(() => {});
    },
  };
}

function within<T>(ms: number, promise: Promise<T>, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
