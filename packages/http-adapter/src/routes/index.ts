import { activityRoutes } from './activity.js';
import { jobRoutes } from './jobs.js';
import { keyRoutes } from './keys.js';
import { minionRoutes } from './minions.js';
import { settingsRoutes } from './settings.js';
import { systemRoutes } from './system.js';

/**
 * Every feature's routes, one array per feature. A feature adds its routes by writing
 * `src/routes/<feature>.ts` (built with `haliteRoute`, i.e. `defineRouteFor<Halite>()`) and
 * appending the array here; `createHaliteHandler` serves them, `GET /api/openapi.json`
 * documents them, the router's auth hooks guard them.
 */
export const featureRoutes = [
  systemRoutes,
  minionRoutes,
  keyRoutes,
  jobRoutes,
  activityRoutes,
  settingsRoutes,
] as const;
