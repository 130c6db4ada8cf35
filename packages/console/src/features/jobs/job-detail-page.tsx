import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { api, errorMessage, unwrap } from '../../api/client';
import { useCan } from '../../auth/session';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { count, dateTime, duration, timeAgo } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState, Forbidden, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/status';
import { JobOutcome } from './job-outcome';
import { type JobResult, jobQuery } from './job-queries';
import { ResultBadge, ReturnValue } from './minion-result';
import { parseStateReturn } from './state-results';

const route = getRouteApi('/signed-in/shell/jobs/$jid');
const PAGE_SIZE = 100;

/** Failed minions first, then those with an unknown outcome, then by id. */
function failuresFirst(results: readonly JobResult[]): JobResult[] {
  const rank = (r: JobResult) => (r.success === false ? 0 : r.success === null ? 1 : 2);
  return [...results].sort((a, b) => rank(a) - rank(b) || a.minion.localeCompare(b.minion));
}

/** One job: what ran where, each minion's return (a per-state table for `state.*`), kill. */
export function JobDetailPage() {
  const { jid } = route.useParams();
  const may = useCan();
  const allowed = may(`view:job:${jid}`);
  const [page, setPage] = useState(0);
  const [confirmKill, setConfirmKill] = useState(false);
  const queryClient = useQueryClient();
  const job = useQuery({
    ...jobQuery(jid, { limit: PAGE_SIZE, offset: page * PAGE_SIZE }),
    enabled: allowed,
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.status === 'running' ? 3_000 : 30_000),
  });
  const kill = useMutation({
    mutationFn: () => unwrap(api.POST('/api/jobs/{jid}/kill', { params: { path: { jid } } })),
    onSettled: () => {
      setConfirmKill(false);
      void queryClient.invalidateQueries({ queryKey: ['jobs'] });
    },
  });
  const results = useMemo(() => failuresFirst(job.data?.results ?? []), [job.data]);

  if (!allowed) {
    return (
      <>
        <PageHeader title="Job" />
        <Forbidden what="view this job" />
      </>
    );
  }
  const j = job.data;
  const isState = j?.function.startsWith('state.') ?? false;
  const pages = Math.max(1, Math.ceil((j?.results_total ?? 0) / PAGE_SIZE));
  return (
    <>
      <p className="muted" style={{ margin: '0 0 6px' }}>
        <Link to="/jobs">← Jobs</Link>
      </p>
      <PageHeader title={j ? `Job ${j.function}` : 'Job'} sub={<span className="mono">{jid}</span>}>
        {may(`kill:job:${jid}`) ? (
          <button
            type="button"
            className="danger"
            onClick={() => setConfirmKill(true)}
            disabled={kill.isPending}
          >
            Kill job
          </button>
        ) : null}
      </PageHeader>
      {kill.isSuccess ? (
        <div className="success" role="status">
          Kill sent (saltutil.kill_job). Minions that already finished keep their results.
        </div>
      ) : null}
      {kill.error ? (
        <div className="alert" role="alert">
          Kill failed: {errorMessage(kill.error)}
        </div>
      ) : null}
      {job.error ? <ErrorState error={job.error} what="view this job" /> : null}
      {job.isPending ? <Loading /> : null}
      {j ? (
        <>
          <section className="panel" aria-label="Summary" style={{ marginBottom: 14 }}>
            <dl className="kv">
              <dt>Status</dt>
              <dd>
                <JobOutcome job={j} />{' '}
                {j.status === 'running' ? <span className="muted">refreshing every 3 s</span> : null}
              </dd>
              <dt>Function</dt>
              <dd className="mono">{j.function}</dd>
              <dt>Target</dt>
              <dd className="mono">
                {j.target} <span className="muted">({j.target_type})</span>
              </dd>
              <dt>Arguments</dt>
              <dd className="mono">
                {j.arguments === null || j.arguments === undefined ? '—' : JSON.stringify(j.arguments)}
              </dd>
              <dt>Started by</dt>
              <dd>
                {j.initiator ? (
                  <>
                    {j.initiator} <span className="muted">(via Halite)</span>
                  </>
                ) : (
                  <span className="muted">outside Halite</span>
                )}
              </dd>
              <dt>Salt user</dt>
              <dd>{j.user || '—'}</dd>
              <dt>Started</dt>
              <dd>
                {dateTime(j.start_time)} <span className="muted">({timeAgo(j.start_time)})</span>
              </dd>
              <dt>Took</dt>
              <dd>{j.end_time ? duration(Date.parse(j.end_time) - Date.parse(j.start_time)) : '—'}</dd>
              <dt>Returns</dt>
              <dd>
                {count(j.returned_count)}
                {j.minion_count !== null ? ` of ${count(j.minion_count)} targeted` : ''} ·{' '}
                <StatusBadge status="ok" label={`${count(j.success_count)} ok`} />{' '}
                {j.failure_count ? (
                  <StatusBadge status="failed" label={`${count(j.failure_count)} failed`} />
                ) : null}
              </dd>
              <dt>Source</dt>
              <dd className="muted">
                {j.source === 'store' ? "Halite's job index" : 'live from the salt-master'}
              </dd>
            </dl>
          </section>
          <h2>Results</h2>
          {results.length === 0 ? (
            <Empty title={j.status === 'running' ? 'No minion has returned yet' : 'No returns recorded'} />
          ) : (
            results.map((result) => (
              <details
                key={result.minion}
                className="result-card"
                open={results.length <= 5 || result.success === false}
                data-testid="job-result"
                data-minion-id={result.minion}
              >
                <summary style={{ display: 'flex', gap: 10, alignItems: 'center', padding: '8px 12px' }}>
                  <strong className="mono">{result.minion}</strong>
                  <ResultBadge success={result.success} retcode={result.retcode} />
                  {isState && parseStateReturn(result.return_value) === null && result.success === false ? (
                    <span className="muted">state run did not complete</span>
                  ) : null}
                  <span className="muted" style={{ marginLeft: 'auto' }}>
                    {result.returned_at ? timeAgo(result.returned_at) : ''}
                  </span>
                </summary>
                <div className="body">
                  <ReturnValue value={result.return_value} />
                  {result.truncated ? (
                    <p className="muted">The stored return was cut at the size limit.</p>
                  ) : null}
                </div>
              </details>
            ))
          )}
          {pages > 1 ? (
            <nav className="pager" aria-label="Result pages">
              Minions {page * PAGE_SIZE + 1}–{Math.min((page + 1) * PAGE_SIZE, j.results_total)} of{' '}
              {count(j.results_total)}
              <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
                Previous
              </button>
              <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
                Next
              </button>
            </nav>
          ) : null}
        </>
      ) : null}
      <ConfirmDialog
        open={confirmKill}
        title={`Kill job ${jid}?`}
        destructive
        busy={kill.isPending}
        onCancel={() => setConfirmKill(false)}
        onConfirm={() => kill.mutate()}
      >
        <p>
          Salt stops collecting results and asks the minions to end it. Minions already running the function
          may finish anyway.
        </p>
      </ConfirmDialog>
    </>
  );
}
