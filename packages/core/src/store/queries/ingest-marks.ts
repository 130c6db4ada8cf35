import type { Kysely } from 'kysely';
import { readTime } from '../codec.js';
import type { Database } from '../schema.js';

/** Record that an ingest source finished at `at` (a normalised ISO string). */
export async function markIngest(db: Kysely<Database>, source: string, at: string): Promise<void> {
  await db
    .insertInto('ingest_marks')
    .values({ source, refreshed_at: at })
    .onConflict((oc) =>
      oc.column('source').doUpdateSet((eb) => ({ refreshed_at: eb.ref('excluded.refreshed_at') })),
    )
    .execute();
}

/** When the given sources last finished, by source name. */
export async function readIngestMarks(
  db: Kysely<Database>,
  sources: readonly string[],
): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('ingest_marks')
    .selectAll()
    .where('source', 'in', [...sources])
    .execute();
  return new Map(rows.map((r) => [r.source, readTime(r.refreshed_at)]));
}
