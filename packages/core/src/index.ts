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
