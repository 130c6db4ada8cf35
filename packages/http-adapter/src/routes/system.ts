import { z } from 'zod';
import { haliteRoute } from './define.js';

/** `GET /readyz`. */
const Readiness = z.object({
  status: z.enum(['ready', 'degraded']),
  checks: z.object({ db: z.string(), salt: z.string() }),
});

/** Readiness: the database answers (503 when it does not); Salt's state is reported, not required. */
export const systemRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/readyz',
    permission: 'public',
    summary: 'Readiness: the database answers; Salt state reported',
    tags: ['system'],
    response: Readiness,
    errors: [503],
    handler: async ({ app }) => {
      const salt = app.runtime.status().salt.state;
      try {
        await app.store.ping();
      } catch (error) {
        const body = {
          status: 'degraded' as const,
          checks: { db: `error: ${(error as Error).message}`, salt },
        };
        return Response.json(body, { status: 503 });
      }
      return {
        status: salt === 'connected' ? ('ready' as const) : ('degraded' as const),
        checks: { db: 'ok', salt },
      };
    },
  }),
];
