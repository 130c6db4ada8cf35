/**
 * Column lengths, in UTF-16 code units (what `string.length` counts; never fewer than the
 * characters PostgreSQL's `varchar(n)` counts). Migrations and input validation both read them,
 * so both databases refuse the same strings.
 */
export const STORE_LIMITS = {
  minionId: 255,
  keyStatus: 16,
  grainText: 64,
  kernelrelease: 128,
  ip: 64,
  hash: 128,
  jid: 64,
  function: 128,
  target: 2048,
  targetType: 32,
  userName: 255,
  jobStatus: 16,
  category: 32,
  eventType: 64,
  summary: 512,
  id: 64,
  username: 255,
  displayName: 255,
  email: 320,
  passwordHash: 512,
  userAgent: 512,
  tokenName: 100,
  tokenPrefix: 16,
  roleName: 64,
  description: 255,
  verb: 64,
  resourceGlob: 255,
  action: 128,
  resource: 255,
  decision: 16,
  url: 2083,
  eauth: 32,
  logFormat: 16,
  source: 64,
  scope: 255,
} as const;

/** Rows per page of a list: 1 to this. */
export const MAX_PAGE_SIZE = 1000;
/** Default rows per page. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest id list a single read accepts (`getMany`, `ids` filter). */
export const MAX_ID_LIST = 1000;
