import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useCan } from '../../auth/session';
import { count, dateTime, duration } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState, Forbidden } from '../../ui/states';
import { StatusBadge } from '../../ui/status';

type AuditQuery = NonNullable<paths['/api/audit']['get']['parameters']['query']>;
const PAGE_SIZE = 50;

/** A `datetime-local` value (local time, no zone) as an ISO time, or undefined when empty. */
function isoFromLocal(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Who did what, allowed or denied: filterable, paged, exportable as CSV. */
export function AuditPage() {
  const may = useCan();
  const allowed = may('view:audit:*');
  const [action, setAction] = useState('');
  const [decision, setDecision] = useState<'' | 'allow' | 'deny'>('');
  const [userId, setUserId] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [page, setPage] = useState(0);

  const filters = useMemo(() => {
    const q: AuditQuery = {};
    if (action.trim()) q.action = action.trim();
    if (decision) q.decision = decision;
    if (userId) q.user_id = userId;
    const s = isoFromLocal(since);
    if (s) q.since = s;
    const u = isoFromLocal(until);
    if (u) q.until = u;
    return q;
  }, [action, decision, userId, since, until]);

  const audit = useQuery({
    queryKey: ['audit', filters, page],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/audit', {
          params: { query: { ...filters, limit: PAGE_SIZE, offset: page * PAGE_SIZE } },
          signal,
        }),
      ),
    enabled: allowed,
    placeholderData: keepPreviousData,
  });
  const users = useQuery({
    queryKey: ['users', 'all'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/users', { params: { query: { limit: 500 } }, signal })),
    enabled: allowed && may('manage_user:user:*'),
    staleTime: 5 * 60_000,
  });

  const csvHref = useMemo(() => {
    const params = new URLSearchParams({ format: 'csv', limit: '500' });
    for (const [key, value] of Object.entries(filters))
      if (value !== undefined) params.set(key, String(value));
    return `/api/audit?${params}`;
  }, [filters]);

  if (!allowed) {
    return (
      <>
        <PageHeader title="Audit log" />
        <Forbidden what="read the audit log" />
      </>
    );
  }
  const total = audit.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const change =
    <T,>(set: (v: T) => void) =>
    (value: T) => {
      set(value);
      setPage(0);
    };
  return (
    <>
      <PageHeader title="Audit log" sub={audit.data ? `${count(total)} entries` : null}>
        <a className="button" href={csvHref} download="halite-audit.csv">
          Export CSV
        </a>
      </PageHeader>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input
            id="audit-action"
            type="text"
            placeholder="salt.run, key.accept, auth.login…"
            value={action}
            onChange={(e) => change(setAction)(e.target.value)}
            style={{ width: 220 }}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-decision">Decision</label>
          <select
            id="audit-decision"
            value={decision}
            onChange={(e) => change(setDecision)(e.target.value as '' | 'allow' | 'deny')}
          >
            <option value="">Any</option>
            <option value="allow">allow</option>
            <option value="deny">deny</option>
          </select>
        </div>
        {users.data ? (
          <div className="field">
            <label htmlFor="audit-user">User</label>
            <select id="audit-user" value={userId} onChange={(e) => change(setUserId)(e.target.value)}>
              <option value="">Anyone</option>
              {users.data.users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.username}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="audit-since">From</label>
          <input
            id="audit-since"
            type="datetime-local"
            value={since}
            onChange={(e) => change(setSince)(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-until">Until</label>
          <input
            id="audit-until"
            type="datetime-local"
            value={until}
            onChange={(e) => change(setUntil)(e.target.value)}
          />
        </div>
      </div>
      {audit.error ? <ErrorState error={audit.error} what="read the audit log" /> : null}
      {audit.data && total === 0 ? (
        <Empty title="No entries match" />
      ) : (
        <div className="table-wrap">
          <table className="data middle" aria-busy={audit.isFetching}>
            <thead>
              <tr>
                <th>When</th>
                <th>User</th>
                <th>Action</th>
                <th>Resource</th>
                <th>Decision</th>
                <th className="num">Status</th>
                <th className="num">Took</th>
                <th>From</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {audit.data?.entries.map((entry) => (
                <tr key={entry.id} data-testid="audit-row">
                  <td>{dateTime(entry.at)}</td>
                  <td>
                    {entry.username ??
                      (entry.user_id ? (
                        <span className="mono">{entry.user_id}</span>
                      ) : (
                        <span className="muted">—</span>
                      ))}
                  </td>
                  <td className="mono">{entry.action}</td>
                  <td className="mono cell-ellipsis" title={entry.resource}>
                    {entry.resource}
                  </td>
                  <td>
                    <StatusBadge status={entry.decision} />
                  </td>
                  <td className="num">{entry.result_code}</td>
                  <td className="num">{duration(entry.duration_ms)}</td>
                  <td className="mono">{entry.client_address ?? ''}</td>
                  <td>
                    {entry.salt_jid ? (
                      <Link to="/jobs/$jid" params={{ jid: entry.salt_jid }} className="mono">
                        {entry.salt_jid}
                      </Link>
                    ) : null}
                    {entry.args !== null && entry.args !== undefined ? (
                      <details>
                        <summary className="muted">arguments</summary>
                        <pre className="json">{JSON.stringify(entry.args, null, 2)}</pre>
                      </details>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > PAGE_SIZE ? (
        <nav className="pager" aria-label="Pages">
          Page {page + 1} of {count(pages)}
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Newer
          </button>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            Older
          </button>
        </nav>
      ) : null}
    </>
  );
}
