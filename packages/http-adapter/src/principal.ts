/**
 * Who is making a request, as the router's `authenticate` hook resolved it.
 *
 * This type lives in `@halite/http` until the auth issue moves it into `@halite/core`; it will
 * then be re-exported from here under the same name, so code written against it keeps working.
 */
export interface Principal {
  /** Stable identifier (a user id, a token id, the host application's subject). */
  readonly id: string;
  /** Display name, for audit rows and logs. */
  readonly name: string;
  /** Granted `verb:resource` globs, e.g. `view:minion:*`; `*` grants everything. */
  readonly permissions: readonly string[];
  /** How the principal was established. */
  readonly via: 'session' | 'token' | 'host' | 'anonymous';
}

/**
 * The principal of every request when the router has no `authenticate` hook: anonymous, with
 * every permission.
 *
 * **For embedding behind your own auth only.** A router without `authenticate` lets anyone who
 * can reach it do anything Halite can do, including running commands on every minion.
 */
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  id: 'anonymous',
  name: 'anonymous',
  permissions: Object.freeze(['*']),
  via: 'anonymous',
});

/**
 * Whether `granted` (a glob where `*` stands for any run of characters, `:` included) covers
 * the `required` permission. The router's default `authorize` until core's RBAC lands.
 *
 * @example
 * ```ts
 * permissionMatches('view:minion:*', 'view:minion:web-01'); // true
 * permissionMatches('view:*', 'kill:job:*');                 // false
 * ```
 */
export function permissionMatches(granted: string, required: string): boolean {
  if (granted === '*' || granted === required) return true;
  if (!granted.includes('*')) return false;
  const pattern = granted
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 's').test(required);
}

/** Whether any of the principal's permissions covers `required` (see {@link permissionMatches}). */
export function principalHasPermission(principal: Principal, required: string): boolean {
  return principal.permissions.some((granted) => permissionMatches(granted, required));
}

/** Principals that a host's own auth established, by the request the Node bridge built. */
const hostPrincipals = new WeakMap<Request, Principal | null>();

/** Records the principal the host's auth found for `request` (`null`: nobody logged in). */
export function setHostPrincipal(request: Request, principal: Principal | null): void {
  hostPrincipals.set(request, principal);
}

/** The host's principal for `request`: `undefined` when the host gave none, `null` for nobody. */
export function hostPrincipalOf(request: Request): Principal | null | undefined {
  return hostPrincipals.get(request);
}
