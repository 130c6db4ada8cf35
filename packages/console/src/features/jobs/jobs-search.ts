/** The jobs page's filters, kept in the URL (`/jobs?fun=state.apply&window=24`). */
export interface JobsSearch {
  /** Substring of the jid, function or target. */
  q?: string;
  /** Exact function. */
  fun?: string;
  /** Exact user, as Salt records it. */
  user?: string;
  /** Exact Halite user who ran the job through Halite (the API's `initiator`). */
  by?: string;
  /** Jobs this minion returned for. */
  minion?: string;
  status?: 'running' | 'finished';
  /** How finished jobs went (`status` covers running and finished ones). */
  outcome?: JobsOutcome;
  /** Started within the last this many hours. */
  window?: number;
  page?: number;
}

/** The outcomes of finished jobs the page filters by (the API's `outcome`). */
export const OUTCOMES = ['succeeded', 'failed', 'no_returns'] as const;
/** One of {@link OUTCOMES}. */
export type JobsOutcome = (typeof OUTCOMES)[number];

/** The time windows the page offers, in hours. */
export const WINDOWS = [1, 6, 24, 168, 720] as const;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() && value.length <= 255 ? value.trim() : undefined;
}

function whole(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The filters from the URL (anything unknown or malformed is dropped). */
export function jobsSearch(search: Record<string, unknown>): JobsSearch {
  const out: JobsSearch = {};
  const q = text(search.q);
  if (q) out.q = q;
  const fun = text(search.fun);
  if (fun) out.fun = fun;
  const user = text(search.user);
  if (user) out.user = user;
  const by = text(search.by);
  if (by) out.by = by;
  const minion = text(search.minion);
  if (minion) out.minion = minion;
  if (search.status === 'running' || search.status === 'finished') out.status = search.status;
  if ((OUTCOMES as readonly unknown[]).includes(search.outcome)) out.outcome = search.outcome as JobsOutcome;
  const window = whole(search.window);
  if (window && (WINDOWS as readonly number[]).includes(window)) out.window = window;
  const page = whole(search.page);
  if (page) out.page = page;
  return out;
}
