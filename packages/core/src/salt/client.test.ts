import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  capturingLogger,
  fakeSaltApi,
  htmlError,
  SALT_URL,
  TEST_PASSWORD,
} from './__fixtures__/fake-salt-api.js';
import {
  cacheGrainsBody,
  clientDisabledHtml,
  internalErrorBody,
  keyAcceptBody,
  keyListAllBody,
  listJobsBody,
  localAsyncBody,
  localAsyncNoMatchBody,
  localPingBody,
  loginBodyEmptyPerms,
  managePresentBody,
  masterDownHtml,
  runnerExceptionBody,
  runnerInvalidArgsBody,
  wheelFailureBody,
} from './__fixtures__/wire.js';
import { SaltAPIClient, type SaltAPIClientOptions } from './client.js';
import { SaltAPIError, SaltAPIUnavailable } from './errors.js';
import { GrainsMap, KeyChange, KeyLists, ListJobsResult } from './schemas.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

/** A controllable clock (ms). */
function clock(start = Date.parse('2025-10-02T10:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A fake salt-api answering with `answer`, and a client pointed at it. */
function setup(
  answer?: (chunk: Record<string, unknown>, token: string) => unknown,
  options: Partial<SaltAPIClientOptions> & { lifetimeSeconds?: number } = {},
) {
  const time = clock();
  const { lifetimeSeconds, ...clientOptions } = options;
  const fake = fakeSaltApi({
    now: time.now,
    ...(lifetimeSeconds === undefined ? {} : { lifetimeSeconds }),
    ...(answer ? { lowstate: answer } : {}),
  });
  server.use(...fake.handlers);
  const client = new SaltAPIClient({
    url: SALT_URL,
    username: 'saltdev',
    password: TEST_PASSWORD,
    now: time.now,
    ...clientOptions,
  });
  return { client, fake: fake.state, time };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('SaltAPIClient login', () => {
  it('logs in lazily on the first call, then sends the lowstate as a one-element array with the token', async () => {
    const { client, fake } = setup(() => keyListAllBody);
    expect(fake.requests).toHaveLength(0);

    const keys = await client.wheelCall('key.list_all', {}, { schema: KeyLists });

    expect(keys).toEqual(keyListAllBody.return[0]?.data.return);
    const [login, call] = fake.requests;
    expect(login?.path).toBe('/login');
    expect(login?.body).toEqual({ username: 'saltdev', password: TEST_PASSWORD, eauth: 'pam' });
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/');
    expect(call?.body).toEqual([{ client: 'wheel', fun: 'key.list_all' }]);
    expect(call?.headers['x-auth-token']).toBe(fake.tokenOf(1));
    expect(call?.headers.accept).toBe('application/json');
    expect(call?.headers['content-type']).toBe('application/json');
  });

  it('logs in once for 20 concurrent callers', async () => {
    const { client, fake } = setup(() => localPingBody);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => client.localCall({ tgt: '*', fun: 'test.ping' })),
    );
    expect(fake.logins).toBe(1);
    expect(fake.count('POST', '/login')).toBe(1);
    expect(results).toHaveLength(20);
    expect(results.every((r) => r.m1 === true && r.m2 === true)).toBe(true);
  });

  it('logs in once for 20 concurrent callers whose token has expired', async () => {
    const { client, fake, time } = setup(() => localPingBody, { lifetimeSeconds: 3600 });
    await client.localCall({ tgt: '*', fun: 'test.ping' });
    time.advance(3600 * 1000);

    await Promise.all(Array.from({ length: 20 }, () => client.localCall({ tgt: '*', fun: 'test.ping' })));

    expect(fake.count('POST', '/login')).toBe(2);
    expect(fake.requests.filter((r) => r.path === '/').map((r) => r.headers['x-auth-token'])).toEqual([
      fake.tokenOf(1),
      ...Array(20).fill(fake.tokenOf(2)),
    ]);
  });

  it('makes one /login for 20 concurrent callers with a wrong password, and all of them get the 401', async () => {
    const { client, fake } = setup(undefined, { password: 'wrong' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => client.runnerCall('manage.up')),
    );
    expect(fake.count('POST', '/login')).toBe(1);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    const error = (outcomes[0] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(SaltAPIError);
    expect(error.status).toBe(401);
    expect(error.serverMessage).toBe('Could not authenticate using provided credentials');
  });

  it('logs in again before a call when fewer than 60 s remain before expire', async () => {
    const { client, fake, time } = setup(() => managePresentBody, { lifetimeSeconds: 600 });
    await client.listConnectedMinions();
    time.advance(539_000); // 61 s left
    await client.listConnectedMinions();
    expect(fake.count('POST', '/login')).toBe(1);

    time.advance(2_000); // 59 s left
    await client.listConnectedMinions();
    expect(fake.count('POST', '/login')).toBe(2);
    expect(fake.requests.at(-1)?.headers['x-auth-token']).toBe(fake.tokenOf(2));
  });

  it('measures the token lifetime on its own clock when the master clock is skewed', async () => {
    const time = clock();
    const skewed = fakeSaltApi({ now: () => time.now() - 3_600_000, lifetimeSeconds: 600 }); // master 1 h behind
    server.use(...skewed.handlers);
    const client = new SaltAPIClient({
      url: SALT_URL,
      username: 'saltdev',
      password: TEST_PASSWORD,
      now: time.now,
    });
    await client.runnerCall('manage.up');
    await client.runnerCall('manage.up');
    expect(skewed.state.count('POST', '/login')).toBe(1);
  });

  it('reports the login without its token, and accepts perms {}', async () => {
    server.use(http.post(`${SALT_URL}/login`, () => HttpResponse.json(loginBodyEmptyPerms)));
    const client = new SaltAPIClient({ url: SALT_URL, username: 'nobody', password: 'x', eauth: 'file' });
    const info = await client.login();
    expect(info).toEqual({
      expire: 1363849143.776224,
      start: 1363805943.776223,
      user: 'nobody',
      eauth: 'file',
      perms: {},
    });
    expect(info).not.toHaveProperty('token');
  });
});

describe('SaltAPIClient after a 401', () => {
  it('logs in again once and retries the call once', async () => {
    const { client, fake } = setup(() => keyAcceptBody);
    await client.login();
    fake.forgetSessions(); // salt-api restarted: every session is gone

    const change = await client.wheelCall('key.accept', { match: 'm3' }, { schema: KeyChange });

    expect(change).toEqual({ minions: ['m3'] });
    expect(fake.count('POST', '/login')).toBe(2);
    expect(fake.requests.filter((r) => r.path === '/').map((r) => r.headers['x-auth-token'])).toEqual([
      fake.tokenOf(1),
      fake.tokenOf(2),
    ]);
    expect(fake.requests.at(-1)?.body).toEqual([{ match: 'm3', client: 'wheel', fun: 'key.accept' }]);
  });

  it('throws SaltAPIError 401 when the call is refused again after the new login', async () => {
    const { client, fake } = setup(() =>
      htmlError(401, '<h2>401 Unauthorized</h2>\n<p>Authorization error occurred.</p>'),
    );
    const error = await rejectionOf(client.localCall({ tgt: '*', fun: 'cmd.run', arg: ['id'] }));
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).status).toBe(401);
    expect((error as SaltAPIError).serverMessage).toBe('Authorization error occurred.');
    expect(fake.count('POST', '/login')).toBe(2);
    expect(fake.count('POST', '/')).toBe(2);
  });
});

