import { setTimeout as sleep } from 'node:timers/promises';
import type { SaltAPIClient, SaltEvent } from '@halite/core';

/** Options of {@link SaltEventRecorder.waitFor}. */
export interface WaitForEventOptions {
  /** Give up after this long, ms (default 30 000). */
  timeoutMs?: number;
  /** Only events recorded at or after this index (see {@link SaltEventRecorder.mark}). Default 0. */
  since?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Records the master's event bus through a {@link SaltAPIClient} for real-Salt tests: one
 * `events()` connection at a time, reconnected whenever it ends (a token expiry or a salt-api
 * restart closes it), every event kept in order. Stop it with {@link SaltEventRecorder.stop}.
 *
 * @example
 * ```ts
 * const recorder = new SaltEventRecorder(client);
 * await recorder.start();
 * const mark = recorder.mark();
 * const { jid } = await client.localAsync({ tgt: 'm1', fun: 'test.ping' });
 * await recorder.waitFor((e) => e.tag === `salt/job/${jid}/ret/m1`, { since: mark });
 * ```
 */
export class SaltEventRecorder {
  /** Every event seen, in order. */
  readonly events: SaltEvent[] = [];
  /** Connection failures seen (the loop reconnects after each). */
  readonly failures: unknown[] = [];
  /** How many times a connection was opened and delivered at least one event. */
  connections = 0;
  readonly #client: SaltAPIClient;
  readonly #controller = new AbortController();
  readonly #waiters = new Set<() => void>();
  #loop: Promise<void> | undefined;

  constructor(client: SaltAPIClient) {
    this.#client = client;
  }

  /**
   * Starts recording and resolves once the stream delivers (see {@link SaltEventRecorder.resync}),
   * so nothing published after this resolves can be missed.
   */
  async start(timeoutMs = 30_000): Promise<void> {
    if (!this.#loop) this.#loop = this.#run();
    await this.resync(timeoutMs);
  }

  /**
   * Resolves once a connection delivers a new event, poking the bus with cheap
   * `runner manage.present` calls meanwhile. Events published while the recorder was
   * disconnected (a salt-api restart, a token expiry) are lost, as they are for any `/events`
   * client: call this after such a cut, before publishing what you wait for.
   */
  async resync(timeoutMs = 30_000): Promise<void> {
    const mark = this.events.length;
    const deadline = Date.now() + timeoutMs;
    while (this.events.length === mark) {
      if (Date.now() > deadline) throw new Error(`no event arrived on /events within ${timeoutMs} ms`);
      await this.#client.runnerCall('manage.present').catch(() => undefined);
      await this.#next(500);
    }
  }

  /** The index the next event will get: pass it as `since` to wait only for later events. */
  mark(): number {
    return this.events.length;
  }

  /** Events matching `predicate` recorded since `since` (default 0). */
  find(predicate: (event: SaltEvent) => boolean, since = 0): SaltEvent[] {
    return this.events.slice(since).filter(predicate);
  }

  /** Resolves with the first event matching `predicate` (already recorded or still to come). */
  async waitFor(
    predicate: (event: SaltEvent) => boolean,
    options: WaitForEventOptions = {},
  ): Promise<SaltEvent> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let checked = options.since ?? 0;
    for (;;) {
      for (; checked < this.events.length; checked++) {
        const event = this.events[checked]!;
        if (predicate(event)) return event;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const tags = this.events
          .slice(options.since ?? 0)
          .map((e) => e.tag)
          .slice(-30);
        throw new Error(
          `timed out waiting for ${options.what ?? 'an event'} (${this.events.length} events on ` +
            `${this.connections} connection(s), ${this.failures.length} failure(s)` +
            `${this.failures.length ? `, last: ${String(this.failures.at(-1))}` : ''}); ` +
            `last tags seen: ${tags.join(', ') || '(none)'}`,
        );
      }
      await this.#next(Math.min(left, 1_000));
    }
  }

  /** Stops recording and closes the connection. */
  async stop(): Promise<void> {
    this.#controller.abort();
    await this.#loop;
  }

  #next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      let delivered = false;
      try {
        for await (const event of this.#client.events({ signal })) {
          if (!delivered) this.connections++;
          delivered = true;
          this.events.push(event);
          for (const wake of [...this.#waiters]) wake();
        }
      } catch (error) {
        if (!signal.aborted) this.failures.push(error);
      }
      if (!signal.aborted) await sleep(200);
    }
  }
}
