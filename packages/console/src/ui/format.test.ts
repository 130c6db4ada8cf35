import { describe, expect, it } from 'vitest';
import { duration, memory, timeAgo } from './format';

describe('timeAgo', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it('says how long ago, in the largest sensible unit', () => {
    expect(timeAgo('2026-01-01T11:59:50Z', now)).toBe('10 s ago');
    expect(timeAgo('2026-01-01T11:55:00Z', now)).toBe('5 min ago');
    expect(timeAgo('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo('2025-12-29T12:00:00Z', now)).toBe('3 d ago');
    expect(timeAgo(null, now)).toBe('never');
  });
});

describe('duration and memory', () => {
  it('formats', () => {
    expect(duration(850)).toBe('850 ms');
    expect(duration(12_345)).toBe('12.3 s');
    expect(duration(245_000)).toBe('4 min 5 s');
    expect(duration(null)).toBe('—');
    expect(memory(16_000)).toBe('15.6 GiB');
    expect(memory(512)).toBe('512 MiB');
  });
});