describe('SaltAPIClient retries', () => {
  it('retries a 5xx 3 times after 0.5 s, 1 s and 2 s, then throws SaltAPIError with the status', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const times: number[] = [];
    const started = Date.now();
    const { client } = setup(() => {
      times.push(Date.now() - started);
      return htmlError(503, masterDownHtml);
    });

    const outcome = rejectionOf(client.runnerCall('manage.status'));
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await outcome;

    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).status).toBe(503);
    expect((error as SaltAPIError).serverMessage).toBe('Salt Master is not available.');
    expect(times).toEqual([0, 500, 1500, 3500]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('returns the answer when a 500 is followed by a 200', async () => {
    let calls = 0;
    const { client } = setup(
      () => (++calls === 1 ? HttpResponse.json(internalErrorBody, { status: 500 }) : managePresentBody),
      { retry: { minTimeout: 1 } },
    );
    expect(await client.listConnectedMinions()).toEqual(['m1', 'm2']);
    expect(calls).toBe(2);
  });

  it('reads the message of the JSON body of a 500', async () => {
    const { client, fake } = setup(() => HttpResponse.json(internalErrorBody, { status: 500 }), {
      retry: { minTimeout: 1, maxTimeout: 1 },
    });
    const error = await rejectionOf(client.runnerCall('nope.nothing'));
    expect((error as SaltAPIError).serverMessage).toBe('An unexpected error occurred');
    expect(fake.count('POST', '/')).toBe(4);
  });

  it('does not retry a 400, and reports its message', async () => {
    const { client, fake } = setup(() => htmlError(400, clientDisabledHtml));
    const error = await rejectionOf(client.localCall({ tgt: '*', fun: 'test.ping' }));
    expect((error as SaltAPIError).status).toBe(400);
    expect((error as SaltAPIError).serverMessage).toBe(
      "Client disabled: 'local'. Add to 'netapi_enable_clients' master config option to enable.",
    );
    expect(fake.count('POST', '/')).toBe(1);
  });

  it('does not retry a 504 (a runner that already ran for rest_timeout)', async () => {
    const { client, fake } = setup(() => htmlError(504, '<p>Gateway Timeout</p>'));
    const error = await rejectionOf(client.runnerCall('state.orchestrate'));
    expect((error as SaltAPIError).status).toBe(504);
    expect(fake.count('POST', '/')).toBe(1);
  });

  it('does not retry a network failure, which is SaltAPIUnavailable', async () => {
    let calls = 0;
    server.use(
      http.post(`${SALT_URL}/login`, () => {
        calls++;
        return HttpResponse.error();
      }),
    );
    const client = new SaltAPIClient({ url: SALT_URL, username: 'saltdev', password: TEST_PASSWORD });
    const error = await rejectionOf(client.wheelCall('key.list_all'));
    expect(error).toBeInstanceOf(SaltAPIUnavailable);
    expect((error as SaltAPIUnavailable).reason).toBe('network');
    expect(calls).toBe(1);
  });

  it('stops waiting and rejects with the abort reason when the signal aborts between retries', async () => {
    const { client, fake } = setup(() => htmlError(503, masterDownHtml));
    const controller = new AbortController();
    const outcome = rejectionOf(client.runnerCall('manage.status', undefined, { signal: controller.signal }));
    await vi.waitFor(() => expect(fake.count('POST', '/')).toBe(1));
    controller.abort(new Error('shutting down'));
    const error = await outcome;
    expect((error as Error).message).toBe('shutting down');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(fake.count('POST', '/')).toBe(1);
  });
});

