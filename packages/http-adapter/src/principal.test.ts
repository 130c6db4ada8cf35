import { permissionMatches as corePermissionMatches } from '@halite/core';
import { describe, expect, it } from 'vitest';
import { permissionMatches, principalHasPermission } from './principal.js';

// The matcher's table of cases lives with it in core (rbac/permissions.test.ts); here only what
// this package adds on top.
describe('principal helpers', () => {
  it('re-exports the one matcher of core rather than a copy', () => {
    expect(permissionMatches).toBe(corePermissionMatches);
  });

  it('grants a permission when any of the principal’s globs covers it', () => {
    const principal = {
      id: 'u',
      name: 'u',
      permissions: ['view:minion:*', 'execute:salt:test.*'],
      via: 'session' as const,
    };
    expect(principalHasPermission(principal, 'view:minion:web-01')).toBe(true);
    expect(principalHasPermission(principal, 'execute:salt:test.ping')).toBe(true);
    expect(principalHasPermission(principal, 'execute:salt:cmd.run')).toBe(false);
    expect(principalHasPermission({ ...principal, permissions: [] }, 'view:minion:web-01')).toBe(false);
  });
});
