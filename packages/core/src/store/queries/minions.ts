import {
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type RawBuilder,
  type Selectable,
  type SqlBool,
  sql,
  type Transaction,
} from 'kysely';
import { z } from 'zod';
import { encodeJson, readBool, readNumber, readOptNumber, readOptTime, readTime } from '../codec.js';
import { affected, chunks, compareText, lastByKey, type StoreContext } from '../context.js';
import type {
  FacetCount,
  KeyStatus,
  MinionChangeSet,
  MinionDigest,
  MinionFacet,
  MinionFields,
  MinionFilter,
  MinionListQuery,
  MinionRefreshTimes,
  MinionSnapshot,
  MinionSource,
  MinionStatus,
  MinionStore,
  MinionSummary,
  ReconcileResult,
} from '../minions.js';
import { GRAIN_TARGET_LIMITS, type GrainTargetReading, parseGrainTarget } from '../minions.js';
import type { Database, MinionSnapshotsTable } from '../schema.js';
import type { JsonObject, TimeInput } from '../types.js';
import {
  bool,
  count,
  defined,
  jsonObject,
  LIMITS,
  name,
  page,
  parse,
  parseRows,
  searchText,
  text,
  textList,
  time,
} from '../validate.js';
import { markIngest, readIngestMarks } from './ingest-marks.js';

const KEY_STATUSES = ['accepted', 'pending', 'rejected', 'denied'] as const;
const STATUSES = ['online', 'offline', 'pending', 'rejected', 'denied'] as const;
const SOURCES = ['keys', 'presence', 'grains'] as const;

type ColumnKind = 'text' | 'integer' | 'boolean' | 'json' | 'timestamp';

/** Each writable field: its column, its SQL kind, its validator. */
const FIELDS = {
  keyStatus: { column: 'key_status', kind: 'text', schema: z.enum(KEY_STATUSES) },
  isOnline: { column: 'is_online', kind: 'boolean', schema: bool },
  os: { column: 'os', kind: 'text', schema: text(LIMITS.grainText).nullable() },
  osFamily: { column: 'os_family', kind: 'text', schema: text(LIMITS.grainText).nullable() },
  osrelease: { column: 'osrelease', kind: 'text', schema: text(LIMITS.grainText).nullable() },
  kernel: { column: 'kernel', kind: 'text', schema: text(LIMITS.grainText).nullable() },
  kernelrelease: { column: 'kernelrelease', kind: 'text', schema: text(LIMITS.kernelrelease).nullable() },
  virtual: { column: 'virtual', kind: 'text', schema: text(LIMITS.grainText).nullable() },
  numCpus: { column: 'num_cpus', kind: 'integer', schema: count.nullable() },
  memTotal: { column: 'mem_total', kind: 'integer', schema: count.nullable() },
  saltversion: { column: 'saltversion', kind: 'text', schema: text(LIMITS.grainText).nullable() },
  primaryIp: { column: 'primary_ip', kind: 'text', schema: text(LIMITS.ip).nullable() },
  contentHash: { column: 'content_hash', kind: 'text', schema: text(LIMITS.hash).nullable() },
  keysRefreshedAt: { column: 'keys_refreshed_at', kind: 'timestamp', schema: time.nullable() },
  presenceRefreshedAt: { column: 'presence_refreshed_at', kind: 'timestamp', schema: time.nullable() },
  grainsRefreshedAt: { column: 'grains_refreshed_at', kind: 'timestamp', schema: time.nullable() },
  lastSeenAt: { column: 'last_seen_at', kind: 'timestamp', schema: time.nullable() },
  grains: { column: 'grains', kind: 'json', schema: jsonObject.nullable() },
} as const satisfies Record<
  keyof MinionFields,
  { column: keyof MinionSnapshotsTable; kind: ColumnKind; schema: z.ZodType }
>;

type Field = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as Field[];

