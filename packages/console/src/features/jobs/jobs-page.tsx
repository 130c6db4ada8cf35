import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { type ColumnDef, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useCan } from '../../auth/session';
import { count, dateTime, duration, timeAgo } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState, Forbidden } from '../../ui/states';
import { JobOutcome } from './job-outcome';
import { type JobRow, type JobsQuery, jobsQuery } from './job-queries';
import { jobStarter } from './job-user';
import { type JobsOutcome, type JobsSearch, OUTCOMES, WINDOWS } from './jobs-search';

const route = getRouteApi('/signed-in/shell/jobs');
const PAGE_SIZE = 50;

const WINDOW_LABELS: Record<number, string> = {
  1: '1 hour',
  6: '6 hours',
  24: '24 hours',
  168: '7 days',
  720: '30 days',
};

const columns: ColumnDef<JobRow>[] = [
  {
    header: 'JID',
    accessorKey: 'jid',
    cell: ({ row }) => (
      <Link to="/jobs/$jid" params={{ jid: row.original.jid }} className="mono">
        {row.original.jid}
      </Link>
    ),
  },
  {
    header: 'Function',
    accessorKey: 'function',
    cell: ({ getValue }) => <span className="mono">{String(getValue())}</span>,
  },
  {
    header: 'Target',
    accessorKey: 'target',
    cell: ({ row }) => (
      <span
        className="cell-ellipsis mono"
        title={`${row.original.target_type}: ${row.original.target}`}
        style={{ display: 'block' }}
      >
        {row.original.target}
      </span>
    ),
  },
  {
    header: 'User',
    accessorKey: 'user',
    cell: ({ row }) => {
      const starter = jobStarter(row.original);
      return (
        <span title={starter.title}>
          {starter.label}
          {starter.viaHalite ? <span className="muted"> (via Halite)</span> : null}
        </span>
      );
    },
  },
  {
    header: 'Started',
    accessorKey: 'start_time',
    cell: ({ row }) => (
      <span title={dateTime(row.original.start_time)}>{timeAgo(row.original.start_time)}</span>
    ),
  },
  {
    header: 'Took',
    id: 'took',
    cell: ({ row }) =>
      row.original.end_time
        ? duration(Date.parse(row.original.end_time) - Date.parse(row.original.start_time))
        : '—',
  },
  {
    header: 'Returns',
    id: 'returns',
    cell: ({ row }) =>
      `${count(row.original.returned_count)}${row.original.minion_count !== null ? ` / ${count(row.original.minion_count)}` : ''}`,
  },
  { header: 'Outcome', id: 'outcome', cell: ({ row }) => <JobOutcome job={row.original} /> },
];

