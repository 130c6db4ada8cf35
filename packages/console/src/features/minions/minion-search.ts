/** The filters a minion search box stands for. */
export interface MinionSearch {
  /** Substring of the id or IP (server-side, case-insensitive). */
  text: string;
  /** Start of the minion id, from a Salt-style glob word `lb-49*` (case-sensitive, indexed). */
  id_prefix?: string;
  /** Exact `os` values. */
  os: string[];
  /** Exact `os_family` values. */
  os_family: string[];
  /** Exact Salt versions. */
  saltversion: string[];
  /** Grain targets in Salt's `G@` syntax (`key:value`, nested keys `a:b:value`, `*`/`?` globs). */
  grain: string[];
}

const FIELD_ALIASES: Record<string, keyof Omit<MinionSearch, 'text' | 'id_prefix'>> = {
  os: 'os',
  os_family: 'os_family',
  osfamily: 'os_family',
  family: 'os_family',
  saltversion: 'saltversion',
  version: 'saltversion',
  salt: 'saltversion',
  grain: 'grain',
};

/** At most this many grain targets a search sends (the API's bound). */
export const MAX_GRAIN_TARGETS = 8;

/**
 * Whether the API takes `target` as a grain target: `key:value` with a named top key. A word
 * still being typed (`grain:os`) stays text until it has its `:value`.
 */
function isGrainTarget(target: string): boolean {
  const colon = target.indexOf(':');
  const top = target.slice(0, colon);
  return colon > 0 && top !== '*' && !/["\\]/.test(top) && target.length <= 512;
}

/**
 * Reads the search box: `field:value` words filter on that grain (`os:Ubuntu`,
 * `os_family:Debian`, `saltversion:3007.1`; quotes allow spaces: `os:"Rocky Linux"`), any grain
 * with Salt's grain targeting, `grain:key:value` or `G@key:value` (`grain:ipv4:10.0.0.*`,
 * `G@ip_interfaces:eth0:10.0.*`, `grain:"osfullname:Rocky Linux"`); one word ending in `*`
 * (`lb-49*`, as in Salt's glob targeting) is the start of the id, which the server finds in its
 * index even at 50,000 minions; the rest is a substring of the minion id or its IP.
 *
 * @example
 * parseMinionSearch('web os:Ubuntu') // { text: 'web', os: ['Ubuntu'], os_family: [], saltversion: [], grain: [] }
 * parseMinionSearch('G@virtual:kvm').grain // ['virtual:kvm']
 * parseMinionSearch('lb-49*').id_prefix // 'lb-49'
 */
export function parseMinionSearch(input: string): MinionSearch {
  const out: MinionSearch = { text: '', os: [], os_family: [], saltversion: [], grain: [] };
  const words: string[] = [];
  for (const match of input.matchAll(/(\w+):"([^"]*)"|[Gg]@"([^"]*)"|(\S+)/g)) {
    const [, quotedField, quotedValue, quotedTarget, word] = match;
    const [field, value] =
      quotedField !== undefined
        ? [quotedField, quotedValue ?? '']
        : quotedTarget !== undefined
          ? ['grain', quotedTarget]
          : /^[Gg]@/.test(word ?? '')
            ? ['grain', (word ?? '').slice(2)]
            : word?.includes(':')
              ? [word.slice(0, word.indexOf(':')), word.slice(word.indexOf(':') + 1)]
              : [undefined, word ?? ''];
    const key = field === undefined ? undefined : FIELD_ALIASES[field.toLowerCase()];
    if (key === 'grain' && !(isGrainTarget(value) && out.grain.length < MAX_GRAIN_TARGETS)) {
      if (word) words.push(word);
    } else if (key && value) out[key].push(value);
    else if (field === undefined && out.id_prefix === undefined && /^[^*?[\]]+\*$/.test(value)) {
      out.id_prefix = value.slice(0, -1);
    } else if (value) words.push(field === undefined || key ? value : `${field}:${value}`);
  }
  out.text = words.join(' ');
  return out;
}
