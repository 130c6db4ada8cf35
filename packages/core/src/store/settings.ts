/**
 * The application settings: one row (id 1), created with {@link DEFAULT_APP_SETTINGS} by the
 * first migration. The Store checks types and lengths only; the settings feature validates
 * ranges and meaning before it writes.
 */
export interface AppSettings {
  /** salt-api base URL, or `null` when Salt is not configured. */
  saltApiUrl: string | null;
  /** salt-api service account. */
  saltApiUsername: string | null;
  /** The service account's password, encrypted (AES-256-GCM) by the settings feature. */
  saltApiPasswordEncrypted: Uint8Array | null;
  /** Verify salt-api's TLS certificate. */
  saltApiVerify: boolean;
  /** salt-api eauth backend (`pam`, `sharedsecret`, `ldap`, `file`, `auto`). */
  saltApiEauth: string;
  /** Package inventory refresh interval in minutes; 0 disables. */
  inventoryRefreshMinutes: number;
  /** Delay before the first inventory refresh, seconds. */
  inventoryRefreshInitialDelaySeconds: number;
  /** Fleet health poll interval, seconds; 0 disables. */
  fleetPollIntervalSeconds: number;
  /** Jobs index poll interval, seconds; 0 disables. */
  jobsPollIntervalSeconds: number;
  /** Minion keys refresh interval, seconds; 0 disables. */
  minionKeysIntervalSeconds: number;
  /** Minion presence refresh interval, seconds; 0 disables. */
  minionPresenceIntervalSeconds: number;
  /** Minion grains refresh interval, seconds; 0 disables. */
  minionGrainsIntervalSeconds: number;
  /** Delay before the first minion refresh, seconds. */
  minionInitialDelaySeconds: number;
  /** Minions per `cache.grains` call of the grains refresh. */
  grainsChunkSize: number;
  /** How far back the first jobs poll looks, in hours. */
  jobsLookbackHours: number;
  /** Tail salt-api's event stream into the activity feed. */
  eventStreamEnabled: boolean;
  /** Days activity events are kept. */
  eventStreamRetentionDays: number;
  /** Days jobs and their returns are kept. */
  jobsRetentionDays: number;
  /** Days audit entries are kept. */
  auditRetentionDays: number;
  /** Activity widget: hide `job.new` dispatch events. */
  widgetHideDispatch: boolean;
  /** Activity widget: hide routine successful returns. */
  widgetHideRoutine: boolean;
  /** Activity widget: show job events. */
  widgetShowJobs: boolean;
  /** Activity widget: show key events. */
  widgetShowKeys: boolean;
  /** Activity widget: show minion events. */
  widgetShowMinions: boolean;
  /** Activity widget: events shown. */
  widgetEventCount: number;
  /** Activity widget: heartbeat window, minutes. */
  widgetHeartbeatMinutes: number;
  /** Log format (`json` or `text`). */
  logFormat: string;
  /** When the row was last written (UTC ISO string). */
  updatedAt: string;
}

/** Fields of {@link AppSettings} a caller may change; `updatedAt` is set by the Store. */
export type AppSettingsPatch = Partial<Omit<AppSettings, 'updatedAt'>>;

/** The settings of a new install (the reference product's defaults, plus retention days). */
export const DEFAULT_APP_SETTINGS: Readonly<Omit<AppSettings, 'updatedAt'>> = Object.freeze({
  saltApiUrl: null,
  saltApiUsername: null,
  saltApiPasswordEncrypted: null,
  saltApiVerify: true,
  saltApiEauth: 'pam',
  inventoryRefreshMinutes: 0,
  inventoryRefreshInitialDelaySeconds: 30,
  fleetPollIntervalSeconds: 0,
  jobsPollIntervalSeconds: 0,
  minionKeysIntervalSeconds: 300,
  minionPresenceIntervalSeconds: 60,
  minionGrainsIntervalSeconds: 300,
  minionInitialDelaySeconds: 10,
  grainsChunkSize: 250,
  jobsLookbackHours: 24,
  eventStreamEnabled: false,
  eventStreamRetentionDays: 30,
  jobsRetentionDays: 90,
  auditRetentionDays: 365,
  widgetHideDispatch: true,
  widgetHideRoutine: false,
  widgetShowJobs: true,
  widgetShowKeys: true,
  widgetShowMinions: true,
  widgetEventCount: 6,
  widgetHeartbeatMinutes: 60,
  logFormat: 'json',
});

/** The settings row. */
export interface SettingsStore {
  /** The current settings. */
  get(): Promise<AppSettings>;
  /** Change the given fields (`null` clears a nullable one) and return the new settings. */
  update(patch: AppSettingsPatch): Promise<AppSettings>;
}