/** The job history: newest first, filtered and paged on the server. */
export function JobsPage() {
  const allowed = useCan()('view:job:*');
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const page = search.page ?? 0;
  const [q, setQ] = useState(search.q ?? '');
  useEffect(() => setQ(search.q ?? ''), [search.q]);

  const query = useMemo(() => {
    const out: JobsQuery = { limit: PAGE_SIZE, offset: page * PAGE_SIZE, sort: 'start_time', order: 'desc' };
    if (search.q) out.search = search.q;
    if (search.fun) out.function = [search.fun];
    if (search.user) out.user = [search.user];
    if (search.by) out.initiator = [search.by];
    if (search.minion) out.minion_id = search.minion;
    if (search.status) out.status = search.status;
    if (search.outcome) out.outcome = [search.outcome];
    if (search.window) {
      // Rounded to the minute so the query key (and cache) stays put while the page is open.
      const since = Math.floor((Date.now() - search.window * 3_600_000) / 60_000) * 60_000;
      out.since = new Date(since).toISOString();
    }
    return out;
  }, [search, page]);

  const jobs = useQuery({ ...jobsQuery(query), enabled: allowed, placeholderData: keepPreviousData });
  const table = useReactTable({
    data: jobs.data?.jobs ?? [],
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualPagination: true,
    getRowId: (row) => row.jid,
  });

  const setFilter = (patch: Partial<JobsSearch>) =>
    navigate({ search: (previous) => ({ ...previous, ...patch, page: undefined }) });

  if (!allowed) {
    return (
      <>
        <PageHeader title="Jobs" />
        <Forbidden what="view jobs" />
      </>
    );
  }

  const total = jobs.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <>
      <PageHeader
        title="Jobs"
        sub={jobs.data ? `${count(total)} jobs · polled ${timeAgo(jobs.data.last_polled_at)}` : null}
      />
      <form
        className="toolbar"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          setFilter({ q: q.trim() || undefined });
        }}
      >
        <div className="field">
          <label htmlFor="jobs-search">Search jobs</label>
          <input
            id="jobs-search"
            type="search"
            placeholder="jid, function or target"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onBlur={() => q.trim() !== (search.q ?? '') && setFilter({ q: q.trim() || undefined })}
          />
        </div>
        <TextFilter
          id="jobs-function"
          label="Function"
          value={search.fun}
          placeholder="state.apply"
          onChange={(fun) => setFilter({ fun })}
        />
        <TextFilter
          id="jobs-by"
          label="Started by"
          value={search.by}
          placeholder="alice"
          onChange={(by) => setFilter({ by })}
        />
        <TextFilter
          id="jobs-user"
          label="Salt user"
          value={search.user}
          placeholder="root"
          onChange={(user) => setFilter({ user })}
        />
        <TextFilter
          id="jobs-minion"
          label="Minion"
          value={search.minion}
          placeholder="web-01"
          onChange={(minion) => setFilter({ minion })}
        />
        <div className="field">
          <label htmlFor="jobs-window">Started</label>
          <select
            id="jobs-window"
            value={search.window ?? ''}
            onChange={(e) => setFilter({ window: e.target.value ? Number(e.target.value) : undefined })}
          >
            <option value="">Any time</option>
            {WINDOWS.map((hours) => (
              <option key={hours} value={hours}>
                Last {WINDOW_LABELS[hours]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="jobs-status">Outcome</label>
          <select
            id="jobs-status"
            value={search.outcome ?? search.status ?? ''}
            onChange={(e) => {
              const v = e.target.value;
              setFilter({
                status: v === 'running' || v === 'finished' ? v : undefined,
                outcome: (OUTCOMES as readonly string[]).includes(v) ? (v as JobsOutcome) : undefined,
              });
            }}
          >
            <option value="">Any</option>
            <option value="running">Running</option>
            <option value="finished">Finished</option>
            <option value="succeeded">Finished: all OK</option>
            <option value="failed">Finished: some failed</option>
            <option value="no_returns">Finished: no returns</option>
          </select>
        </div>
        <button type="submit" className="sr-only">
          Search
        </button>
      </form>
      {jobs.error ? <ErrorState error={jobs.error} what="view jobs" /> : null}
      {jobs.data && total === 0 ? (
        <Empty title="No jobs match">
          {Object.keys(search).length
            ? 'Try other filters.'
            : 'Jobs appear once Halite has polled the master job cache.'}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="data middle" aria-busy={jobs.isFetching}>
            <thead>
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => (
                    <th key={header.id}>{flexRender(header.column.columnDef.header, header.getContext())}</th>
                  ))}
                </tr>
              ))}
            </thead>
            <tbody>
              {table.getRowModel().rows.map((row) => (
                <tr key={row.id} data-testid="job-row" data-jid={row.original.jid}>
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > PAGE_SIZE ? (
        <nav className="pager" aria-label="Pages">
          Page {page + 1} of {count(pages)}
          <button
            type="button"
            disabled={page === 0}
            onClick={() => navigate({ search: (s) => ({ ...s, page: page - 1 || undefined }) })}
          >
            Newer
          </button>
          <button
            type="button"
            disabled={page + 1 >= pages}
            onClick={() => navigate({ search: (s) => ({ ...s, page: page + 1 }) })}
          >
            Older
          </button>
        </nav>
      ) : null}
    </>
  );
}

/** A text filter applied on Enter or when the field loses focus. */
function TextFilter({
  id,
  label,
  value,
  placeholder,
  onChange,
}: {
  id: string;
  label: string;
  value: string | undefined;
  placeholder: string;
  onChange: (value: string | undefined) => void;
}) {
  const [draft, setDraft] = useState(value ?? '');
  useEffect(() => setDraft(value ?? ''), [value]);
  const apply = () => {
    if (draft.trim() !== (value ?? '')) onChange(draft.trim() || undefined);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        placeholder={placeholder}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => e.key === 'Enter' && apply()}
        style={{ width: 150 }}
      />
    </div>
  );
}
