import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useMemo, useRef, useState } from 'react';
import { useCan } from '../../auth/session';
import { count, memory, timeAgo } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState, Forbidden } from '../../ui/states';
import { StatusBadge } from '../../ui/status';
import {
  MINION_PAGE_SIZE,
  type MinionRow,
  type MinionStatus,
  type MinionsQuery,
  minionPageQuery,
} from './minion-queries';
import { parseMinionSearch } from './minion-search';

const STATUSES: readonly MinionStatus[] = ['online', 'offline', 'pending', 'rejected', 'denied'];
type Sort = NonNullable<MinionsQuery['sort']>;

/** Columns: header, server sort key, cell; `wide` ones hide on a phone. */
const COLUMNS: { label: string; sort?: Sort; cell: (m: MinionRow) => React.ReactNode; wide?: boolean }[] = [
  { label: 'Minion', sort: 'id', cell: (m) => <span className="mono">{m.id}</span> },
  { label: 'Status', cell: (m) => <StatusBadge status={m.status} /> },
  { label: 'IP', sort: 'ip', cell: (m) => <span className="mono">{m.ip ?? '—'}</span> },
  { label: 'OS', sort: 'os', cell: (m) => [m.os, m.osrelease].filter(Boolean).join(' ') || '—', wide: true },
  { label: 'Salt', sort: 'saltversion', cell: (m) => m.saltversion ?? '—', wide: true },
  { label: 'CPU / RAM', cell: (m) => `${m.num_cpus ?? '—'} / ${memory(m.mem_total)}`, wide: true },
  { label: 'Last seen', sort: 'last_seen', cell: (m) => timeAgo(m.last_seen_at), wide: true },
];

