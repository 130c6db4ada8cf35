/*
 * The grains pass reads every accepted minion's grains each cycle to find the few that changed.
 * Parsing them is unavoidable for the ones that changed; for the rest it is enough to compare the
 * bytes they arrived in with the digest of last time. This splits a `runner cache.grains` answer
 * into each minion's id and the exact JSON text of its grains, without building any of them.
 */

/**
 * One minion of a `cache.grains` answer as it arrived. Both strings may be slices of the
 * answer's text, which stays in memory as long as either is held: keep neither past the chunk.
 */
export interface RawGrains {
  /** The minion id (JSON escapes decoded). */
  id: string;
  /** The exact JSON text of the minion's grains object, as salt-api wrote it (`{…}`). */
  json: string;
}

/** Thrown inside the scanner for anything it does not expect; never escapes it. */
const UNEXPECTED = Symbol('unexpected JSON');

/** A JSON number or literal, at a given position (`lastIndex`). */
const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** Characters JSON forbids raw inside a string. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is what it looks for
const CONTROL = /[\u0000-\u001f]/;

const QUOTE = 34; // "
const BACKSLASH = 92; // \
const COMMA = 44; // ,
const COLON = 58; // :
const OPEN_OBJECT = 123; // {
const CLOSE_OBJECT = 125; // }
const OPEN_ARRAY = 91; // [
const CLOSE_ARRAY = 93; // ]

/**
 * Splits the body of a `runner cache.grains` answer (`{"return": [{"<id>": {grains}, …}]}`, also
 * with the `{"outputter": …, "data": {…}}` wrapper) into each minion's id and the raw JSON text
 * of its grains, in answer order.
 *
 * Everything outside the grains objects is checked as strictly as `JSON.parse` would (other
 * top-level keys and other `return` entries are parsed); inside a grains object only strings
 * and bracket nesting are followed, enough to find where it ends. The caller parses each slice
 * it keeps, so a malformed grains object is still refused then; a slice that is byte for byte
 * one that parsed before needs no second look.
 *
 * Returns `undefined` for any other shape: a runner failure message, a grains value that is not
 * an object, a duplicate id, a syntax error, or nesting too deep for the stack. The caller then
 * reads the answer the ordinary way, which reports the error or handles the odd shape.
 */
