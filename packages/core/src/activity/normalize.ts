import { z } from 'zod';
import { parseSaltTimestamp } from '../salt/time.js';
import type { NormalizedEvent, NormalizedJobReturn } from './schemas.js';

/**
 * Job functions that Salt (or Halite's own pollers) publish as plumbing: `saltutil.find_job`
 * probes from the master's LocalClient, `saltutil.running` from `jobs.active`. They never reach
 * the feed.
 */
export const INTERNAL_JOB_FUNCTIONS: ReadonlySet<string> = new Set(['saltutil.find_job', 'saltutil.running']);

/** Options of {@link normalizeSaltEvent}. */
export interface NormalizeOptions {
  /** Receive time, used when an event carries no `_stamp`. */
  receivedAt?: Date;
}

/** Why an event was not kept. */
export type DropReason = 'ignored' | 'internal' | 'malformed';

/** What {@link normalizeSaltEvent} made of an event. */
export type NormalizeResult = { kept: true; event: NormalizedEvent } | { kept: false; reason: DropReason };

const JID = /^\d{20}(?:_\d+)?$/;
const JOB_TAG = /^salt\/job\/([^/]+)\/(new|ret)(?:\/(.+))?$/;
const MINION_START_TAG = /^salt\/minion\/(.+)\/start$/;

const Raw = z.object({ tag: z.string(), data: z.record(z.string(), z.unknown()) });
const str = z.string().min(1).max(1024);
const JobNew = z.object({
  fun: z.union([str, z.array(str).min(1)]),
  tgt: z.union([z.string(), z.array(z.string())]).optional(),
  tgt_type: z.string().optional(),
  user: z.string().optional(),
  minions: z.array(z.string()).optional(),
});
const JobRet = z.object({
  id: str,
  fun: z.union([str, z.array(str)]).optional(),
  success: z.boolean().optional(),
  retcode: z.union([z.number(), z.record(z.string(), z.number())]).optional(),
  return: z.unknown().optional(),
  user: z.string().optional(),
});
const KeyEvent = z.object({ id: str, act: z.string().optional(), result: z.boolean().optional() });

const KEY_ACTS: Record<string, 'accept' | 'reject' | 'delete'> = {
  accept: 'accept',
  accepted: 'accept',
  reject: 'reject',
  rejected: 'reject',
  delete: 'delete',
  deleted: 'delete',
};
const KEY_WORDS = { accept: 'accepted', reject: 'rejected', delete: 'deleted', pend: 'is pending' } as const;

/**
 * Turns one raw Salt event into the activity feed's shape, or says why it was dropped. Pure and
 * total: any input, however malformed, gives a result and never throws.
 *
 * Kept: `salt/job/<jid>/new` → `job.new`; `salt/job/<jid>/ret/<minion>` → `job.ret` (with the
 * return for `job_returns`, which the Store caps); `salt/key` accept/reject/delete (both Salt spellings) →
 * `key.*`; `salt/auth` pend → `key.pend`; `salt/minion/<id>/start` → `minion.start`.
 * Everything else (runner and wheel jobs, the legacy `minion_start`, presence, `find_job`
 * probes) is dropped as `ignored` or `internal`; events that match a kept tag but lack the
 * fields it needs are dropped as `malformed`.
 *
 * @example
 * ```ts
 * const result = normalizeSaltEvent({ tag: 'salt/minion/web1/start', data: { id: 'web1', _stamp: '2026-01-02T03:04:05.123456' } });
 * if (result.kept) console.log(result.event.summary); // "web1 started"
 * ```
 */
export function normalizeSaltEvent(raw: unknown, options: NormalizeOptions = {}): NormalizeResult {
  const parsed = Raw.safeParse(raw);
  if (!parsed.success) return { kept: false, reason: 'malformed' };
  const { tag, data } = parsed.data;
  const occurredAt =
    (typeof data._stamp === 'string' ? parseSaltTimestamp(data._stamp) : null) ??
    (options.receivedAt ?? new Date()).toISOString();

  const job = JOB_TAG.exec(tag);
  if (job) {
    const [, jid = '', kind, minion] = job;
    if (!JID.test(jid)) return { kept: false, reason: 'malformed' };
    return kind === 'new'
      ? normalizeJobNew(jid, data, occurredAt)
      : normalizeJobRet(jid, minion, data, occurredAt);
  }
  if (tag === 'salt/key' || tag === 'salt/auth') return normalizeKey(tag, data, occurredAt);
  const start = MINION_START_TAG.exec(tag);
  if (start) {
    const id = start[1] ?? '';
    if (id.length === 0 || id.length > 1024) return { kept: false, reason: 'malformed' };
    return kept({
      category: 'minion',
      event_type: 'minion.start',
      occurred_at: occurredAt,
      minion_id: id,
      summary: `${id} started`,
    });
  }
  return { kept: false, reason: 'ignored' };
}

