import { type Halite, HaliteError, StoreError, type User } from '@halite/core';
import { z } from 'zod';
import { EntityId, NewPassword } from './auth.js';
import { haliteRoute, NoQuery } from './define.js';

/** A user as the API shows it (never the password hash). */
export const UserSummary = z.object({
  id: z.string(),
  username: z.string(),
  display_name: z.string(),
  email: z.string().nullable(),
  is_active: z.boolean(),
  is_builtin: z.boolean(),
  must_change_pw: z.boolean(),
  created_at: z.string(),
  last_login_at: z.string().nullable(),
});

/** `limit` 1–500 (default 50) and `offset` ≥ 0. */
export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

const UserParams = z.object({ user_id: EntityId });
const UserRoleParams = UserParams.extend({ role_id: EntityId });

const CreateUser = z
  .object({
    username: z.string().min(1).max(255),
    display_name: z.string().max(255).default(''),
    email: z.string().max(255).nullable().optional(),
    password: NewPassword,
    must_change_pw: z.boolean().default(true),
    role_ids: z.array(z.string().min(1).max(255)).max(100).default([]),
  })
  .strict();

const UpdateUser = z
  .object({
    display_name: z.string().max(255).optional(),
    email: z.string().max(255).nullable().optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'give at least one field to change');

/** The API form of a user. */
export function userSummary(user: User): z.input<typeof UserSummary> {
  return {
    id: user.id,
    username: user.username,
    display_name: user.displayName,
    email: user.email,
    is_active: user.isActive,
    is_builtin: user.isBuiltin,
    must_change_pw: user.mustChangePassword,
    created_at: user.createdAt,
    last_login_at: user.lastLoginAt,
  };
}

async function requireUser(app: Halite, id: string): Promise<User> {
  const user = await app.store.users.get(id);
  if (!user) throw new HaliteError('not_found', 'User not found');
  return user;
}

/** Users: list, create, change, delete, reset a password, give and take roles. */
export const userRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/users',
    permission: 'view:user:*',
    summary: 'List users',
    tags: ['users'],
    query: PageQuery,
    response: z.object({ total: z.number(), users: z.array(UserSummary) }),
    handler: async ({ app, query }) => {
      const page = await app.store.users.list(query);
      return { total: page.total, users: page.items.map(userSummary) };
    },
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/users',
    permission: 'manage_user:user:*',
    summary: 'Create a user with roles',
    tags: ['users'],
    query: NoQuery,
    body: CreateUser,
    response: UserSummary,
    status: 201,
    errors: [409],
    handler: async ({ app, body }) => {
      for (const roleId of body.role_ids) {
        if (!(await app.store.roles.get(roleId)))
          throw new HaliteError('invalid_input', `Unknown role ID: ${roleId}`);
      }
      const passwordHash = await app.auth.hashPassword(body.password);
      try {
        const user = await app.store.transaction(async (tx) => {
          const created = await tx.users.create({
            username: body.username,
            passwordHash,
            displayName: body.display_name,
            email: body.email ?? null,
            mustChangePassword: body.must_change_pw,
          });
          for (const roleId of body.role_ids) await tx.roles.assign(created.id, roleId);
          return created;
        });
        return userSummary(user);
      } catch (error) {
        if (error instanceof StoreError && error.kind === 'unique_violation') {
          throw new HaliteError('conflict', 'Username already exists');
        }
        throw error;
      }
    },
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/users/:user_id',
    permission: 'view:user:*',
    summary: 'One user',
    tags: ['users'],
    query: NoQuery,
    params: UserParams,
    response: UserSummary,
    handler: async ({ app, params }) => userSummary(await requireUser(app, params.user_id)),
  }),
  haliteRoute({
    method: 'PATCH',
    path: '/api/users/:user_id',
    permission: 'manage_user:user:*',
    summary: 'Change display name, e-mail or active state (deactivation takes effect at once)',
    tags: ['users'],
    query: NoQuery,
    params: UserParams,
    body: UpdateUser,
    response: UserSummary,
    handler: async ({ app, params, body }) => {
      await requireUser(app, params.user_id);
      const user = await app.store.users.update(params.user_id, {
        ...(body.display_name === undefined ? {} : { displayName: body.display_name }),
        ...(body.email === undefined ? {} : { email: body.email }),
        ...(body.is_active === undefined ? {} : { isActive: body.is_active }),
      });
      return userSummary(user);
    },
  }),
  haliteRoute({
    method: 'DELETE',
    path: '/api/users/:user_id',
    permission: 'manage_user:user:*',
    summary: 'Delete a user with their sessions and tokens',
    tags: ['users'],
    query: NoQuery,
    params: UserParams,
    status: 204,
    errors: [409],
    handler: async ({ app, params, principal }) => {
      const user = await requireUser(app, params.user_id);
      if (principal.userId === user.id) throw new HaliteError('conflict', 'Cannot delete yourself');
      if (user.isBuiltin) throw new HaliteError('conflict', 'Cannot delete a built-in user');
      await app.store.users.delete(user.id);
      return null;
    },
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/users/:user_id/password',
    permission: 'manage_user:user:*',
    summary: "Set a user's password; ends all of that user's sessions",
    tags: ['users'],
    query: NoQuery,
    params: UserParams,
    body: z.object({ new_password: NewPassword, must_change_pw: z.boolean().default(true) }).strict(),
    status: 204,
    handler: async ({ app, params, body }) => {
      await requireUser(app, params.user_id);
      await app.auth.resetPassword(params.user_id, body.new_password, body.must_change_pw);
      return null;
    },
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/users/:user_id/roles',
    permission: 'view:user:*',
    summary: "The ids of a user's roles",
    tags: ['users'],
    query: NoQuery,
    params: UserParams,
    response: z.array(z.string()),
    handler: async ({ app, params }) => {
      await requireUser(app, params.user_id);
      return (await app.store.roles.rolesOf(params.user_id)).map((role) => role.id);
    },
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/users/:user_id/roles',
    permission: 'manage_user:user:*',
    summary: 'Give a user a role (201 when new, 200 when already held)',
    tags: ['users'],
    query: NoQuery,
    params: UserParams,
    body: z.object({ role_id: EntityId }).strict(),
    status: 201,
    handler: async ({ app, params, body }) => {
      await requireUser(app, params.user_id);
      if (!(await app.store.roles.get(body.role_id)))
        throw new HaliteError('invalid_input', 'Role not found');
      const created = await app.store.roles.assign(params.user_id, body.role_id);
      return created ? null : new Response(null, { status: 200 });
    },
  }),
  haliteRoute({
    method: 'DELETE',
    path: '/api/users/:user_id/roles/:role_id',
    permission: 'manage_user:user:*',
    summary: 'Take a role from a user',
    tags: ['users'],
    query: NoQuery,
    params: UserRoleParams,
    status: 204,
    handler: async ({ app, params }) => {
      if (!(await app.store.roles.unassign(params.user_id, params.role_id))) {
        throw new HaliteError('not_found', 'Role assignment not found');
      }
      return null;
    },
  }),
];
