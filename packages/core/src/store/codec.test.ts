import { describe, expect, it } from 'vitest';
import { encodeCappedJson, encodeJson, normalizeTime, readTime } from './codec.js';
import { chunks, compareText, lastByKey } from './context.js';
import { StoreError } from './errors.js';

describe('normalizeTime', () => {
  it.each([
    ['2025-01-02T03:04:05Z', '2025-01-02T03:04:05.000Z'],
    ['2025-01-02T03:04:05.1Z', '2025-01-02T03:04:05.100Z'],
    ['2025-01-02T03:04:05.123456Z', '2025-01-02T03:04:05.123Z'],
    ['2025-01-02T03:04:05+02:00', '2025-01-02T01:04:05.000Z'],
    ['2025-01-02T03:04:05-0130', '2025-01-02T04:34:05.000Z'],
    ['2025-01-02 03:04Z', '2025-01-02T03:04:00.000Z'],
    ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (input, expected) => {
    expect(normalizeTime(input)).toBe(expected);
  });

  it.each([
    'yesterday',
    '2025-01-02T03:04:05',
    '2025-02-30T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '9999-12-31T23:59:59-01:00',
    '',
  ])('refuses %j', (input) => {
    expect(normalizeTime(input)).toBeNull();
  });

  it('takes dates, refusing invalid ones', () => {
    expect(normalizeTime(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)))).toBe('2025-01-02T03:04:05.006Z');
    expect(normalizeTime(new Date(Number.NaN))).toBeNull();
  });

  it('reads a pg Date and a SQLite string alike', () => {
    expect(readTime(new Date('2025-01-02T03:04:05.006Z'))).toBe('2025-01-02T03:04:05.006Z');
    expect(readTime('2025-01-02T03:04:05.006Z')).toBe('2025-01-02T03:04:05.006Z');
    expect(() => readTime(42)).toThrow(StoreError);
  });
});

describe('encodeJson', () => {
  it('replaces NUL and unpaired surrogate escapes, never an escaped backslash', () => {
    const text = encodeJson({ a: 'x\u0000y', b: '\ud800', c: '\\u0000', d: '\\\u0000', e: '𝄞' }, 'v', 1e6);
    expect(JSON.parse(text)).toEqual({ a: 'x\ufffdy', b: '\ufffd', c: '\\u0000', d: '\\\ufffd', e: '𝄞' });
  });

  it('refuses what JSON cannot hold, and what is too large', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [cycle, { n: 1n }, undefined, () => 1]) {
      expect(() => encodeJson(bad, 'v', 1e6)).toThrow(expect.objectContaining({ kind: 'invalid_input' }));
    }
    expect(() => encodeJson({ s: 'é'.repeat(600) }, 'v', 1000)).toThrow(/larger than 1000 bytes/);
    expect(encodeJson({ s: 'é'.repeat(400) }, 'v', 1000)).toBe(JSON.stringify({ s: 'é'.repeat(400) }));
  });
});

describe('encodeCappedJson', () => {
  it('keeps a value that fits, with its size', () => {
    expect(encodeCappedJson({ a: 'ü' }, 'v', 100)).toEqual({
      text: '{"a":"ü"}',
      bytes: 10,
      truncated: false,
    });
    expect(encodeCappedJson(undefined, 'v', 100)).toEqual({ text: 'null', bytes: 4, truncated: false });
  });

  it('cuts a value that does not fit at a character boundary, within the cap', () => {
    const value = { out: '日本語'.repeat(100) };
    for (const cap of [10, 11, 12, 13, 64, 101]) {
      const capped = encodeCappedJson(value, 'v', cap);
      expect(capped.truncated).toBe(true);
      expect(capped.bytes).toBe(Buffer.byteLength(JSON.stringify(value)));
      expect(Buffer.byteLength(capped.text)).toBeLessThanOrEqual(cap);
      const preview = JSON.parse(capped.text) as string;
      expect(JSON.stringify(value).startsWith(preview)).toBe(true);
      expect(preview).not.toContain('\ufffd');
    }
  });
});

describe('batching helpers', () => {
  it('chunks without losing or reordering', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 3)).toEqual([]);
  });

  it('keeps the last of each key, sorted by code point', () => {
    const rows = [
      { id: '𝄞', v: 1 },
      { id: 'ｆ', v: 2 },
      { id: 'a', v: 3 },
      { id: 'a', v: 4 },
    ];
    expect(lastByKey(rows, (r) => r.id)).toEqual([
      { id: 'a', v: 4 },
      { id: 'ｆ', v: 2 },
      { id: '𝄞', v: 1 },
    ]);
    expect(compareText('𝄞', 'ｆ')).toBe(1);
    expect(compareText('ab', 'a')).toBeGreaterThan(0);
  });
});
