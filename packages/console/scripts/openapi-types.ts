import openapiTS, { astToString } from 'openapi-typescript';
import {
  buildOpenApiDocument,
  HALITE_OPENAPI_INFO,
  haliteSystemRoutes,
} from '../../http-adapter/src/index.js';
import { featureRoutes } from '../../http-adapter/src/routes/index.js';

/** Where the generated types live, relative to the package root. */
export const SCHEMA_FILE = 'src/api/schema.d.ts';

const BANNER = `// Generated from Halite's OpenAPI document by \`pnpm --filter @halite/console gen:api\`.
// Do not edit: src/api/schema.test.ts fails when this file no longer matches the routes.
`;

/**
 * The TypeScript types of the HTTP API, from the same route list and OpenAPI builder that
 * serve `GET /api/openapi.json`.
 */
export async function renderApiTypes(): Promise<string> {
  const document = buildOpenApiDocument(
    [...haliteSystemRoutes(), ...featureRoutes.flat()],
    HALITE_OPENAPI_INFO,
  );
  // openapi-typescript takes the document as a plain object; a JSON round trip gives it one.
  const ast = await openapiTS(JSON.parse(JSON.stringify(document)), { alphabetize: false });
  return BANNER + astToString(ast);
}
