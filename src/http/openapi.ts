import { z } from 'zod';
import { stringify } from 'yaml';
import { credentialsBodySchema, registryCredentialSchema, verifyBodySchema } from '../domain/docker-config/credential-schemas.js';
import {
  imageMatchSchema,
  kubeletKeySchema,
  matchBodySchema,
  matchedCredentialSchema,
  matchResultSchema,
  namespacedMatchBodySchema,
  namespacedMatchResultSchema,
} from '../domain/match/match-schemas.js';
import {
  applyPullSecretBodySchema,
  createPullSecretBodySchema,
  fanOutBodySchema,
  patchPullSecretBodySchema,
} from '../domain/pull-secrets/write-schemas.js';
import { registryVerificationSchema } from '../domain/verify/registry-verifier.js';
import {
  applyDistributionBodySchema,
  distributionListSchema,
  distributionStatusSchema,
  credentialStatusSchema,
  conditionSchema,
  distributionViewSchema,
  namespaceStatusSchema,
} from '../domain/distributions/distribution-schemas.js';
import { lastVerificationSchema } from '../domain/verify/verification-annotation.js';
import {
  healthSchema,
  serviceStatusSchema,
  inspectViewSchema,
  problemSchema,
  pullSecretListSchema,
  pullSecretViewSchema,
  registryViewSchema,
  secretManifestSchema,
  verificationReportSchema,
  deleteResultSchema,
  fanOutResultSchema,
  namespaceResultSchema,
  serviceAccountLinkSchema,
} from '../domain/view-schemas.js';
import {
  containerCheckSchema,
  podReferenceSchema,
  probeResultSchema,
  pullCheckResultSchema,
  pullCheckScanSchema,
  secretConsideredSchema,
  triedCredentialSchema,
  workloadCheckSchema,
} from '../domain/pullcheck/pullcheck-schemas.js';
import { acrSourceSchema, ecrSourceSchema, googleArtifactRegistrySourceSchema } from '../domain/credentials/cloud-schemas.js';
import { parametersOf, requestBodyOf, type JsonSchema } from './openapi-fragments.js';
import type { Route } from './route.js';
import { ROUTES } from './routes.js';

const COMPONENT_SCHEMAS = [
  registryCredentialSchema,
  credentialsBodySchema,
  createPullSecretBodySchema,
  registryViewSchema,
  pullSecretViewSchema,
  pullSecretListSchema,
  inspectViewSchema,
  secretManifestSchema,
  problemSchema,
  healthSchema,
  serviceStatusSchema,
  verifyBodySchema,
  applyPullSecretBodySchema,
  patchPullSecretBodySchema,
  fanOutBodySchema,
  serviceAccountLinkSchema,
  deleteResultSchema,
  namespaceResultSchema,
  fanOutResultSchema,
  matchBodySchema,
  namespacedMatchBodySchema,
  // Parts of MatchResult with ids of their own: unlisted, zod would file them under a "__shared" the $refs cannot reach.
  matchedCredentialSchema,
  imageMatchSchema,
  kubeletKeySchema,
  matchResultSchema,
  namespacedMatchResultSchema,
  registryVerificationSchema,
  lastVerificationSchema,
  verificationReportSchema,
  ecrSourceSchema,
  googleArtifactRegistrySourceSchema,
  acrSourceSchema,
  applyDistributionBodySchema,
  namespaceStatusSchema,
  credentialStatusSchema,
  conditionSchema,
  distributionStatusSchema,
  distributionViewSchema,
  distributionListSchema,
  podReferenceSchema,
  probeResultSchema,
  secretConsideredSchema,
  triedCredentialSchema,
  containerCheckSchema,
  workloadCheckSchema,
  pullCheckResultSchema,
  pullCheckScanSchema,
];

/** The components of every schema with an id, generated from the zod schemas (the single source). */
function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  // The request bodies with an id are components too (the listed ones keep their place; others follow).
  const bodies = ROUTES.flatMap((r) => (r.input.body && (r.input.body.meta() as { id?: string } | undefined)?.id ? [r.input.body] : []));
  for (const schema of new Set<z.ZodType>([...COMPONENT_SCHEMAS, ...bodies])) {
    const id = (schema.meta() as { id: string }).id;
    registry.add(schema, { id });
  }
  const generated = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(generated.schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
      return [id, rest];
    }),
  );
}

/** The OpenAPI document, built from the zod schemas; openapi.yaml is this, serialised. */
let built: Record<string, unknown> | undefined;

/** The contract, built once per process: it derives from the route table and schemas alone. */
export function buildOpenApiDocument(): Record<string, unknown> {
  built ??= buildDocument();
  return built;
}

function buildDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'regcred',
      version: '1.0.0',
      description:
        'Issues Kubernetes image pull secrets (`kubernetes.io/dockerconfigjson`) exactly as `kubectl create secret docker-registry` would, applies them to a namespace, and answers with a redacted view: what is in a secret, never the secret itself. Only the render endpoints return secret material.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'pull secrets' },
      { name: 'distributions' },
      { name: 'render and inspect' },
      { name: 'verify' },
      { name: 'kubelet match' },
      { name: 'pull check' },
      { name: 'health' },
      { name: 'metrics' },
    ],
    paths: pathsOf(ROUTES),
    // Everything under /v1 needs a caller; health, metrics and docs override this with `security: []`.
    security: [{ bearerAuth: [] }],
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A regcred token (token mode: from REGCRED_TOKENS_FILE, or the one printed at start) or, in kubernetes mode, your own Kubernetes bearer token.',
        },
      },
    },
  };
}

export function renderOpenApiYaml(document: Record<string, unknown> = buildOpenApiDocument()): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

let rendered: string | undefined;

/**
 * openapi.yaml's text, rendered on first use and then kept: a service that is never asked for its
 * contract never builds it, and one that is keeps the text only, not the document (or the zod work) behind it.
 */
export function openApiYaml(): string {
  rendered ??= renderOpenApiYaml(built ?? buildDocument());
  return rendered;
}

/**
 * openapi.yaml's paths: one path item per template, in the table's order, with the path parameters of its
 * routes' params schemas; each operation with the parameters of its query schema and the request body of its body schema.
 */
function pathsOf(routes: readonly Route[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { path, method, operationId, openapi, input, body } of routes) {
    const pathParameters = parametersOf('path', input.params);
    const item = (paths[path] ??= pathParameters.length > 0 ? { parameters: pathParameters } : {});
    if (JSON.stringify(item.parameters ?? []) !== JSON.stringify(pathParameters))
      throw new Error(`${operationId}: the routes of ${path} must share one params schema`);
    const { responses, ...rest } = openapi;
    const parameters = parametersOf('query', input.query);
    const requestBody = requestBodyOf(body, input.body);
    item[method] = {
      operationId,
      ...rest,
      ...(parameters.length > 0 && { parameters }),
      ...(requestBody && { requestBody }),
      responses,
    };
  }
  return paths;
}
