import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SaltLab } from './lab.js';

/**
 * Raw salt-api access for the real-Salt tests: the exact HTTP bodies Salt sends (the client
 * under test unwraps them), to record as fixtures for the msw tests in `@halite/core` and to
 * compare against those fixtures.
 */

/** Where the recorded real responses live (beside the client's msw fixtures). */
export const REAL_FIXTURES_DIR = fileURLToPath(
  new URL('../../../core/src/salt/__fixtures__/real/', import.meta.url),
);

/** True when this run should (re)write the real fixtures: `HALITE_RECORD_FIXTURES=1`. */
export const RECORDING = process.env.HALITE_RECORD_FIXTURES === '1';

/** A logged-in raw session on a lab's salt-api. */
export interface RawSaltApi {
  /** The `/login` body. */
  loginBody: unknown;
  /** POSTs one lowstate chunk to `/` and returns the HTTP status and the parsed JSON (or text) body. */
  call(lowstate: Record<string, unknown>): Promise<{ status: number; body: unknown }>;
}

/** Logs in to the lab's salt-api with plain fetch. */
export async function rawSaltApi(lab: SaltLab): Promise<RawSaltApi> {
  const res = await fetch(`${lab.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username: lab.username, password: lab.password, eauth: lab.eauth }),
  });
  const loginBody = (await res.json()) as { return: Array<{ token: string }> };
  const token = loginBody.return[0]!.token;
  return {
    loginBody,
    async call(lowstate) {
      const r = await fetch(`${lab.url}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': token },
        body: JSON.stringify([lowstate]),
      });
      const text = await r.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // an HTML error page
      }
      return { status: r.status, body };
    },
  };
}

/** A recorded fixture: which Salt sent it, what was asked, and the body exactly as sent. */
export interface RealFixture {
  salt: string;
  request: unknown;
  body: unknown;
}

/** Writes `name.json` into {@link REAL_FIXTURES_DIR} when {@link RECORDING}; a no-op otherwise. */
export async function recordFixture(name: string, fixture: RealFixture): Promise<void> {
  if (!RECORDING) return;
  await mkdir(REAL_FIXTURES_DIR, { recursive: true });
  await writeFile(`${REAL_FIXTURES_DIR}${name}.json`, `${JSON.stringify(fixture, null, 2)}\n`);
}

/** Writes a text fixture (e.g. raw SSE bytes) when {@link RECORDING}. */
export async function recordTextFixture(name: string, text: string): Promise<void> {
  if (!RECORDING) return;
  await mkdir(REAL_FIXTURES_DIR, { recursive: true });
  await writeFile(`${REAL_FIXTURES_DIR}${name}`, text);
}

/** A recorded fixture, or undefined when it has not been recorded yet. */
export function readFixture(name: string): RealFixture | undefined {
  const file = `${REAL_FIXTURES_DIR}${name}.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RealFixture) : undefined;
}

const DYNAMIC_KEY = /^(\d{20}(_\d+)?|[mp]\d+)$/;

/**
 * The shape of a JSON value, to compare a live answer with a recorded one: scalars become their
 * type, object keys that are job ids or lab minion ids (`m1`, `p1`) collapse into `<key>`, and
 * an array becomes the set of its element shapes.
 */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const shapes = [...new Set(value.map((v) => JSON.stringify(shapeOf(v))))].sort();
    return { array: shapes.map((s) => JSON.parse(s) as unknown) };
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const dynamic: unknown[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (DYNAMIC_KEY.test(k)) dynamic.push(shapeOf(v));
      else out[k] = shapeOf(v);
    }
    if (dynamic.length > 0) {
      out['<key>'] = [...new Set(dynamic.map((d) => JSON.stringify(d)))]
        .sort()
        .map((s) => JSON.parse(s) as unknown);
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
  return typeof value;
}
