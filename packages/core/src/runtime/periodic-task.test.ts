import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicTask } from './periodic-task.js';

describe('PeriodicTask', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the initial delay, then runs once per interval', async () => {
    const run = vi.fn(async () => {});
    const task = new PeriodicTask({ name: 't', initialDelayMs: 10_000, intervalMs: 60_000, run });
    task.start();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(run).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(task.status().next_run_at).toBe('2026-01-01T00:02:10.000Z');
    await task.stop();
  });

  it('never overlaps itself: the interval counts from the end of a slow tick', async () => {
    let active = 0;
    let maxActive = 0;
    const run = vi.fn(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 5_000));
      active -= 1;
    });
    const task = new PeriodicTask({ name: 't', initialDelayMs: 0, intervalMs: 1_000, run });
    task.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(maxActive).toBe(1);
    // ticks start at 0, 6 000, 12 000 and 18 000 ms
    expect(run).toHaveBeenCalledTimes(4);
    const stopped = task.stop(); // this tick ignores the signal: stop waits for it to end
    await vi.advanceTimersByTimeAsync(5_000);
    await stopped;
    expect(run).toHaveBeenCalledTimes(4);
  });

  it('records an error, keeps looping and never lets it escape', async () => {
    let n = 0;
    const warn = vi.fn();
    const run = vi.fn(async () => {
      n += 1;
      if (n === 1) throw new Error('salt-api unreachable');
    });
    const logger = { debug() {}, info() {}, warn, error() {} };
    const task = new PeriodicTask({ name: 'keys', initialDelayMs: 0, intervalMs: 1_000, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(task.status()).toMatchObject({
      last_outcome: 'error',
      last_error: 'salt-api unreachable',
      failures: 1,
      runs: 1,
    });
    expect(warn).toHaveBeenCalledWith('periodic task failed', {
      task: 'keys',
      error: 'salt-api unreachable',
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(task.status()).toMatchObject({ last_outcome: 'ok', last_error: null, failures: 1, runs: 2 });
    await task.stop();
  });

  it('stop() aborts the running tick and resolves after it returned', async () => {
    let sawAbort = false;
    const run = (signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          sawAbort = true;
          resolve();
        });
      });
    const task = new PeriodicTask({ name: 't', initialDelayMs: 0, intervalMs: 1_000, run });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(task.status().running).toBe(true);
    await task.stop();
    expect(sawAbort).toBe(true);
    expect(task.status()).toMatchObject({ running: false, enabled: false, next_run_at: null });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a tick that fails because stop() aborted it is not a failure', async () => {
    const warn = vi.fn();
    const run = (signal: AbortSignal) =>
      new Promise<void>((_, reject) => {
        signal.addEventListener('abort', () => reject(new Error('This operation was aborted')));
      });
    const logger = { debug() {}, info() {}, warn, error() {} };
    const task = new PeriodicTask({ name: 'keys', initialDelayMs: 0, intervalMs: 1_000, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    await task.stop();
    expect(task.status()).toMatchObject({
      failures: 0,
      last_outcome: null,
      last_error: null,
      running: false,
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('triggerNow() cuts the wait short, and calls during a tick coalesce into one more tick', async () => {
    let release: () => void = () => {};
    const run = vi.fn(() => new Promise<void>((r) => (release = r)));
    const task = new PeriodicTask({ name: 't', initialDelayMs: 0, intervalMs: 300_000, run });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    task.triggerNow();
    task.triggerNow();
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(2);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(run).toHaveBeenCalledTimes(2);
    task.triggerNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(3);
    release();
    await task.stop();
  });

  it('an interval of 0 leaves the task disabled', async () => {
    const run = vi.fn(async () => {});
    const task = new PeriodicTask({ name: 't', initialDelayMs: 0, intervalMs: 0, run });
    task.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run).not.toHaveBeenCalled();
    expect(task.status().enabled).toBe(false);
    await task.stop();
  });
});
