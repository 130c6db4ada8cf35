/**
 * Token expiry against a real Salt: eauth tokens that live a few seconds. The client must log
 * in again by itself; no error may reach the caller. (A salt-api restart is tested in
 * contract.salt.test.ts, where tokens live long enough for the client to keep its session.)
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { SaltAPIClient, type SaltEvent } from '@halite/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SaltEventRecorder } from './event-recorder.js';
import { type SaltLab, startSaltLab } from './lab.js';

const TOKEN_EXPIRE = 4;
let lab: SaltLab;
const requests: Array<{ method: string; path: string; status: number }> = [];

/** A client whose every HTTP exchange is counted (a `fetch` wrapper, no mocking). */
function countingClient(): SaltAPIClient {
  const counted: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    try {
      const res = await fetch(input, init);
      requests.push({ method, path: url.pathname, status: res.status });
      return res;
    } catch (error) {
      requests.push({ method, path: url.pathname, status: 0 });
      throw error;
    }
  };
  return new SaltAPIClient({
    url: lab.url,
    username: lab.username,
    password: lab.password,
    eauth: lab.eauth,
    fetch: counted,
  });
}

const logins = () =>
  requests.filter((r) => r.method === 'POST' && r.path === '/login' && r.status === 200).length;

/** Reads events until one matches, or the stream ends (returns undefined then). */
async function firstMatching(
  client: SaltAPIClient,
  match: (e: SaltEvent) => boolean,
  trigger: () => Promise<unknown>,
  timeoutMs = 20_000,
): Promise<SaltEvent | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // Fire the trigger once the stream is open, so its events cannot be missed.
    const stream = client.events({ signal: controller.signal, onOpen: () => void trigger() });
    for await (const event of stream) {
      if (match(event)) return event;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return undefined;
}

beforeAll(async () => {
  lab = await startSaltLab({ minions: ['m1'], tokenExpire: TOKEN_EXPIRE });
});

afterAll(async () => {
  await lab?.stop();
});

describe('token expiry', () => {
  it('issues tokens that live tokenExpire seconds', async () => {
    const client = countingClient();
    const info = await client.login();
    expect(Number(info.expire) - Number(info.start)).toBeCloseTo(TOKEN_EXPIRE, 0);
  });

  it('keeps answering across several token lifetimes, logging in again by itself', async () => {
    const client = countingClient();
    const before = logins();
    expect(await client.localCall({ tgt: 'm1', fun: 'test.ping' })).toEqual({ m1: true });
    for (let i = 0; i < 2; i++) {
      await sleep((TOKEN_EXPIRE + 1) * 1000);
      expect(await client.localCall({ tgt: 'm1', fun: 'test.ping' })).toEqual({ m1: true });
      expect(await client.wheelCall('key.list_all')).toMatchObject({ minions: ['m1'] });
    }
    expect(logins() - before).toBeGreaterThanOrEqual(2);
  });

  it('opens a new event stream after the token expired', async () => {
    const client = countingClient();
    await client.login();
    await sleep((TOKEN_EXPIRE + 1) * 1000);
    let jid = '';
    const event = await firstMatching(
      client,
      (e) => jid !== '' && e.tag === `salt/job/${jid}/ret/m1`,
      async () => {
        jid = (await client.localAsync({ tgt: 'm1', fun: 'test.ping' })).jid;
      },
    );
    expect(event?.data).toMatchObject({ id: 'm1', return: true });
  });
});

describe('an open event stream when the token expires', () => {
  it('is closed by salt-api after the next event; a reconnect logs in again and sees later jobs', async () => {
    const client = countingClient();
    const recorder = new SaltEventRecorder(client);
    try {
      await recorder.start();
      const firstConnection = recorder.connections;
      await sleep((TOKEN_EXPIRE + 1) * 1000);
      // salt-api checks the token before waiting for each event: the first event after expiry
      // is still delivered, then the stream ends. The recorder reconnects, logging in again.
      const failures = recorder.failures.length;
      await client.runnerCall('manage.present');
      for (let i = 0; i < 100 && recorder.failures.length === failures; i++) await sleep(100);
      await recorder.resync();
      expect(recorder.connections).toBeGreaterThan(firstConnection);
      expect(recorder.failures.map((f) => (f as Error).message)).toContain(
        'salt-api closed the event stream',
      );
      const mark = recorder.mark();
      const { jid } = await client.localAsync({ tgt: 'm1', fun: 'test.ping' });
      const ret = await recorder.waitFor((e) => e.tag === `salt/job/${jid}/ret/m1`, {
        since: mark,
        what: 'ret m1',
      });
      expect(ret.data).toMatchObject({ id: 'm1', return: true });
    } finally {
      await recorder.stop();
    }
  });
});
