export { describeHostConformance, type HostMount, type HostMounter } from './host-conformance/index.js';
export type { LabUser } from './lab/config.js';
export { sweepStaleLabs } from './lab/daemon.js';
export { SaltLabError } from './lab/errors.js';
export { SaltEventRecorder, type WaitForEventOptions } from './lab/event-recorder.js';
export {
  DEFAULT_SALT_VERSION,
  type EnsureSaltOptions,
  ensureSaltInstalled,
  type SaltInstall,
  type SaltInstallRoute,
  saltCacheDir,
} from './lab/install.js';
export {
  type SaltCliResult,
  type SaltLab,
  type SaltLabOptions,
  type SaltLabUser,
  startSaltLab,
} from './lab/lab.js';
export {
  dropSchema,
  execInSchema,
  type PostgresServer,
  PostgresUnavailableError,
  type StartPostgresOptions,
  startPostgres,
  uniqueSchemaName,
} from './postgres/index.js';
export {
  type SaltSimulator,
  type SaltSimulatorOptions,
  type SimChurn,
  type SimFaults,
  SimFleet,
  type SimFleetOptions,
  type SimStats,
  type SpawnedSimulator,
  spawnSaltSimulator,
  startSaltSimulator,
} from './sim/index.js';
export {
  type ConformanceStoreOptions,
  describeStoreConformance,
  type StoreConformanceTarget,
  type StoreFixture,
} from './store-conformance/index.js';