const optionalFields = Object.fromEntries(FIELD_NAMES.map((f) => [f, FIELDS[f].schema.optional()])) as {
  [K in Field]: z.ZodOptional<(typeof FIELDS)[K]['schema']>;
};
const minionId = name(LIMITS.minionId);
const insertSchema = z.object({
  ...optionalFields,
  minionId,
  keyStatus: FIELDS.keyStatus.schema,
  firstSeenAt: time.optional(),
});
const patchSchema = z.object({ ...optionalFields, minionId });
type ValidInsert = z.output<typeof insertSchema>;
type ValidPatch = z.output<typeof patchSchema>;

const filterSchema = z
  .object({
    status: z
      .array(z.enum(STATUSES))
      .max(STATUSES.length * 4)
      .optional(),
    keyStatus: z
      .array(z.enum(KEY_STATUSES))
      .max(KEY_STATUSES.length * 4)
      .optional(),
    osFamily: textList(LIMITS.grainText).optional(),
    os: textList(LIMITS.grainText).optional(),
    saltversion: textList(LIMITS.grainText).optional(),
    search: searchText,
    idPrefix: searchText,
    ids: textList(LIMITS.minionId).optional(),
    grains: z
      .array(z.string())
      .max(GRAIN_TARGET_LIMITS.count)
      .transform((list, zctx) =>
        list.map((expression, i) => {
          try {
            return parseGrainTarget(expression);
          } catch (error) {
            zctx.addIssue({ code: 'custom', path: [i], message: (error as Error).message });
            return z.NEVER;
          }
        }),
      )
      .optional(),
  })
  .optional();
type ValidFilter = NonNullable<z.output<typeof filterSchema>>;

