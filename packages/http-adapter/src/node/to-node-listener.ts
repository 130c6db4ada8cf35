import type { IncomingMessage, ServerResponse } from 'node:http';
import { HaliteError, type Logger, silentLogger } from '@halite/core';
import { describeError, errorResponse, GENERIC_ERROR_MESSAGE } from '../error-response.js';
import { type Principal, setClientAddress, setHostPrincipal } from '../principal.js';
import { DEFAULT_MAX_BODY_BYTES } from '../request-input.js';
import { setRequestSignal } from '../request-signal.js';
import { type FetchHandler, jsonBodyOf, stripBasePath } from '../router.js';

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * A prefix to strip before the handler sees the path (`/halite`); requests outside it go to
   * `next` when there is one, else get a 404. Express mounts need none: Express strips its
   * mount path itself (`req.baseUrl`).
   */
  basePath?: string;
  /** The largest request body read from the socket, in bytes (default 1 MiB); larger is a 413. */
  maxBodyBytes?: number;
  /**
   * Take the scheme and host from `X-Forwarded-Proto` / `X-Forwarded-Host` (first value) and
   * the client address from `X-Forwarded-For` (last value; else `Forwarded: for=`). Only behind
   * a reverse proxy that sets them; otherwise any client could forge the request URL and address.
   */
  trustProxy?: boolean;
  /**
   * Maps what the host's own auth put on the request (Express `req.user`, a session) to the
   * principal the router uses for it, instead of its `authenticate`; `null` means nobody (401
   * on non-public routes). Use `via: 'host'`.
   */
  principal?: (req: IncomingMessage) => Principal | null | Promise<Principal | null>;
  /** Where a handler that throws is logged. */
  logger?: Logger;
}

/** A Node `request` listener that Connect-style hosts may also call with `next`. */
export type NodeListener = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** What hosts add to `IncomingMessage`: Express's mount path and original URL, a parsed body. */
interface HostRequest extends IncomingMessage {
  body?: unknown;
  originalUrl?: string;
  baseUrl?: string;
}

/** What compression middleware adds to `ServerResponse`. */
interface FlushableResponse extends ServerResponse {
  flush?: () => void;
}

/**
 * Serves a web-standard handler from Node's `http` server, Express, Connect or Fastify's raw
 * request and response.
 *
 * - The `Request` URL is absolute: `Host` (or, with `trustProxy`, `X-Forwarded-Host` and
 *   `-Proto`), and the path below the mount (Express's `req.url`, else minus `basePath`).
 * - A body the host already parsed (`req.body`: an object is re-serialised as JSON, a string or
 *   Buffer passed as is) is reused; otherwise the socket is streamed, at most `maxBodyBytes`.
 * - The response body is streamed with backpressure (waits for `drain`), with `res.flush()`
 *   after each chunk so `compression()` cannot hold back an event stream.
 * - The route's `signal` (`context.signal`, {@link requestSignalOf}) aborts when the client
 *   disconnects; `request.signal` itself does not. A handler that throws gets a 500.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(toNodeListener(handler, { basePath: '/halite' })).listen(8080);
 * ```
 */
export function toNodeListener(handler: FetchHandler, options: NodeListenerOptions = {}): NodeListener {
  const basePath = options.basePath && options.basePath !== '/' ? options.basePath.replace(/\/+$/, '') : '';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? silentLogger;

  return (req: HostRequest, res: FlushableResponse, next) => {
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
    const below = stripBasePath(pathname, basePath);
    if (below === null) {
      if (next) return next();
      void writeResponse(
        errorResponse('not_found', `No route for ${req.method} ${pathname}`),
        req,
        res,
        logger,
      );
      return;
    }
    const url = `${origin(req, options.trustProxy === true)}${below}${queryAt === -1 ? '' : target.slice(queryAt)}`;

    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    let request: Request;
    try {
      const method = (req.method ?? 'GET').toUpperCase();
      const body = method === 'GET' || method === 'HEAD' ? null : requestBody(req, res, maxBodyBytes);
      request = new Request(url, {
        method,
        headers: requestHeaders(req),
        body,
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      // An unparseable Host header, a method undici refuses: the client's fault.
      logger.debug('request could not be converted', { error: describeError(error) });
      void writeResponse(errorResponse('invalid_input', 'Malformed request'), req, res, logger);
      return;
    }

    setClientAddress(request, clientAddress(req, options.trustProxy === true));
    setRequestSignal(request, abort.signal);
    const principal = options.principal;
    const handled = Promise.resolve().then(async () => {
      if (principal) setHostPrincipal(request, await principal(req));
      return handler(request);
    });
    handled
      .catch((error: unknown) => {
        logger.error('handler threw', { url, error: describeError(error) });
        return errorResponse('internal', GENERIC_ERROR_MESSAGE);
      })
      .then((response) => writeResponse(response, req, res, logger, abort.signal))
      .catch((error: unknown) => {
        logger.error('response could not be written', { url, error: describeError(error) });
        res.destroy();
      });
  };
}

/**
 * The client's address: the socket's peer, or behind a trusted proxy the address that proxy
 * appended last (the rightmost `X-Forwarded-For` value, else the rightmost `for=` of
 * `Forwarded`). Values to its left came from the client and could be forged.
 */
function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const last = (name: string) => {
      const value = req.headers[name];
      const joined = Array.isArray(value) ? value.join(',') : value;
      return joined?.split(',').at(-1)?.trim() || undefined;
    };
    const xff = last('x-forwarded-for');
    if (xff) return xff.slice(0, 64);
    const node = last('forwarded')?.match(/(?:^|;)\s*for="?([^";]+)/i)?.[1];
    // `[2001:db8::1]:4711`, `192.0.2.1:4711`, `192.0.2.1`; `unknown` and `_obfuscated` say nothing.
    const address = node?.startsWith('[')
      ? node.slice(1, node.indexOf(']'))
      : node?.replace(/^([^:]+):\d+$/, '$1');
    if (address && !/^(unknown$|_)/i.test(address)) return address.slice(0, 64);
  }
  return req.socket?.remoteAddress ?? '';
}

