/**
 * The salt-api simulator: rest_cherrypy's wire format over a deterministic fleet of any size,
 * with faults on demand. For scale benchmarks and for trying the console at 50,000 minions.
 */
export { type SimEvent, saltStamp } from './events.js';
export {
  globToRegExp,
  jidAt,
  jidTime,
  type SimChurn,
  type SimChurnResult,
  SimFleet,
  type SimFleetOptions,
  type SimJob,
  type SimKeyState,
  type SimMinion,
  startTimeOf,
} from './fleet.js';
export { makeGrains, prng } from './grains.js';
export { pyJson, pyJsonBytes } from './py-json.js';
export {
  type SaltSimulator,
  type SaltSimulatorOptions,
  type SimFaults,
  type SimStats,
  startSaltSimulator,
} from './server.js';
export { type SpawnedSimulator, spawnSaltSimulator } from './spawn.js';
