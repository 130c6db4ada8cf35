import type { Kysely, Selectable, Updateable } from 'kysely';
import { z } from 'zod';
import { readBool, readNumber, readTime } from '../codec.js';
import type { StoreContext } from '../context.js';
import { StoreError } from '../errors.js';
import type { Permission, PermissionInput, Role, RoleDetail, RoleInput, RoleStore } from '../roles.js';
import type { Database, PermissionsTable, RolesTable } from '../schema.js';
import type { PageRequest } from '../types.js';
import { bool, defined, LIMITS, name, page, parse, text, time } from '../validate.js';
import { newId } from './users.js';

const id = name(LIMITS.id);
const permissionInput = z.object({
  id: id.optional(),
  verb: name(LIMITS.verb),
  resourceGlob: name(LIMITS.resourceGlob),
});
const roleInput = z.object({
  id: id.optional(),
  name: name(LIMITS.roleName),
  description: text(LIMITS.description).optional(),
  isBuiltin: bool.optional(),
  permissions: z.array(permissionInput).max(1000).optional(),
  createdAt: time.optional(),
});

function toRole(row: Selectable<RolesTable>): Role {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    isBuiltin: readBool(row.is_builtin),
    createdAt: readTime(row.created_at),
  };
}

function toPermission(row: Selectable<PermissionsTable>): Permission {
  return { id: row.id, roleId: row.role_id, verb: row.verb, resourceGlob: row.resource_glob };
}

/** The Kysely implementation of {@link RoleStore}. */
export function createRoleQueries(db: Kysely<Database>, ctx: StoreContext): RoleStore {
  async function detail(where: { id: string } | { name: string }): Promise<RoleDetail | undefined> {
    const q = db.selectFrom('roles').selectAll();
    const role = await ('id' in where
      ? q.where('id', '=', where.id)
      : q.where('name', '=', where.name)
    ).executeTakeFirst();
    if (!role) return undefined;
    const permissions = await db
      .selectFrom('permissions')
      .selectAll()
      .where('role_id', '=', role.id)
      .orderBy('verb')
      .orderBy('resource_glob')
      .execute();
    return { ...toRole(role), permissions: permissions.map(toPermission) };
  }

  return {
    create: (input: RoleInput) =>
      ctx.run('roles.create', async () => {
        const r = parse(roleInput, input, 'role');
        const roleId = r.id ?? newId();
        await ctx.inTransaction(db, async (trx) => {
          await trx
            .insertInto('roles')
            .values({
              id: roleId,
              name: r.name,
              description: r.description ?? '',
              is_builtin: ctx.bool(r.isBuiltin ?? false),
              created_at: r.createdAt ?? ctx.now(),
            })
            .execute();
          if (r.permissions && r.permissions.length > 0) {
            await trx
              .insertInto('permissions')
              .values(
                r.permissions.map((p) => ({
                  id: p.id ?? newId(),
                  role_id: roleId,
                  verb: p.verb,
                  resource_glob: p.resourceGlob,
                })),
              )
              .execute();
          }
        });
        return (await detail({ id: roleId })) as RoleDetail;
      }),

    get: (roleId: string) => ctx.run('roles.get', () => detail({ id: parse(id, roleId, 'id') })),

    getByName: (roleName: string) =>
      ctx.run('roles.getByName', () => detail({ name: parse(name(LIMITS.roleName), roleName, 'name') })),

    list: (pageRequest?: PageRequest) =>
      ctx.run('roles.list', async () => {
        const { limit, offset } = page(pageRequest);
        const total = await db
          .selectFrom('roles')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        const rows = await db
          .selectFrom('roles')
          .selectAll()
          .orderBy('name')
          .limit(limit)
          .offset(offset)
          .execute();
        return { total: readNumber(total.n), items: rows.map(toRole) };
      }),

    update: (roleId: string, patch: { name?: string; description?: string }) =>
      ctx.run('roles.update', async () => {
        const key = parse(id, roleId, 'id');
        const p = defined(
          parse(
            z.object({
              name: name(LIMITS.roleName).optional(),
              description: text(LIMITS.description).optional(),
            }),
            patch,
            'patch',
          ),
        );
        if (Object.keys(p).length > 0) {
          const set: Updateable<RolesTable> = {};
          if (p.name !== undefined) set.name = p.name;
          if (p.description !== undefined) set.description = p.description;
          await db.updateTable('roles').set(set).where('id', '=', key).execute();
        }
        const role = await db.selectFrom('roles').selectAll().where('id', '=', key).executeTakeFirst();
        if (!role) throw new StoreError('not_found', `role not found: ${key}`, { details: { role: key } });
        return toRole(role);
      }),

    delete: (roleId: string) =>
      ctx.run('roles.delete', async () => {
        const result = await db
          .deleteFrom('roles')
          .where('id', '=', parse(id, roleId, 'id'))
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),

    addPermission: (roleId: string, permission: PermissionInput) =>
      ctx.run('roles.addPermission', async () => {
        const key = parse(id, roleId, 'roleId');
        const p = parse(permissionInput, permission, 'permission');
        const row = { id: p.id ?? newId(), role_id: key, verb: p.verb, resource_glob: p.resourceGlob };
        return ctx.inTransaction(db, async (trx) => {
          const role = await trx.selectFrom('roles').select('id').where('id', '=', key).executeTakeFirst();
          if (!role) throw new StoreError('not_found', `role not found: ${key}`, { details: { role: key } });
          await trx.insertInto('permissions').values(row).execute();
          return toPermission(row);
        });
      }),

    removePermission: (roleId: string, permissionId: string) =>
      ctx.run('roles.removePermission', async () => {
        const result = await db
          .deleteFrom('permissions')
          .where('role_id', '=', parse(id, roleId, 'roleId'))
          .where('id', '=', parse(id, permissionId, 'permissionId'))
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),

    assign: (userId: string, roleId: string) =>
      ctx.run('roles.assign', async () => {
        const result = await db
          .insertInto('user_roles')
          .values({ user_id: parse(id, userId, 'userId'), role_id: parse(id, roleId, 'roleId') })
          .onConflict((oc) => oc.columns(['user_id', 'role_id']).doNothing())
          .executeTakeFirst();
        return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
      }),

    unassign: (userId: string, roleId: string) =>
      ctx.run('roles.unassign', async () => {
        const result = await db
          .deleteFrom('user_roles')
          .where('user_id', '=', parse(id, userId, 'userId'))
          .where('role_id', '=', parse(id, roleId, 'roleId'))
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),

    rolesOf: (userId: string) =>
      ctx.run('roles.rolesOf', async () => {
        const rows = await db
          .selectFrom('roles as r')
          .innerJoin('user_roles as ur', 'ur.role_id', 'r.id')
          .selectAll('r')
          .where('ur.user_id', '=', parse(id, userId, 'userId'))
          .orderBy('r.name')
          .execute();
        return rows.map(toRole);
      }),

    permissionsOf: (userId: string) =>
      ctx.run('roles.permissionsOf', async () => {
        const rows = await db
          .selectFrom('permissions as p')
          .innerJoin('user_roles as ur', 'ur.role_id', 'p.role_id')
          .select(['p.verb', 'p.resource_glob'])
          .distinct()
          .where('ur.user_id', '=', parse(id, userId, 'userId'))
          .orderBy('p.verb')
          .orderBy('p.resource_glob')
          .execute();
        return rows.map((r) => ({ verb: r.verb, resourceGlob: r.resource_glob }));
      }),
  };
}
