import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderApiTypes, SCHEMA_FILE } from './openapi-types.js';

const target = fileURLToPath(new URL(`../${SCHEMA_FILE}`, import.meta.url));
await writeFile(target, await renderApiTypes());
console.log(`wrote ${SCHEMA_FILE}`);
