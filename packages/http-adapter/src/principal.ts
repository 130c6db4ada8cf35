import { permissionMatches as corePermissionMatches, type Principal } from '@halite/core';

export type { Principal } from '@halite/core';

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
 * Whether the granted `verb:resource` glob pair covers `required`: the one implementation,
 * from `@halite/core` (re-exported here for code written against `@halite/http`).
 */
export const permissionMatches: (granted: string, required: string) => boolean = corePermissionMatches;

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

/** Client addresses the Node bridge saw, by the request it built. */
const clientAddresses = new WeakMap<Request, string>();

/** Records the client address of `request` (the Node bridge does; other hosts may). */
export function setClientAddress(request: Request, address: string): void {
  clientAddresses.set(request, address);
}

/** The client address of `request`, or `''` when the host did not say. */
export function clientAddressOf(request: Request): string {
  return clientAddresses.get(request) ?? '';
}
