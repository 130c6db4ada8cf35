import { can, canSome } from '@halite/core/permissions';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import { api, onUnauthorized, unwrap } from '../api/client';
import { meQuery, setupStatusQuery, useMe } from '../auth/session';
import { LiveEvents } from '../live/event-stream';
import { LiveEventsContext, useStreamState } from '../live/use-live-events';
import { Unconfigured, Unreachable } from '../ui/states';
import { Logo } from './logo';
import { NAV_ITEMS } from './nav-items';
import { type ThemeChoice, useTheme } from './theme';

/** The signed-in app: sidebar navigation, Salt status banner, the page, one live connection. */
export function AppShell() {
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [menuOpen, setMenuOpen] = useState(false);
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const mayWatch = ['view:job:*', 'view:key:*', 'view:minion:*'].some((p) => can(me.permissions, p));

  const live = useMemo(() => (mayWatch ? new LiveEvents(queryClient) : null), [mayWatch, queryClient]);
  useEffect(() => {
    live?.start();
    return () => live?.stop();
  }, [live]);

  useEffect(() => {
    onUnauthorized(() => {
      queryClient.setQueryData(meQuery.queryKey, null);
      const here = window.location.pathname;
      if (here === '/login') return;
      void navigate({ to: '/login', search: { next: here } });
    });
  }, [queryClient, navigate]);

  // "/" jumps to the page's search box, as in most consoles; not while typing elsewhere.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.metaKey || event.ctrlKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"], dialog[open]')) return;
      const search = document.querySelector<HTMLInputElement>('#main input[type="search"]');
      if (!search) return;
      event.preventDefault();
      search.focus();
      search.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Close the phone menu after navigating.
  useEffect(() => setMenuOpen(false), [pathname]);

  const status = useQuery(setupStatusQuery);
  const mayConfigure = can(me.permissions, 'edit:settings:*');
  const pendingKeys = useQuery({
    queryKey: ['keys', 'pending-count'],
    queryFn: () => unwrap(api.GET('/api/keys', { params: { query: { status: ['pending'], limit: 1 } } })),
    enabled: can(me.permissions, 'view:key:*'),
    select: (data) => data.counts.pending,
  });

  return (
    <LiveEventsContext.Provider value={live}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <div className="shell" data-menu={menuOpen ? 'open' : 'closed'}>
        <header className="topbar">
          <button
            type="button"
            className="ghost"
            aria-expanded={menuOpen}
            aria-controls="sidebar"
            onClick={() => setMenuOpen((open) => !open)}
          >
            ☰ <span className="sr-only">Menu</span>
          </button>
          <Logo /> <strong>Halite</strong>
        </header>
        <aside className="sidebar" id="sidebar">
          <Link to="/" className="brand">
            <Logo /> Halite
          </Link>
          <nav aria-label="Main" className="nav">
            {NAV_ITEMS.filter((item) =>
              item.some
                ? canSome(me.permissions, item.some.verb, item.some.kind)
                : item.anyOf.length === 0 || item.anyOf.some((p) => can(me.permissions, p)),
            ).map((item) => (
              <Link key={item.to} to={item.to} activeOptions={{ exact: item.to === '/' }}>
                {item.label}
                {item.to === '/keys' && pendingKeys.data ? ' ' : null}
                {item.to === '/keys' && pendingKeys.data ? (
                  <span className="count" title="Pending keys">
                    {pendingKeys.data}
                    <span className="sr-only"> pending</span>
                  </span>
                ) : null}
              </Link>
            ))}
          </nav>
          <div className="sidebar-foot">
            {live ? <StreamIndicator /> : null}
            <ThemePicker />
            <UserMenu name={me.display_name || me.username} />
          </div>
        </aside>
        <main className="main" id="main" tabIndex={-1}>
          {status.data && !status.data.configured ? <Unconfigured canSetUp={mayConfigure} /> : null}
          {status.data?.configured && status.data.detail ? <Unreachable detail={status.data.detail} /> : null}
          <Outlet />
        </main>
      </div>
    </LiveEventsContext.Provider>
  );
}

function StreamIndicator() {
  const state = useStreamState();
  const label = {
    open: 'Live',
    connecting: 'Connecting…',
    retrying: 'Reconnecting…',
    unavailable: 'Live updates off',
  }[state];
  return (
    <span className="stream-dot" data-state={state} title="Live event stream">
      {label}
    </span>
  );
}

function ThemePicker() {
  const [theme, setTheme] = useTheme();
  return (
    <div className="user-line">
      <label htmlFor="theme">Theme</label>
      <select
        id="theme"
        value={theme}
        onChange={(event) => setTheme(event.target.value as ThemeChoice)}
        style={{ width: 'auto' }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}

function UserMenu({ name }: { name: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  return (
    <div className="user-line">
      <span title="Signed in">{name}</span>
      <button
        type="button"
        className="small"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          await api.POST('/api/auth/logout').catch(() => undefined);
          // Signed out first (every permission-gated query stops), then leave, then forget
          // what this user's session had read.
          queryClient.setQueryData(meQuery.queryKey, null);
          await navigate({ to: '/login' });
          queryClient.clear();
        }}
      >
        Sign out
      </button>
    </div>
  );
}
