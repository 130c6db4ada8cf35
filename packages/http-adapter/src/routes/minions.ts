import { MinionDetail, MinionIdParams, MinionList, MinionStats, MinionsQuery } from '@halite/core';
import { haliteRoute, NoQuery } from './define.js';

/** Minion reads: every one is served from the Store. */
export const minionRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/minions',
    permission: 'view:minion:*',
    summary: 'List minions: search, status and OS filters, sort, paging',
    tags: ['minions'],
    query: MinionsQuery,
    response: MinionList,
    handler: ({ app, query }) => app.minions.list(query),
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/minions/stats',
    permission: 'view:minion:*',
    summary: 'Minion counts by status, OS family and Salt version',
    tags: ['minions'],
    query: NoQuery,
    response: MinionStats,
    handler: ({ app }) => app.minions.stats(),
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/minions/:minion_id',
    permission: ({ params }) => `view:minion:${params.minion_id}`,
    summary: 'One minion with its grains',
    tags: ['minions'],
    query: NoQuery,
    params: MinionIdParams,
    response: MinionDetail,
    errors: [404],
    handler: ({ app, params }) => app.minions.get(params.minion_id),
  }),
];
