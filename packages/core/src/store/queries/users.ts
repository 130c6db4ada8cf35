import type { Kysely, Selectable, Updateable } from 'kysely';
import { z } from 'zod';
import { readBool, readNumber, readOptTime, readTime } from '../codec.js';
import { affected, type StoreContext } from '../context.js';
import { StoreError } from '../errors.js';
import type { ApiTokensTable, Database, SessionsTable, UsersTable } from '../schema.js';
import type { PageRequest, RetentionOptions, TimeInput } from '../types.js';
import type {
  ApiToken,
  ApiTokenInput,
  ApiTokenStore,
  Session,
  SessionInput,
  SessionStore,
  User,
  UserInput,
  UserListQuery,
  UserPatch,
  UserStore,
} from '../users.js';
import {
  bool,
  defined,
  LIMITS,
  name,
  page,
  parse,
  retentionSchema,
  searchText,
  text,
  time,
} from '../validate.js';

const id = name(LIMITS.id);
const username = name(LIMITS.username);
const hash = name(LIMITS.hash);

const userInput = z.object({
  id: id.optional(),
  username,
  passwordHash: name(LIMITS.passwordHash),
  displayName: text(LIMITS.displayName).optional(),
  email: text(LIMITS.email).nullable().optional(),
  isActive: bool.optional(),
  isBuiltin: bool.optional(),
  mustChangePassword: bool.optional(),
  createdAt: time.optional(),
});

const userPatch = z.object({
  username: username.optional(),
  passwordHash: name(LIMITS.passwordHash).optional(),
  displayName: text(LIMITS.displayName).optional(),
  email: text(LIMITS.email).nullable().optional(),
  isActive: bool.optional(),
  mustChangePassword: bool.optional(),
});

const USER_COLUMNS = [
  'id',
  'username',
  'display_name',
  'email',
  'is_active',
  'is_builtin',
  'must_change_pw',
  'created_at',
  'updated_at',
  'last_login_at',
] as const;
type UserRow = Pick<Selectable<UsersTable>, (typeof USER_COLUMNS)[number]>;

/** A new id for a user, role, permission or token. */
export function newId(): string {
  return globalThis.crypto.randomUUID();
}

function notFound(what: string, key: string): StoreError {
  return new StoreError('not_found', `${what} not found: ${key}`, { details: { [what]: key } });
}

