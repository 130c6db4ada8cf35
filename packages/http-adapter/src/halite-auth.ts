import { type Halite, HaliteError, type Principal } from '@halite/core';
import { principalHasPermission } from './principal.js';
import type { AccessDecision, AuthorizeContext } from './router.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'halite_session';

/** The value of cookie `name` in the request's `Cookie` header, or `undefined`. */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * When the session cookie carries `Secure`: `'auto'` when the request came over HTTPS (behind a
 * proxy: with `trustProxy` and `X-Forwarded-Proto: https`), `'always'`, or `'never'`.
 */
export type CookieSecureMode = 'auto' | 'always' | 'never';

/** The cookie policy `createHaliteHandler` set for a request (routes are shared by every handler). */
const cookieModes = new WeakMap<Request, CookieSecureMode>();

/** Records the `Secure` policy of the session cookie for `request` (the handler does). */
export function setCookieSecureMode(request: Request, mode: CookieSecureMode): void {
  cookieModes.set(request, mode);
}

/** Whether the session cookie should be `Secure`: as given, else by the handler's mode for the request. */
function secureFor(request: Request, secure: boolean | undefined): boolean {
  if (secure !== undefined) return secure;
  const mode = cookieModes.get(request) ?? 'auto';
  return mode === 'always' || (mode === 'auto' && new URL(request.url).protocol === 'https:');
}

/** The `Set-Cookie` value that stores a session id (HttpOnly, SameSite=Lax, Path=/). */
export function sessionCookie(
  request: Request,
  sessionId: string,
  maxAgeSeconds: number,
  secure?: boolean,
): string {
  const flags = [
    `${SESSION_COOKIE}=${sessionId}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (secureFor(request, secure)) flags.push('Secure');
  return flags.join('; ');
}

/** The `Set-Cookie` value that clears the session cookie. */
export function clearedSessionCookie(request: Request, secure?: boolean): string {
  return sessionCookie(request, '', 0, secure);
}

/**
 * Whether a browser sent this request from another site: `Sec-Fetch-Site` other than
 * `same-origin`/`none`, else an `Origin` other than the request's own. Requests with neither
 * header (scripts, curl) are not cross-site.
 */
export function isCrossSite(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.get('origin');
  if (origin === null) return false;
  return origin !== new URL(request.url).origin;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The handler's default `authenticate`: an `Authorization: Bearer` API token, else the
 * `halite_session` cookie (state-changing requests with it must not be cross-site: 403), else
 * the host's `createHalite({ authenticate })` when there is one; else nobody (401).
 */
export function haliteAuthenticate(halite: Halite): (request: Request) => Promise<Principal | null> {
  return async (request) => {
    const authorization = request.headers.get('authorization');
    if (authorization !== null && /^bearer\s/i.test(authorization)) {
      return halite.auth.principalForToken(authorization.slice(7).trim());
    }
    const sessionId = readCookie(request, SESSION_COOKIE);
    if (sessionId) {
      const principal = await halite.auth.principalForSession(sessionId);
      if (principal && !SAFE_METHODS.has(request.method.toUpperCase()) && isCrossSite(request)) {
        throw new HaliteError('forbidden', 'Cross-site request refused');
      }
      if (principal || !halite.authenticate) return principal;
    }
    return halite.authenticate ? halite.authenticate(request) : null;
  };
}

/**
 * The handler's default `authorize`: RBAC (one of the principal's `verb:resource` globs covers
 * the permission). A user who must change the password reaches only the routes open to any
 * logged-in user (me, change-password, logout) until they do.
 */
export function haliteAuthorize(
  principal: Principal,
  permission: string,
  _context?: AuthorizeContext,
): boolean {
  if (principal.mustChangePassword === true) return false;
  return principalHasPermission(principal, permission);
}

/** Audit action names by route; other routes are named by their pattern. */
const ACTIONS: Readonly<Record<string, string>> = {
  'POST /api/auth/logout': 'auth.logout',
  'POST /api/auth/change-password': 'auth.change_password',
  'POST /api/keys/:key_id/accept': 'key.accept',
  'POST /api/keys/:key_id/reject': 'key.reject',
  'DELETE /api/keys/:key_id': 'key.delete',
  'POST /api/jobs/:jid/kill': 'job.kill',
  'POST /api/run': 'salt.run',
  'PUT /api/admin/settings/salt': 'settings.salt.update',
  'PUT /api/admin/settings/pollers': 'settings.pollers.update',
  'POST /api/admin/settings/test-salt': 'settings.salt.test',
  'POST /api/admin/settings/test-salt-saved': 'settings.salt.test_saved',
  'POST /api/users': 'user.create',
  'PATCH /api/users/:user_id': 'user.update',
  'DELETE /api/users/:user_id': 'user.delete',
  'POST /api/users/:user_id/password': 'user.password_reset',
  'POST /api/users/:user_id/roles': 'user.role_add',
  'DELETE /api/users/:user_id/roles/:role_id': 'user.role_remove',
  'POST /api/roles': 'role.create',
  'PATCH /api/roles/:role_id': 'role.update',
  'DELETE /api/roles/:role_id': 'role.delete',
  'POST /api/roles/:role_id/permissions': 'role.permission_add',
  'DELETE /api/roles/:role_id/permissions/:permission_id': 'role.permission_remove',
  'POST /api/tokens': 'token.create',
  'DELETE /api/tokens/:token_id': 'token.revoke',
};

/** The audit action of a route pattern (`POST /api/keys/:key_id/accept` → `key.accept`). */
export function auditActionOf(route: string): string {
  return ACTIONS[route] ?? route;
}

/**
 * The handler's default `onDecision`: an audit row for every action (any method but GET/HEAD)
 * and for every refusal (401, 403, a denied permission), with the redacted input, the Salt
 * jid, the status, the duration and the client address. Allowed reads are not audited.
 */
export function haliteAuditDecision(halite: Halite): (decision: AccessDecision) => Promise<void> {
  return async (d) => {
    const refused = !d.allowed || d.status === 401 || d.status === 403;
    const isRead = d.method === 'GET' || d.method === 'HEAD';
    if (isRead && !refused) return;
    const resource =
      d.permission && d.permission !== 'authenticated' ? d.permission.replace(/^[^:]*:/, '') : d.path;
    const params = d.input?.params as Record<string, unknown> | undefined;
    const jid = d.jid ?? (typeof params?.jid === 'string' ? params.jid : null);
    await halite.audit.record({
      userId: d.principal?.userId ?? null,
      username: d.principal?.name ?? null,
      action: auditActionOf(d.route),
      resource,
      args: d.input ? { params: d.input.params, body: d.input.body ?? null } : null,
      saltJid: jid,
      decision: d.allowed && d.status < 400 ? 'allow' : 'deny',
      resultCode: d.status,
      durationMs: d.duration_ms,
      clientAddress: d.client_address,
    });
  };
}
