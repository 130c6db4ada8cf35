import { type Halite, HaliteError, type Principal } from '@halite/core';
import { z } from 'zod';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from '../halite-auth.js';
import { clientAddressOf } from '../principal.js';
import { haliteRoute, NoQuery } from './define.js';

/** Who is logged in, with what permissions (`POST /api/auth/login`, `GET /api/auth/me`). */
export const Me = z.object({
  id: z.string(),
  username: z.string(),
  display_name: z.string(),
  must_change_pw: z.boolean(),
  via: z.enum(['session', 'token', 'host', 'anonymous']),
  permissions: z.array(z.string()),
});

/** `POST /api/auth/login`. */
export const LoginBody = z
  .object({ username: z.string().min(1).max(255), password: z.string().min(1).max(1024) })
  .strict();

/** A new password: 8–1024 characters. */
export const NewPassword = z.string().min(8).max(1024);

/** `POST /api/auth/change-password`. */
export const ChangePasswordBody = z
  .object({ current_password: z.string().max(1024), new_password: NewPassword })
  .strict();

/** A user, role, permission or token id in a path: letters, digits, `.`, `_`, `-`. */
export const EntityId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._-]+$/, 'an id is letters, digits, ".", "_" and "-"');

/** The built-in user behind a principal; `invalid_input` for host principals, who have none. */
export function userIdOf(principal: Principal): string {
  if (principal.userId === undefined) {
    throw new HaliteError('invalid_input', 'This principal is not a built-in user');
  }
  return principal.userId;
}

async function meOf(app: Halite, principal: Principal): Promise<z.input<typeof Me>> {
  const user = principal.userId === undefined ? undefined : await app.store.users.get(principal.userId);
  return {
    id: principal.id,
    username: user?.username ?? principal.name,
    display_name: user?.displayName ?? principal.name,
    must_change_pw: user?.mustChangePassword ?? false,
    via: principal.via,
    permissions: [...principal.permissions],
  };
}

/** Login, logout, who am I, change my password. */
export const authRoutes = [
  haliteRoute({
    method: 'POST',
    path: '/api/auth/login',
    permission: 'public',
    summary: 'Log in with a username and password; sets the halite_session cookie',
    tags: ['auth'],
    query: NoQuery,
    body: LoginBody,
    response: Me,
    errors: [401, 429],
    handler: async ({ app, body, request, responseHeaders }) => {
      const result = await app.auth.login(body.username, body.password, {
        ip: clientAddressOf(request),
        userAgent: request.headers.get('user-agent') ?? '',
      });
      if (!result.ok) {
        if (result.reason === 'throttled') {
          throw new HaliteError('rate_limited', 'Too many failed logins; try again later');
        }
        throw new HaliteError('unauthorized', 'Invalid credentials');
      }
      const maxAge = Math.floor(app.sessions.idleTimeoutMs / 1000);
      responseHeaders.append('set-cookie', sessionCookie(request, result.sessionId, maxAge));
      return {
        id: result.user.id,
        username: result.user.username,
        display_name: result.user.displayName,
        must_change_pw: result.user.mustChangePassword,
        via: 'session' as const,
        permissions: result.permissions,
      };
    },
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/auth/logout',
    permission: 'authenticated',
    summary: 'End this session and clear its cookie',
    tags: ['auth'],
    query: NoQuery,
    status: 204,
    handler: async ({ app, request, responseHeaders }) => {
      const sessionId = readCookie(request, SESSION_COOKIE);
      if (sessionId) await app.auth.logout(sessionId);
      responseHeaders.append('set-cookie', clearedSessionCookie(request));
      return null;
    },
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/auth/me',
    permission: 'authenticated',
    summary: 'Who is logged in, with what permissions',
    tags: ['auth'],
    query: NoQuery,
    response: Me,
    handler: ({ app, principal }) => meOf(app, principal),
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/auth/change-password',
    permission: 'authenticated',
    summary: "Change one's own password; ends one's other sessions",
    tags: ['auth'],
    query: NoQuery,
    body: ChangePasswordBody,
    status: 204,
    handler: async ({ app, principal, body, request }) => {
      const keep = principal.via === 'session' ? readCookie(request, SESSION_COOKIE) : undefined;
      await app.auth.changePassword(userIdOf(principal), body.current_password, body.new_password, keep);
      return null;
    },
  }),
];
