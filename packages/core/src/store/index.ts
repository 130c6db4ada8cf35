export type {
  ActivityEvent,
  ActivityEventInput,
  ActivityFilter,
  ActivityListQuery,
  ActivityStore,
} from './activity.js';
export type { AuditDecision, AuditEntry, AuditEntryInput, AuditListQuery, AuditStore } from './audit.js';
export type { ChangeFeature, StoreChanges } from './changes.js';
export { normalizeTime, utf8Bytes } from './codec.js';
export type { JsonLimits } from './context.js';
export { StoreError, type StoreErrorKind, type StoreErrorOptions } from './errors.js';
export type { StoreColumnTypes, StoreFlavor } from './flavor.js';
export type {
  HourCount,
  JobFilter,
  JobInput,
  JobListQuery,
  JobRecord,
  JobReturn,
  JobReturnInput,
  JobSortField,
  JobStatus,
  JobStore,
  JobUpsertResult,
} from './jobs.js';
export { createKyselyStore, DEFAULT_JSON_LIMITS, type KyselyStoreOptions } from './kysely-store.js';
export { DEFAULT_PAGE_SIZE, MAX_ID_LIST, MAX_PAGE_SIZE, STORE_LIMITS } from './limits.js';
export {
  MIGRATION_LOCK_TABLE,
  MIGRATION_TABLE,
  StoreMigrationProvider,
  storeMigrations,
} from './migrations.js';
export type {
  FacetCount,
  KeyStatus,
  MinionChangeSet,
  MinionDigest,
  MinionFacet,
  MinionFields,
  MinionFilter,
  MinionInsert,
  MinionListQuery,
  MinionPatch,
  MinionRefreshTimes,
  MinionSnapshot,
  MinionSortField,
  MinionSource,
  MinionStatus,
  MinionStore,
  MinionSummary,
  ReconcileResult,
} from './minions.js';
export { READ_CACHE_DEFAULTS, ReadCache, type ReadCacheOptions } from './read-cache.js';
export type {
  Permission,
  PermissionInput,
  Role,
  RoleDetail,
  RoleInput,
  RoleStore,
} from './roles.js';
export type {
  ActivityEventsTable,
  ApiTokensTable,
  AppSettingsTable,
  AuditLogTable,
  Database,
  DbBool,
  DbBoolDefault,
  DbCount,
  DbJson,
  DbSerial,
  DbTime,
  IngestMarksTable,
  JobReturnsTable,
  JobsIndexTable,
  MinionSnapshotsTable,
  PermissionsTable,
  RolesTable,
  SessionsTable,
  UserRolesTable,
  UsersTable,
} from './schema.js';
export {
  type AppSettings,
  type AppSettingsPatch,
  DEFAULT_APP_SETTINGS,
  type SettingsStore,
} from './settings.js';
export type { SchemaStatus, Store, StoreFeatures } from './store.js';
export type {
  JsonObject,
  JsonValue,
  Page,
  PageRequest,
  RetentionOptions,
  SortOrder,
  TimeInput,
} from './types.js';
export type {
  ApiToken,
  ApiTokenInput,
  ApiTokenStore,
  Session,
  SessionInput,
  SessionStore,
  User,
  UserCredentials,
  UserInput,
  UserListQuery,
  UserPatch,
  UserStore,
} from './users.js';
