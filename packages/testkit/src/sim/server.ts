/**
 * A salt-api (rest_cherrypy) simulator on node:http for fleet-scale work: the wire format of
 * Salt 3008.5 as recorded from the real lab (`packages/core/src/salt/__fixtures__/real/`) for the
 * calls Halite makes, over a simulated fleet of any size, with faults on demand.
 *
 * Endpoints: `GET /`, `GET|POST /login`, `POST /logout`, `POST /` (lowstate: `local`,
 * `local_async`, `runner`, `runner_async`, `wheel`, `wheel_async`), `GET /events` (SSE), and a
 * control API under `/_sim/` (faults, churn, event rate, stats) that salt-api does not have.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { busTraffic, type SimEvent, saltStamp } from './events.js';
import {
  globToRegExp,
  jidTime,
  type SimChurn,
  type SimChurnResult,
  SimFleet,
  type SimFleetOptions,
  type SimJob,
  type SimMinion,
  startTimeOf,
} from './fleet.js';
import { pyJson } from './py-json.js';

/** Faults the simulator injects until changed. */
export interface SimFaults {
  /** Added before every salt-api answer (not `/_sim/`), in ms. */
  latencyMs?: number;
  /** Up to this much more, at random, in ms. */
  jitterMs?: number;
  /** The next `count` salt-api requests fail with `status` (500 is Salt's JSON error, others HTML). */
  errorBurst?: { status: 500 | 502 | 503 | 504; count: number };
  /** The next this many `POST /` answers are 200 with a cut-off JSON body. */
  malformedJson?: number;
}

/** Counters of what the simulator served. */
export interface SimStats {
  /** Requests by `METHOD path`. */
  requests: Record<string, number>;
  /** Lowstate chunks by `client fun`. */
  calls: Record<string, number>;
  /** Successful logins. */
  logins: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Bytes of response bodies written. */
  bytesOut: number;
  /** Events written, summed over streams. */
  eventsWritten: number;
  /** Events published on the bus. */
  eventsPublished: number;
  /** `/events` streams open now. */
  openStreams: number;
  /** Streams ended by a fault, token expiry or a reader too slow to keep up. */
  droppedStreams: number;
}

/** Options of {@link startSaltSimulator}: the fleet, the account, the listener and the bus. */
export interface SaltSimulatorOptions extends SimFleetOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** eauth user name accepted by `/login` (default `halite`). */
  username?: string;
  /** Its password (default `halite`). */
  password?: string;
  /** Its eauth backend (default `file`). */
  eauth?: string;
  /** Salt's `token_expire` in seconds (default 43,200). */
  tokenExpireSeconds?: number;
  /** Background events per second on `/events` (default 0). */
  eventsPerSecond?: number;
  /** Delay between a `local_async` publication and its returns, in ms (default 200). */
  returnDelayMs?: number;
  /** Faults from the start. */
  faults?: SimFaults;
}

/** A running simulator. */
export interface SaltSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The simulated master's state (change it directly, or with {@link SaltSimulator.churn}). */
  readonly fleet: SimFleet;
  /** What was served so far. */
  readonly stats: SimStats;
  /** Replaces the faults in force. */
  setFaults(faults: SimFaults): void;
  /** The faults in force. */
  faults(): SimFaults;
  /** Ends every open `/events` stream now, mid-stream; returns how many. */
  dropEventStreams(): number;
  /** Expires every session token now (as `token_expire` passing would); returns how many. */
  expireTokens(): number;
  /** Sets the background event rate (events per second, 0 stops it). */
  setEventRate(perSecond: number): void;
  /** Puts one event on the bus. */
  publish(event: SimEvent): void;
  /** Changes a share of the fleet (grains, presence, new keys); see {@link SimFleet.churn}. */
  churn(churn: SimChurn): SimChurnResult;
  /** Stops listening, ends the streams and the event generator. */
  close(): Promise<void>;
}

const CLIENTS = [
  'destroy',
  'local',
  'local_async',
  'local_batch',
  'local_subset',
  'runner',
  'runner_async',
  'ssh',
  'wheel',
  'wheel_async',
];
const ENABLED = new Set(['local', 'local_async', 'runner', 'runner_async', 'wheel', 'wheel_async']);
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  406: 'Not Acceptable',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
const MAX_BODY = 1_048_576;
/** A stream whose unsent backlog passes this is cut off: a slow reader never grows memory unbounded. */
const MAX_STREAM_BACKLOG = 32 * 1_048_576;
const PUB_KEY =
  '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAon4ZRI3c5TjIijvuITmX\n-----END PUBLIC KEY-----';