/** A user row (any select including the user columns) as a {@link User}. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    isActive: readBool(row.is_active),
    isBuiltin: readBool(row.is_builtin),
    mustChangePassword: readBool(row.must_change_pw),
    createdAt: readTime(row.created_at),
    updatedAt: readTime(row.updated_at),
    lastLoginAt: readOptTime(row.last_login_at),
  };
}

/** The Kysely implementation of {@link UserStore}. */
export function createUserQueries(db: Kysely<Database>, ctx: StoreContext): UserStore {
  const byId = async (userId: string) => {
    const row = await db.selectFrom('users').select(USER_COLUMNS).where('id', '=', userId).executeTakeFirst();
    return row ? toUser(row) : undefined;
  };

  return {
    create: (input: UserInput) =>
      ctx.run('users.create', async () => {
        const u = parse(userInput, input, 'user');
        const now = ctx.now();
        const userId = u.id ?? newId();
        await db
          .insertInto('users')
          .values({
            id: userId,
            username: u.username,
            username_lower: u.username.toLowerCase(),
            password_hash: u.passwordHash,
            display_name: u.displayName ?? '',
            email: u.email ?? null,
            email_lower: u.email ? u.email.toLowerCase() : null,
            is_active: ctx.bool(u.isActive ?? true),
            is_builtin: ctx.bool(u.isBuiltin ?? false),
            must_change_pw: ctx.bool(u.mustChangePassword ?? false),
            created_at: u.createdAt ?? now,
            updated_at: now,
            last_login_at: null,
          })
          .execute();
        return (await byId(userId)) as User;
      }),

    get: (userId: string) => ctx.run('users.get', () => byId(parse(id, userId, 'id'))),

    getByUsername: (name_: string) =>
      ctx.run('users.getByUsername', async () => {
        const lower = parse(username, name_, 'username').toLowerCase();
        const row = await db
          .selectFrom('users')
          .select(USER_COLUMNS)
          .where('username_lower', '=', lower)
          .executeTakeFirst();
        return row ? toUser(row) : undefined;
      }),

    getCredentials: (name_: string) =>
      ctx.run('users.getCredentials', async () => {
        const lower = parse(username, name_, 'username').toLowerCase();
        const row = await db
          .selectFrom('users')
          .select([...USER_COLUMNS, 'password_hash'])
          .where('username_lower', '=', lower)
          .executeTakeFirst();
        return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
      }),

    list: (query?: UserListQuery) =>
      ctx.run('users.list', async () => {
        const f = parse(
          z.object({ search: searchText, isActive: bool.optional() }).optional(),
          query,
          'query',
        );
        const { limit, offset } = page(query);
        const base = db.selectFrom('users').where((eb) => {
          const parts = [];
          if (f?.isActive !== undefined) parts.push(eb('is_active', '=', ctx.bool(f.isActive)));
          if (f?.search) {
            parts.push(
              eb.or([
                ctx.contains('username_lower', f.search),
                ctx.contains('display_name', f.search),
                ctx.contains('email_lower', f.search),
              ]),
            );
          }
          return eb.and(parts);
        });
        const total = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        const rows = await base
          .select(USER_COLUMNS)
          .orderBy('username_lower')
          .orderBy('id')
          .limit(limit)
          .offset(offset)
          .execute();
        return { total: readNumber(total.n), items: rows.map(toUser) };
      }),

    count: () =>
      ctx.run('users.count', async () => {
        const row = await db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        return readNumber(row.n);
      }),

    update: (userId: string, patch: UserPatch) =>
      ctx.run('users.update', async () => {
        const key = parse(id, userId, 'id');
        const p = defined(parse(userPatch, patch, 'patch'));
        const set: Updateable<UsersTable> = { updated_at: ctx.now() };
        if (p.username !== undefined) {
          set.username = p.username;
          set.username_lower = p.username.toLowerCase();
        }
        if (p.passwordHash !== undefined) set.password_hash = p.passwordHash;
        if (p.displayName !== undefined) set.display_name = p.displayName;
        if (p.email !== undefined) {
          set.email = p.email;
          set.email_lower = p.email === null ? null : p.email.toLowerCase();
        }
        if (p.isActive !== undefined) set.is_active = ctx.bool(p.isActive);
        if (p.mustChangePassword !== undefined) set.must_change_pw = ctx.bool(p.mustChangePassword);
        const result = await db.updateTable('users').set(set).where('id', '=', key).executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw notFound('user', key);
        return (await byId(key)) as User;
      }),

    recordLogin: (userId: string, at: TimeInput) =>
      ctx.run('users.recordLogin', async () => {
        const key = parse(id, userId, 'id');
        const when = parse(time, at, 'at');
        const result = await db
          .updateTable('users')
          .set({ last_login_at: when })
          .where('id', '=', key)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw notFound('user', key);
      }),

    delete: (userId: string) =>
      ctx.run('users.delete', async () => {
        const result = await db
          .deleteFrom('users')
          .where('id', '=', parse(id, userId, 'id'))
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
  };
}

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    createdAt: readTime(row.created_at),
    expiresAt: readTime(row.expires_at),
    lastSeenAt: readTime(row.last_seen_at),
    userAgent: row.user_agent,
    ip: row.ip,
  };
}

const sessionInput = z.object({
  idHash: hash,
  userId: id,
  createdAt: time.optional(),
  expiresAt: time,
  lastSeenAt: time.optional(),
  userAgent: text(LIMITS.userAgent).optional(),
  ip: text(LIMITS.ip).optional(),
});

