import { Mutex } from 'async-mutex';
import { EventStreamConsumer, type EventStreamConsumerStatus } from '../activity/consumer.js';
import type { EventHub } from '../activity/event-hub.js';
import { persistActivity } from '../activity/ingest.js';
import { HaliteError } from '../errors.js';
import { ingestJobs } from '../jobs/ingest.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { ingestGrains, ingestKeys, ingestPresence } from '../minions/ingest.js';
import { SaltAPIClient, type SaltAPIClientOptions } from '../salt/client.js';
import { SaltAPIError, SaltAPIUnavailable } from '../salt/errors.js';
import type { SettingsCipher } from '../settings/crypto.js';
import type { ActivityEvent } from '../store/activity.js';
import type { AppSettings } from '../store/settings.js';
import type { Store } from '../store/store.js';
import { type IngestContext, RecentKeyDeletes } from './ingest-context.js';
import { PeriodicTask, type PeriodicTaskStatus } from './periodic-task.js';

/** Names of the background tasks the runtime runs. */
export type PollerName = 'minions.keys' | 'minions.presence' | 'minions.grains' | 'jobs';

/** Options of {@link RuntimeConfig}. */
export interface RuntimeConfigOptions {
  /** Where settings are read and everything is ingested. */
  store: Store;
  /** Decrypts the stored salt-api password. */
  cipher: SettingsCipher;
  /** Receives persisted activity events (the live feed); null to not publish. */
  hub: EventHub<ActivityEvent> | null;
  /** Where the runtime logs. */
  logger?: Logger;
  /** Makes the salt-api client (injectable for tests). */
  createClient?: (options: SaltAPIClientOptions) => SaltAPIClient;
  /** The clock (injectable for tests). */
  now?: () => Date;
  /** Retry of a boot whose login failed: first delay and longest delay in ms (default 5 s → 5 min). */
  bootRetry?: { initialMs: number; maxMs: number };
}

/** Where the salt-api connection stands. */
export type SaltConnectionState = 'unconfigured' | 'connecting' | 'connected' | 'failed';

/** The runtime's state, as the API shows it. */
export interface RuntimeStatus {
  /** The salt-api connection. */
  salt: {
    /** Where it stands. */
    state: SaltConnectionState;
    /** Settings fields still needed before Halite can talk to Salt (`salt.url`, …). */
    missing: string[];
    /** Why Salt is not usable, in words (null when connected). */
    detail: string | null;
    /** The configured salt-api URL. */
    url: string | null;
    /** The configured service account. */
    username: string | null;
    /** When the current connection was made (UTC ISO). */
    connected_at: string | null;
    /** When a salt-api call (a poll, an action) last got through, since the connection was made. */
    last_ok_at: string | null;
    /**
     * When a salt-api call last failed because salt-api could not be reached (or refused the
     * login, or answered 5xx); while this is later than `last_ok_at`, `state` is `failed`.
     */
    last_error_at: string | null;
  };
  /** Each background task. */
  pollers: PeriodicTaskStatus[];
  /** The event stream consumer, or null when the stream is disabled or Salt is not connected. */
  event_stream: EventStreamConsumerStatus | null;
}

interface Running {
  client: SaltAPIClient;
  abort: AbortController;
  tasks: Map<PollerName, PeriodicTask>;
  consumer: EventStreamConsumer | null;
}

/**
 * Owns the one salt-api client and every background task. It boots from the settings row,
 * rebuilds everything on {@link RuntimeConfig.reload} (serialized: two reloads never leave two
 * sets of pollers running), and degrades instead of crashing: with Salt unconfigured or
 * unreachable, `salt` is null, reads are served from the Store, and actions get a 503 from
 * {@link RuntimeConfig.saltOr503}. A boot whose login failed is retried with backoff.
 *
 * @example
 * ```ts
 * const runtime = new RuntimeConfig({ store, cipher, hub });
 * await runtime.boot();
 * const salt = runtime.saltOr503();            // in an action handler
 * await runtime.reload();                      // after a settings change
 * await runtime.close();
 * ```
 */
