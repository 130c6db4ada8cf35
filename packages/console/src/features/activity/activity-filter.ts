import type { ActivityEvent } from '../../live/activity-event';

/** The activity page's filters. */
export interface ActivityFilter {
  category: '' | ActivityEvent['category'];
  search: string;
  hideRoutine: boolean;
  hideDispatch: boolean;
}

/** Routine: a job return that succeeded and changed nothing. */
export function isRoutine(event: Pick<ActivityEvent, 'event_type' | 'success' | 'changed'>): boolean {
  return event.event_type === 'job.ret' && event.success === true && event.changed !== true;
}

/**
 * Whether a live event belongs in the filtered view: the same rule the server applies to the
 * history (`category`, `search` over the summary and the minion id,
 * `hide_routine`, `hide_dispatch`).
 */
export function matchesFilter(event: ActivityEvent, filter: ActivityFilter): boolean {
  if (filter.category && event.category !== filter.category) return false;
  if (filter.hideDispatch && event.event_type === 'job.new') return false;
  if (filter.hideRoutine && isRoutine(event)) return false;
  const needle = filter.search.trim().toLowerCase();
  if (!needle) return true;
  return [event.summary, event.minion_id].some((field) => field?.toLowerCase().includes(needle) ?? false);
}

/** How an event reads as an outcome: failed, changes, ok, or nothing for non-returns. */
export function outcomeOf(event: ActivityEvent): 'failed' | 'changes' | 'ok' | null {
  if (event.event_type !== 'job.ret') return null;
  if (event.success === false) return 'failed';
  if (event.changed === true) return 'changes';
  return event.success === true ? 'ok' : null;
}
