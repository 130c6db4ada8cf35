import type { Page, PageRequest, RetentionOptions, TimeInput } from './types.js';

/** A built-in user account (never with its password hash). Times are UTC ISO strings. */
export interface User {
  /** Stable id (a UUID unless the creator chose one). */
  id: string;
  /** Login name as typed at creation; unique case-insensitively. */
  username: string;
  /** Name shown in the console. */
  displayName: string;
  /** E-mail address. */
  email: string | null;
  /** Disabled users cannot log in. */
  isActive: boolean;
  /** Built-in users (the first `admin`) cannot be deleted. */
  isBuiltin: boolean;
  /** The user must change the password at next login. */
  mustChangePassword: boolean;
  /** When the user was created. */
  createdAt: string;
  /** When the row was last written. */
  updatedAt: string;
  /** When the user last logged in. */
  lastLoginAt: string | null;
}

/** A user to create. */
export interface UserInput {
  /** Stable id; default a new UUID. */
  id?: string;
  /** Login name, 1–255 characters, unique case-insensitively. */
  username: string;
  /** The password hash (scrypt/argon2 string); the Store never sees the password. */
  passwordHash: string;
  /** Default `''`. */
  displayName?: string;
  /** Default `null`. */
  email?: string | null;
  /** Default `true`. */
  isActive?: boolean;
  /** Default `false`. */
  isBuiltin?: boolean;
  /** Default `false`. */
  mustChangePassword?: boolean;
  /** Default now. */
  createdAt?: TimeInput;
}

/** Fields of a user that can change. */
export interface UserPatch {
  /** New login name (unique case-insensitively). */
  username?: string;
  /** New password hash. */
  passwordHash?: string;
  /** Display name. */
  displayName?: string;
  /** E-mail (`null` clears). */
  email?: string | null;
  /** Enable or disable. */
  isActive?: boolean;
  /** Force a password change at next login. */
  mustChangePassword?: boolean;
}

/** A user with the password hash, for the login check only. */
export interface UserCredentials {
  /** The user. */
  user: User;
  /** The stored password hash. */
  passwordHash: string;
}

/** A user list request, ordered by username (case-insensitively). */
export interface UserListQuery extends PageRequest {
  /** Substring of username, display name or e-mail (ASCII case-insensitive). */
  search?: string;
  /** Only active or only disabled users. */
  isActive?: boolean;
}

/** Built-in user accounts. */
export interface UserStore {
  /** Create a user; `unique_violation` when the username (any case) or id exists. */
  create(input: UserInput): Promise<User>;
  /** One user by id, or `undefined`. */
  get(id: string): Promise<User | undefined>;
  /** One user by username, case-insensitively, or `undefined`. */
  getByUsername(username: string): Promise<User | undefined>;
  /** The user and password hash for a login attempt, case-insensitively, or `undefined`. */
  getCredentials(username: string): Promise<UserCredentials | undefined>;
  /** A page of users. */
  list(query?: UserListQuery): Promise<Page<User>>;
  /** How many users exist. */
  count(): Promise<number>;
  /** Change a user; `not_found` when it does not exist, `unique_violation` on a taken username. */
  update(id: string, patch: UserPatch): Promise<User>;
  /** Set `lastLoginAt`; `not_found` when the user does not exist. */
  recordLogin(id: string, at: TimeInput): Promise<void>;
  /** Delete a user with its sessions, tokens and role assignments; `false` if it did not exist. */
  delete(id: string): Promise<boolean>;
}

/** A server-side login session. The Store only ever sees the hash of the session id. */
export interface Session {
  /** Hash of the session id (the cookie value is never stored). */
  idHash: string;
  /** The user logged in. */
  userId: string;
  /** When the session was created. */
  createdAt: string;
  /** When the session expires. */
  expiresAt: string;
  /** When the session was last used. */
  lastSeenAt: string;
  /** The browser's user agent (≤ 512 characters). */
  userAgent: string;
  /** The client address. */
  ip: string;
}

