import { writeFileSync } from 'node:fs';
import { renderOpenApiYaml } from '../src/http/openapi.js';

// Regenerates openapi.yaml from the zod schemas; a test fails when the committed file is stale.
writeFileSync(new URL('../openapi.yaml', import.meta.url), renderOpenApiYaml());
console.log('wrote openapi.yaml');
