import { z } from 'zod';

/*
 * zod schemas of the salt-api answers Halite reads (see docs/salt-client.md). They are tolerant:
 * unknown keys pass through (`looseObject`), and the variants Salt versions are known to send are
 * accepted. Each schema's TypeScript type has the same name.
 */

/** A Salt job id: 20 digits of UTC time (`%Y%m%d%H%M%S%f`), maybe with a `_<pid>` suffix. */
export const Jid = z.string().regex(/^\d{20}(_\d+)?$/, 'must be a 20-digit Salt job id');
/** A Salt job id. */
export type Jid = z.infer<typeof Jid>;

/** How a lowstate's `tgt` is read (`tgt_type`). */
export const TargetType = z.enum([
  'glob',
  'pcre',
  'list',
  'grain',
  'grain_pcre',
  'pillar',
  'pillar_pcre',
  'nodegroup',
  'range',
  'compound',
  'ipcidr',
]);
/** How a lowstate's `tgt` is read. */
export type TargetType = z.infer<typeof TargetType>;

/**
 * What `POST /` answers for a lowstate array: one `return` entry per lowstate chunk.
 * (The `/keys` convenience URL answers an object instead; the client does not use it.)
 */
export const LowstateResponse = z.looseObject({ return: z.array(z.unknown()) });
/** What `POST /` answers. */
export type LowstateResponse = z.infer<typeof LowstateResponse>;

/**
 * The eauth permissions of a login: strings (`".*"`, `"@wheel"`) and objects
 * (`{"@runner": ["jobs.*"]}`), or the empty object `{}` when no ACL entry matched.
 */
export const LoginPerms = z.union([
  z.array(z.union([z.string(), z.record(z.string(), z.unknown())])),
  z.record(z.string(), z.unknown()),
]);
/** The eauth permissions of a login. */
export type LoginPerms = z.infer<typeof LoginPerms>;

/** One `/login` result: the session token (40 hex), its lifetime and the user's permissions. */
export const LoginResult = z.looseObject({
  /** The CherryPy session id, sent back as `X-Auth-Token`. */
  token: z.string().min(1),
  /** When the Salt token expires, float epoch seconds (master clock). */
  expire: z.number(),
  /** When it was issued, float epoch seconds (master clock). */
  start: z.number(),
  /** The eauth user name. */
  user: z.string(),
  /** The eauth backend. */
  eauth: z.string(),
  /** What the user may do. */
  perms: LoginPerms.default([]),
});
/** One `/login` result. */
export type LoginResult = z.infer<typeof LoginResult>;

/**
 * The body of `POST /login`: `{"return": [LoginResult]}`. The bare-object form of old docstrings
 * (`{"return": LoginResult}`) is accepted too and normalised to the list.
 */
export const LoginResponse = z.looseObject({
  return: z.preprocess((value) => (Array.isArray(value) ? value : [value]), z.array(LoginResult).min(1)),
});
/** The body of `POST /login`. */
export type LoginResponse = z.infer<typeof LoginResponse>;

/**
 * The answer of a synchronous wheel call (`return[0]`): the wheel job's return event.
 * `data.success` is `false` when the wheel function raised; `data.return` is then a message.
 */
export const WheelResponse = z.looseObject({
  tag: z.string().optional(),
  data: z.looseObject({
    fun: z.string().optional(),
    jid: z.string().optional(),
    tag: z.string().optional(),
    user: z.string().optional(),
    _stamp: z.string().optional(),
    return: z.unknown(),
    success: z.boolean().optional(),
  }),
});
/** The answer of a synchronous wheel call. */
export type WheelResponse = z.infer<typeof WheelResponse>;

const ids = z.array(z.string());

/**
 * `wheel key.list_all`: minion ids by key state. `local` (the master's own key files) appears
 * only in some versions.
 */
export const KeyLists = z.looseObject({
  minions: ids,
  minions_pre: ids,
  minions_rejected: ids,
  minions_denied: ids,
  local: ids.optional(),
});
/** Minion ids by key state. */
export type KeyLists = z.infer<typeof KeyLists>;

/**
 * `wheel key.accept` / `key.reject` / `key.delete`: the matched keys' state after the change,
 * only the non-empty lists (`{"minions": ["m3"]}`; `{}` when nothing matched or after a delete).
 */
export const KeyChange = z.looseObject({
  minions: ids.optional(),
  minions_pre: ids.optional(),
  minions_rejected: ids.optional(),
  minions_denied: ids.optional(),
});
/** The matched keys' state after a key change. */
export type KeyChange = z.infer<typeof KeyChange>;

