import { describe, expect, it } from 'vitest';
import { isEmptyJsonObject, splitCacheGrains } from './grains-scan.js';

/** JSON as salt-api writes it: `", "` and `": "` between items (Python's `json.dumps`). */
function pyJson(value: unknown): string {
  let out = '';
  let inString = false;
  const text = JSON.stringify(value);
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    out += c;
    if (inString) {
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ',' || c === ':') out += ' ';
  }
  return out;
}

/** What `JSON.parse` makes of each minion, to compare with the scanner's slices. */
function parsedMinions(body: string): Record<string, unknown> {
  return (JSON.parse(body) as { return: [Record<string, unknown>] }).return[0];
}

function splitParsed(body: string): Record<string, unknown> | undefined {
  const raw = splitCacheGrains(body);
  if (raw === undefined) return undefined;
  return Object.fromEntries(raw.map(({ id, json }) => [id, JSON.parse(json)]));
}

const tricky = {
  id: 'web1',
  os: 'Debian',
  quotes: 'say "hi" {not: [a, bracket}',
  backslashes: ['C:\\', '\\\\', 'end\\"', '\\'],
  unicode: 'caf\u00e9 \u{1F600} \u2028 zero\u0000width',
  nested: { a: [{ b: [[], {}] }], 'key with "quote" and }': null },
  numbers: [0, -1.5e-7, 1e21, 3.14],
  flags: [true, false, null],
  empty: { obj: {}, arr: [], str: '' },
};

