import type { paths } from '../api/schema';

/** One activity event as the API lists it and the stream sends it. */
export type ActivityEvent =
  paths['/api/activity']['get']['responses'][200]['content']['application/json']['events'][number];

const CATEGORIES = new Set(['job', 'key', 'minion']);

/**
 * An event from the stream's `data:` line, or null when it is not one (the stream is typed
 * `unknown` in the API document, so each frame is checked before use).
 */
export function parseActivityEvent(data: string): ActivityEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'number' || typeof v.event_type !== 'string' || typeof v.summary !== 'string')
    return null;
  if (typeof v.category !== 'string' || !CATEGORIES.has(v.category)) return null;
  return value as ActivityEvent;
}

/** The query-key roots an event makes stale. */
export function staleRoots(event: Pick<ActivityEvent, 'category'>): string[] {
  switch (event.category) {
    case 'job':
      return ['jobs', 'activity'];
    case 'key':
      return ['keys', 'minions', 'activity'];
    case 'minion':
      return ['minions', 'activity'];
  }
}
