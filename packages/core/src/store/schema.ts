import type { ColumnType, Generated } from 'kysely';

/**
 * A time column: written as a UTC ISO string, read back as a `Date` (pg, `timestamptz`) or the
 * ISO string itself (SQLite, `text`). The row mappers turn both into ISO strings.
 */
export type DbTime = ColumnType<Date | string, string, string>;
/** A boolean column: `boolean` on PostgreSQL, `0`/`1` on SQLite. */
export type DbBool = ColumnType<boolean | number, boolean | number, boolean | number>;
/** A JSON column: written as JSON text, read back parsed (pg) or as text (SQLite). */
export type DbJson = ColumnType<unknown, string, string>;
/** A boolean column with a database default (optional on insert). */
export type DbBoolDefault = ColumnType<boolean | number, boolean | number | undefined, boolean | number>;
/** A generated ascending id: a number (SQLite) or a bigint string (pg). Never written. */
export type DbSerial = ColumnType<number | string | bigint, never, never>;
/** A count from SQL: a number (SQLite) or a bigint string (pg). */
export type DbCount = number | string | bigint;

/** `minion_snapshots`: one row per minion key; grains last so narrow reads skip its pages. */
export interface MinionSnapshotsTable {
  /** Primary key. */
  minion_id: string;
  /** accepted | pending | rejected | denied. */
  key_status: string;
  /** Presence. */
  is_online: DbBool;
  /** Denormalised grain. */
  os: string | null;
  /** Denormalised grain. */
  os_family: string | null;
  /** Denormalised grain. */
  osrelease: string | null;
  /** Denormalised grain. */
  kernel: string | null;
  /** Denormalised grain. */
  kernelrelease: string | null;
  /** Denormalised grain. */
  virtual: string | null;
  /** Denormalised grain. */
  num_cpus: number | null;
  /** Denormalised grain (MiB). */
  mem_total: number | null;
  /** Denormalised grain. */
  saltversion: string | null;
  /** Primary IPv4. */
  primary_ip: string | null;
  /** Ingest's hash of the grains-derived content. */
  content_hash: string | null;
  /** Keys source's last write. */
  keys_refreshed_at: DbTime | null;
  /** Presence source's last write. */
  presence_refreshed_at: DbTime | null;
  /** Grains source's last write. */
  grains_refreshed_at: DbTime | null;
  /** First insert. */
  first_seen_at: DbTime;
  /** Last seen alive. */
  last_seen_at: DbTime | null;
  /** Last write. */
  updated_at: DbTime;
  /** The grains object. */
  grains: DbJson | null;
}

/** `ingest_marks`: when each ingest source last finished (minions.keys, jobs.poll, …). */
export interface IngestMarksTable {
  /** Primary key: the source's name. */
  source: string;
  /** When it last finished. */
  refreshed_at: DbTime;
}

/** `jobs_index`: one row per jid. */
export interface JobsIndexTable {
  /** Primary key. */
  jid: string;
  /** Salt function. */
  function: string;
  /** Target expression. */
  target: string;
  /** Target type. */
  target_type: string;
  /** Who started it. */
  user_name: string;
  /** Start time. */
  start_time: DbTime;
  /** End time. */
  end_time: DbTime | null;
  /** running | finished. */
  status: string;
  /** Minions targeted. */
  minion_count: number | null;
  /** Returns stored. */
  returned_count: number;
  /** Successful returns. */
  success_count: number;
  /** Failed returns. */
  failure_count: number;
  /** Any return stored. */
  has_returns: DbBool;
  /** Last seen by a poller or event. */
  seen_at: DbTime;
  /** Last write. */
  updated_at: DbTime;
  /** Arguments. */
  arguments: DbJson | null;
  /** Metadata. */
  metadata: DbJson | null;
  /** The Halite user who started it through Halite (null: started elsewhere). */
  initiator: string | null;
}

/** `job_returns`: one row per (jid, minion). */
export interface JobReturnsTable {
  /** Primary key part 1. */
  jid: string;
  /** Primary key part 2. */
  minion_id: string;
  /** Success, when known. */
  success: DbBool | null;
  /** Retcode, when known. */
  retcode: number | null;
  /** Size of the full return's JSON text. */
  return_bytes: number;
  /** Whether `return_json` was cut. */
  truncated: DbBool;
  /** When it arrived. */
  returned_at: DbTime;
  /** The (capped) return. */
  return_json: DbJson | null;
}

/** `activity_events`: the activity feed. */
export interface ActivityEventsTable {
  /** Ascending, never reused. */
  id: DbSerial;
  /** When. */
  occurred_at: DbTime;
  /** Category. */
  category: string;
  /** Event type. */
  event_type: string;
  /** Minion. */
  minion_id: string | null;
  /** Job. */
  jid: string | null;
  /** Function. */
  fun: string | null;
  /** Success. */
  success: DbBool | null;
  /** Changed. */
  changed: DbBool | null;
  /** Initiator. */
  initiator: string | null;
  /** Target. */
  target: string | null;
  /** Duration. */
  duration_ms: number | null;
  /** Summary line. */
  summary: string;
  /** Whether the payload was cut. */
  payload_truncated: DbBool;
  /** The raw event. */
  payload: DbJson | null;
}

