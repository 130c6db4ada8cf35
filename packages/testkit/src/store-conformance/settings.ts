import { DEFAULT_APP_SETTINGS } from '@halite/core';
import { describe, expect, it } from 'vitest';
import { expectStoreError, type Harness } from './harness.js';

export function settingsSuite(h: Harness): void {
  describe('settings', () => {
    it('starts with the defaults', async () => {
      const { store } = await h.store();
      const settings = await store.settings.get();
      const { updatedAt, ...rest } = settings;
      expect(rest).toEqual(DEFAULT_APP_SETTINGS);
      expect(updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    it('changes only the given fields and returns the new row', async () => {
      const { store, clock } = await h.store();
      const later = clock.advance(1000);
      const secret = new Uint8Array([0, 1, 2, 254, 255, 0]);
      const updated = await store.settings.update({
        saltApiUrl: 'https://salt.example.com:8000',
        saltApiUsername: 'halite',
        saltApiPasswordEncrypted: secret,
        saltApiVerify: false,
        eventStreamEnabled: true,
        minionPresenceIntervalSeconds: 0,
        logFormat: 'text',
      });
      expect(updated).toEqual({
        ...DEFAULT_APP_SETTINGS,
        saltApiUrl: 'https://salt.example.com:8000',
        saltApiUsername: 'halite',
        saltApiPasswordEncrypted: secret,
        saltApiVerify: false,
        eventStreamEnabled: true,
        minionPresenceIntervalSeconds: 0,
        logFormat: 'text',
        updatedAt: later,
      });
      expect(await store.settings.get()).toEqual(updated);
      const cleared = await store.settings.update({
        saltApiUrl: null,
        saltApiPasswordEncrypted: null,
        widgetEventCount: 12,
      });
      expect(cleared).toMatchObject({
        saltApiUrl: null,
        saltApiPasswordEncrypted: null,
        saltApiUsername: 'halite',
        widgetEventCount: 12,
      });
    });

    it('refuses wrong types with invalid_input and changes nothing', async () => {
      const { store } = await h.store();
      const before = await store.settings.get();
      for (const bad of [
        { saltApiVerify: 'yes' },
        { jobsPollIntervalSeconds: -1 },
        { widgetEventCount: 1.5 },
        { saltApiUrl: `https://${'x'.repeat(2100)}` },
        { saltApiPasswordEncrypted: 'not bytes' },
        { saltApiEauth: '' },
      ]) {
        await expectStoreError(
          store.settings.update({ minionGrainsIntervalSeconds: 1, ...(bad as object) }),
          'invalid_input',
        );
      }
      expect(await store.settings.get()).toEqual(before);
    });
  });
}
