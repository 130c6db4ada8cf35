import { describe, expect, it } from 'vitest';
import { permissionMatches } from './principal.js';

describe('permissionMatches', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'execute:salt:test.ping', true],
    ['view:minion:*', 'view:minion:web-01', true],
    ['view:minion:*', 'view:minion:*', true],
    ['view:*', 'view:audit:*', true],
    ['view:*', 'kill:job:*', false],
    ['execute:salt:test.*', 'execute:salt:test.ping', true],
    ['execute:salt:test.*', 'execute:salt:cmd.run', false],
    ['execute:salt:test.ping', 'execute:salt:testXping', false],
    ['accept:key:web-01', 'accept:key:web-01', true],
    ['accept:key:web-01', 'accept:key:web-012', false],
  ];
  it.each(cases)('%s covers %s: %s', (granted, required, expected) => {
    expect(permissionMatches(granted, required)).toBe(expected);
  });
});
