import type { Store } from '../store/store.js';
import type { Session, User } from '../store/users.js';
import { hashSecret, newOpaqueSecret } from './secret-hash.js';

/** Options of {@link SessionService}. */
export interface SessionServiceOptions {
  /** The database. */
  store: Store;
  /** The clock (tests). */
  now?: () => Date;
  /** A session unused this long expires. Default 8 hours. */
  idleTimeoutMs?: number;
  /** A session expires this long after login whatever its use. Default 7 days. */
  absoluteTimeoutMs?: number;
  /** `lastSeenAt` is written at most this often per session. Default 60 s. */
  touchIntervalMs?: number;
}

/** A valid session and its (active) user. */
export interface ValidSession {
  /** The stored session (its id is only ever stored hashed). */
  session: Session;
  /** Its user. */
  user: User;
}

/**
 * Server-side login sessions. The session id (the `halite_session` cookie value) is returned
 * once by {@link SessionService.create}; the Store keeps only its SHA-256. A session ends when
 * unused for the idle timeout, at the absolute timeout, when revoked, or at once when its user
 * is deactivated.
 *
 * @example
 * ```ts
 * const sessions = new SessionService({ store });
 * const { sessionId } = await sessions.create(user.id, { ip: '192.0.2.1', userAgent: 'curl' });
 * const valid = await sessions.validate(sessionId); // { session, user } or undefined
 * ```
 */
export class SessionService {
  readonly #store: Store;
  readonly #now: () => Date;
  readonly #idleMs: number;
  readonly #absoluteMs: number;
  readonly #touchMs: number;

  /** @param options - the Store, the clock and the timeouts */
  constructor(options: SessionServiceOptions) {
    this.#store = options.store;
    this.#now = options.now ?? (() => new Date());
    this.#idleMs = options.idleTimeoutMs ?? 8 * 3_600_000;
    this.#absoluteMs = options.absoluteTimeoutMs ?? 7 * 86_400_000;
    this.#touchMs = options.touchIntervalMs ?? 60_000;
  }

  /** The idle timeout, ms (the cookie's `Max-Age` follows it). */
  get idleTimeoutMs(): number {
    return this.#idleMs;
  }

  /** Starts a session for `userId`; the returned `sessionId` is the only copy of the secret. */
  async create(
    userId: string,
    client: { ip?: string; userAgent?: string } = {},
  ): Promise<{ sessionId: string; session: Session }> {
    const sessionId = newOpaqueSecret();
    const now = this.#now();
    const session = await this.#store.sessions.create({
      idHash: hashSecret(sessionId),
      userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + Math.min(this.#idleMs, this.#absoluteMs)),
      userAgent: (client.userAgent ?? '').slice(0, 512),
      ip: client.ip ?? '',
    });
    return { sessionId, session };
  }

  /**
   * The session of a cookie value and its user, extending the idle expiry; `undefined` when
   * unknown, expired (idle or absolute) or its user is inactive. Expired sessions are deleted.
   */
  async validate(sessionId: string): Promise<ValidSession | undefined> {
    if (sessionId.length === 0 || sessionId.length > 256) return undefined;
    const idHash = hashSecret(sessionId);
    const found = await this.#store.sessions.getWithUser(idHash);
    if (!found) return undefined;
    const now = this.#now().getTime();
    const absoluteEnd = Date.parse(found.session.createdAt) + this.#absoluteMs;
    if (Date.parse(found.session.expiresAt) <= now || absoluteEnd <= now) {
      await this.#store.sessions.delete(idHash);
      return undefined;
    }
    if (!found.user.isActive) return undefined;
    if (now - Date.parse(found.session.lastSeenAt) >= this.#touchMs) {
      const expiresAt = new Date(Math.min(now + this.#idleMs, absoluteEnd));
      await this.#store.sessions.touch(idHash, { lastSeenAt: new Date(now), expiresAt });
    }
    return found;
  }

  /** Ends the session of a cookie value; `false` when there was none. */
  revoke(sessionId: string): Promise<boolean> {
    return this.#store.sessions.delete(hashSecret(sessionId));
  }

  /** Ends every session of a user, optionally but the one of `exceptSessionId`; returns how many. */
  revokeAllForUser(userId: string, exceptSessionId?: string): Promise<number> {
    return this.#store.sessions.deleteForUser(
      userId,
      exceptSessionId === undefined ? {} : { except: hashSecret(exceptSessionId) },
    );
  }
}
