import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { StoreContext } from './context.js';
import { StoreError } from './errors.js';
import type { StoreFlavor } from './flavor.js';

const flavor = (overrides: Partial<StoreFlavor>): StoreFlavor =>
  ({
    name: 'test',
    maxBindParams: 32_766,
    maxRowsPerStatement: 1_000_000,
    classifyError: (error: unknown) =>
      (error as { code?: string }).code === 'DUP' ? 'unique_violation' : undefined,
    ...overrides,
  }) as StoreFlavor;

const context = (f: StoreFlavor) =>
  new StoreContext({
    flavor: f,
    schema: undefined,
    logger: silentLogger,
    now: () => new Date(0),
    limits: { maxJsonBytes: 1, maxPayloadBytes: 1, maxReturnBytes: 1 },
  });

describe('StoreContext', () => {
  it('sizes batches under the bind-parameter limit, then under the row cap', () => {
    expect(context(flavor({ maxBindParams: 32_766 })).rowsPerStatement(21)).toBe(1560);
    expect(context(flavor({ maxBindParams: 65_535 })).rowsPerStatement(21)).toBe(3120);
    expect(context(flavor({ maxBindParams: 65_535 })).rowsPerStatement(20, 1)).toBe(3276);
    expect(context(flavor({ maxBindParams: 65_535, maxRowsPerStatement: 500 })).rowsPerStatement(21)).toBe(
      500,
    );
    expect(context(flavor({ maxBindParams: 10 })).rowsPerStatement(21)).toBe(1);
    expect(context(flavor({ maxBindParams: 65_535 })).keysPerStatement(3)).toBe(65_532);
  });

  it('maps driver errors to StoreError kinds, keeps the cause, passes StoreErrors through', async () => {
    const ctx = context(flavor({}));
    const driver = Object.assign(new Error('duplicate key'), { code: 'DUP' });
    const mapped = await ctx.run('users.create', () => Promise.reject(driver)).catch((e: unknown) => e);
    expect(mapped).toBeInstanceOf(StoreError);
    expect(mapped).toMatchObject({
      kind: 'unique_violation',
      code: 'store_error',
      message: 'users.create: duplicate key',
    });
    expect((mapped as StoreError).cause).toBe(driver);
    const other = await ctx
      .run('x', () => Promise.reject(new Error('disk I/O error')))
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ kind: 'io' });
    const own = new StoreError('not_found', 'nope');
    expect(await ctx.run('x', () => Promise.reject(own)).catch((e: unknown) => e)).toBe(own);
    ctx.closed = true;
    expect(await ctx.run('x', async () => 1).catch((e: unknown) => e)).toMatchObject({ kind: 'unavailable' });
  });

  it('escapes LIKE wildcards in a search', () => {
    const ctx = context(flavor({ caseInsensitiveLike: 'ilike' }));
    const node = ctx.contains('summary', '50%_a\\b').toOperationNode() as unknown as {
      parameters: unknown[];
    };
    expect(JSON.stringify(node)).toContain('%50\\\\%\\\\_a\\\\\\\\b%');
  });
});
