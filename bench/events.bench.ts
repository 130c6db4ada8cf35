// Event pipeline benchmark.
//   1. Sustained events/s through normalize → persist (SQLite file, batches of 500) → publish.
//   2. Fan-out: N SSE clients on GET /api/activity/stream (the real handler on node:http,
//      loopback) while events are persisted and published every 50 ms; every client must
//      receive every event; delay = start of the batch's persist → parsed by the client. The
//      clients run in a child process (by default), so the server's numbers are its own.
//
//   tsx --conditions=dev-source bench/events.bench.ts [--smoke] [--json]
//       [--only pipeline|fanout] [--events N] [--clients N] [--rate N] [--seconds N]
//       [--clients-in-process]
//
// --json prints one JSON object ({ smoke, loadavg, targets, pipeline?, fanout?, ok }) instead of
// the text. With --clients-in-process the CPU and RSS figures cover server and clients together.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createHalite,
  type NormalizedEvent,
  normalizeSaltEvent,
  persistActivity,
} from '../packages/core/src/index.ts';
import { createHaliteHandler, toNodeListener } from '../packages/http-adapter/src/index.ts';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    events: { type: 'string' },
    clients: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    'clients-in-process': { type: 'boolean', default: false },
    // Internal: this process is the SSE client side of a fan-out run.
    'client-worker': { type: 'boolean', default: false },
  },
});
const SMOKE = values.smoke;
const int = (v: string | undefined, fallback: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${v}`);
  return n;
};
const PIPELINE_EVENTS = int(values.events, SMOKE ? 5_000 : 200_000);
const CLIENTS = int(values.clients, SMOKE ? 20 : 200);
const RATE = int(values.rate, SMOKE ? 200 : 2_000);
const SECONDS = int(values.seconds, SMOKE ? 2 : 60);
const TARGET = { eventsPerSecond: 10_000, p99Ms: 100 };
const TICK_MS = 50;
/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
const wallMs = () => performance.timeOrigin + performance.now();

/** A realistic mix: a job to 10 minions and their returns, key and minion events, and noise. */
function* saltEvents(n: number): Generator<{ tag: string; data: Record<string, unknown> }> {
  let i = 0;
  let job = 0;
  while (i < n) {
    const jid = `2026010100${String(job++).padStart(10, '0')}`;
    const stamp = new Date(Date.UTC(2026, 0, 1) + job).toISOString().replace('Z', '+00:00');
    yield {
      tag: `salt/job/${jid}/new`,
      data: {
        fun: 'state.apply',
        tgt: 'web*',
        tgt_type: 'glob',
        user: 'ops',
        minions: Array.from({ length: 10 }, (_, m) => `web${m}`),
        _stamp: stamp,
      },
    };
    i++;
    for (let m = 0; m < 10 && i < n; m++, i++) {
      yield {
        tag: `salt/job/${jid}/ret/web${m}`,
        data: {
          id: `web${m}`,
          fun: 'state.apply',
          retcode: m === 3 ? 2 : 0,
          success: m !== 3,
          _stamp: stamp,
          return: {
            'file_|-motd_|-/etc/motd_|-managed': {
              result: true,
              changes: m % 2 ? { diff: '+hello' } : {},
              duration: 3.2,
              comment: 'ok',
            },
            'pkg_|-nginx_|-nginx_|-installed': {
              result: m !== 3,
              changes: {},
              duration: 120.5,
              comment: 'ok',
            },
          },
        },
      };
    }
    if (i < n) {
      yield { tag: `salt/run/${jid}/new`, data: { fun: 'runner.jobs.list_jobs', _stamp: stamp } };
      i++;
    }
    if (i < n && job % 20 === 0) {
      yield { tag: 'salt/key', data: { act: 'accepted', id: `new${job}`, result: true, _stamp: stamp } };
      i++;
    }
    if (i < n && job % 50 === 0) {
      yield { tag: `salt/minion/web${job % 10}/start`, data: { id: `web${job % 10}`, _stamp: stamp } };
      i++;
    }
  }
}

interface PipelineResult {
  events: number;
  kept: number;
  ms: number;
  /** Raw Salt events per second (the target's measure). */
  perSecond: number;
  keptPerSecond: number;
  /** CPU time of this process for the run: on a shared machine, events per CPU second tell more. */
  cpuMs: number;
  perCpuSecond: number;
}

async function pipeline(): Promise<PipelineResult> {
  const dir = mkdtempSync(join(tmpdir(), 'halite-bench-'));
  const store = await createSqliteStore({ filename: join(dir, 'bench.sqlite') });
  const halite = await createHalite({ store, secret: 'b'.repeat(40), boot: false });
  let kept = 0;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let batch: NormalizedEvent[] = [];
  for (const raw of saltEvents(PIPELINE_EVENTS)) {
    const r = normalizeSaltEvent(raw);
    if (!r.kept) continue;
    batch.push(r.event);
    if (batch.length >= 500) {
      kept += (await persistActivity(store, halite.hub, batch)).length;
      batch = [];
    }
  }
  if (batch.length > 0) kept += (await persistActivity(store, halite.hub, batch)).length;
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  await halite.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    events: PIPELINE_EVENTS,
    kept,
    ms: Math.round(ms),
    perSecond: Math.round((PIPELINE_EVENTS / ms) * 1000),
    keptPerSecond: Math.round((kept / ms) * 1000),
    cpuMs: Math.round(cpuMs),
    perCpuSecond: Math.round((PIPELINE_EVENTS / cpuMs) * 1000),
  };
}

// ---- SSE clients (in a child process by default) ---------------------------------------------

const BLANK_LINE = Buffer.from('\n\n');
const ID = Buffer.from('id: ');
const DATA = Buffer.from('data: ');
const RESET = Buffer.from('event: reset');
const CONNECTED = Buffer.from(': connected');
const startsWith = (buf: Buffer, at: number, prefix: Buffer) =>
  buf.length >= at + prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;

/** Delay histogram in 0.1 ms buckets up to 30 s: bounded memory whatever the run length. */
const BUCKET_MS = 0.1;
const BUCKETS = 300_000;

type ToClients =
  | { type: 'start'; url: string; clients: number }
  | { type: 'published'; from: number; to: number; at: number }
  | { type: 'expect'; published: number; lastId: number; timeoutMs: number };
type FromClients =
  | { type: 'ready' }
  | {
      type: 'done';
      received: number[];
      outOfOrder: number;
      badData: number;
      resets: number;
      histogram: Array<[number, number]>;
      over: number;
      clientCpuMs: number;
    };

/**
 * Opens `clients` SSE connections with node:http and a minimal SSE parser (split on blank
 * lines, read `id:`; every 50th event's data is JSON-parsed and checked against its id). Each
 * event's delay is measured against the publish time the server sends for its id range.
 */
function sseClients(send: (m: FromClients) => void): (m: ToClients) => void {
  const histogram = new Uint32Array(BUCKETS);
  let over = 0;
  let outOfOrder = 0;
  let badData = 0;
  let resets = 0;
  const ticks: Array<{ from: number; to: number; at: number }> = [];
  const received: number[] = [];
  const lastSeen: number[] = [];
  const pending: Array<Array<[number, number]>> = [];
  const requests: Array<ReturnType<typeof get>> = [];
  const cpuStart = process.cpuUsage();
  let expect: { published: number; lastId: number } | null = null;
  let finishTimer: ReturnType<typeof setTimeout> | undefined;

  const record = (delay: number) => {
    const b = Math.floor(delay / BUCKET_MS);
    if (b >= BUCKETS) over++;
    else {
      const i = Math.max(0, b);
      histogram[i] = (histogram[i] as number) + 1;
    }
  };
  const publishedAt = (id: number): number | undefined => {
    // Ticks are in ascending id ranges: binary search.
    let lo = 0;
    let hi = ticks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = ticks[mid] as { from: number; to: number; at: number };
      if (id < t.from) hi = mid - 1;
      else if (id > t.to) lo = mid + 1;
      else return t.at;
    }
    return undefined;
  };
  const finish = () => {
    if (finishTimer) clearTimeout(finishTimer);
    for (const r of requests) r.destroy();
    const cpu = process.cpuUsage(cpuStart);
    const hist: Array<[number, number]> = [];
    for (let b = 0; b < BUCKETS; b++) if (histogram[b]) hist.push([b, histogram[b] as number]);
    send({
      type: 'done',
      received,
      outOfOrder,
      badData,
      resets,
      histogram: hist,
      over,
      clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    });
  };
  const checkDone = () => {
    if (expect && received.every((n) => n >= (expect as { published: number }).published)) finish();
  };

  return (m) => {
    if (m.type === 'start') {
      let ready = 0;
      for (let c = 0; c < m.clients; c++) {
        received.push(0);
        lastSeen.push(0);
        pending.push([]);
        // Parsed as bytes: decoding 100+ MB/s of UTF-8 would make the clients the bottleneck.
        let rest: Buffer | null = null;
        let connected = false;
        const req = get(m.url, { agent: false }, (res) => {
          res.on('data', (chunk: Buffer) => {
            const at = wallMs();
            const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
            let start = 0;
            let end = buf.indexOf(BLANK_LINE);
            while (end !== -1) {
              const blockStart = start;
              start = end + 2;
              const next = buf.indexOf(BLANK_LINE, start);
              if (startsWith(buf, blockStart, ID)) {
                let id = 0;
                let i = blockStart + ID.length;
                for (; buf[i] !== 0x0a; i++) id = id * 10 + ((buf[i] as number) - 0x30);
                if (!(id > (lastSeen[c] as number))) outOfOrder++;
                lastSeen[c] = id;
                received[c] = (received[c] as number) + 1;
                if (id % 50 === 0) {
                  // A sample of the data lines is decoded and checked against the id.
                  const data = buf.toString('utf8', i + 1 + DATA.length, end);
                  try {
                    if (!startsWith(buf, i + 1, DATA) || (JSON.parse(data) as { id?: unknown }).id !== id)
                      badData++;
                  } catch {
                    badData++;
                  }
                }
                const t = publishedAt(id);
                if (t === undefined) (pending[c] as Array<[number, number]>).push([id, at]);
                else record(at - t);
              } else if (startsWith(buf, blockStart, RESET)) {
                resets++;
              } else if (!connected && startsWith(buf, blockStart, CONNECTED)) {
                connected = true;
                if (++ready === m.clients) send({ type: 'ready' });
              }
              end = next;
            }
            rest = start < buf.length ? buf.subarray(start) : null;
            if (expect && (received[c] as number) >= expect.published) checkDone();
          });
        });
        req.on('error', () => {});
        requests.push(req);
      }
    } else if (m.type === 'published') {
      ticks.push({ from: m.from, to: m.to, at: m.at });
      for (const list of pending) {
        if (list.length === 0) continue;
        const still: Array<[number, number]> = [];
        for (const [id, at] of list) {
          const t = publishedAt(id);
          if (t === undefined) still.push([id, at]);
          else record(at - t);
        }
        list.length = 0;
        list.push(...still);
      }
    } else {
      expect = m;
      finishTimer = setTimeout(finish, m.timeoutMs);
      checkDone();
    }
  };
}

if (values['client-worker']) {
  // Exit only once the last message is handed to the channel: the parent reads it first.
  const handle = sseClients((m) =>
    process.send?.(m, undefined, {}, () => {
      if (m.type === 'done') process.exit(0);
    }),
  );
  process.on('message', (m) => handle(m as ToClients));
}

/** The client side: a child process (IPC), or in this process with `--clients-in-process`. */
function startClients(
  onMessage: (m: FromClients) => void,
  onExit: (why: string) => void,
): { send: (m: ToClients) => void; child?: ChildProcess } {
  if (values['clients-in-process']) {
    const handle = sseClients((m) => queueMicrotask(() => onMessage(m)));
    return { send: handle };
  }
  const child = fork(process.argv[1] as string, ['--client-worker'], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m) => onMessage(m as FromClients));
  // 'close', not 'exit': by then every message the child sent has been emitted.
  child.on('close', (code, signal) => onExit(`SSE client process exited (${signal ?? code})`));
  return { send: (m) => child.send(m), child };
}

interface FanoutResult {
  clients: number;
  rate: number;
  seconds: number;
  clientsIn: 'child process' | 'same process';
  published: number;
  everyClientGotEverything: boolean;
  minReceived: number;
  outOfOrder: number;
  badData: number;
  /** Streams the server ended with a reset (a client too slow, or the server too slow). */
  resets: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Server process CPU over the publishing window, as a share of one core. */
  serverCpu: number;
  /** Server process CPU time over the publishing window (independent of other load). */
  serverCpuMs: number;
  clientCpuMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  rssMaxMb: number;
  /** Server RSS once a second while publishing. */
  rssSeriesMb: number[];
  /** Most publishing ticks fell behind the 50 ms schedule by. */
  maxTickLagMs: number;
  /** Events per second actually published (below `rate` when the server could not keep up). */
  achievedRate: number;
}

async function fanout(): Promise<FanoutResult> {
  const dir = mkdtempSync(join(tmpdir(), 'halite-bench-'));
  const store = await createSqliteStore({ filename: join(dir, 'bench.sqlite') });
  // Embedded behind the host's own auth: every client is a host principal that may view all.
  const halite = await createHalite({
    store,
    secret: 'b'.repeat(40),
    eventHub: { queueSize: 5_000 },
    authenticate: async () => ({ id: 'bench', name: 'bench', permissions: ['*'], via: 'host' }),
  });
  await store.settings.update({ eventStreamEnabled: true });
  const server = createServer(toNodeListener(createHaliteHandler(halite)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/activity/stream`;

  // Settled by the client process's messages; both reject when it exits before it is done.
  let ready!: () => void;
  let done!: (m: Extract<FromClients, { type: 'done' }>) => void;
  const rejects: Array<(error: Error) => void> = [];
  const readyP = new Promise<void>((resolve, reject) => {
    ready = resolve;
    rejects.push(reject);
  });
  const doneP = new Promise<Extract<FromClients, { type: 'done' }>>((resolve, reject) => {
    done = resolve;
    rejects.push(reject);
  });
  doneP.catch(() => {}); // awaited later; a failure before then surfaces through readyP
  let finished = false;
  const clients = startClients(
    (m) => {
      if (m.type === 'ready') ready();
      else {
        finished = true;
        done(m);
      }
    },
    (why) => {
      if (!finished) for (const reject of rejects) reject(new Error(why));
    },
  );
  clients.send({ type: 'start', url, clients: CLIENTS });
  await readyP;

  const rssBefore = process.memoryUsage().rss;
  const rssSeries: number[] = [];
  const rssTimer = setInterval(() => rssSeries.push(Math.round(process.memoryUsage().rss / 2 ** 20)), 1000);
  const source = saltEvents(RATE * SECONDS * 2);
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  let published = 0;
  let lastId = 0;
  let maxTickLag = 0;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  for (let tick = 0; tick < (SECONDS * 1000) / TICK_MS; tick++) {
    const lag = performance.now() - (started + tick * TICK_MS);
    if (lag > maxTickLag) maxTickLag = lag;
    const batch: NormalizedEvent[] = [];
    while (batch.length < perTick) {
      const next = source.next();
      if (next.done) break;
      const r = normalizeSaltEvent(next.value);
      if (r.kept) batch.push(r.event);
    }
    const at = wallMs();
    const stored = await persistActivity(store, null, batch);
    if (stored.length > 0) {
      const from = stored[0]?.id as number;
      lastId = stored[stored.length - 1]?.id as number;
      // The publish time reaches the clients before the events can: the IPC message goes first.
      clients.send({ type: 'published', from, to: lastId, at });
    }
    halite.hub.publish(stored);
    published += stored.length;
    // Behind schedule or not, let I/O run: a Store write resolves in microtasks only.
    const wait = started + (tick + 1) * TICK_MS - performance.now();
    await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
  }
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(rssTimer);
  clients.send({ type: 'expect', published, lastId, timeoutMs: 15_000 });
  const result = await doneP;
  const rssAfter = process.memoryUsage().rss;
  await halite.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const total = result.histogram.reduce((s, [, n]) => s + n, 0) + result.over;
  const pct = (p: number) => {
    const rank = Math.min(total - 1, Math.floor(total * p));
    let seen = 0;
    for (const [b, n] of result.histogram) {
      seen += n;
      if (seen > rank) return Math.round((b + 1) * BUCKET_MS * 10) / 10;
    }
    return Number.POSITIVE_INFINITY;
  };
  return {
    clients: CLIENTS,
    rate: RATE,
    seconds: SECONDS,
    clientsIn: clients.child ? 'child process' : 'same process',
    published,
    everyClientGotEverything:
      result.received.length === CLIENTS && result.received.every((n) => n === published),
    minReceived: Math.min(...result.received),
    outOfOrder: result.outOfOrder,
    badData: result.badData,
    resets: result.resets,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    p999Ms: pct(0.999),
    maxMs: pct(1),
    serverCpu: Math.round(((cpu.user + cpu.system) / 1000 / elapsed) * 100) / 100,
    serverCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    clientCpuMs: result.clientCpuMs,
    rssBeforeMb: Math.round(rssBefore / 2 ** 20),
    rssAfterMb: Math.round(rssAfter / 2 ** 20),
    rssMaxMb: Math.max(0, ...rssSeries),
    rssSeriesMb: rssSeries,
    maxTickLagMs: Math.round(maxTickLag),
    achievedRate: Math.round((published / elapsed) * 1000),
  };
}

