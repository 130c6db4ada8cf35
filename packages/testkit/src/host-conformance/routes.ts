import {
  createRouter,
  defineRoute,
  type FetchHandler,
  haliteSystemRoutes,
  type SseMessage,
  sseResponse,
} from '@halite/http';
import { z } from 'zod';

/** The body limit of the conformance router: small, so the 413 tests send little. */
export const CONFORMANCE_MAX_BODY_BYTES = 64 * 1024;

/**
 * An event source the test drives by hand: `push` delivers one message to the stream, and
 * `closed` resolves when the stream closed the source (its iterator's `return()`).
 */
export class ManualEventSource implements AsyncIterable<SseMessage> {
  readonly #queue: SseMessage[] = [];
  #wake: ((result: IteratorResult<SseMessage>) => void) | null = null;
  #isClosed = false;
  #markClosed!: () => void;
  /** Resolves once the consumer closed this source. */
  readonly closed = new Promise<void>((resolve) => {
    this.#markClosed = resolve;
  });

  /** Whether the consumer closed this source. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Hands one message to the stream. */
  push(message: SseMessage): void {
    if (this.#isClosed) return;
    const wake = this.#wake;
    this.#wake = null;
    if (wake) wake({ done: false, value: message });
    else this.#queue.push(message);
  }

  [Symbol.asyncIterator](): AsyncIterator<SseMessage> {
    return {
      next: () => {
        const queued = this.#queue.shift();
        if (queued) return Promise.resolve({ done: false, value: queued });
        if (this.#isClosed) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => {
          this.#wake = resolve;
        });
      },
      return: () => {
        this.#isClosed = true;
        this.#wake?.({ done: true, value: undefined });
        this.#wake = null;
        this.#markClosed();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}

/** What the conformance routes let a test observe: the event sources of open streams, in order. */
export interface ConformanceProbe {
  /** One source per `GET /api/stream` request, in the order they arrived. */
  sources: ManualEventSource[];
  /** Resolves with the next source a `GET /api/stream` request opens. */
  nextSource(): Promise<ManualEventSource>;
  /**
   * Resolves with the next `GET /api/wait` request's signal once its handler runs; the handler
   * answers only when that signal aborts (the client disconnected).
   */
  nextWait(): Promise<AbortSignal>;
}

/**
 * The handler the host-conformance suite mounts: a small route table (not Halite's), with the
 * system routes, a 64 KiB body limit and no `authenticate` (anonymous, all permissions).
 */
export function createConformanceHandler(): { handler: FetchHandler; probe: ConformanceProbe } {
  const waiters: ((source: ManualEventSource) => void)[] = [];
  const waitWaiters: ((signal: AbortSignal) => void)[] = [];
  const probe: ConformanceProbe = {
    sources: [],
    nextSource: () => new Promise((resolve) => waiters.push(resolve)),
    nextWait: () => new Promise((resolve) => waitWaiters.push(resolve)),
  };
  const Body = z.object({ name: z.string().min(1), count: z.number().int().optional() }).strict();
  const echo = (path: string) =>
    defineRoute({
      method: 'POST',
      path,
      permission: 'view:item:*',
      summary: 'Echo a JSON body',
      status: 201,
      body: Body,
      handler: async ({ body }) => ({ received: body }),
    });

  const routes = [
    ...haliteSystemRoutes(),
    defineRoute({
      method: 'GET',
      path: '/api/items/:item_id',
      permission: 'view:item:*',
      summary: 'One item',
      params: z.object({ item_id: z.string().min(2) }),
      handler: async ({ params }) => ({ item_id: params.item_id }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/items/:item_id',
      permission: ({ params }) => `delete:item:${params.item_id}`,
      summary: 'Delete an item',
      params: z.object({ item_id: z.string() }),
      status: 204,
      handler: async () => null,
    }),
    defineRoute({
      method: 'GET',
      path: '/api/items/special',
      permission: 'view:item:*',
      summary: 'A literal segment beside a parameter',
      handler: async () => ({ special: true }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/search',
      permission: 'view:item:*',
      summary: 'Query coercion',
      query: z
        .object({
          limit: z.coerce.number().int().min(1).max(100).default(10),
          live: z.stringbool().default(false),
          tag: z.union([z.string(), z.array(z.string())]).optional(),
        })
        .strict(),
      handler: async ({ query }) => query,
    }),
    echo('/api/echo'),
    echo('/api/parsed/echo'),
    defineRoute({
      method: 'GET',
      path: '/api/cookies',
      permission: 'public',
      summary: 'Echo the Cookie header',
      handler: async ({ request }) => ({ cookie: request.headers.get('cookie') }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/cookies',
      permission: 'public',
      summary: 'Set two cookies',
      status: 204,
      handler: async ({ responseHeaders }) => {
        responseHeaders.append('set-cookie', 'first=1; Path=/; HttpOnly; SameSite=Lax');
        responseHeaders.append('set-cookie', 'second=2, with comma; Path=/');
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/headers',
      permission: 'public',
      summary: 'Echo a request header, set a response header',
      handler: async ({ request, responseHeaders }) => {
        const value = request.headers.get('x-conformance');
        responseHeaders.set('x-conformance-reply', `got ${value}`);
        return { value, url: request.url };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/boom',
      permission: 'public',
      summary: 'A handler that throws',
      handler: async () => {
        throw new Error('secret detail that must not leak');
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/stream',
      permission: 'public',
      summary: 'An event stream driven by the test',
      responseContentType: 'text/event-stream',
      handler: async ({ signal }) => {
        const source = new ManualEventSource();
        probe.sources.push(source);
        waiters.shift()?.(source);
        return sseResponse(source, { signal, keepaliveMs: 60_000 });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/wait',
      permission: 'public',
      summary: 'Answers when the client has gone',
      handler: async ({ signal }) => {
        waitWaiters.shift()?.(signal);
        if (!signal.aborted)
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return { aborted: signal.aborted };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/keepalive-stream',
      permission: 'public',
      summary: 'An event stream with nothing but keepalives',
      responseContentType: 'text/event-stream',
      handler: async ({ signal }) => sseResponse(new ManualEventSource(), { signal, keepaliveMs: 50 }),
    }),
  ];
  return { handler: createRouter(routes, { maxBodyBytes: CONFORMANCE_MAX_BODY_BYTES }), probe };
}
