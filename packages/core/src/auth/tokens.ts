import { HaliteError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Page, PageRequest, TimeInput } from '../store/types.js';
import type { ApiToken, User } from '../store/users.js';
import { hashSecret, newOpaqueSecret } from './secret-hash.js';

/** Every API token starts with this, so secret scanners and humans recognise it. */
export const API_TOKEN_PREFIX = 'halite_';

/**
 * API tokens for scripts (`Authorization: Bearer …`). The token is shown once, at creation;
 * the Store keeps its SHA-256 and its first characters. A token acts with its owner's roles
 * (narrowed by its scopes when it has some) and stops working when revoked, expired, or when
 * its owner is deactivated.
 *
 * @example
 * ```ts
 * const tokens = new TokenService({ store });
 * const { token } = await tokens.create(user.id, { name: 'ci' }); // show once
 * const found = await tokens.authenticate(token); // { token, user } or undefined
 * ```
 */
export class TokenService {
  readonly #store: Store;
  readonly #now: () => Date;

  /** @param options - the Store and the clock */
  constructor(options: { store: Store; now?: () => Date }) {
    this.#store = options.store;
    this.#now = options.now ?? (() => new Date());
  }

  /** Creates a token for `userId`; the returned `token` is the only copy of the secret. */
  async create(
    userId: string,
    input: { name: string; scopes?: readonly string[] | null; expiresAt?: TimeInput | null },
  ): Promise<{ token: string; apiToken: ApiToken }> {
    const token = newOpaqueSecret(API_TOKEN_PREFIX);
    const apiToken = await this.#store.tokens.create({
      userId,
      name: input.name,
      tokenHash: hashSecret(token),
      prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
      scopes: input.scopes ?? null,
      createdAt: this.#now(),
      expiresAt: input.expiresAt ?? null,
    });
    return { token, apiToken };
  }

  /** A page of a user's tokens (never the secret), newest first. */
  list(userId: string, page?: PageRequest): Promise<Page<ApiToken>> {
    return this.#store.tokens.listForUser(userId, page);
  }

  /** Revokes a token of `userId`; `not_found` when it is not theirs or does not exist. */
  async revoke(userId: string, tokenId: string): Promise<void> {
    const token = await this.#store.tokens.get(tokenId);
    if (!token || token.userId !== userId) throw new HaliteError('not_found', 'Token not found');
    await this.#store.tokens.revoke(tokenId, this.#now());
  }

  /** The token and its active owner for a bearer value, or `undefined` (unknown, revoked, expired, inactive). */
  async authenticate(bearer: string): Promise<{ token: ApiToken; user: User } | undefined> {
    if (!bearer.startsWith(API_TOKEN_PREFIX) || bearer.length > 256) return undefined;
    const found = await this.#store.tokens.getByHash(hashSecret(bearer));
    if (!found || found.token.revokedAt !== null || !found.user.isActive) return undefined;
    const now = this.#now();
    if (found.token.expiresAt !== null && Date.parse(found.token.expiresAt) <= now.getTime())
      return undefined;
    await this.#store.tokens.touch(found.token.id, now);
    return found;
  }
}
