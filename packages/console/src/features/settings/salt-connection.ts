import type { paths } from '../../api/schema';

/** The body of `POST /api/admin/settings/test-salt`. */
export type SaltConnectionInput = NonNullable<
  paths['/api/admin/settings/test-salt']['post']['requestBody']
>['content']['application/json'];

/** The eauth backends salt-api accepts, as the API names them. */
export type Eauth = NonNullable<SaltConnectionInput['eauth']>;

/** Every eauth backend, in the order the form lists them. */
export const EAUTH_OPTIONS: readonly Eauth[] = [
  'pam',
  'file',
  'ldap',
  'sharedsecret',
  'auto',
  'rest',
  'django',
  'mysql',
  'yubico',
];

/** The answer of a connection test. */
export type SaltTestResult =
  paths['/api/admin/settings/test-salt']['post']['responses'][200]['content']['application/json'];

/** "Logged in. (3 minions)" or the failure detail. */
export function describeTest(result: SaltTestResult): string {
  if (!result.ok) return result.detail;
  return result.minion_count === null
    ? result.detail
    : `${result.detail} (${result.minion_count} minion${result.minion_count === 1 ? '' : 's'})`;
}
