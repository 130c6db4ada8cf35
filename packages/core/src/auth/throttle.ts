/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures allowed per username within the window. Default 5. */
  maxPerUsername?: number;
  /** Failures allowed per client address within the window. Default 20. */
  maxPerAddress?: number;
  /** The window, ms. Default 15 minutes. */
  windowMs?: number;
  /** Most keys remembered; the oldest are forgotten first. Default 10 000. */
  maxEntries?: number;
  /** The clock (tests). */
  now?: () => Date;
}

interface Bucket {
  count: number;
  resetAt: number;
}

/**
 * Counts failed logins per username (case-insensitively) and per client address in a fixed
 * window, in a bounded in-memory map. Refusals look the same whether or not the user exists.
 *
 * @example
 * ```ts
 * const throttle = new LoginThrottle();
 * if (!throttle.allows(username, ip)) return tooManyAttempts();
 * if (!ok) throttle.recordFailure(username, ip); else throttle.recordSuccess(username);
 * ```
 */
export class LoginThrottle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxUser: number;
  readonly #maxAddress: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => Date;

  /** @param options - limits, window, bound and clock */
  constructor(options: LoginThrottleOptions = {}) {
    this.#maxUser = options.maxPerUsername ?? 5;
    this.#maxAddress = options.maxPerAddress ?? 20;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? (() => new Date());
  }

  /** How many keys are remembered (bounded by `maxEntries`). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Whether a login attempt for `username` from `address` may proceed. */
  allows(username: string, address: string): boolean {
    return (
      this.#count(`u:${username.toLowerCase()}`) < this.#maxUser &&
      this.#count(`a:${address}`) < this.#maxAddress
    );
  }

  /** Counts a failed attempt against both the username and the address. */
  recordFailure(username: string, address: string): void {
    this.#bump(`u:${username.toLowerCase()}`);
    this.#bump(`a:${address}`);
  }

  /** Clears the username's failures after a successful login (the address keeps its count). */
  recordSuccess(username: string): void {
    this.#buckets.delete(`u:${username.toLowerCase()}`);
  }

  #count(key: string): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return 0;
    if (bucket.resetAt <= this.#now().getTime()) {
      this.#buckets.delete(key);
      return 0;
    }
    return bucket.count;
  }

  #bump(key: string): void {
    const now = this.#now().getTime();
    const bucket = this.#buckets.get(key);
    if (bucket && bucket.resetAt > now) {
      bucket.count += 1;
      return;
    }
    this.#buckets.delete(key);
    while (this.#buckets.size >= this.#maxEntries) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest === undefined) break;
      this.#buckets.delete(oldest);
    }
    this.#buckets.set(key, { count: 1, resetAt: now + this.#windowMs });
  }
}
