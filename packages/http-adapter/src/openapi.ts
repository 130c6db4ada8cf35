import { z } from 'zod';
import { HttpErrorBody } from './error-response.js';
import type { Route, RouteInput } from './route.js';

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) as produced by `z.toJSONSchema`. */
export type JsonSchema = Record<string, unknown>;

/** The `info` object of the document, plus its optional `servers`. */
export interface OpenApiInfo {
  /** API title. */
  title: string;
  /** API version (not the package version). */
  version: string;
  /** Longer description (Markdown). */
  description?: string;
  /** Where the API is served, when not at the document's own origin root (e.g. `[{ url: '/halite' }]`). */
  servers?: readonly { url: string; description?: string }[];
}

/** One operation of the document. */
export interface OpenApiOperation {
  /** Unique id (the route's `operationId`). */
  operationId: string;
  /** One line. */
  summary: string;
  /** More words. */
  description?: string;
  /** Grouping. */
  tags: string[];
  /** Path and query parameters. */
  parameters?: OpenApiParameter[];
  /** The JSON body. */
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  /** Success and error responses by status. */
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  /** The permission the route requires: `public`, `authenticated`, a glob, or a template for derived ones. */
  'x-permission': string;
}

/** A path or query parameter. */
export interface OpenApiParameter {
  /** The parameter name. */
  name: string;
  /** Where it goes. */
  in: 'path' | 'query';
  /** Whether it must be given. */
  required: boolean;
  /** Its schema. */
  schema: JsonSchema;
  /** Its description, from the zod schema's `.describe()`. */
  description?: string;
}

/** An OpenAPI 3.1 document. */
export interface OpenApiDocument {
  /** The OpenAPI version. */
  openapi: '3.1.0';
  /** Title, version, description. */
  info: { title: string; version: string; description?: string };
  /** Where the API is served. */
  servers?: { url: string; description?: string }[];
  /** Operations by path and lower-case method. */
  paths: Record<string, Record<string, OpenApiOperation>>;
  /** Shared schemas (`Error`, recursive ones). */
  components: { schemas: Record<string, JsonSchema> };
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400': 'Invalid input: `error.details.issues` names each failing field',
  '401': 'Not authenticated',
  '403': 'The principal lacks the permission in `x-permission`',
  '404': 'Not found',
  '409': 'Conflict with the current state',
  '413': 'Body larger than the limit',
  '415': 'Body is not `application/json`',
  '429': 'Too many requests',
  '500': 'Internal error (details are logged, not returned)',
  '502': 'salt-api answered with an error',
  '503': 'salt-api is not configured or unreachable',
};

/**
 * Builds the OpenAPI 3.1 document of `routes` from their zod schemas: path and query schemas
 * become parameters, the body schema the request body, the response schema the success
 * response; every operation lists its error responses (the shared `Error` schema) and carries
 * its permission as `x-permission`.
 *
 * @example
 * ```ts
 * const doc = buildOpenApiDocument(routes, { title: 'Halite', version: '0.1.0' });
 * writeFileSync('openapi.json', JSON.stringify(doc, null, 2));
 * ```
 */
