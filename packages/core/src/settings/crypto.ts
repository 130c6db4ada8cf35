import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { HaliteError } from '../errors.js';

/** The least number of characters `HALITE_SECRET` must have. */
export const MIN_SECRET_LENGTH = 32;

const HKDF_INFO = 'halite/settings/salt-api-password';
const HKDF_SALT = 'halite/settings/v1';
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts and decrypts secrets kept in the settings row (the salt-api password) with
 * AES-256-GCM, under a key derived with HKDF-SHA256 from the server secret (`HALITE_SECRET`).
 * A blob is `v1:<base64 iv|tag|ciphertext>`; a fresh random IV per encryption.
 *
 * @example
 * ```ts
 * const cipher = SettingsCipher.fromSecret(process.env.HALITE_SECRET);
 * const blob = cipher.encrypt('salt-password');
 * cipher.decrypt(blob); // 'salt-password', or null after the secret was rotated
 * ```
 */
export class SettingsCipher {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /**
   * Derives the key from the server secret.
   * @throws HaliteError `invalid_input` when the secret is missing or shorter than 32 characters.
   */
  static fromSecret(secret: string | undefined): SettingsCipher {
    if (!secret || secret.length < MIN_SECRET_LENGTH) {
      throw new HaliteError(
        'invalid_input',
        `HALITE_SECRET must be set to at least ${MIN_SECRET_LENGTH} characters (it encrypts the salt-api password at rest)`,
        { details: { field: 'HALITE_SECRET' } },
      );
    }
    const key = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, 32));
    return new SettingsCipher(key);
  }

  /** Encrypts a UTF-8 string into a self-describing blob. */
  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /**
   * Decrypts a blob made by {@link SettingsCipher.encrypt}. Returns null when it cannot be read:
   * another secret (rotation), a damaged or foreign value. It never throws for those.
   */
  decrypt(blob: string): string | null {
    const [format, payload] = blob.split(':', 2);
    if (format !== FORMAT || !payload) return null;
    const raw = Buffer.from(payload, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return null;
    }
  }
}