describe('splitCacheGrains', () => {
  it('hands out each minion id with the exact text of its grains, in answer order', () => {
    const body = pyJson({ return: [{ web1: tricky, web2: { os: 'Alma' }, web3: {} }] });
    const raw = splitCacheGrains(body);
    expect(raw?.map((r) => r.id)).toEqual(['web1', 'web2', 'web3']);
    expect(raw?.[1]?.json).toBe('{"os": "Alma"}');
    expect(raw?.[2]?.json).toBe('{}');
    for (const r of raw ?? []) expect(body).toContain(r.json);
    expect(splitParsed(body)).toEqual(parsedMinions(body));
  });

  it('reads compact, indented and oddly spaced JSON alike', () => {
    const value = { return: [{ web1: tricky, 'db-2': { roles: ['db'] } }] };
    for (const body of [
      JSON.stringify(value),
      JSON.stringify(value, null, 2),
      JSON.stringify(value, null, '\t'),
      ` \r\n${pyJson({ return: [{ m1: { a: [1, { b: 'c' }] }, m2: {} }] }).replaceAll(': ', ' :\n\t ')}\n `,
    ]) {
      expect(splitParsed(body)).toEqual(parsedMinions(body));
    }
  });

  it('decodes escaped ids', () => {
    const body = '{"return": [{"caf\\u00e9": {"a": 1}, "q\\"uote": {"b": 2}, "sl\\\\": {}}]}';
    expect(splitCacheGrains(body)?.map((r) => r.id)).toEqual(['café', 'q"uote', 'sl\\']);
  });

  it('keeps escapes in the grains text as they were sent', () => {
    const body = '{"return": [{"m1": {"name": "caf\\u00e9 \\"x\\" \\\\"}}]}';
    expect(splitCacheGrains(body)).toEqual([{ id: 'm1', json: '{"name": "caf\\u00e9 \\"x\\" \\\\"}' }]);
  });

  it('reads an answer with no minions', () => {
    expect(splitCacheGrains('{"return": [{}]}')).toEqual([]);
  });

  it('unwraps the outputter form', () => {
    const body = pyJson({ return: [{ outputter: 'nested', data: { web1: { os: 'Debian' } } }] });
    expect(splitCacheGrains(body)).toEqual([{ id: 'web1', json: '{"os": "Debian"}' }]);
  });

  it('tolerates other top-level keys and later return entries that are valid JSON', () => {
    const body = '{"info": {"x": [1, "}"]}, "return": [{"m1": {"a": 1}}, "more", [1]], "z": null}';
    expect(splitCacheGrains(body)).toEqual([{ id: 'm1', json: '{"a": 1}' }]);
  });

  it('handles huge values and deep nesting', () => {
    const big = { blob: 'x\\"{['.repeat(400_000) };
    const deep = `{"deep": ${'[{"d": '.repeat(50_000)}1${'}]'.repeat(50_000)}}`;
    const body = `{"return": [{"m1": ${JSON.stringify(big)}, "m2": ${deep}, "m3": {"a": 1}}]}`;
    const raw = splitCacheGrains(body);
    expect(raw?.map((r) => r.id)).toEqual(['m1', 'm2', 'm3']);
    expect(JSON.parse(raw?.[0]?.json ?? 'null')).toEqual(big);
    expect(raw?.[1]?.json).toBe(deep);
  });

  it('agrees with JSON.parse on generated answers', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pieces = [
      'a',
      '"',
      '\\',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      ' ',
      '\n',
      'é',
      '\u{1F600}',
      '\u0001',
      '\\"',
    ];
    const str = () =>
      Array.from(
        { length: Math.floor(random() * 8) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('');
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 4 || r < 0.3) return str();
      if (r < 0.4) return Math.round(random() * 1e6) / 100 - 5000;
      if (r < 0.45) return [true, false, null][Math.floor(random() * 3)];
      if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, () => [str(), value(depth + 1)]),
      );
    };
    for (let round = 0; round < 200; round++) {
      const minions: Record<string, unknown> = {};
      for (let m = 0; m < 5; m++) {
        minions[`${str()}-${m}`] = Object.fromEntries(Array.from({ length: 3 }, () => [str(), value(0)]));
      }
      const body = round % 2 ? pyJson({ return: [minions] }) : JSON.stringify({ return: [minions] }, null, 1);
      expect(splitParsed(body)).toEqual(parsedMinions(body));
    }
  });

  it.each([
    ['a runner failure message', '{"return": ["Exception occurred in runner cache.grains: ..."]}'],
    ['grains that are a list', '{"return": [{"m1": {"a": 1}, "m2": ["a"]}]}'],
    ['grains that are a string', '{"return": [{"m1": "Minion did not return"}]}'],
    ['grains that are null', '{"return": [{"m1": null}]}'],
    ['grains that are false', '{"return": [{"m1": false}]}'],
    ['an id twice', '{"return": [{"m1": {"a": 1}, "m1": {"a": 2}}]}'],
    ['return twice', '{"return": [{"m1": {}}], "return": [{"m2": {}}]}'],
    ['no return', '{"data": [{"m1": {}}]}'],
    ['an empty return list', '{"return": []}'],
    ['a return that is not a list', '{"return": {"m1": {}}}'],
    ['text after the answer', '{"return": [{"m1": {}}]} x'],
    ['a truncated answer', '{"return": [{"m1": {"a": "b'],
    ['unbalanced brackets', '{"return": [{"m1": {"a": [1}}]}'],
    ['an unclosed grains object', '{"return": [{"m1": {"a": 1]}'],
    ['a missing colon', '{"return": [{"m1" {"a": 1}}]}'],
    ['a trailing comma', '{"return": [{"m1": {"a": 1},}]}'],
    ['a raw control character in an id', '{"return": [{"m\u00011": {}}]}'],
    ['a bad escape in an id', '{"return": [{"m\\x": {}}]}'],
    ['an invalid top-level value', '{"info": [1,], "return": [{"m1": {}}]}'],
    ['an invalid later return entry', '{"return": [{"m1": {}}, tru]}'],
    ['an outputter wrapper around a list', '{"return": [{"outputter": "nested", "data": ["m1"]}]}'],
    ['not JSON at all', '<html>502 Bad Gateway</html>'],
    ['an empty body', ''],
  ])('gives up on %s', (_what, body) => {
    expect(splitCacheGrains(body)).toBeUndefined();
  });
});

describe('isEmptyJsonObject', () => {
  it('recognises {} with any spacing, and nothing else', () => {
    expect(isEmptyJsonObject('{}')).toBe(true);
    expect(isEmptyJsonObject('{ \n}')).toBe(true);
    expect(isEmptyJsonObject('{"a": 1}')).toBe(false);
    expect(isEmptyJsonObject('{ "" : {} }')).toBe(false);
  });
});
