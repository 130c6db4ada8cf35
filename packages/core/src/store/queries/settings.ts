import type { Kysely, Selectable, Updateable } from 'kysely';
import { z } from 'zod';
import { readBool, readNumber, readTime } from '../codec.js';
import type { StoreContext } from '../context.js';
import type { AppSettingsTable, Database } from '../schema.js';
import {
  type AppSettings,
  type AppSettingsPatch,
  DEFAULT_APP_SETTINGS,
  type SettingsStore,
} from '../settings.js';
import { bool, count, defined, LIMITS, name, parse, text } from '../validate.js';

type Kind = 'text' | 'bytes' | 'bool' | 'int';
type Field = keyof AppSettingsPatch;

/** Each settings field: its column and kind. */
const FIELDS: Record<Field, { column: keyof AppSettingsTable; kind: Kind }> = {
  saltApiUrl: { column: 'salt_api_url', kind: 'text' },
  saltApiUsername: { column: 'salt_api_username', kind: 'text' },
  saltApiPasswordEncrypted: { column: 'salt_api_password_encrypted', kind: 'bytes' },
  saltApiVerify: { column: 'salt_api_verify', kind: 'bool' },
  saltApiEauth: { column: 'salt_api_eauth', kind: 'text' },
  inventoryRefreshMinutes: { column: 'inventory_refresh_minutes', kind: 'int' },
  inventoryRefreshInitialDelaySeconds: { column: 'inventory_refresh_initial_delay_s', kind: 'int' },
  fleetPollIntervalSeconds: { column: 'fleet_poll_interval_seconds', kind: 'int' },
  jobsPollIntervalSeconds: { column: 'jobs_poll_interval_seconds', kind: 'int' },
  minionKeysIntervalSeconds: { column: 'minion_state_keys_interval_seconds', kind: 'int' },
  minionPresenceIntervalSeconds: { column: 'minion_state_presence_interval_seconds', kind: 'int' },
  minionGrainsIntervalSeconds: { column: 'minion_state_grains_interval_seconds', kind: 'int' },
  minionInitialDelaySeconds: { column: 'minion_state_initial_delay_seconds', kind: 'int' },
  grainsChunkSize: { column: 'grains_chunk_size', kind: 'int' },
  jobsLookbackHours: { column: 'jobs_lookback_hours', kind: 'int' },
  eventStreamEnabled: { column: 'event_stream_enabled', kind: 'bool' },
  eventStreamRetentionDays: { column: 'event_stream_retention_days', kind: 'int' },
  jobsRetentionDays: { column: 'jobs_retention_days', kind: 'int' },
  auditRetentionDays: { column: 'audit_retention_days', kind: 'int' },
  widgetHideDispatch: { column: 'widget_hide_dispatch', kind: 'bool' },
  widgetHideRoutine: { column: 'widget_hide_routine', kind: 'bool' },
  widgetShowJobs: { column: 'widget_show_jobs', kind: 'bool' },
  widgetShowKeys: { column: 'widget_show_keys', kind: 'bool' },
  widgetShowMinions: { column: 'widget_show_minions', kind: 'bool' },
  widgetEventCount: { column: 'widget_event_count', kind: 'int' },
  widgetHeartbeatMinutes: { column: 'widget_heartbeat_minutes', kind: 'int' },
  logFormat: { column: 'log_format', kind: 'text' },
};

const bytes = z
  .instanceof(Uint8Array)
  .refine((b) => b.byteLength <= 65_536, { message: 'at most 65536 bytes' });

const patchSchema = z
  .object({
    saltApiUrl: text(LIMITS.url).nullable(),
    saltApiUsername: text(LIMITS.username).nullable(),
    saltApiPasswordEncrypted: bytes.nullable(),
    saltApiVerify: bool,
    saltApiEauth: name(LIMITS.eauth),
    inventoryRefreshMinutes: count,
    inventoryRefreshInitialDelaySeconds: count,
    fleetPollIntervalSeconds: count,
    jobsPollIntervalSeconds: count,
    minionKeysIntervalSeconds: count,
    minionPresenceIntervalSeconds: count,
    minionGrainsIntervalSeconds: count,
    minionInitialDelaySeconds: count,
    grainsChunkSize: count,
    jobsLookbackHours: count,
    eventStreamEnabled: bool,
    eventStreamRetentionDays: count,
    jobsRetentionDays: count,
    auditRetentionDays: count,
    widgetHideDispatch: bool,
    widgetHideRoutine: bool,
    widgetShowJobs: bool,
    widgetShowKeys: bool,
    widgetShowMinions: bool,
    widgetEventCount: count,
    widgetHeartbeatMinutes: count,
    logFormat: name(LIMITS.logFormat),
  })
  .partial();

function toSettings(row: Selectable<AppSettingsTable>): AppSettings {
  const out: Record<string, unknown> = {};
  for (const [field, { column, kind }] of Object.entries(FIELDS)) {
    const value = row[column];
    if (value === null || value === undefined) out[field] = null;
    else if (kind === 'bool') out[field] = readBool(value);
    else if (kind === 'int') out[field] = readNumber(value);
    else if (kind === 'bytes') out[field] = new Uint8Array(value as Uint8Array);
    else out[field] = value;
  }
  out.updatedAt = readTime(row.updated_at);
  return out as unknown as AppSettings;
}

/** The Kysely implementation of {@link SettingsStore}. */
export function createSettingsQueries(db: Kysely<Database>, ctx: StoreContext): SettingsStore {
  async function read(): Promise<AppSettings> {
    const row = await db.selectFrom('app_settings').selectAll().where('id', '=', 1).executeTakeFirst();
    if (row) return toSettings(row);
    // Only a hand-edited database lacks the row: put the defaults back.
    const now = ctx.now();
    await db
      .insertInto('app_settings')
      .values({ id: 1, updated_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return { ...DEFAULT_APP_SETTINGS, updatedAt: now };
  }

  return {
    get: () => ctx.run('settings.get', read),

    update: (patch: AppSettingsPatch) =>
      ctx.run('settings.update', async () => {
        const valid = defined(parse(patchSchema, patch, 'settings'));
        await read();
        const set: Record<string, unknown> = { updated_at: ctx.now() };
        for (const [field, value] of Object.entries(valid)) {
          const { column, kind } = FIELDS[field as Field];
          set[column] =
            value === null
              ? null
              : kind === 'bool'
                ? ctx.bool(value as boolean)
                : kind === 'bytes'
                  ? Buffer.from(value as Uint8Array)
                  : value;
        }
        await db
          .updateTable('app_settings')
          .set(set as Updateable<AppSettingsTable>)
          .where('id', '=', 1)
          .execute();
        return read();
      }),
  };
}
