/**
 * Why the Salt lab failed. The message names the daemon (or installer step) that failed and,
 * when there is one, ends with the tail of its log, so a CI failure explains itself.
 *
 * @example
 * ```ts
 * try { await startSaltLab(); }
 * catch (err) { if (err instanceof SaltLabError) console.error(err.daemon, err.logTail); throw err; }
 * ```
 */
export class SaltLabError extends Error {
  /** The daemon (`salt-master`, `salt-api`, `salt-minion m1`) or step (`install`) at fault. */
  readonly daemon: string | undefined;
  /** The last lines of that daemon's log, when it has one. */
  readonly logTail: string | undefined;

  constructor(message: string, options: { daemon?: string; logTail?: string; cause?: unknown } = {}) {
    const tail = options.logTail
      ? `\n--- last lines of the ${options.daemon ?? 'daemon'} log ---\n${options.logTail}`
      : '';
    super(`${message}${tail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SaltLabError';
    this.daemon = options.daemon;
    this.logTail = options.logTail;
  }
}
