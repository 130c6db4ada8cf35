import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  capturingLogger,
  fakeSaltApi,
  htmlError,
  SALT_URL,
  TEST_PASSWORD,
} from './__fixtures__/fake-salt-api.js';
import { eventsWire, managePresentBody } from './__fixtures__/wire.js';
import { SaltAPIClient, type SaltAPIClientOptions } from './client.js';
import { SaltAPIError, SaltAPIUnavailable } from './errors.js';
import type { SaltEvent } from './schemas.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const encoder = new TextEncoder();

/** An SSE body the test writes to; `cancelled` turns true when the client closes it. */
function sseBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const state = {
    cancelled: false,
    stream: new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel() {
        state.cancelled = true;
      },
    }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
  return state;
}

type Flavor = 'new' | 'old';

/**
 * The fake salt-api plus `/events` as a given salt-api version authenticates it:
 * - `new` (3008.5, after PR #69072): any query parameter → 400; the `X-Auth-Token` header works;
 * - `old`: the header is not honoured; `?token=` works.
 */
function setup(flavor: Flavor, options: Partial<SaltAPIClientOptions> = {}) {
  const fake = fakeSaltApi({ lowstate: () => managePresentBody });
  const bodies: Array<ReturnType<typeof sseBody>> = [];
  let nextBody: (() => ReturnType<typeof sseBody>) | undefined;
  server.use(
    ...fake.handlers,
    http.get(`${SALT_URL}/events`, async ({ request }) => {
      const { headers, search } = await fake.record(request);
      const query = new URLSearchParams(search);
      if (flavor === 'new' && search !== '') {
        return htmlError(
          400,
          '<h2>400 Bad Request</h2>\n<p>The /events endpoint takes no query parameters.</p>',
        );
      }
      const token =
        flavor === 'new' ? headers['x-auth-token'] : (query.get('token') ?? query.get('salt_token'));
      if (!token || !fake.state.valid.has(token)) return fake.unauthorized();
      const body = nextBody ? nextBody() : sseBody();
      bodies.push(body);
      return new HttpResponse(body.stream, {
        headers: { 'Content-Type': 'text/event-stream;charset=utf-8', 'Cache-Control': 'no-cache' },
      });
    }),
  );
  const client = new SaltAPIClient({
    url: SALT_URL,
    username: 'saltdev',
    password: TEST_PASSWORD,
    ...options,
  });
  const eventRequests = () =>
    fake.state.requests
      .filter((r) => r.path === '/events')
      .map((r) => ({
        header: r.headers['x-auth-token'] ?? null,
        query: new URLSearchParams(r.search).get('token'),
      }));
  return {
    client,
    fake: fake.state,
    bodies,
    eventRequests,
    willServe: (make: () => ReturnType<typeof sseBody>) => {
      nextBody = make;
    },
  };
}

/** Collects `count` events, then aborts; resolves with them once the iteration has ended. */
async function collect(client: SaltAPIClient, count: number, whenOpen?: () => void) {
  const controller = new AbortController();
  const events: SaltEvent[] = [];
  const stream = client.events({ signal: controller.signal, ...(whenOpen ? { onOpen: whenOpen } : {}) });
  for await (const event of stream) {
    events.push(event);
    if (events.length === count) controller.abort();
  }
  return { events, stats: stream.stats };
}

