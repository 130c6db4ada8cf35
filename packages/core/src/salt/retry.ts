import pRetry from 'p-retry';
import { SaltAPIError, SaltAPIUnavailable } from './errors.js';

/**
 * How the client retries a request that failed in a way worth retrying (see
 * {@link isRetryableSaltFailure}): exponential backoff, `minTimeout × factor^n` capped at
 * `maxTimeout`, no jitter.
 */
export interface SaltRetryOptions {
  /** Retries after the first attempt (default 3, so at most 4 requests). */
  retries?: number;
  /** Delay before the first retry, in ms (default 500). */
  minTimeout?: number;
  /** Longest delay between two attempts, in ms (default 4000). */
  maxTimeout?: number;
  /** Growth of the delay per retry (default 2). */
  factor?: number;
}

/** The contract: 3 retries after 0.5 s, 1 s and 2 s (factor 2, never more than 4 s apart). */
export const DEFAULT_SALT_RETRY: Readonly<Required<SaltRetryOptions>> = Object.freeze({
  retries: 3,
  minTimeout: 500,
  maxTimeout: 4000,
  factor: 2,
});

/**
 * Whether a failed request is retried:
 *
 * - a 5xx answer, except 504 (a synchronous runner that already ran for salt-api's
 *   `rest_timeout`; repeating it would run it again and wait as long again);
 * - a refused connection, or a temporary DNS failure (`EAI_AGAIN`): the request never reached
 *   salt-api, so repeating it cannot run anything twice.
 *
 * Not retried: 4xx (401 is handled by a re-login instead), timeouts (the request may be running,
 * and each attempt already waited `timeoutMs`), TLS failures, unknown hosts, connections reset
 * mid-request (a `local_async` may have been published), and answers of the wrong shape.
 */
export function isRetryableSaltFailure(error: unknown): boolean {
  if (error instanceof SaltAPIError) return error.status >= 500 && error.status !== 504;
  if (error instanceof SaltAPIUnavailable) {
    return error.reason === 'connection_refused' || (error.reason === 'dns' && hasCode(error, 'EAI_AGAIN'));
  }
  return false;
}

/**
 * {@link isRetryableSaltFailure}, plus a connection reset: for requests that are safe to repeat
 * whatever happened to the first one (`/login` mints a new token, it runs nothing), such as
 * while salt-api restarts.
 */
export function isRetryableIdempotentFailure(error: unknown): boolean {
  return (
    isRetryableSaltFailure(error) ||
    (error instanceof SaltAPIUnavailable && error.reason === 'connection_reset')
  );
}

function hasCode(error: Error, code: string): boolean {
  let current: unknown = error.cause;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 8; depth++) {
    if ((current as { code?: unknown }).code === code) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** What the client reports (and logs) before each retry. */
export interface SaltRetryAttempt {
  /** The attempt that failed (1 for the first request). */
  attemptNumber: number;
  /** Retries still allowed. */
  retriesLeft: number;
  /** Why it failed. */
  error: Error;
}

/**
 * Runs `attempt` and retries it per {@link isRetryableSaltFailure} with p-retry. The last
 * failure is rethrown as is; an abort of `signal` stops the waiting at once.
 */
export function withSaltRetry<T>(
  attempt: () => Promise<T>,
  options: {
    retry?: SaltRetryOptions | undefined;
    signal?: AbortSignal | undefined;
    onRetry?: ((attempt: SaltRetryAttempt) => void) | undefined;
    /** Which failures are retried (default {@link isRetryableSaltFailure}). */
    retryable?: ((error: unknown) => boolean) | undefined;
  } = {},
): Promise<T> {
  const retryable = options.retryable ?? isRetryableSaltFailure;
  const policy = { ...DEFAULT_SALT_RETRY, ...options.retry };
  return pRetry(attempt, {
    retries: policy.retries,
    minTimeout: policy.minTimeout,
    maxTimeout: policy.maxTimeout,
    factor: policy.factor,
    randomize: false,
    unref: true,
    signal: options.signal,
    shouldRetry: ({ error }) => retryable(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && retryable(error)) {
        options.onRetry?.({ attemptNumber, retriesLeft, error });
      }
    },
  });
}
