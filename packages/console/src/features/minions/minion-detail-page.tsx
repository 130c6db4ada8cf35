import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useCan } from '../../auth/session';
import { dateTime, memory, timeAgo } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState, Forbidden, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/status';
import { JobOutcome } from '../jobs/job-outcome';
import { jobsQuery } from '../jobs/job-queries';
import { GrainsExplorer } from './grains-explorer';
import { minionQuery } from './minion-queries';

const route = getRouteApi('/signed-in/shell/minions/$minionId');

/** One minion: its facts, its grains, its recent jobs. */
export function MinionDetailPage() {
  const { minionId } = route.useParams();
  const may = useCan();
  const allowed = may(`view:minion:${minionId}`);
  const minion = useQuery({ ...minionQuery(minionId), enabled: allowed });
  const jobs = useQuery({
    ...jobsQuery({ minion_id: minionId, limit: 20, sort: 'start_time', order: 'desc' }),
    enabled: allowed && may('view:job:*'),
  });

  if (!allowed) {
    return (
      <>
        <PageHeader title={minionId} />
        <Forbidden what="view this minion" />
      </>
    );
  }
  const m = minion.data;
  return (
    <>
      <p className="muted" style={{ margin: '0 0 6px' }}>
        <Link to="/minions">← Minions</Link>
      </p>
      <PageHeader title={minionId} sub={m ? <StatusBadge status={m.status} /> : null}>
        {may(`execute:salt:*`) ? (
          <Link to="/run" search={{ target: minionId, target_type: 'list' }} className="button">
            Run on this minion
          </Link>
        ) : null}
      </PageHeader>
      {minion.error ? <ErrorState error={minion.error} what="view this minion" /> : null}
      {minion.isPending ? <Loading /> : null}
      {m ? (
        <div className="grid cols-2">
          <section className="panel" aria-labelledby="facts">
            <h2 id="facts">Facts</h2>
            <dl className="kv">
              <dt>Key</dt>
              <dd>
                <StatusBadge status={m.key_status} />
              </dd>
              <dt>IP</dt>
              <dd className="mono">{m.ip ?? '—'}</dd>
              <dt>OS</dt>
              <dd>
                {[m.os, m.osrelease].filter(Boolean).join(' ') || '—'} {m.os_family ? `(${m.os_family})` : ''}
              </dd>
              <dt>Kernel</dt>
              <dd>{[m.kernel, m.kernelrelease].filter(Boolean).join(' ') || '—'}</dd>
              <dt>Virtual</dt>
              <dd>{m.virtual ?? '—'}</dd>
              <dt>CPUs / memory</dt>
              <dd>
                {m.num_cpus ?? '—'} / {memory(m.mem_total)}
              </dd>
              <dt>Salt</dt>
              <dd>{m.saltversion ?? '—'}</dd>
              <dt>Last seen</dt>
              <dd title={dateTime(m.last_seen_at)}>{timeAgo(m.last_seen_at)}</dd>
              <dt>First seen</dt>
              <dd>{dateTime(m.first_seen_at)}</dd>
              <dt>Grains from</dt>
              <dd>
                {m.grains_refreshed_at ? timeAgo(m.grains_refreshed_at) : 'not collected yet'}{' '}
                {m.is_stale ? <span className="badge tone-warn">stale</span> : null}
              </dd>
            </dl>
          </section>
          <section className="panel" aria-labelledby="recent-jobs">
            <h2 id="recent-jobs" style={{ display: 'flex', alignItems: 'baseline' }}>
              Recent jobs
              <span style={{ flex: 1 }} />
              <Link to="/jobs" search={{ minion: minionId }} style={{ fontSize: 13, fontWeight: 400 }}>
                All jobs →
              </Link>
            </h2>
            {jobs.error ? <ErrorState error={jobs.error} what="view jobs" /> : null}
            {jobs.data && jobs.data.jobs.length === 0 ? (
              <Empty title="No jobs targeted this minion yet" />
            ) : null}
            {jobs.data && jobs.data.jobs.length > 0 ? (
              <table className="data">
                <thead>
                  <tr>
                    <th>Function</th>
                    <th>Started</th>
                    <th>Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {jobs.data.jobs.map((job) => (
                    <tr key={job.jid}>
                      <td>
                        <Link to="/jobs/$jid" params={{ jid: job.jid }} className="mono">
                          {job.function}
                        </Link>
                      </td>
                      <td title={dateTime(job.start_time)}>{timeAgo(job.start_time)}</td>
                      <td>
                        <JobOutcome job={job} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </section>
          <section className="panel" aria-labelledby="grains" style={{ gridColumn: '1 / -1' }}>
            <h2 id="grains">Grains</h2>
            {m.grains ? (
              <GrainsExplorer grains={m.grains} />
            ) : (
              <Empty title="No grains yet">Grains are collected for accepted minions that answer.</Empty>
            )}
          </section>
        </div>
      ) : null}
    </>
  );
}
