import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

/** The query of `GET /api/minions`. */
export type MinionsQuery = NonNullable<paths['/api/minions']['get']['parameters']['query']>;
/** One page of minions with the freshness of the data. */
export type MinionPage = paths['/api/minions']['get']['responses'][200]['content']['application/json'];
/** One minion row. */
export type MinionRow = MinionPage['minions'][number];
/** A minion status. */
export type MinionStatus = MinionRow['status'];
/** A minion with its grains. */
export type MinionDetail =
  paths['/api/minions/{minion_id}']['get']['responses'][200]['content']['application/json'];

/** Rows per request: a screen is ~25 rows, so one page covers a fast scroll. */
export const MINION_PAGE_SIZE = 200;

/** One page of the filtered, sorted fleet. */
export function minionPageQuery(filter: Omit<MinionsQuery, 'limit' | 'offset'>, page: number) {
  return queryOptions({
    queryKey: ['minions', 'list', filter, page] as const,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/minions', {
          params: { query: { ...filter, limit: MINION_PAGE_SIZE, offset: page * MINION_PAGE_SIZE } },
          signal,
        }),
      ),
    staleTime: 30_000,
  });
}

/** One minion with its grains. */
export function minionQuery(id: string) {
  return queryOptions({
    queryKey: ['minions', 'detail', id] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/minions/{minion_id}', { params: { path: { minion_id: id } }, signal })),
  });
}

/** Counts by status, OS family and Salt version. */
export const minionStatsQuery = queryOptions({
  queryKey: ['minions', 'stats'] as const,
  queryFn: ({ signal }) => unwrap(api.GET('/api/minions/stats', { signal })),
});
