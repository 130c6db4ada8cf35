/**
 * Who is making a request: a logged-in user (session), a script (API token), or whoever the
 * host application's own login established.
 */
export interface Principal {
  /** Stable identifier (a user id, or the host application's subject). */
  readonly id: string;
  /** Display name, for audit rows and logs. */
  readonly name: string;
  /** Granted `verb:resource` globs, e.g. `view:minion:*`; `*` grants everything. */
  readonly permissions: readonly string[];
  /** How the principal was established. */
  readonly via: 'session' | 'token' | 'host' | 'anonymous';
  /** The built-in user behind a session or token (absent for host principals). */
  readonly userId?: string;
  /** The user must change the password before anything else (sessions only). */
  readonly mustChangePassword?: boolean;
}

/**
 * Resolves the principal of a request from the host application's own login (`null`: nobody is
 * logged in). Given to `createHalite({ authenticate })` when Halite is embedded.
 */
export type HostAuthenticate = (request: Request) => Promise<Principal | null>;
