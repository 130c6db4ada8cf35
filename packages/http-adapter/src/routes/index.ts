import { activityRoutes } from './activity.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { jobRoutes } from './jobs.js';
import { keyRoutes } from './keys.js';
import { minionRoutes } from './minions.js';
import { roleRoutes } from './roles.js';
import { saltFunctionRoutes } from './salt-functions.js';
import { settingsRoutes } from './settings.js';
import { systemRoutes } from './system.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';

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
  saltFunctionRoutes,
  activityRoutes,
  settingsRoutes,
  authRoutes,
  userRoutes,
  roleRoutes,
  tokenRoutes,
  auditRoutes,
] as const;
