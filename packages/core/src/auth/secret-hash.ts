import { createHash, randomBytes } from 'node:crypto';

/** A new unguessable secret (256 random bits, base64url), with an optional readable prefix. */
export function newOpaqueSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * The form in which session ids and API tokens are stored: SHA-256, hex. The secrets carry 256
 * random bits, so a fast hash is enough; what matters is that a leaked database row cannot be
 * replayed as a cookie or a bearer token.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
