// Event pipeline benchmark.
//   1. Sustained events/s through normalize → persist (SQLite file, batches of 500) → publish.
//   2. Fan-out: 200 SSE clients on GET /api/activity/stream (the real handler on node:http,
//      loopback) while 2,000 events/s are persisted and published; every client must receive
//      every event; delay = publish → client parse.
//
//   tsx --conditions=dev-source bench/events.bench.ts [--smoke]
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createParser } from 'eventsource-parser';
import {
  createHalite,
  type NormalizedEvent,
  normalizeSaltEvent,
  persistActivity,
} from '../packages/core/src/index.ts';
import { createHaliteHandler, toNodeListener } from '../packages/http-adapter/src/index.ts';
import { createSqliteStore } from '../packages/store-sqlite/src/index.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
const SMOKE = values.smoke;
const PIPELINE_EVENTS = SMOKE ? 5_000 : 200_000;
const CLIENTS = SMOKE ? 20 : 200;
const RATE = SMOKE ? 200 : 2_000;
const SECONDS = SMOKE ? 2 : 10;
const TARGET = { eventsPerSecond: 10_000, p99Ms: 100 };

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

async function pipeline(): Promise<{ events: number; kept: number; ms: number; perSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'halite-bench-'));
  const store = await createSqliteStore({ filename: join(dir, 'bench.sqlite') });
  const halite = await createHalite({ store, secret: 'b'.repeat(40), boot: false });
  let kept = 0;
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
  await halite.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    events: PIPELINE_EVENTS,
    kept,
    ms: Math.round(ms),
    perSecond: Math.round((PIPELINE_EVENTS / ms) * 1000),
  };
}

async function fanout() {
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
  const publishedAt = new Map<number, number>();
  const delays: number[] = [];
  const received = new Array<number>(CLIENTS).fill(0);
  const abort = new AbortController();
  const ready: Promise<void>[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    ready.push(
      (async () => {
        const res = await fetch(url, { signal: abort.signal });
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        const parser = createParser({
          onEvent: (e) => {
            if (!e.id) return;
            const t = publishedAt.get(Number(e.id));
            if (t !== undefined) delays.push(performance.now() - t);
            received[c] = (received[c] ?? 0) + 1;
          },
        });
        void (async () => {
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return;
              parser.feed(value);
            }
          } catch {
            // aborted at the end
          }
        })();
      })(),
    );
  }
  await Promise.all(ready);
  const rssBefore = process.memoryUsage().rss;
  const source = saltEvents(RATE * SECONDS * 2);
  const perTick = RATE / 20; // publish every 50 ms
  let published = 0;
  const started = performance.now();
  for (let tick = 0; tick < SECONDS * 20; tick++) {
    const batch: NormalizedEvent[] = [];
    while (batch.length < perTick) {
      const next = source.next();
      if (next.done) break;
      const r = normalizeSaltEvent(next.value);
      if (r.kept) batch.push(r.event);
    }
    const now = performance.now();
    const stored = await persistActivity(store, null, batch);
    for (const e of stored) publishedAt.set(e.id, now);
    halite.hub.publish(stored);
    published += stored.length;
    const wait = started + (tick + 1) * 50 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const deadline = performance.now() + 10_000;
  while (received.some((n) => n < published) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const rssAfter = process.memoryUsage().rss;
  abort.abort();
  await halite.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  delays.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((delays[Math.min(delays.length - 1, Math.floor(delays.length * p))] ?? 0) * 10) / 10;
  return {
    clients: CLIENTS,
    rate: RATE,
    seconds: SECONDS,
    published,
    everyClientGotEverything: received.every((n) => n === published),
    minReceived: Math.min(...received),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    maxMs: pct(1),
    rssBeforeMb: Math.round(rssBefore / 2 ** 20),
    rssAfterMb: Math.round(rssAfter / 2 ** 20),
  };
}

const p = await pipeline();
console.log(
  `pipeline: ${p.events} raw events (${p.kept} kept) in ${p.ms} ms → ${p.perSecond} events/s (target ≥ ${TARGET.eventsPerSecond})`,
);
const f = await fanout();
console.log(
  `fan-out: ${f.clients} SSE clients, ${f.rate} events/s for ${f.seconds} s: ${f.published} events, every client got every event: ${f.everyClientGotEverything} (min ${f.minReceived}); delay p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (target ≤ ${TARGET.p99Ms}), max ${f.maxMs} ms; RSS ${f.rssBeforeMb} → ${f.rssAfterMb} MB`,
);
const ok =
  SMOKE || (p.perSecond >= TARGET.eventsPerSecond && f.everyClientGotEverything && f.p99Ms <= TARGET.p99Ms);
if (!f.everyClientGotEverything) process.exitCode = 1;
if (!ok) console.log('MISSED a target (see docs/benchmarks.md)');