function normalizeJobNew(jid: string, data: Record<string, unknown>, occurredAt: string): NormalizeResult {
  const parsed = JobNew.safeParse(data);
  if (!parsed.success) return { kept: false, reason: 'malformed' };
  const fun = joinFun(parsed.data.fun);
  if (INTERNAL_JOB_FUNCTIONS.has(fun)) return { kept: false, reason: 'internal' };
  const count = parsed.data.minions?.length ?? null;
  const target = parsed.data.tgt === undefined ? null : joinTarget(parsed.data.tgt);
  return kept({
    category: 'job',
    event_type: 'job.new',
    occurred_at: occurredAt,
    jid,
    fun,
    initiator: parsed.data.user ?? null,
    target,
    target_type: parsed.data.tgt_type ?? null,
    minion_count: count,
    summary: `${fun} dispatched to ${count ?? '?'} minion${count === 1 ? '' : 's'}`,
  });
}

function normalizeJobRet(
  jid: string,
  minionFromTag: string | undefined,
  data: Record<string, unknown>,
  occurredAt: string,
): NormalizeResult {
  const parsed = JobRet.safeParse(data);
  if (!parsed.success) return { kept: false, reason: 'malformed' };
  const minion = minionFromTag ?? parsed.data.id;
  const fun = parsed.data.fun === undefined ? null : joinFun(parsed.data.fun);
  if (fun !== null && INTERNAL_JOB_FUNCTIONS.has(fun)) return { kept: false, reason: 'internal' };
  const retcode = maxRetcode(parsed.data.retcode);
  const success = parsed.data.success ?? (retcode === null ? null : retcode === 0);
  const states = stateResults(parsed.data.return);
  const changed = states ? states.some((s) => isNonEmpty(s.changes)) : null;
  const duration = states ? sumDurations(states) : null;
  const jobReturn: NormalizedJobReturn = {
    jid,
    minion_id: minion,
    fun,
    success,
    retcode,
    return_value: parsed.data.return ?? null,
    returned_at: occurredAt,
  };
  const mark = success === null ? '' : success ? ' ✓' : ' ✗';
  return kept({
    category: 'job',
    event_type: 'job.ret',
    occurred_at: occurredAt,
    minion_id: minion,
    jid,
    fun,
    success,
    changed,
    initiator: parsed.data.user ?? null,
    duration_ms: duration,
    summary: `${minion} returned ${fun ?? 'a job'}${mark}`,
    job_return: jobReturn,
  });
}

function normalizeKey(tag: string, data: Record<string, unknown>, occurredAt: string): NormalizeResult {
  const parsed = KeyEvent.safeParse(data);
  if (!parsed.success) return { kept: false, reason: 'malformed' };
  const act = parsed.data.act ?? '';
  let type: keyof typeof KEY_WORDS | undefined;
  if (tag === 'salt/key') type = KEY_ACTS[act];
  else if (act === 'pend' || act === 'pending') type = 'pend';
  if (!type) return { kept: false, reason: 'ignored' };
  const id = parsed.data.id;
  return kept({
    category: 'key',
    event_type: `key.${type}`,
    occurred_at: occurredAt,
    minion_id: id,
    success: parsed.data.result ?? null,
    summary: `${id} key ${KEY_WORDS[type]}`,
  });
}

function kept(
  event: Partial<NormalizedEvent> &
    Pick<NormalizedEvent, 'category' | 'event_type' | 'occurred_at' | 'summary'>,
): NormalizeResult {
  return {
    kept: true,
    event: {
      minion_id: null,
      jid: null,
      fun: null,
      success: null,
      changed: null,
      initiator: null,
      target: null,
      target_type: null,
      minion_count: null,
      duration_ms: null,
      job_return: null,
      ...event,
    },
  };
}

function joinFun(fun: string | string[]): string {
  return Array.isArray(fun) ? fun.join(',') : fun;
}

function joinTarget(tgt: string | string[]): string {
  const joined = Array.isArray(tgt) ? tgt.join(',') : tgt;
  return joined.length > 2048 ? `${joined.slice(0, 2047)}…` : joined;
}

function maxRetcode(retcode: number | Record<string, number> | undefined): number | null {
  if (retcode === undefined) return null;
  if (typeof retcode === 'number') return retcode;
  const values = Object.values(retcode);
  return values.length === 0 ? null : Math.max(...values);
}

interface StateResult {
  changes?: unknown;
  duration?: unknown;
}

/** The state results of a `state.*` return (`{"<id>_|-<name>_|-…": {result, changes, …}}`), else null. */
function stateResults(ret: unknown): StateResult[] | null {
  if (!isPlainObject(ret)) return null;
  const entries = Object.entries(ret);
  if (entries.length === 0) return null;
  const states: StateResult[] = [];
  for (const [key, value] of entries) {
    if (!key.includes('_|-') || !isPlainObject(value) || !('result' in value)) return null;
    states.push(value);
  }
  return states;
}

function sumDurations(states: StateResult[]): number | null {
  let total = 0;
  let seen = false;
  for (const s of states) {
    const d = typeof s.duration === 'number' ? s.duration : Number.parseFloat(String(s.duration ?? ''));
    if (Number.isFinite(d)) {
      total += d;
      seen = true;
    }
  }
  return seen ? Math.round(total) : null;
}

function isNonEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return value !== '' && value !== false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
