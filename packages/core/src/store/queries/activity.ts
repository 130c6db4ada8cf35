import {
  type CompiledQuery,
  createQueryId,
  type ExpressionBuilder,
  type Insertable,
  isOperationNodeSource,
  type Kysely,
  RawNode,
  type RootOperationNode,
  type Selectable,
  sql,
  ValueNode,
} from 'kysely';
import { z } from 'zod';
import type { ActivityEvent, ActivityEventInput, ActivityListQuery, ActivityStore } from '../activity.js';
import { encodeCappedJson, readBool, readNumber, readOptBool, readOptNumber, readTime } from '../codec.js';
import { chunks, type StoreContext } from '../context.js';
import type { ActivityEventsTable, Database } from '../schema.js';
import type { JsonValue, RetentionOptions, TimeInput } from '../types.js';
import {
  anyJson,
  bool,
  count,
  defined,
  LIMITS,
  name,
  page,
  parse,
  parseRows,
  retentionSchema,
  searchText,
  text,
  textList,
  time,
} from '../validate.js';

const eventSchema = z.object({
  occurredAt: time,
  category: name(LIMITS.category),
  eventType: name(LIMITS.eventType),
  minionId: text(LIMITS.minionId).nullable().optional(),
  jid: text(LIMITS.jid).nullable().optional(),
  fun: text(LIMITS.function).nullable().optional(),
  success: bool.nullable().optional(),
  changed: bool.nullable().optional(),
  initiator: text(LIMITS.userName).nullable().optional(),
  target: text(LIMITS.target).nullable().optional(),
  durationMs: count.nullable().optional(),
  summary: text(LIMITS.summary),
  payload: anyJson.optional(),
});

const filterSchema = z
  .object({
    categories: textList(LIMITS.category).optional(),
    eventTypes: textList(LIMITS.eventType).optional(),
    minionId: name(LIMITS.minionId).optional(),
    jid: name(LIMITS.jid).optional(),
    search: searchText,
    hideRoutine: bool.optional(),
    hideDispatch: bool.optional(),
    since: time.optional(),
    until: time.optional(),
  })
  .optional();
type ValidFilter = NonNullable<z.output<typeof filterSchema>>;

const idSchema = z.int().min(0);

function toEvent(row: Selectable<ActivityEventsTable>, json: (v: unknown) => JsonValue): ActivityEvent {
  return {
    id: readNumber(row.id),
    occurredAt: readTime(row.occurred_at),
    category: row.category,
    eventType: row.event_type,
    minionId: row.minion_id,
    jid: row.jid,
    fun: row.fun,
    success: readOptBool(row.success),
    changed: readOptBool(row.changed),
    initiator: row.initiator,
    target: row.target,
    durationMs: readOptNumber(row.duration_ms),
    summary: row.summary,
    payload: json(row.payload),
    payloadTruncated: readBool(row.payload_truncated),
  };
}

/**
 * The values `rows` bind in a multi-row INSERT, in Kysely's order (row by row, column by column;
 * a raw SQL value such as `cast(? as text)` binds its own parameters), or `undefined` when a
 * value is an expression that is not plain raw SQL with values.
 */
function insertParameters(rows: readonly Record<string, unknown>[]): unknown[] | undefined {
  const out: unknown[] = [];
  for (const row of rows) {
    for (const key in row) {
      const value = row[key];
      if (!isOperationNodeSource(value)) {
        out.push(value);
        continue;
      }
      const node = value.toOperationNode();
      if (!RawNode.is(node)) return undefined;
      for (const p of node.parameters) {
        if (!ValueNode.is(p)) return undefined;
        out.push(p.value);
      }
    }
  }
  return out;
}

/** Row counts whose compiled INSERT is kept (a batch is cut into at most a few shapes). */
const INSERT_SHAPES = 16;

