/** The filters a minion search box stands for. */
export interface MinionSearch {
  /** Substring of the id or IP (server-side, case-insensitive). */
  text: string;
  /** Exact `os` values. */
  os: string[];
  /** Exact `os_family` values. */
  os_family: string[];
  /** Exact Salt versions. */
  saltversion: string[];
}

const FIELD_ALIASES: Record<string, keyof Omit<MinionSearch, 'text'>> = {
  os: 'os',
  os_family: 'os_family',
  osfamily: 'os_family',
  family: 'os_family',
  saltversion: 'saltversion',
  version: 'saltversion',
  salt: 'saltversion',
};

/**
 * Reads the search box: `field:value` words filter on that grain (`os:Ubuntu`,
 * `os_family:Debian`, `saltversion:3007.1`; quotes allow spaces: `os:"Rocky Linux"`), the
 * rest is a substring of the minion id or its IP.
 *
 * @example
 * parseMinionSearch('web os:Ubuntu') // { text: 'web', os: ['Ubuntu'], os_family: [], saltversion: [] }
 */
export function parseMinionSearch(input: string): MinionSearch {
  const out: MinionSearch = { text: '', os: [], os_family: [], saltversion: [] };
  const words: string[] = [];
  for (const match of input.matchAll(/(\w+):"([^"]*)"|(\S+)/g)) {
    const [, quotedField, quotedValue, word] = match;
    const [field, value] =
      quotedField !== undefined
        ? [quotedField, quotedValue ?? '']
        : word?.includes(':')
          ? [word.slice(0, word.indexOf(':')), word.slice(word.indexOf(':') + 1)]
          : [undefined, word ?? ''];
    const key = field === undefined ? undefined : FIELD_ALIASES[field.toLowerCase()];
    if (key && value) out[key].push(value);
    else if (value) words.push(field === undefined || key ? value : `${field}:${value}`);
  }
  out.text = words.join(' ');
  return out;
}
