import { z } from 'zod';

/** A page request as the HTTP API takes it (`limit` 1–1000, default 50; `offset` ≥ 0). */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

/** A comma-separated list in a query string (`?status=online,offline`), or the same key repeated. */
export const csv = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s.length > 0))
    .pipe(z.array(item).max(50));