if (!values['client-worker']) {
  const only = values.only;
  if (only !== undefined && only !== 'pipeline' && only !== 'fanout')
    throw new Error('--only takes pipeline or fanout');
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  const p = only === 'fanout' ? undefined : await pipeline();
  if (p && !values.json) {
    console.log(
      `pipeline: ${p.events} raw events (${p.kept} kept) in ${p.ms} ms → ${p.perSecond} events/s, ${p.keptPerSecond} kept/s (target ≥ ${TARGET.eventsPerSecond}); CPU ${p.cpuMs} ms → ${p.perCpuSecond} events per CPU second`,
    );
  }
  const f = only === 'pipeline' ? undefined : await fanout();
  if (f && !values.json) {
    console.log(
      `fan-out: ${f.clients} SSE clients (${f.clientsIn}), ${f.rate} events/s for ${f.seconds} s (achieved ${f.achievedRate}/s): ${f.published} events, every client got every event: ${f.everyClientGotEverything} (min ${f.minReceived}, out of order ${f.outOfOrder}, bad data ${f.badData}, resets ${f.resets}); delay p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (target ≤ ${TARGET.p99Ms}), p99.9 ${f.p999Ms} ms, max ${f.maxMs} ms; server CPU ${f.serverCpuMs} ms (${f.serverCpu} core), client CPU ${f.clientCpuMs} ms; server RSS ${f.rssBeforeMb} → ${f.rssAfterMb} MB (max ${f.rssMaxMb}); tick lag max ${f.maxTickLagMs} ms`,
    );
    console.log(`server RSS each second (MB): ${f.rssSeriesMb.join(' ')}`);
  }
  const delivered = !f || (f.everyClientGotEverything && f.outOfOrder === 0 && f.badData === 0);
  const ok =
    delivered &&
    (!p || p.perSecond >= TARGET.eventsPerSecond) &&
    (!f || (f.p99Ms <= TARGET.p99Ms && f.achievedRate >= f.rate * 0.95));
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ smoke: SMOKE, loadavg: load, targets: TARGET, pipeline: p, fanout: f, ok })}\n`,
    );
  } else {
    console.log(`load average at start: ${load.join(' ')}`);
    if (!ok && !SMOKE) console.log('MISSED a target (see docs/benchmarks.md)');
  }
  // Delivery is checked at every size (CI runs the smoke size); speed only at full size.
  if (!delivered) process.exitCode = 1;
}
