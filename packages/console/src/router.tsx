import { can } from '@halite/core/permissions';
import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { meQuery, setupStatusQuery } from './auth/session';
import { type JobsSearch, jobsSearch } from './features/jobs/jobs-search';
import { type RunPrefill, runPrefill } from './features/run/run-prefill';
import { AppShell } from './shell/app-shell';
import { NotFound, RouteError } from './shell/route-states';

/** What every route's loader and guard can reach. */
export interface RouterContext {
  queryClient: QueryClient;
}

const root = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
  errorComponent: RouteError,
});

const login = createRoute({
  getParentRoute: () => root,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): { next?: string } =>
    // Only a path of this app: `//host` or `/\\host` would leave it.
    typeof search.next === 'string' && /^\/(?![/\\])/.test(search.next) ? { next: search.next } : {},
  beforeLoad: async ({ context }) => {
    const me = await context.queryClient.fetchQuery(meQuery);
    if (me) throw redirect({ to: '/' });
  },
  component: lazyRouteComponent(() => import('./features/auth/login-page'), 'LoginPage'),
});

/** Everything below needs a signed-in user. */
const signedIn = createRoute({
  getParentRoute: () => root,
  id: 'signed-in',
  beforeLoad: async ({ context, location }) => {
    const me = await context.queryClient.fetchQuery(meQuery);
    if (!me) {
      throw redirect({ to: '/login', search: location.href === '/' ? {} : { next: location.href } });
    }
    return { me };
  },
  component: Outlet,
});

const changePassword = createRoute({
  getParentRoute: () => signedIn,
  path: '/change-password',
  component: lazyRouteComponent(() => import('./features/auth/change-password-page'), 'ChangePasswordPage'),
});

const setup = createRoute({
  getParentRoute: () => signedIn,
  path: '/setup',
  beforeLoad: ({ context }) => {
    if (context.me.must_change_pw) throw redirect({ to: '/change-password' });
  },
  component: lazyRouteComponent(() => import('./features/setup/setup-page'), 'SetupPage'),
});

/**
 * The app with its navigation. A forced password change comes first; then, while Salt is not
 * configured, a user who may configure it is sent to the setup (others get a notice).
 */
const shell = createRoute({
  getParentRoute: () => signedIn,
  id: 'shell',
  beforeLoad: async ({ context }) => {
    if (context.me.must_change_pw) throw redirect({ to: '/change-password' });
    if (can(context.me.permissions, 'edit:settings:*')) {
      const status = await context.queryClient.fetchQuery(setupStatusQuery);
      if (!status.configured) throw redirect({ to: '/setup' });
    }
  },
  component: AppShell,
});

const overview = createRoute({
  getParentRoute: () => shell,
  path: '/',
  component: lazyRouteComponent(() => import('./features/overview/overview-page'), 'OverviewPage'),
});
const minions = createRoute({
  getParentRoute: () => shell,
  path: '/minions',
  component: lazyRouteComponent(() => import('./features/minions/minions-page'), 'MinionsPage'),
});
const minionDetail = createRoute({
  getParentRoute: () => shell,
  path: '/minions/$minionId',
  component: lazyRouteComponent(() => import('./features/minions/minion-detail-page'), 'MinionDetailPage'),
});
const keys = createRoute({
  getParentRoute: () => shell,
  path: '/keys',
  component: lazyRouteComponent(() => import('./features/keys/keys-page'), 'KeysPage'),
});
const jobs = createRoute({
  getParentRoute: () => shell,
  path: '/jobs',
  validateSearch: (search: Record<string, unknown>): JobsSearch => jobsSearch(search),
  component: lazyRouteComponent(() => import('./features/jobs/jobs-page'), 'JobsPage'),
});
const jobDetail = createRoute({
  getParentRoute: () => shell,
  path: '/jobs/$jid',
  component: lazyRouteComponent(() => import('./features/jobs/job-detail-page'), 'JobDetailPage'),
});
const run = createRoute({
  getParentRoute: () => shell,
  path: '/run',
  validateSearch: (search: Record<string, unknown>): RunPrefill => runPrefill(search),
  component: lazyRouteComponent(() => import('./features/run/run-page'), 'RunPage'),
});
const activity = createRoute({
  getParentRoute: () => shell,
  path: '/activity',
  component: lazyRouteComponent(() => import('./features/activity/activity-page'), 'ActivityPage'),
});
const audit = createRoute({
  getParentRoute: () => shell,
  path: '/audit',
  component: lazyRouteComponent(() => import('./features/audit/audit-page'), 'AuditPage'),
});
const users = createRoute({
  getParentRoute: () => shell,
  path: '/users',
  component: lazyRouteComponent(() => import('./features/users/users-page'), 'UsersPage'),
});
const roles = createRoute({
  getParentRoute: () => shell,
  path: '/roles',
  component: lazyRouteComponent(() => import('./features/roles/roles-page'), 'RolesPage'),
});
const settings = createRoute({
  getParentRoute: () => shell,
  path: '/settings',
  component: lazyRouteComponent(() => import('./features/settings/settings-page'), 'SettingsPage'),
});

export const routeTree = root.addChildren([
  login,
  signedIn.addChildren([
    changePassword,
    setup,
    shell.addChildren([
      overview,
      minions,
      minionDetail,
      keys,
      jobs,
      jobDetail,
      run,
      activity,
      audit,
      users,
      roles,
      settings,
    ]),
  ]),
]);

/** Creates the app's router (history mode). */
export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    defaultPendingMs: 300,
    scrollRestoration: true,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
