import { permissionMatches as serverMatches } from '@halite/core';
import { describe, expect, it } from 'vitest';
import { can, canSome, permissionMatches } from './permissions';

// [granted, required, expected]: the reference product's worked examples and the edge cases
// of the glob rule.
const TABLE: [string, string, boolean][] = [
  ['*', 'kill:job:20250101000000000000', true],
  ['view:minion:*', 'view:minion:web-01', true],
  ['view:*', 'view:audit:*', true],
  ['view:*', 'kill:job:*', false],
  ['execute:salt:test.*', 'execute:salt:test.ping', true],
  ['execute:salt:test.*', 'execute:salt:cmd.run', false],
  ['execute:salt:*', 'execute:salt:*', true],
  ['accept:key:*', 'accept:key:db-01', true],
  ['accept:key:*', 'reject:key:db-01', false],
  ['*:key:*', 'delete:key:db-01', true],
  ['view:minion:web-??', 'view:minion:web-01', true],
  ['view:minion:web-??', 'view:minion:web-1', false],
  ['view:minion:web.*', 'view:minion:webx01', false],
  ['View:minion:*', 'view:minion:a', false],
  ['edit:settings:*', 'edit:settings:*', true],
  ['manage_user:user:*', 'manage_role:role:*', false],
  ['view', 'view', true],
  ['v*', 'view:minion:a', true],
];

describe('permissionMatches', () => {
  it.each(TABLE)('%s covers %s: %s', (granted, required, expected) => {
    expect(permissionMatches(granted, required)).toBe(expected);
  });

  it('agrees with the server on every case', () => {
    for (const [granted, required] of TABLE) {
      expect(permissionMatches(granted, required), `${granted} / ${required}`).toBe(
        serverMatches(granted, required),
      );
    }
  });

  it('grants when any one permission covers', () => {
    expect(can(['view:minion:*', 'kill:job:*'], 'kill:job:1')).toBe(true);
    expect(can(['view:minion:*'], 'kill:job:1')).toBe(false);
    expect(can([], 'view:minion:a')).toBe(false);
  });
});

describe('canSome', () => {
  it('sees a partial grant of a verb on a kind of resource', () => {
    expect(canSome(['execute:salt:test.*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['execute:*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['*:salt:*'], 'execute', 'salt')).toBe(true);
    expect(canSome(['view:*'], 'execute', 'salt')).toBe(false);
    expect(canSome(['execute:minion:*'], 'execute', 'salt')).toBe(false);
    expect(canSome([], 'execute', 'salt')).toBe(false);
  });
});
