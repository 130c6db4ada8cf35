import { canSome } from '@halite/core/permissions';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type ReactNode, useCallback, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useCan, useMe } from '../../auth/session';
import type { ActivityEvent } from '../../live/activity-event';
import { useLiveEvent } from '../../live/use-live-events';
import { count, timeAgo } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState } from '../../ui/states';
import { STATUS_COLORS } from '../../ui/status';
import { ActivityRow } from '../activity/activity-row';
import { jobActivityQuery } from '../jobs/job-queries';
import { minionStatsQuery } from '../minions/minion-queries';
import { Bars, Donut, HourlyBars } from './charts';

const MINION_STATUSES = ['online', 'offline', 'pending', 'rejected', 'denied'] as const;
const KEY_STATES = ['accepted', 'pending', 'rejected', 'denied'] as const;

/** The first screen: the fleet, keys and jobs at a glance, and what just happened. */
export function OverviewPage() {
  const may = useCan();
  const me = useMe();
  const seeMinions = may('view:minion:*');
  const seeKeys = may('view:key:*');
  const seeJobs = may('view:job:*');
  const seeActivity = seeMinions || seeKeys || seeJobs;

  const stats = useQuery({ ...minionStatsQuery, enabled: seeMinions });
  const keys = useQuery({
    queryKey: ['keys', 'counts'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/keys', { params: { query: { limit: 1 } }, signal })),
    enabled: seeKeys,
  });
  const jobs = useQuery({ ...jobActivityQuery(24), enabled: seeJobs });

  const byStatus = new Map(stats.data?.by_status.map((s) => [s.value, s.count]));
  const online = byStatus.get('online') ?? 0;

  return (
    <>
      <PageHeader
        title="Overview"
        sub={stats.data ? `fleet refreshed ${timeAgo(stats.data.last_refreshed_at)}` : null}
      />
      <div className="grid kpis">
        <Kpi label="Online minions" to={seeMinions ? '/minions' : undefined}>
          {stats.data ? (
            <>
              {count(online)} <small>/ {count(stats.data.total)}</small>
            </>
          ) : null}
        </Kpi>
        <Kpi label="Pending keys" to={seeKeys ? '/keys' : undefined}>
          {keys.data ? count(keys.data.counts.pending) : null}
        </Kpi>
        <Kpi label="Running jobs" to={seeJobs ? '/jobs' : undefined}>
          {jobs.data ? count(jobs.data.running) : null}
        </Kpi>
        <Kpi label="Jobs · 24 h" to={seeJobs ? '/jobs' : undefined}>
          {jobs.data ? count(jobs.data.total) : null}
        </Kpi>
      </div>
      <div className="grid cols-2" style={{ marginBottom: 14 }}>
        <section className="panel" aria-labelledby="chart-jobs" style={{ gridColumn: '1 / -1' }}>
          <h2 id="chart-jobs">Jobs started per hour, last 24 h</h2>
          {!seeJobs ? (
            <p className="muted">Your role does not include jobs.</p>
          ) : jobs.error ? (
            <ErrorState error={jobs.error} what="view jobs" />
          ) : jobs.data ? (
            <>
              <HourlyBars buckets={jobs.data.buckets} />
              {jobs.data.last_polled_at === null ? (
                <p className="muted">
                  The jobs poller has not run yet (Settings → Pollers); jobs still arrive through the event
                  stream.
                </p>
              ) : null}
            </>
          ) : null}
        </section>
        <section className="panel" aria-labelledby="chart-minions">
          <h2 id="chart-minions">Minions by status</h2>
          {!seeMinions ? (
            <p className="muted">Your role does not include minions.</p>
          ) : stats.error ? (
            <ErrorState error={stats.error} what="view minions" />
          ) : stats.data ? (
            <Donut
              label="Minions by status"
              parts={MINION_STATUSES.map((name) => ({
                name,
                value: byStatus.get(name) ?? 0,
                color: STATUS_COLORS[name] ?? 'var(--idle)',
              }))}
            />
          ) : null}
        </section>
        <section className="panel" aria-labelledby="chart-keys">
          <h2 id="chart-keys">Keys by state</h2>
          {!seeKeys ? (
            <p className="muted">Your role does not include keys.</p>
          ) : keys.error ? (
            <ErrorState error={keys.error} what="view keys" />
          ) : keys.data ? (
            <Bars
              parts={KEY_STATES.map((name) => ({
                name,
                value: keys.data.counts[name],
                color: STATUS_COLORS[name] ?? 'var(--idle)',
              }))}
            />
          ) : null}
        </section>
      </div>
      {seeActivity ? <RecentActivity /> : null}
      {!seeActivity && !canSome(me.permissions, 'execute', 'salt') ? (
        <Empty title="Nothing to show yet">
          Your role grants no view of the fleet. Ask an administrator for access.
        </Empty>
      ) : null}
    </>
  );
}

function Kpi({
  label,
  to,
  children,
}: {
  label: string;
  to?: '/minions' | '/keys' | '/jobs';
  children: ReactNode;
}) {
  const value = children ?? '—';
  return (
    <div className="panel kpi">
      <span className="label">{label}</span>
      <span className="value">{to && children ? <Link to={to}>{value}</Link> : value}</span>
    </div>
  );
}

const RECENT = 8;

function RecentActivity() {
  const recent = useQuery({
    queryKey: ['activity', 'recent'],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/activity', { params: { query: { limit: RECENT } }, signal })),
  });
  const [live, setLive] = useState<ActivityEvent[]>([]);
  useLiveEvent(useCallback((event: ActivityEvent) => setLive((l) => [event, ...l].slice(0, RECENT)), []));
  const seen = new Set<number>();
  const rows: ActivityEvent[] = [];
  for (const event of [...live, ...(recent.data?.events ?? [])]) {
    if (seen.has(event.id) || rows.length >= RECENT) continue;
    seen.add(event.id);
    rows.push(event);
  }
  return (
    <section className="panel" aria-labelledby="recent-activity" style={{ padding: 0 }}>
      <div style={{ display: 'flex', alignItems: 'baseline', padding: '14px 16px 4px' }}>
        <h2 id="recent-activity" style={{ margin: 0 }}>
          Recent activity
        </h2>
        <span className="spacer" style={{ flex: 1 }} />
        <Link to="/activity">View all →</Link>
      </div>
      {recent.error ? <ErrorState error={recent.error} what="view activity" /> : null}
      {recent.data && rows.length === 0 ? (
        <p className="muted" style={{ padding: '0 16px 12px' }}>
          No activity yet.
        </p>
      ) : (
        <div className="feed">
          {rows.map((event) => (
            <ActivityRow key={event.id} event={event} />
          ))}
        </div>
      )}
    </section>
  );
}
