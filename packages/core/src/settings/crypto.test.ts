import { describe, expect, it } from 'vitest';
import { HaliteError } from '../errors.js';
import { SettingsCipher } from './crypto.js';

const SECRET = 'a-server-secret-of-at-least-32-characters';

describe('SettingsCipher', () => {
  it('round-trips a password, unicode included', () => {
    const cipher = SettingsCipher.fromSecret(SECRET);
    const blob = cipher.encrypt('pässwörd ✓');
    expect(blob.startsWith('v1:')).toBe(true);
    expect(blob).not.toContain('pässwörd');
    expect(cipher.decrypt(blob)).toBe('pässwörd ✓');
  });

  it('uses a fresh IV each time, so equal passwords give different blobs', () => {
    const cipher = SettingsCipher.fromSecret(SECRET);
    expect(cipher.encrypt('same')).not.toBe(cipher.encrypt('same'));
  });

  it('cannot read a blob after the secret was rotated, and says so with null', () => {
    const blob = SettingsCipher.fromSecret(SECRET).encrypt('salt');
    expect(SettingsCipher.fromSecret(`${SECRET}-rotated`).decrypt(blob)).toBeNull();
  });

  it('returns null for damaged or foreign values instead of throwing', () => {
    const cipher = SettingsCipher.fromSecret(SECRET);
    const blob = cipher.encrypt('salt');
    const tampered = `${blob.slice(0, -4)}AAAA`;
    expect(cipher.decrypt(tampered)).toBeNull();
    expect(cipher.decrypt('gAAAAABfernet-token')).toBeNull();
    expect(cipher.decrypt('v1:')).toBeNull();
    expect(cipher.decrypt('v1:c2hvcnQ=')).toBeNull();
  });

  it.each([undefined, '', 'x'.repeat(31)])('refuses a secret that is missing or short (%j)', (secret) => {
    expect(() => SettingsCipher.fromSecret(secret)).toThrow(HaliteError);
    expect(() => SettingsCipher.fromSecret(secret)).toThrow(/HALITE_SECRET must be set to at least 32/);
  });
});
