import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/**
 * The typed client of Halite's HTTP API. Same origin, so the session cookie travels and the
 * server's CSRF check (Origin / Sec-Fetch-Site) passes.
 */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'include' });

/** The JSON error body every route answers with. */
export type ApiErrorBody = components['schemas']['Error'];
/** The `error.code` union of the API. */
export type ApiErrorCode = ApiErrorBody['error']['code'];

/** A failed API call: the HTTP status and the error body's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode | 'network',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (value === null || typeof value !== 'object' || !('error' in value)) return false;
  const inner = (value as { error: unknown }).error;
  return inner !== null && typeof inner === 'object' && 'code' in inner && 'message' in inner;
}

/** The `{ data, error, response }` of an openapi-fetch call. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a call, or an {@link ApiError} thrown from its error body. A 401 tells the
 * session layer that the user is signed out (see `onUnauthorized`).
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (cause) {
    throw new ApiError(0, 'network', cause instanceof Error ? cause.message : 'Network error');
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  if (response.status === 401) unauthorizedListener?.();
  if (isErrorBody(error)) {
    throw new ApiError(response.status, error.error.code, error.error.message, error.error.details);
  }
  throw new ApiError(response.status, 'internal', `${response.status} ${response.statusText}`);
}

let unauthorizedListener: (() => void) | null = null;

/** Called when any call answers 401 (the session expired or was revoked). */
export function onUnauthorized(listener: () => void): void {
  unauthorizedListener = listener;
}

/** The message of any error, for display. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An error's message followed by its field-level issues: what a form's alert shows. */
export function failureText(error: unknown): string {
  return [errorMessage(error), ...inputIssues(error)].join(' ');
}

/** The field-level issues of a 400 (`details.issues`), as `path: message` lines. */
export function inputIssues(error: unknown): string[] {
  if (!(error instanceof ApiError) || error.code !== 'invalid_input') return [];
  const details = error.details;
  if (details === null || typeof details !== 'object' || !('issues' in details)) return [];
  const issues = (details as { issues: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: unknown) => {
    if (issue === null || typeof issue !== 'object') return [];
    const { path, message } = issue as { path?: unknown; message?: unknown };
    return typeof message === 'string' ? [`${typeof path === 'string' ? `${path}: ` : ''}${message}`] : [];
  });
}
