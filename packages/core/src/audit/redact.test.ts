import { describe, expect, it } from 'vitest';
import { isSecretKey, REDACTED, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  const cases: [string, unknown, unknown][] = [
    ['a primitive unchanged', 'password', 'password'],
    ['null unchanged', null, null],
    ['a top-level password', { username: 'a', password: 'x' }, { username: 'a', password: REDACTED }],
    ['nested keys', { salt: { url: 'u', password: 'p' } }, { salt: { url: 'u', password: REDACTED } }],
    ['objects in arrays', { list: [{ token: 't', id: 1 }] }, { list: [{ token: REDACTED, id: 1 }] }],
    [
      'any case and separator',
      { New_Password: 'a', 'api-key': 'b', ApiKey: 'c' },
      { New_Password: REDACTED, 'api-key': REDACTED, ApiKey: REDACTED },
    ],
    ['a secret object as a whole', { secret: { a: 1 } }, { secret: REDACTED }],
    ['non-secret look-alikes kept', { passwordSet: true, tokens: 3 }, { passwordSet: true, tokens: 3 }],
    ['arrays of arrays', [[{ pw: 'x' }]], [[{ pw: REDACTED }]]],
    [
      'run kwargs',
      { fun: 'cmd.run', kwarg: { authorization: 'Bearer x' } },
      { fun: 'cmd.run', kwarg: { authorization: REDACTED } },
    ],
  ];
  it.each(cases)('redacts %s', (_name, input, expected) => {
    expect(redactSecrets(input)).toEqual(expected);
  });

  it('does not change its input', () => {
    const input = { password: 'x', nested: { token: 'y' } };
    redactSecrets(input);
    expect(input).toEqual({ password: 'x', nested: { token: 'y' } });
  });

  it('renders cycles as [Circular] instead of recursing forever', () => {
    const input: Record<string, unknown> = { a: 1 };
    input.self = input;
    expect(redactSecrets(input)).toEqual({ a: 1, self: '[Circular]' });
  });

  it('renders dates as JSON would', () => {
    expect(redactSecrets({ at: new Date('2025-01-01T00:00:00Z') })).toEqual({
      at: '2025-01-01T00:00:00.000Z',
    });
  });

  it('knows the reference key list', () => {
    for (const key of [
      'password',
      'passwd',
      'pw',
      'secret',
      'token',
      'api_key',
      'apikey',
      'authorization',
      'new_password',
      'current_password',
    ]) {
      expect(isSecretKey(key)).toBe(true);
    }
    expect(isSecretKey('username')).toBe(false);
  });
});
