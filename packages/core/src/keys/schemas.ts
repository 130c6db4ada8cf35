import { z } from 'zod';
import { csv, PageQuery } from '../query-params.js';

/** A key's state on the master. */
export const KeyState = z.enum(['accepted', 'pending', 'rejected', 'denied']);

/**
 * A minion id as a key action takes it. Salt's key functions read `match` as a glob, so glob
 * characters are refused: `*` would accept every pending key at once.
 */
export const KeyId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^*?[\]!,\s]+$/, 'must be a single minion id (no glob characters, commas or spaces)');

/** Path of the key actions. */
export const KeyIdParams = z.object({ key_id: KeyId });

/** Query of `GET /api/keys`. Pending keys come first, then by id. */
export const KeyListQuery = PageQuery.extend({
  /** Any of these states. */
  status: csv(KeyState).optional(),
  /** Substring of the minion id. */
  search: z.string().max(255).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
}).strict();
/** Query of `GET /api/keys`. */
export type KeyListQuery = z.infer<typeof KeyListQuery>;

/** `GET /api/keys`. */
export const KeyList = z.object({
  total: z.number().int(),
  keys: z.array(z.object({ id: z.string(), status: KeyState })),
  counts: z.object({ accepted: z.number(), pending: z.number(), rejected: z.number(), denied: z.number() }),
  refreshed_at: z.string().nullable(),
});
/** `GET /api/keys`. */
export type KeyList = z.infer<typeof KeyList>;
