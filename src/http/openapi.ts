import { z } from 'zod';
import { stringify } from 'yaml';
import { namespaceSchema, secretNameSchema } from '../domain/kubernetes/kubernetes-names.js';
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
import { applyPullSecretBodySchema, createPullSecretBodySchema, fanOutBodySchema, patchPullSecretBodySchema } from '../domain/pull-secrets/write-schemas.js';
import { registryVerificationSchema } from '../domain/verify/registry-verifier.js';
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
  appendHashParam,
  continueParam,
  dryRunParam,
  limitParam,
  namespaceSelectorParam,
  namespacesParam,
  repositoryParam,
  serviceAccountsParam,
  unlinkParam,
  verifyParam,
} from './params.js';

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
];

type JsonSchema = Record<string, unknown>;
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** The components of every schema with an id, generated from the zod schemas (the single source). */
function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const schema of COMPONENT_SCHEMAS) {
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

function inline(schema: z.ZodType): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const param = (name: string, where: 'path' | 'query', schema: z.ZodType, required = where === 'path') => ({
  name,
  in: where,
  required,
  schema: inline(schema),
  ...((schema.meta() as { description?: string } | undefined)?.description
    ? { description: (schema.meta() as { description: string }).description }
    : {}),
});

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const json = (description: string, id: string) => ({ description, content: { 'application/json': { schema: ref(id) } } });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), problem(STATUS_TEXT[s]!)]));
const STATUS_TEXT: Record<number, string> = {
  400: 'Malformed request (e.g. invalid JSON)',
  401: 'No valid bearer token (`WWW-Authenticate: Bearer`)',
  403: 'The caller may not do this in the namespace (or the namespace is on the deny list)',
  429: 'Too many requests from this caller or address; see `Retry-After`',
  404: 'Namespace or pull secret not found',
  406: 'Unacceptable Accept header',
  409: 'Conflict: exists already, is not a pull secret, is immutable, or changed concurrently',
  413: 'Request body or upload too large',
  415: 'Unsupported content type',
  422: 'Invalid input; `errors[]` names each field and rule (with `verify=required`, also credentials a registry refused: `verification[]` says what each answered)',
  502: 'The cluster refused the operation (in kubernetes auth mode, also a TokenReview or SubjectAccessReview; with `verify=required`, a registry that could not be checked)',
  503: 'The cluster did not answer in time (in kubernetes auth mode, also while reviewing the caller)',
};

const ns = param('namespace', 'path', namespaceSchema);
const name = param('name', 'path', secretNameSchema);
const dryRun = param('dryRun', 'query', dryRunParam, false);
const appendHash = param('appendHash', 'query', appendHashParam, false);
const verify = param('verify', 'query', verifyParam, false);
const repository = param('repository', 'query', repositoryParam, false);
const serviceAccountsQuery = param('serviceAccounts', 'query', serviceAccountsParam, false);
const unlink = param('unlink', 'query', unlinkParam, false);
const fanOutTargets = [param('namespaces', 'query', namespacesParam, false), param('namespaceSelector', 'query', namespaceSelectorParam, false)];
const fanOutName = param('name', 'path', secretNameSchema);
const fanOutAnswers = {
  '200': json('Every namespace created, updated or unchanged', 'FanOutResult'),
  '207': json('Mixed: some namespaces forbidden or failed (see `results`)', 'FanOutResult'),
};
const credentialsBody = { required: true, content: { 'application/json': { schema: ref('CredentialsBody') } } };
const dockerConfigBody = {
  required: true,
  description: 'A Docker `config.json`: as the raw JSON body, or as the multipart part `config` (`curl -F config=@$HOME/.docker/config.json`).',
  content: {
    'application/json': { schema: { type: 'object', description: 'The contents of ~/.docker/config.json' } },
    'multipart/form-data': {
      schema: { type: 'object', required: ['config'], properties: { config: { type: 'string', format: 'binary' } } },
    },
  },
};
const manifestOut = {
  description:
    'The rendered Secret manifest (contains the credentials). `Warning` headers list what was dropped from a config.json and, with `verify`, every registry short of `valid`; `Regcred-Verification` lists `server=status` per registry.',
  content: { 'application/json': { schema: ref('SecretManifest') }, 'application/yaml': { schema: ref('SecretManifest') } },
};
const renderParams = [
  param('name', 'query', secretNameSchema, false),
  param('namespace', 'query', namespaceSchema, false),
  appendHash,
  verify,
];
const writeDescription =
  'Concurrent writes of one secret all succeed; the last one\'s content stays. With `serviceAccounts`, each is linked after the secret is written; when linking fails, the answer is the linking error\'s problem (409, 502, 503 …: not everything asked was done), and it says what was: `result` (`created`, `updated`, `unchanged`), `name`, and `serviceAccountLinks` up to the one that `failed`. Repeating the request finishes the linking. A `kubectl.kubernetes.io/last-applied-configuration` annotation (which holds a copy of earlier credentials) is removed by any update, with a warning.';