/** `app_settings`: the singleton row (id = 1). */
export interface AppSettingsTable {
  /** Always 1. */
  id: number;
  /** salt-api URL. */
  salt_api_url: string | null;
  /** salt-api user. */
  salt_api_username: string | null;
  /** Encrypted password. */
  salt_api_password_encrypted: Uint8Array | null;
  /** TLS verify. */
  salt_api_verify: DbBoolDefault;
  /** eauth. */
  salt_api_eauth: Generated<string>;
  /** Minutes. */
  inventory_refresh_minutes: Generated<number>;
  /** Seconds. */
  inventory_refresh_initial_delay_s: Generated<number>;
  /** Seconds. */
  fleet_poll_interval_seconds: Generated<number>;
  /** Seconds. */
  jobs_poll_interval_seconds: Generated<number>;
  /** Seconds. */
  minion_state_keys_interval_seconds: Generated<number>;
  /** Seconds. */
  minion_state_presence_interval_seconds: Generated<number>;
  /** Seconds. */
  minion_state_grains_interval_seconds: Generated<number>;
  /** Seconds. */
  minion_state_initial_delay_seconds: Generated<number>;
  /** Minions per grains call. */
  grains_chunk_size: Generated<number>;
  /** Hours. */
  jobs_lookback_hours: Generated<number>;
  /** Event stream on. */
  event_stream_enabled: DbBoolDefault;
  /** Days. */
  event_stream_retention_days: Generated<number>;
  /** Days. */
  jobs_retention_days: Generated<number>;
  /** Days. */
  audit_retention_days: Generated<number>;
  /** Widget. */
  widget_hide_dispatch: DbBoolDefault;
  /** Widget. */
  widget_hide_routine: DbBoolDefault;
  /** Widget. */
  widget_show_jobs: DbBoolDefault;
  /** Widget. */
  widget_show_keys: DbBoolDefault;
  /** Widget. */
  widget_show_minions: DbBoolDefault;
  /** Widget. */
  widget_event_count: Generated<number>;
  /** Widget. */
  widget_heartbeat_minutes: Generated<number>;
  /** json | text. */
  log_format: Generated<string>;
  /** Last write. */
  updated_at: DbTime;
}

/** `users`. */
export interface UsersTable {
  /** Primary key. */
  id: string;
  /** As typed. */
  username: string;
  /** Lower-cased, unique. */
  username_lower: string;
  /** Password hash. */
  password_hash: string;
  /** Display name. */
  display_name: string;
  /** E-mail. */
  email: string | null;
  /** Lower-cased e-mail. */
  email_lower: string | null;
  /** Enabled. */
  is_active: DbBool;
  /** Built-in. */
  is_builtin: DbBool;
  /** Must change password. */
  must_change_pw: DbBool;
  /** Created. */
  created_at: DbTime;
  /** Last write. */
  updated_at: DbTime;
  /** Last login. */
  last_login_at: DbTime | null;
}

/** `sessions`. */
export interface SessionsTable {
  /** Primary key: hash of the session id. */
  id_hash: string;
  /** Owner. */
  user_id: string;
  /** Created. */
  created_at: DbTime;
  /** Expires. */
  expires_at: DbTime;
  /** Last used. */
  last_seen_at: DbTime;
  /** User agent. */
  user_agent: string;
  /** Client address. */
  ip: string;
}

/** `api_tokens`. */
export interface ApiTokensTable {
  /** Primary key. */
  id: string;
  /** Owner. */
  user_id: string;
  /** Name, unique per owner. */
  name: string;
  /** Hash of the token, unique. */
  token_hash: string;
  /** Display prefix. */
  prefix: string;
  /** Scopes. */
  scopes: DbJson | null;
  /** Created. */
  created_at: DbTime;
  /** Expires. */
  expires_at: DbTime | null;
  /** Last used. */
  last_used_at: DbTime | null;
  /** Revoked. */
  revoked_at: DbTime | null;
}

/** `roles`. */
export interface RolesTable {
  /** Primary key. */
  id: string;
  /** Unique name. */
  name: string;
  /** Description. */
  description: string;
  /** Built-in. */
  is_builtin: DbBool;
  /** Created. */
  created_at: DbTime;
}

/** `permissions`. */
export interface PermissionsTable {
  /** Primary key. */
  id: string;
  /** Role. */
  role_id: string;
  /** Verb glob. */
  verb: string;
  /** Resource glob. */
  resource_glob: string;
}

/** `user_roles`. */
export interface UserRolesTable {
  /** User. */
  user_id: string;
  /** Role. */
  role_id: string;
}

/** `audit_log`. */
export interface AuditLogTable {
  /** Ascending id. */
  id: DbSerial;
  /** When. */
  at: DbTime;
  /** Actor id. */
  user_id: string | null;
  /** Actor name. */
  username: string | null;
  /** Action. */
  action: string;
  /** Resource. */
  resource: string;
  /** Salt jid. */
  salt_jid: string | null;
  /** allow | deny. */
  decision: string;
  /** HTTP status. */
  result_code: number;
  /** Duration ms. */
  duration_ms: number;
  /** Redacted arguments. */
  args_json: DbJson | null;
  /** Where the request came from (added by migration 0002). */
  client_address: string | null;
}

/** The Kysely database type of Halite's schema: table name → row type. */
export interface Database {
  /** Minion snapshots. */
  minion_snapshots: MinionSnapshotsTable;
  /** Ingest source marks. */
  ingest_marks: IngestMarksTable;
  /** Jobs index. */
  jobs_index: JobsIndexTable;
  /** Job returns. */
  job_returns: JobReturnsTable;
  /** Activity feed. */
  activity_events: ActivityEventsTable;
  /** Settings singleton. */
  app_settings: AppSettingsTable;
  /** Users. */
  users: UsersTable;
  /** Sessions. */
  sessions: SessionsTable;
  /** API tokens. */
  api_tokens: ApiTokensTable;
  /** Roles. */
  roles: RolesTable;
  /** Permissions. */
  permissions: PermissionsTable;
  /** User-role assignments. */
  user_roles: UserRolesTable;
  /** Audit log. */
  audit_log: AuditLogTable;
}
