/**
 * Salt's clocks, converted once at the boundary. Salt writes UTC without saying so: event
 * `_stamp`s are naive ISO strings, job ids are 20-digit UTC timestamps, `jobs.list_jobs` prints
 * `StartTime` as `"2025, Oct 02 10:11:12.123456"`. These turn them into UTC ISO-8601 strings
 * (millisecond precision, the microseconds are truncated) and back.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function utcIso(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction: string | undefined,
): string | null {
  const ms = fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  // Date.UTC rolls 2025-02-30 over into March: reject anything that did not round-trip.
  if (
    Number.isNaN(date.getTime()) ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    return null;
  }
  return date.toISOString();
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})[T _](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An event's `_stamp` as a UTC ISO string. Salt writes `datetime.utcnow().isoformat()`, which
 * drops the fraction when the microseconds are 0; old Salt separated date and time with `_`.
 * An explicit `Z` or offset, if one ever appears, is honoured. `null` when the text is not a
 * timestamp.
 *
 * @example
 * ```ts
 * parseSaltTimestamp('2025-10-02T10:11:12.345678'); // → '2025-10-02T10:11:12.345Z'
 * parseSaltTimestamp('2025-10-02T10:11:12');        // → '2025-10-02T10:11:12.000Z'
 * ```
 */
export function parseSaltTimestamp(stamp: string): string | null {
  const m = STAMP.exec(stamp.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const iso = utcIso(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), fraction);
  if (iso === null || zone === undefined || zone.toUpperCase() === 'Z') return iso;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  return new Date(Date.parse(iso) - offsetMinutes * 60_000).toISOString();
}

const START_TIME = /^(\d{4}), ([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * A `StartTime` of `jobs.list_jobs` / `jobs.list_job` / `jobs.active` (`"%Y, %b %d
 * %H:%M:%S.%f"`, derived from the UTC job id) as a UTC ISO string. `null` for anything else,
 * including the empty string Salt prints for a job id it cannot read.
 *
 * @example
 * ```ts
 * parseJobStartTime('2025, Oct 02 10:11:12.123456'); // → '2025-10-02T10:11:12.123Z'
 * ```
 */
export function parseJobStartTime(startTime: string): string | null {
  const m = START_TIME.exec(startTime.trim());
  if (!m) return null;
  const [, y, mon, d, h, mi, s, fraction] = m;
  const month = MONTHS.findIndex((name) => name.toLowerCase() === mon?.toLowerCase()) + 1;
  if (month === 0) return null;
  return utcIso(Number(y), month, Number(d), Number(h), Number(mi), Number(s), fraction);
}

const JID = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{6})(?:_\d+)?$/;

/**
 * The UTC start time encoded in a job id (`%Y%m%d%H%M%S%f`, 20 digits, with a `_<pid>` suffix
 * when the master sets `unique_jid`) as an ISO string; `null` when the text is not a job id.
 *
 * @example
 * ```ts
 * jidToIso('20251002101112123456');      // → '2025-10-02T10:11:12.123Z'
 * jidToIso('20251002101112123456_4242'); // → '2025-10-02T10:11:12.123Z'
 * ```
 */
export function jidToIso(jid: string): string | null {
  const m = JID.exec(jid.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, micro] = m;
  return utcIso(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), micro);
}

/**
 * A time as Salt wants it in `jobs.list_jobs` `start_time` / `end_time`: naive UTC ISO with
 * microseconds and **no** `Z` or offset (Salt compares it with its naive `StartTime`; an aware
 * value makes the comparison raise and the runner answer an exception string).
 *
 * @example
 * ```ts
 * formatSaltTime(new Date('2025-10-02T10:11:12.345Z')); // → '2025-10-02T10:11:12.345000'
 * ```
 */
export function formatSaltTime(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('formatSaltTime: invalid date');
  return `${date.toISOString().slice(0, -1)}000`;
}
