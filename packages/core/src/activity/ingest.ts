import { jobFromEvent } from '../jobs/ingest.js';
import type { ActivityEvent, ActivityEventInput } from '../store/activity.js';
import type { JobInput, JobReturnInput } from '../store/jobs.js';
import type { KeyStatus, MinionChangeSet, MinionInsert, MinionPatch } from '../store/minions.js';
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

const KEY_STATE: Partial<Record<NormalizedEvent['event_type'], KeyStatus>> = {
  'key.accept': 'accepted',
  'key.reject': 'rejected',
  'key.pend': 'pending',
};

/**
 * What key and minion events say about the minion snapshots, so the Keys and Minions pages
 * change with the event rather than at the next poll: an accepted, rejected or pending key sets
 * the key state (creating the row when the keys poller has not seen it yet), a deleted key
 * removes the row, and a minion start marks it online. The pollers stay the source of truth.
 */
export function minionChangesFromEvents(
  events: readonly NormalizedEvent[],
  known: ReadonlySet<string>,
): MinionChangeSet {
  const insert: MinionInsert[] = [];
  const update: MinionPatch[] = [];
  const del: string[] = [];
  for (const e of events) {
    const id = e.minion_id;
    if (!id) continue;
    const keyStatus = KEY_STATE[e.event_type];
    if (keyStatus) {
      if (known.has(id))
        update.push({ minionId: id, keyStatus, ...(keyStatus === 'accepted' ? {} : { isOnline: false }) });
      else insert.push({ minionId: id, keyStatus });
    } else if (e.event_type === 'key.delete') {
      del.push(id);
    } else if (e.event_type === 'minion.start' && known.has(id)) {
      update.push({ minionId: id, isOnline: true, lastSeenAt: e.occurred_at });
    }
  }
  return { insert, update, delete: del };
}

/**
 * Persist, then publish: writes a batch of normalized events to `activity_events` in one
 * transaction, with what they say about jobs (`job.new` upserts the job index, `job.ret`
 * stores the minion's return) and minions ({@link minionChangesFromEvents}), and only after
 * the commit hands the stored rows (with their ids) to the hub. Returns the stored rows.
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
  const minionIds = [
    ...new Set(events.filter((e) => e.category !== 'job' && e.minion_id).map((e) => e.minion_id as string)),
  ];
  const stored = await store.transaction(async (tx) => {
    const rows = await tx.activity.insert(events.map(toActivityInput));
    if (jobs.length > 0) await tx.jobs.upsert(jobs);
    if (returns.length > 0) await tx.jobs.recordReturns(returns);
    if (minionIds.length > 0) {
      const known = new Set<string>();
      for (let i = 0; i < minionIds.length; i += 1000) {
        for (const m of await tx.minions.getMany(minionIds.slice(i, i + 1000))) known.add(m.minionId);
      }
      await tx.minions.reconcile(minionChangesFromEvents(events, known));
    }
    return rows;
  });
  hub?.publish(stored);
  return stored;
}