const written = {
  '200': json('Updated, or unchanged (nothing written)', 'PullSecretView'),
  '201': json('Created', 'PullSecretView'),
};

/** The OpenAPI document, built from the zod schemas; openapi.yaml is this, serialised. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'regcred',
      version: '1.0.0',
      description:
        'Issues Kubernetes image pull secrets (`kubernetes.io/dockerconfigjson`) exactly as `kubectl create secret docker-registry` would, applies them to a namespace, and answers with a redacted view: what is in a secret, never the secret itself. Only the render endpoints return secret material.',
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'pull secrets' }, { name: 'render and inspect' }, { name: 'verify' }, { name: 'kubelet match' }, { name: 'health' }, { name: 'metrics' }],
    paths: {
      '/v1/namespaces/{namespace}/pullsecrets': {
        parameters: [ns],
        get: {
          operationId: 'listPullSecrets', tags: ['pull secrets'], summary: 'Redacted views of the pull secrets in the namespace, a page at a time',
          description:
            'Only Secrets of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg are read (other Secrets of the namespace cost nothing). A page holds at most `limit` items (default and maximum 500) and stops early once its secrets hold 4 MiB of data and annotations; when more follow, the answer has `continue`: pass it back to get the next page. An expired or foreign `continue` is refused with 422 (`errors[].code` `expired` or `invalid_continue`): list again from the start.',
          parameters: [param('limit', 'query', limitParam, false), param('continue', 'query', continueParam, false)],
          responses: { '200': json('The pull secrets', 'PullSecretList'), ...errors(400, 401, 403, 404, 422, 429, 502, 503) },
        },
        post: {
          operationId: 'createPullSecret', tags: ['pull secrets'], summary: 'Create a pull secret (409 when one of that name exists)',
          description: writeDescription,
          parameters: [dryRun, appendHash, verify],
          requestBody: { required: true, content: { 'application/json': { schema: ref('CreatePullSecretBody') } } },
          responses: { '201': json('Created', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/namespaces/{namespace}/pullsecrets/{name}': {
        parameters: [ns, name],
        get: {
          operationId: 'getPullSecret', tags: ['pull secrets'], summary: 'Redacted view of a pull secret (also one not made by regcred)',
          responses: { '200': json('The pull secret, redacted', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 422, 429, 502, 503) },
        },
        put: {
          operationId: 'applyPullSecret', tags: ['pull secrets'], summary: 'Create or update a pull secret from credentials (idempotent)',
          description: writeDescription,
          parameters: [dryRun, appendHash, verify],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ApplyPullSecretBody') } } },
          responses: { ...written, ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
        },
        patch: {
          operationId: 'mergePullSecret', tags: ['pull secrets'], summary: 'Add, replace or remove some registries of an existing pull secret; the rest is kept',
          parameters: [dryRun, verify],
          requestBody: { required: true, content: { 'application/json': { schema: ref('PatchPullSecretBody') } } },
          responses: { '200': json('Updated, or unchanged (nothing written)', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
        },
        delete: {
          operationId: 'deletePullSecret', tags: ['pull secrets'], summary: 'Delete a pull secret (other Secrets are refused); `unlink=true` also removes it from every ServiceAccount',
          description:
            '`unlink=true` is all or nothing: when a ServiceAccount cannot be changed, or the delete fails while the secret is still there, every reference already removed is put back in its place, the secret stays, and the error is answered. When the delete fails but the secret is gone all the same (deleted meanwhile by another caller, or the API server deleted it and its answer was lost), the delete counts as done (200, the ServiceAccounts unlinked) and no reference is put back.',
          parameters: [dryRun, unlink],
          responses: {
            '200': json('Deleted, with `unlink=true`: the ServiceAccounts changed', 'DeleteResult'),
            '204': { description: 'Deleted' },
            ...errors(400, 401, 403, 404, 409, 422, 429, 502, 503),
          },
        },
      },
      '/v1/namespaces/{namespace}/pullsecrets/{name}/dockerconfig': {
        parameters: [ns, name],
        put: {
          operationId: 'applyPullSecretFromDockerConfig', tags: ['pull secrets'], summary: 'Create or update a pull secret from a Docker config.json',
          description: writeDescription,
          parameters: [dryRun, appendHash, verify, repository, serviceAccountsQuery], requestBody: dockerConfigBody,
          responses: { ...written, ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/pullsecrets/{name}': {
        parameters: [fanOutName],
        put: {
          operationId: 'applyPullSecretToNamespaces', tags: ['pull secrets'],
          summary: 'Create or update one pull secret in many namespaces (`namespaces` or `namespaceSelector`), each authorised on its own',
          parameters: [dryRun, appendHash, verify],
          requestBody: { required: true, content: { 'application/json': { schema: ref('FanOutBody') } } },
          responses: { ...fanOutAnswers, ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/pullsecrets/{name}/dockerconfig': {
        parameters: [fanOutName],
        put: {
          operationId: 'applyPullSecretToNamespacesFromDockerConfig', tags: ['pull secrets'],
          summary: 'Create or update one pull secret from a Docker config.json in many namespaces',
          parameters: [...fanOutTargets, dryRun, appendHash, verify, repository, serviceAccountsQuery], requestBody: dockerConfigBody,
          responses: { ...fanOutAnswers, ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/render': {
        post: {
          operationId: 'renderPullSecret', tags: ['render and inspect'], summary: 'Render the Secret manifest from credentials, without touching the cluster',
          parameters: renderParams, requestBody: credentialsBody,
          responses: { '200': manifestOut, ...errors(400, 401, 406, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/render/dockerconfig': {
        post: {
          operationId: 'renderPullSecretFromDockerConfig', tags: ['render and inspect'], summary: 'Render the Secret manifest from a Docker config.json',
          parameters: [...renderParams, repository], requestBody: dockerConfigBody,
          responses: { '200': manifestOut, ...errors(400, 401, 406, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/match': {
        post: {
          operationId: 'matchImages', tags: ['kubelet match'],
          description:
            'Limits: at most 100 images (each at most 512 characters) and at most 100 registries: `registries`, or the servers under `dockerconfigjson`\'s `auths` (every spelling of "auths" counted together); more is refused with 422 (`dockerconfigjson/auths`, `too_big`).',
          summary: 'Which credential would the kubelet use for each image? Credentials or a config.json from the request',
          requestBody: { required: true, content: { 'application/json': { schema: ref('MatchBody') } } },
          responses: { '200': json('Per image, the entries the kubelet would try, in order', 'MatchResult'), ...errors(400, 401, 413, 415, 422, 429) },
        },
      },
      '/v1/namespaces/{namespace}/match': {
        parameters: [ns],
        post: {
          operationId: 'matchImagesInNamespace', tags: ['kubelet match'],
          description:
            'Limits: at most 100 images and 100 secret names. Each secret named is read once however often it is listed (at most 4 reads at a time). The secrets read may hold at most 4 MiB of data and annotations together (else 422, `secrets` or `serviceAccount`, code `byte_budget`) and at most 100 registry entries, a secret named twice counting twice (else 422, code `too_big`).',
          summary: "Which of the namespace's pull secrets would the kubelet use for each image (a Pod's `secrets`, or a ServiceAccount's)? Why is my Pod in ImagePullBackOff?",
          requestBody: { required: true, content: { 'application/json': { schema: ref('NamespacedMatchBody') } } },
          responses: {
            '200': json('Per image, the entries the kubelet would try, in order', 'NamespacedMatchResult'),
            ...errors(400, 401, 403, 404, 413, 415, 422, 429, 502, 503),
          },
        },
      },
      '/v1/verify': {
        post: {
          operationId: 'verifyCredentials', tags: ['verify'], summary: 'Check credentials with their registries (Docker Registry V2 login, and pull access to `repository`); writes nothing',
          requestBody: { required: true, content: { 'application/json': { schema: ref('VerifyBody') } } },
          responses: { '200': json('What each registry answered', 'VerificationReport'), ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/verify/dockerconfig': {
        post: {
          operationId: 'verifyDockerConfig', tags: ['verify'], summary: 'Check every registry of a Docker config.json; writes nothing',
          parameters: [repository], requestBody: dockerConfigBody,
          responses: { '200': json('What each registry answered', 'VerificationReport'), ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/inspect': {
        post: {
          operationId: 'inspectPullSecret', tags: ['render and inspect'], summary: 'Redacted view of a Secret manifest (JSON or YAML) or a base64 .dockerconfigjson value',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'object', description: 'A Secret manifest' } },
              'application/yaml': { schema: { type: 'string', description: 'A Secret manifest in YAML' } },
              'text/plain': { schema: { type: 'string', description: 'A base64 .dockerconfigjson value' } },
            },
          },
          responses: { '200': json('The redacted view', 'InspectView'), ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
        },
      },
      '/v1/status': {
        get: {
          operationId: 'serviceStatus', tags: ['health'], summary: 'Readiness with detail: which cluster regcred writes to, and why it is not ready',
          responses: { '200': json('Whether the cluster answers, and which it is', 'ServiceStatus'), ...errors(401, 429) },
        },
      },
      '/healthz': { get: { operationId: 'healthz', security: [], tags: ['health'], summary: 'Liveness', responses: { '200': json('Serving', 'Health') } } },
      '/readyz': {
        get: {
          operationId: 'readyz', security: [], tags: ['health'], summary: 'Readiness: the cluster answers',
          responses: { '200': json('Ready', 'Health'), '503': json('The cluster does not answer, or the service is shutting down (Retry-After)', 'Health') },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics', security: [], tags: ['metrics'], summary: 'Prometheus metrics (text exposition format); no namespace, secret name or secret value appears in them',
          responses: { '200': { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
    },
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
