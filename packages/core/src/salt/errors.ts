import { HaliteError, type HaliteErrorOptions } from '../errors.js';

/**
 * Why salt-api could not be reached:
 *
 * - `timeout`: no complete answer within the client's `timeoutMs`;
 * - `connection_refused`: nothing listens on the host and port (`ECONNREFUSED`);
 * - `dns`: the host name does not resolve (`ENOTFOUND`, `EAI_AGAIN`);
 * - `tls`: the TLS handshake failed (self-signed or expired certificate, wrong host name…);
 * - `connection_reset`: the connection broke while a request or a stream was in flight;
 * - `stream_closed`: the `/events` stream ended although nobody asked it to;
 * - `network`: any other transport failure.
 */
export type SaltUnavailableReason =
  | 'timeout'
  | 'connection_refused'
  | 'dns'
  | 'tls'
  | 'connection_reset'
  | 'stream_closed'
  | 'network';

/** Options of {@link SaltAPIUnavailable}. */
export interface SaltAPIUnavailableOptions extends HaliteErrorOptions {
  /** What went wrong on the way to salt-api; `network` when not given. */
  reason?: SaltUnavailableReason;
}

/**
 * salt-api could not be reached: network, DNS, TLS, timeout, connection refused, or an event
 * stream that dropped. The HTTP layer answers 503. The transport error is kept as `cause`.
 *
 * @example
 * ```ts
 * try { await client.wheelCall('key.list_all'); }
 * catch (err) { if (err instanceof SaltAPIUnavailable && err.reason === 'timeout') showStaleBanner(); }
 * ```
 */
export class SaltAPIUnavailable extends HaliteError {
  /** What went wrong, for callers that react differently to a timeout and a refused connection. */
  readonly reason: SaltUnavailableReason;

  /**
   * Creates the error.
   *
   * @param message - what failed, without secrets (no token, no query string).
   * @param options - the reason and the transport error.
   */
  constructor(message: string, options: SaltAPIUnavailableOptions = {}) {
    const { reason = 'network', ...rest } = options;
    super('salt_unavailable', message, { details: { reason }, ...rest });
    this.name = 'SaltAPIUnavailable';
    this.reason = reason;
  }
}

/** The longest server message kept on a {@link SaltAPIError} (tracebacks can be huge). */
const MAX_SERVER_MESSAGE = 2000;
/** The longest server message repeated in `error.message`. */
const MAX_MESSAGE_EXCERPT = 500;

/**
 * salt-api answered, but with a failure: a non-2xx HTTP status, or a 200 whose payload says the
 * call failed (a wheel call with `success: false`, a runner that returned
 * `"Exception occurred in runner …"` or `"Passed invalid arguments …"`, a response of the wrong
 * shape). The HTTP layer answers 502.
 *
 * @example
 * ```ts
 * try { await client.login(); }
 * catch (err) { if (err instanceof SaltAPIError && err.status === 401) askForOtherCredentials(); }
 * ```
 */
export class SaltAPIError extends HaliteError {
  /** The HTTP status salt-api answered; 200 when the failure was inside a successful answer. */
  readonly status: number;
  /** What salt-api said (the first `<p>` of a CherryPy error page, the JSON `return`, …). */
  readonly serverMessage: string;

  /**
   * Creates the error; `message` becomes `salt-api <status>: <first 500 characters>`.
   *
   * @param status - the HTTP status, or 200 for a failure reported inside a successful answer.
   * @param serverMessage - what salt-api said (kept up to 2000 characters).
   * @param options - the cause, and details that replace the default `{status, serverMessage}`.
   */
  constructor(status: number, serverMessage: string, options: HaliteErrorOptions = {}) {
    const kept = truncate(serverMessage.trim(), MAX_SERVER_MESSAGE);
    const excerpt = truncate(kept, MAX_MESSAGE_EXCERPT);
    super('salt_error', excerpt ? `salt-api ${status}: ${excerpt}` : `salt-api ${status}`, {
      details: { status, serverMessage: kept },
      ...options,
    });
    this.name = 'SaltAPIError';
    this.status = status;
    this.serverMessage = kept;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      }
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The message in the body of a failed salt-api answer: the first `<p>…</p>` of a CherryPy HTML
 * error page (else its `<h2>` or `<title>`), the `return`/`message`/`error`/`detail` string of a
 * JSON body, or the start of a plain-text body. Empty when the body says nothing.
 *
 * @example
 * ```ts
 * saltErrorMessage('<h2>401 Unauthorized</h2>\n<p>No permission -- see authorization schemes</p>');
 * // → 'No permission -- see authorization schemes'
 * ```
 */
export function saltErrorMessage(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') {
        const record = parsed as Record<string, unknown>;
        for (const key of ['return', 'message', 'error', 'detail']) {
          const value = record[key];
          if (typeof value === 'string' && value.trim() !== '') return value.trim();
        }
      }
    } catch {
      // Not JSON after all: fall through to the HTML and text rules.
    }
  }
  for (const tag of ['p', 'h2', 'title']) {
    const match = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'i').exec(text);
    const inner = match?.[1] === undefined ? '' : htmlToText(match[1]);
    if (inner !== '') return inner;
  }
  return truncate(text.startsWith('<') ? htmlToText(text) : text, MAX_MESSAGE_EXCERPT);
}
