export {
  type ActivityEventSource,
  type ConsumerBackoff,
  EventStreamConsumer,
  type EventStreamConsumerOptions,
  type EventStreamConsumerStatus,
} from './activity/consumer.js';
export { type EventBus, InProcessEventBus } from './activity/event-bus.js';
export {
  EventHub,
  type EventHubOptions,
  type HubMessage,
  type HubSubscription,
  type SubscribeOptions,
} from './activity/event-hub.js';
export { minionChangesFromEvents, persistActivity, toActivityInput } from './activity/ingest.js';
export {
  type DropReason,
  INTERNAL_JOB_FUNCTIONS,
  type NormalizeOptions,
  type NormalizeResult,
  normalizeSaltEvent,
} from './activity/normalize.js';
export {
  ActivityCategory,
  ActivityEventType,
  ActivityItem,
  ActivityList,
  ActivityQuery,
  type NormalizedEvent,
  type NormalizedJobReturn,
} from './activity/schemas.js';
export { ActivityService, toActivityItem } from './activity/service.js';
export { isSecretKey, REDACTED, redactSecrets, SECRET_KEYS } from './audit/redact.js';
export { AUDIT_CSV_COLUMNS, AuditService, auditToCsv } from './audit/service.js';
export { type BootstrapAdminOptions, bootstrapAdmin } from './auth/bootstrap.js';
export { hashPassword, type PasswordHashParams, verifyPassword } from './auth/password.js';
export type { HostAuthenticate, Principal } from './auth/principal.js';
export { hashSecret, newOpaqueSecret } from './auth/secret-hash.js';
export {
  AuthService,
  type AuthServiceOptions,
  type ClientInfo,
  type UserLoginResult,
} from './auth/service.js';
export { SessionService, type SessionServiceOptions, type ValidSession } from './auth/sessions.js';
export { LoginThrottle, type LoginThrottleOptions } from './auth/throttle.js';
export { API_TOKEN_PREFIX, TokenService } from './auth/tokens.js';
export { HaliteError, type HaliteErrorCode, type HaliteErrorOptions } from './errors.js';
export { type CreateHaliteOptions, createHalite, type Halite } from './halite.js';
export { JobFollowUp, type JobFollowUpOptions } from './jobs/follow-up.js';
export {
  type IngestJobsOptions,
  type IngestJobsResult,
  ingestJobs,
  isPlumbingJob,
  jobFromEvent,
  jobsFromListJobs,
} from './jobs/ingest.js';
export {
  FunctionName,
  JidParams,
  JobActivity,
  JobActivityQuery,
  JobDetail,
  JobDetailQuery,
  JobItem,
  JobList,
  JobResult,
  JobStarted,
  JobsQuery,
  RunCommand,
} from './jobs/schemas.js';
export { JobService } from './jobs/service.js';
export { KeyId, KeyIdParams, KeyList, KeyListQuery, KeyState } from './keys/schemas.js';
export { type KeyAction, KeyService } from './keys/service.js';
export { type LogFields, type Logger, silentLogger } from './logger.js';
export { isEmptyJsonObject, type RawGrains, splitCacheGrains } from './minions/grains-scan.js';
export { ingestGrains, ingestKeys, ingestPresence, loadDigests } from './minions/ingest.js';
export {
  type DenormalisedGrains,
  denormaliseGrains,
  grainsHash,
  type KeyBuckets,
  type MinionChanges,
  primaryIpv4,
  rawGrainsHash,
  reconcileGrains,
  reconcileKeys,
  reconcilePresence,
  reconcileRawGrains,
} from './minions/reconcile.js';
export {
  Freshness,
  MinionDetail,
  MinionIdParams,
  MinionItem,
  MinionList,
  MinionStats,
  MinionStatus as MinionStatusSchema,
  MinionsQuery,
} from './minions/schemas.js';
export { MinionService, STALE_AFTER_MS } from './minions/service.js';
export { csv, PageQuery } from './query-params.js';
export { BUILTIN_ROLES, type BuiltinRole, seedBuiltinRoles } from './rbac/builtin-roles.js';
export { can, canSome, permissionMatches, permissionStrings } from './rbac/permissions.js';
export { type IngestContext, RecentKeyDeletes } from './runtime/ingest-context.js';
export {
  PeriodicTask,
  type PeriodicTaskOptions,
  type PeriodicTaskStatus,
} from './runtime/periodic-task.js';
export {
  type PollerName,
  RuntimeConfig,
  type RuntimeConfigOptions,
  type RuntimeStatus,
  type SaltConnectionState,
} from './runtime/runtime-config.js';
// salt/: the salt-api client, its errors, response schemas and time helpers.
export {
  type LocalCallParams,
  SaltAPIClient,
  type SaltAPIClientOptions,
  type SaltCallOptions,
  type SaltEventSource,
  SaltEventStream,
  type SaltEventsOptions,
  type SaltLoginInfo,
  type SaltRunnerText,
} from './salt/client.js';
export {
  SaltAPIError,
  SaltAPIUnavailable,
  type SaltAPIUnavailableOptions,
  type SaltUnavailableReason,
  saltErrorMessage,
} from './salt/errors.js';
export {
  DEFAULT_MAX_EVENT_LINE,
  emptySaltEventStreamStats,
  type ReadSaltEventsOptions,
  readSaltEvents,
  type SaltEventStreamStats,
} from './salt/event-stream.js';
export {
  DEFAULT_SALT_RETRY,
  isRetryableIdempotentFailure,
  isRetryableSaltFailure,
  type SaltRetryAttempt,
  type SaltRetryOptions,
} from './salt/retry.js';
export {
  ActiveJob,
  ActiveJobsResult,
  GrainsMap,
  Jid,
  JobSummary,
  KeyChange,
  KeyLists,
  ListJobsResult,
  LocalAsyncResult,
  LocalResult,
  LoginPerms,
  LoginResponse,
  LoginResult,
  LowstateResponse,
  PresentMinions,
  SaltEvent,
  TargetType,
  WheelResponse,
} from './salt/schemas.js';
export { TOKEN_REFRESH_MARGIN_MS } from './salt/session.js';
export { formatSaltTime, jidToIso, parseJobStartTime, parseSaltTimestamp } from './salt/time.js';
export { MIN_SECRET_LENGTH, SettingsCipher } from './settings/crypto.js';
export {
  DEFAULT_POLLER_SETTINGS,
  PollerSettings,
  PollerSettingsUpdate,
  SaltConnectionTest,
  SaltConnectionTestResult,
  SaltEauth,
  SaltSettingsUpdate,
  SaltSettingsView,
  SettingsView,
} from './settings/schemas.js';
export {
  SettingsService,
  type SettingsServiceOptions,
  type SetupStatus,
  toView as toSettingsView,
} from './settings/service.js';
// store/: the Store interface, its row types, StoreError, the Kysely schema, migrations and the
// shared query code every database adapter runs (createKyselyStore).
export {
  type ActivityEvent,
  type ActivityEventInput,
  type ActivityEventsTable,
  type ActivityFilter,
  type ActivityListQuery,
  type ActivityStore,
  type ApiToken,
  type ApiTokenInput,
  type ApiTokenStore,
  type ApiTokensTable,
  type AppSettings,
  type AppSettingsPatch,
  type AppSettingsTable,
  type AuditDecision,
  type AuditEntry,
  type AuditEntryInput,
  type AuditListQuery,
  type AuditLogTable,
  type AuditStore,
  type ChangeFeature,
  createKyselyStore,
  type Database,
  type DbBool,
  type DbBoolDefault,
  type DbCount,
  type DbJson,
  type DbSerial,
  type DbTime,
  DEFAULT_APP_SETTINGS,
  DEFAULT_JSON_LIMITS,
  DEFAULT_PAGE_SIZE,
  type FacetCount,
  type HourCount,
  type IngestMarksTable,
  type JobFilter,
  type JobInput,
  type JobListQuery,
  type JobRecord,
  type JobReturn,
  type JobReturnInput,
  type JobReturnsTable,
  type JobSortField,
  type JobStatus,
  type JobStore,
  type JobsIndexTable,
  type JobUpsertResult,
  type JsonLimits,
  type JsonObject,
  type JsonValue,
  type KeyStatus,
  type KyselyStoreOptions,
  MAX_ID_LIST,
  MAX_PAGE_SIZE,
  MIGRATION_LOCK_TABLE,
  MIGRATION_TABLE,
  type MinionChangeSet,
  type MinionDigest,
  type MinionFacet,
  type MinionFields,
  type MinionFilter,
  type MinionInsert,
  type MinionListQuery,
  type MinionPatch,
  type MinionRefreshTimes,
  type MinionSnapshot,
  type MinionSnapshotsTable,
  type MinionSortField,
  type MinionSource,
  type MinionStatus,
  type MinionStore,
  type MinionSummary,
  normalizeTime,
  type Page,
  type PageRequest,
  type Permission,
  type PermissionInput,
  type PermissionsTable,
  READ_CACHE_DEFAULTS,
  ReadCache,
  type ReadCacheOptions,
  type ReconcileResult,
  type RetentionOptions,
  type Role,
  type RoleDetail,
  type RoleInput,
  type RoleStore,
  type RolesTable,
  type SchemaStatus,
  type Session,
  type SessionInput,
  type SessionStore,
  type SessionsTable,
  type SettingsStore,
  type SortOrder,
  STORE_LIMITS,
  type Store,
  type StoreChanges,
  type StoreColumnTypes,
  StoreError,
  type StoreErrorKind,
  type StoreErrorOptions,
  type StoreFeatures,
  type StoreFlavor,
  StoreMigrationProvider,
  storeMigrations,
  type TimeInput,
  type User,
  type UserCredentials,
  type UserInput,
  type UserListQuery,
  type UserPatch,
  type UserRolesTable,
  type UserStore,
  type UsersTable,
  utf8Bytes,
} from './store/index.js';