export function buildOpenApiDocument<TApp>(
  routes: readonly Route<TApp>[],
  info: OpenApiInfo,
): OpenApiDocument {
  const components: Record<string, JsonSchema> = { Error: toSchema(HttpErrorBody, 'output') };
  const paths: OpenApiDocument['paths'] = {};
  const embed = (schema: z.ZodType, io: 'input' | 'output', name: string) =>
    hoist(toSchema(schema, io), name, components);

  for (const route of routes) {
    const operation: OpenApiOperation = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [...route.tags],
      responses: {},
      'x-permission': permissionLabel(route),
    };

    const parameters: OpenApiParameter[] = [];
    const pathParams = route.path
      .split('/')
      .filter((s) => s.startsWith(':'))
      .map((s) => s.slice(1));
    const paramShape = objectShape(route.params);
    for (const name of pathParams) {
      const field = paramShape?.[name];
      parameters.push({
        name,
        in: 'path',
        required: true,
        schema: field ? embed(field, 'output', `${route.operationId}_${name}`) : { type: 'string' },
        ...describe(field),
      });
    }
    for (const [name, field] of Object.entries(objectShape(route.query) ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: !field.safeParse(undefined).success,
        schema: embed(field, 'output', `${route.operationId}_${name}`),
        ...describe(field),
      });
    }
    if (parameters.length > 0) operation.parameters = parameters;

    if (route.body) {
      operation.requestBody = {
        required: !route.body.safeParse(undefined).success,
        content: { 'application/json': { schema: embed(route.body, 'input', `${route.operationId}_body`) } },
      };
    }

    const success = String(route.status);
    operation.responses[success] =
      route.status === 204
        ? { description: 'No content' }
        : {
            description: 'Success',
            ...(route.response || route.responseContentType !== 'application/json'
              ? {
                  content: {
                    [route.responseContentType]: {
                      schema: route.response
                        ? embed(route.response, 'input', `${route.operationId}_response`)
                        : {},
                    },
                  },
                }
              : {}),
          };
    const errors = new Set([500, ...route.errors]);
    if (route.params || route.query || route.body || pathParams.length > 0) errors.add(400);
    if (route.permission !== 'public') for (const status of [401, 403]) errors.add(status);
    if (pathParams.length > 0) errors.add(404);
    if (route.body) for (const status of [413, 415]) errors.add(status);
    for (const status of [...errors].sort().map(String)) {
      operation.responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: ERROR_REF } },
      };
    }

    const openApiPath = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[openApiPath] ??= {};
    (paths[openApiPath] as Record<string, OpenApiOperation>)[route.method.toLowerCase()] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      ...(info.description ? { description: info.description } : {}),
    },
    ...(info.servers ? { servers: info.servers.map((server) => ({ ...server })) } : {}),
    paths,
    components: { schemas: components },
  };
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/**
 * A schema with references (recursion, `$defs`) cannot be inlined in the document: its `#`
 * would point at the document root. Such a schema becomes a component, its `$defs` components
 * of their own, and the references are rewritten.
 */
function hoist(schema: JsonSchema, name: string, components: Record<string, JsonSchema>): JsonSchema {
  if (!JSON.stringify(schema).includes('"$ref"')) return schema;
  const defs = (schema.$defs ?? {}) as Record<string, JsonSchema>;
  delete schema.$defs;
  const componentName = (def: string) => `${name}_${def}`.replace(/[^A-Za-z0-9._-]/g, '_');
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') {
        if (inner === '#') out[key] = `#/components/schemas/${componentName('root')}`;
        else if (inner.startsWith('#/$defs/'))
          out[key] = `#/components/schemas/${componentName(inner.slice(8))}`;
        else out[key] = inner;
      } else {
        out[key] = rewrite(inner);
      }
    }
    return out;
  };
  for (const [def, defSchema] of Object.entries(defs))
    components[componentName(def)] = rewrite(defSchema) as JsonSchema;
  components[componentName('root')] = rewrite(schema) as JsonSchema;
  return { $ref: `#/components/schemas/${componentName('root')}` };
}

/** The shape of a `z.object` (through `.strict()`, `.optional()` wrappers it does not look). */
function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : undefined;
}

function describe(field: z.ZodType | undefined): { description?: string } {
  return field?.description ? { description: field.description } : {};
}

/**
 * The permission as the document shows it. A derived permission is shown as a template, by
 * calling its function with placeholders: `({ params }) => \`accept:key:${params.key_id}\``
 * reads `accept:key:{key_id}`.
 */
function permissionLabel<TApp>(route: Route<TApp>): string {
  const permission = route.permission;
  if (typeof permission === 'string') return permission;
  const placeholders = new Proxy(
    {},
    { get: (_target, key) => (typeof key === 'string' ? `{${key}}` : undefined) },
  );
  const input: RouteInput = { params: placeholders, query: placeholders, body: placeholders };
  try {
    const label = permission(input);
    return typeof label === 'string' ? label : 'derived from the request';
  } catch {
    return 'derived from the request';
  }
}
