import { HaliteError } from '@halite/core';
import type { z } from 'zod';
import type { InputIssue } from './error-response.js';

/** The default largest request body, in bytes: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Which part of a request a schema parses; the first segment of an issue's path. */
export type InputPart = 'params' | 'query' | 'body';

/**
 * Parses one part of a request with its schema. A failure is an `invalid_input` error whose
 * message names every failing field (`query.limit: Too big: expected number to be <=500`) and
 * whose details list them; an unknown key of a `.strict()` object is named as its own field.
 */
export function parseInput(part: InputPart, schema: z.ZodType, value: unknown): unknown {
  const unfit = findUnfitValue(value);
  if (unfit) return invalidInput([{ path: formatPath(part, unfit.path), message: unfit.message }]);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: InputIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({ path: formatPath(part, [...issue.path, key]), message: 'unknown field' });
    } else {
      issues.push({ path: formatPath(part, issue.path), message: issue.message });
    }
  }
  return invalidInput(issues);
}

/** Throws the `invalid_input` error for these issues. */
export function invalidInput(issues: readonly InputIssue[]): never {
  const message = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new HaliteError('invalid_input', message, { details: { issues } });
}

/** How deep a request value may nest (a JSON body of arrays in arrays…); deeper is a 400. */
export const MAX_INPUT_DEPTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first part of a request value no schema should have to think about: a string (value or
 * key) holding NUL or an unpaired surrogate, which neither database can store, or nesting deeper
 * than {@link MAX_INPUT_DEPTH}, which later serialisation would overflow the stack on. Walked
 * without recursion, so a pathological body cannot overflow it here either.
 */
function findUnfitValue(value: unknown): { path: PropertyKey[]; message: string } | null {
  const unfitText = (text: string) => text.includes('\0') || LONE_SURROGATE.test(text);
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop() as { value: unknown; path: PropertyKey[] };
    if (typeof current === 'string') {
      if (unfitText(current))
        return { path, message: 'must not contain NUL or unpaired surrogate characters' };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= MAX_INPUT_DEPTH)
      return { path, message: `nested deeper than ${MAX_INPUT_DEPTH} levels` };
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: [...path, i] });
      continue;
    }
    const entries = Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i] as [string, unknown];
      if (unfitText(key))
        return {
          path: [...path, key],
          message: 'field name must not contain NUL or unpaired surrogate characters',
        };
      stack.push({ value: inner, path: [...path, key] });
    }
  }
  return null;
}

function formatPath(part: InputPart, path: readonly PropertyKey[]): string {
  let out: string = part;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * The query string as an object: a key given once maps to its string, a repeated key to the
 * array of its values.
 */
export function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[key] = [seen, value];
  }
  return out;
}

/** Whether a `Content-Type` names JSON (`application/json`, `application/*+json`, any parameters). */
export function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return (
    mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'))
  );
}

/**
 * Reads and parses a JSON request body, never holding more than `maxBytes` of it:
 *
 * - no body, or an empty one → `undefined` (the schema decides whether that is allowed);
 * - a `Content-Length` or a stream over `maxBytes` → `payload_too_large` (413), the stream
 *   cancelled as soon as the limit is crossed;
 * - a body that is not `application/json` → {@link UnsupportedMediaType} (415);
 * - bytes that are not UTF-8 JSON → `invalid_input` (400) naming `body`.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  if (request.body === null) return undefined;
  const declared = request.headers.get('content-length');
  const length = declared === null ? undefined : Number(declared);
  if (length === 0) return undefined;
  if (length !== undefined && length > maxBytes) {
    await request.body.cancel().catch(() => {});
    throw tooLarge(maxBytes);
  }
  const json = isJsonContentType(request.headers.get('content-type'));
  if (!json && length !== undefined) {
    await request.body.cancel().catch(() => {});
    throw new UnsupportedMediaType();
  }
  const bytes = await readBounded(request.body, maxBytes);
  if (bytes.byteLength === 0) return undefined;
  if (!json) throw new UnsupportedMediaType();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return invalidInput([{ path: 'body', message: 'not valid UTF-8' }]);
  }
  try {
    return JSON.parse(text);
  } catch {
    return invalidInput([{ path: 'body', message: 'malformed JSON' }]);
  }
}

/** A request body whose `Content-Type` is not JSON: 415. */
export class UnsupportedMediaType extends Error {
  constructor() {
    super('body: Content-Type must be application/json');
    this.name = 'UnsupportedMediaType';
  }
}

async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HaliteError) throw error;
    throw new HaliteError('invalid_input', 'body: could not be read', {
      cause: error,
      details: { issues: [{ path: 'body', message: 'could not be read' }] },
    });
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): HaliteError {
  return new HaliteError('payload_too_large', `body: larger than ${maxBytes} bytes`, {
    details: { max_bytes: maxBytes },
  });
}
