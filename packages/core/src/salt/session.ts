import { Mutex } from 'async-mutex';
import type { LoginResult } from './schemas.js';

/** Log in again when fewer than this many ms remain before the token expires. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

interface SessionState {
  readonly result: LoginResult;
  /** When the token expires, on our clock (ms). */
  readonly expiresAt: number;
}

/**
 * The salt-api session of one client: the current token, when to renew it, and a mutex so that
 * any number of concurrent callers cause one `/login` at a time. A caller that waited while
 * another caller's login failed gets that failure instead of trying again (20 callers with a
 * wrong password make one `/login`, not 20); an abort of the caller's own signal is not shared.
 */
export class SaltSession {
  readonly #login: (signal: AbortSignal | undefined) => Promise<LoginResult>;
  readonly #now: () => number;
  readonly #mutex = new Mutex();
  #current: SessionState | undefined;
  #attempts = 0;
  #inFlight = false;
  #lastFailure: { attempt: number; error: unknown } | undefined;

  constructor(login: (signal: AbortSignal | undefined) => Promise<LoginResult>, now: () => number) {
    this.#login = login;
    this.#now = now;
  }

  /** The current login result, if any (expired or not). */
  get current(): LoginResult | undefined {
    return this.#current?.result;
  }

  /** A token valid for at least the refresh margin: the current one, else a new login. */
  async token(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    if (current && this.#isFresh(current)) return current.result.token;
    const seen = this.#attemptsSeen();
    return this.#mutex.runExclusive(async () => {
      const again = this.#current;
      if (again && this.#isFresh(again)) return again.result.token;
      this.#rethrowFailureSince(seen);
      return (await this.#loginNow(signal)).token;
    });
  }

  /**
   * A token other than `rejected` (which salt-api answered 401 to): a login that happened
   * meanwhile, else a new one.
   */
  async renew(rejected: string, signal?: AbortSignal): Promise<string> {
    const seen = this.#attemptsSeen();
    return this.#mutex.runExclusive(async () => {
      const current = this.#current;
      if (current && current.result.token !== rejected && this.#isFresh(current)) return current.result.token;
      this.#rethrowFailureSince(seen);
      if (current?.result.token === rejected) this.#current = undefined;
      return (await this.#loginNow(signal)).token;
    });
  }

  /** Logs in now, whatever the current token. */
  async login(signal?: AbortSignal): Promise<LoginResult> {
    return this.#mutex.runExclusive(() => this.#loginNow(signal));
  }

  /** Forgets the token and hands it to `revoke` (if there was one). */
  async end(revoke: (token: string) => Promise<void>): Promise<void> {
    await this.#mutex.runExclusive(async () => {
      const current = this.#current;
      this.#current = undefined;
      if (current) await revoke(current.result.token);
    });
  }

  #isFresh(state: SessionState): boolean {
    return state.expiresAt - this.#now() >= TOKEN_REFRESH_MARGIN_MS;
  }

  /** Login attempts that finished or started before now, minus one in flight (whose outcome we share). */
  #attemptsSeen(): number {
    return this.#inFlight ? this.#attempts - 1 : this.#attempts;
  }

  #rethrowFailureSince(seen: number): void {
    const failure = this.#lastFailure;
    if (failure && failure.attempt > seen) throw failure.error;
  }

  async #loginNow(signal: AbortSignal | undefined): Promise<LoginResult> {
    const attempt = ++this.#attempts;
    const loggedInAt = this.#now();
    this.#inFlight = true;
    try {
      const result = await this.#login(signal);
      // The token's lifetime is measured on the master's clock (expire - start); counting it
      // from our own clock keeps a skewed master clock from making every token look expired.
      const lifetimeMs = (result.expire - result.start) * 1000;
      const expiresAt = lifetimeMs > 0 ? loggedInAt + lifetimeMs : result.expire * 1000;
      this.#current = { result, expiresAt };
      this.#lastFailure = undefined;
      return result;
    } catch (error) {
      this.#lastFailure = signal?.aborted ? undefined : { attempt, error };
      throw error;
    } finally {
      this.#inFlight = false;
    }
  }
}
