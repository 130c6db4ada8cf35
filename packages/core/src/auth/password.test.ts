import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.js';

const cheap = { N: 2 ** 10 };

describe('hashPassword / verifyPassword', () => {
  it('verifies the password it hashed and refuses another', async () => {
    const hash = await hashPassword('correct horse', cheap);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('Correct horse', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', cheap)).not.toBe(await hashPassword('same', cheap));
  });

  it('uses N=2^17 by default', async () => {
    expect(await hashPassword('x')).toMatch(/^scrypt\$131072\$8\$1\$/);
  });

  const malformed = [
    '',
    'changeme',
    'argon2$x',
    'scrypt$1024$8$1$c2FsdA',
    'scrypt$1024$8$1$$AAAA',
    'scrypt$abc$8$1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'scrypt$1024$8$1$c2FsdA$AAAA',
    'scrypt$1073741824$8$1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'scrypt$1000$8$1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  ];
  it.each(malformed)('treats the malformed hash %j as a mismatch', async (hash) => {
    expect(await verifyPassword('x', hash)).toBe(false);
  });
});