function origin(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = (name: string) => {
    const value = req.headers[name];
    const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
    return first || undefined;
  };
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  let proto = encrypted ? 'https' : 'http';
  let host = req.headers.host ?? forwarded(':authority');
  if (trustProxy) {
    const fproto = forwarded('x-forwarded-proto')?.toLowerCase();
    if (fproto === 'http' || fproto === 'https') proto = fproto;
    host = forwarded('x-forwarded-host') ?? host;
  }
  if (!host || !/^[A-Za-z0-9.\-_~:[\]%]+$/.test(host)) host = 'localhost';
  return `${proto}://${host}`;
}

/**
 * The request's headers as name/value pairs (HTTP/2 pseudo-headers left out): `Request` copies
 * its `headers` init anyway, so a `Headers` built here first would be filled and sorted twice.
 */
function requestHeaders(req: IncomingMessage): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.push([name, v]);
    else headers.push([name, value]);
  }
  return headers;
}

/**
 * The body to hand to `Request`: the socket stream when nobody has read it (bounded), else a
 * body the host parsed (an object re-serialised as JSON, a string or bytes as is), else none.
 */
function requestBody(req: HostRequest, res: ServerResponse, maxBodyBytes: number): BodyInit | null {
  if (!req.readableEnded) return hasBody(req) ? boundedStream(req, res, maxBodyBytes) : null;
  const parsed = req.body;
  if (parsed === undefined) return null;
  if (typeof parsed === 'string') return parsed;
  if (parsed instanceof Uint8Array) return parsed as Uint8Array<ArrayBuffer>;
  return JSON.stringify(parsed);
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** How much more of an over-limit body is read (and dropped) so the client gets its 413. */
const DISCARD_FACTOR = 16;

/**
 * The request stream as a web stream that pauses the socket when nobody reads (backpressure)
 * and errors with `payload_too_large` past `maxBytes`. Past the limit, when the reader cancels,
 * or when the response is finished with the body still unread (a 401 to a POST, a route
 * without a body), the rest is read and dropped, so the client is not stuck writing and the
 * connection can serve its next request; a client that keeps sending far beyond that is
 * disconnected.
 */
function boundedStream(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
): ReadableStream<Uint8Array> {
  let size = 0;
  let done = false;
  const discard = () => {
    if (done) return;
    done = true;
    req.removeListener('data', onData);
    let dropped = 0;
    const budget = Math.max(maxBytes, 64 * 1024) * DISCARD_FACTOR;
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > budget) req.destroy();
    });
    req.resume();
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      controller.error(
        new HaliteError('payload_too_large', `body: larger than ${maxBytes} bytes`, {
          details: { max_bytes: maxBytes },
        }),
      );
      discard();
      return;
    }
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        res.once('finish', discard);
        req.on('data', onData);
        req.once('end', () => {
          if (done) return;
          done = true;
          c.close();
        });
        req.once('error', (error) => {
          if (done) return;
          done = true;
          c.error(error);
        });
      },
      pull() {
        if (!done) req.resume();
      },
      cancel() {
        discard();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

/** Writes a `Response` to a Node response: headers, then the body with backpressure and flushes. */
async function writeResponse(
  response: Response,
  req: IncomingMessage,
  res: FlushableResponse,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  if (res.headersSent || res.destroyed) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const http2 = req.httpVersionMajor >= 2;
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue;
    if (http2 && HOP_BY_HOP.has(name)) continue;
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) {
    const before = res.getHeader('set-cookie');
    const kept = before === undefined ? [] : Array.isArray(before) ? before : [String(before)];
    res.setHeader('set-cookie', [...kept, ...cookies]);
  }

  // A JSON answer the router serialised: write its bytes in one piece, with their length,
  // rather than streaming them chunk by chunk (chunked encoding, a read and a write per chunk).
  const json = jsonBodyOf(response);
  if (json !== undefined && req.method !== 'HEAD') {
    res.setHeader('content-length', json.byteLength);
    res.end(json);
    return;
  }

  if (response.body === null || req.method === 'HEAD') {
    await response.body?.cancel().catch(() => {});
    res.end();
    return;
  }

  const reader = response.body.getReader();
  const stop = () => {
    reader.cancel().catch(() => {});
  };
  res.once('close', stop);
  if (signal?.aborted) stop();
  try {
    // An event stream may wait long for its first chunk: send the headers now.
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) res.flushHeaders();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      const ok = res.write(value);
      res.flush?.();
      if (!ok) await drained(res);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    if (!res.destroyed) {
      // The body failed after the headers went out: cut the connection so the client sees a
      // truncated response rather than a complete one.
      logger.warn('response body failed mid-stream', { error: describeError(error) });
      res.destroy();
    }
  } finally {
    res.removeListener('close', stop);
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.removeListener('drain', done);
      res.removeListener('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Connection-specific headers HTTP/2 forbids. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