export function splitCacheGrains(body: string): RawGrains[] | undefined {
  try {
    return new Scanner(body).cacheGrains();
  } catch (error) {
    if (error === UNEXPECTED || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** A JSON text whose object is empty (`{}`: a minion with no grains in the master's cache). */
export function isEmptyJsonObject(json: string): boolean {
  return json.length <= 16 && /^\{\s*\}$/.test(json);
}

/** A key of an object and its value's span `[start, end)`. */
interface Entry {
  key: string;
  start: number;
  end: number;
}

class Scanner {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  /** The whole answer → its `return[0]` map, split. */
  cacheGrains(): RawGrains[] {
    const text = this.#text;
    let answer: Entry[] | undefined;
    let end = this.#object(this.#space(0), (key, start) => {
      if (key !== 'return') return this.#checked(start, this.#value(start));
      if (answer !== undefined) throw UNEXPECTED; // `return` twice: JSON.parse keeps the last
      const [entries, stop] = this.#firstEntry(start);
      answer = entries;
      return stop;
    });
    end = this.#space(end);
    if (end !== text.length || answer === undefined) throw UNEXPECTED;
    // The outputter wrapper (`runnerCall` unwraps it the same way): exactly these two keys.
    if (answer.length === 2) {
      const outputter = answer.find((e) => e.key === 'outputter');
      const data = answer.find((e) => e.key === 'data');
      if (outputter && data) return this.#grains(this.#entries(data.start)[0]);
    }
    return this.#grains(answer);
  }

  /** The map's entries as minions: every value an object, no id twice. */
  #grains(entries: Entry[]): RawGrains[] {
    const seen = new Set<string>();
    const out: RawGrains[] = [];
    for (const { key, start, end } of entries) {
      if (this.#text.charCodeAt(start) !== OPEN_OBJECT || seen.has(key)) throw UNEXPECTED;
      seen.add(key);
      out.push({ id: key, json: this.#text.slice(start, end) });
    }
    return out;
  }

  /**
   * The `return` array at `start` → the entries of its first element (an object) and where the
   * array ends; later elements are checked.
   */
  #firstEntry(start: number): [Entry[], number] {
    const text = this.#text;
    if (text.charCodeAt(start) !== OPEN_ARRAY) throw UNEXPECTED;
    const [entries, firstEnd] = this.#entries(this.#space(start + 1));
    let i = this.#space(firstEnd);
    while (text.charCodeAt(i) === COMMA) {
      const from = this.#space(i + 1);
      i = this.#space(this.#checked(from, this.#value(from)));
    }
    if (text.charCodeAt(i) !== CLOSE_ARRAY) throw UNEXPECTED;
    return [entries, i + 1];
  }

  /** The entries of the object at `start`, each value's span (values are skipped, not checked), and its end. */
  #entries(start: number): [Entry[], number] {
    const out: Entry[] = [];
    const end = this.#object(start, (key, from) => {
      const to = this.#value(from);
      out.push({ key, start: from, end: to });
      return to;
    });
    return [out, end];
  }

  /**
   * Walks the object at `start`: `onEntry` gets each key and where its value starts, and returns
   * where the value ends. Returns where the object ends.
   */
  #object(start: number, onEntry: (key: string, start: number) => number): number {
    const text = this.#text;
    if (text.charCodeAt(start) !== OPEN_OBJECT) throw UNEXPECTED;
    let i = this.#space(start + 1);
    if (text.charCodeAt(i) === CLOSE_OBJECT) return i + 1;
    for (;;) {
      const keyEnd = this.#string(i);
      const key = this.#key(i, keyEnd);
      i = this.#space(keyEnd);
      if (text.charCodeAt(i) !== COLON) throw UNEXPECTED;
      i = this.#space(onEntry(key, this.#space(i + 1)));
      const c = text.charCodeAt(i);
      if (c === CLOSE_OBJECT) return i + 1;
      if (c !== COMMA) throw UNEXPECTED;
      i = this.#space(i + 1);
    }
  }

  /** A key's text `[start, end)` (quotes included) → the key. */
  #key(start: number, end: number): string {
    const raw = this.#text.slice(start + 1, end - 1);
    if (CONTROL.test(raw)) throw UNEXPECTED;
    if (!raw.includes('\\')) return raw;
    try {
      return JSON.parse(this.#text.slice(start, end)) as string;
    } catch {
      throw UNEXPECTED;
    }
  }

  /** Parses `[start, end)` only to check it is JSON (parts of the answer that are not grains); returns `end`. */
  #checked(start: number, end: number): number {
    try {
      JSON.parse(this.#text.slice(start, end));
    } catch {
      throw UNEXPECTED;
    }
    return end;
  }

  /** Where the value at `start` ends. */
  #value(start: number): number {
    const c = this.#text.charCodeAt(start);
    if (c === QUOTE) return this.#string(start);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) return this.#nested(start);
    LITERAL.lastIndex = start;
    if (!LITERAL.test(this.#text)) throw UNEXPECTED;
    return LITERAL.lastIndex;
  }

  /**
   * Where the object or array at `start` ends: strings are jumped over, brackets must pair up.
   * Nothing else inside is looked at (see {@link splitCacheGrains}).
   */
  #nested(start: number): number {
    const text = this.#text;
    const length = text.length;
    const closers: number[] = [];
    let i = start;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i = this.#string(i);
        continue;
      }
      if (c === OPEN_OBJECT) closers.push(CLOSE_OBJECT);
      else if (c === OPEN_ARRAY) closers.push(CLOSE_ARRAY);
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (closers.pop() !== c) throw UNEXPECTED;
        if (closers.length === 0) return i + 1;
      }
      i++;
    }
    throw UNEXPECTED;
  }

  /** Where the string at `start` ends (after its closing quote). */
  #string(start: number): number {
    const text = this.#text;
    if (text.charCodeAt(start) !== QUOTE) throw UNEXPECTED;
    let from = start + 1;
    for (;;) {
      const quote = text.indexOf('"', from);
      if (quote < 0) throw UNEXPECTED;
      // A quote preceded by an odd number of backslashes is escaped.
      let k = quote - 1;
      while (text.charCodeAt(k) === BACKSLASH) k--;
      if ((quote - 1 - k) % 2 === 0) return quote + 1;
      from = quote + 1;
    }
  }

  /** The first position at or after `i` that is not JSON whitespace. */
  #space(i: number): number {
    const text = this.#text;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
      i++;
    }
  }
}
