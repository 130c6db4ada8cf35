import { z } from 'zod';

/** The eauth backends salt-api commonly uses. */
export const SaltEauth = z.enum([
  'pam',
  'sharedsecret',
  'ldap',
  'file',
  'auto',
  'rest',
  'django',
  'mysql',
  'yubico',
]);
/** An eauth backend name. */
export type SaltEauth = z.infer<typeof SaltEauth>;

const saltApiUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2083)
  // Credentials belong in username/password (encrypted at rest), never in a URL that is shown and logged.
  .refine((url) => {
    if (!URL.canParse(url)) return true; // the URL check above already said so
    const parsed = new URL(url);
    return parsed.username === '' && parsed.password === '';
  }, 'must not contain credentials: use username and password')
  .transform((url) => url.replace(/\/+$/, ''));

const seconds = (max: number) => z.number().int().min(0).max(max);

/** Ranges of the poller and event-stream settings (an interval of 0 disables that poller). */
const pollerFields = {
  /** `wheel key.list_all` every N s. */
  minion_state_keys_interval_seconds: seconds(86_400),
  /** `runner manage.present` every N s. */
  minion_state_presence_interval_seconds: seconds(86_400),
  /** `runner cache.grains` every N s. */
  minion_state_grains_interval_seconds: seconds(86_400),
  /** Delay before the first minion-state pass after (re)start. */
  minion_state_initial_delay_seconds: seconds(3_600),
  /** Minions per `cache.grains` call. */
  grains_chunk_size: z.number().int().min(1).max(5_000),
  /** `runner jobs.list_jobs` every N s (0: the job index is fed by the event stream only). */
  jobs_poll_interval_seconds: seconds(86_400),
  /** How far back the first jobs pass looks, in hours. */
  jobs_lookback_hours: z.number().int().min(1).max(720),
  /** Follow salt-api `/events` into the activity feed. */
  event_stream_enabled: z.boolean(),
  /** Days of activity events kept. */
  event_stream_retention_days: z.number().int().min(1).max(365),
};

/**
 * Poller and event-stream settings with their defaults (the reference product's, plus our
 * grains chunk size and first-run look-back). Field names are the wire names of the settings API.
 */
export const PollerSettings = z.object({
  minion_state_keys_interval_seconds: pollerFields.minion_state_keys_interval_seconds.default(300),
  minion_state_presence_interval_seconds: pollerFields.minion_state_presence_interval_seconds.default(60),
  minion_state_grains_interval_seconds: pollerFields.minion_state_grains_interval_seconds.default(300),
  minion_state_initial_delay_seconds: pollerFields.minion_state_initial_delay_seconds.default(10),
  grains_chunk_size: pollerFields.grains_chunk_size.default(250),
  jobs_poll_interval_seconds: pollerFields.jobs_poll_interval_seconds.default(0),
  jobs_lookback_hours: pollerFields.jobs_lookback_hours.default(24),
  event_stream_enabled: pollerFields.event_stream_enabled.default(false),
  event_stream_retention_days: pollerFields.event_stream_retention_days.default(30),
});
/** Poller and event-stream settings. */
export type PollerSettings = z.infer<typeof PollerSettings>;

/** Every poller setting at its default. */
export const DEFAULT_POLLER_SETTINGS: PollerSettings = PollerSettings.parse({});

/** Body of `PUT /api/admin/settings/pollers`: any subset of the poller fields, nothing else. */
export const PollerSettingsUpdate = z
  .object(pollerFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field' });
/** A change to poller settings. */
export type PollerSettingsUpdate = z.infer<typeof PollerSettingsUpdate>;

/**
 * Body of `PUT /api/admin/settings/salt`: any subset of the connection. `url: null` clears the
 * connection (Salt becomes unconfigured); `password` is write-only.
 */
export const SaltSettingsUpdate = z
  .object({
    url: saltApiUrl.nullable(),
    username: z.string().trim().min(1).max(255).nullable(),
    password: z.string().min(1).max(1024).nullable(),
    verify: z.boolean(),
    eauth: SaltEauth,
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field' });
/** A change to the salt-api connection. */
export type SaltSettingsUpdate = z.infer<typeof SaltSettingsUpdate>;

/** Body of `POST /api/admin/settings/test-salt`: a connection to try without saving it. */
export const SaltConnectionTest = z
  .object({
    url: saltApiUrl,
    username: z.string().trim().min(1).max(255),
    password: z.string().min(1).max(1024),
    verify: z.boolean().default(true),
    eauth: SaltEauth.default('pam'),
  })
  .strict();
/** A connection to try. */
export type SaltConnectionTest = z.infer<typeof SaltConnectionTest>;

/** Result of a connection test. */
export const SaltConnectionTestResult = z.object({
  ok: z.boolean(),
  detail: z.string(),
  minion_count: z.number().int().nullable(),
});
/** Result of a connection test. */
export type SaltConnectionTestResult = z.infer<typeof SaltConnectionTestResult>;

/** The salt-api connection as the API shows it: never the password, only whether one is set. */
export const SaltSettingsView = z.object({
  url: z.string().nullable(),
  username: z.string().nullable(),
  password_set: z.boolean(),
  verify: z.boolean(),
  eauth: SaltEauth,
});
/** The salt-api connection as the API shows it. */
export type SaltSettingsView = z.infer<typeof SaltSettingsView>;

/** `GET /api/admin/settings`. */
export const SettingsView = z.object({
  salt: SaltSettingsView,
  pollers: PollerSettings,
  updated_at: z.string().nullable(),
});
/** All settings as the API shows them. */
export type SettingsView = z.infer<typeof SettingsView>;
