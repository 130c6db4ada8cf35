import { describe, expect, it } from 'vitest';
import { parseRuntimeStatus } from './runtime-status';

describe('parseRuntimeStatus', () => {
  it('reads the runtime status', () => {
    const status = parseRuntimeStatus({
      salt: {
        state: 'connected',
        missing: [],
        detail: null,
        url: 'http://salt:8000',
        username: 'svc',
        connected_at: 'x',
      },
      pollers: [
        {
          name: 'jobs',
          enabled: true,
          running: false,
          last_started_at: '2026-01-01T00:00:00Z',
          last_duration_ms: 12,
          last_outcome: 'error',
          last_error: 'boom',
          next_run_at: null,
          runs: 3,
          failures: 1,
        },
      ],
      event_stream: null,
    });
    expect(status?.salt.state).toBe('connected');
    expect(status?.pollers[0]).toMatchObject({ name: 'jobs', last_outcome: 'error', failures: 1 });
    expect(status?.event_stream).toBeNull();
  });

  it('refuses what is not one', () => {
    expect(parseRuntimeStatus(null)).toBeNull();
    expect(parseRuntimeStatus({ salt: {}, pollers: 'no' })).toBeNull();
  });
});
