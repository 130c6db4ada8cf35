/** One entry of the main navigation and the permission that shows it. */
export interface NavItem {
  to:
    | '/'
    | '/minions'
    | '/keys'
    | '/jobs'
    | '/run'
    | '/activity'
    | '/audit'
    | '/users'
    | '/roles'
    | '/settings';
  label: string;
  /** Shown when the user has any of these. */
  anyOf: string[];
  /** Or when some permission grants this verb on part of this kind (`execute:salt:test.*`). */
  some?: { verb: string; kind: string };
}

/** The main navigation, in order. */
export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'Overview', anyOf: [] },
  { to: '/minions', label: 'Minions', anyOf: ['view:minion:*'] },
  { to: '/keys', label: 'Keys', anyOf: ['view:key:*'] },
  { to: '/jobs', label: 'Jobs', anyOf: ['view:job:*'] },
  { to: '/run', label: 'Run', anyOf: [], some: { verb: 'execute', kind: 'salt' } },
  { to: '/activity', label: 'Activity', anyOf: ['view:job:*', 'view:key:*', 'view:minion:*'] },
  { to: '/audit', label: 'Audit log', anyOf: ['view:audit:*'] },
  { to: '/users', label: 'Users', anyOf: ['view:user:*', 'manage_user:user:*'] },
  { to: '/roles', label: 'Roles', anyOf: ['view:role:*', 'manage_role:role:*'] },
  { to: '/settings', label: 'Settings', anyOf: ['edit:settings:*'] },
];
