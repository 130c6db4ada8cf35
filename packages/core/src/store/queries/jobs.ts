import { type ExpressionBuilder, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { z } from 'zod';
import {
  encodeCappedJson,
  encodeJson,
  readBool,
  readNumber,
  readOptBool,
  readOptNumber,
  readOptTime,
  readTime,
} from '../codec.js';
import { chunks, compareText, lastByKey, type StoreContext } from '../context.js';
import { StoreError } from '../errors.js';
import type {
  JobInput,
  JobListQuery,
  JobRecord,
  JobReturn,
  JobReturnInput,
  JobStatus,
  JobStore,
} from '../jobs.js';
import type { Database, JobReturnsTable, JobsIndexTable } from '../schema.js';
import type { JsonObject, PageRequest, RetentionOptions, TimeInput } from '../types.js';
import {
  anyJson,
  bool,
  count,
  defined,
  int32,
  jsonObject,
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
import { markIngest, readIngestMarks } from './ingest-marks.js';

const jid = name(LIMITS.jid);
const minionId = name(LIMITS.minionId);
const statusSchema = z.enum(['running', 'finished']);
const OUTCOMES = ['running', 'succeeded', 'failed', 'no_returns'] as const;

const jobSchema = z.object({
  jid,
  function: name(LIMITS.function),
  target: text(LIMITS.target).optional(),
  targetType: text(LIMITS.targetType).optional(),
  user: text(LIMITS.userName).optional(),
  initiator: name(LIMITS.username).nullable().optional(),
  startTime: time,
  arguments: anyJson.optional(),
  metadata: jsonObject.nullable().optional(),
  minionCount: count.nullable().optional(),
  status: statusSchema.optional(),
  endTime: time.nullable().optional(),
});
type ValidJob = z.output<typeof jobSchema>;

const returnSchema = z.object({
  jid,
  minionId,
  success: bool.nullable(),
  retcode: int32.nullable(),
  return: anyJson,
  returnedAt: time,
});

const filterSchema = z
  .object({
    function: textList(LIMITS.function).optional(),
    user: textList(LIMITS.userName).optional(),
    initiator: textList(LIMITS.username).optional(),
    status: statusSchema.optional(),
    outcome: z
      .array(z.enum(OUTCOMES))
      .max(OUTCOMES.length * 4)
      .optional(),
    since: time.optional(),
    until: time.optional(),
    minionId: minionId.optional(),
    search: searchText,
    sort: z.enum(['startTime', 'jid', 'function', 'user']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .optional();
type ValidFilter = NonNullable<z.output<typeof filterSchema>>;

const SORT_COLUMNS = {
  startTime: 'start_time',
  jid: 'jid',
  function: 'function',
  user: 'user_name',
} as const;

/**
 * Fields written on conflict only when the input has them (not `undefined`): the NOT NULL
 * identity fields, and `initiator`, which a poll or a `job.new` event never knows, so the
 * Halite user a run recorded survives them (an explicit `null` clears it).
 */
const OPTIONAL_IDENTITY = [
  ['target', 'target'],
  ['targetType', 'target_type'],
  ['user', 'user_name'],
  ['initiator', 'initiator'],
  ['status', 'status'],
] as const;

function toJob(row: Selectable<JobsIndexTable>, json: (v: unknown) => unknown): JobRecord {
  return {
    jid: row.jid,
    function: row.function,
    target: row.target,
    targetType: row.target_type,
    user: row.user_name,
    initiator: row.initiator ?? null,
    startTime: readTime(row.start_time),
    endTime: readOptTime(row.end_time),
    status: row.status as JobStatus,
    minionCount: readOptNumber(row.minion_count),
    returnedCount: readNumber(row.returned_count),
    successCount: readNumber(row.success_count),
    failureCount: readNumber(row.failure_count),
    hasReturns: readBool(row.has_returns),
    arguments: json(row.arguments) as JobRecord['arguments'],
    metadata: json(row.metadata) as JsonObject | null,
    seenAt: readTime(row.seen_at),
    updatedAt: readTime(row.updated_at),
  };
}

function toReturn(row: Selectable<JobReturnsTable>, json: (v: unknown) => unknown): JobReturn {
  return {
    jid: row.jid,
    minionId: row.minion_id,
    success: readOptBool(row.success),
    retcode: readOptNumber(row.retcode),
    return: json(row.return_json) as JobReturn['return'],
    returnBytes: readNumber(row.return_bytes),
    truncated: readBool(row.truncated),
    returnedAt: readTime(row.returned_at),
  };
}

/** The Kysely implementation of {@link JobStore}. */
export function createJobQueries(db: Kysely<Database>, ctx: StoreContext): JobStore {
  const json = ctx.json;

  /** Recompute counts, status and end time of `jids` from their stored returns. */
  async function refreshCounts(trx: Transaction<Database>, jids: readonly string[], now: string) {
    const j = ctx.table('jobs_index');
    const r = ctx.table('job_returns');
    const returned = sql`(select count(*) from ${r} as r where r.jid = ${j}.jid)`;
    const finished = sql`${sql.ref('minion_count')} > 0 and ${returned} >= ${sql.ref('minion_count')}`;
    for (const chunk of chunks(jids, ctx.keysPerStatement(3))) {
      await sql`update ${j} set
          returned_count = ${returned},
          success_count = (select count(*) from ${r} as r where r.jid = ${j}.jid and r.success = ${ctx.bool(true)}),
          failure_count = (select count(*) from ${r} as r where r.jid = ${j}.jid and r.success = ${ctx.bool(false)}),
          has_returns = exists (select 1 from ${r} as r where r.jid = ${j}.jid),
          status = (case when ${finished} then 'finished' else ${sql.ref('status')} end),
          end_time = (case when ${sql.ref('end_time')} is null and ${finished}
            then (select max(r.returned_at) from ${r} as r where r.jid = ${j}.jid) else ${sql.ref('end_time')} end),
          updated_at = ${now}
        where ${sql.ref('jid')} in (${sql.join(chunk)})`.execute(trx);
    }
  }

  async function upsertGroup(
    trx: Transaction<Database>,
    rows: ValidJob[],
    present: Set<string>,
    now: string,
    seenAt: string,
  ) {
    let inserted = 0;
    const size = ctx.rowsPerStatement(18);
    for (const chunk of chunks(rows, size)) {
      const ids = chunk.map((r) => r.jid);
      const existing = await trx.selectFrom('jobs_index').select('jid').where('jid', 'in', ids).execute();
      inserted += chunk.length - existing.length;
      const values = chunk.map((r, i) => ({
        jid: r.jid,
        function: r.function,
        target: r.target ?? '',
        target_type: r.targetType ?? 'glob',
        user_name: r.user ?? '',
        initiator: r.initiator ?? null,
        start_time: r.startTime,
        end_time: r.endTime ?? null,
        status: r.status ?? 'running',
        minion_count: r.minionCount ?? null,
        returned_count: 0,
        success_count: 0,
        failure_count: 0,
        has_returns: ctx.bool(false),
        seen_at: seenAt,
        updated_at: now,
        arguments:
          r.arguments === undefined
            ? null
            : encodeJson(r.arguments, `jobs[${i}].arguments`, ctx.limits.maxJsonBytes),
        metadata:
          r.metadata == null ? null : encodeJson(r.metadata, `jobs[${i}].metadata`, ctx.limits.maxJsonBytes),
      }));
      await trx
        .insertInto('jobs_index')
        .values(values)
        .onConflict((oc) =>
          oc.column('jid').doUpdateSet((eb) => {
            const keep = (column: string) =>
              sql`coalesce(${sql.ref(`excluded.${column}`)}, ${sql.ref(`jobs_index.${column}`)})`;
            const set: Record<string, unknown> = {
              function: eb.ref('excluded.function'),
              start_time: eb.ref('excluded.start_time'),
              end_time: keep('end_time'),
              minion_count: keep('minion_count'),
              arguments: keep('arguments'),
              metadata: keep('metadata'),
              seen_at: eb.ref('excluded.seen_at'),
              updated_at: eb.ref('excluded.updated_at'),
            };
            for (const [field, column] of OPTIONAL_IDENTITY) {
              if (present.has(field)) set[column] = eb.ref(`excluded.${column}`);
            }
            return set as never;
          }),
        )
        .execute();
    }
    return inserted;
  }

  function where(eb: ExpressionBuilder<Database, 'jobs_index'>, f: ValidFilter | undefined) {
    const parts = [];
    if (f?.function && f.function.length > 0) parts.push(eb('function', 'in', f.function));
    if (f?.user && f.user.length > 0) parts.push(eb('user_name', 'in', f.user));
    if (f?.initiator && f.initiator.length > 0) parts.push(eb('initiator', 'in', f.initiator));
    if (f?.status) parts.push(eb('status', '=', f.status));
    if (f?.outcome?.length) {
      // The counts are kept up to date from the returns, so an outcome is a test on this row alone.
      const finished = eb('status', '=', 'finished');
      const which = {
        running: eb('status', '=', 'running'),
        failed: eb.and([finished, eb('failure_count', '>', 0)]),
        no_returns: eb.and([finished, eb('returned_count', '=', 0)]),
        succeeded: eb.and([finished, eb('failure_count', '=', 0), eb('returned_count', '>', 0)]),
      };
      parts.push(eb.or([...new Set(f.outcome)].map((o) => which[o])));
    }
    if (f?.since) parts.push(eb('start_time', '>=', f.since));
    if (f?.until) parts.push(eb('start_time', '<', f.until));
    if (f?.minionId) {
      parts.push(
        eb(
          'jid',
          'in',
          eb
            .selectFrom('job_returns')
            .select('job_returns.jid')
            .where('job_returns.minion_id', '=', f.minionId),
        ),
      );
    }
    if (f?.search) {
      parts.push(
        eb.or([
          ctx.contains('jid', f.search),
          ctx.contains('function', f.search),
          ctx.contains('target', f.search),
        ]),
      );
    }
    return eb.and(parts);
  }

  return {
    upsert: (jobs: readonly JobInput[], options?: { polledAt?: TimeInput }) =>
      ctx.run('jobs.upsert', async () => {
        const rows = lastByKey(parseRows(jobSchema, jobs, 'jobs'), (r) => r.jid);
        const polledAt = parse(
          z.object({ polledAt: time.optional() }).optional(),
          options,
          'options',
        )?.polledAt;
        const groups = new Map<string, ValidJob[]>();
        for (const row of rows) {
          const key = OPTIONAL_IDENTITY.filter(([field]) => row[field] !== undefined)
            .map(([field]) => field)
            .join(',');
          // Append in place: copying the group per row made a 100,000-job first poll quadratic.
          const group = groups.get(key);
          if (group) group.push(row);
          else groups.set(key, [row]);
        }
        const now = ctx.now();
        return ctx.inTransaction(db, async (trx) => {
          let inserted = 0;
          for (const [key, group] of groups) {
            inserted += await upsertGroup(trx, group, new Set(key.split(',')), now, polledAt ?? now);
          }
          await refreshCounts(
            trx,
            rows.map((r) => r.jid),
            now,
          );
          if (polledAt !== undefined) await markIngest(trx, 'jobs.poll', polledAt);
          return { inserted, updated: rows.length - inserted };
        });
      }),

    recordReturns: (returns: readonly JobReturnInput[]) =>
      ctx.run('jobs.recordReturns', async () => {
        const rows = parseRows(returnSchema, returns, 'returns');
        const unique = lastByKey(rows, (r) => `${r.jid}\u0001${r.minionId}`);
        unique.sort((a, b) => compareText(a.jid, b.jid) || compareText(a.minionId, b.minionId));
        const now = ctx.now();
        return ctx.inTransaction(db, async (trx) => {
          const size = ctx.rowsPerStatement(8);
          for (const [c, chunk] of chunks(unique, size).entries()) {
            const values = chunk.map((r, i) => {
              const capped = encodeCappedJson(
                r.return,
                `returns[${c * size + i}].return`,
                ctx.limits.maxReturnBytes,
              );
              return {
                jid: r.jid,
                minion_id: r.minionId,
                success: r.success === null ? null : ctx.bool(r.success),
                retcode: r.retcode,
                return_bytes: capped.bytes,
                truncated: ctx.bool(capped.truncated),
                returned_at: r.returnedAt,
                return_json: ctx.flavor.bindLargeJson(capped.text) as string,
              };
            });
            await trx
              .insertInto('job_returns')
              .values(values)
              .onConflict((oc) =>
                oc.columns(['jid', 'minion_id']).doUpdateSet((eb) => ({
                  success: eb.ref('excluded.success'),
                  retcode: eb.ref('excluded.retcode'),
                  return_bytes: eb.ref('excluded.return_bytes'),
                  truncated: eb.ref('excluded.truncated'),
                  returned_at: eb.ref('excluded.returned_at'),
                  return_json: eb.ref('excluded.return_json'),
                })),
              )
              .execute();
          }
          await refreshCounts(trx, [...new Set(unique.map((r) => r.jid))], now);
          return unique.length;
        });
      }),

    get: (id: string) =>
      ctx.run('jobs.get', async () => {
        const row = await db
          .selectFrom('jobs_index')
          .selectAll()
          .where('jid', '=', parse(jid, id, 'jid'))
          .executeTakeFirst();
        return row ? toJob(row, json) : undefined;
      }),

    countByHour: (query) =>
      ctx.run('jobs.countByHour', async () => {
        const f = parse(filterSchema, query, 'query');
        const since = parse(time, query?.since, 'since');
        const until = parse(time, query?.until, 'until');
        if (Date.parse(until) - Date.parse(since) > 31 * 86_400_000) {
          throw new StoreError('invalid_input', 'countByHour: the window is at most 31 days', {
            details: { field: 'until', problem: 'window longer than 31 days' },
          });
        }
        const hour = ctx.flavor.hourStart(sql.ref('start_time'));
        const rows = await db
          .selectFrom('jobs_index')
          .select((eb) => [hour.as('hour'), eb.fn.countAll().as('n')])
          .where((eb) => where(eb, { ...f, since, until }))
          .groupBy(hour)
          .orderBy(hour)
          .execute();
        return rows.map((r) => ({ hourStart: r.hour, count: readNumber(r.n) }));
      }),

    list: (query?: JobListQuery) =>
      ctx.run('jobs.list', async () => {
        const f = parse(filterSchema, query, 'query');
        const { limit, offset } = page(query);
        const column = SORT_COLUMNS[f?.sort ?? 'startTime'];
        const order = f?.order ?? 'desc';
        const total = await db
          .selectFrom('jobs_index')
          .select((eb) => eb.fn.countAll().as('n'))
          .where((eb) => where(eb, f))
          .executeTakeFirstOrThrow();
        let q = db
          .selectFrom('jobs_index')
          .selectAll()
          .where((eb) => where(eb, f));
        if (column !== 'jid') q = q.orderBy(column, order);
        const rows = await q.orderBy('jid', order).limit(limit).offset(offset).execute();
        return { total: readNumber(total.n), items: rows.map((r) => toJob(r, json)) };
      }),

    returns: (id: string, pageRequest?: PageRequest) =>
      ctx.run('jobs.returns', async () => {
        const j = parse(jid, id, 'jid');
        const { limit, offset } = page(pageRequest);
        const total = await db
          .selectFrom('job_returns')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('jid', '=', j)
          .executeTakeFirstOrThrow();
        const rows = await db
          .selectFrom('job_returns')
          .selectAll()
          .where('jid', '=', j)
          .orderBy('minion_id')
          .limit(limit)
          .offset(offset)
          .execute();
        return { total: readNumber(total.n), items: rows.map((r) => toReturn(r, json)) };
      }),

    returnsForMinion: (id: string, pageRequest?: PageRequest) =>
      ctx.run('jobs.returnsForMinion', async () => {
        const m = parse(minionId, id, 'minionId');
        const { limit, offset } = page(pageRequest);
        const total = await db
          .selectFrom('job_returns')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('minion_id', '=', m)
          .executeTakeFirstOrThrow();
        const rows = await db
          .selectFrom('job_returns')
          .selectAll()
          .where('minion_id', '=', m)
          .orderBy('returned_at', 'desc')
          .orderBy('jid', 'desc')
          .limit(limit)
          .offset(offset)
          .execute();
        return { total: readNumber(total.n), items: rows.map((r) => toReturn(r, json)) };
      }),

    markPolled: (at: TimeInput) =>
      ctx.run('jobs.markPolled', async () => {
        await markIngest(db, 'jobs.poll', parse(time, at, 'at'));
      }),

    lastPolledAt: () =>
      ctx.run(
        'jobs.lastPolledAt',
        async () => (await readIngestMarks(db, ['jobs.poll'])).get('jobs.poll') ?? null,
      ),

    deleteOlderThan: (cutoff: TimeInput, options?: RetentionOptions) =>
      ctx.run('jobs.deleteOlderThan', async () => {
        const before = parse(time, cutoff, 'cutoff');
        const o = defined(parse(retentionSchema, options, 'options') ?? {});
        const batch = o.batchSize ?? 1000;
        let deleted = 0;
        let batches = 0;
        while (o.maxBatches === undefined || batches < o.maxBatches) {
          batches++;
          const n = await ctx.inTransaction(db, async (trx) => {
            const jids = (
              await trx
                .selectFrom('jobs_index')
                .select('jid')
                .where('start_time', '<', before)
                .orderBy('start_time')
                .orderBy('jid')
                .limit(batch)
                .execute()
            ).map((r) => r.jid);
            if (jids.length === 0) return 0;
            await trx.deleteFrom('job_returns').where('jid', 'in', jids).execute();
            await trx.deleteFrom('jobs_index').where('jid', 'in', jids).execute();
            return jids.length;
          });
          deleted += n;
          if (n < batch) break;
        }
        // Returns whose job was never indexed go by their own age.
        while (o.maxBatches === undefined || batches < o.maxBatches) {
          batches++;
          const r = ctx.table('job_returns');
          const result = await sql`delete from ${r} where (jid, minion_id) in (
              select o.jid, o.minion_id from ${r} as o
              where o.returned_at < ${before}
                and not exists (select 1 from ${ctx.table('jobs_index')} as j where j.jid = o.jid)
              limit ${batch})`.execute(db);
          if (Number(result.numAffectedRows ?? 0n) < batch) break;
        }
        return deleted;
      }),
  };
}
