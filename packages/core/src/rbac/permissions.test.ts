import { describe, expect, it } from 'vitest';
import { can, canSome, permissionMatches, permissionStrings } from './permissions.js';

describe('permissionMatches', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'execute:salt:test.ping', true],
    ['*:*', 'delete:user:alice', true],
    ['view:minion:*', 'view:minion:web-01', true],
    ['view:minion:*', 'view:minion:*', true],
    ['view:*', 'view:audit:*', true],
    ['view:*', 'kill:job:*', false],
    ['execute:salt:test.*', 'execute:salt:test.ping', true],
    ['execute:salt:test.*', 'execute:salt:cmd.run', false],
    ['execute:salt:test.ping', 'execute:salt:testXping', false],
    ['execute:salt:test.?ing', 'execute:salt:test.ping', true],
    ['execute:salt:test.?ing', 'execute:salt:test.pping', false],
    ['accept:key:web-01', 'accept:key:web-01', true],
    ['accept:key:web-01', 'accept:key:web-012', false],
    ['accept:key:web-01', 'xaccept:key:web-01', false],
    ['View:minion:*', 'view:minion:a', false],
    ['view:Minion:*', 'view:minion:a', false],
    ['*:key:*', 'accept:key:db-01', true],
    ['*:key:*', 'view:minion:key:x', false],
    ['v*:minion:*', 'view:minion:a', true],
    ['view:minion:(a|b)', 'view:minion:a', false],
    ['view:minion:a.b', 'view:minion:aXb', false],
    ['manage_user:user:*', 'manage_role:role:*', false],
  ];
  it.each(cases)('%s covers %s: %s', (granted, required, expected) => {
    expect(permissionMatches(granted, required)).toBe(expected);
  });
});

describe('can', () => {
  const operator = permissionStrings([
    { verb: 'view', resourceGlob: '*' },
    { verb: 'run', resourceGlob: '*' },
    { verb: 'accept', resourceGlob: 'key:*' },
    { verb: 'delete', resourceGlob: 'key:*' },
    { verb: 'execute', resourceGlob: 'salt:*' },
    { verb: 'kill', resourceGlob: 'job:*' },
    { verb: 'reject', resourceGlob: 'key:*' },
  ]);
  const viewer = ['view:minion:*', 'view:key:*', 'view:job:*', 'view:inventory:*'];
  const cases: [string, readonly string[], string, boolean][] = [
    ['admin', ['*:*'], 'delete:user:alice', true],
    ['operator', operator, 'view:minion:web-01', true],
    ['operator', operator, 'execute:salt:test.ping', true],
    ['operator', operator, 'accept:key:db-01', true],
    ['operator', operator, 'kill:job:20240101000000000000', true],
    ['operator', operator, 'view:audit:*', true],
    ['operator', operator, 'manage_user:user:*', false],
    ['operator', operator, 'edit:settings:*', false],
    ['viewer', viewer, 'view:minion:web-01', true],
    ['viewer', viewer, 'view:audit:*', false],
    ['viewer', viewer, 'execute:salt:test.ping', false],
    ['nobody', [], 'view:minion:web-01', false],
  ];
  it.each(cases)('%s → %s: %s', (_who, granted, required, expected) => {
    expect(can(granted, required)).toBe(expected);
  });

  it('joins verb and resource glob with a colon', () => {
    expect(permissionStrings([{ verb: 'execute', resourceGlob: 'salt:test.*' }])).toEqual([
      'execute:salt:test.*',
    ]);
  });
});

describe('canSome', () => {
  it('sees a partial grant of a verb on a kind of resource', () => {
    expect(canSome(['execute:salt:test.*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['execute:*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['*:salt:*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['e*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['view:*'], 'execute', 'salt')).toBe(false);
    expect(canSome(['execute:minion:*'], 'execute', 'salt')).toBe(false);
    expect(canSome([], 'execute', 'salt')).toBe(false);
  });
});