/** A runner answer given an `outputter`: `{"outputter": "…", "data": {…}}` → the data. */
function unwrapOutputter(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'outputter' in value && 'data' in value) {
    const keys = Object.keys(value);
    if (keys.length === 2) return (value as { data: unknown }).data;
  }
  return value;
}

/** A string, or a list of strings (compound functions, list targets). */
const stringOrList = z.union([z.string(), z.array(z.string())]);

/** One job of `runner jobs.list_jobs`, keyed by jid in {@link ListJobsResult}. */
export const JobSummary = z.looseObject({
  /** The function; a list for compound calls; `runner.*` / `wheel.*` for master-side jobs. */
  Function: stringOrList,
  /** The published arguments (kwargs as a trailing `{"__kwarg__": true, …}` object). */
  Arguments: z.array(z.unknown()),
  /** The target expression (a list for `list` targeting). */
  Target: stringOrList,
  /** The target type (`glob`, `list`, …). */
  'Target-type': z.string(),
  /** Who ran it (the eauth user for API jobs). */
  User: z.string(),
  /** `"2025, Oct 02 10:11:12.123456"` (UTC, from the jid; see `parseJobStartTime`); `""` for odd jids. */
  StartTime: z.string(),
  /** The job's metadata, when it had some. */
  Metadata: z.record(z.string(), z.unknown()).optional(),
  /** Only with `job_cache_store_endtime: True`. */
  EndTime: z.string().optional(),
});
/** One job of `runner jobs.list_jobs`. */
export type JobSummary = z.infer<typeof JobSummary>;

/** `runner jobs.list_jobs`: jobs by jid (the `outputter` wrapper, if any, is removed). */
export const ListJobsResult = z.preprocess(unwrapOutputter, z.record(z.string(), JobSummary));
/** Jobs by jid. */
export type ListJobsResult = z.infer<typeof ListJobsResult>;

/** One running job of `runner jobs.active`: a {@link JobSummary} plus who runs it and who returned. */
export const ActiveJob = JobSummary.extend({
  /** `[{minion id: pid}]` for every minion still running it (pid may be null). */
  Running: z.array(z.record(z.string(), z.number().nullable())),
  /** Minions that already returned. */
  Returned: z.array(z.string()),
});
/** One running job of `runner jobs.active`. */
export type ActiveJob = z.infer<typeof ActiveJob>;

/** `runner jobs.active`: running jobs by jid. */
export const ActiveJobsResult = z.preprocess(unwrapOutputter, z.record(z.string(), ActiveJob));
/** Running jobs by jid. */
export type ActiveJobsResult = z.infer<typeof ActiveJobsResult>;

/** `local_async` (`return[0]`): the new job's id and the minions it was published to. */
export const LocalAsyncResult = z.looseObject({
  jid: Jid,
  minions: ids,
});
/** A published job. */
export type LocalAsyncResult = z.infer<typeof LocalAsyncResult>;

/**
 * `local` (`return[0]`): each minion's return. A minion that did not answer maps to the string
 * `"Minion did not return. [No response]…"` on Salt 3008.5 (`false` on older Salt).
 */
export const LocalResult = z.record(z.string(), z.unknown());
/** Each minion's return. */
export type LocalResult = z.infer<typeof LocalResult>;

/** A JSON object (not an array, not null), passed through as is. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `runner cache.grains`: cached grains by minion id (`{}` for a minion with none cached). Each
 * minion's grains must be an object; it is checked, not copied (an answer holds a few hundred
 * minions of ≈ 110 grains each, and the grains pass reads every one of them each cycle).
 */
export const GrainsMap = z.preprocess(
  unwrapOutputter,
  z.record(
    z.string(),
    z.custom<Record<string, unknown>>(isJsonObject, { message: 'grains must be a JSON object' }),
  ),
);
/** Cached grains by minion id. */
export type GrainsMap = z.infer<typeof GrainsMap>;

/**
 * `runner manage.present`: connected minion ids. With `show_ip: true` Salt answers
 * `{id: ip}`; that form is accepted and reduced to the ids.
 */
export const PresentMinions = z.union([
  ids,
  z.record(z.string(), z.unknown()).transform((byId) => Object.keys(byId)),
]);
/** Connected minion ids. */
export type PresentMinions = z.infer<typeof PresentMinions>;

/**
 * One event of the master bus, as `/events` sends it in each `data:` line. `data` carries
 * `_stamp` (see `parseSaltTimestamp`) and event-specific keys.
 */
export const SaltEvent = z.object({
  tag: z.string(),
  data: z.record(z.string(), z.unknown()),
});
/** One event of the master bus. */
export type SaltEvent = z.infer<typeof SaltEvent>;