/** CherryPy 18.10's production error page. */
function errorPage(status: number, message: string): string {
  const title = `${status} ${REASONS[status] ?? 'Error'}`;
  return `<!DOCTYPE html PUBLIC
"-//W3C//DTD XHTML 1.0 Transitional//EN"
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html>
<head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8"></meta>
    <title>${title}</title>
</head>
    <body>
        <h2>${title}</h2>
        <p>${message}</p>
        <pre id="traceback"></pre>
    <div id="powered_by">
      <span>
        Powered by <a href="http://www.cherrypy.dev">CherryPy 18.10.0</a>
      </span>
    </div>
    </body>
</html>
`;
}

/** An answer body: pieces written in order (big grains answers are never joined into one copy). */
type Pieces = Array<string | Buffer>;

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Session {
  user: string;
  eauth: string;
  start: number;
  expire: number;
}

interface Stream {
  res: ServerResponse;
  token: string;
}

/**
 * Starts a salt-api simulator with a fleet of `options.minions` minions.
 *
 * @example
 * ```ts
 * const sim = await startSaltSimulator({ minions: 10_000, jobs: 5_000, eventsPerSecond: 100 });
 * const salt = new SaltAPIClient({ url: sim.url, username: 'halite', password: 'halite', eauth: 'file' });
 * sim.setFaults({ errorBurst: { status: 503, count: 2 } }); // the client retries through it
 * await sim.close();
 * ```
 */