describe('SaltAPIClient.events', () => {
  it('logs in lazily, sends the token in the X-Auth-Token header only, and yields {tag, data}', async () => {
    const { client, fake, willServe, eventRequests } = setup('new');
    willServe(() => {
      const body = sseBody();
      body.write(eventsWire);
      return body;
    });

    const { events, stats } = await collect(client, 2);

    expect(fake.count('POST', '/login')).toBe(1);
    expect(eventRequests()).toEqual([{ header: fake.tokenOf(1), query: null }]);
    const request = fake.requests.find((r) => r.path === '/events');
    expect(request?.headers.accept).toBe('text/event-stream');
    expect(request?.search).toBe('');
    expect(events.map((e) => e.tag)).toEqual([
      'salt/job/20251002101112123456/new',
      'salt/job/20251002101112123456/ret/m1',
    ]);
    expect(events[1]?.data).toMatchObject({
      id: 'm1',
      return: true,
      retcode: 0,
      _stamp: '2025-10-02T10:11:12.345678',
    });
    expect(stats.retryMs).toBe(400);
  });

  it('reads events that arrive split across writes', async () => {
    const { client, willServe } = setup('new');
    willServe(() => {
      const body = sseBody();
      const half = Math.floor(eventsWire.length / 2);
      body.write(eventsWire.slice(0, 7));
      setTimeout(() => body.write(eventsWire.slice(7, half)), 5);
      setTimeout(() => body.write(eventsWire.slice(half)), 10);
      return body;
    });
    const { events } = await collect(client, 2);
    expect(events.map((e) => e.data.jid)).toEqual(['20251002101112123456', '20251002101112123456']);
  });

  it('falls back to ?token= on an old salt-api that answers the header with 401, and remembers it', async () => {
    const { client, fake, willServe, eventRequests } = setup('old');
    willServe(() => {
      const body = sseBody();
      body.write('retry: 400\ntag: salt/auth\ndata: {"tag": "salt/auth", "data": {"id": "m1"}}\n\n');
      return body;
    });

    const first = await collect(client, 1);
    const second = await collect(client, 1);

    expect(first.events[0]).toEqual({ tag: 'salt/auth', data: { id: 'm1' } });
    expect(second.events[0]).toEqual({ tag: 'salt/auth', data: { id: 'm1' } });
    expect(eventRequests()).toEqual([
      { header: fake.tokenOf(1), query: null },
      { header: null, query: fake.tokenOf(1) },
      { header: null, query: fake.tokenOf(1) },
    ]);
    expect(fake.count('POST', '/login')).toBe(1);
  });

  it('on a new salt-api, takes the 400 to ?token= as "log in again" after the header got a 401', async () => {
    const { client, fake, willServe, eventRequests } = setup('new');
    willServe(() => {
      const body = sseBody();
      body.write('tag: t\ndata: {"tag": "t", "data": {}}\n\n');
      return body;
    });
    await client.login();
    fake.forgetSessions();

    const { events } = await collect(client, 1);

    expect(events).toEqual([{ tag: 't', data: {} }]);
    expect(eventRequests()).toEqual([
      { header: fake.tokenOf(1), query: null },
      { header: null, query: fake.tokenOf(1) },
      { header: fake.tokenOf(2), query: null },
    ]);
    expect(fake.count('POST', '/login')).toBe(2);
  });

  it('on an old salt-api, logs in again when ?token= gets a 401 too', async () => {
    const { client, fake, willServe, eventRequests } = setup('old');
    willServe(() => {
      const body = sseBody();
      body.write('tag: t\ndata: {"tag": "t", "data": {}}\n\n');
      return body;
    });
    await collect(client, 1);
    fake.forgetSessions();

    await collect(client, 1);

    expect(eventRequests()).toEqual([
      { header: fake.tokenOf(1), query: null },
      { header: null, query: fake.tokenOf(1) },
      { header: null, query: fake.tokenOf(1) },
      { header: fake.tokenOf(1), query: null },
      { header: null, query: fake.tokenOf(2) },
    ]);
  });

  it('throws SaltAPIError 401 when /events refuses the new token too', async () => {
    const { client, fake } = setup('new');
    server.use(http.get(`${SALT_URL}/events`, () => htmlError(401, '<p>nope</p>')));
    const error = await (async () => {
      try {
        for await (const _ of client.events()) {
          // nothing arrives
        }
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).status).toBe(401);
    expect(fake.count('POST', '/login')).toBe(2);
  });

  it('ends cleanly on abort, closing the connection', async () => {
    const { client, bodies } = setup('new');
    const controller = new AbortController();
    let opened = false;
    const iteration = (async () => {
      for await (const _ of client.events({ signal: controller.signal, onOpen: () => (opened = true) })) {
        // idle stream
      }
      return 'ended';
    })();
    await expect.poll(() => opened).toBe(true);
    controller.abort();
    await expect(iteration).resolves.toBe('ended');
    await expect.poll(() => bodies[0]?.cancelled).toBe(true);
  });

  it('ends cleanly when aborted before the connection is open', async () => {
    const { client, fake } = setup('new');
    const controller = new AbortController();
    controller.abort();
    const seen: SaltEvent[] = [];
    for await (const event of client.events({ signal: controller.signal })) seen.push(event);
    expect(seen).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('throws SaltAPIUnavailable (stream_closed) when salt-api ends the stream unasked', async () => {
    const { client, willServe } = setup('new');
    willServe(() => {
      const body = sseBody();
      body.write('tag: t\ndata: {"tag": "t", "data": {}}\n\n');
      setTimeout(() => body.end(), 5);
      return body;
    });
    const seen: string[] = [];
    const error = await (async () => {
      try {
        for await (const event of client.events()) seen.push(event.tag);
      } catch (err) {
        return err;
      }
    })();
    expect(seen).toEqual(['t']);
    expect(error).toBeInstanceOf(SaltAPIUnavailable);
    expect((error as SaltAPIUnavailable).reason).toBe('stream_closed');
  });

  it('skips and counts malformed data lines', async () => {
    const { client, willServe } = setup('new');
    willServe(() => {
      const body = sseBody();
      body.write(
        'retry: 400\ntag: x\ndata: {not json\n\ntag: y\ndata: {"tag": "y", "data": {"ok": true}}\n\n',
      );
      return body;
    });
    const { events, stats } = await collect(client, 1);
    expect(events).toEqual([{ tag: 'y', data: { ok: true } }]);
    expect(stats.malformed).toBe(1);
    expect(stats.events).toBe(1);
  });

  it('calls onOpen once the stream is open, before the first event', async () => {
    const { client, willServe } = setup('new');
    willServe(() => {
      const body = sseBody();
      body.write('tag: t\ndata: {"tag": "t", "data": {}}\n\n');
      return body;
    });
    const order: string[] = [];
    const controller = new AbortController();
    for await (const event of client.events({
      signal: controller.signal,
      onOpen: () => order.push('open'),
    })) {
      order.push(event.tag);
      controller.abort();
    }
    expect(order).toEqual(['open', 't']);
  });

  it('can be iterated only once', async () => {
    const { client } = setup('new');
    const controller = new AbortController();
    controller.abort();
    const stream = client.events({ signal: controller.signal });
    for await (const _ of stream) {
      // aborted: nothing
    }
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow(/iterated once/);
  });
});

describe('SaltAPIClient secrets', () => {
  it('never logs the password or a token, through logins, a 401, retries and /events fallbacks', async () => {
    const { lines, logger } = capturingLogger();
    const { client, fake, willServe } = setup('old', { logger, retry: { minTimeout: 1 } });
    willServe(() => {
      const body = sseBody();
      body.write('tag: t\ndata: {"tag": "t", "data": {}}\n\n');
      return body;
    });
    await client.listConnectedMinions();
    fake.forgetSessions();
    let failures = 0;
    fake.lowstate = () => (++failures === 1 ? htmlError(500, '<p>boom</p>') : managePresentBody);
    await client.listConnectedMinions();
    await collect(client, 1);
    await client.logout();

    const logged = JSON.stringify(lines);
    expect(lines.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        'salt-api login',
        'salt-api rejected the session token; logging in again',
        'salt-api request failed; retrying',
      ]),
    );
    expect(logged).not.toContain(TEST_PASSWORD);
    expect(logged).not.toContain(fake.tokenOf(1));
    expect(logged).not.toContain(fake.tokenOf(2));
    expect(logged).not.toMatch(/deadbeef/);
  });

  it('keeps the password and the token out of errors', async () => {
    const { client, fake } = setup('old');
    // The header gets a 401; the ?token= request then fails in the network, with the token in its URL.
    server.use(
      http.get(`${SALT_URL}/events`, ({ request }) =>
        new URL(request.url).search === '' ? htmlError(401, '<p>No permission</p>') : HttpResponse.error(),
      ),
    );
    await client.login();
    const error = await (async () => {
      try {
        for await (const _ of client.events()) {
          // fails at once
        }
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(SaltAPIUnavailable);
    const cause = (error as Error).cause as Error;
    const text = [
      String(error),
      JSON.stringify(error),
      String(cause),
      JSON.stringify(cause),
      cause.stack,
    ].join(' ');
    expect(text).not.toContain(fake.tokenOf(1));
    expect(text).not.toContain(TEST_PASSWORD);
  });
});