/** The Kysely implementation of {@link ActivityStore}. */
export function createActivityQueries(db: Kysely<Database>, ctx: StoreContext): ActivityStore {
  const opt = (value: boolean | null | undefined) =>
    value === null || value === undefined ? null : ctx.bool(value);

  /**
   * The INSERT … RETURNING of a batch, compiled once per row count: building and compiling a
   * 250-row statement costs as much as running it, and its text depends only on the row count.
   * The first use of each count compiles it with Kysely and checks that {@link insertParameters}
   * binds exactly what Kysely bound; only then is the text reused (bounded, least recently used
   * dropped). The text names tables and columns, not a prepared handle: a migration that keeps
   * them leaves it valid, and the driver's own statement cache re-prepares on schema changes.
   */
  const insertShapes = new Map<number, { sql: string; query: RootOperationNode } | null>();
  async function insertReturningIds(
    trx: Kysely<Database>,
    rows: Insertable<ActivityEventsTable>[],
  ): Promise<Array<{ id: unknown }>> {
    const shape = insertShapes.get(rows.length);
    if (shape) {
      insertShapes.delete(rows.length);
      insertShapes.set(rows.length, shape);
      const parameters = insertParameters(rows as Record<string, unknown>[]);
      if (parameters) {
        const compiled: CompiledQuery = { ...shape, parameters, queryId: createQueryId() };
        return (await trx.executeQuery<{ id: unknown }>(compiled)).rows;
      }
    }
    const query = trx.insertInto('activity_events').values(rows).returning('id');
    if (shape === undefined) {
      const compiled = query.compile();
      const parameters = insertParameters(rows as Record<string, unknown>[]);
      const same =
        parameters !== undefined &&
        parameters.length === compiled.parameters.length &&
        parameters.every((p, i) => p === compiled.parameters[i]);
      insertShapes.set(rows.length, same ? { sql: compiled.sql, query: compiled.query } : null);
      if (insertShapes.size > INSERT_SHAPES) insertShapes.delete(insertShapes.keys().next().value as number);
      return (await trx.executeQuery<{ id: unknown }>(compiled)).rows;
    }
    return query.execute();
  }

  function where(eb: ExpressionBuilder<Database, 'activity_events'>, f: ValidFilter | undefined) {
    const parts = [];
    if (f?.categories && f.categories.length > 0) parts.push(eb('category', 'in', f.categories));
    if (f?.eventTypes && f.eventTypes.length > 0) parts.push(eb('event_type', 'in', f.eventTypes));
    if (f?.minionId) parts.push(eb('minion_id', '=', f.minionId));
    if (f?.jid) parts.push(eb('jid', '=', f.jid));
    if (f?.since) parts.push(eb('occurred_at', '>=', f.since));
    if (f?.until) parts.push(eb('occurred_at', '<', f.until));
    if (f?.hideDispatch) parts.push(eb('event_type', '<>', 'job.new'));
    if (f?.hideRoutine) {
      // Routine: a job return that succeeded and changed nothing.
      parts.push(
        eb.not(
          eb.and([
            eb('event_type', '=', 'job.ret'),
            // `is not null` first: with a NULL success the whole conjunction must be false, not NULL.
            eb('success', 'is not', null),
            eb('success', '=', ctx.bool(true)),
            eb.or([eb('changed', 'is', null), eb('changed', '=', ctx.bool(false))]),
          ]),
        ),
      );
    }
    if (f?.search)
      parts.push(eb.or([ctx.contains('summary', f.search), ctx.contains('minion_id', f.search)]));
    return eb.and(parts);
  }

  return {
    insert: (events: readonly ActivityEventInput[]) =>
      ctx.run('activity.insert', async () => {
        const rows = parseRows(eventSchema, events, 'events');
        if (rows.length === 0) return [];
        const encoded = rows.map((r, i) => {
          const payload = encodeCappedJson(
            r.payload ?? null,
            `events[${i}].payload`,
            ctx.limits.maxPayloadBytes,
          );
          const values: Insertable<ActivityEventsTable> = {
            occurred_at: r.occurredAt,
            category: r.category,
            event_type: r.eventType,
            minion_id: r.minionId ?? null,
            jid: r.jid ?? null,
            fun: r.fun ?? null,
            success: opt(r.success),
            changed: opt(r.changed),
            initiator: r.initiator ?? null,
            target: r.target ?? null,
            duration_ms: r.durationMs ?? null,
            summary: r.summary,
            payload_truncated: ctx.bool(payload.truncated),
            payload: ctx.flavor.bindLargeJson(payload.text) as string,
          };
          const event: ActivityEvent = {
            id: 0,
            occurredAt: r.occurredAt,
            category: r.category,
            eventType: r.eventType,
            minionId: r.minionId ?? null,
            jid: r.jid ?? null,
            fun: r.fun ?? null,
            success: r.success ?? null,
            changed: r.changed ?? null,
            initiator: r.initiator ?? null,
            target: r.target ?? null,
            durationMs: r.durationMs ?? null,
            summary: r.summary,
            payload: JSON.parse(payload.text) as JsonValue,
            payloadTruncated: payload.truncated,
          };
          return { values, event };
        });
        return ctx.inTransaction(db, async (trx) => {
          // Ids must become visible in ascending order: one inserting transaction at a time.
          await ctx.flavor.lockSequence(
            trx,
            ctx.schema ? `${ctx.schema}.activity_events` : 'activity_events',
          );
          const ids: number[] = [];
          if (ctx.flavor.supportsReturning) {
            for (const chunk of chunks(encoded, ctx.rowsPerStatement(14))) {
              const out = await insertReturningIds(
                trx,
                chunk.map((e) => e.values),
              );
              // One statement takes its ids in row order: sorted ids map back to input order.
              ids.push(...out.map((r) => readNumber(r.id)).sort((a, b) => a - b));
            }
          } else {
            for (const e of encoded) {
              const out = await trx.insertInto('activity_events').values(e.values).executeTakeFirstOrThrow();
              ids.push(readNumber(out.insertId));
            }
          }
          return encoded.map((e, i) => ({ ...e.event, id: ids[i] as number }));
        });
      }),

    after: (id: number, options?: { limit?: number; categories?: readonly string[] }) =>
      ctx.run('activity.after', async () => {
        const from = parse(idSchema, id, 'id');
        const o = parse(
          z
            .object({
              limit: z.int().min(1).max(1000).optional(),
              categories: textList(LIMITS.category).optional(),
            })
            .optional(),
          options,
          'options',
        );
        let q = db
          .selectFrom('activity_events')
          .selectAll()
          .where('id', '>', from)
          .orderBy('id')
          .limit(o?.limit ?? 500);
        if (o?.categories)
          q = o.categories.length > 0 ? q.where('category', 'in', o.categories) : q.where(sql.lit(false));
        return (await q.execute()).map((r) => toEvent(r, ctx.json));
      }),

    list: (query?: ActivityListQuery) =>
      ctx.run('activity.list', async () => {
        const f = parse(filterSchema, query, 'query');
        const { limit, offset } = page(query);
        const total = await db
          .selectFrom('activity_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .where((eb) => where(eb, f))
          .executeTakeFirstOrThrow();
        const rows = await db
          .selectFrom('activity_events')
          .selectAll()
          .where((eb) => where(eb, f))
          .orderBy('id', 'desc')
          .limit(limit)
          .offset(offset)
          .execute();
        return { total: readNumber(total.n), items: rows.map((r) => toEvent(r, ctx.json)) };
      }),

    latestId: () =>
      ctx.run('activity.latestId', async () => {
        const row = await db
          .selectFrom('activity_events')
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirst();
        return row?.id === null || row?.id === undefined ? null : readNumber(row.id);
      }),

    deleteOlderThan: (cutoff: TimeInput, options?: RetentionOptions) =>
      ctx.run('activity.deleteOlderThan', async () => {
        const before = parse(time, cutoff, 'cutoff');
        const o = defined(parse(retentionSchema, options, 'options') ?? {});
        const batch = o.batchSize ?? 1000;
        let deleted = 0;
        for (let batches = 0; o.maxBatches === undefined || batches < o.maxBatches; batches++) {
          const result = await db
            .deleteFrom('activity_events')
            .where(
              'id',
              'in',
              db
                .selectFrom('activity_events')
                .select('id')
                .where('occurred_at', '<', before)
                .orderBy('id')
                .limit(batch),
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
