import { describe, expect, it } from 'vitest';
import { FUNCTION_PATTERN, parseArgs, parseKwargs } from './run-input';

describe('parseArgs', () => {
  it('splits one line on spaces, keeping quoted words whole', () => {
    expect(parseArgs('ls -la /tmp')).toEqual(['ls', '-la', '/tmp']);
    expect(parseArgs('"hello world" 2')).toEqual(['hello world', '2']);
    expect(parseArgs('"say \\"hi\\""')).toEqual(['say "hi"']);
  });

  it('takes each line as one argument when there are several', () => {
    expect(parseArgs('ls -la /tmp\n\necho done\n')).toEqual(['ls -la /tmp', 'echo done']);
  });

  it('gives nothing for an empty box', () => {
    expect(parseArgs('   ')).toEqual([]);
  });
});

describe('parseKwargs', () => {
  it('reads a JSON object', () => {
    expect(parseKwargs('{"test": true, "pillar": {"a": 1}}')).toEqual({ test: true, pillar: { a: 1 } });
    expect(parseKwargs('')).toEqual({});
  });

  it('says what is wrong otherwise', () => {
    expect(() => parseKwargs('[1]')).toThrow(/JSON object/);
    expect(() => parseKwargs('{test: true}')).toThrow(/not JSON/);
  });
});

describe('FUNCTION_PATTERN', () => {
  it('accepts module.function', () => {
    expect(FUNCTION_PATTERN.test('test.ping')).toBe(true);
    expect(FUNCTION_PATTERN.test('state.apply')).toBe(true);
    expect(FUNCTION_PATTERN.test('ping')).toBe(false);
    expect(FUNCTION_PATTERN.test('cmd.run; rm')).toBe(false);
  });
});
