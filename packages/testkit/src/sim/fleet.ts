/**
 * The simulated fleet behind the salt-api simulator: minions with keys in every state, presence,
 * grains (serialised once, as salt-api would send them, and kept as bytes outside the V8 heap)
 * and a job history. Everything is deterministic for a seed; {@link SimFleet.churn} changes a
 * share of it the way a live fleet drifts between two polls.
 */
import { makeGrains, prng } from './grains.js';
import { pyJson, pyJsonBytes } from './py-json.js';

/** A key's state on the master, named after its `key.list_all` bucket. */
export type SimKeyState = 'accepted' | 'pending' | 'rejected' | 'denied';

/** One simulated minion. */
export interface SimMinion {
  /** Minion id (`<role>-<n>.<dc>.example.net`). */
  readonly id: string;
  /** Its number in the fleet (drives its grains). */
  readonly index: number;
  /** Key state. */
  key: SimKeyState;
  /** Connected to the master (`manage.present`). */
  present: boolean;
  /** Bumped by each grains change; 0 is the grains it started with. */
  generation: number;
  /** `os_family` grain, kept for grain targeting without parsing the grains. */
  osFamily: string;
  /** `os` grain. */
  os: string;
  /** The cached grains as salt-api serialises them; null when the master has none (not accepted). */
  grains: Buffer | null;
}

/** A job in the simulated master's job cache. */
export interface SimJob {
  /** 20-digit jid (UTC time of publication). */
  jid: string;
  /** Execution function (or `runner.*` / `wheel.*` for the master's own calls). */
  fun: string;
  /** Published arguments. */
  arg: unknown[];
  /** Target expression. */
  tgt: string | string[];
  /** How `tgt` is read. */
  tgtType: string;
  /** Who published it. */
  user: string;
  /** Minions it went to (only known for jobs published through the simulator). */
  minions?: string[];
  /** Running on these minions (pid each); empty once finished. */
  running?: Record<string, number>;
  /** The job's `jobs.list_jobs` entry, serialised on first use. */
  entry?: string;
}

/** The make-up of a simulated fleet. Every share is of the whole fleet, 0–1. */
export interface SimFleetOptions {
  /** Number of minions (keys in every state included). */
  minions: number;
  /** Seed of everything random (default 42). */
  seed?: number;
  /** Share of keys pending (default 0.01). */
  pending?: number;
  /** Share of keys rejected (default 0.005). */
  rejected?: number;
  /** Share of keys denied (default 0.002). */
  denied?: number;
  /** Share of accepted minions connected (default 0.97). */
  present?: number;
  /** Jobs in the job cache (default 1,000). */
  jobs?: number;
  /** The job cache spans this many hours back from `now` (default 24, Salt's `keep_jobs_seconds`). */
  jobsSpanHours?: number;
  /** Jobs still running, the newest ones (default 3). */
  activeJobs?: number;
  /** The clock, ms since the epoch (default `Date.now`); job times are relative to it at creation. */
  now?: () => number;
}

/** What {@link SimFleet.churn} changes, each a share of the fleet, 0–1. */
export interface SimChurn {
  /** Accepted minions whose grains change (a Salt upgrade, more memory, a new pid). */
  grains?: number;
  /** Accepted minions whose presence flips. */
  presence?: number;
  /** New pending keys (minions asking to join). */
  newKeys?: number;
}

/** What one {@link SimFleet.churn} changed. */
export interface SimChurnResult {
  /** Ids whose grains changed. */
  grains: string[];
  /** Ids that came online. */
  online: string[];
  /** Ids that went offline. */
  offline: string[];
  /** New pending ids. */
  newKeys: string[];
}