const SORT_COLUMNS = {
  minionId: 'minion_id',
  os: 'os',
  osFamily: 'os_family',
  saltversion: 'saltversion',
  primaryIp: 'primary_ip',
  lastSeenAt: 'last_seen_at',
} as const;
// Built once: a zod schema compiles its parser on first use, so one made per read pays that each time.
const listSchema = z
  .object({
    sort: z.enum(Object.keys(SORT_COLUMNS) as [keyof typeof SORT_COLUMNS]).optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .optional();

/** Every column except grains: what lists read. */
const SUMMARY_COLUMNS = [
  'minion_id',
  'key_status',
  'is_online',
  'os',
  'os_family',
  'osrelease',
  'kernel',
  'kernelrelease',
  'virtual',
  'num_cpus',
  'mem_total',
  'saltversion',
  'primary_ip',
  'content_hash',
  'keys_refreshed_at',
  'presence_refreshed_at',
  'grains_refreshed_at',
  'first_seen_at',
  'last_seen_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof MinionSnapshotsTable>;

type SummaryRow = Pick<Selectable<MinionSnapshotsTable>, (typeof SUMMARY_COLUMNS)[number]>;

function statusOf(keyStatus: string, isOnline: boolean): MinionStatus {
  if (keyStatus === 'accepted') return isOnline ? 'online' : 'offline';
  return keyStatus as MinionStatus;
}

function toSummary(row: SummaryRow): MinionSummary {
  const isOnline = readBool(row.is_online);
  return {
    minionId: row.minion_id,
    status: statusOf(row.key_status, isOnline),
    keyStatus: row.key_status as KeyStatus,
    isOnline,
    os: row.os,
    osFamily: row.os_family,
    osrelease: row.osrelease,
    kernel: row.kernel,
    kernelrelease: row.kernelrelease,
    virtual: row.virtual,
    numCpus: readOptNumber(row.num_cpus),
    memTotal: readOptNumber(row.mem_total),
    saltversion: row.saltversion,
    primaryIp: row.primary_ip,
    contentHash: row.content_hash,
    keysRefreshedAt: readOptTime(row.keys_refreshed_at),
    presenceRefreshedAt: readOptTime(row.presence_refreshed_at),
    grainsRefreshedAt: readOptTime(row.grains_refreshed_at),
    firstSeenAt: readTime(row.first_seen_at),
    lastSeenAt: readOptTime(row.last_seen_at),
    updatedAt: readTime(row.updated_at),
  };
}

/** The Kysely implementation of {@link MinionStore}. */
export function createMinionQueries(db: Kysely<Database>, ctx: StoreContext): MinionStore {
  /** A field's value as bound in SQL. */
  function encode(field: Field, value: unknown, path: string): unknown {
    if (value === null || value === undefined) return null;
    switch (FIELDS[field].kind) {
      case 'boolean':
        return ctx.bool(value as boolean);
      case 'json':
        return encodeJson(value, path, ctx.limits.maxJsonBytes);
      default:
        return value;
    }
  }

  /**
   * Whether `filter` adds any condition. Without one the queries carry no `where` at all: an
   * always-true `where 1 = 1` keeps SQLite from counting through its smallest index (a 50,000-row
   * `count(*)` went from 0.03 ms to 1.2 ms, on every unfiltered minion page).
   */
  function filters(filter: ValidFilter | undefined): boolean {
    return Boolean(
      filter?.status?.length ||
        filter?.keyStatus?.length ||
        filter?.osFamily?.length ||
        filter?.os?.length ||
        filter?.saltversion?.length ||
        filter?.ids ||
        filter?.search ||
        filter?.idPrefix ||
        filter?.grains?.length,
    );
  }

  /** Whether `filter` holds a condition no index serves (substring search, grain targets). */
  function scans(filter: ValidFilter | undefined): boolean {
    return Boolean(filter?.search || filter?.grains?.length);
  }

  function where(eb: ExpressionBuilder<Database, 'minion_snapshots'>, filter: ValidFilter | undefined) {
    const parts = [];
    if (filter?.status && filter.status.length > 0) {
      const byStatus = [];
      const keyOnly = filter.status.filter((s) => s !== 'online' && s !== 'offline');
      for (const presence of ['online', 'offline'] as const) {
        if (filter.status.includes(presence)) {
          byStatus.push(
            eb.and([
              eb('key_status', '=', 'accepted'),
              eb('is_online', '=', ctx.bool(presence === 'online')),
            ]),
          );
        }
      }
      if (keyOnly.length > 0) byStatus.push(eb('key_status', 'in', keyOnly));
      parts.push(eb.or(byStatus));
    }
    if (filter?.keyStatus && filter.keyStatus.length > 0)
      parts.push(eb('key_status', 'in', filter.keyStatus));
    if (filter?.osFamily && filter.osFamily.length > 0) parts.push(eb('os_family', 'in', filter.osFamily));
    if (filter?.os && filter.os.length > 0) parts.push(eb('os', 'in', filter.os));
    if (filter?.saltversion && filter.saltversion.length > 0)
      parts.push(eb('saltversion', 'in', filter.saltversion));
    if (filter?.ids)
      parts.push(filter.ids.length > 0 ? eb('minion_id', 'in', filter.ids) : sql<SqlBool>`1 = 0`);
    if (filter?.search) {
      parts.push(
        eb.or([ctx.contains('minion_id', filter.search), ctx.contains('primary_ip', filter.search)]),
      );
    }
    if (filter?.idPrefix) {
      // Text compares by code point on both databases (PostgreSQL columns are `collate "C"`), so
      // the ids with a prefix are one range of the primary key.
      parts.push(eb('minion_id', '>=', filter.idPrefix));
      const above = codePointSuccessor(filter.idPrefix);
      if (above !== null) parts.push(eb('minion_id', '<', above));
    }
    for (const readings of filter?.grains ?? []) parts.push(grainMatch(readings));
    return eb.and(parts);
  }

  /**
   * Salt's grain match of one target: any reading's key path leads to a value the glob matches
   * (case-insensitively, on its text: `true`, `2`, `None` for null), to a list holding such a
   * value or a dict with that key, or to a dict holding the key the glob spells (`*`: any dict).
   */
  function grainMatch(readings: GrainTargetReading[]): Expression<SqlBool> {
    if (readings.length === 0) return sql<SqlBool>`1 = 0`;
    const like = sql.raw(ctx.flavor.caseInsensitiveLike);
    const glob = (pattern: string) =>
      pattern
        .replace(/[\\%_]/g, (c) => `\\${c}`)
        .replace(/\*/g, '%')
        .replace(/\?/g, '_');
    if (ctx.flavor.name === 'postgres') {
      // Grains are `json` there: `#>` walks the text without building a tree, and only the value
      // found is cast to `jsonb`. `offset 0` keeps the planner from inlining that into each use.
      const alternatives = readings.map(({ path, pattern }) => {
        const v = sql`${sql.ref('g.v')}`;
        const scalar = (x: RawBuilder<unknown>) =>
          sql`(case jsonb_typeof(${x}) when 'null' then 'None' else ${x} #>> '{}' end) ${like} ${glob(pattern)} escape '\\'`;
        const e = sql`${sql.ref('e.value')}`;
        return sql`exists (select 1 from (select cast(${sql.ref('minion_snapshots.grains')} #> cast(${path} as text[]) as jsonb) as v offset 0) as g
          where case jsonb_typeof(${v})
          when 'object' then ${pattern === '*' ? sql`true` : sql`jsonb_exists(${v}, ${pattern})`}
          when 'array' then exists (select 1 from jsonb_array_elements(${v}) as e(value)
            where case jsonb_typeof(${e}) when 'array' then false
              when 'object' then ${pattern === '*' ? sql`true` : sql`jsonb_exists(${e}, ${pattern})`}
              else ${scalar(e)} end)
          else ${scalar(v)} end)`;
      });
      return sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`;
    }

    // One `json_each` per reading parses the grains once: at a scalar it yields the value (no
    // key), at a list its elements (integer keys), at a dict its members (text keys).
    const alternatives = readings.map(({ path, pattern }) => {
      const at = `$${path.map((key) => `."${key}"`).join('')}`;
      const member = pattern === '*' ? sql`1` : sql`e.key = ${pattern}`;
      const elementHasKey =
        pattern === '*'
          ? sql`1`
          : // A key with quotes cannot be spelled in a JSON path (nor is there such a grain).
            /["\\]/.test(pattern)
            ? sql`0`
            : sql`json_type(e.value, ${`$."${pattern}"`}) is not null`;
      return sql`exists (select 1 from json_each(${sql.ref('minion_snapshots.grains')}, ${at}) as e
        where case when typeof(e.key) = 'text' then ${member}
          when e.type = 'array' then 0
          when e.type = 'object' then ${elementHasKey}
          else (case e.type when 'true' then 'true' when 'false' then 'false' when 'null' then 'None'
            else e.value end) ${like} ${glob(pattern)} escape '\\' end)`;
    });
    return sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`;
  }

  /** One chunk of inserts as column values (JSON serialised here, so per chunk, never all at once). */
  function encodeInserts(
    rows: ValidInsert[],
    now: string,
    offset: number,
  ): Insertable<MinionSnapshotsTable>[] {
    return rows.map((r, i) => ({
      minion_id: r.minionId,
      key_status: r.keyStatus,
      is_online: ctx.bool(r.isOnline ?? false),
      os: r.os ?? null,
      os_family: r.osFamily ?? null,
      osrelease: r.osrelease ?? null,
      kernel: r.kernel ?? null,
      kernelrelease: r.kernelrelease ?? null,
      virtual: r.virtual ?? null,
      num_cpus: r.numCpus ?? null,
      mem_total: r.memTotal ?? null,
      saltversion: r.saltversion ?? null,
      primary_ip: r.primaryIp ?? null,
      content_hash: r.contentHash ?? null,
      keys_refreshed_at: r.keysRefreshedAt ?? null,
      presence_refreshed_at: r.presenceRefreshedAt ?? null,
      grains_refreshed_at: r.grainsRefreshedAt ?? null,
      first_seen_at: r.firstSeenAt ?? now,
      last_seen_at: r.lastSeenAt ?? null,
      updated_at: now,
      grains:
        r.grains == null
          ? null
          : (ctx.flavor.bindLargeJson(
              encodeJson(r.grains, `insert[${offset + i}].grains`, ctx.limits.maxJsonBytes),
            ) as string),
    }));
  }

  function upsert(trx: Transaction<Database>, values: Insertable<MinionSnapshotsTable>[]) {
    return trx
      .insertInto('minion_snapshots')
      .values(values)
      .onConflict((oc) =>
        oc.column('minion_id').doUpdateSet((eb) => {
          const set: Record<string, unknown> = {};
          for (const column of SUMMARY_COLUMNS) {
            if (column !== 'minion_id' && column !== 'first_seen_at')
              set[column] = eb.ref(`excluded.${column}`);
          }
          set.grains = eb.ref('excluded.grains');
          return set as never;
        }),
      )
      .execute();
  }

  /**
   * Upsert all rows in chunks. While the database runs one chunk, the next is serialised: the
   * JSON work overlaps the database's (PostgreSQL runs in another process).
   */
  async function insertAll(trx: Transaction<Database>, rows: ValidInsert[], now: string) {
    if (rows.length === 0) return { inserted: 0, updated: 0 };
    let existing = 0;
    const keysPerQuery = ctx.flavor.arrayParameters ? 100_000 : ctx.keysPerStatement();
    for (const ids of chunks(
      rows.map((r) => r.minionId),
      keysPerQuery,
    )) {
      const row = await trx
        .selectFrom('minion_snapshots')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(ctx.inKeys('minion_id', ids))
        .executeTakeFirstOrThrow();
      existing += readNumber(row.n);
    }
    const size = ctx.rowsPerStatement(SUMMARY_COLUMNS.length + 1);
    const plan = chunks(rows, size);
    let values = encodeInserts(plan[0] as ValidInsert[], now, 0);
    for (let i = 0; i < plan.length; i++) {
      const running = upsert(trx, values);
      // Handled here so a failure while the next chunk is serialised is not "unhandled"; the
      // `await running` below still throws it.
      running.catch(() => undefined);
      const next = plan[i + 1];
      if (next) {
        try {
          // Let the statement reach the database before the CPU-bound serialisation starts.
          await new Promise<void>((resolve) => setImmediate(resolve));
          values = encodeInserts(next, now, (i + 1) * size);
        } catch (error) {
          await running.catch(() => undefined);
          throw error;
        }
      }
      await running;
    }
    return { inserted: rows.length - existing, updated: existing };
  }

  /** Of `ids`, those whose row's keys were written after `at` (by a key action). */
  async function changedSince(trx: Transaction<Database>, ids: string[], at: string): Promise<Set<string>> {
    const found = new Set<string>();
    // One bind parameter besides the keys: `at`.
    const keysPerQuery = ctx.flavor.arrayParameters ? 100_000 : ctx.keysPerStatement(1);
    for (const chunk of chunks([...new Set(ids)], keysPerQuery)) {
      const rows = await trx
        .selectFrom('minion_snapshots')
        .select('minion_id')
        .where(ctx.inKeys('minion_id', chunk))
        .where('keys_refreshed_at', '>', at)
        .execute();
      for (const row of rows) found.add(row.minion_id);
    }
    return found;
  }

  /** Patches sharing one set of fields, applied with `update … from (values …)`. */
  async function patchGroup(trx: Transaction<Database>, fields: Field[], patches: ValidPatch[], now: string) {
    let updated = 0;
    const size = ctx.rowsPerStatement(fields.length + 1, 1);
    const target = ctx.table('minion_snapshots');
    const aliases = sql.join([
      sql`${sql.ref('column1')} as ${sql.ref('minion_id')}`,
      ...fields.map((f, i) => sql`${sql.ref(`column${i + 2}`)} as ${sql.ref(FIELDS[f].column)}`),
    ]);
    const assignments = sql.join([
      ...fields.map((f) => {
        const { column, kind } = FIELDS[f];
        const type = kind === 'text' ? ctx.flavor.types.textCast : ctx.flavor.types[kind];
        return sql`${sql.ref(column)} = cast(${sql.ref(`v.${column}`)} as ${sql.raw(type)})`;
      }),
      sql`${sql.ref('updated_at')} = ${now}`,
    ]);
    for (const [c, chunk] of chunks(patches, size).entries()) {
      const rows = chunk.map((p, i) => {
        const path = `update[${c * size + i}]`;
        const record = p as Record<string, unknown>;
        return sql`(${sql.join([p.minionId, ...fields.map((f) => encode(f, record[f], `${path}.${f}`))])})`;
      });
      const result = await sql`update ${target} set ${assignments}
        from (select ${aliases} from (values ${sql.join(rows)}) as ${sql.ref('vv')}) as ${sql.ref('v')}
        where ${target}.${sql.ref('minion_id')} = ${sql.ref('v.minion_id')}`.execute(trx);
      updated += affected(result);
    }
    return updated;
  }

  async function hashes(pageRequest?: { after?: string; limit?: number }): Promise<MinionDigest[]> {
    const p = parse(
      z
        .object({ after: text(LIMITS.minionId).optional(), limit: z.int().min(1).max(10_000).optional() })
        .optional(),
      pageRequest,
      'page',
    );
    let q = db
      .selectFrom('minion_snapshots')
      .select(['minion_id', 'key_status', 'is_online', 'content_hash'])
      .orderBy('minion_id')
      .limit(p?.limit ?? 5000);
    if (p?.after !== undefined) q = q.where('minion_id', '>', p.after);
    const rows = await q.execute();
    return rows.map((r) => ({
      minionId: r.minion_id,
      keyStatus: r.key_status as KeyStatus,
      isOnline: readBool(r.is_online),
      contentHash: r.content_hash,
    }));
  }

  return {
    reconcile: (changes: MinionChangeSet): Promise<ReconcileResult> =>
      ctx.run('minions.reconcile', async () => {
        const c = parse(
          z.object({
            insert: z.array(z.unknown()).optional(),
            update: z.array(z.unknown()).optional(),
            delete: z.array(minionId).optional(),
            refreshed: z
              .object({ keys: time.optional(), presence: time.optional(), grains: time.optional() })
              .optional(),
            fetchedAt: time.optional(),
          }),
          changes,
          'changes',
        );
        const allDeletes = [...new Set(c.delete ?? [])].sort();
        const deleted = new Set(allDeletes);
        const allInserts = lastByKey(
          parseRows(insertSchema, c.insert ?? [], 'insert'),
          (r) => r.minionId,
        ).filter((r) => !deleted.has(r.minionId));
        const merged = new Map<string, ValidPatch>();
        for (const patch of parseRows(patchSchema, c.update ?? [], 'update')) {
          if (deleted.has(patch.minionId)) continue;
          merged.set(patch.minionId, { ...merged.get(patch.minionId), ...defined(patch) });
        }
        const now = ctx.now();
        return ctx.inTransaction(db, async (trx) => {
          // Rows a key action wrote after this data was fetched keep what the action wrote.
          const kept =
            c.fetchedAt === undefined
              ? new Set<string>()
              : await changedSince(
                  trx,
                  [...allDeletes, ...allInserts.map((r) => r.minionId), ...merged.keys()],
                  c.fetchedAt,
                );
          const deletes = allDeletes.filter((id) => !kept.has(id));
          const inserts = allInserts.filter((r) => !kept.has(r.minionId));
          const groups = new Map<string, { fields: Field[]; patches: ValidPatch[] }>();
          for (const id of [...merged.keys()].sort()) {
            if (kept.has(id)) continue;
            const patch = merged.get(id) as ValidPatch;
            const fields = FIELD_NAMES.filter((f) => (patch as Record<string, unknown>)[f] !== undefined);
            if (fields.length === 0) continue;
            const key = fields.join(',');
            const group = groups.get(key) ?? { fields, patches: [] };
            group.patches.push(patch);
            groups.set(key, group);
          }
          const result: ReconcileResult = { inserted: 0, updated: 0, deleted: 0 };
          const written = await insertAll(trx, inserts, now);
          result.inserted += written.inserted;
          result.updated += written.updated;
          for (const group of groups.values())
            result.updated += await patchGroup(trx, group.fields, group.patches, now);
          for (const chunk of chunks(deletes, ctx.keysPerStatement())) {
            const r = await trx
              .deleteFrom('minion_snapshots')
              .where('minion_id', 'in', chunk)
              .executeTakeFirst();
            result.deleted += Number(r.numDeletedRows);
          }
          for (const source of SOURCES) {
            const at = c.refreshed?.[source];
            if (at !== undefined) await markIngest(trx, `minions.${source}`, at);
          }
          return result;
        });
      }),

    get: (id: string) =>
      ctx.run('minions.get', async () => {
        const minion = parse(minionId, id, 'minionId');
        const row = await db
          .selectFrom('minion_snapshots')
          .selectAll()
          .where('minion_id', '=', minion)
          .executeTakeFirst();
        return row ? { ...toSummary(row), grains: ctx.json(row.grains) as JsonObject | null } : undefined;
      }),

    getMany: (ids: readonly string[]) =>
      ctx.run('minions.getMany', async () => {
        const list = parse(textList(LIMITS.minionId), ids, 'minionIds');
        if (list.length === 0) return [];
        const rows = await db
          .selectFrom('minion_snapshots')
          .selectAll()
          .where('minion_id', 'in', [...new Set(list)])
          .orderBy('minion_id')
          .execute();
        return rows.map(
          (row): MinionSnapshot => ({ ...toSummary(row), grains: ctx.json(row.grains) as JsonObject | null }),
        );
      }),

    list: (query?: MinionListQuery) =>
      ctx.run('minions.list', async () => {
        const filter = parse(filterSchema, query, 'query');
        const sorting = parse(listSchema, query, 'query');
        const { limit, offset } = page(query);
        const column = SORT_COLUMNS[sorting?.sort ?? 'minionId'];
        const order = sorting?.order ?? 'asc';
        const count = async () =>
          readNumber(
            (
              await db
                .selectFrom('minion_snapshots')
                .select((eb) => eb.fn.countAll().as('n'))
                .$if(filters(filter), (qb) => qb.where((eb) => where(eb, filter)))
                .executeTakeFirstOrThrow()
            ).n,
          );
        let q = db
          .selectFrom('minion_snapshots')
          .select(SUMMARY_COLUMNS)
          .$if(filters(filter), (qb) => qb.where((eb) => where(eb, filter)));
        if (column !== 'minion_id') {
          // NULL sorts as the smallest value on both databases.
          q = q.orderBy(column, (ob) => (order === 'asc' ? ob.asc().nullsFirst() : ob.desc().nullsLast()));
        }
        q = q.orderBy('minion_id', order).limit(limit).offset(offset);
        if (!scans(filter)) {
          // Indexed filters: the count reads an index, the page stops after `limit` rows.
          const [total, rows] = [await count(), await q.execute()];
          return { total, items: rows.map(toSummary) };
        }
        // A substring or grain filter reads every row whichever way: one scan that counts the
        // matches as it goes (a window over them) instead of one for the count and one for the page.
        const rows = await q.select((eb) => eb.fn.countAll().over().as('matches')).execute();
        const first = rows[0];
        // Past the last match there is no row to carry the count: ask for it.
        const total = first ? readNumber(first.matches) : offset > 0 ? await count() : 0;
        return { total, items: rows.map(toSummary) };
      }),

    count: (filter?: MinionFilter) =>
      ctx.run('minions.count', async () => {
        const f = parse(filterSchema, filter, 'filter');
        const row = await db
          .selectFrom('minion_snapshots')
          .select((eb) => eb.fn.countAll().as('n'))
          .$if(filters(f), (qb) => qb.where((eb) => where(eb, f)))
          .executeTakeFirstOrThrow();
        return readNumber(row.n);
      }),

    countBy: (facet: MinionFacet, filter?: MinionFilter): Promise<FacetCount[]> =>
      ctx.run('minions.countBy', async () => {
        const which = parse(z.enum(['status', 'keyStatus', 'osFamily', 'os', 'saltversion']), facet, 'facet');
        const f = parse(filterSchema, filter, 'filter');
        const value =
          which === 'status'
            ? sql<string>`case when ${sql.ref('key_status')} = 'accepted' then (case when ${sql.ref('is_online')} then 'online' else 'offline' end) else ${sql.ref('key_status')} end`
            : sql<string | null>`${sql.ref(
                { keyStatus: 'key_status', osFamily: 'os_family', os: 'os', saltversion: 'saltversion' }[
                  which
                ],
              )}`;
        const rows = await db
          .selectFrom('minion_snapshots')
          .select((eb) => [value.as('value'), eb.fn.countAll().as('n')])
          .where((eb) => where(eb, f))
          .groupBy(value)
          .execute();
        return rows
          .map((r) => ({ value: r.value, count: readNumber(r.n) }))
          .sort((a, b) => b.count - a.count || compareNullable(a.value, b.value));
      }),

    hashes: (pageRequest?: { after?: string; limit?: number }) =>
      ctx.run('minions.hashes', () => hashes(pageRequest)),

    iterateHashes: (options?: { pageSize?: number }): AsyncIterable<MinionDigest> => ({
      async *[Symbol.asyncIterator]() {
        const limit = options?.pageSize ?? 5000;
        let after: string | undefined;
        for (;;) {
          const rows = await ctx.run('minions.iterateHashes', () =>
            hashes(after === undefined ? { limit } : { after, limit }),
          );
          yield* rows;
          if (rows.length < limit) return;
          after = rows[rows.length - 1]?.minionId;
        }
      },
    }),

    markRefreshed: (source: MinionSource, at: TimeInput) =>
      ctx.run('minions.markRefreshed', async () => {
        const s = parse(z.enum(SOURCES), source, 'source');
        const when = parse(time, at, 'at');
        await markIngest(db, `minions.${s}`, when);
      }),

    refreshTimes: (): Promise<MinionRefreshTimes> =>
      ctx.run('minions.refreshTimes', async () => {
        const marks = await readIngestMarks(
          db,
          SOURCES.map((s) => `minions.${s}`),
        );
        return {
          keys: marks.get('minions.keys') ?? null,
          presence: marks.get('minions.presence') ?? null,
          grains: marks.get('minions.grains') ?? null,
        };
      }),
  };
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareText(a, b);
}

/**
 * The smallest text above every text that starts with `prefix`, in code-point order: the last
 * code point raised by one (dropped when it is the highest, carrying left); `null` when there is
 * none (only U+10FFFF), so the range has no upper end.
 */
export function codePointSuccessor(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    let last = (points.pop() as number) + 1;
    if (last === 0xd800) last = 0xe000; // surrogates are not characters: skip them
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return null;
}
