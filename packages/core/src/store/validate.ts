import { z } from 'zod';
import { normalizeTime } from './codec.js';
import { StoreError } from './errors.js';
import { DEFAULT_PAGE_SIZE, STORE_LIMITS as LIMITS, MAX_ID_LIST, MAX_PAGE_SIZE } from './limits.js';
import type { JsonObject } from './types.js';

// Input validation: every value crosses into SQL only after these schemas accept it, so both
// databases refuse the same inputs (SQLite would store a number in a text column; PostgreSQL
// would refuse a NUL byte) and nothing half-written is left behind.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (value: string) => !value.includes('\0') && !LONE_SURROGATE.test(value);
const UNSTORABLE = { message: 'must not contain NUL or unpaired surrogate characters' };

/** A string of at most `max` characters that both databases can store. */
export const text = (max: number) => z.string().max(max).refine(storable, UNSTORABLE);
/** A non-empty {@link text}. */
export const name = (max: number) => z.string().min(1).max(max).refine(storable, UNSTORABLE);
/** A time, normalised to a UTC ISO string. */
export const time = z.union([z.date(), z.string()]).transform((value, ctx) => {
  const iso = normalizeTime(value);
  if (iso === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a valid ISO-8601 time with a zone (Z or ±hh:mm), years 1–9999',
    });
    return z.NEVER;
  }
  return iso;
});
/** A signed 32-bit integer. */
export const int32 = z.int32();
/** A non-negative 32-bit integer. */
export const count = z.int32().min(0);
/** A boolean. */
export const bool = z.boolean();
/** A plain JSON object (its contents are checked when serialised). */
export const jsonObject = z.custom<JsonObject>(
  (value) =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !ArrayBuffer.isView(value),
  { message: 'expected a JSON object' },
);
/** Any value; serialisability is checked when it is encoded. */
export const anyJson = z.unknown();

/** A list of filter values, each a {@link text} of at most `max`. */
export const textList = (max: number) => z.array(name(max)).max(MAX_ID_LIST);

/** Paging: `limit` 1–1000 (default 50), `offset` ≥ 0 (default 0). */
export const pageShape = {
  limit: z.int().min(1).max(MAX_PAGE_SIZE).optional(),
  offset: z.int().min(0).max(2_147_483_647).optional(),
};

/** Retention batching. */
export const retentionSchema = z
  .object({
    batchSize: z.int().min(1).max(10_000).optional(),
    maxBatches: z.int().min(1).optional(),
  })
  .optional();

/** Search text (case-insensitive substring). */
export const searchText = text(255).optional();

/**
 * Parse `value` with `schema`, or throw `invalid_input` naming the field (e.g.
 * `insert[3].numCpus: Invalid input: expected int, received string`).
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue
    ? [field, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('')
    : field;
  const message = issue?.message ?? 'is invalid';
  throw new StoreError('invalid_input', `${path}: ${message}`, {
    details: {
      field: path,
      problem: message,
      issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    },
  });
}

// Built once: a zod object compiles its parser on first use, so one built per call costs that
// compilation on every page read.
const pageSchema = z.object(pageShape).optional();

/** Resolved paging with defaults. */
export function page(value: { limit?: number | undefined; offset?: number | undefined } | undefined): {
  limit: number;
  offset: number;
} {
  const parsed = parse(pageSchema, value, 'page');
  return { limit: parsed?.limit ?? DEFAULT_PAGE_SIZE, offset: parsed?.offset ?? 0 };
}

/** A list of at most `max` rows, each checked by `row`; the field path names the failing row. */
export function parseRows<S extends z.ZodType>(
  row: S,
  rows: unknown,
  field: string,
  max = Number.MAX_SAFE_INTEGER,
): Array<z.output<S>> {
  if (!Array.isArray(rows)) {
    throw new StoreError('invalid_input', `${field}: expected an array`, {
      details: { field, problem: 'expected an array' },
    });
  }
  if (rows.length > max) {
    throw new StoreError('invalid_input', `${field}: at most ${max} entries`, {
      details: { field, problem: `at most ${max} entries` },
    });
  }
  const out = new Array<z.output<S>>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = parse(row, rows[i], `${field}[${i}]`);
  return out;
}

/** Drop keys whose value is `undefined` (a present `undefined` counts as absent). */
export function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}

/** Column length limits, re-exported for the query code. */
export { LIMITS };
