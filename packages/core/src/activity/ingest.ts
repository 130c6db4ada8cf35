import { jobFromEvent } from '../jobs/ingest.js';
import type { ActivityEvent, ActivityEventInput } from '../store/activity.js';
import type { JobInput, JobReturnInput } from '../store/jobs.js';
import type { StoreFeatures } from '../store/store.js';
import type { EventHub } from './event-hub.js';
import type { NormalizedEvent } from './schemas.js';

/** A normalized event as the Store's `activity_events` row. */
export function toActivityInput(event: NormalizedEvent): ActivityEventInput {
  return {
    occurredAt: event.occurred_at,
    category: event.category,
    eventType: event.event_type,
    minionId: event.minion_id,
    jid: event.jid,
    fun: event.fun,
    success: event.success,
    changed: event.changed,
    initiator: event.initiator,
    target: event.target,
    durationMs: event.duration_ms,
    summary: event.summary.length > 512 ? `${event.summary.slice(0, 511)}…` : event.summary,
  };
}

/**
 * Persist, then publish: writes a batch of normalized events to `activity_events` in one
 * transaction, with what they say about jobs (`job.new` upserts the job index, `job.ret`
 * stores the minion's return), and only after the commit hands the stored rows (with their ids)
 * to the hub. Returns the stored rows.
 */
export async function persistActivity(
  store: StoreFeatures,
  hub: EventHub<ActivityEvent> | null,
  events: readonly NormalizedEvent[],
): Promise<ActivityEvent[]> {
  const jobs: JobInput[] = [];
  const returns: JobReturnInput[] = [];
  for (const e of events) {
    const job = jobFromEvent(e);
    if (job) jobs.push(job);
    if (e.job_return) {
      const r = e.job_return;
      returns.push({
        jid: r.jid,
        minionId: r.minion_id,
        success: r.success,
        retcode: r.retcode,
        return: r.return_value,
        returnedAt: r.returned_at,
      });
    }
  }
  const stored = await store.transaction(async (tx) => {
    const rows = await tx.activity.insert(events.map(toActivityInput));
    if (jobs.length > 0) await tx.jobs.upsert(jobs);
    if (returns.length > 0) await tx.jobs.recordReturns(returns);
    return rows;
  });
  hub?.publish(stored);
  return stored;
}
