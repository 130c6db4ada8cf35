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
