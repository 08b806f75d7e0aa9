import {
  applyDistributionDockerConfigHandler,
  applyDistributionHandler,
  deleteDistributionHandler,
  getDistributionHandler,
  listDistributionsHandler,
} from './handlers/distributions.js';
import { applyDockerConfigToNamespacesHandler, applyToNamespacesHandler } from './handlers/fan-out.js';
import { healthzHandler, readyzHandler, statusHandler } from './handlers/health.js';
import { matchHandler, matchInNamespaceHandler } from './handlers/match.js';
import { metricsHandler } from './handlers/metrics.js';
import { pullCheckHandler, pullCheckScanHandler } from './handlers/pullcheck.js';
import {
  applyDockerConfigHandler,
  applyPullSecretHandler,
  createPullSecretHandler,
  deletePullSecretHandler,
  getPullSecretHandler,
  listPullSecretsHandler,
  mergePullSecretHandler,
} from './handlers/pull-secrets.js';
import { inspectHandler, renderDockerConfigHandler, renderHandler } from './handlers/render.js';
import { verifyDockerConfigHandler, verifyHandler } from './handlers/verify.js';
import { credentialsBodySchema, verifyBodySchema } from '../domain/docker-config/credential-schemas.js';
import { dockerConfigFileSchema } from '../domain/docker-config/docker-config-file-schema.js';
import { applyDistributionBodySchema } from '../domain/distributions/distribution-schemas.js';
import { matchBodySchema, namespacedMatchBodySchema } from '../domain/match/match-schemas.js';
import {
  applyPullSecretBodySchema,
  createPullSecretBodySchema,
  fanOutBodySchema,
  patchPullSecretBodySchema,
} from '../domain/pull-secrets/write-schemas.js';
import { inspectableManifestSchema } from '../domain/secret-manifest/inspect.js';
import { pullCheckBodySchema } from '../domain/pullcheck/pullcheck-schemas.js';
import {
  distributionAccess,
  distributionDeleteDescription,
  distributionWriteDescription,
  distributionWritten,
  errors,
  fanOutAnswers,
  matchOrPullCheck,
  pullCheckAccess,
  json,
  manifestOut,
  writeDescription,
  written,
} from './openapi-fragments.js';
import {
  deleteQuerySchema,
  distributionDeleteQuerySchema,
  distributionDockerConfigQuerySchema,
  distributionPathSchema,
  distributionWriteQuerySchema,
  dockerConfigRenderQuerySchema,
  dockerConfigWriteQuerySchema,
  fanOutDockerConfigQuerySchema,
  fanOutPathSchema,
  listQuerySchema,
  namespacePathSchema,
  noQuerySchema,
  patchQuerySchema,
  renderQuerySchema,
  scanQuerySchema,
  secretPathSchema,
  verifyQuerySchema,
  writeQuerySchema,
} from './params.js';
import { route, type Route } from './route.js';

/**
 * THE route table. The order of entries is the order of openapi.yaml's paths and operations;
 * routers match static segments before parameters whatever the order (see mount-routes.ts).
 * Each entry's `input` is validated once, after authorisation and the body parser, and becomes
 * openapi.yaml's parameters and request body; route() checks its handler takes what the schemas give.
 */