describe('SaltAPIClient calls', () => {
  it('returns data.return of a wheel call', async () => {
    const { client } = setup(() => keyListAllBody);
    expect(await client.wheelCall('key.list_all')).toEqual({
      minions_pre: ['m3'],
      minions_rejected: [],
      minions: ['m1', 'm2'],
      minions_denied: [],
      local: ['master.pem', 'master.pub'],
    });
  });

  it('throws SaltAPIError 200 when a wheel call answers success: false', async () => {
    const { client } = setup(() => wheelFailureBody);
    const error = await rejectionOf(client.wheelCall('key.xyz'));
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).status).toBe(200);
    expect((error as SaltAPIError).serverMessage).toBe(
      "Exception occurred in wheel key.xyz: 'xyz' is not available.",
    );
  });

  it('sends runner kwargs as the kwarg object and checks the answer with the schema', async () => {
    const { client, fake } = setup(() => listJobsBody);
    const jobs = await client.runnerCall(
      'jobs.list_jobs',
      { search_function: 'test.*', start_time: '2025-10-02T10:00:00.000000' },
      { schema: ListJobsResult },
    );
    expect(Object.keys(jobs)).toEqual(['20251002101112123456', '20251002101500654321']);
    expect(jobs['20251002101112123456']?.Function).toBe('test.ping');
    expect(fake.requests.at(-1)?.body).toEqual([
      {
        client: 'runner',
        fun: 'jobs.list_jobs',
        kwarg: { search_function: 'test.*', start_time: '2025-10-02T10:00:00.000000' },
      },
    ]);
  });

  it('throws SaltAPIError 200 for a runner that answers with an exception string', async () => {
    const { client } = setup(() => runnerExceptionBody);
    const error = await rejectionOf(client.runnerCall('jobs.list_jobs'));
    expect((error as SaltAPIError).status).toBe(200);
    expect((error as SaltAPIError).serverMessage).toMatch(
      /^Exception occurred in runner jobs\.list_jobs: Traceback/,
    );
  });

  it('throws SaltAPIError 200 for a runner that was passed invalid arguments', async () => {
    const { client } = setup(() => runnerInvalidArgsBody);
    const error = await rejectionOf(client.runnerCall('jobs.list_jobs', { nope: 1 }));
    expect((error as SaltAPIError).status).toBe(200);
    expect((error as SaltAPIError).serverMessage).toMatch(/^Passed invalid arguments: list_jobs\(\)/);
  });

  it('throws SaltAPIError 200 naming the field when an answer does not match the schema', async () => {
    const { client } = setup(() => ({ return: [{ m1: 'not grains' }] }));
    const error = await rejectionOf(client.runnerCall('cache.grains', { tgt: '*' }, { schema: GrainsMap }));
    expect((error as SaltAPIError).status).toBe(200);
    expect((error as SaltAPIError).serverMessage).toMatch(/^runner cache\.grains: unexpected answer \(m1: /);
  });

  it('reads cache.grains', async () => {
    const { client } = setup(() => cacheGrainsBody);
    const grains = await client.runnerCall(
      'cache.grains',
      { tgt: '*', tgt_type: 'glob' },
      { schema: GrainsMap },
    );
    expect(grains.m1?.os).toBe('Debian');
  });

  it('hands back a runner answer unparsed, and parses it on demand as runnerCall would', async () => {
    const { client, fake } = setup(() => cacheGrainsBody);
    const answer = await client.runnerCallText('cache.grains', { tgt: ['m1', 'm2'], tgt_type: 'list' });
    expect(JSON.parse(answer.body)).toEqual(cacheGrainsBody);
    expect(answer.parse(GrainsMap).m1?.os).toBe('Debian');
    expect(fake.requests.at(-1)?.body).toEqual([
      { client: 'runner', fun: 'cache.grains', kwarg: { tgt: ['m1', 'm2'], tgt_type: 'list' } },
    ]);
  });

  it('runnerCallText logs in again after a 401 and retries a 5xx like runnerCall', async () => {
    let calls = 0;
    const { client, fake } = setup(() => (++calls === 1 ? htmlError(500, masterDownHtml) : cacheGrainsBody), {
      retry: { minTimeout: 1 },
    });
    await client.login();
    fake.forgetSessions();
    const answer = await client.runnerCallText('cache.grains', { tgt: '*' });
    expect(answer.parse(GrainsMap).m2).toEqual({});
    expect(fake.count('POST', '/login')).toBe(2);
    expect(fake.count('POST', '/')).toBe(3); // the 401, the 500, the answer
  });

  it('runnerCallText answers parse to the same errors as runnerCall', async () => {
    const failing = await setup(() => runnerExceptionBody).client.runnerCallText('jobs.list_jobs');
    expect(() => failing.parse(GrainsMap)).toThrow(/Exception occurred in runner jobs\.list_jobs/);
    const malformed = await setup(() => ({ return: [{ m1: ['not', 'grains'] }] })).client.runnerCallText(
      'cache.grains',
    );
    const error = (() => {
      try {
        malformed.parse(GrainsMap);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).serverMessage).toMatch(/^runner cache\.grains: unexpected answer \(m1: /);
    const empty = await setup(() => ({ return: [] })).client.runnerCallText('cache.grains');
    expect(() => empty.parse(GrainsMap)).toThrow(/empty return list/);
  });

  it('sends a local call with arg, kwarg, tgt_type and timeout, and returns each minion return', async () => {
    const { client, fake } = setup(() => ({
      return: [{ m1: { args: ['a'], kwargs: { k: 'v' } }, m2: false }],
    }));
    const result = await client.localCall({
      tgt: ['m1', 'm2'],
      fun: 'test.arg',
      arg: ['a'],
      kwarg: { k: 'v' },
      tgtType: 'list',
      timeout: 10,
    });
    expect(result).toEqual({ m1: { args: ['a'], kwargs: { k: 'v' } }, m2: false });
    expect(fake.requests.at(-1)?.body).toEqual([
      {
        client: 'local',
        tgt: ['m1', 'm2'],
        fun: 'test.arg',
        arg: ['a'],
        kwarg: { k: 'v' },
        tgt_type: 'list',
        timeout: 10,
      },
    ]);
  });

  it('returns the jid and minions of local_async', async () => {
    const { client, fake } = setup(() => localAsyncBody);
    expect(await client.localAsync({ tgt: '*', fun: 'test.sleep', arg: [30] })).toEqual({
      jid: '20251002101112123456',
      minions: ['m1', 'm2'],
    });
    expect(fake.requests.at(-1)?.body).toEqual([
      { client: 'local_async', tgt: '*', fun: 'test.sleep', arg: [30] },
    ]);
  });

  it('throws SaltAPIError 200 when local_async matched no minion and got no jid', async () => {
    const { client } = setup(() => localAsyncNoMatchBody);
    const error = await rejectionOf(client.localAsync({ tgt: 'nobody*', fun: 'test.ping' }));
    expect((error as SaltAPIError).status).toBe(200);
    expect((error as SaltAPIError).serverMessage).toBe(
      'local_async test.ping: no minion matched the target, so Salt assigned no jid',
    );
  });

  it('lists connected minions with runner manage.present', async () => {
    const { client, fake } = setup(() => managePresentBody);
    expect(await client.listConnectedMinions()).toEqual(['m1', 'm2']);
    expect(fake.requests.at(-1)?.body).toEqual([{ client: 'runner', fun: 'manage.present' }]);
  });

  it('throws SaltAPIError 200 for an answer that is not JSON', async () => {
    const { client } = setup(
      () => new HttpResponse('Welcome', { headers: { 'Content-Type': 'text/plain' } }),
    );
    const error = await rejectionOf(client.runnerCall('manage.up'));
    expect((error as SaltAPIError).serverMessage).toBe('POST /: the answer is not JSON');
  });

  it('waits a Salt timeout longer than timeoutMs for a local call that carries one', async () => {
    const { client } = setup(
      async (chunk) => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { return: [{ m1: chunk.fun === 'test.sleep' }] };
      },
      { timeoutMs: 50 },
    );
    await client.login();
    expect(await client.localCall({ tgt: 'm1', fun: 'test.sleep', arg: [0], timeout: 1 })).toEqual({
      m1: true,
    });
    const error = await rejectionOf(client.localCall({ tgt: 'm1', fun: 'test.ping' }));
    expect((error as SaltAPIUnavailable).reason).toBe('timeout');
  });

  it('leaves no timer running after a call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { client } = setup(() => managePresentBody);
    await client.listConnectedMinions();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('SaltAPIClient options', () => {
  it('warns that verifyTls: false does not reach an injected fetch', () => {
    const { lines, logger } = capturingLogger();
    new SaltAPIClient({
      url: 'https://salt.test:8000',
      username: 'u',
      password: 'p',
      verifyTls: false,
      fetch: globalThis.fetch,
      logger,
    });
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'salt-api: verifyTls=false has no effect with an injected fetch',
        fields: { origin: 'https://salt.test:8000' },
      },
    ]);
  });

  it('sends its requests through an injected fetch', async () => {
    const seen: string[] = [];
    const { client } = setup(() => managePresentBody, {
      fetch: (input, init) => {
        seen.push(`${init?.method} ${new URL(String(input)).pathname}`);
        return globalThis.fetch(input, init);
      },
    });
    await client.listConnectedMinions();
    expect(seen).toEqual(['POST /login', 'POST /']);
  });
});

describe('SaltAPIClient logout', () => {
  it('revokes the session, and the next call logs in again', async () => {
    const { client, fake } = setup(() => managePresentBody);
    await client.listConnectedMinions();
    await client.logout();
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: '/logout' });
    expect(fake.requests.at(-1)?.headers['x-auth-token']).toBe(fake.tokenOf(1));

    await client.listConnectedMinions();
    expect(fake.count('POST', '/login')).toBe(2);
  });

  it('treats a 401 on logout as already logged out', async () => {
    const { client, fake } = setup(() => managePresentBody);
    await client.login();
    fake.forgetSessions();
    await expect(client.logout()).resolves.toBeUndefined();
    expect(fake.count('POST', '/logout')).toBe(1);
  });

  it('sends nothing when there is no session', async () => {
    const { client, fake } = setup();
    await client.logout();
    expect(fake.requests).toHaveLength(0);
  });
});