/** The Kysely implementation of {@link SessionStore}. */
export function createSessionQueries(db: Kysely<Database>, ctx: StoreContext): SessionStore {
  const get = async (key: string) => {
    const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', key).executeTakeFirst();
    return row ? toSession(row) : undefined;
  };
  return {
    create: (input: SessionInput) =>
      ctx.run('sessions.create', async () => {
        const s = parse(sessionInput, input, 'session');
        const createdAt = s.createdAt ?? ctx.now();
        const row = {
          id_hash: s.idHash,
          user_id: s.userId,
          created_at: createdAt,
          expires_at: s.expiresAt,
          last_seen_at: s.lastSeenAt ?? createdAt,
          user_agent: s.userAgent ?? '',
          ip: s.ip ?? '',
        };
        await db.insertInto('sessions').values(row).execute();
        return toSession(row);
      }),

    get: (idHash: string) => ctx.run('sessions.get', () => get(parse(hash, idHash, 'idHash'))),

    getWithUser: (idHash: string) =>
      ctx.run('sessions.getWithUser', async () => {
        const key = parse(hash, idHash, 'idHash');
        const row = await db
          .selectFrom('sessions as s')
          .innerJoin('users as u', 'u.id', 's.user_id')
          .selectAll('s')
          .select([
            'u.username',
            'u.display_name',
            'u.email',
            'u.is_active',
            'u.is_builtin',
            'u.must_change_pw',
            'u.created_at as user_created_at',
            'u.updated_at as user_updated_at',
            'u.last_login_at',
          ])
          .where('s.id_hash', '=', key)
          .executeTakeFirst();
        if (!row) return undefined;
        return {
          session: toSession(row),
          user: toUser({
            ...row,
            id: row.user_id,
            created_at: row.user_created_at,
            updated_at: row.user_updated_at,
          }),
        };
      }),

    touch: (idHash: string, update: { lastSeenAt: TimeInput; expiresAt?: TimeInput }) =>
      ctx.run('sessions.touch', async () => {
        const key = parse(hash, idHash, 'idHash');
        const u = defined(
          parse(z.object({ lastSeenAt: time, expiresAt: time.optional() }), update, 'update'),
        );
        const set: Updateable<SessionsTable> = { last_seen_at: u.lastSeenAt };
        if (u.expiresAt !== undefined) set.expires_at = u.expiresAt;
        const result = await db
          .updateTable('sessions')
          .set(set)
          .where('id_hash', '=', key)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw notFound('session', key);
      }),

    delete: (idHash: string) =>
      ctx.run('sessions.delete', async () => {
        const result = await db
          .deleteFrom('sessions')
          .where('id_hash', '=', parse(hash, idHash, 'idHash'))
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),

    deleteForUser: (userId: string, options?: { except?: string }) =>
      ctx.run('sessions.deleteForUser', async () => {
        const key = parse(id, userId, 'userId');
        const except = parse(z.object({ except: hash.optional() }).optional(), options, 'options')?.except;
        let q = db.deleteFrom('sessions').where('user_id', '=', key);
        if (except !== undefined) q = q.where('id_hash', '<>', except);
        return Number((await q.executeTakeFirst()).numDeletedRows);
      }),

    listForUser: (userId: string) =>
      ctx.run('sessions.listForUser', async () => {
        const rows = await db
          .selectFrom('sessions')
          .selectAll()
          .where('user_id', '=', parse(id, userId, 'userId'))
          .orderBy('created_at', 'desc')
          .orderBy('id_hash')
          .limit(1000)
          .execute();
        return rows.map(toSession);
      }),

    deleteExpired: (now: TimeInput, options?: RetentionOptions) =>
      ctx.run('sessions.deleteExpired', async () => {
        const at = parse(time, now, 'now');
        const o = defined(parse(retentionSchema, options, 'options') ?? {});
        const batch = o.batchSize ?? 1000;
        let deleted = 0;
        for (let batches = 0; o.maxBatches === undefined || batches < o.maxBatches; batches++) {
          const result = await db
            .deleteFrom('sessions')
            .where(
              'id_hash',
              'in',
              db
                .selectFrom('sessions')
                .select('id_hash')
                .where('expires_at', '<=', at)
                .orderBy('expires_at')
                .limit(batch),
            )
            .executeTakeFirst();
          const n = affected(result);
          deleted += n;
          if (n < batch) break;
        }
        return deleted;
      }),
  };
}

function toToken(row: Selectable<ApiTokensTable>, json: (v: unknown) => unknown): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    scopes: json(row.scopes) as string[] | null,
    createdAt: readTime(row.created_at),
    expiresAt: readOptTime(row.expires_at),
    lastUsedAt: readOptTime(row.last_used_at),
    revokedAt: readOptTime(row.revoked_at),
  };
}