/** The whole fleet in one virtualized list, filtered and sorted on the server. */
export function MinionsPage() {
  const allowed = useCan()('view:minion:*');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<MinionStatus | ''>('');
  const [sort, setSort] = useState<{ by: Sort; order: 'asc' | 'desc' }>({ by: 'id', order: 'asc' });
  const deferredSearch = useDeferredValue(search);

  const filter = useMemo(() => {
    const parsed = parseMinionSearch(deferredSearch);
    const query: Omit<MinionsQuery, 'limit' | 'offset'> = { sort: sort.by, order: sort.order };
    if (parsed.text) query.search = parsed.text;
    if (parsed.id_prefix) query.id_prefix = parsed.id_prefix;
    if (parsed.os.length) query.os = parsed.os;
    if (parsed.os_family.length) query.os_family = parsed.os_family;
    if (parsed.saltversion.length) query.saltversion = parsed.saltversion;
    if (parsed.grain.length) query.grain = parsed.grain;
    if (status) query.status = [status];
    return query;
  }, [deferredSearch, status, sort]);

  const scrollRef = useRef<HTMLDivElement>(null);
  // The first page carries the total; it keeps showing the previous answer while a new filter
  // loads, so the list does not collapse between keystrokes.
  const head = useQuery({
    ...minionPageQuery(filter, 0),
    placeholderData: keepPreviousData,
    enabled: allowed,
  });
  const total = head.data?.total ?? 0;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 36,
    overscan: 10,
    // Let React batch scroll updates instead of rendering synchronously on every scroll event.
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const firstPage = Math.floor((items[0]?.index ?? 0) / MINION_PAGE_SIZE);
  const lastPage = Math.floor((items[items.length - 1]?.index ?? 0) / MINION_PAGE_SIZE);
  const pageNumbers = useMemo(() => {
    const pages: number[] = [];
    for (let p = Math.max(1, firstPage); p <= lastPage; p++) pages.push(p);
    return pages;
  }, [firstPage, lastPage]);

  const pages = useQueries({
    queries: pageNumbers.map((page) => ({ ...minionPageQuery(filter, page), enabled: allowed })),
  });
  const byPage = new Map(pageNumbers.map((page, i) => [page, pages[i]?.data]));
  byPage.set(0, head.data);

  if (!allowed) {
    return (
      <>
        <PageHeader title="Minions" />
        <Forbidden what="view minions" />
      </>
    );
  }

  const freshness = head.data;
  return (
    <>
      <PageHeader
        title="Minions"
        sub={
          freshness ? (
            <>
              {count(freshness.total)} shown · refreshed {timeAgo(freshness.last_refreshed_at)}{' '}
              {freshness.is_stale ? (
                <span
                  className="badge tone-warn"
                  title="Keys or presence were not refreshed in the last 10 minutes"
                  data-testid="stale-badge"
                >
                  stale
                </span>
              ) : null}
            </>
          ) : null
        }
      />
      <div className="toolbar">
        <div className="field">
          <label htmlFor="minion-search">Search minions</label>
          <input
            id="minion-search"
            type="search"
            placeholder="id or IP; os:Ubuntu os_family:Debian saltversion:3007.1 grain:ipv4:10.0.*"
            title="A substring of the id or IP; os:, os_family:, saltversion: for those grains; any grain with Salt's grain targeting, grain:key:value or G@key:value (nested keys a:b:value, * and ? globs, a list grain matches any element)"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="minion-status">Status</label>
          <select
            id="minion-status"
            value={status}
            onChange={(e) => setStatus(e.target.value as MinionStatus | '')}
          >
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>
      {head.error ? <ErrorState error={head.error} what="view minions" /> : null}
      {head.data && head.data.total === 0 ? (
        <Empty title={search || status ? 'No minion matches' : 'No minions yet'}>
          {search || status
            ? 'Try another search or status.'
            : 'Minions appear here once Halite has polled the salt-master keys.'}
        </Empty>
      ) : (
        <div className="table-wrap">
          <div className="vlist" ref={scrollRef} data-total={total} aria-busy={head.isFetching}>
            <div className="vrow head minion-cols">
              {COLUMNS.map((column) => (
                <div key={column.label} className={column.wide ? 'hide-sm' : undefined}>
                  {column.sort ? (
                    <button
                      type="button"
                      className="sort"
                      title={`Sort by ${column.label.toLowerCase()}`}
                      onClick={() =>
                        setSort((s) => ({
                          by: column.sort as Sort,
                          order: s.by === column.sort && s.order === 'asc' ? 'desc' : 'asc',
                        }))
                      }
                    >
                      {column.label} {sort.by === column.sort ? (sort.order === 'asc' ? '↑' : '↓') : ''}
                    </button>
                  ) : (
                    column.label
                  )}
                </div>
              ))}
            </div>
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {items.map((item) => {
                const page = byPage.get(Math.floor(item.index / MINION_PAGE_SIZE));
                const minion = page?.minions[item.index % MINION_PAGE_SIZE];
                const style = { transform: `translateY(${item.start}px)`, height: item.size };
                if (!minion) {
                  return (
                    <div key={item.key} className="vrow body placeholder minion-cols" style={style}>
                      <span>…</span>
                    </div>
                  );
                }
                return <MinionRowLink key={item.key} minion={minion} start={item.start} size={item.size} />;
              })}
            </div>
          </div>
        </div>
      )}
    </>
  );
}

/**
 * One row: a plain link (the router's `<Link>` costs too much per row at scroll speed) that
 * navigates in-app on a plain click and leaves modified clicks (new tab) to the browser.
 * Memoized: a row at a given index keeps its position, so scrolling re-renders only new rows.
 */
const MinionRowLink = memo(function MinionRowLink({
  minion,
  start,
  size,
}: {
  minion: MinionRow;
  start: number;
  size: number;
}) {
  const navigate = useNavigate();
  const href = `/minions/${encodeURIComponent(minion.id)}`;
  return (
    <a
      href={href}
      className="vrow body minion-cols"
      style={{ transform: `translateY(${start}px)`, height: size }}
      data-testid="minion-row"
      data-minion-id={minion.id}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        void navigate({ to: '/minions/$minionId', params: { minionId: minion.id } });
      }}
    >
      {COLUMNS.map((column) => (
        <span key={column.label} className={column.wide ? 'hide-sm' : undefined}>
          {column.cell(minion)}
        </span>
      ))}
    </a>
  );
});
