import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The house's layering (http|controller → domain ← cluster|registry|cloud) is enforced here, not by hope.
// src/controller/ (informers, reconcile loop, leader election; not written yet) sits beside http/ and
// gets the same rules: ports injected, the domain used as it is.
const layer = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

// Only src/cluster/kubernetes/ knows client-node and its errors; everything else reaches a cluster through
// a domain port, and the embedded cluster never loads it. Repeated in each layer's block below for the
// reason given at DOMAIN_PURE; the first block covers the files no layer names (main.ts, cloud/…).
const CLIENT_NODE = {
  group: ['@kubernetes/client-node', '@kubernetes/client-node/*'],
  message: 'Only src/cluster/kubernetes/ imports @kubernetes/client-node; everything else goes through a domain port.',
};
// Only src/cloud/ knows the cloud SDKs (behind domain/credentials' CloudMinter port).
const CLOUD_SDKS = ['@aws-sdk/*', '@smithy/*', 'google-auth-library', 'gcp-metadata', 'gaxios', '@azure/*'];
const CLUSTER_NO_HTTP = {
  group: ['**/http/**', 'express', 'express/*'],
  message: 'cluster/ implements the domain port; it knows nothing of HTTP.',
};

// domain/ is pure: no framework, client, logger or metrics, no I/O module (node:crypto and node:buffer
// are fine), nothing from the layers around it. One rule for the whole tree, repeated in each folder's
// block because a later block replaces a rule's options rather than adding to them.
const DOMAIN_PURE = [
  {
    group: [
      'express',
      'express/*',
      '@kubernetes/client-node',
      'multer',
      'pino',
      'pino-http',
      'swagger-ui-express',
      'prom-client',
      ...CLOUD_SDKS,
    ],
    message: 'domain/ is pure: no HTTP framework, no Kubernetes client, no cloud SDK, no logger, no metrics.',
  },
  {
    regex: '^(node:)?(fs|net|http|https|http2|child_process|dns|tls|dgram|worker_threads|cluster)(/.*)?$',
    message: 'domain/ does no I/O: adapters (cluster/, registry/) do, behind a port.',
  },
  {
    group: [
      '**/http/**',
      '**/controller/**',
      '**/cluster/**',
      '**/registry/**',
      '**/cloud/**',
      '**/app.js',
      '**/main.js',
      '**/config.js',
      '**/logger.js',
      '**/metrics.js',
    ],
    message: 'domain/ depends on nothing outside itself (and errors.ts).',
  },
];
// Which folders of domain/ each folder may import (plus errors.ts); the top-level files are the
// cluster port and the shared answer schemas. Anything else is a cycle or a concept in the wrong place.
const DOMAIN_FOLDERS = {
  access: [],
  kubernetes: [],
  verify: [],
  text: ['view-schemas'],
  'docker-config': ['kubernetes', 'text', 'verify', 'view-schemas'],
  kubelet: ['docker-config', 'kubernetes', 'text'],
  'secret-manifest': ['docker-config', 'kubernetes', 'text', 'verify', 'view-schemas'],
  'pull-secrets': ['access', 'cluster', 'docker-config', 'kubernetes', 'secret-manifest', 'text', 'verify', 'view-schemas'],
  match: ['cluster', 'docker-config', 'kubelet', 'kubernetes', 'pull-secrets', 'text', 'view-schemas'],
  // The pull check reads workloads, follows the kubelet's rules (kubelet/, match/) and speaks the
  // registry protocol through verify/'s shared steps; none of those knows anything of it.
  pullcheck: ['cluster', 'kubelet', 'kubernetes', 'match', 'pull-secrets', 'text', 'verify'],
  distributions: [
    'access',
    'cluster',
    'docker-config',
    'kubernetes',
    'pull-secrets',
    'secret-manifest',
    'text',
    'verify',
    'view-schemas',
    'watch',
  ],
};
const DOMAIN_TOP = { cluster: ['kubernetes'], 'view-schemas': ['verify'], watch: [] };
const domainFolderRules = () => {
  const names = [...Object.keys(DOMAIN_FOLDERS), ...Object.keys(DOMAIN_TOP)];
  const refused = (self, allowed, up) =>
    names.filter((n) => n !== self && !allowed.includes(n)).map((n) => (n in DOMAIN_TOP ? `${up}${n}.js` : `${up}${n}/*`));
  const block = (files, self, allowed, up) => {
    const group = refused(self, allowed, up);
    const message = `domain/${self} ${allowed.length ? `may import only ${allowed.join(', ')}` : 'imports nothing else in domain/'} (see DOMAIN_FOLDERS in eslint.config.js).`;
    return layer(files, [...DOMAIN_PURE, ...(group.length ? [{ group, message }] : [])]);
  };
  return [
    ...Object.entries(DOMAIN_FOLDERS).map(([folder, allowed]) => block([`src/domain/${folder}/**/*.ts`], folder, allowed, '../')),
    ...Object.entries(DOMAIN_TOP).map(([file, allowed]) => block([`src/domain/${file}.ts`], file, allowed, './')),
  ];
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/.build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { ...layer(['src/**/*.ts'], [CLIENT_NODE]), ignores: ['src/cluster/kubernetes/**'] },
  layer(['src/domain/**/*.ts'], DOMAIN_PURE),
  ...domainFolderRules(),
  layer(
    ['src/http/**/*.ts'],
    [
      {
        group: ['**/cluster/**', '**/registry/**', '**/cloud/**', '**/controller/**', '@kubernetes/client-node', ...CLOUD_SDKS],
        message: 'http/ gets the cluster, registry and cloud ports injected; it never imports an adapter (nor the controller).',
      },
    ],
  ),
  layer(
    ['src/controller/**/*.ts'],
    [
      {
        group: ['**/http/**', '**/cluster/**', '**/registry/**', '**/cloud/**', 'express', 'express/*', ...CLOUD_SDKS],
        message: 'controller/ gets its ports injected like http/; it never imports an adapter or HTTP code.',
      },
      CLIENT_NODE,
    ],
  ),
  layer(
    ['src/registry/**/*.ts'],
    [
      {
        group: ['../http/**', '../cluster/**', 'express', 'express/*', '@kubernetes/client-node'],
        message: 'registry/ implements the domain verifier port; it knows nothing of HTTP routes or clusters.',
      },
    ],
  ),
  layer(
    ['src/cloud/**/*.ts'],
    [
      {
        group: ['../http/**', '../cluster/**', '../registry/**', '../controller/**', 'express', 'express/*', '@kubernetes/client-node'],
        message: 'cloud/ implements the domain CloudMinter port; it knows nothing of HTTP, clusters, registries or the controller.',
      },
    ],
  ),
  // The top of cluster/ (the choice between the adapters, the instrumentation, what both share) loads
  // kubernetes/ only by a dynamic import, once a real cluster is chosen.
  layer(['src/cluster/**/*.ts'], [CLUSTER_NO_HTTP, CLIENT_NODE]),
  layer(
    ['src/cluster/memory/**/*.ts'],
    [
      CLUSTER_NO_HTTP,
      CLIENT_NODE,
      {
        group: ['../kubernetes/*', '**/cluster/kubernetes/*'],
        message: 'memory/ is the embedded cluster: it never imports the real adapter; what both need lives at the top of cluster/.',
      },
    ],
  ),
  layer(
    ['src/cluster/kubernetes/**/*.ts'],
    [
      CLUSTER_NO_HTTP,
      {
        group: ['../memory/*', '**/cluster/memory/*'],
        message: 'kubernetes/ is the real adapter: it never imports the embedded cluster; what both need lives at the top of cluster/.',
      },
    ],
  ),
);
