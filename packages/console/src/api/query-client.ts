import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './client';

/**
 * One cache for the app. Reads come from Halite's store, which the pollers refresh every
 * 30 s or so and the event stream invalidates sooner, so 15 s of freshness is plenty; 4xx
 * answers are not retried (asking again will not change them).
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchInterval: 30_000,
      refetchOnWindowFocus: true,
      retry: (failures, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
    },
  },
});
