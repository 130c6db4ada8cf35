import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderApiTypes, SCHEMA_FILE } from '../../scripts/openapi-types';

describe('the committed API types', () => {
  it('match the routes (run `pnpm --filter @halite/console gen:api` after changing a route)', async () => {
    const committed = await readFile(fileURLToPath(new URL(`../../${SCHEMA_FILE}`, import.meta.url)), 'utf8');
    expect(committed === (await renderApiTypes()), `${SCHEMA_FILE} is stale`).toBe(true);
  });
});