const tokenInput = z.object({
  id: id.optional(),
  userId: id,
  name: name(LIMITS.tokenName),
  tokenHash: hash,
  prefix: text(LIMITS.tokenPrefix).optional(),
  scopes: z.array(name(LIMITS.scope)).max(100).nullable().optional(),
  createdAt: time.optional(),
  expiresAt: time.nullable().optional(),
});

/** The Kysely implementation of {@link ApiTokenStore}. */
export function createTokenQueries(db: Kysely<Database>, ctx: StoreContext): ApiTokenStore {
  const get = async (key: string) => {
    const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', key).executeTakeFirst();
    return row ? toToken(row, ctx.json) : undefined;
  };
  return {
    create: (input: ApiTokenInput) =>
      ctx.run('tokens.create', async () => {
        const t = parse(tokenInput, input, 'token');
        const tokenId = t.id ?? newId();
        await db
          .insertInto('api_tokens')
          .values({
            id: tokenId,
            user_id: t.userId,
            name: t.name,
            token_hash: t.tokenHash,
            prefix: t.prefix ?? '',
            scopes: t.scopes == null ? null : JSON.stringify(t.scopes),
            created_at: t.createdAt ?? ctx.now(),
            expires_at: t.expiresAt ?? null,
            last_used_at: null,
            revoked_at: null,
          })
          .execute();
        return (await get(tokenId)) as ApiToken;
      }),

    get: (tokenId: string) => ctx.run('tokens.get', () => get(parse(id, tokenId, 'id'))),

    getByHash: (tokenHash: string) =>
      ctx.run('tokens.getByHash', async () => {
        const key = parse(hash, tokenHash, 'tokenHash');
        const token = await db
          .selectFrom('api_tokens')
          .selectAll()
          .where('token_hash', '=', key)
          .executeTakeFirst();
        if (!token) return undefined;
        const user = await db
          .selectFrom('users')
          .select(USER_COLUMNS)
          .where('id', '=', token.user_id)
          .executeTakeFirst();
        return user ? { token: toToken(token, ctx.json), user: toUser(user) } : undefined;
      }),

    listForUser: (userId: string, pageRequest?: PageRequest) =>
      ctx.run('tokens.listForUser', async () => {
        const key = parse(id, userId, 'userId');
        const { limit, offset } = page(pageRequest);
        const total = await db
          .selectFrom('api_tokens')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('user_id', '=', key)
          .executeTakeFirstOrThrow();
        const rows = await db
          .selectFrom('api_tokens')
          .selectAll()
          .where('user_id', '=', key)
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(limit)
          .offset(offset)
          .execute();
        return { total: readNumber(total.n), items: rows.map((r) => toToken(r, ctx.json)) };
      }),

    touch: (tokenId: string, at: TimeInput) =>
      ctx.run('tokens.touch', async () => {
        const key = parse(id, tokenId, 'id');
        const result = await db
          .updateTable('api_tokens')
          .set({ last_used_at: parse(time, at, 'at') })
          .where('id', '=', key)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw notFound('token', key);
      }),

    revoke: (tokenId: string, at: TimeInput) =>
      ctx.run('tokens.revoke', async () => {
        const result = await db
          .updateTable('api_tokens')
          .set({ revoked_at: parse(time, at, 'at') })
          .where('id', '=', parse(id, tokenId, 'id'))
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      }),

    delete: (tokenId: string) =>
      ctx.run('tokens.delete', async () => {
        const result = await db
          .deleteFrom('api_tokens')
          .where('id', '=', parse(id, tokenId, 'id'))
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
  };
}

export { USER_COLUMNS };
