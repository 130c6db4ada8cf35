import type { Insertable, Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { AuditDecision, AuditEntry, AuditEntryInput, AuditListQuery, AuditStore } from '../audit.js';
import { encodeJson, readNumber, readTime } from '../codec.js';
import type { StoreContext } from '../context.js';
import type { AuditLogTable, Database } from '../schema.js';
import type { JsonValue, RetentionOptions, TimeInput } from '../types.js';
import {
  anyJson,
  count,
  defined,
  int32,
  LIMITS,
  name,
  page,
  parse,
  retentionSchema,
  text,
  time,
} from '../validate.js';

const decision = z.enum(['allow', 'deny']);
const entryInput = z.object({
  at: time.optional(),
  userId: text(LIMITS.id).nullable().optional(),
  username: text(LIMITS.username).nullable().optional(),
  action: name(LIMITS.action),
  resource: text(LIMITS.resource),
  args: anyJson.optional(),
  saltJid: text(LIMITS.jid).nullable().optional(),
  decision,
  resultCode: int32,
  durationMs: count.optional(),
  clientAddress: text(LIMITS.ip).nullable().optional(),
});

const querySchema = z
  .object({
    userId: name(LIMITS.id).optional(),
    action: name(LIMITS.action).optional(),
    decision: decision.optional(),
    since: time.optional(),
    until: time.optional(),
    clientAddress: name(LIMITS.ip).optional(),
  })
  .optional();

function toEntry(row: Selectable<AuditLogTable>, json: (v: unknown) => JsonValue): AuditEntry {
  return {
    id: readNumber(row.id),
    at: readTime(row.at),
    userId: row.user_id,
    username: row.username,
    action: row.action,
    resource: row.resource,
    args: json(row.args_json),
    saltJid: row.salt_jid,
    decision: row.decision as AuditDecision,
    resultCode: readNumber(row.result_code),
    durationMs: readNumber(row.duration_ms),
    clientAddress: row.client_address,
  };
}

/** The Kysely implementation of {@link AuditStore}. */
export function createAuditQueries(db: Kysely<Database>, ctx: StoreContext): AuditStore {
  return {
    append: (entry: AuditEntryInput) =>
      ctx.run('audit.append', async () => {
        const e = parse(entryInput, entry, 'entry');
        const args = e.args === undefined ? null : encodeJson(e.args, 'entry.args', ctx.limits.maxJsonBytes);
        const values: Insertable<AuditLogTable> = {
          at: e.at ?? ctx.now(),
          user_id: e.userId ?? null,
          username: e.username ?? null,
          action: e.action,
          resource: e.resource,
          salt_jid: e.saltJid ?? null,
          decision: e.decision,
          result_code: e.resultCode,
          duration_ms: e.durationMs ?? 0,
          args_json: args,
          client_address: e.clientAddress || null,
        };
        let newId: number;
        if (ctx.flavor.supportsReturning) {
          const row = await db
            .insertInto('audit_log')
            .values(values)
            .returning('id')
            .executeTakeFirstOrThrow();
          newId = readNumber(row.id);
        } else {
          newId = readNumber(
            (await db.insertInto('audit_log').values(values).executeTakeFirstOrThrow()).insertId,
          );
        }
        return {
          id: newId,
          at: values.at,
          userId: values.user_id ?? null,
          username: values.username ?? null,
          action: values.action,
          resource: values.resource,
          args: args === null ? null : (JSON.parse(args) as JsonValue),
          saltJid: values.salt_jid ?? null,
          decision: e.decision,
          resultCode: e.resultCode,
          durationMs: e.durationMs ?? 0,
          clientAddress: values.client_address ?? null,
        };
      }),

    list: (query?: AuditListQuery) =>
      ctx.run('audit.list', async () => {
        const f = parse(querySchema, query, 'query');
        const { limit, offset } = page(query);
        const base = db.selectFrom('audit_log').where((eb) => {
          const parts = [];
          if (f?.userId) parts.push(eb('user_id', '=', f.userId));
          if (f?.action) parts.push(eb('action', '=', f.action));
          if (f?.decision) parts.push(eb('decision', '=', f.decision));
          if (f?.since) parts.push(eb('at', '>=', f.since));
          if (f?.until) parts.push(eb('at', '<', f.until));
          if (f?.clientAddress) parts.push(eb('client_address', '=', f.clientAddress));
          return eb.and(parts);
        });
        const total = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        const rows = await base
          .selectAll()
          .orderBy('at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .offset(offset)
          .execute();
        return { total: readNumber(total.n), items: rows.map((r) => toEntry(r, ctx.json)) };
      }),

    deleteOlderThan: (cutoff: TimeInput, options?: RetentionOptions) =>
      ctx.run('audit.deleteOlderThan', async () => {
        const before = parse(time, cutoff, 'cutoff');
        const o = defined(parse(retentionSchema, options, 'options') ?? {});
        const batch = o.batchSize ?? 1000;
        let deleted = 0;
        for (let batches = 0; o.maxBatches === undefined || batches < o.maxBatches; batches++) {
          const result = await db
            .deleteFrom('audit_log')
            .where(
              'id',
              'in',
              db.selectFrom('audit_log').select('id').where('at', '<', before).orderBy('id').limit(batch),
            )
            .executeTakeFirst();
          const n = Number(result.numDeletedRows);
          deleted += n;
          if (n < batch) break;
        }
        return deleted;
      }),
  };
}
