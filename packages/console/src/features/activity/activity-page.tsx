import { can } from '@halite/core/permissions';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useMe } from '../../auth/session';
import type { ActivityEvent } from '../../live/activity-event';
import { useLiveEvent, useStreamState } from '../../live/use-live-events';
import { count } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState, Forbidden } from '../../ui/states';
import { type ActivityFilter, matchesFilter } from './activity-filter';
import { ActivityRow } from './activity-row';

const PAGE = 100;
/** Live events kept on screen above the history (older ones are in the history anyway). */
const LIVE_CAP = 2_000;
const CATEGORIES = [
  { value: 'job', label: 'Jobs' },
  { value: 'key', label: 'Keys' },
  { value: 'minion', label: 'Minions' },
] as const;

/** The live feed: stored history plus the stream, filterable, pausable without losing events. */
export function ActivityPage() {
  const me = useMe();
  const categories = CATEGORIES.filter((c) => can(me.permissions, `view:${c.value}:*`));
  const [filter, setFilter] = useState<ActivityFilter>({
    category: '',
    search: '',
    hideRoutine: false,
    hideDispatch: false,
  });
  const deferred = useDeferredValue(filter);
  const [paused, setPaused] = useState(false);
  const [live, setLive] = useState<ActivityEvent[]>([]);
  const [held, setHeld] = useState<ActivityEvent[]>([]);
  const streamState = useStreamState();

  const history = useInfiniteQuery({
    // Not under ['activity']: the stream's invalidations would refetch every page and leak new
    // events past a pause; this page merges the stream itself.
    queryKey: ['activity-feed', deferred],
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/activity', {
          params: {
            query: {
              limit: PAGE,
              offset: pageParam,
              ...(deferred.category ? { category: [deferred.category] } : {}),
              ...(deferred.search.trim() ? { search: deferred.search.trim() } : {}),
              ...(deferred.hideRoutine ? { hide_routine: true } : {}),
              ...(deferred.hideDispatch ? { hide_dispatch: true } : {}),
            },
          },
          signal,
        }),
      ),
    initialPageParam: 0,
    getNextPageParam: (last, all) => {
      const loaded = all.reduce((n, page) => n + page.events.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
    enabled: categories.length > 0,
    // The stream brings new events; the history only needs a refetch when the filters change.
    refetchInterval: false,
    staleTime: Number.POSITIVE_INFINITY,
  });

  const onEvent = useCallback(
    (event: ActivityEvent) => {
      if (paused) setHeld((h) => [event, ...h]);
      else setLive((l) => [event, ...l].slice(0, LIVE_CAP));
    },
    [paused],
  );
  useLiveEvent(onEvent);

  const rows = useMemo(() => {
    const seen = new Set<number>();
    const out: ActivityEvent[] = [];
    for (const event of [
      ...live.filter((e) => matchesFilter(e, deferred)),
      ...(history.data?.pages.flatMap((p) => p.events) ?? []),
    ]) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      out.push(event);
    }
    return out;
  }, [live, history.data, deferred]);

  if (categories.length === 0) {
    return (
      <>
        <PageHeader title="Activity" />
        <Forbidden what="view activity" />
      </>
    );
  }

  function togglePause() {
    if (paused) {
      setLive((l) => [...held, ...l].slice(0, LIVE_CAP));
      setHeld([]);
    }
    setPaused(!paused);
  }

  const heldShown = held.filter((e) => matchesFilter(e, filter)).length;
  return (
    <>
      <PageHeader
        title="Activity"
        sub={
          streamState === 'open'
            ? 'Live from the Salt event bus'
            : streamState === 'unavailable'
              ? 'The live stream is off (Settings → Event stream); showing stored events'
              : 'Connecting to the live stream…'
        }
      >
        <button
          type="button"
          aria-pressed={paused}
          onClick={togglePause}
          title={paused ? 'Paused: press again to resume' : 'Hold new events without losing them'}
        >
          Pause
        </button>
      </PageHeader>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="activity-search">Search activity</label>
          <input
            id="activity-search"
            type="search"
            placeholder="minion id, function, summary"
            value={filter.search}
            onChange={(e) => setFilter({ ...filter, search: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="activity-category">Category</label>
          <select
            id="activity-category"
            value={filter.category}
            onChange={(e) => setFilter({ ...filter, category: e.target.value as ActivityFilter['category'] })}
          >
            <option value="">All</option>
            {categories.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <label className="check" htmlFor="hide-routine">
          <input
            id="hide-routine"
            type="checkbox"
            checked={filter.hideRoutine}
            onChange={(e) => setFilter({ ...filter, hideRoutine: e.target.checked })}
          />
          Hide routine returns
        </label>
        <label className="check" htmlFor="hide-dispatch">
          <input
            id="hide-dispatch"
            type="checkbox"
            checked={filter.hideDispatch}
            onChange={(e) => setFilter({ ...filter, hideDispatch: e.target.checked })}
          />
          Hide dispatches
        </label>
      </div>
      {paused ? (
        <div className="state banner tone-warn" role="status">
          Paused. {count(held.length)} new event{held.length === 1 ? '' : 's'} held
          {heldShown !== held.length ? ` (${count(heldShown)} match the filters)` : ''}; press Pause again to
          show them.
        </div>
      ) : null}
      {history.error ? <ErrorState error={history.error} what="view activity" /> : null}
      {history.data && rows.length === 0 ? (
        <Empty title="No activity yet">
          Events appear here as Salt publishes them (jobs, returns, keys, minion starts).
        </Empty>
      ) : (
        <div className="panel feed" style={{ padding: 0 }} aria-live="off">
          {rows.map((event) => (
            <ActivityRow key={event.id} event={event} />
          ))}
        </div>
      )}
      {history.hasNextPage ? (
        <div className="pager">
          <button type="button" onClick={() => history.fetchNextPage()} disabled={history.isFetchingNextPage}>
            Show older
          </button>
        </div>
      ) : null}
    </>
  );
}