export class RuntimeConfig {
  /** Keys deleted through Halite lately (the keys pass leaves them out of a list fetched before). */
  readonly keyDeletes = new RecentKeyDeletes();
  readonly #o: RuntimeConfigOptions;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #mutex = new Mutex();
  #running: Running | null = null;
  #state: SaltConnectionState = 'unconfigured';
  #detail: string | null = 'Salt is not configured yet';
  #missing: string[] = ['salt.url', 'salt.username', 'salt.password'];
  #settings: AppSettings | null = null;
  #connectedAt: string | null = null;
  #lastOkAt: string | null = null;
  #lastFailure: { at: string; detail: string } | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retention: PeriodicTask | null = null;
  #retryDelay: number;
  #closed = false;

  constructor(options: RuntimeConfigOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
    this.#retryDelay = options.bootRetry?.initialMs ?? 5_000;
  }

  /** The live client, or null when Salt is unconfigured or unreachable at boot. */
  get salt(): SaltAPIClient | null {
    return this.#running?.client ?? null;
  }

  /** Reads the settings and starts the client, pollers and consumer they call for. */
  boot(): Promise<void> {
    if (!this.#retention && !this.#closed) {
      this.#retention = new PeriodicTask({
        name: 'retention',
        initialDelayMs: 60_000,
        intervalMs: 3_600_000,
        logger: this.#logger,
        run: () => this.#prune(),
      });
      this.#retention.start();
    }
    return this.#mutex.runExclusive(() => this.#build());
  }

  /** Tears everything down (waiting for ticks in flight) and builds it again from the settings row. */
  reload(): Promise<void> {
    return this.#mutex.runExclusive(async () => {
      this.#retryDelay = this.#o.bootRetry?.initialMs ?? 5_000;
      await this.#teardown();
      await this.#build();
    });
  }

  /** Stops everything for good (server shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#retention?.stop();
    await this.#mutex.runExclusive(() => this.#teardown());
  }

  /**
   * The client, for an action. Throws `salt_unconfigured` (503) when Salt is not configured and
   * `salt_unavailable` (503) when it is configured but could not be reached.
   */
  saltOr503(): SaltAPIClient {
    const client = this.salt;
    if (client) return client;
    if (this.#state === 'unconfigured') {
      throw new HaliteError('salt_unconfigured', this.#detail ?? 'Salt is not configured', {
        details: { missing: this.#missing },
      });
    }
    throw new HaliteError('salt_unavailable', this.#detail ?? 'salt-api is not reachable');
  }

  /**
   * Runs an action against Salt: {@link RuntimeConfig.saltOr503} first, then `fn`. Salt's own
   * errors already carry their codes (`salt_unavailable` → 503, `salt_error` → 502); anything
   * else unexpected from the client is reported as `salt_unavailable`, never as a bare 500.
   */
  async withSalt<T>(fn: (salt: SaltAPIClient) => Promise<T>): Promise<T> {
    const salt = this.saltOr503();
    try {
      return await fn(salt);
    } catch (error) {
      if (error instanceof HaliteError) throw error;
      this.#logger.warn('unexpected error from a salt-api call', { error: String(error) });
      throw new HaliteError('salt_unavailable', 'salt-api call failed', { cause: error });
    }
  }

  /** Asks the named pollers (default: keys and jobs) for a pass now. */
  triggerPollers(names: readonly PollerName[] = ['minions.keys', 'jobs']): void {
    for (const name of names) this.#running?.tasks.get(name)?.triggerNow();
  }

  /**
   * The connection, every task and the consumer. A connection whose latest salt-api call (a
   * poll, an action) could not reach salt-api is `failed`, with the reason in `detail`, until
   * a call gets through again: the login at boot is not the last word.
   */
  status(): RuntimeStatus {
    const settings = this.#settings;
    const lost = this.#state === 'connected' && this.#lastFailure !== null;
    return {
      salt: {
        state: lost ? 'failed' : this.#state,
        missing: [...this.#missing],
        detail: lost ? (this.#lastFailure?.detail ?? null) : this.#detail,
        url: settings?.saltApiUrl ?? null,
        username: settings?.saltApiUsername ?? null,
        connected_at: this.#connectedAt,
        last_ok_at: this.#lastOkAt,
        last_error_at: this.#lastFailure?.at ?? null,
      },
      pollers: [...(this.#running?.tasks.values() ?? []), ...(this.#retention ? [this.#retention] : [])].map(
        (t) => t.status(),
      ),
      event_stream: this.#running?.consumer?.status() ?? null,
    };
  }

  async #build(): Promise<void> {
    if (this.#closed) return;
    this.#clearRetry();
    const settings = await this.#o.store.settings.get();
    this.#settings = settings;
    const missing: string[] = [];
    if (!settings.saltApiUrl) missing.push('salt.url');
    if (!settings.saltApiUsername) missing.push('salt.username');
    let password: string | null = null;
    if (!settings.saltApiPasswordEncrypted) missing.push('salt.password');
    else {
      password = this.#o.cipher.decrypt(Buffer.from(settings.saltApiPasswordEncrypted).toString('utf8'));
      if (password === null) missing.push('salt.password');
    }
    this.#missing = missing;
    if (missing.length > 0 || !settings.saltApiUrl || !settings.saltApiUsername || password === null) {
      this.#state = 'unconfigured';
      this.#detail =
        settings.saltApiPasswordEncrypted && password === null
          ? 'The stored salt-api password cannot be decrypted (was HALITE_SECRET changed?); enter it again in Settings'
          : `Salt is not configured: set ${missing.join(', ')} in Settings`;
      this.#logger.info('salt not configured', { missing });
      return;
    }
    const make = this.#o.createClient ?? ((o: SaltAPIClientOptions) => new SaltAPIClient(o));
    const client = make({
      url: settings.saltApiUrl,
      username: settings.saltApiUsername,
      password,
      eauth: settings.saltApiEauth,
      verifyTls: settings.saltApiVerify,
      logger: this.#logger,
    });
    this.#state = 'connecting';
    try {
      await client.login();
    } catch (error) {
      this.#state = 'failed';
      const auth = error instanceof SaltAPIError && error.status === 401;
      this.#detail = auth
        ? `salt-api refused the credentials of ${settings.saltApiUsername} (eauth ${settings.saltApiEauth})`
        : `salt-api is not reachable: ${error instanceof Error ? error.message : String(error)}`;
      this.#logger.warn('salt-api login failed at boot; will retry', {
        detail: this.#detail,
        retry_ms: this.#retryDelay,
      });
      this.#scheduleRetry();
      return;
    }
    this.#retryDelay = this.#o.bootRetry?.initialMs ?? 5_000;
    this.#state = 'connected';
    this.#detail = null;
    this.#connectedAt = this.#now().toISOString();
    this.#lastOkAt = this.#connectedAt;
    this.#lastFailure = null;
    this.#running = this.#start(this.#observed(client), settings);
    this.#logger.info('salt-api connected', { url: settings.saltApiUrl, username: settings.saltApiUsername });
  }

  #start(client: SaltAPIClient, s: AppSettings): Running {
    const abort = new AbortController();
    const ctx = (signal: AbortSignal): IngestContext => ({
      salt: client,
      store: this.#o.store,
      signal,
      logger: this.#logger,
      now: this.#now,
      keyDeletes: this.keyDeletes,
    });
    const delay = s.minionInitialDelaySeconds * 1000;
    const task = (
      name: PollerName,
      intervalS: number,
      initialMs: number,
      run: (signal: AbortSignal) => Promise<unknown>,
    ) =>
      [
        name,
        new PeriodicTask({
          name,
          intervalMs: intervalS * 1000,
          initialDelayMs: initialMs,
          logger: this.#logger,
          run: async (sig) => void (await run(sig)),
        }),
      ] as const;
    const tasks = new Map<PollerName, PeriodicTask>([
      task('minions.keys', s.minionKeysIntervalSeconds, delay, (sig) => ingestKeys(ctx(sig))),
      // Presence and grains update rows the keys pass creates: start them a little later.
      task('minions.presence', s.minionPresenceIntervalSeconds, delay + 2_000, (sig) =>
        ingestPresence(ctx(sig)),
      ),
      task('minions.grains', s.minionGrainsIntervalSeconds, delay + 4_000, (sig) =>
        ingestGrains(ctx(sig), { chunkSize: s.grainsChunkSize }),
      ),
      task('jobs', s.jobsPollIntervalSeconds, 10_000, (sig) =>
        ingestJobs(ctx(sig), { lookbackHours: s.jobsLookbackHours }),
      ),
    ]);
    for (const t of tasks.values()) t.start();
    let consumer: EventStreamConsumer | null = null;
    if (s.eventStreamEnabled) {
      consumer = new EventStreamConsumer({
        source: client,
        sink: async (events) => void (await persistActivity(this.#o.store, this.#o.hub, events)),
        onReconnect: () => this.triggerPollers(),
        logger: this.#logger,
      });
      consumer.start();
    }
    return { client, abort, tasks, consumer };
  }

  /**
   * `client`, with the outcome of every call (polls, actions, the consumer's reconnects) noted
   * for {@link RuntimeConfig.status}: the login at boot is not the last word on reachability.
   */
  #observed(client: SaltAPIClient): SaltAPIClient {
    const proxy: SaltAPIClient = new Proxy(client, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result: unknown = value.apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (answer: unknown) => {
              this.#reached(proxy);
              return answer;
            },
            (error: unknown) => {
              this.#observeFailure(proxy, error);
              throw error;
            },
          );
        };
      },
    });
    return proxy;
  }

  /** A call through `client` got an answer from salt-api: it is reachable. */
  #reached(client: SaltAPIClient): void {
    if (this.#running?.client !== client) return; // a client torn down since
    this.#lastOkAt = this.#now().toISOString();
    if (this.#lastFailure) this.#logger.info('salt-api reachable again', { url: this.#settings?.saltApiUrl });
    this.#lastFailure = null;
  }

  /**
   * A call through `client` failed. salt-api unreachable, refusing the login or failing (5xx)
   * makes the connection `failed` until a call gets through; an answer that only says the call
   * failed (a wheel error, a bad argument) proves salt-api is reachable.
   */
  #observeFailure(client: SaltAPIClient, error: unknown): void {
    if (this.#running?.client !== client) return;
    let detail: string | null = null;
    if (error instanceof SaltAPIUnavailable) detail = `salt-api is not reachable: ${error.message}`;
    else if (error instanceof SaltAPIError && error.status === 401) {
      detail = `salt-api refused the credentials of ${this.#settings?.saltApiUsername ?? 'the service account'}`;
    } else if (error instanceof SaltAPIError && error.status >= 500) detail = error.message;
    else if (error instanceof SaltAPIError) {
      this.#reached(client);
      return;
    }
    if (detail === null) return;
    if (!this.#lastFailure) this.#logger.warn('salt-api call failed; Salt marked unavailable', { detail });
    this.#lastFailure = { at: this.#now().toISOString(), detail };
  }

  /** Retention runs whether or not Salt is reachable: it only needs the Store. */
  async #prune(): Promise<void> {
    const s = await this.#o.store.settings.get();
    const day = 86_400_000;
    const now = this.#now().getTime();
    const activity = await this.#o.store.activity.deleteOlderThan(
      new Date(now - s.eventStreamRetentionDays * day),
    );
    const jobs = await this.#o.store.jobs.deleteOlderThan(new Date(now - s.jobsRetentionDays * day));
    if (activity + jobs > 0) this.#logger.info('retention pruned', { activity, jobs });
  }

  async #teardown(): Promise<void> {
    this.#clearRetry();
    const running = this.#running;
    this.#running = null;
    this.#connectedAt = null;
    this.#lastOkAt = null;
    this.#lastFailure = null;
    if (!running) return;
    running.abort.abort();
    await Promise.all([...running.tasks.values()].map((t) => t.stop()));
    await running.consumer?.stop();
    // Best effort: free the salt-api session; a failure here must not block a reload.
    await running.client.logout({ signal: AbortSignal.timeout(2_000) }).catch(() => {});
    this.#state = 'unconfigured';
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(delay * 2, this.#o.bootRetry?.maxMs ?? 300_000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#mutex
        .runExclusive(() => (this.#running ? undefined : this.#build()))
        .catch((error: unknown) => {
          this.#logger.error('salt-api boot retry failed', { error: String(error) });
        });
    }, delay);
    this.#retryTimer.unref?.();
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }
}