const FUNCTIONS: ReadonlyArray<{ fun: string; arg: unknown[]; weight: number }> = [
  { fun: 'state.apply', arg: [], weight: 20 },
  { fun: 'state.apply', arg: ['nginx'], weight: 10 },
  { fun: 'state.highstate', arg: [], weight: 8 },
  { fun: 'test.ping', arg: [], weight: 20 },
  { fun: 'cmd.run', arg: ['uptime'], weight: 10 },
  { fun: 'cmd.run', arg: ['systemctl restart nginx'], weight: 4 },
  { fun: 'pkg.upgrade', arg: [], weight: 5 },
  { fun: 'grains.items', arg: [], weight: 4 },
  { fun: 'saltutil.sync_all', arg: [], weight: 5 },
  { fun: 'service.restart', arg: ['sshd'], weight: 4 },
  { fun: 'test.version', arg: [], weight: 4 },
  { fun: 'disk.usage', arg: [], weight: 4 },
  // The master's own calls are jobs too (a console polling Salt leaves these behind).
  { fun: 'runner.jobs.list_jobs', arg: [], weight: 1 },
  { fun: 'wheel.key.list_all', arg: [], weight: 1 },
];
const USERS = ['ops', 'deploy', 'alice', 'bob', 'root', 'ci'];
const TARGETS: ReadonlyArray<{ tgt: string; tgtType: string }> = [
  { tgt: '*', tgtType: 'glob' },
  { tgt: 'web-*', tgtType: 'glob' },
  { tgt: 'db-*', tgtType: 'glob' },
  { tgt: 'os_family:RedHat', tgtType: 'grain' },
  { tgt: 'G@datacenter:fra1 and web-*', tgtType: 'compound' },
  { tgt: 'cache-*.ams2.example.net', tgtType: 'glob' },
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A jid for a time in ms, plus `micro` extra microseconds (0–999) to keep jids unique. */
export function jidAt(ms: number, micro = 0): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}` +
    `${pad(d.getUTCMilliseconds(), 3)}${pad(micro, 3)}`
  );
}

/** The ms time of a jid (its microseconds dropped). */
export function jidTime(jid: string): number {
  return Date.UTC(
    Number(jid.slice(0, 4)),
    Number(jid.slice(4, 6)) - 1,
    Number(jid.slice(6, 8)),
    Number(jid.slice(8, 10)),
    Number(jid.slice(10, 12)),
    Number(jid.slice(12, 14)),
    Number(jid.slice(14, 17)),
  );
}

/** `jobs.list_jobs`' `StartTime` of a jid: `"2026, Nov 27 22:25:32.949514"` (UTC). */
export function startTimeOf(jid: string): string {
  return `${jid.slice(0, 4)}, ${MONTHS[Number(jid.slice(4, 6)) - 1]} ${jid.slice(6, 8)} ${jid.slice(8, 10)}:${jid.slice(10, 12)}:${jid.slice(12, 14)}.${jid.slice(14, 20)}`;
}

/** A glob (`*`, `?`, `[…]`) as a regular expression, as Salt's fnmatch reads it. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The simulated master's state. */
export class SimFleet {
  /** Every minion by id, in creation order. */
  readonly minions = new Map<string, SimMinion>();
  /** The job cache, oldest first (jids ascending). */
  readonly jobs: SimJob[] = [];
  /** The master's id (its key files in `key.list_all`'s `local`). */
  readonly masterId = 'sim-master';
  readonly #seed: number;
  readonly #rand: () => number;
  readonly #now: () => number;
  #keysVersion = 0;
  #presenceVersion = 0;
  #keysCache: { version: number; json: string } | null = null;
  #presentCache: { version: number; json: string } | null = null;
  #nextIndex: number;
  #lastJid = '';

  constructor(options: SimFleetOptions) {
    const n = options.minions;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`minions must be a whole number ≥ 0, got ${n}`);
    this.#seed = options.seed ?? 42;
    this.#rand = prng(this.#seed ^ 0x5eed);
    this.#now = options.now ?? Date.now;
    const pending = options.pending ?? 0.01;
    const rejected = options.rejected ?? 0.005;
    const denied = options.denied ?? 0.002;
    const present = options.present ?? 0.97;
    for (let i = 0; i < n; i++) {
      const r = prng(this.#seed * 7_919 + i)();
      const key: SimKeyState =
        r < pending
          ? 'pending'
          : r < pending + rejected
            ? 'rejected'
            : r < pending + rejected + denied
              ? 'denied'
              : 'accepted';
      this.#add(i, key, key === 'accepted' && prng(this.#seed * 104_729 + i)() < present);
    }
    this.#nextIndex = n;
    this.#seedJobs(options.jobs ?? 1_000, options.jobsSpanHours ?? 24, options.activeJobs ?? 3);
  }

  /** The grains of minion `index` at `generation`, as an object. */
  grainsOf(index: number, generation: number): Record<string, unknown> {
    const grains = makeGrains(index, prng(this.#seed * 15_485_863 + index));
    if (generation > 0) {
      // A change between two polls: an upgrade, more memory, a restarted minion.
      grains.saltversion = '3008.5';
      grains.saltversioninfo = [3008, 5, 0, 0];
      grains.mem_total = (grains.mem_total as number) * 2;
      grains.pid = 1000 + ((generation * 7_919 + index) % 60_000);
    }
    return grains;
  }

  /** The `key.list_all` answer (`data.return`), serialised; cached until a key changes. */
  keyListJson(): string {
    if (this.#keysCache?.version !== this.#keysVersion) {
      const buckets: Record<SimKeyState, string[]> = { accepted: [], pending: [], rejected: [], denied: [] };
      for (const m of this.minions.values()) buckets[m.key].push(m.id);
      const sort = (ids: string[]) => ids.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
      this.#keysCache = {
        version: this.#keysVersion,
        json: pyJson({
          minions_pre: sort(buckets.pending),
          minions_rejected: sort(buckets.rejected),
          minions: sort(buckets.accepted),
          minions_denied: sort(buckets.denied),
          local: [`${this.masterId}.pem`, `${this.masterId}.pub`],
        }),
      };
    }
    return this.#keysCache.json;
  }

  /** The `manage.present` answer, serialised; cached until presence changes. */
  presentJson(): string {
    if (this.#presentCache?.version !== this.#presenceVersion) {
      const ids: string[] = [];
      for (const m of this.minions.values()) if (m.key === 'accepted' && m.present) ids.push(m.id);
      this.#presentCache = { version: this.#presenceVersion, json: pyJson(ids.sort()) };
    }
    return this.#presentCache.json;
  }

  /** Accepted minions matching a target, in fleet order. */
  target(tgt: unknown, tgtType: unknown = 'glob'): SimMinion[] {
    const accepted = () => [...this.minions.values()].filter((m) => m.key === 'accepted');
    switch (tgtType ?? 'glob') {
      case 'list': {
        const ids = Array.isArray(tgt) ? tgt.map(String) : String(tgt ?? '').split(',');
        const out: SimMinion[] = [];
        for (const id of ids) {
          const m = this.minions.get(id.trim());
          if (m?.key === 'accepted') out.push(m);
        }
        return out;
      }
      case 'glob': {
        if (tgt === '*') return accepted();
        const re = globToRegExp(String(tgt ?? ''));
        return accepted().filter((m) => re.test(m.id));
      }
      case 'pcre': {
        const re = new RegExp(String(tgt ?? ''));
        return accepted().filter((m) => re.test(m.id));
      }
      case 'grain': {
        const text = String(tgt ?? '');
        const colon = text.indexOf(':');
        if (colon < 1) return [];
        const key = text.slice(0, colon);
        const re = globToRegExp(text.slice(colon + 1));
        if (key === 'os_family') return accepted().filter((m) => re.test(m.osFamily));
        if (key === 'os') return accepted().filter((m) => re.test(m.os));
        return accepted().filter((m) => {
          const value = m.grains
            ? (JSON.parse(m.grains.toString('utf8')) as Record<string, unknown>)[key]
            : null;
          return value !== undefined && value !== null && re.test(String(value));
        });
      }
      default:
        // Compound, nodegroup, pillar, range, ipcidr: not simulated; they match nothing.
        return [];
    }
  }

  /** Keys matching a `key.*` wheel `match` (a glob, or comma-separated globs). */
  matchKeys(match: unknown): SimMinion[] {
    const globs = (Array.isArray(match) ? match.map(String) : String(match ?? '').split(','))
      .map((g) => g.trim())
      .filter(Boolean)
      .map(globToRegExp);
    return [...this.minions.values()].filter((m) => globs.some((re) => re.test(m.id)));
  }

  /** Moves a key to another state (accepting a key gives it grains and connects it). */
  setKey(minion: SimMinion, key: SimKeyState): void {
    minion.key = key;
    if (key === 'accepted') {
      minion.present = true;
      minion.grains ??= pyJsonBytes(this.grainsOf(minion.index, minion.generation));
    } else {
      minion.present = false;
      minion.grains = null;
    }
    this.#keysVersion++;
    this.#presenceVersion++;
  }

  /** Deletes a key (and the minion's cached data). */
  deleteKey(minion: SimMinion): void {
    this.minions.delete(minion.id);
    this.#keysVersion++;
    this.#presenceVersion++;
  }

  /** Changes a share of the fleet, deterministically for the fleet's seed and the call order. */
  churn(churn: SimChurn): SimChurnResult {
    const result: SimChurnResult = { grains: [], online: [], offline: [], newKeys: [] };
    const accepted = [...this.minions.values()].filter((m) => m.key === 'accepted');
    const pickShare = (share: number | undefined): SimMinion[] => {
      const k = Math.min(accepted.length, Math.round(this.minions.size * (share ?? 0)));
      const picked = new Set<SimMinion>();
      while (picked.size < k) picked.add(accepted[Math.floor(this.#rand() * accepted.length)]!);
      return [...picked];
    };
    for (const m of pickShare(churn.grains)) {
      m.generation++;
      m.grains = pyJsonBytes(this.grainsOf(m.index, m.generation));
      result.grains.push(m.id);
    }
    for (const m of pickShare(churn.presence)) {
      m.present = !m.present;
      (m.present ? result.online : result.offline).push(m.id);
    }
    if (result.online.length + result.offline.length > 0) this.#presenceVersion++;
    const fresh = Math.round(this.minions.size * (churn.newKeys ?? 0));
    for (let k = 0; k < fresh; k++) {
      const m = this.#add(this.#nextIndex++, 'pending', false);
      result.newKeys.push(m.id);
    }
    if (fresh > 0) this.#keysVersion++;
    return result;
  }

  /** A new jid, unique and increasing even within one millisecond. */
  mintJid(): string {
    const now = this.#now();
    let jid = jidAt(now);
    if (jid <= this.#lastJid) {
      const last = this.#lastJid;
      const micro = Number(last.slice(17, 20)) + 1;
      jid = micro < 1000 ? `${last.slice(0, 17)}${pad(micro, 3)}` : jidAt(jidTime(last) + 1);
    }
    this.#lastJid = jid;
    return jid;
  }

  /** Adds a published job to the cache (it stays running until {@link SimFleet.finishJob}). */
  addJob(job: SimJob): void {
    this.jobs.push(job);
  }

  /** Marks a job finished. */
  finishJob(jid: string): void {
    const job = this.findJob(jid);
    if (job) job.running = {};
  }

  /** A job by jid (binary search: jids are appended in order). */
  findJob(jid: string): SimJob | undefined {
    let lo = 0;
    let hi = this.jobs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.jobs[mid]!.jid;
      if (at === jid) return this.jobs[mid];
      if (at < jid) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Index of the first job whose jid is ≥ `jid` (the jobs are in jid order). */
  jobIndexFrom(jid: string): number {
    let lo = 0;
    let hi = this.jobs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.jobs[mid]!.jid < jid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A job's `jobs.list_jobs` entry (`"<jid>": {…}` without the key), serialised once. */
  jobEntry(job: SimJob): string {
    job.entry ??= pyJson({
      Function: job.fun,
      Arguments: job.arg,
      Target: job.tgt,
      'Target-type': job.tgtType,
      User: job.user,
      StartTime: startTimeOf(job.jid),
    });
    return job.entry;
  }

  /** A number from the fleet's random sequence, 0–1. */
  random(): number {
    return this.#rand();
  }

  #add(index: number, key: SimKeyState, present: boolean): SimMinion {
    const grains = this.grainsOf(index, 0);
    const minion: SimMinion = {
      id: grains.id as string,
      index,
      key,
      present,
      generation: 0,
      osFamily: grains.os_family as string,
      os: grains.os as string,
      grains: key === 'accepted' ? pyJsonBytes(grains) : null,
    };
    this.minions.set(minion.id, minion);
    return minion;
  }

  #seedJobs(count: number, spanHours: number, active: number): void {
    const rand = prng(this.#seed * 31 + 7);
    const end = this.#now() - 1_000;
    const span = spanHours * 3_600_000;
    const totalWeight = FUNCTIONS.reduce((s, f) => s + f.weight, 0);
    const ids = [...this.minions.keys()];
    const times = Array.from({ length: count }, () => Math.floor(end - rand() * span)).sort((a, b) => a - b);
    let last = '';
    for (let k = 0; k < count; k++) {
      let jid = jidAt(times[k]!, Math.floor(rand() * 1000));
      if (jid <= last) jid = `${last.slice(0, 17)}${pad((Number(last.slice(17)) + 1) % 1000, 3)}`;
      if (jid <= last) jid = jidAt(jidTime(last) + 1);
      last = jid;
      let r = rand() * totalWeight;
      let f = FUNCTIONS[0]!;
      for (const candidate of FUNCTIONS) {
        r -= candidate.weight;
        if (r <= 0) {
          f = candidate;
          break;
        }
      }
      const listTarget = rand() < 0.15 && ids.length > 0;
      const target = listTarget
        ? { tgt: Array.from({ length: 3 }, () => ids[Math.floor(rand() * ids.length)]!), tgtType: 'list' }
        : TARGETS[Math.floor(rand() * TARGETS.length)]!;
      const plumbing = f.fun.startsWith('runner.') || f.fun.startsWith('wheel.');
      this.jobs.push({
        jid,
        fun: f.fun,
        arg: f.arg,
        tgt: plumbing ? `${this.masterId}_master` : target.tgt,
        tgtType: plumbing ? 'list' : target.tgtType,
        user: USERS[Math.floor(rand() * USERS.length)]!,
      });
    }
    this.#lastJid = last;
    // The newest jobs are still running on a few minions.
    const running = this.jobs.filter((j) => !j.fun.startsWith('runner.') && !j.fun.startsWith('wheel.'));
    for (const job of running.slice(-active)) {
      const on = ids.slice(0, 2);
      job.running = Object.fromEntries(on.map((id, i) => [id, 4000 + i]));
    }
  }
}
