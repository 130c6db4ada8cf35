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
  type SubscribeOptions,
} from './activity/event-hub.js';
export {
  DEFAULT_MAX_RETURN_BYTES,
  type DropReason,
  INTERNAL_JOB_FUNCTIONS,
  type NormalizeOptions,
  type NormalizeResult,
  normalizeSaltEvent,
} from './activity/normalize.js';
export {
  ActivityCategory,
  ActivityEventType,
  type NormalizedEvent,
  type NormalizedJobReturn,
} from './activity/schemas.js';
export { HaliteError, type HaliteErrorCode, type HaliteErrorOptions } from './errors.js';
export { type LogFields, type Logger, silentLogger } from './logger.js';
export {
  PeriodicTask,
  type PeriodicTaskOptions,
  type PeriodicTaskStatus,
} from './runtime/periodic-task.js';
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
// store/: the Store interface, its row types, StoreError, the Kysely schema, migrations and the
// shared query code every database adapter runs (createKyselyStore).
