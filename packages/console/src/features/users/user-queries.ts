import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

/** One user as the API lists it. */
export type User =
  paths['/api/users']['get']['responses'][200]['content']['application/json']['users'][number];
/** One role as the API lists it. */
export type Role =
  paths['/api/roles']['get']['responses'][200]['content']['application/json']['roles'][number];

/** Every user (the API pages by 500 at most; a console's accounts fit in one page). */
export const usersQuery = queryOptions({
  queryKey: ['users', 'all'] as const,
  queryFn: ({ signal }) => unwrap(api.GET('/api/users', { params: { query: { limit: 500 } }, signal })),
});

/** Every role. */
export const rolesQuery = queryOptions({
  queryKey: ['roles', 'all'] as const,
  queryFn: ({ signal }) => unwrap(api.GET('/api/roles', { signal })),
});

/** The role ids a user holds. */
export function userRolesQuery(userId: string) {
  return queryOptions({
    queryKey: ['users', 'roles', userId] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/users/{user_id}/roles', { params: { path: { user_id: userId } }, signal })),
  });
}
