import { type Halite, HaliteError, type Role, type RoleDetail, StoreError } from '@halite/core';
import { z } from 'zod';
import { EntityId } from './auth.js';
import { haliteRoute, NoQuery } from './define.js';

/** A role as listed. */
export const RoleSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  is_builtin: z.boolean(),
});

/** One `verb:resource_glob` grant of a role. */
export const PermissionOut = z.object({ id: z.string(), verb: z.string(), resource_glob: z.string() });

/** A role with its grants. */
export const RoleDetailOut = RoleSummary.extend({ permissions: z.array(PermissionOut) });

const RoleParams = z.object({ role_id: EntityId });
const PermissionBody = z
  .object({ verb: z.string().min(1).max(64), resource_glob: z.string().min(1).max(255) })
  .strict();

function roleSummary(role: Role): z.input<typeof RoleSummary> {
  return { id: role.id, name: role.name, description: role.description, is_builtin: role.isBuiltin };
}

function roleDetail(role: RoleDetail): z.input<typeof RoleDetailOut> {
  return {
    ...roleSummary(role),
    permissions: role.permissions.map((p) => ({ id: p.id, verb: p.verb, resource_glob: p.resourceGlob })),
  };
}

async function requireRole(app: Halite, id: string): Promise<RoleDetail> {
  const role = await app.store.roles.get(id);
  if (!role) throw new HaliteError('not_found', 'Role not found');
  return role;
}

function conflictOn<T>(promise: Promise<T>, message: string): Promise<T> {
  return promise.catch((error: unknown) => {
    if (error instanceof StoreError && error.kind === 'unique_violation')
      throw new HaliteError('conflict', message);
    throw error;
  });
}

/** Roles and their `verb:resource` grants. */
export const roleRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/roles',
    permission: 'view:role:*',
    summary: 'List roles by name',
    tags: ['roles'],
    query: NoQuery,
    response: z.object({ total: z.number(), roles: z.array(RoleSummary) }),
    handler: async ({ app }) => {
      const page = await app.store.roles.list({ limit: 1000 });
      return { total: page.total, roles: page.items.map(roleSummary) };
    },
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/roles',
    permission: 'manage_role:role:*',
    summary: 'Create a custom role, optionally with grants',
    tags: ['roles'],
    query: NoQuery,
    body: z
      .object({
        name: z.string().min(1).max(64),
        description: z.string().max(255).default(''),
        permissions: z.array(PermissionBody).max(200).default([]),
      })
      .strict(),
    response: RoleDetailOut,
    status: 201,
    errors: [409],
    handler: async ({ app, body }) => {
      const role = await conflictOn(
        app.store.roles.create({
          name: body.name,
          description: body.description,
          permissions: body.permissions.map((p) => ({ verb: p.verb, resourceGlob: p.resource_glob })),
        }),
        'Role name already exists',
      );
      return roleDetail(role);
    },
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/roles/:role_id',
    permission: 'view:role:*',
    summary: 'One role with its grants',
    tags: ['roles'],
    query: NoQuery,
    params: RoleParams,
    response: RoleDetailOut,
    handler: async ({ app, params }) => roleDetail(await requireRole(app, params.role_id)),
  }),
  haliteRoute({
    method: 'PATCH',
    path: '/api/roles/:role_id',
    permission: 'manage_role:role:*',
    summary: "Change a role's description (names are immutable)",
    tags: ['roles'],
    query: NoQuery,
    params: RoleParams,
    body: z.object({ description: z.string().max(255) }).strict(),
    response: RoleSummary,
    handler: async ({ app, params, body }) => {
      await requireRole(app, params.role_id);
      return roleSummary(await app.store.roles.update(params.role_id, { description: body.description }));
    },
  }),
  haliteRoute({
    method: 'DELETE',
    path: '/api/roles/:role_id',
    permission: 'manage_role:role:*',
    summary: 'Delete a custom role',
    tags: ['roles'],
    query: NoQuery,
    params: RoleParams,
    status: 204,
    errors: [409],
    handler: async ({ app, params }) => {
      const role = await requireRole(app, params.role_id);
      if (role.isBuiltin) throw new HaliteError('conflict', 'Cannot delete a built-in role');
      await app.store.roles.delete(role.id);
      return null;
    },
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/roles/:role_id/permissions',
    permission: 'manage_role:role:*',
    summary: 'Add a verb:resource_glob grant to a role',
    tags: ['roles'],
    query: NoQuery,
    params: RoleParams,
    body: PermissionBody,
    response: PermissionOut,
    status: 201,
    errors: [409],
    handler: async ({ app, params, body }) => {
      await requireRole(app, params.role_id);
      const p = await conflictOn(
        app.store.roles.addPermission(params.role_id, { verb: body.verb, resourceGlob: body.resource_glob }),
        'The role already has this permission',
      );
      return { id: p.id, verb: p.verb, resource_glob: p.resourceGlob };
    },
  }),
  haliteRoute({
    method: 'DELETE',
    path: '/api/roles/:role_id/permissions/:permission_id',
    permission: 'manage_role:role:*',
    summary: 'Remove a grant from a role',
    tags: ['roles'],
    query: NoQuery,
    params: RoleParams.extend({ permission_id: EntityId }),
    status: 204,
    handler: async ({ app, params }) => {
      if (!(await app.store.roles.removePermission(params.role_id, params.permission_id))) {
        throw new HaliteError('not_found', 'Permission not found');
      }
      return null;
    },
  }),
];
