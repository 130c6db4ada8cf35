import type { LogFields, Logger } from '@halite/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOpenApiDocument,
  createHaliteHandler,
  type FetchHandler,
  HALITE_OPENAPI_INFO,
  HttpErrorBody,
  haliteSystemRoutes,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOperation,
} from '../src/index.js';
import { featureRoutes } from '../src/routes/index.js';
import { createTestHalite, jidAt, jobStart, storeSnapshot, type TestHalite } from './seeded-halite.js';

// The sweep is table-driven from the OpenAPI document of the real route list: a route added
// later is swept without touching this file (and fails loudly if it has a body this file has no
// valid example of).
const doc: OpenApiDocument = buildOpenApiDocument(
  [...haliteSystemRoutes(), ...featureRoutes.flat()],
  HALITE_OPENAPI_INFO,
);

interface Operation {
  method: string;
  /** The OpenAPI path, `{name}` placeholders. */
  template: string;
  op: OpenApiOperation;
}
const operations: Operation[] = Object.entries(doc.paths).flatMap(([template, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), template, op })),
);

/** Valid path parameter values (seeded rows). */
const VALID_PARAM: Record<string, string> = {
  minion_id: 'web-000',
  key_id: 'web-000',
  jid: jidAt(jobStart(15), 15),
};

/** A valid body for every route that takes one: the base the body cases break one field of. */
const VALID_BODY: Record<string, Record<string, unknown>> = {
  'POST /api/auth/login': { username: 'nobody', password: 'wrong-password' },
  'POST /api/auth/change-password': { current_password: 'old-password', new_password: 'new-password-1' },
  'POST /api/users': { username: 'probe', password: 'probe-password' },
  'PATCH /api/users/{user_id}': { display_name: 'Probe' },
  'POST /api/users/{user_id}/password': { new_password: 'probe-password' },
  'POST /api/users/{user_id}/roles': { role_id: 'no-such-role' },
  'POST /api/roles': { name: 'probe-role' },
  'PATCH /api/roles/{role_id}': { description: 'probe' },
  'POST /api/roles/{role_id}/permissions': { verb: 'view', resource_glob: 'minion:*' },
  'POST /api/tokens': { name: 'probe' },
  'POST /api/run': { tgt: '*', tgt_type: 'glob', fun: 'test.ping', arg: [], kwarg: {} },
  'PUT /api/admin/settings/salt': {
    url: 'http://salt.example:8000',
    username: 'svc',
    password: 'pw',
    verify: true,
    eauth: 'pam',
  },
  'PUT /api/admin/settings/pollers': {
    minion_state_keys_interval_seconds: 300,
    minion_state_presence_interval_seconds: 60,
    minion_state_grains_interval_seconds: 300,
    minion_state_initial_delay_seconds: 10,
    grains_chunk_size: 250,
    jobs_poll_interval_seconds: 0,
    jobs_lookback_hours: 24,
    event_stream_enabled: false,
    event_stream_retention_days: 30,
  },
  'POST /api/admin/settings/test-salt': {
    url: 'http://127.0.0.1:1',
    username: 'svc',
    password: 'pw',
    verify: true,
    eauth: 'pam',
  },
};

/** Routes that read the query string of probes and the document loosely (load balancers, cache busters). */
const LENIENT_QUERY = new Set(['/healthz', '/readyz', '/api/openapi.json']);

interface Case {
  /** What the test name says. */
  label: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** The exact status expected, when there is one. */
  status?: number;
  /** The error code expected. */
  code?: string;
  /** The field a 400 must name (`query.limit`, `body.url`, `params.key_id`, `body`). */
  field?: string;
}

const concrete = (template: string, override: Record<string, string> = {}) =>
  template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => override[name] ?? VALID_PARAM[name] ?? 'x');
const HUGE = 'x'.repeat(100_000);
const DEEP: unknown = JSON.parse(`${'['.repeat(1000)}"x"${']'.repeat(1000)}`);

function typesOf(schema: JsonSchema | undefined): string[] {
  if (!schema) return [];
  const own = schema.type;
  const list = Array.isArray(own) ? (own as string[]) : typeof own === 'string' ? [own] : [];
  for (const key of ['anyOf', 'oneOf'] as const) {
    for (const inner of (schema[key] as JsonSchema[] | undefined) ?? []) list.push(...typesOf(inner));
  }
  return list;
}

