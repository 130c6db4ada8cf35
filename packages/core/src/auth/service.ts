import type { AuditService } from '../audit/service.js';
import { HaliteError } from '../errors.js';
import { permissionStrings } from '../rbac/permissions.js';
import type { Store } from '../store/store.js';
import type { User } from '../store/users.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import type { SessionService } from './sessions.js';
import { LoginThrottle } from './throttle.js';
import type { TokenService } from './tokens.js';

/** Options of {@link AuthService}. */
export interface AuthServiceOptions {
  /** The database. */
  store: Store;
  /** Login sessions. */
  sessions: SessionService;
  /** API tokens. */
  tokens: TokenService;
  /** Where logins are recorded. */
  audit: AuditService;
  /** Failed-login limits. Default: a {@link LoginThrottle} with its defaults. */
  throttle?: LoginThrottle;
  /** Hashes new passwords. Default {@link hashPassword}. */
  hash?: (password: string) => Promise<string>;
  /** The clock (tests). */
  now?: () => Date;
}

/** A login's outcome. Failures do not say whether the user exists. */
export type UserLoginResult =
  | { ok: true; sessionId: string; user: User; permissions: string[] }
  | { ok: false; reason: 'invalid_credentials' | 'throttled' };

/** Where a request came from, for sessions, throttling and the audit log. */
export interface ClientInfo {
  /** The client address. */
  ip: string;
  /** The `User-Agent` header. */
  userAgent?: string;
}

/**
 * Built-in accounts: login (throttled, audited, the same answer and about the same time for an
 * unknown user as for a wrong password), logout, password changes, and turning a session id or
 * an API token into a {@link Principal} with the union of the user's roles' permissions.
 */
export class AuthService {
  readonly #store: Store;
  readonly #sessions: SessionService;
  readonly #tokens: TokenService;
  readonly #audit: AuditService;
  readonly #throttle: LoginThrottle;
  readonly #hash: (password: string) => Promise<string>;
  readonly #now: () => Date;
  #dummyHash: Promise<string> | undefined;

  /** @param options - the Store and the session, token and audit services */
  constructor(options: AuthServiceOptions) {
    this.#store = options.store;
    this.#sessions = options.sessions;
    this.#tokens = options.tokens;
    this.#audit = options.audit;
    this.#throttle = options.throttle ?? new LoginThrottle();
    this.#hash = options.hash ?? hashPassword;
    this.#now = options.now ?? (() => new Date());
  }

  /** Hashes a password the way this service stores them. */
  hashPassword(password: string): Promise<string> {
    return this.#hash(password);
  }

  /** The `verb:resource` permissions of a user: the union of their roles'; none when inactive. */
  async permissionsOf(user: User): Promise<string[]> {
    if (!user.isActive) return [];
    return permissionStrings(await this.#store.roles.permissionsOf(user.id));
  }

  /** Checks a password and starts a session; audited as `auth.login` either way. */
  async login(username: string, password: string, client: ClientInfo): Promise<UserLoginResult> {
    const started = performance.now();
    const resource = `user:${username.slice(0, 250)}`;
    const deny = async (
      reason: 'invalid_credentials' | 'throttled',
      status: number,
    ): Promise<UserLoginResult> => {
      await this.#audit.record({
        action: 'auth.login',
        resource,
        decision: 'deny',
        resultCode: status,
        args: { username, reason },
        clientAddress: client.ip,
        durationMs: Math.round(performance.now() - started),
      });
      return { ok: false, reason };
    };
    if (!this.#throttle.allows(username, client.ip)) return deny('throttled', 429);
    const credentials = await this.#store.users.getCredentials(username);
    // An unknown user costs one scrypt too, so timing does not tell which usernames exist.
    this.#dummyHash ??= this.#hash('halite-timing-equaliser');
    const valid = await verifyPassword(password, credentials?.passwordHash ?? (await this.#dummyHash));
    if (!credentials || !valid || !credentials.user.isActive) {
      this.#throttle.recordFailure(username, client.ip);
      return deny('invalid_credentials', 401);
    }
    this.#throttle.recordSuccess(username);
    const { user } = credentials;
    const { sessionId } = await this.#sessions.create(user.id, client);
    await this.#store.users.recordLogin(user.id, this.#now());
    await this.#audit.record({
      userId: user.id,
      username: user.username,
      action: 'auth.login',
      resource: `user:${user.username}`,
      decision: 'allow',
      resultCode: 200,
      args: { username },
      clientAddress: client.ip,
      durationMs: Math.round(performance.now() - started),
    });
    return { ok: true, sessionId, user, permissions: await this.permissionsOf(user) };
  }

  /** Ends a session (logout); `false` when there was none. */
  logout(sessionId: string): Promise<boolean> {
    return this.#sessions.revoke(sessionId);
  }

  /** The principal of a session id, or `null` (unknown, expired, inactive user). */
  async principalForSession(sessionId: string): Promise<Principal | null> {
    const found = await this.#sessions.validate(sessionId);
    if (!found) return null;
    return this.#principalOf(found.user, 'session');
  }

  /** The principal of an API token, or `null` (unknown, revoked, expired, inactive owner). */
  async principalForToken(token: string): Promise<Principal | null> {
    const found = await this.#tokens.authenticate(token);
    if (!found) return null;
    return this.#principalOf(found.user, 'token');
  }

  async #principalOf(user: User, via: 'session' | 'token'): Promise<Principal> {
    return Object.freeze({
      id: user.id,
      name: user.username,
      // Until the forced password change, a session holds no permission (only the routes open to
      // any logged-in user: me, change-password, logout).
      permissions: Object.freeze(user.mustChangePassword ? [] : await this.permissionsOf(user)),
      via,
      userId: user.id,
      mustChangePassword: user.mustChangePassword,
    });
  }

  /**
   * Changes one's own password after checking the current one (`forbidden` when wrong) and
   * ends the user's other sessions (the one of `keepSessionId` stays).
   */
  async changePassword(userId: string, current: string, next: string, keepSessionId?: string): Promise<void> {
    const user = await this.#store.users.get(userId);
    const credentials = user ? await this.#store.users.getCredentials(user.username) : undefined;
    if (!credentials || !(await verifyPassword(current, credentials.passwordHash))) {
      throw new HaliteError('forbidden', 'Current password is incorrect');
    }
    await this.#store.users.update(userId, {
      passwordHash: await this.#hash(next),
      mustChangePassword: false,
    });
    await this.#sessions.revokeAllForUser(userId, keepSessionId);
  }

  /** An administrator sets a user's password; every session of that user ends. */
  async resetPassword(userId: string, next: string, mustChangePassword = true): Promise<void> {
    await this.#store.users.update(userId, { passwordHash: await this.#hash(next), mustChangePassword });
    await this.#sessions.revokeAllForUser(userId);
  }
}
