import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One lowstate chunk salt-api received. */
export interface LowstateChunk {
  client?: string;
  fun?: string;
  tgt?: unknown;
  match?: unknown;
  jid?: unknown;
  [key: string]: unknown;
}

/** What the fake answers a lowstate chunk with: the `return` list's first item (or a promise of it). */
export type LowstateResponder = (chunk: LowstateChunk) => unknown;

/**
 * A small salt-api (rest_cherrypy's `/login`, `/`, `/logout`) on a loopback port, for tests that
 * need a salt-api to go away and come back: `stop()` closes the port (connections are refused,
 * as when salt-api is down), `start()` opens the same port again.
 */
export class LoopbackSaltApi {
  readonly calls: LowstateChunk[] = [];
  respond: LowstateResponder;
  #server: Server | null = null;
  #port = 0;

  constructor(respond: LowstateResponder = () => true) {
    this.respond = respond;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Listens (on the previous port after a `stop()`). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      void this.#answer(req).then(([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-auth-token': 'f'.repeat(40) });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Closes the port and every open connection. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #answer(req: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body: unknown = text ? JSON.parse(text) : null;
    if (req.url === '/login') {
      const start = Date.now() / 1000;
      return [
        200,
        {
          return: [
            {
              token: 'f'.repeat(40),
              start,
              expire: start + 43_200,
              user: 'halite',
              eauth: 'pam',
              perms: ['.*'],
            },
          ],
        },
      ];
    }
    if (req.url === '/logout') return [200, { return: 'Your token has been cleared' }];
    const chunk = (Array.isArray(body) ? body[0] : body) as LowstateChunk;
    this.calls.push(chunk);
    return [200, { return: [await this.respond(chunk)] }];
  }
}

/** A `wheel` answer as salt-api wraps it. */
export function wheelReturn(fun: string, data: unknown): unknown {
  const jid = '20250615123456000000';
  return {
    tag: `salt/wheel/${jid}`,
    data: { fun: `wheel.${fun}`, jid, tag: `salt/wheel/${jid}`, user: 'halite', return: data, success: true },
  };
}
