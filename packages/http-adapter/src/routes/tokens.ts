import type { ApiToken } from '@halite/core';
import { z } from 'zod';
import { EntityId, userIdOf } from './auth.js';
import { haliteRoute, NoQuery } from './define.js';
import { PageQuery } from './users.js';

/** An API token as listed (never the secret). */
export const TokenSummary = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

function tokenSummary(token: ApiToken): z.input<typeof TokenSummary> {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    last_used_at: token.lastUsedAt,
    revoked_at: token.revokedAt,
  };
}

/** One's own API tokens: they act with one's roles. */
export const tokenRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/tokens',
    permission: 'authenticated',
    summary: 'List my API tokens',
    tags: ['tokens'],
    query: PageQuery,
    response: z.object({ total: z.number(), tokens: z.array(TokenSummary) }),
    handler: async ({ app, principal, query }) => {
      if (principal.userId === undefined) return { total: 0, tokens: [] };
      const page = await app.tokens.list(userIdOf(principal), query);
      return { total: page.total, tokens: page.items.map(tokenSummary) };
    },
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/tokens',
    permission: 'authenticated',
    summary: 'Create an API token; the token is in this answer only',
    tags: ['tokens'],
    query: NoQuery,
    body: z
      .object({ name: z.string().min(1).max(100), expires_at: z.iso.datetime().nullable().optional() })
      .strict(),
    response: TokenSummary.extend({ token: z.string() }),
    status: 201,
    errors: [409],
    handler: async ({ app, principal, body }) => {
      const { token, apiToken } = await app.tokens.create(userIdOf(principal), {
        name: body.name,
        expiresAt: body.expires_at ?? null,
      });
      return { ...tokenSummary(apiToken), token };
    },
  }),
  haliteRoute({
    method: 'DELETE',
    path: '/api/tokens/:token_id',
    permission: 'authenticated',
    summary: 'Revoke one of my API tokens',
    tags: ['tokens'],
    query: NoQuery,
    params: z.object({ token_id: EntityId }),
    status: 204,
    handler: async ({ app, principal, params }) => {
      await app.tokens.revoke(userIdOf(principal), params.token_id);
      return null;
    },
  }),
];
