import { KeyIdParams, KeyList, KeyListQuery } from '@halite/core';
import { haliteRoute, NoQuery } from './define.js';

/** Keys: the list from the Store; accept, reject and delete go to salt-api. */
export const keyRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/keys',
    permission: 'view:key:*',
    summary: 'List keys, pending first, with counts per state',
    tags: ['keys'],
    query: KeyListQuery,
    response: KeyList,
    handler: ({ app, query }) => app.keys.list(query),
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/keys/:key_id/accept',
    permission: ({ params }) => `accept:key:${params.key_id}`,
    summary: 'Accept a key (pending, rejected or denied)',
    tags: ['keys'],
    query: NoQuery,
    params: KeyIdParams,
    status: 204,
    errors: [404, 502, 503],
    handler: async ({ app, params }) => {
      await app.keys.act('accept', params.key_id);
      return null;
    },
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/keys/:key_id/reject',
    permission: ({ params }) => `reject:key:${params.key_id}`,
    summary: 'Reject a key (pending, accepted or denied)',
    tags: ['keys'],
    query: NoQuery,
    params: KeyIdParams,
    status: 204,
    errors: [404, 502, 503],
    handler: async ({ app, params }) => {
      await app.keys.act('reject', params.key_id);
      return null;
    },
  }),
  haliteRoute({
    method: 'DELETE',
    path: '/api/keys/:key_id',
    permission: ({ params }) => `delete:key:${params.key_id}`,
    summary: 'Delete a key (idempotent)',
    tags: ['keys'],
    query: NoQuery,
    params: KeyIdParams,
    status: 204,
    errors: [502, 503],
    handler: async ({ app, params }) => {
      await app.keys.act('delete', params.key_id);
      return null;
    },
  }),
];
