import type { RuntimeConfig } from '../runtime/runtime-config.js';
import { SaltAPIClient, type SaltAPIClientOptions } from '../salt/client.js';
import { SaltAPIError } from '../salt/errors.js';
import { KeyLists } from '../salt/schemas.js';
import type { AppSettings, AppSettingsPatch } from '../store/settings.js';
import type { Store } from '../store/store.js';
import type { SettingsCipher } from './crypto.js';
import type {
  PollerSettings,
  PollerSettingsUpdate,
  SaltConnectionTest,
  SaltConnectionTestResult,
  SaltEauth,
  SaltSettingsUpdate,
  SettingsView,
} from './schemas.js';

/** Options of {@link SettingsService}. */
export interface SettingsServiceOptions {
  /** The settings row lives here. */
  store: Store;
  /** Encrypts the salt-api password at rest. */
  cipher: SettingsCipher;
  /** Reloaded after every change that affects Salt or the pollers. */
  runtime: RuntimeConfig;
  /** Makes the client a connection test uses (injectable for tests). */
  createClient?: (options: SaltAPIClientOptions) => SaltAPIClient;
}

/** Whether setup is complete, for the first-run wizard. */
export interface SetupStatus {
  /** True once URL, user and a readable password are saved. */
  configured: boolean;
  /** What is still needed (`salt.url`, `salt.username`, `salt.password`). */
  missing: string[];
  /** Why Salt is not usable right now, in words. */
  detail: string | null;
}

/**
 * Reads and changes the settings: validation happens at the edge (the zod schemas of
 * `settings/schemas.ts`); this service encrypts the password, never returns it, writes the
 * row, and reloads the runtime so the change takes effect without a restart.
 */
export class SettingsService {
  readonly #o: SettingsServiceOptions;

  constructor(options: SettingsServiceOptions) {
    this.#o = options;
  }

  /** Every setting, without the password (only whether one is set). */
  async get(): Promise<SettingsView> {
    return this.#view(await this.#o.store.settings.get());
  }

  /** Changes the salt-api connection, then reloads the runtime. */
  async updateSalt(update: SaltSettingsUpdate): Promise<SettingsView> {
    const patch: AppSettingsPatch = {};
    if (update.url !== undefined) patch.saltApiUrl = update.url;
    if (update.username !== undefined) patch.saltApiUsername = update.username;
    if (update.password !== undefined) {
      patch.saltApiPasswordEncrypted =
        update.password === null ? null : Buffer.from(this.#o.cipher.encrypt(update.password), 'utf8');
    }
    if (update.verify !== undefined) patch.saltApiVerify = update.verify;
    if (update.eauth !== undefined) patch.saltApiEauth = update.eauth;
    const saved = await this.#o.store.settings.update(patch);
    await this.#o.runtime.reload();
    return this.#view(saved);
  }

  /** Changes poller and event-stream settings, then reloads the runtime. */
  async updatePollers(update: PollerSettingsUpdate): Promise<SettingsView> {
    const saved = await this.#o.store.settings.update(pollerPatch(update));
    await this.#o.runtime.reload();
    return this.#view(saved);
  }

  /** Whether Salt is configured, and what is missing. */
  setupStatus(): SetupStatus {
    const { salt } = this.#o.runtime.status();
    return { configured: salt.missing.length === 0, missing: salt.missing, detail: salt.detail };
  }

  /** Logs in with the given connection (nothing is saved) and counts the accepted minions. */
  testConnection(input: SaltConnectionTest): Promise<SaltConnectionTestResult> {
    return this.#test({
      url: input.url,
      username: input.username,
      password: input.password,
      eauth: input.eauth,
      verifyTls: input.verify,
    });
  }

  /** The same test with the saved connection. */
  async testSaved(): Promise<SaltConnectionTestResult> {
    const s = await this.#o.store.settings.get();
    if (!s.saltApiUrl || !s.saltApiUsername) return fail('No saved salt-api connection.');
    if (!s.saltApiPasswordEncrypted) return fail('No saved salt-api password.');
    const password = this.#o.cipher.decrypt(Buffer.from(s.saltApiPasswordEncrypted).toString('utf8'));
    if (password === null) return fail('The saved salt-api password cannot be decrypted; enter it again.');
    return this.#test({
      url: s.saltApiUrl,
      username: s.saltApiUsername,
      password,
      eauth: s.saltApiEauth,
      verifyTls: s.saltApiVerify,
    });
  }

  /** The view, where `password_set` means a password this server can actually decrypt. */
  #view(s: AppSettings): SettingsView {
    const blob = s.saltApiPasswordEncrypted;
    const readable = blob !== null && this.#o.cipher.decrypt(Buffer.from(blob).toString('utf8')) !== null;
    return toView(s, readable);
  }

  async #test(options: SaltAPIClientOptions): Promise<SaltConnectionTestResult> {
    const make = this.#o.createClient ?? ((o: SaltAPIClientOptions) => new SaltAPIClient(o));
    const client = make({ ...options, timeoutMs: 10_000, retry: { retries: 0 } });
    try {
      await client.login();
    } catch (error) {
      const reason =
        error instanceof SaltAPIError && error.status === 401
          ? 'salt-api refused these credentials'
          : error instanceof Error
            ? error.message
            : String(error);
      return fail(`Login failed: ${reason}`);
    }
    try {
      const keys = await client.wheelCall('key.list_all', {}, { schema: KeyLists });
      return { ok: true, detail: 'Logged in.', minion_count: keys.minions.length };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: true, detail: `Logged in, but listing keys failed: ${reason}`, minion_count: null };
    } finally {
      await client.logout().catch(() => {});
    }
  }
}

/** Each poller setting's wire name → its column in the settings row. */
const POLLER_COLUMNS = {
  minion_state_keys_interval_seconds: 'minionKeysIntervalSeconds',
  minion_state_presence_interval_seconds: 'minionPresenceIntervalSeconds',
  minion_state_grains_interval_seconds: 'minionGrainsIntervalSeconds',
  minion_state_initial_delay_seconds: 'minionInitialDelaySeconds',
  grains_chunk_size: 'grainsChunkSize',
  jobs_poll_interval_seconds: 'jobsPollIntervalSeconds',
  jobs_lookback_hours: 'jobsLookbackHours',
  event_stream_enabled: 'eventStreamEnabled',
  event_stream_retention_days: 'eventStreamRetentionDays',
} as const satisfies Record<keyof PollerSettings, keyof AppSettings>;

function fail(detail: string): SaltConnectionTestResult {
  return { ok: false, detail, minion_count: null };
}

/**
 * The settings row as the API shows it. `passwordReadable`: whether the stored password can be
 * decrypted with this server's secret (after a secret rotation it cannot, and is not "set").
 */
export function toView(s: AppSettings, passwordReadable = s.saltApiPasswordEncrypted !== null): SettingsView {
  return {
    salt: {
      url: s.saltApiUrl,
      username: s.saltApiUsername,
      password_set: passwordReadable,
      verify: s.saltApiVerify,
      eauth: s.saltApiEauth as SaltEauth,
    },
    pollers: Object.fromEntries(
      Object.entries(POLLER_COLUMNS).map(([wire, column]) => [wire, s[column]]),
    ) as PollerSettings,
    updated_at: s.updatedAt,
  };
}

function pollerPatch(update: PollerSettingsUpdate): AppSettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const [wire, column] of Object.entries(POLLER_COLUMNS)) {
    const value = update[wire as keyof PollerSettings];
    if (value !== undefined) patch[column] = value;
  }
  return patch as AppSettingsPatch;
}
