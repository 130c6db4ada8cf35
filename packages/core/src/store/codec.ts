import { StoreError } from './errors.js';
import type { StoreFlavor } from './flavor.js';
import type { JsonValue, TimeInput } from './types.js';

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A time as the Store keeps it: a UTC ISO string with milliseconds (`2025-10-02T10:11:12.345Z`),
 * which sorts as text in the same order as in time. `null` when the input is not a valid time
 * with a zone between the years 1 and 9999.
 */
export function normalizeTime(value: TimeInput): string | null {
  if (typeof value === 'string') {
    // Batches repeat the same few times (one refresh time for thousands of rows): remember them.
    const cached = timeCache.get(value);
    if (cached !== undefined) return cached;
    const iso = parseTime(value);
    if (timeCache.size >= 1024) timeCache.clear();
    timeCache.set(value, iso);
    return iso;
  }
  return parseTime(value);
}

const timeCache = new Map<string, string | null>();

function parseTime(value: TimeInput): string | null {
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === 'string') {
    const m = ISO_TIME.exec(value);
    if (!m) return null;
    const [, y, mo, d, h, mi, s = '00', fraction = '', zone = 'Z'] = m;
    const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    const check = new Date(base);
    if (
      check.getUTCMonth() !== Number(mo) - 1 ||
      check.getUTCDate() !== Number(d) ||
      Number(h) > 23 ||
      Number(mi) > 59 ||
      Number(s) > 59
    ) {
      return null;
    }
    // Date.UTC maps years 0–99 to 1900–1999: rebuild with setUTCFullYear.
    check.setUTCFullYear(Number(y));
    let offset = 0;
    if (zone.toUpperCase() !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
    }
    ms = check.getTime() + Number(fraction.padEnd(3, '0').slice(0, 3)) - offset * 60_000;
  } else {
    return null;
  }
  if (!Number.isFinite(ms)) return null;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) return null;
  return date.toISOString();
}

/** A time read from either database, as a UTC ISO string. */
export function readTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') {
    if (value.length === 24 && value.endsWith('Z')) return value;
    const iso = normalizeTime(value);
    if (iso !== null) return iso;
  }
  throw new StoreError('io', `The database returned a time the Store cannot read: ${String(value)}`);
}

/** A nullable time read from either database. */
export function readOptTime(value: unknown): string | null {
  return value === null || value === undefined ? null : readTime(value);
}

/** A boolean read from either database (`true`/`false` or `1`/`0`). */
export function readBool(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1';
}

/** A nullable boolean read from either database. */
export function readOptBool(value: unknown): boolean | null {
  return value === null || value === undefined ? null : readBool(value);
}

/** A number (or bigint string, as pg returns `count(*)` and bigint ids) as a JS number. */
export function readNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value);
  throw new StoreError('io', `The database returned a number the Store cannot read: ${String(value)}`);
}

/** A nullable number. */
export function readOptNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : readNumber(value);
}

// A `\u0000` or a lone surrogate escape in JSON text (not itself escaped by a backslash).
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

function invalid(field: string, problem: string, cause?: unknown): StoreError {
  return new StoreError('invalid_input', `${field} ${problem}`, {
    details: { field, problem },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * JSON text for a JSON column. PostgreSQL cannot store NUL characters or unpaired surrogates in
 * `jsonb`, so both databases store U+FFFD in their place (JSON.stringify writes them as escapes:
 * the text is patched, never re-parsed). Throws `invalid_input` when the value is not
 * JSON-serialisable (a BigInt, a cycle, a function) or its text exceeds `maxBytes`.
 */
export function encodeJson(value: unknown, field: string, maxBytes: number): string {
  const text = stringify(value, field);
  if (text.length > maxBytes / 3 && Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw invalid(field, `is larger than ${maxBytes} bytes of JSON`);
  }
  return text;
}

function stringify(value: unknown, field: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw invalid(
      field,
      `is not JSON-serialisable (${err instanceof Error ? err.message : String(err)})`,
      err,
    );
  }
  if (text === undefined) throw invalid(field, 'is not JSON-serialisable');
  return text.includes('\\u') ? text.replace(UNSTORABLE_ESCAPE, '$1\\ufffd') : text;
}

/** JSON text capped to a size: see {@link encodeCappedJson}. */
export interface CappedJson {
  /** The JSON text to store. */
  text: string;
  /** UTF-8 size of the full value's JSON text. */
  bytes: number;
  /** Whether `text` holds a cut preview (a JSON string) instead of the value. */
  truncated: boolean;
}

/**
 * JSON text of at most `maxBytes`: the value itself when it fits, else a JSON string holding the
 * first `maxBytes` bytes of its text (cut at a character boundary), flagged `truncated`.
 */
export function encodeCappedJson(value: unknown, field: string, maxBytes: number): CappedJson {
  const text = stringify(value === undefined ? null : value, field);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return { text, bytes, truncated: false };
  const buffer = Buffer.from(text, 'utf8');
  let end = maxBytes;
  for (;;) {
    // Never cut inside a multi-byte character: back up over continuation bytes.
    while (end > 0 && ((buffer[end] ?? 0) & 0xc0) === 0x80) end--;
    const preview = JSON.stringify(buffer.subarray(0, end).toString('utf8'));
    const size = Buffer.byteLength(preview, 'utf8');
    // Escaping (quotes, backslashes) grows the text: shrink until the stored string fits.
    if (size <= maxBytes || end === 0) return { text: preview, bytes, truncated: true };
    end = Math.max(0, end - (size - maxBytes));
  }
}

/** Reads JSON columns for one flavor: parsed by the driver (pg) or from text (SQLite). */
export function jsonReader(flavor: StoreFlavor): (value: unknown) => JsonValue {
  if (flavor.jsonColumnsParsed) {
    return (value) => (value === undefined ? null : (value as JsonValue));
  }
  return (value) => {
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') {
      throw new StoreError('io', 'The database returned a JSON column that is not text');
    }
    return JSON.parse(value) as JsonValue;
  };
}

/** Encodes booleans for one flavor (`1`/`0` on SQLite). */
export function boolWriter(flavor: StoreFlavor): (value: boolean) => boolean | number {
  return flavor.booleansAsIntegers ? (value) => (value ? 1 : 0) : (value) => value;
}

const SLAB_BYTES = 1024 * 1024;
let slab = Buffer.allocUnsafe(0);
let slabOffset = 0;

/**
 * The UTF-8 bytes of a string, carved from shared 1 MiB slabs (a `Buffer` of its own per
 * multi-kilobyte value costs an allocation each). A slab is freed once every view of it is.
 * Adapters use it to bind large JSON texts as bytes (see `StoreFlavor.bindLargeJson`).
 */
export function utf8Bytes(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  if (length > SLAB_BYTES / 4) return Buffer.from(text, 'utf8');
  if (slabOffset + length > slab.length) {
    slab = Buffer.allocUnsafe(SLAB_BYTES);
    slabOffset = 0;
  }
  const start = slabOffset;
  slabOffset += slab.write(text, start, 'utf8');
  return slab.subarray(start, slabOffset);
}
