import { EventHub, type EventHubOptions } from './activity/event-hub.js';
import { ActivityService } from './activity/service.js';
import { AuditService } from './audit/service.js';
import { bootstrapAdmin } from './auth/bootstrap.js';
import { hashPassword, type PasswordHashParams } from './auth/password.js';
import type { HostAuthenticate } from './auth/principal.js';
import { AuthService } from './auth/service.js';
import { SessionService, type SessionServiceOptions } from './auth/sessions.js';
import { LoginThrottle, type LoginThrottleOptions } from './auth/throttle.js';
import { TokenService } from './auth/tokens.js';
import { JobFollowUp, type JobFollowUpOptions } from './jobs/follow-up.js';
import { JobService } from './jobs/service.js';
import { KeyService } from './keys/service.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { MinionService } from './minions/service.js';
import { seedBuiltinRoles } from './rbac/builtin-roles.js';
import { RuntimeConfig } from './runtime/runtime-config.js';
import type { SaltAPIClient, SaltAPIClientOptions } from './salt/client.js';
import { SettingsCipher } from './settings/crypto.js';
import { SettingsService } from './settings/service.js';
import type { ActivityEvent } from './store/activity.js';
import { ReadCache, type ReadCacheOptions } from './store/read-cache.js';
import type { Store } from './store/store.js';

/** Options of {@link createHalite}. */
export interface CreateHaliteOptions {
  /** The database (`createSqliteStore` or `createPostgresStore`). It stays the caller's to close. */
  store: Store;
  /** The server secret (`HALITE_SECRET`, ≥ 32 characters): the key of the salt-api password at rest. */
  secret: string | undefined;
  /** Where Halite logs. Default: nowhere. */
  logger?: Logger;
  /** Ring and queue sizes of the live event hub, or another event bus. */
  eventHub?: Omit<EventHubOptions<ActivityEvent>, 'loadAfter'>;
  /** Run the Store's migrations first (default true). */
  migrate?: boolean;
  /** Start the pollers and the event consumer from the saved settings (default true). */
  boot?: boolean;
  /** Makes salt-api clients (tests, proxies). */
  createClient?: (options: SaltAPIClientOptions) => SaltAPIClient;
  /** The clock (tests). */
  now?: () => Date;
  /**
   * The host application's own login: resolves the principal of a request (`null`: nobody).
   * The HTTP handler asks it when a request has no Halite session cookie and no bearer token,
   * and the first-boot `admin` is then not created (built-in login becomes optional).
   *
   * **`async () => ({ id: 'host', name: 'host', permissions: ['*'], via: 'host' })` gives every
   * request every permission: only for embedding behind your own auth, and for tests.**
   */
  authenticate?: HostAuthenticate;
  /** The first-boot `admin` password (the server passes `HALITE_ADMIN_PASSWORD`); generated and logged once when absent. */
  adminPassword?: string | undefined;
  /** scrypt cost of new password hashes (tests lower `N`). Default N=2^17, r=8, p=1. */
  passwordHashing?: Partial<PasswordHashParams>;
  /** Session idle and absolute timeouts. */
  sessions?: Pick<SessionServiceOptions, 'idleTimeoutMs' | 'absoluteTimeoutMs'>;
  /** Failed-login limits. */
  loginThrottle?: Omit<LoginThrottleOptions, 'now'>;
  /**
   * The cache of list and count answers (minions, keys, jobs, their stats): identical reads
   * share one answer until a write through this Store or `ttlMs` (default 1000 ms); `false`
   * sends every read to the database. See {@link ReadCacheOptions}.
   */
  readCache?: ReadCacheOptions | false;
  /** The schedule on which jobs started or killed through Halite are checked until they finish. */
  jobFollowUp?: Pick<JobFollowUpOptions, 'delaysMs' | 'maxChecks' | 'maxJobs'>;
}

/**
 * A running Halite: the services every host (the HTTP handler, a portal, a script) calls. Reads
 * go to the Store; actions go through the runtime's salt-api client.
 */