export async function startSaltSimulator(options: SaltSimulatorOptions): Promise<SaltSimulator> {
  const fleet = new SimFleet(options);
  const now = options.now ?? Date.now;
  const username = options.username ?? 'halite';
  const password = options.password ?? 'halite';
  const eauthName = options.eauth ?? 'file';
  const lifetime = options.tokenExpireSeconds ?? 43_200;
  const returnDelay = options.returnDelayMs ?? 200;
  const sessions = new Map<string, Session>();
  const streams = new Set<Stream>();
  const timers = new Set<NodeJS.Timeout>();
  let faults: SimFaults = { ...options.faults };
  const stats: SimStats = {
    requests: {},
    calls: {},
    logins: 0,
    statuses: {},
    bytesOut: 0,
    eventsWritten: 0,
    eventsPublished: 0,
    openStreams: 0,
    droppedStreams: 0,
  };
  const bump = (table: Record<string, number>, key: string) => {
    table[key] = (table[key] ?? 0) + 1;
  };

  const valid = (token: string | undefined): Session | undefined => {
    const session = token ? sessions.get(token) : undefined;
    if (!session) return undefined;
    if (session.expire * 1000 <= now()) {
      sessions.delete(token!);
      return undefined;
    }
    return session;
  };

  // ---- the event bus ----
  const publish = (event: SimEvent) => {
    stats.eventsPublished++;
    if (streams.size === 0) return;
    const wire = `tag: ${event.tag}\ndata: {"data": ${pyJson(event.data)}, "tag": ${JSON.stringify(event.tag)}}\n\n`;
    for (const stream of streams) {
      if (stream.res.writableLength > MAX_STREAM_BACKLOG) {
        endStream(stream, true);
        continue;
      }
      stream.res.write(wire);
      stats.eventsWritten++;
      stats.bytesOut += wire.length;
      // Salt 3008.5 checks the token before waiting for each event: the first event after
      // expiry still goes out, then the stream ends.
      if (!valid(stream.token)) endStream(stream, true);
    }
  };
  const endStream = (stream: Stream, dropped: boolean) => {
    if (!streams.delete(stream)) return;
    stats.openStreams = streams.size;
    if (dropped) stats.droppedStreams++;
    stream.res.end();
  };

  const presentIds = () => {
    const ids: string[] = [];
    for (const m of fleet.minions.values()) if (m.key === 'accepted' && m.present) ids.push(m.id);
    return ids;
  };
  let presentSnapshot: string[] = [];
  let pendingSnapshot: string[] = [];
  const refreshSnapshots = () => {
    presentSnapshot = presentIds();
    pendingSnapshot = [...fleet.minions.values()].filter((m) => m.key === 'pending').map((m) => m.id);
  };
  const traffic = busTraffic({
    seed: (options.seed ?? 42) + 1,
    present: () => presentSnapshot,
    pending: () => pendingSnapshot,
    jid: () => fleet.mintJid(),
    now,
  });
  let rate = 0;
  let generator: NodeJS.Timeout | null = null;
  const setEventRate = (perSecond: number) => {
    if (!(Number.isFinite(perSecond) && perSecond >= 0)) throw new RangeError('event rate must be ≥ 0');
    rate = perSecond;
    if (generator) clearInterval(generator);
    generator = null;
    if (rate === 0) return;
    refreshSnapshots();
    let due = 0;
    let last = performance.now();
    let ticks = 0;
    generator = setInterval(() => {
      const t = performance.now();
      due += ((t - last) / 1000) * rate;
      last = t;
      if (++ticks % 100 === 0) refreshSnapshots();
      // At most one second of backlog: a stalled process does not make up for it in one burst.
      due = Math.min(due, rate);
      while (due >= 1) {
        publish(traffic.next().value);
        due--;
      }
    }, 10);
    generator.unref?.();
  };

  // ---- lowstate ----
  const call = (chunk: Record<string, unknown>, session: Session): Pieces => {
    const client = String(chunk.client ?? '');
    const fun = typeof chunk.fun === 'string' ? chunk.fun : '';
    bump(stats.calls, `${client} ${fun}`);
    if (!CLIENTS.includes(client)) throw new HttpFailure(400, `Invalid client: '${client}'`);
    if (!ENABLED.has(client)) {
      throw new HttpFailure(
        400,
        `Client disabled: '${client}'. Add to 'netapi_enable_clients' master config option to enable.`,
      );
    }
    switch (client) {
      case 'local':
        return localCall(chunk, session, fun);
      case 'local_async':
        return [pyJson(localAsync(chunk, session, fun))];
      case 'runner':
      case 'runner_async': {
        if (fun.split('.').length !== 2) {
          throw new HttpFailure(400, 'A command invocation error occurred: Check syntax.');
        }
        const kwargs = { ...(chunk.kwarg as Record<string, unknown>), ...extraKwargs(chunk) };
        const jid = fleet.mintJid();
        publish({
          tag: `salt/run/${jid}/new`,
          data: { fun: `runner.${fun}`, jid, user: session.user, fun_args: [], _stamp: saltStamp(now()) },
        });
        const answer = runner(fun, kwargs);
        publish({
          tag: `salt/run/${jid}/ret`,
          data: {
            fun: `runner.${fun}`,
            jid,
            user: session.user,
            fun_args: [],
            _stamp: saltStamp(now()),
            return: 'VALUE_TRIMMED',
            success: true,
          },
        });
        return client === 'runner' ? answer : [pyJson({ tag: `salt/run/${jid}`, jid })];
      }
      default: {
        if (fun.split('.').length !== 2) {
          throw new HttpFailure(400, 'A command invocation error occurred: Check syntax.');
        }
        const jid = fleet.mintJid();
        const data = wheel(fun, chunk);
        const tag = `salt/wheel/${jid}`;
        publish({
          tag: `${tag}/new`,
          data: { fun: `wheel.${fun}`, jid, user: session.user, fun_args: [], _stamp: saltStamp(now()) },
        });
        publish({
          tag: `${tag}/ret`,
          data: {
            fun: `wheel.${fun}`,
            jid,
            user: session.user,
            fun_args: [],
            _stamp: saltStamp(now()),
            ...data,
          },
        });
        if (client === 'wheel_async') return [pyJson({ tag, jid })];
        return [pyJson({ tag, data: { fun: `wheel.${fun}`, jid, tag, user: session.user, ...data } })];
      }
    }
  };

  const extraKwargs = (chunk: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(chunk)) {
      if (!['client', 'fun', 'kwarg', 'arg', 'token', 'eauth', 'username', 'password'].includes(k))
        out[k] = v;
    }
    for (const a of Array.isArray(chunk.arg) ? chunk.arg : []) {
      const text = String(a);
      const eq = text.indexOf('=');
      if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  };

  const runner = (fun: string, kwargs: Record<string, unknown>): Pieces => {
    switch (fun) {
      case 'manage.present':
        return [`[${fleet.presentJson().slice(1, -1)}]`];
      case 'manage.status':
      case 'manage.up':
      case 'manage.down': {
        const up: string[] = [];
        const down: string[] = [];
        for (const m of fleet.minions.values()) if (m.key === 'accepted') (m.present ? up : down).push(m.id);
        if (fun === 'manage.up') return [pyJson(up.sort())];
        if (fun === 'manage.down') return [pyJson(down.sort())];
        return [pyJson({ up: up.sort(), down: down.sort() })];
      }
      case 'cache.grains': {
        if (kwargs.tgt === undefined) {
          return [
            pyJson(
              "\nPassed invalid arguments: grains() missing 1 required positional argument: 'tgt'.\n\nUsage:\n\n    Return cached grains of the targeted minions.\n",
            ),
          ];
        }
        return grainsPieces(fleet.target(kwargs.tgt, kwargs.tgt_type ?? 'glob'));
      }
      case 'jobs.list_jobs':
        return listJobs(kwargs);
      case 'jobs.active': {
        const out: Record<string, unknown> = {};
        for (const job of fleet.jobs) {
          if (!job.running || Object.keys(job.running).length === 0) continue;
          out[job.jid] = {
            Function: job.fun,
            Arguments: job.arg,
            Target: job.tgt,
            'Target-type': job.tgtType,
            User: job.user,
            StartTime: startTimeOf(job.jid),
            Running: Object.entries(job.running).map(([id, pid]) => ({ [id]: pid })),
            Returned: (job.minions ?? []).filter((id) => !(id in (job.running ?? {}))),
          };
        }
        return [pyJson(out)];
      }
      case 'jobs.lookup_jid': {
        const job = fleet.findJob(String(kwargs.jid ?? ''));
        const out: Record<string, unknown> = {};
        for (const id of job?.minions ?? []) {
          if (!(id in (job?.running ?? {}))) out[id] = returnOf(job!.fun, job!.arg, fleet.minions.get(id));
        }
        return [pyJson(out)];
      }
      default:
        throw new HttpFailure(500, 'An unexpected error occurred');
    }
  };

  const grainsPieces = (minions: readonly SimMinion[]): Pieces => {
    const pieces: Pieces = ['{'];
    let first = true;
    for (const m of minions) {
      pieces.push(`${first ? '' : ', '}${JSON.stringify(m.id)}: `, m.grains ?? '{}');
      first = false;
    }
    pieces.push('}');
    return pieces;
  };

  const naiveTime = (value: unknown): number | 'aware' | null => {
    if (value === undefined || value === null || value === '') return null;
    const text = String(value).trim();
    if (/(Z|[+-]\d\d:?\d\d)$/.test(text)) return 'aware';
    const iso = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?$/.exec(text);
    if (iso) {
      const [, y, mo, d, h = '0', mi = '0', s = '0', f = '0'] = iso;
      return Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s, Math.floor(Number(f.padEnd(6, '0')) / 1000));
    }
    const salt = /^(\d{4}), (\w{3}) (\d\d) (\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?$/.exec(text);
    if (salt) {
      const months = 'JanFebMarAprMayJunJulAugSepOctNovDec';
      const [, y, mon, d, h, mi, s = '0', f = '0'] = salt;
      return Date.UTC(
        +y!,
        months.indexOf(mon!) / 3,
        +d!,
        +h!,
        +mi!,
        +s,
        Math.floor(Number(f.padEnd(6, '0')) / 1000),
      );
    }
    const parsed = Date.parse(`${text}Z`);
    return Number.isNaN(parsed) ? null : parsed;
  };

  const listJobs = (kwargs: Record<string, unknown>): Pieces => {
    const start = naiveTime(kwargs.start_time);
    const end = naiveTime(kwargs.end_time);
    if (start === 'aware' || end === 'aware') {
      return [
        pyJson(
          "\nPassed invalid arguments: can't compare offset-naive and offset-aware datetimes.\n\nUsage:\n\n    List all detectable jobs and associated functions\n",
        ),
      ];
    }
    const fnGlobs = kwargs.search_function
      ? (Array.isArray(kwargs.search_function)
          ? kwargs.search_function.map(String)
          : String(kwargs.search_function).split(',')
        ).map((g) => globToRegExp(g.trim()))
      : null;
    const tgtGlob = kwargs.search_target ? globToRegExp(String(kwargs.search_target)) : null;
    const pieces: Pieces = ['{'];
    let first = true;
    // Jobs are in jid order and a jid is its start time: seek to the window's start.
    let from = 0;
    if (typeof start === 'number')
      from = fleet.jobIndexFrom(new Date(start).toISOString().replace(/\D/g, ''));
    for (let i = Math.max(0, from - 1); i < fleet.jobs.length; i++) {
      const job = fleet.jobs[i]!;
      const t = jidTime(job.jid);
      if (typeof start === 'number' && t < start) continue;
      if (typeof end === 'number' && t > end) break;
      if (fnGlobs && !fnGlobs.some((re) => re.test(job.fun))) continue;
      if (tgtGlob && !tgtGlob.test(Array.isArray(job.tgt) ? job.tgt.join(',') : job.tgt)) continue;
      pieces.push(`${first ? '' : ', '}"${job.jid}": `, fleet.jobEntry(job));
      first = false;
    }
    pieces.push('}');
    return pieces;
  };

  const didNotReturn = (jid: string) =>
    `Minion did not return. [No response]\nThe minions may not have all finished running and any remaining minions will return upon completion. To look up the return data for this job later, run the following command:\n\nsalt-run jobs.lookup_jid ${jid}`;

  const returnOf = (fun: string, arg: unknown[], minion: SimMinion | undefined): unknown => {
    switch (fun) {
      case 'test.ping':
      case 'test.sleep':
        return true;
      case 'test.echo':
        return arg[0] ?? '';
      case 'test.version':
        return minion ? (minion.generation > 0 ? '3008.5' : '3007.6') : '3008.5';
      case 'cmd.run':
        return `sim: ran ${String(arg[0] ?? '')}`;
      case 'grains.items':
        return minion?.grains ? JSON.parse(minion.grains.toString('utf8')) : {};
      case 'saltutil.kill_job':
      case 'saltutil.term_job': {
        const job = fleet.findJob(String(arg[0] ?? ''));
        const pid = minion ? job?.running?.[minion.id] : undefined;
        if (pid === undefined) return '';
        delete job!.running![minion!.id];
        return `Signal ${fun === 'saltutil.kill_job' ? 9 : 15} sent to job ${job!.jid} at pid ${pid}`;
      }
      case 'saltutil.running':
        return [];
      default:
        return /^(test|cmd|grains|saltutil|state|pkg|service|disk|network|file|sys|status)\./.test(fun)
          ? true
          : `'${fun}' is not available.`;
    }
  };

  const targeted = (chunk: Record<string, unknown>) => fleet.target(chunk.tgt, chunk.tgt_type ?? 'glob');
  const argsOf = (chunk: Record<string, unknown>) =>
    Array.isArray(chunk.arg) ? chunk.arg : chunk.arg === undefined ? [] : [chunk.arg];

  const localCall = (chunk: Record<string, unknown>, session: Session, fun: string): Pieces => {
    const minions = targeted(chunk);
    const arg = argsOf(chunk);
    const jid = fleet.mintJid();
    announce(jid, chunk, session, fun, arg, minions);
    const pieces: Pieces = ['{'];
    let first = true;
    for (const m of minions) {
      const value = !m.present
        ? pyJson(didNotReturn(jid))
        : fun === 'grains.items' && m.grains
          ? m.grains
          : pyJson(returnOf(fun, arg, m));
      pieces.push(`${first ? '' : ', '}${JSON.stringify(m.id)}: `, value);
      first = false;
      if (m.present && minions.length <= 1_000) publishReturn(jid, fun, arg, m, session);
    }
    pieces.push('}');
    return pieces;
  };

  const announce = (
    jid: string,
    chunk: Record<string, unknown>,
    session: Session,
    fun: string,
    arg: unknown[],
    minions: readonly SimMinion[],
  ): void => {
    publish({
      tag: `salt/job/${jid}/new`,
      data: {
        jid,
        tgt_type: chunk.tgt_type ?? 'glob',
        tgt: chunk.tgt,
        user: session.user,
        fun,
        arg,
        minions: minions.map((m) => m.id),
        missing: [],
        _stamp: saltStamp(now()),
      },
    });
  };

  const publishReturn = (jid: string, fun: string, arg: unknown[], m: SimMinion, session: Session) => {
    publish({
      tag: `salt/job/${jid}/ret/${m.id}`,
      data: {
        cmd: '_return',
        id: m.id,
        success: true,
        return: returnOf(fun, arg, m),
        retcode: 0,
        jid,
        fun,
        fun_args: arg,
        user: session.user,
        _stamp: saltStamp(now()),
        ts: Math.floor(now() / 1000),
      },
    });
  };

  const localAsync = (chunk: Record<string, unknown>, session: Session, fun: string): unknown => {
    const minions = targeted(chunk);
    if (minions.length === 0) return {};
    const arg = argsOf(chunk);
    const jid = fleet.mintJid();
    const present = minions.filter((m) => m.present);
    const job: SimJob = {
      jid,
      fun,
      arg,
      tgt: chunk.tgt as string | string[],
      tgtType: String(chunk.tgt_type ?? 'glob'),
      user: session.user,
      minions: minions.map((m) => m.id),
      running: Object.fromEntries(present.map((m, i) => [m.id, 1000 + ((m.index * 31 + i) % 60_000)])),
    };
    fleet.addJob(job);
    announce(jid, chunk, session, fun, arg, minions);
    const delay = fun === 'test.sleep' ? Number(arg[0] ?? 0) * 1000 : returnDelay;
    const timer = setTimeout(() => {
      timers.delete(timer);
      for (const m of present) {
        // A killed job sends no return.
        if (job.running && m.id in job.running) {
          delete job.running[m.id];
          publishReturn(jid, fun, arg, m, session);
        }
      }
    }, delay);
    timers.add(timer);
    return { jid, minions: minions.map((m) => m.id) };
  };

  const wheel = (fun: string, chunk: Record<string, unknown>): { return: unknown; success: boolean } => {
    const flag = (name: string) => chunk[name] === true || chunk[name] === 'true' || chunk[name] === 'True';
    const change = (from: string[], to: 'accepted' | 'rejected', act: string) => {
      const moved: string[] = [];
      for (const m of fleet.matchKeys(chunk.match)) {
        if (!from.includes(m.key)) continue;
        fleet.setKey(m, to);
        moved.push(m.id);
        publish({
          tag: 'salt/key',
          data: { result: true, act, id: m.id, pub: PUB_KEY, _stamp: saltStamp(now()) },
        });
      }
      return moved.sort();
    };
    switch (fun) {
      case 'key.list_all':
        return { return: JSON.parse(fleet.keyListJson()), success: true };
      case 'key.accept': {
        const from = ['pending'];
        if (flag('include_rejected')) from.push('rejected');
        if (flag('include_denied')) from.push('denied');
        const moved = change(from, 'accepted', 'accepted');
        return { return: moved.length ? { minions: moved } : {}, success: true };
      }
      case 'key.reject': {
        const from = ['pending'];
        if (flag('include_accepted')) from.push('accepted');
        if (flag('include_denied')) from.push('denied');
        const moved = change(from, 'rejected', 'rejected');
        return { return: moved.length ? { minions_rejected: moved } : {}, success: true };
      }
      case 'key.delete': {
        for (const m of fleet.matchKeys(chunk.match)) {
          fleet.deleteKey(m);
          publish({
            tag: 'salt/key',
            data: { result: true, act: 'delete', id: m.id, _stamp: saltStamp(now()) },
          });
        }
        return { return: {}, success: true };
      }
      default:
        return {
          return: `Exception occurred in wheel ${fun}: AttributeError: module has no attribute '${fun.split('.')[1]}'`,
          success: false,
        };
    }
  };

  // ---- HTTP ----
  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    pieces: Pieces,
    extra: Record<string, string> = {},
  ) => {
    let length = 0;
    for (const p of pieces) length += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(length), ...extra });
    res.cork();
    for (const p of pieces) res.write(p);
    res.uncork();
    res.end();
    stats.bytesOut += length;
    bump(stats.statuses, String(status));
  };
  const sendJson = (res: ServerResponse, status: number, json: string, extra?: Record<string, string>) =>
    send(res, status, 'application/json', [json], extra);
  const sendError = (res: ServerResponse, status: number, message: string) => {
    if (status === 500) sendJson(res, 500, pyJson({ status: 500, return: message }));
    else send(res, status, 'text/html;charset=utf-8', [errorPage(status, message)]);
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          reject(new HttpFailure(413, 'The entity sent with the request exceeds the maximum allowed bytes.'));
          req.resume();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const parseBody = (req: IncomingMessage, text: string): unknown => {
    if (text.length === 0) return undefined;
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/x-www-form-urlencoded' || type === '') {
      const params = new URLSearchParams(text);
      const out: Record<string, unknown> = {};
      for (const key of new Set(params.keys())) {
        const all = params.getAll(key);
        out[key] = key === 'arg' || all.length > 1 ? all : all[0];
      }
      return out;
    }
    if (type === 'application/json' || type === 'text/plain') {
      try {
        return JSON.parse(text);
      } catch {
        if (type === 'text/plain') return text;
        throw new HttpFailure(400, 'Invalid JSON document');
      }
    }
    throw new HttpFailure(406, 'Content type not supported');
  };

  const tokenOf = (req: IncomingMessage): string | undefined => {
    const header = req.headers['x-auth-token'];
    if (typeof header === 'string' && header) return header;
    const cookie = /(?:^|;\s*)session_id=([^;]+)/.exec(req.headers.cookie ?? '');
    return cookie?.[1];
  };

  const acceptsJson = (req: IncomingMessage) => {
    const accept = req.headers.accept;
    return !accept || /application\/json|\*\/\*|application\/\*/.test(accept);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    bump(stats.requests, `${req.method} ${path}`);
    res.setHeader('Server', 'CherryPy/18.10.0');
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Expose-Headers', 'GET, POST');
    if (path.startsWith('/_sim/')) return control(req, res, path);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Auth-Token, X-Requested-With');
      res.setHeader('Access-Control-Max-Age', '1400');
      return send(res, 200, 'text/html;charset=utf-8', []);
    }
    const latency = (faults.latencyMs ?? 0) + Math.random() * (faults.jitterMs ?? 0);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const burst = faults.errorBurst;
    if (burst && burst.count > 0) {
      burst.count--;
      const message =
        burst.status === 503
          ? 'Salt Master is not available.'
          : burst.status === 500
            ? 'An unexpected error occurred'
            : REASONS[burst.status]!;
      return sendError(res, burst.status, message);
    }
    if (path === '/' && req.method === 'GET') {
      return sendJson(res, 200, pyJson({ return: 'Welcome', clients: CLIENTS }));
    }
    if (path === '/login' && req.method === 'GET') {
      return sendJson(res, 200, pyJson({ status: null, return: 'Please log in' }), {
        'WWW-Authenticate': 'Session',
      });
    }
    if (path === '/events' && req.method === 'GET') return events(req, res, url);
    if (req.method !== 'POST') return sendError(res, 404, `The path '${url.pathname}' was not found.`);
    if (!acceptsJson(req))
      return sendError(res, 406, `Your client sent this Accept header: ${req.headers.accept}`);
    const body = parseBody(req, await readBody(req));
    if (path === '/login') return login(res, body);
    if (path === '/logout') {
      const token = tokenOf(req);
      if (!valid(token)) return sendError(res, 401, 'No permission -- see authorization schemes');
      sessions.delete(token!);
      return sendJson(res, 200, pyJson({ return: 'Your token has been cleared' }), {
        'Set-Cookie': 'session_id=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
      });
    }
    if (path !== '/') return sendError(res, 404, `The path '${url.pathname}' was not found.`);
    const session = valid(tokenOf(req));
    if (!session) return sendError(res, 401, 'No permission -- see authorization schemes');
    const lowstate =
      body === undefined ? [] : Array.isArray(body) ? body : typeof body === 'object' ? [body] : null;
    if (lowstate === null) throw new HttpFailure(400, 'Lowstates must be a list');
    const pieces: Pieces = ['{"return": ['];
    lowstate.forEach((chunk, i) => {
      if (chunk === null || typeof chunk !== 'object') throw new HttpFailure(400, 'Lowstates must be a list');
      if (i > 0) pieces.push(', ');
      // A loop, not push(...): a 100,000-job answer is more pieces than a call's arguments may be.
      for (const piece of call(chunk as Record<string, unknown>, session)) pieces.push(piece);
    });
    pieces.push(']}');
    if ((faults.malformedJson ?? 0) > 0) {
      faults.malformedJson!--;
      return sendJson(res, 200, '{"return": [{"tag": "salt/wheel/2026112722252853692');
    }
    send(res, 200, 'application/json', pieces);
  };

  const login = (res: ServerResponse, body: unknown) => {
    const creds = (body ?? {}) as Record<string, unknown>;
    if (creds.username !== username || creds.password !== password || creds.eauth !== eauthName) {
      return sendError(res, 401, 'Could not authenticate using provided credentials');
    }
    const token = randomBytes(20).toString('hex');
    const start = now() / 1000;
    sessions.set(token, { user: username, eauth: eauthName, start, expire: start + lifetime });
    stats.logins++;
    return sendJson(
      res,
      200,
      pyJson({
        return: [
          {
            token,
            expire: start + lifetime,
            start,
            user: username,
            eauth: eauthName,
            perms: ['.*', '@jobs', '@runner', '@wheel'],
          },
        ],
      }),
      {
        'X-Auth-Token': token,
        'Set-Cookie': `session_id=${token}; expires=${new Date(now() + 36_000_000).toUTCString()}; Max-Age=36000; Path=/`,
      },
    );
  };

  const events = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    // Salt 3008.5 (PR #69072): any query parameter is refused, tokens travel in a header or cookie.
    if (url.search !== '') return sendError(res, 400, 'Query parameters are not supported on /events');
    const token = tokenOf(req);
    if (!valid(token)) return sendError(res, 401, 'No permission -- see authorization schemes');
    res.writeHead(200, {
      'Content-Type': 'text/event-stream;charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.write('retry: 400\n');
    bump(stats.statuses, '200');
    const stream: Stream = { res, token: token! };
    streams.add(stream);
    stats.openStreams = streams.size;
    res.on('close', () => endStream(stream, false));
    if (rate > 0) refreshSnapshots();
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const text = req.method === 'POST' ? await readBody(req) : '';
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return sendJson(res, 400, JSON.stringify({ error: 'the control API takes a JSON body' }));
    }
    switch (`${req.method} ${path}`) {
      case 'GET /_sim/stats':
        return sendJson(
          res,
          200,
          JSON.stringify({ ...stats, minions: fleet.minions.size, jobs: fleet.jobs.length, rate }),
        );
      case 'GET /_sim/faults':
        return sendJson(res, 200, JSON.stringify(faults));
      case 'POST /_sim/faults':
        faults = body as SimFaults;
        return sendJson(res, 200, JSON.stringify(faults));
      case 'POST /_sim/drop-events':
        return sendJson(res, 200, JSON.stringify({ dropped: dropEventStreams() }));
      case 'POST /_sim/expire-tokens':
        return sendJson(res, 200, JSON.stringify({ expired: expireTokens() }));
      case 'POST /_sim/events':
        setEventRate(Number(body.rate ?? 0));
        return sendJson(res, 200, JSON.stringify({ rate }));
      case 'POST /_sim/churn': {
        const result = churn(body as SimChurn);
        return sendJson(
          res,
          200,
          JSON.stringify({
            grains: result.grains.length,
            online: result.online.length,
            offline: result.offline.length,
            newKeys: result.newKeys.length,
          }),
        );
      }
      default:
        return sendJson(res, 404, JSON.stringify({ error: `no control endpoint ${req.method} ${path}` }));
    }
  };

  const dropEventStreams = () => {
    const n = streams.size;
    for (const stream of [...streams]) {
      endStream(stream, true);
      stream.res.destroy();
    }
    return n;
  };
  const expireTokens = () => {
    let n = 0;
    for (const session of sessions.values()) {
      session.expire = Math.min(session.expire, now() / 1000 - 1);
      n++;
    }
    return n;
  };
  const churn = (c: SimChurn) => {
    const result = fleet.churn(c);
    if (result.online.length > 0 || result.offline.length > 0) {
      publish({
        tag: 'salt/presence/change',
        data: { new: result.online, lost: result.offline, _stamp: saltStamp(now()) },
      });
    }
    return result;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpFailure) sendError(res, error.status, error.message);
      else {
        if (process.env.HALITE_SIM_DEBUG) console.error(error);
        sendError(res, 500, 'An unexpected error occurred');
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = (options.host ?? '127.0.0.1').includes(':')
    ? `[${options.host}]`
    : (options.host ?? '127.0.0.1');
  if (options.eventsPerSecond) setEventRate(options.eventsPerSecond);

  return {
    url: `http://${host}:${port}`,
    fleet,
    stats,
    setFaults: (f) => {
      faults = { ...f, ...(f.errorBurst ? { errorBurst: { ...f.errorBurst } } : {}) };
    },
    faults: () => faults,
    dropEventStreams,
    expireTokens,
    setEventRate,
    publish,
    churn,
    close: async () => {
      if (generator) clearInterval(generator);
      for (const t of timers) clearTimeout(t);
      for (const stream of [...streams]) endStream(stream, false);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
