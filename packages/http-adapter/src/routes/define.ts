import type { Halite } from '@halite/core';
import { z } from 'zod';
import { defineRouteFor } from '../route.js';

/** `defineRoute` with `context.app` typed as the running {@link Halite}. */
export const haliteRoute = defineRouteFor<Halite>();

/**
 * The query of a route that takes no query parameters: any parameter is a 400 naming it, as on
 * the routes that take some (their schemas are strict too), so a misspelt filter never goes
 * unnoticed.
 */
export const NoQuery = z.object({}).strict();
