/**
 * Every failure Halite reports has one of these codes. The set is closed: callers (and the
 * HTTP layer, which maps each code to a status in one table) branch on `code` or on the
 * subclass, never on message text.
 */
export type HaliteErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'salt_unconfigured'
  | 'salt_unavailable'
  | 'salt_error'
  | 'store_error'
  | 'internal';

/** Options shared by every Halite error. */
export interface HaliteErrorOptions {
  /** The underlying error (driver, network, parser), kept for logs. */
  cause?: unknown;
  /** Structured, non-secret detail safe to return to an API caller (e.g. the failing field). */
  details?: unknown;
}

/**
 * Base class of every error Halite throws on purpose.
 *
 * @example
 * ```ts
 * try { await client.wheelCall('key.list_all'); }
 * catch (err) { if (err instanceof HaliteError && err.code === 'salt_unavailable') retryLater(); }
 * ```
 */
export class HaliteError extends Error {
  /** The closed code the HTTP layer maps to a status. */
  readonly code: HaliteErrorCode;
  /** Structured, non-secret detail (see {@link HaliteErrorOptions.details}). */
  readonly details: unknown;

  /**
   * @param code - the closed code the HTTP layer maps to a status
   * @param message - a message safe to show to an API caller (no secrets)
   * @param options - the cause (kept for logs) and structured details
   */
  constructor(code: HaliteErrorCode, message: string, options: HaliteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HaliteError';
    this.code = code;
    this.details = options.details;
  }
}
