import { type AuditEntry, auditToCsv } from '@halite/core';
import { z } from 'zod';
import { haliteRoute } from './define.js';

/** An audit row on the wire. */
export const AuditEntryOut = z.object({
  id: z.number(),
  at: z.string(),
  user_id: z.string().nullable(),
  username: z.string().nullable(),
  action: z.string(),
  resource: z.string(),
  args: z.unknown(),
  salt_jid: z.string().nullable(),
  decision: z.enum(['allow', 'deny']),
  result_code: z.number(),
  duration_ms: z.number(),
  client_address: z.string().nullable(),
});

/** `GET /api/audit` filters and paging. */
export const AuditQuery = z
  .object({
    user_id: z.string().min(1).max(255).optional(),
    action: z.string().min(1).max(128).optional(),
    decision: z.enum(['allow', 'deny']).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    client_address: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();

function entryOut(e: AuditEntry): z.input<typeof AuditEntryOut> {
  return {
    id: e.id,
    at: e.at,
    user_id: e.userId,
    username: e.username,
    action: e.action,
    resource: e.resource,
    args: e.args,
    salt_jid: e.saltJid,
    decision: e.decision,
    result_code: e.resultCode,
    duration_ms: e.durationMs,
    client_address: e.clientAddress,
  };
}

/** The audit log: read-only through the API. */
export const auditRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/audit',
    permission: 'view:audit:*',
    summary: 'The audit log, newest first, filtered and paged; `format=csv` for a CSV export',
    tags: ['audit'],
    query: AuditQuery,
    response: z.object({ total: z.number(), entries: z.array(AuditEntryOut) }),
    handler: async ({ app, query }) => {
      const { format, user_id, client_address, ...rest } = query;
      const page = await app.audit.list({
        ...rest,
        ...(user_id === undefined ? {} : { userId: user_id }),
        ...(client_address === undefined ? {} : { clientAddress: client_address }),
      });
      if (format === 'csv') {
        return new Response(auditToCsv(page.items), {
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': 'attachment; filename="halite-audit.csv"',
          },
        });
      }
      return { total: page.total, entries: page.items.map(entryOut) };
    },
  }),
];
