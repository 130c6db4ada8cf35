import { describe, expect, it } from 'vitest';
import { formatSaltTime, jidToIso, parseJobStartTime, parseSaltTimestamp } from './time.js';

describe('parseSaltTimestamp', () => {
  it.each([
    ['2025-10-02T10:11:12.345678', '2025-10-02T10:11:12.345Z'],
    ['2025-10-02T10:11:12', '2025-10-02T10:11:12.000Z'],
    ['2025-10-02T10:11:12.5', '2025-10-02T10:11:12.500Z'],
    ['2014-01-12_01:01:49.809617', '2014-01-12T01:01:49.809Z'],
    ['2025-10-02T10:11:12.130001Z', '2025-10-02T10:11:12.130Z'],
    ['2025-10-02T12:11:12+02:00', '2025-10-02T10:11:12.000Z'],
  ])('reads %s as %s (UTC)', (stamp, iso) => {
    expect(parseSaltTimestamp(stamp)).toBe(iso);
  });

  it.each([[''], ['yesterday'], ['2025-02-30T10:11:12'], ['2025-10-02T25:00:00'], ['2025-10-02']])(
    'answers null for %j',
    (stamp) => {
      expect(parseSaltTimestamp(stamp)).toBeNull();
    },
  );
});

describe('parseJobStartTime', () => {
  it.each([
    ['2025, Oct 02 10:11:12.123456', '2025-10-02T10:11:12.123Z'],
    ['2026, May 26 12:00:00.000000', '2026-05-26T12:00:00.000Z'],
    ['2015, Mar 16 19:00:00', '2015-03-16T19:00:00.000Z'],
  ])('reads %s as %s', (startTime, iso) => {
    expect(parseJobStartTime(startTime)).toBe(iso);
  });

  it.each([[''], ['2025, Foo 02 10:11:12.123456'], ['2025-10-02T10:11:12']])(
    'answers null for %j',
    (text) => {
      expect(parseJobStartTime(text)).toBeNull();
    },
  );
});

describe('jidToIso', () => {
  it('reads a 20-digit jid as its UTC time', () => {
    expect(jidToIso('20251002101112123456')).toBe('2025-10-02T10:11:12.123Z');
  });

  it('ignores the _pid suffix of unique_jid', () => {
    expect(jidToIso('20251002101112123456_4242')).toBe('2025-10-02T10:11:12.123Z');
  });

  it.each([['req'], ['2025100210111212345'], ['20251302101112123456'], ['20251002101112123456_']])(
    'answers null for %j',
    (jid) => {
      expect(jidToIso(jid)).toBeNull();
    },
  );
});

describe('formatSaltTime', () => {
  it('writes naive UTC with microseconds and no zone, for jobs.list_jobs start_time', () => {
    expect(formatSaltTime(new Date('2025-10-02T10:11:12.345Z'))).toBe('2025-10-02T10:11:12.345000');
  });

  it('round-trips through parseSaltTimestamp', () => {
    const date = new Date('2026-01-31T23:59:59.999Z');
    expect(parseSaltTimestamp(formatSaltTime(date))).toBe(date.toISOString());
  });

  it('refuses an invalid date', () => {
    expect(() => formatSaltTime(new Date('nope'))).toThrow(RangeError);
  });
});
