import type { Store } from '../store/store.js';

/** A built-in role as seeded at every boot. */
export interface BuiltinRole {
  /** The role's name (unique). */
  readonly name: string;
  /** What it is for. */
  readonly description: string;
  /** Its `verb` / `resourceGlob` grants. */
  readonly permissions: ReadonlyArray<{ readonly verb: string; readonly resourceGlob: string }>;
}

/** The reference product's built-in roles: admin, operator, viewer. */
export const BUILTIN_ROLES: readonly BuiltinRole[] = Object.freeze([
  {
    name: 'admin',
    description: 'Full access to all features and administration.',
    permissions: [{ verb: '*', resourceGlob: '*' }],
  },
  {
    name: 'operator',
    description: 'Run salt commands and manage keys, but no user administration.',
    permissions: [
      { verb: 'view', resourceGlob: '*' },
      { verb: 'run', resourceGlob: '*' },
      { verb: 'accept', resourceGlob: 'key:*' },
      { verb: 'delete', resourceGlob: 'key:*' },
      { verb: 'execute', resourceGlob: 'salt:*' },
      { verb: 'kill', resourceGlob: 'job:*' },
      { verb: 'reject', resourceGlob: 'key:*' },
    ],
  },
  {
    name: 'viewer',
    description: 'Read-only access to everything except audit.',
    permissions: [
      'minion:*',
      'key:*',
      'job:*',
      'grain:*',
      'pillar:*',
      'event:*',
      'setting:*',
      'inventory:*',
    ].map((resourceGlob) => ({ verb: 'view', resourceGlob })),
  },
]);

/**
 * Creates the built-in roles that are missing and adds the built-in grants a built-in role
 * lacks (gap-filling, so a new release's grants arrive on restart). Never removes a grant and
 * never touches custom roles. Idempotent; run at every boot.
 *
 * @returns the role id of each built-in role, by name
 */
export async function seedBuiltinRoles(store: Store): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const builtin of BUILTIN_ROLES) {
    const existing = await store.roles.getByName(builtin.name);
    if (!existing) {
      const created = await store.roles.create({
        name: builtin.name,
        description: builtin.description,
        isBuiltin: true,
        permissions: builtin.permissions,
      });
      ids.set(builtin.name, created.id);
      continue;
    }
    ids.set(builtin.name, existing.id);
    const held = new Set(existing.permissions.map((p) => `${p.verb}\u0000${p.resourceGlob}`));
    for (const permission of builtin.permissions) {
      if (!held.has(`${permission.verb}\u0000${permission.resourceGlob}`)) {
        await store.roles.addPermission(existing.id, permission);
      }
    }
  }
  return ids;
}