function casesFor({ method, template, op }: Operation): Case[] {
  const cases: Case[] = [];
  const route = `${method} ${template}`;
  const base = concrete(template);
  const withBody = (body: unknown) => ({
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const validBody = op.requestBody ? VALID_BODY[route] : undefined;
  const bodyInit = validBody ? withBody(validBody) : {};

  // ---- query string ----
  if (!LENIENT_QUERY.has(template)) {
    cases.push({
      label: 'unknown query parameter',
      method,
      path: `${base}?zz_unknown=1`,
      ...bodyInit,
      status: 400,
      field: 'query.zz_unknown',
    });
    cases.push({
      label: 'bracketed query parameter',
      method,
      path: `${base}?limit[a]=1`,
      ...bodyInit,
      status: 400,
    });
  } else {
    cases.push({
      label: 'unknown query parameter (ignored)',
      method,
      path: `${base}?zz_unknown=1`,
      status: 200,
    });
  }
  for (const param of op.parameters ?? []) {
    if (param.in !== 'query') continue;
    const q = (value: string) => `${base}?${param.name}=${value}`;
    const field = `query.${param.name}`;
    const types = typesOf(param.schema);
    const numeric = types.includes('integer') || types.includes('number');
    cases.push({ label: `${param.name}: 100k characters`, method, path: q(HUGE), status: 400, field });
    cases.push({ label: `${param.name}: NUL`, method, path: q('a%00b'), status: 400, field });
    cases.push({
      label: `${param.name}: -1`,
      method,
      path: q('-1'),
      ...(numeric ? { status: 400, field } : {}),
    });
    cases.push({
      label: `${param.name}: 1.5`,
      method,
      path: q('1.5'),
      ...(numeric ? { status: 400, field } : {}),
    });
    cases.push({
      label: `${param.name}: 1e400`,
      method,
      path: q('1e400'),
      ...(numeric ? { status: 400, field } : {}),
    });
    cases.push({ label: `${param.name}: empty`, method, path: q('') });
    cases.push({ label: `${param.name}: JSON object`, method, path: q(encodeURIComponent('{"$gt":""}')) });
    cases.push({
      label: `${param.name}: given twice`,
      method,
      path: `${q('1')}&${param.name}=2`,
      ...(types.includes('array') ? {} : { status: 400, field }),
    });
  }

  // ---- path parameters ----
  for (const param of op.parameters ?? []) {
    if (param.in !== 'path') continue;
    const p = (value: string) => concrete(template, { [param.name]: value });
    const field = `params.${param.name}`;
    const at = (label: string, value: string, expect: Partial<Case> = {}) =>
      cases.push({ label: `${param.name} ${label}`, method, path: p(value), ...bodyInit, ...expect });
    at('of 300 characters', 'a'.repeat(300), { status: 400, field });
    at('of 256 characters', 'a'.repeat(256), { status: 400, field });
    at('with NUL', 'web%00000', { status: 400, field });
    at('with malformed percent-encoding', '%E0%A4%A', { status: 400, field });
    at('with an encoded lone surrogate', '%ED%A0%80', { status: 400, field });
    at('*', '*', param.name === 'minion_id' ? {} : { status: 400, field });
    at('web-*', 'web-*', param.name === 'minion_id' ? {} : { status: 400, field });
    at('[a-z]?', encodeURIComponent('[a-z]?'), param.name === 'minion_id' ? {} : { status: 400, field });
    at('with a comma list', 'web-000,db-001', param.name === 'minion_id' ? {} : { status: 400, field });
    at('../../etc/passwd (encoded)', '..%2F..%2Fetc%2Fpasswd');
    at('.. (dot segment)', '..');
    at('%2e%2e', '%2e%2e');
    at('unicode', encodeURIComponent('münchen-🙂-минион'));
    at('with spaces', 'web%20000', param.name === 'minion_id' ? {} : { status: 400, field });
  }

  // ---- body ----
  if (op.requestBody) {
    const schema = op.requestBody.content['application/json']?.schema ?? {};
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = (schema.required ?? []) as string[];
    const b = (label: string, body: unknown, expect: Partial<Case> = {}) =>
      cases.push({ label: `body ${label}`, method, path: base, ...withBody(body), ...expect });
    if (!validBody) throw new Error(`no valid example body for ${route}: add it to VALID_BODY`);

    b('malformed JSON', '{"a": 1,', { status: 400, field: 'body' });
    b('truncated JSON', JSON.stringify(validBody).slice(0, -1), { status: 400, field: 'body' });
    b('an array', [validBody], { status: 400, field: 'body' });
    b('an empty array', [], { status: 400, field: 'body' });
    b('a string', '"text"', { status: 400, field: 'body' });
    b('a number', '42', { status: 400, field: 'body' });
    b('null', 'null', { status: 400, field: 'body' });
    cases.push({
      label: 'body not UTF-8',
      method,
      path: base,
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array([0x22, 0xff, 0xfe, 0x22]),
      status: 400,
      field: 'body',
    });
    b('empty object', {}, { status: 400 });
    b('an unknown field', { ...validBody, zz_unknown: 1 }, { status: 400, field: 'body.zz_unknown' });
    b('a __proto__ field', `{"__proto__": {"admin": true}, ${JSON.stringify(validBody).slice(1)}`, {
      status: 400,
    });
    b(
      'nested 1000 deep',
      { ...validBody, zz_deep: JSON.parse(`${'['.repeat(1000)}${']'.repeat(1000)}`) },
      { status: 400 },
    );
    cases.push({
      label: 'body without Content-Type',
      method,
      path: base,
      body: JSON.stringify(validBody),
      status: 415,
      code: 'unsupported_media_type',
    });
    cases.push({
      label: 'body as text/plain',
      method,
      path: base,
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(validBody),
      status: 415,
      code: 'unsupported_media_type',
    });
    cases.push({
      label: 'body of 10 MB',
      method,
      path: base,
      ...withBody({ ...validBody, zz_pad: 'x'.repeat(10 * 1024 * 1024) }),
      status: 413,
      code: 'payload_too_large',
    });
    for (const name of required) {
      const { [name]: _, ...rest } = validBody;
      b(`without ${name}`, rest, { status: 400, field: `body.${name}` });
    }
    for (const [name, prop] of Object.entries(properties)) {
      const types = typesOf(prop);
      const field = `body.${name}`;
      const wrong = types.includes('object') ? [true] : { wrong: true };
      b(`${name}: wrong type`, { ...validBody, [name]: wrong }, { status: 400, field });
      b(
        `${name}: array where an object is expected`,
        { ...validBody, [name]: [{ [name]: validBody[name] }] },
        types.includes('array') ? {} : { status: 400, field },
      );
      b(`${name}: -1`, { ...validBody, [name]: -1 }, { status: 400, field });
      b(`${name}: 1.5`, { ...validBody, [name]: 1.5 }, { status: 400, field });
      b(`${name}: 1e308`, { ...validBody, [name]: 1e308 }, { status: 400, field });
      b(`${name}: nested 1000 deep`, { ...validBody, [name]: DEEP }, { status: 400, field });
      b(`${name}: 100k characters`, { ...validBody, [name]: HUGE }, { status: 400, field });
      b(`${name}: NUL in a string`, { ...validBody, [name]: 'a\u0000b' }, { status: 400, field });
      b(`${name}: a lone surrogate`, { ...validBody, [name]: 'a\ud800b' }, { status: 400, field });
      if (!required.includes(name) && !types.includes('null')) {
        b(`${name}: null`, { ...validBody, [name]: null }, { status: 400, field });
      }
    }
  } else if (method !== 'GET') {
    // A body on a route that takes none is not read: it changes nothing.
    cases.push({ label: 'an unexpected JSON body', method, path: base, ...withBody({ evil: HUGE }) });
    cases.push({
      label: 'an unexpected non-JSON body',
      method,
      path: base,
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
  }
  return cases;
}

const table = operations.flatMap((operation) =>
  casesFor(operation).map((c) => ({ ...c, route: `${operation.method} ${operation.template}` })),
);

describe('bad input on every route: never a 500, always a JSON error naming the field, Store unchanged', () => {
  let t: TestHalite;
  let handler: FetchHandler;
  const logged: { msg: string; fields?: LogFields }[] = [];
  let before: unknown;
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (msg, fields) => logged.push({ msg, ...(fields ? { fields } : {}) }),
  };

  beforeAll(async () => {
    t = await createTestHalite({ seed: true });
    handler = createHaliteHandler(t.halite, { logger });
    before = await storeSnapshot(t.store);
  });
  afterAll(async () => {
    await t.close();
  });

  it('sweeps every route of the served OpenAPI document', async () => {
    const served = (await (
      await handler(new Request('http://h/api/openapi.json'))
    ).json()) as OpenApiDocument;
    expect(Object.keys(served.paths)).toEqual(Object.keys(doc.paths));
    const swept = new Set(table.map((c) => c.route));
    expect(swept.size).toBe(operations.length);
    expect(table.length).toBeGreaterThan(500);
  });

  it.each(table)('$route · $label', async (c) => {
    const res = await handler(
      new Request(`http://halite.test${c.path}`, {
        method: c.method,
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.body !== undefined ? { body: c.body } : {}),
      }),
    );
    const text = await res.text();
    // 503 is what an action that got through validation answers with Salt unconfigured.
    expect([500, 501, 502, 504], text.slice(0, 300)).not.toContain(res.status);
    if (c.status !== undefined) expect(res.status, text.slice(0, 300)).toBe(c.status);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = HttpErrorBody.parse(JSON.parse(text));
      expect(body.error.code.length).toBeGreaterThan(0);
      if (c.code !== undefined) expect(body.error.code).toBe(c.code);
      if (res.status === 400) expect(body.error.code).toBe('invalid_input');
      if (c.field !== undefined) {
        const issues = (body.error.details as { issues?: { path: string }[] } | null)?.issues ?? [];
        const named = (path: string) =>
          path === c.field || path.startsWith(`${c.field}[`) || path.startsWith(`${c.field}.`);
        expect(
          issues.some((issue) => named(issue.path)),
          `${c.field} in ${body.error.message.slice(0, 200)}`,
        ).toBe(true);
        expect(body.error.message).toContain(c.field);
      }
    }
  });

  it('left the Store as it was, and logged no internal error', async () => {
    expect(await storeSnapshot(t.store)).toEqual(before);
    expect(logged).toEqual([]);
  });
});