export interface Halite {
  /** The database. */
  readonly store: Store;
  /** The salt-api client, pollers and event consumer. */
  readonly runtime: RuntimeConfig;
  /** The live activity feed (persisted events, fanned out to subscribers). */
  readonly hub: EventHub<ActivityEvent>;
  /** Where Halite logs. */
  readonly logger: Logger;
  /** Minion snapshots. */
  readonly minions: MinionService;
  /** Keys: list, accept, reject, delete. */
  readonly keys: KeyService;
  /** Job history, running commands, killing jobs. */
  readonly jobs: JobService;
  /** The activity feed. */
  readonly activity: ActivityService;
  /** Settings and the salt-api connection test. */
  readonly settings: SettingsService;
  /** Built-in accounts: login, logout, passwords, principals of sessions and tokens. */
  readonly auth: AuthService;
  /** Login sessions. */
  readonly sessions: SessionService;
  /** API tokens. */
  readonly tokens: TokenService;
  /** The audit log. */
  readonly audit: AuditService;
  /** The host application's login, when `createHalite` was given one. */
  readonly authenticate: HostAuthenticate | undefined;
  /** Stops the pollers and the consumer and ends every live subscription. The Store stays open. */
  close(): Promise<void>;
}

/**
 * Builds Halite on a Store: migrates it, reads the settings and, when Salt is configured, starts
 * the pollers (and the event consumer when enabled). With Salt unconfigured or unreachable it
 * still starts: reads serve what the Store has, actions answer 503.
 *
 * @example
 * ```ts
 * import { createHalite } from '@halite/core';
 * import { createSqliteStore } from '@halite/store-sqlite';
 *
 * const store = await createSqliteStore({ filename: 'halite.sqlite' });
 * const halite = await createHalite({ store, secret: process.env.HALITE_SECRET });
 * const { total, minions } = await halite.minions.list({ limit: 50, offset: 0, sort: 'id', order: 'asc' });
 * await halite.close();
 * await store.close();
 * ```
 */
export async function createHalite(options: CreateHaliteOptions): Promise<Halite> {
  const cipher = SettingsCipher.fromSecret(options.secret);
  const { store } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  if (options.migrate !== false) await store.migrate();
  const hub = new EventHub<ActivityEvent>({
    ...options.eventHub,
    loadAfter: (afterId, limit) => store.activity.after(afterId, { limit }),
  });
  const runtime = new RuntimeConfig({
    store,
    cipher,
    hub,
    logger,
    now,
    ...(options.createClient ? { createClient: options.createClient } : {}),
  });
  const reads = new ReadCache(store.changes, options.readCache ?? {}, () => now().getTime());
  const followUp = new JobFollowUp({ store, runtime, logger, now, ...options.jobFollowUp });
  const hash = (password: string) => hashPassword(password, options.passwordHashing);
  const sessions = new SessionService({ store, now, ...options.sessions });
  const tokens = new TokenService({ store, now });
  const audit = new AuditService({ store, now });
  const auth = new AuthService({
    store,
    sessions,
    tokens,
    audit,
    hash,
    now,
    throttle: new LoginThrottle({ ...options.loginThrottle, now }),
  });
  if (options.authenticate) await seedBuiltinRoles(store);
  else await bootstrapAdmin({ store, password: options.adminPassword, logger, hash });
  const halite: Halite = {
    store,
    runtime,
    hub,
    logger,
    minions: new MinionService(store, now, reads),
    keys: new KeyService(store, runtime, now, reads),
    jobs: new JobService(store, runtime, now, followUp, reads),
    activity: new ActivityService(store, hub, now),
    settings: new SettingsService({
      store,
      cipher,
      runtime,
      ...(options.createClient ? { createClient: options.createClient } : {}),
    }),
    auth,
    sessions,
    tokens,
    audit,
    authenticate: options.authenticate,
    async close() {
      followUp.close();
      await runtime.close();
      hub.close();
    },
  };
  if (options.boot !== false) await runtime.boot();
  return halite;
}
