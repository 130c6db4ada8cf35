import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters (OWASP's minimum for scrypt: N=2^17, r=8, p=1). */
export interface PasswordHashParams {
  /** CPU/memory cost, a power of two. Default 2^17. */
  N: number;
  /** Block size. Default 8. */
  r: number;
  /** Parallelism. Default 1. */
  p: number;
}

const DEFAULT_PARAMS: PasswordHashParams = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, params: PasswordHashParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * Hashes a password with scrypt and a random 16-byte salt, as
 * `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`; the string is all {@link verifyPassword} needs.
 *
 * @example
 * ```ts
 * const passwordHash = await hashPassword('correct horse battery staple');
 * await verifyPassword('correct horse battery staple', passwordHash); // true
 * ```
 */
export async function hashPassword(
  password: string,
  params: Partial<PasswordHashParams> = {},
): Promise<string> {
  const full = { ...DEFAULT_PARAMS, ...params };
  const salt = randomBytes(16);
  const key = await derive(password, salt, full);
  return ['scrypt', full.N, full.r, full.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Whether `password` matches a {@link hashPassword} string, compared in constant time. A
 * malformed hash is a mismatch, never an exception.
 */
export async function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  const parts = passwordHash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16)
    return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length === 0 || expected.length !== KEY_LENGTH) return false;
  let actual: Buffer;
  try {
    actual = await derive(password, salt, { N, r, p });
  } catch {
    return false;
  }
  return timingSafeEqual(actual, expected);
}
