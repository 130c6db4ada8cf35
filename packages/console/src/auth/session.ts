import { can } from '@halite/core/permissions';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { ApiError, api, unwrap } from '../api/client';
import type { paths } from '../api/schema';

/** The signed-in user as `GET /api/auth/me` returns it. */
export type Me = paths['/api/auth/me']['get']['responses'][200]['content']['application/json'];

/** The signed-in user, or null when nobody is (a 401). */
export const meQuery = queryOptions({
  queryKey: ['auth', 'me'] as const,
  queryFn: async (): Promise<Me | null> => {
    try {
      return await unwrap(api.GET('/api/auth/me'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  staleTime: 60_000,
});

/** Whether Salt is configured (the first-run setup's question). */
export const setupStatusQuery = queryOptions({
  queryKey: ['settings', 'status'] as const,
  queryFn: () => unwrap(api.GET('/api/admin/settings/status')),
  staleTime: 30_000,
});

/** Nobody: what the pages see for the moment between signing out and leaving them. */
const NOBODY: Me = {
  id: '',
  username: '',
  display_name: '',
  must_change_pw: false,
  via: 'session',
  permissions: [],
};

/** The signed-in user (routes under the sign-in guard only render once there is one). */
export function useMe(): Me {
  const { data } = useQuery(meQuery);
  return data ?? NOBODY;
}

/** `can(me.permissions, required)` for the signed-in user. */
export function useCan(): (required: string) => boolean {
  const me = useMe();
  return (required) => can(me.permissions, required);
}
