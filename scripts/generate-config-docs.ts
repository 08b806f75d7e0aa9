import { writeFileSync } from 'node:fs';
import { renderConfigurationDocs } from './config-docs.js';

// Regenerates docs/configuration.md from the config schema; a test fails when the committed file is stale.
writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDocs());
console.log('wrote docs/configuration.md');
