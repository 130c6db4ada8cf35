import { randomBytes } from 'node:crypto';
import { HaliteError, hashPassword, type Store, StoreError, seedBuiltinRoles, type User } from '@halite/core';

/** What `halite create-user` creates. */
export interface CreateUserRequest {
  /** Login name, 1–255 characters. */
  username: string;
  /** Role names (default `viewer`). */
  roles: readonly string[];
  /** The password (`HALITE_NEW_USER_PASSWORD`); generated when absent. */
  password?: string | undefined;
  /** Force a change at first login (always when the password is generated). */
  mustChangePassword?: boolean;
  /** Name shown in the console. */
  displayName?: string;
}

/**
 * Creates a built-in user with roles on a migrated Store (the built-in roles are seeded
 * first). Returns the user and the generated password, if one was generated.
 */
export async function createUserFromCli(
  store: Store,
  request: CreateUserRequest,
): Promise<{ user: User; generatedPassword: string | undefined }> {
  if (request.username.length === 0 || request.username.length > 255) {
    throw new HaliteError('invalid_input', 'the username must be 1–255 characters');
  }
  const generatedPassword = request.password ? undefined : randomBytes(18).toString('base64url');
  const password = request.password ?? (generatedPassword as string);
  if (password.length < 8)
    throw new HaliteError('invalid_input', 'the password must be at least 8 characters');
  await seedBuiltinRoles(store);
  const roleIds: string[] = [];
  for (const name of request.roles.length > 0 ? request.roles : ['viewer']) {
    const role = await store.roles.getByName(name);
    if (!role) throw new HaliteError('invalid_input', `no role named "${name}"`);
    roleIds.push(role.id);
  }
  const passwordHash = await hashPassword(password);
  try {
    const user = await store.transaction(async (tx) => {
      const created = await tx.users.create({
        username: request.username,
        passwordHash,
        displayName: request.displayName ?? '',
        mustChangePassword: generatedPassword !== undefined || request.mustChangePassword === true,
      });
      for (const id of roleIds) await tx.roles.assign(created.id, id);
      return created;
    });
    return { user, generatedPassword };
  } catch (error) {
    if (error instanceof StoreError && error.kind === 'unique_violation') {
      throw new HaliteError('conflict', `a user named "${request.username}" already exists`);
    }
    throw error;
  }
}
