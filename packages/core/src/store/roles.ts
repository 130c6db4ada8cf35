import type { Page, PageRequest } from './types.js';

/** A role: a named set of permissions given to users. */
export interface Role {
  /** Stable id. */
  id: string;
  /** Unique name, 1–64 characters. */
  name: string;
  /** What the role is for. */
  description: string;
  /** Built-in roles (admin, operator, viewer) cannot be deleted. */
  isBuiltin: boolean;
  /** When the role was created (UTC ISO string). */
  createdAt: string;
}

/** One `verb:resource` permission of a role, both may be globs. */
export interface Permission {
  /** Stable id. */
  id: string;
  /** The role holding it. */
  roleId: string;
  /** Verb glob, e.g. `view`, `execute`, `*`. */
  verb: string;
  /** Resource glob, e.g. `minion:*`, `salt:test.*`. */
  resourceGlob: string;
}

/** A permission to add. */
export interface PermissionInput {
  /** Default a new UUID. */
  id?: string;
  /** Verb glob, 1–64 characters. */
  verb: string;
  /** Resource glob, 1–255 characters. */
  resourceGlob: string;
}

/** A role with its permissions. */
export interface RoleDetail extends Role {
  /** The role's permissions, by verb then resource. */
  permissions: Permission[];
}

/** A role to create. */
export interface RoleInput {
  /** Default a new UUID. */
  id?: string;
  /** Unique name, 1–64 characters. */
  name: string;
  /** Default `''`. */
  description?: string;
  /** Default `false`. */
  isBuiltin?: boolean;
  /** Permissions created with the role, in the same transaction. */
  permissions?: readonly PermissionInput[];
}

/** Roles, their permissions, and which users hold them. */
export interface RoleStore {
  /** Create a role with its permissions; `unique_violation` when the name exists. */
  create(input: RoleInput): Promise<RoleDetail>;
  /** One role with permissions, or `undefined`. */
  get(id: string): Promise<RoleDetail | undefined>;
  /** One role by exact name, or `undefined`. */
  getByName(name: string): Promise<RoleDetail | undefined>;
  /** A page of roles, ordered by name. */
  list(page?: PageRequest): Promise<Page<Role>>;
  /** Change a role; `not_found` when it does not exist. */
  update(id: string, patch: { name?: string; description?: string }): Promise<Role>;
  /** Delete a role with its permissions and assignments; `false` if it did not exist. */
  delete(id: string): Promise<boolean>;
  /** Add a permission; `not_found` for an unknown role, `unique_violation` for a duplicate. */
  addPermission(roleId: string, permission: PermissionInput): Promise<Permission>;
  /** Remove a permission of a role; `false` if it did not exist. */
  removePermission(roleId: string, permissionId: string): Promise<boolean>;
  /**
   * Give a user a role: `true` when created, `false` when it was already held;
   * `foreign_key_violation` when the user or role does not exist.
   */
  assign(userId: string, roleId: string): Promise<boolean>;
  /** Take a role from a user; `false` when it was not held. */
  unassign(userId: string, roleId: string): Promise<boolean>;
  /** The roles a user holds, by name. */
  rolesOf(userId: string): Promise<Role[]>;
  /** Every permission a user holds through roles, de-duplicated, by verb then resource. */
  permissionsOf(userId: string): Promise<Array<{ verb: string; resourceGlob: string }>>;
}
