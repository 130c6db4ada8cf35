/** One background task as `GET /api/admin/status` reports it. */
export interface PollerStatus {
  name: string;
  enabled: boolean;
  running: boolean;
  last_started_at: string | null;
  last_duration_ms: number | null;
  last_outcome: 'ok' | 'error' | null;
  last_error: string | null;
  next_run_at: string | null;
  runs: number;
  failures: number;
}

/** The event stream consumer as `GET /api/admin/status` reports it. */
export interface ConsumerStatus {
  state: string;
  connected_since: string | null;
  last_event_at: string | null;
  reconnects: number;
  last_error: string | null;
  received: number;
  kept: number;
}

/** `GET /api/admin/status`: the salt-api connection, every poller, the event stream. */
export interface RuntimeStatus {
  salt: {
    state: string;
    detail: string | null;
    url: string | null;
    username: string | null;
    connected_at: string | null;
  };
  pollers: PollerStatus[];
  event_stream: ConsumerStatus | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * The status answer, checked field by field (the API document gives no schema for it), or
 * null when it is not one.
 */
export function parseRuntimeStatus(value: unknown): RuntimeStatus | null {
  if (!isObj(value) || !isObj(value.salt) || !Array.isArray(value.pollers)) return null;
  const salt = value.salt;
  const pollers: PollerStatus[] = value.pollers.filter(isObj).map((p) => ({
    name: str(p.name) ?? '?',
    enabled: p.enabled === true,
    running: p.running === true,
    last_started_at: str(p.last_started_at),
    last_duration_ms: num(p.last_duration_ms),
    last_outcome: p.last_outcome === 'ok' || p.last_outcome === 'error' ? p.last_outcome : null,
    last_error: str(p.last_error),
    next_run_at: str(p.next_run_at),
    runs: num(p.runs) ?? 0,
    failures: num(p.failures) ?? 0,
  }));
  const consumer = isObj(value.event_stream) ? value.event_stream : null;
  return {
    salt: {
      state: str(salt.state) ?? 'unknown',
      detail: str(salt.detail),
      url: str(salt.url),
      username: str(salt.username),
      connected_at: str(salt.connected_at),
    },
    pollers,
    event_stream: consumer
      ? {
          state: str(consumer.state) ?? 'unknown',
          connected_since: str(consumer.connected_since),
          last_event_at: str(consumer.last_event_at),
          reconnects: num(consumer.reconnects) ?? 0,
          last_error: str(consumer.last_error),
          received: num(consumer.received) ?? 0,
          kept: num(consumer.kept) ?? 0,
        }
      : null,
  };
}
