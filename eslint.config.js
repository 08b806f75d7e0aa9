import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The house's layering (http → domain ← cluster) is enforced here, not by hope.
const layer = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/.build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  layer(['src/domain/**/*.ts'], [
    { group: ['express', 'express/*', '@kubernetes/client-node', 'multer', 'pino', 'pino-http', 'swagger-ui-express', 'prom-client'], message: 'domain/ is pure: no HTTP framework, no Kubernetes client, no logger, no metrics.' },
    { group: ['../http/*', '../cluster/*', '../registry/*', '../app.js', '../main.js', '../config.js', '../logger.js', '../metrics.js'], message: 'domain/ depends on nothing outside itself (and errors.ts).' },
  ]),
  layer(['src/http/**/*.ts'], [
    { group: ['../cluster/*', '../registry/*', '@kubernetes/client-node'], message: 'http/ gets the cluster and registry ports injected; it never imports an adapter.' },
  ]),
  layer(['src/registry/**/*.ts'], [
    { group: ['../http/*', '../cluster/*', 'express', 'express/*', '@kubernetes/client-node'], message: 'registry/ implements the domain verifier port; it knows nothing of HTTP routes or clusters.' },
  ]),
  layer(['src/cluster/**/*.ts'], [
    { group: ['../http/*', 'express', 'express/*'], message: 'cluster/ implements the domain port; it knows nothing of HTTP.' },
  ]),
);
