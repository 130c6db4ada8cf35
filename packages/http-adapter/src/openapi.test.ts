import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument, type JsonSchema } from './openapi.js';
import { defineRoute } from './route.js';
import { haliteSystemRoutes } from './system-routes.js';

const Node: z.ZodType<{ name: string; children: unknown[] }> = z.lazy(() =>
  z.object({ name: z.string(), children: z.array(Node) }),
);

const routes = [
  ...haliteSystemRoutes(),
  defineRoute({
    method: 'GET',
    path: '/api/jobs/:jid',
    permission: 'view:job:*',
    summary: 'One job',
    tags: ['jobs'],
    params: z.object({
      jid: z
        .string()
        .regex(/^\d{20}$/)
        .describe('20-digit Salt job id'),
    }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      live: z.stringbool().optional(),
    }),
    response: z.object({ jid: z.string(), tree: Node }),
    handler: async ({ params }) => ({ jid: params.jid, tree: { name: 'root', children: [] } }),
  }),
  defineRoute({
    method: 'POST',
    path: '/api/keys/:key_id/accept',
    permission: ({ params }) => `accept:key:${params.key_id}`,
    summary: 'Accept a key',
    tags: ['keys'],
    params: z.object({ key_id: z.string() }),
    body: z.object({ include_rejected: z.boolean().default(false) }).strict(),
    status: 204,
    errors: [502, 503],
    handler: async () => null,
  }),
];

describe('buildOpenApiDocument', () => {
  const doc = buildOpenApiDocument(routes, {
    title: 'Halite',
    version: '9.9.9',
    servers: [{ url: '/halite' }],
  });

  it('is an OpenAPI 3.1 document with the given info and servers', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toEqual({ title: 'Halite', version: '9.9.9' });
    expect(doc.servers).toEqual([{ url: '/halite' }]);
    expect(Object.keys(doc.paths)).toEqual([
      '/healthz',
      '/api/openapi.json',
      '/api/jobs/{jid}',
      '/api/keys/{key_id}/accept',
    ]);
  });

  it('turns path and query schemas into parameters, optional ones not required', () => {
    expect(doc.paths['/api/jobs/{jid}']?.get?.parameters).toEqual([
      {
        name: 'jid',
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: '^\\d{20}$', description: '20-digit Salt job id' },
        description: '20-digit Salt job id',
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      },
      { name: 'live', in: 'query', required: false, schema: { type: 'boolean' } },
    ]);
  });

  it('describes the body as a JSON request body, required unless it has a default', () => {
    expect(doc.paths['/api/keys/{key_id}/accept']?.post?.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: { include_rejected: { type: 'boolean', default: false } },
            additionalProperties: false,
          },
        },
      },
    });
  });

  it('carries the permission as x-permission, a derived one as a template', () => {
    expect(doc.paths['/api/jobs/{jid}']?.get?.['x-permission']).toBe('view:job:*');
    expect(doc.paths['/api/keys/{key_id}/accept']?.post?.['x-permission']).toBe('accept:key:{key_id}');
    expect(doc.paths['/healthz']?.get?.['x-permission']).toBe('public');
  });

  it('lists the success response and the error responses that can happen', () => {
    const responses = doc.paths['/api/keys/{key_id}/accept']?.post?.responses ?? {};
    expect(Object.keys(responses)).toEqual([
      '204',
      '400',
      '401',
      '403',
      '404',
      '413',
      '415',
      '500',
      '502',
      '503',
    ]);
    expect(responses['204']).toEqual({ description: 'No content' });
    expect(responses['403']?.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/Error' } },
    });
    expect(Object.keys(doc.paths['/healthz']?.get?.responses ?? {})).toEqual(['200', '500']);
  });

  it('puts the shared error schema in components', () => {
    const error = doc.components.schemas.Error as { properties: { error: { required: string[] } } };
    expect(error.properties.error.required).toEqual(['code', 'message', 'details']);
  });

  it('moves a recursive schema into components and points at it', () => {
    const response =
      doc.paths['/api/jobs/{jid}']?.get?.responses['200']?.content?.['application/json']?.schema;
    expect(response).toEqual({ $ref: '#/components/schemas/get_api_jobs_by_jid_response_root' });
    const text = JSON.stringify(doc.components.schemas);
    expect(text).not.toContain('"#/$defs/');
    expect(text).not.toContain('"$ref":"#"');
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    for (const ref of refs) expect(doc.components.schemas[ref] as JsonSchema).toBeDefined();
  });
});
