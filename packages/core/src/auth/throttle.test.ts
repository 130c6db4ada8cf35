import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './throttle.js';

function clock(start = 0) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe('LoginThrottle', () => {
  it('refuses a username after maxPerUsername failures, in any case, from any address', () => {
    const c = clock();
    const throttle = new LoginThrottle({ maxPerUsername: 3, now: c.now });
    for (let i = 0; i < 3; i++) throttle.recordFailure('Alice', `10.0.0.${i}`);
    expect(throttle.allows('alice', '10.0.0.9')).toBe(false);
    expect(throttle.allows('bob', '10.0.0.9')).toBe(true);
  });

  it('refuses an address after maxPerAddress failures whatever the username', () => {
    const throttle = new LoginThrottle({ maxPerAddress: 4, now: clock().now });
    for (let i = 0; i < 4; i++) throttle.recordFailure(`user${i}`, '192.0.2.1');
    expect(throttle.allows('someone-new', '192.0.2.1')).toBe(false);
    expect(throttle.allows('someone-new', '192.0.2.2')).toBe(true);
  });

  it('allows again once the window has passed', () => {
    const c = clock();
    const throttle = new LoginThrottle({ maxPerUsername: 1, windowMs: 1000, now: c.now });
    throttle.recordFailure('alice', 'a');
    expect(throttle.allows('alice', 'b')).toBe(false);
    c.advance(1000);
    expect(throttle.allows('alice', 'b')).toBe(true);
  });

  it('clears the username after a success', () => {
    const throttle = new LoginThrottle({ maxPerUsername: 2, now: clock().now });
    throttle.recordFailure('alice', 'a');
    throttle.recordFailure('alice', 'a');
    throttle.recordSuccess('ALICE');
    expect(throttle.allows('alice', 'b')).toBe(true);
  });

  it('remembers at most maxEntries keys, forgetting the oldest', () => {
    const throttle = new LoginThrottle({ maxEntries: 10, maxPerUsername: 1, now: clock().now });
    for (let i = 0; i < 100; i++) throttle.recordFailure(`user${i}`, `addr${i}`);
    expect(throttle.size).toBe(10);
    expect(throttle.allows('user99', 'other')).toBe(false);
    expect(throttle.allows('user0', 'other')).toBe(true);
  });
});
