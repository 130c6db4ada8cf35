import { HaliteError, type HaliteErrorCode, type Logger } from '@halite/core';
import { z } from 'zod';

/**
 * The `code` of an error response: every `HaliteErrorCode` of `@halite/core`, plus the two that only the
 * HTTP protocol knows (a wrong method, a body that is not JSON).
 */
export type HttpErrorCode = HaliteErrorCode | 'method_not_allowed' | 'unsupported_media_type';

/**
 * The one table from error code to HTTP status. A `HaliteError` thrown anywhere below a route
 * answers with the status of its code; nothing else decides a status for an error.
 */
export const HTTP_ERROR_STATUS: Readonly<Record<HttpErrorCode, number>> = Object.freeze({
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  store_error: 500,
  internal: 500,
  salt_error: 502,
  salt_unconfigured: 503,
  salt_unavailable: 503,
});

/** Codes whose message is replaced by a generic one on the wire (the cause is logged instead). */
const HIDDEN_CODES: ReadonlySet<HttpErrorCode> = new Set(['store_error', 'internal']);

/** What a 500 says; the real cause goes to the logger only. */
export const GENERIC_ERROR_MESSAGE = 'Internal server error';

const errorCodes = Object.keys(HTTP_ERROR_STATUS) as [HttpErrorCode, ...HttpErrorCode[]];

/**
 * The body of every error response: `{"error": {"code", "message", "details"}}`. `details` is
 * `null` unless the code carries structure (the failing fields of an `invalid_input`, the limit
 * of a `payload_too_large`, the salt-api status of a `salt_error`).
 *
 * @example
 * ```ts
 * const res = await fetch('/api/minions/web-01');
 * if (!res.ok) console.error(HttpErrorBody.parse(await res.json()).error.message);
 * ```
 */
export const HttpErrorBody = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.unknown(),
  }),
});
/** The body of every error response. */
export type HttpErrorBody = z.infer<typeof HttpErrorBody>;

/** One failing field of an `invalid_input` error, as listed in its `details.issues`. */
export interface InputIssue {
  /** Where: `body`, `query.limit`, `body.targets[2]`, `params.minion_id`. */
  path: string;
  /** What is wrong, in words. */
  message: string;
}

/** The codes of the responses {@link errorResponse} built, for the audit record. */
const codes = new WeakMap<Response, HttpErrorCode>();

/**
 * Builds an error response with the status of `code` from {@link HTTP_ERROR_STATUS}.
 *
 * @example
 * ```ts
 * return errorResponse('not_found', 'Minion not found');
 * ```
 */
export function errorResponse(
  code: HttpErrorCode,
  message: string,
  details: unknown = null,
  headers?: HeadersInit,
): Response {
  const body: HttpErrorBody = { error: { code, message, details: details ?? null } };
  const responseHeaders = new Headers(headers);
  responseHeaders.set('content-type', 'application/json; charset=utf-8');
  const response = new Response(JSON.stringify(body), {
    status: HTTP_ERROR_STATUS[code],
    headers: responseHeaders,
  });
  codes.set(response, code);
  return response;
}

/** The code of a response built by {@link errorResponse}; `null` for any other response. */
export function errorCodeOf(response: Response): HttpErrorCode | null {
  return codes.get(response) ?? null;
}

/**
 * Turns anything a handler threw into an error response. A {@link HaliteError} answers with its
 * code's status, message and details, except `store_error` and `internal`, whose message is
 * generic and whose cause is logged. Anything else is a 500 with a generic message, logged.
 */
export function responseForError(error: unknown, logger: Logger, fields: Record<string, unknown>): Response {
  if (error instanceof HaliteError && !HIDDEN_CODES.has(error.code)) {
    return errorResponse(error.code, error.message, error.details);
  }
  const code: HttpErrorCode = error instanceof HaliteError ? error.code : 'internal';
  logger.error('request failed', { ...fields, code, error: describeError(error) });
  return errorResponse(code, GENERIC_ERROR_MESSAGE);
}

/** A loggable view of an error and its causes (name, message, stack), never the raw object. */
export function describeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return String(error);
  const described: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  if (error.cause !== undefined && depth < 3) described.cause = describeError(error.cause, depth + 1);
  return described;
}
