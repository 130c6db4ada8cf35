import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHalite } from '@halite/core';
import { createSqliteStore } from '@halite/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('rotating HALITE_SECRET', () => {
  it('makes the stored salt-api password unreadable: not set, Salt unconfigured, no crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halite-rotate-'));
    dirs.push(dir);
    const filename = join(dir, 'halite.sqlite');
    const first = await createSqliteStore({ filename });
    const before = await createHalite({ store: first, secret: 'a'.repeat(40) });
    // An unreachable salt-api: the save succeeds, the boot fails to log in (and will retry).
    const saved = await before.settings.updateSalt({
      url: 'http://127.0.0.1:1',
      username: 'halite',
      password: 'pw',
    });
    expect(saved.salt.password_set).toBe(true);
    await before.close();
    await first.close();

    const second = await createSqliteStore({ filename });
    const after = await createHalite({ store: second, secret: 'b'.repeat(40) });
    expect((await after.settings.get()).salt.password_set).toBe(false);
    expect(after.runtime.status().salt).toMatchObject({ state: 'unconfigured', missing: ['salt.password'] });
    expect(after.runtime.status().salt.detail).toMatch(/cannot be decrypted/);
    expect(() => after.runtime.saltOr503()).toThrow(/cannot be decrypted/);
    await after.close();
    await second.close();
  });
});
