import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

/** The query of `GET /api/jobs`. */
export type JobsQuery = NonNullable<paths['/api/jobs']['get']['parameters']['query']>;
/** A page of jobs. */
export type JobList = paths['/api/jobs']['get']['responses'][200]['content']['application/json'];
/** One job row. */
export type JobRow = JobList['jobs'][number];
/** One job with a page of per-minion results. */
export type JobDetail = paths['/api/jobs/{jid}']['get']['responses'][200]['content']['application/json'];
/** One minion's result of a job. */
export type JobResult = JobDetail['results'][number];

/** A page of the job history. */
export function jobsQuery(query: JobsQuery) {
  return queryOptions({
    queryKey: ['jobs', 'list', query] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/jobs', { params: { query }, signal })),
  });
}

/** One job and a page of its results. */
export function jobQuery(jid: string, page: { limit: number; offset: number }) {
  return queryOptions({
    queryKey: ['jobs', 'detail', jid, page] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/jobs/{jid}', { params: { path: { jid }, query: page }, signal })),
  });
}

/** Jobs started per hour over the last `hours`, and how many run now. */
export function jobActivityQuery(hours = 24) {
  return queryOptions({
    queryKey: ['jobs', 'activity', hours] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/jobs/activity', { params: { query: { hours } }, signal })),
  });
}
