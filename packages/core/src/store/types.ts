/** A value that survives a JSON round trip: what every JSON column gives back. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object (grains, metadata, settings blobs). */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * A point in time given to the Store: a `Date`, or an ISO-8601 string with a zone (`Z` or an
 * offset), between the years 1 and 9999. The Store keeps milliseconds and gives every time back
 * as a UTC ISO string such as `2025-10-02T10:11:12.345Z`.
 */
export type TimeInput = Date | string;

/** Which way a list is sorted. */
export type SortOrder = 'asc' | 'desc';

/**
 * The paging part of every list query. `limit` is 1–1000 (default 50), `offset` ≥ 0 (default 0);
 * anything else fails with `invalid_input`.
 */
export interface PageRequest {
  /** Rows per page, 1–1000. Default 50. */
  limit?: number;
  /** Rows to skip. Default 0. */
  offset?: number;
}

/** One page of a list: the total count matching the filters, and this page's rows. */
export interface Page<T> {
  /** How many rows match the filters, on every page. */
  total: number;
  /** The rows of this page, in the requested order. */
  items: T[];
}

/**
 * How a retention delete runs: in batches of `batchSize` rows (default 1000, at most 10,000),
 * each its own short transaction so readers and writers are never blocked for long, stopping
 * after `maxBatches` batches (default: until nothing is left).
 */
export interface RetentionOptions {
  /** Rows per batch, 1–10,000. Default 1000. */
  batchSize?: number;
  /** Stop after this many batches. Default: no limit. */
  maxBatches?: number;
}
