import { HttpResponse, http } from 'msw';
import { unauthorizedHtml } from './wire.js';

/** Where the fake salt-api lives in tests (msw intercepts it; nothing listens there). */
export const SALT_URL = 'http://salt.test:8000';

/** One request the fake salt-api received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string, `''` when there is none. */
  search: string;
  headers: Record<string, string>;
  body: unknown;
}

/** What a lowstate handler returns: a JSON body (answered 200) or a full Response. */
export type LowstateAnswer = unknown;

export interface FakeSaltApiOptions {
  /** The clock the fake uses for `start`/`expire` (ms), usually the client's injected clock. */
  now?: () => number;
  /** Token lifetime in seconds (default 43 200, Salt's default `token_expire`). */
  lifetimeSeconds?: number;
  /** Accepted password (default 'saltdev-password'); any other gets 401. */
  password?: string;
  /** Answers one lowstate chunk (default: `{ return: [true] }`). */
  lowstate?: (chunk: Record<string, unknown>, token: string) => LowstateAnswer | Promise<LowstateAnswer>;
}

export const TEST_PASSWORD = 'saltdev-password';

/**
 * A small salt-api for msw: `/login` mints a new 40-hex token each time (`…0001`, `…0002`),
 * `/` checks `X-Auth-Token` against the tokens still valid (401 HTML otherwise) and hands the
 * first lowstate chunk to `lowstate`, `/logout` revokes. Every request is recorded.
 */
export function fakeSaltApi(options: FakeSaltApiOptions = {}) {
  const now = options.now ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 43_200;
  const password = options.password ?? TEST_PASSWORD;
  const requests: RecordedRequest[] = [];
  const valid = new Set<string>();
  const state = {
    logins: 0,
    requests,
    valid,
    lowstate: options.lowstate ?? (() => ({ return: [true] })),
    /** Invalidates every token (as a salt-api restart does). */
    forgetSessions: () => valid.clear(),
    tokenOf: (n: number) => `deadbeef${n.toString(16).padStart(32, '0')}`,
    count: (method: string, path: string) =>
      requests.filter((r) => r.method === method && r.path === path).length,
  };

  const record = async (request: Request): Promise<RecordedRequest> => {
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.clone().text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    const entry: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(request.headers.entries()),
      body,
    };
    requests.push(entry);
    return entry;
  };

  const unauthorized = () =>
    new HttpResponse(unauthorizedHtml, {
      status: 401,
      headers: { 'Content-Type': 'text/html;charset=utf-8' },
    });

  const handlers = [
    http.post(`${SALT_URL}/login`, async ({ request }) => {
      const { body } = await record(request);
      const creds = body as { username?: string; password?: string; eauth?: string };
      if (creds.password !== password) {
        return new HttpResponse(
          '<h2>401 Unauthorized</h2>\n<p>Could not authenticate using provided credentials</p>',
          { status: 401, headers: { 'Content-Type': 'text/html;charset=utf-8' } },
        );
      }
      state.logins++;
      const token = state.tokenOf(state.logins);
      valid.add(token);
      const start = now() / 1000;
      return HttpResponse.json(
        {
          return: [
            {
              token,
              start,
              expire: start + lifetime,
              user: creds.username,
              eauth: creds.eauth,
              perms: ['.*', '@wheel', '@runner', '@jobs'],
            },
          ],
        },
        { headers: { 'X-Auth-Token': token } },
      );
    }),
    http.post(`${SALT_URL}/`, async ({ request }) => {
      const { body, headers } = await record(request);
      const token = headers['x-auth-token'] ?? '';
      if (!valid.has(token)) return unauthorized();
      const chunk = (body as Array<Record<string, unknown>>)[0] ?? {};
      const answer = await state.lowstate(chunk, token);
      if (answer instanceof Response) return answer;
      return new HttpResponse(JSON.stringify(answer), { headers: { 'Content-Type': 'application/json' } });
    }),
    http.post(`${SALT_URL}/logout`, async ({ request }) => {
      const { headers } = await record(request);
      const token = headers['x-auth-token'] ?? '';
      if (!valid.delete(token)) return unauthorized();
      return HttpResponse.json({ return: 'Your token has been cleared' });
    }),
  ];

  return { handlers, state, record, unauthorized };
}

/** A text/html answer with `status`, as CherryPy sends errors. */
export function htmlError(status: number, html: string): Response {
  return new HttpResponse(html, { status, headers: { 'Content-Type': 'text/html;charset=utf-8' } });
}

/** A capturing logger: every line and its fields, in order. */
export function capturingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push(fields === undefined ? { level, message } : { level, message, fields });
    };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}
