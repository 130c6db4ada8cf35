import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import { seedBuiltinRoles } from '../rbac/builtin-roles.js';
import type { Store } from '../store/store.js';
import type { User } from '../store/users.js';
import { hashPassword } from './password.js';

/** Options of {@link bootstrapAdmin}. */
export interface BootstrapAdminOptions {
  /** The database. */
  store: Store;
  /** The first password (`HALITE_ADMIN_PASSWORD`); generated and logged once when absent. */
  password?: string | undefined;
  /** Where the generated password is printed, once. */
  logger: Logger;
  /** Hashes the password (tests pass cheaper scrypt parameters). Default {@link hashPassword}. */
  hash?: (password: string) => Promise<string>;
}

/**
 * First boot: seeds the built-in roles and, when no user exists, creates the built-in `admin`
 * with the `admin` role and a password that must be changed at first login. The password is
 * `options.password`, else a generated one written once to the log. A no-op (apart from the
 * role seeding) when any user exists.
 *
 * @returns the created admin, or `undefined` when users already existed
 */
export async function bootstrapAdmin(options: BootstrapAdminOptions): Promise<User | undefined> {
  const roleIds = await seedBuiltinRoles(options.store);
  if ((await options.store.users.count()) > 0) return undefined;
  const given = options.password !== undefined && options.password.length > 0;
  const password = given ? (options.password as string) : randomBytes(18).toString('base64url');
  const passwordHash = await (options.hash ?? hashPassword)(password);
  const admin = await options.store.transaction(async (tx) => {
    const user = await tx.users.create({
      username: 'admin',
      passwordHash,
      displayName: 'Administrator',
      isBuiltin: true,
      mustChangePassword: true,
    });
    const adminRole = roleIds.get('admin');
    if (adminRole) await tx.roles.assign(user.id, adminRole);
    return user;
  });
  if (given) {
    options.logger.info('created the admin user with the password from HALITE_ADMIN_PASSWORD', {
      username: 'admin',
    });
  } else {
    options.logger.warn(
      `created the admin user with a generated password (shown once; change it at first login): ${password}`,
      { username: 'admin' },
    );
  }
  return admin;
}
