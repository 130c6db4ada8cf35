/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are secrets, compared case-insensitively with `_` and `-` ignored (so
 * `newPassword`, `new_password` and `New-Password` are all caught).
 */
export const SECRET_KEYS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'pw',
  'secret',
  'token',
  'apikey',
  'authorization',
  'newpassword',
  'currentpassword',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'cookie',
  'sessionid',
  'privatekey',
]);

const SECRET_KEY_SET = new Set(SECRET_KEYS);

/** Whether an object key names a secret (see {@link SECRET_KEYS}). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_SET.has(key.toLowerCase().replace(/[_-]/g, ''));
}

/**
 * A copy of `value` with the value of every secret key replaced by `[REDACTED]`, at any depth
 * (objects inside arrays inside objects…). Pure: the input is not changed. Cycles become
 * `'[Circular]'`; non-plain values (dates, buffers) are kept as JSON would render them.
 *
 * @example
 * ```ts
 * redactSecrets({ user: 'a', auth: { password: 'x' }, list: [{ token: 't' }] });
 * // { user: 'a', auth: { password: '[REDACTED]' }, list: [{ token: '[REDACTED]' }] }
 * ```
 */
export function redactSecrets(value: unknown): unknown {
  return redact(value, new WeakSet());
}

function redact(value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (Array.isArray(value)) {
    seen.add(value);
    const out = value.map((item) => redact(item, seen));
    seen.delete(value);
    return out;
  }
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return redact(withJson.toJSON(), seen);
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? REDACTED : redact(item, seen);
  }
  seen.delete(value);
  return out;
}