/** A session to create. */
export interface SessionInput {
  /** Hash of the session id, 1–128 characters. */
  idHash: string;
  /** The user (must exist: `foreign_key_violation` otherwise). */
  userId: string;
  /** Default now. */
  createdAt?: TimeInput;
  /** When the session expires. */
  expiresAt: TimeInput;
  /** Default: `createdAt`. */
  lastSeenAt?: TimeInput;
  /** Default `''`. */
  userAgent?: string;
  /** Default `''`. */
  ip?: string;
}

/** Login sessions. */
export interface SessionStore {
  /** Create a session. */
  create(input: SessionInput): Promise<Session>;
  /** One session by id hash, or `undefined` (expired ones included: the caller checks). */
  get(idHash: string): Promise<Session | undefined>;
  /** A session and its user in one read (each authenticated request), or `undefined`. */
  getWithUser(idHash: string): Promise<{ session: Session; user: User } | undefined>;
  /** Mark a session used (and optionally extend it); `not_found` when it does not exist. */
  touch(idHash: string, update: { lastSeenAt: TimeInput; expiresAt?: TimeInput }): Promise<void>;
  /** Delete one session; `false` if it did not exist. */
  delete(idHash: string): Promise<boolean>;
  /** Delete a user's sessions, optionally but one; returns how many. */
  deleteForUser(userId: string, options?: { except?: string }): Promise<number>;
  /** A user's sessions, newest first. */
  listForUser(userId: string): Promise<Session[]>;
  /** Delete sessions expired at `now` in bounded batches; returns how many. */
  deleteExpired(now: TimeInput, options?: RetentionOptions): Promise<number>;
}

/** An API token for scripts. The Store only ever sees the token's hash. */
export interface ApiToken {
  /** Stable id. */
  id: string;
  /** The owner; the token acts with the owner's roles. */
  userId: string;
  /** A name the owner chose, unique per owner. */
  name: string;
  /** The first characters of the token, to recognise it in lists. */
  prefix: string;
  /** Permission globs the token is restricted to, or `null` for the owner's full permissions. */
  scopes: string[] | null;
  /** When the token was created. */
  createdAt: string;
  /** When the token expires, or `null` for never. */
  expiresAt: string | null;
  /** When the token was last used. */
  lastUsedAt: string | null;
  /** When the token was revoked. */
  revokedAt: string | null;
}

/** A token to create. */
export interface ApiTokenInput {
  /** Default a new UUID. */
  id?: string;
  /** The owner (must exist). */
  userId: string;
  /** 1–100 characters, unique per owner. */
  name: string;
  /** Hash of the token, unique. */
  tokenHash: string;
  /** Default `''`. */
  prefix?: string;
  /** Default `null`. */
  scopes?: readonly string[] | null;
  /** Default now. */
  createdAt?: TimeInput;
  /** Default `null`. */
  expiresAt?: TimeInput | null;
}

/** API tokens. */
export interface ApiTokenStore {
  /** Create a token. */
  create(input: ApiTokenInput): Promise<ApiToken>;
  /** One token by id, or `undefined`. */
  get(id: string): Promise<ApiToken | undefined>;
  /** A token and its owner by the token's hash (revoked and expired included), or `undefined`. */
  getByHash(tokenHash: string): Promise<{ token: ApiToken; user: User } | undefined>;
  /** A page of a user's tokens, newest first. */
  listForUser(userId: string, page?: PageRequest): Promise<Page<ApiToken>>;
  /** Set `lastUsedAt`; `not_found` when it does not exist. */
  touch(id: string, at: TimeInput): Promise<void>;
  /** Revoke a token; `false` if it does not exist or was already revoked. */
  revoke(id: string, at: TimeInput): Promise<boolean>;
  /** Delete a token; `false` if it did not exist. */
  delete(id: string): Promise<boolean>;
}
