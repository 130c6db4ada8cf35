import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLLER_SETTINGS,
  PollerSettingsUpdate,
  SaltConnectionTest,
  SaltSettingsUpdate,
} from './schemas.js';

const issuePaths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((i) => i.path.join('.')) ?? [];

describe('settings schemas', () => {
  it("defaults the pollers to the reference product's values", () => {
    expect(DEFAULT_POLLER_SETTINGS).toEqual({
      minion_state_keys_interval_seconds: 300,
      minion_state_presence_interval_seconds: 60,
      minion_state_grains_interval_seconds: 300,
      minion_state_initial_delay_seconds: 10,
      grains_chunk_size: 250,
      jobs_poll_interval_seconds: 0,
      jobs_lookback_hours: 24,
      event_stream_enabled: false,
      event_stream_retention_days: 30,
    });
  });

  it('names the field that is out of range', () => {
    const result = PollerSettingsUpdate.safeParse({ event_stream_retention_days: 0 });
    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual(['event_stream_retention_days']);
    expect(
      issuePaths(PollerSettingsUpdate.safeParse({ minion_state_keys_interval_seconds: 86_401 })),
    ).toEqual(['minion_state_keys_interval_seconds']);
    expect(issuePaths(PollerSettingsUpdate.safeParse({ jobs_poll_interval_seconds: 1.5 }))).toEqual([
      'jobs_poll_interval_seconds',
    ]);
  });

  it('rejects unknown fields and empty updates', () => {
    const unknown = PollerSettingsUpdate.safeParse({ nope: 1 });
    expect(unknown.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['nope'] });
    expect(PollerSettingsUpdate.safeParse({}).success).toBe(false);
    expect(SaltSettingsUpdate.safeParse({}).success).toBe(false);
  });

  it('accepts http(s) URLs only and strips a trailing slash', () => {
    expect(SaltSettingsUpdate.parse({ url: 'https://salt.example:8000/' })).toEqual({
      url: 'https://salt.example:8000',
    });
    expect(issuePaths(SaltSettingsUpdate.safeParse({ url: 'ftp://salt' }))).toEqual(['url']);
    expect(issuePaths(SaltSettingsUpdate.safeParse({ url: 'not a url' }))).toEqual(['url']);
    expect(SaltSettingsUpdate.parse({ url: null })).toEqual({ url: null });
    expect(issuePaths(SaltSettingsUpdate.safeParse({ url: 'http://svc:hunter2@salt.example:8000' }))).toEqual(
      ['url'],
    );
  });

  it('requires every connection field to test a connection', () => {
    const result = SaltConnectionTest.safeParse({ url: 'http://127.0.0.1:8000' });
    expect(issuePaths(result).sort()).toEqual(['password', 'username']);
    expect(
      SaltConnectionTest.parse({ url: 'http://127.0.0.1:8000', username: 'saltdev', password: 'x' }),
    ).toEqual({
      url: 'http://127.0.0.1:8000',
      username: 'saltdev',
      password: 'x',
      verify: true,
      eauth: 'pam',
    });
  });
});