// prettier-ignore
export const ROUTES: readonly Route[] = [
  route({
    method: 'get', path: '/v1/namespaces/{namespace}/pullsecrets', operationId: 'listPullSecrets', operation: 'list', handler: listPullSecretsHandler,
    input: { params: namespacePathSchema, query: listQuerySchema },
    openapi: {
      tags: ['pull secrets'], summary: 'Redacted views of the pull secrets in the namespace, a page at a time',
      description:
        'Only Secrets of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg are read (other Secrets of the namespace cost nothing). A page holds at most `limit` items (default and maximum 500) and stops early once its secrets hold 4 MiB of data and annotations; when more follow, the answer has `continue`: pass it back to get the next page. An expired or foreign `continue` is refused with 422 (`errors[].code` `expired` or `invalid_continue`): list again from the start.',
      responses: { '200': json('The pull secrets', 'PullSecretList'), ...errors(400, 401, 403, 404, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'post', path: '/v1/namespaces/{namespace}/pullsecrets', operationId: 'createPullSecret', operation: 'create', body: 'json', handler: createPullSecretHandler,
    input: { params: namespacePathSchema, query: writeQuerySchema, body: createPullSecretBodySchema },
    openapi: {
      tags: ['pull secrets'], summary: 'Create a pull secret (409 when one of that name exists)',
      description: writeDescription,
      responses: { '201': json('Created', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'get', path: '/v1/namespaces/{namespace}/pullsecrets/{name}', operationId: 'getPullSecret', operation: 'get', handler: getPullSecretHandler,
    input: { params: secretPathSchema, query: noQuerySchema },
    openapi: {
      tags: ['pull secrets'], summary: 'Redacted view of a pull secret (also one not made by regcred)',
      responses: { '200': json('The pull secret, redacted', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'put', path: '/v1/namespaces/{namespace}/pullsecrets/{name}', operationId: 'applyPullSecret', operation: 'apply', body: 'json', handler: applyPullSecretHandler,
    input: { params: secretPathSchema, query: writeQuerySchema, body: applyPullSecretBodySchema },
    openapi: {
      tags: ['pull secrets'], summary: 'Create or update a pull secret from credentials (idempotent)',
      description: writeDescription,
      responses: { ...written, ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'patch', path: '/v1/namespaces/{namespace}/pullsecrets/{name}', operationId: 'mergePullSecret', operation: 'merge', body: 'json', handler: mergePullSecretHandler,
    input: { params: secretPathSchema, query: patchQuerySchema, body: patchPullSecretBodySchema },
    openapi: {
      tags: ['pull secrets'], summary: 'Add, replace or remove some registries of an existing pull secret; the rest is kept',
      responses: { '200': json('Updated, or unchanged (nothing written)', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'delete', path: '/v1/namespaces/{namespace}/pullsecrets/{name}', operationId: 'deletePullSecret', operation: 'delete', handler: deletePullSecretHandler,
    input: { params: secretPathSchema, query: deleteQuerySchema },
    openapi: {
      tags: ['pull secrets'], summary: 'Delete a pull secret (other Secrets are refused); `unlink=true` also removes it from every ServiceAccount',
      description:
        '`unlink=true` is all or nothing: when a ServiceAccount cannot be changed, or the delete fails while the secret is still there, every reference already removed is put back in its place, the secret stays, and the error is answered. When the delete fails but the secret is gone all the same (deleted meanwhile by another caller, or the API server deleted it and its answer was lost), the delete counts as done (200, the ServiceAccounts unlinked) and no reference is put back.',
      responses: {
        '200': json('Deleted, with `unlink=true`: the ServiceAccounts changed', 'DeleteResult'),
        '204': { description: 'Deleted' },
        ...errors(400, 401, 403, 404, 409, 422, 429, 502, 503),
      },
    },
  }),
  route({
    method: 'put', path: '/v1/namespaces/{namespace}/pullsecrets/{name}/dockerconfig', operationId: 'applyPullSecretFromDockerConfig', operation: 'apply', body: 'dockerConfig', handler: applyDockerConfigHandler,
    input: { params: secretPathSchema, query: dockerConfigWriteQuerySchema, body: dockerConfigFileSchema },
    openapi: {
      tags: ['pull secrets'], summary: 'Create or update a pull secret from a Docker config.json',
      description: writeDescription,
      responses: { ...written, ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'put', path: '/v1/pullsecrets/{name}', operationId: 'applyPullSecretToNamespaces', operation: 'apply', body: 'json', handler: applyToNamespacesHandler,
    input: { params: fanOutPathSchema, query: writeQuerySchema, body: fanOutBodySchema },
    openapi: {
      tags: ['pull secrets'],
      summary: 'Create or update one pull secret in many namespaces (`namespaces` or `namespaceSelector`), each authorised on its own',
      responses: { ...fanOutAnswers, ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'put', path: '/v1/pullsecrets/{name}/dockerconfig', operationId: 'applyPullSecretToNamespacesFromDockerConfig', operation: 'apply', body: 'dockerConfig', handler: applyDockerConfigToNamespacesHandler,
    input: { params: fanOutPathSchema, query: fanOutDockerConfigQuerySchema, body: dockerConfigFileSchema },
    openapi: {
      tags: ['pull secrets'],
      summary: 'Create or update one pull secret from a Docker config.json in many namespaces',
      responses: { ...fanOutAnswers, ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'get', path: '/v1/distributions', operationId: 'listDistributions', operation: 'listDistributions', handler: listDistributionsHandler,
    input: { query: noQuerySchema },
    openapi: {
      tags: ['distributions'], summary: 'Every pull-secret distribution, redacted, with its status (by name, at most 500)',
      description: distributionAccess('listDistributions'),
      responses: { '200': json('The distributions', 'DistributionList'), ...errors(401, 403, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'get', path: '/v1/distributions/{distribution}', operationId: 'getDistribution', operation: 'getDistribution', handler: getDistributionHandler,
    input: { params: distributionPathSchema, query: noQuerySchema },
    openapi: {
      tags: ['distributions'], summary: 'A pull-secret distribution, redacted, with the state of every namespace it targets',
      description: distributionAccess('getDistribution'),
      responses: { '200': json('The distribution', 'DistributionView'), ...errors(400, 401, 403, 404, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'put', path: '/v1/distributions/{distribution}', operationId: 'applyDistribution', operation: 'applyDistribution', body: 'json', handler: applyDistributionHandler,
    input: { params: distributionPathSchema, query: distributionWriteQuerySchema, body: applyDistributionBodySchema },
    openapi: {
      tags: ['distributions'], summary: 'Create or update a distribution: one pull secret kept in every namespace it targets, present and future',
      description: distributionWriteDescription,
      responses: { ...distributionWritten, ...errors(400, 401, 403, 409, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'delete', path: '/v1/distributions/{distribution}', operationId: 'deleteDistribution', operation: 'deleteDistribution', handler: deleteDistributionHandler,
    input: { params: distributionPathSchema, query: distributionDeleteQuerySchema },
    openapi: {
      tags: ['distributions'], summary: 'Delete a distribution: the copies and links it made are removed, or kept with `orphan=true`',
      description: distributionDeleteDescription,
      responses: { '202': json('Deletion asked for (`deleting: true`)', 'DistributionView'), ...errors(400, 401, 403, 404, 409, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'put', path: '/v1/distributions/{distribution}/dockerconfig', operationId: 'applyDistributionFromDockerConfig', operation: 'applyDistribution', body: 'dockerConfig', handler: applyDistributionDockerConfigHandler,
    input: { params: distributionPathSchema, query: distributionDockerConfigQuerySchema, body: dockerConfigFileSchema },
    openapi: {
      tags: ['distributions'], summary: 'Create or update a distribution from a Docker config.json; its targets as query parameters',
      description: distributionWriteDescription,
      responses: { ...distributionWritten, ...errors(400, 401, 403, 409, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'post', path: '/v1/render', operationId: 'renderPullSecret', operation: 'render', body: 'json', handler: renderHandler,
    input: { query: renderQuerySchema, body: credentialsBodySchema },
    openapi: {
      tags: ['render and inspect'], summary: 'Render the Secret manifest from credentials, without touching the cluster',
      responses: { '200': manifestOut, ...errors(400, 401, 406, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'post', path: '/v1/render/dockerconfig', operationId: 'renderPullSecretFromDockerConfig', operation: 'render', body: 'dockerConfig', handler: renderDockerConfigHandler,
    input: { query: dockerConfigRenderQuerySchema, body: dockerConfigFileSchema },
    openapi: {
      tags: ['render and inspect'], summary: 'Render the Secret manifest from a Docker config.json',
      responses: { '200': manifestOut, ...errors(400, 401, 406, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'post', path: '/v1/match', operationId: 'matchImages', operation: 'match', body: 'json', handler: matchHandler,
    input: { query: noQuerySchema, body: matchBodySchema },
    openapi: {
      tags: ['kubelet match'],
      description:
        matchOrPullCheck + ' Limits: at most 100 images (each at most 512 characters) and at most 100 registries: `registries`, or the servers under `dockerconfigjson`\'s `auths` (every spelling of "auths" counted together); more is refused with 422 (`dockerconfigjson/auths`, `too_big`).',
      summary: 'Which credential would the kubelet use for each image? Credentials or a config.json from the request',
      responses: { '200': json('Per image, the entries the kubelet would try, in order', 'MatchResult'), ...errors(400, 401, 413, 415, 422, 429) },
    },
  }),
  route({
    method: 'post', path: '/v1/namespaces/{namespace}/match', operationId: 'matchImagesInNamespace', operation: 'match', body: 'json', handler: matchInNamespaceHandler,
    input: { params: namespacePathSchema, query: noQuerySchema, body: namespacedMatchBodySchema },
    openapi: {
      tags: ['kubelet match'],
      description:
        matchOrPullCheck + ' Limits: at most 100 images and 100 secret names. Each secret named is read once however often it is listed (at most 4 reads at a time). The secrets read may hold at most 4 MiB of data and annotations together (else 422, `secrets` or `serviceAccount`, code `byte_budget`) and at most 100 registry entries, a secret named twice counting twice (else 422, code `too_big`).',
      summary: "Which of the namespace's pull secrets would the kubelet use for each image (a Pod's `secrets`, or a ServiceAccount's)? Why is my Pod in ImagePullBackOff?",
      responses: {
        '200': json('Per image, the entries the kubelet would try, in order', 'NamespacedMatchResult'),
        ...errors(400, 401, 403, 404, 413, 415, 422, 429, 502, 503),
      },
    },
  }),
  route({
    method: 'post', path: '/v1/namespaces/{namespace}/pullcheck', operationId: 'checkPullability', operation: 'pullCheck', body: 'manifests', handler: pullCheckHandler,
    input: { params: namespacePathSchema, query: noQuerySchema, body: pullCheckBodySchema },
    openapi: {
      tags: ['pull check'],
      summary: 'Will it pull? For each container of workload manifests (or of a Pod), what the kubelet will try, what the registry answers, the verdict and its fix',
      description: `${matchOrPullCheck} ${pullCheckAccess} Manifests are checked as they would be admitted in this namespace: \`metadata.namespace\`, when written, must be this one (else 422, \`errors[].code\` \`namespace_mismatch\`). Limits: at most 50 YAML documents (else 400), 20 workloads and 50 containers in all (else 422 \`too_big\`, naming the workload that crossed the line). \`{"pod": "<name>"}\`: a Pod that exists, as admitted, with its containers waiting on a pull (404 when there is none). Reads, never writes; the content of a secret is read to check it and never returned.`,
      responses: { '200': json('Per workload and container, the verdict and its fix', 'PullCheckResult'), ...errors(400, 401, 403, 404, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'get', path: '/v1/namespaces/{namespace}/pullcheck', operationId: 'scanPullability', operation: 'pullCheck', handler: pullCheckScanHandler,
    input: { params: namespacePathSchema, query: scanQuerySchema },
    openapi: {
      tags: ['pull check'], summary: "Will they pull? The namespace's Pods a page at a time, each checked as admitted, with its containers waiting on a pull",
      description: `${pullCheckAccess} A page holds at most \`limit\` Pods (default 50, at most 100); when more follow, the answer has \`continue\`: pass it back for the next page. An expired or foreign \`continue\` is refused with 422 (\`errors[].code\` \`expired\` or \`invalid_continue\`): scan again from the start.`,
      responses: { '200': json('A page of Pods, each checked', 'PullCheckScan'), ...errors(400, 401, 403, 404, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'post', path: '/v1/verify', operationId: 'verifyCredentials', operation: 'verify', body: 'json', handler: verifyHandler,
    input: { query: noQuerySchema, body: verifyBodySchema },
    openapi: {
      tags: ['verify'], summary: 'Check credentials with their registries (Docker Registry V2 login, and pull access to `repository`); writes nothing',
      responses: { '200': json('What each registry answered', 'VerificationReport'), ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'post', path: '/v1/verify/dockerconfig', operationId: 'verifyDockerConfig', operation: 'verify', body: 'dockerConfig', handler: verifyDockerConfigHandler,
    input: { query: verifyQuerySchema, body: dockerConfigFileSchema },
    openapi: {
      tags: ['verify'], summary: 'Check every registry of a Docker config.json; writes nothing',
      responses: { '200': json('What each registry answered', 'VerificationReport'), ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'post', path: '/v1/inspect', operationId: 'inspectPullSecret', operation: 'inspect', body: 'inspectable', handler: inspectHandler,
    input: { query: noQuerySchema, body: inspectableManifestSchema },
    openapi: {
      tags: ['render and inspect'], summary: 'Redacted view of a Secret manifest (JSON or YAML) or a base64 .dockerconfigjson value',
      responses: { '200': json('The redacted view', 'InspectView'), ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  }),
  route({
    method: 'get', path: '/v1/status', operationId: 'serviceStatus', operation: 'status', handler: statusHandler,
    input: {},
    openapi: {
      tags: ['health'], summary: 'Readiness with detail: which cluster regcred writes to, and why it is not ready',
      responses: { '200': json('Whether the cluster answers, and which it is', 'ServiceStatus'), ...errors(401, 429) },
    },
  }),
  route({
    method: 'get', path: '/healthz', operationId: 'healthz', handler: healthzHandler,
    input: {},
    openapi: {
      security: [], tags: ['health'], summary: 'Liveness', responses: { '200': json('Serving', 'Health') }
    },
  }),
  route({
    method: 'get', path: '/readyz', operationId: 'readyz', handler: readyzHandler,
    input: {},
    openapi: {
      security: [], tags: ['health'], summary: 'Readiness: the cluster answers',
      responses: { '200': json('Ready', 'Health'), '503': json('The cluster does not answer, or the service is shutting down (Retry-After)', 'Health') },
    },
  }),
  route({
    method: 'get', path: '/metrics', operationId: 'metrics', handler: metricsHandler,
    input: {},
    openapi: {
      security: [], tags: ['metrics'], summary: 'Prometheus metrics (text exposition format); no namespace, secret name or secret value appears in them',
      responses: { '200': { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }),
];
