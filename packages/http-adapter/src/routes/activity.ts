import {
  type ActivityCategory,
  type ActivityEvent,
  ActivityList,
  ActivityQuery,
  HaliteError,
  toActivityItem,
} from '@halite/core';
import type { Principal } from '../principal.js';
import { principalHasPermission } from '../principal.js';
import { type SseMessage, sseResponse } from '../sse.js';
import { haliteRoute, NoQuery } from './define.js';

const CATEGORIES: readonly ActivityCategory[] = ['job', 'key', 'minion'];

/** The categories a principal may see: `view:<category>:*` for each. */
function viewable(principal: Principal): ActivityCategory[] {
  const categories = CATEGORIES.filter((c) => principalHasPermission(principal, `view:${c}:*`));
  if (categories.length === 0) {
    throw new HaliteError('forbidden', 'Viewing activity needs view:job:*, view:key:* or view:minion:*');
  }
  return categories;
}

/**
 * One SSE message per stored event, shared by every stream that sends it: the hub hands all
 * subscribers the same event object, so the wire text is built once, not once per client.
 */
const eventMessages = new WeakMap<ActivityEvent, SseMessage>();
function eventMessage(event: ActivityEvent): SseMessage {
  let message = eventMessages.get(event);
  if (!message) {
    message = { id: event.id, data: toActivityItem(event) };
    eventMessages.set(event, message);
  }
  return message;
}

/** Any one of the category view permissions opens the feed; the events are then filtered. */
const anyCategory = 'authenticated';

/** The activity feed: paged history and the live SSE stream. */
export const activityRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/activity',
    permission: anyCategory,
    summary: 'Activity history, newest first, limited to the categories the caller may view',
    tags: ['activity'],
    query: ActivityQuery,
    response: ActivityList,
    errors: [403],
    handler: ({ app, query, principal }) => app.activity.list(query, viewable(principal)),
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/activity/stream',
    permission: anyCategory,
    summary: 'Live activity (SSE): replay, then live events; resumes after Last-Event-ID',
    tags: ['activity'],
    query: NoQuery,
    responseContentType: 'text/event-stream',
    errors: [403, 503],
    handler: async ({ app, request, principal, signal }) => {
      // Only a plain id resumes: `1e3` or `199abc` is not "after 1" or "after 199", it is no id.
      const header = request.headers.get('last-event-id')?.trim() ?? '';
      const lastId = /^\d{1,15}$/.test(header) ? Number(header) : undefined;
      const feed = await app.activity.stream({
        categories: viewable(principal),
        signal,
        ...(lastId !== undefined ? { lastEventId: lastId } : {}),
      });
      // Everything waiting goes out as one write: under load a client gets a burst per wake-up.
      async function* messages(): AsyncIterable<SseMessage[]> {
        for await (const batch of feed.batches()) {
          const out: SseMessage[] = [];
          for (const message of batch) {
            if (message.type === 'event') out.push(eventMessage(message.event));
            else {
              // The client reconnects (with Last-Event-ID) and resumes where it was.
              out.push({ event: 'reset', data: { reason: message.reason } });
              yield out;
              return;
            }
          }
          yield out;
        }
      }
      return sseResponse(messages(), { signal, retryMs: 2_000, logger: app.logger });
    },
  }),
];
