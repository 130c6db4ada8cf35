import type { Logger } from '../logger.js';
import type { SaltAPIClient } from '../salt/client.js';
import type { Store } from '../store/store.js';

/** What one ingest pass needs: the live client, the Store, and its cancellation. */
export interface IngestContext {
  /** The salt-api client of the current runtime. */
  salt: SaltAPIClient;
  /** Where snapshots go. */
  store: Store;
  /** Aborts the pass (runtime teardown). */
  signal: AbortSignal;
  /** Where progress goes. */
  logger: Logger;
  /** The clock (injectable for tests). */
  now: () => Date;
}
