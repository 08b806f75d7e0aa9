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
import {
  appendHash,
  credentialsBody,
  distributionAccess,
  distributionDeleteDescription,
  distributionTargets,
  distributionWriteDescription,
  distributionWritten,
  dockerConfigBody,
  dryRun,
  errors,
  fanOutAnswers,
  fanOutTargets,
  json,
  jsonBody,
  manifestOut,
  orphan,
  param,
  renderParams,
  repository,
  serviceAccountsQuery,
  unlink,
  verify,
  writeDescription,
  written,
} from './openapi-fragments.js';
import { continueParam, limitParam } from './params.js';
import type { Route } from './route.js';

/**
 * THE route table. The order of entries is the order of openapi.yaml's paths and operations;
 * routers match static segments before parameters whatever the order (see route-table.ts).
 */
// prettier-ignore
export const ROUTES: readonly Route[] = [
  {
    method: 'get', path: '/v1/namespaces/{namespace}/pullsecrets', operationId: 'listPullSecrets', operation: 'list', handler: listPullSecretsHandler,
    openapi: {
      tags: ['pull secrets'], summary: 'Redacted views of the pull secrets in the namespace, a page at a time',
      description:
        'Only Secrets of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg are read (other Secrets of the namespace cost nothing). A page holds at most `limit` items (default and maximum 500) and stops early once its secrets hold 4 MiB of data and annotations; when more follow, the answer has `continue`: pass it back to get the next page. An expired or foreign `continue` is refused with 422 (`errors[].code` `expired` or `invalid_continue`): list again from the start.',
      parameters: [param('limit', 'query', limitParam, false), param('continue', 'query', continueParam, false)],
      responses: { '200': json('The pull secrets', 'PullSecretList'), ...errors(400, 401, 403, 404, 422, 429, 502, 503) },
    },
  },
  {
    method: 'post', path: '/v1/namespaces/{namespace}/pullsecrets', operationId: 'createPullSecret', operation: 'create', body: 'json', handler: createPullSecretHandler,
    openapi: {
      tags: ['pull secrets'], summary: 'Create a pull secret (409 when one of that name exists)',
      description: writeDescription,
      parameters: [dryRun, appendHash, verify],
      requestBody: jsonBody('CreatePullSecretBody'),
      responses: { '201': json('Created', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'get', path: '/v1/namespaces/{namespace}/pullsecrets/{name}', operationId: 'getPullSecret', operation: 'get', handler: getPullSecretHandler,
    openapi: {
      tags: ['pull secrets'], summary: 'Redacted view of a pull secret (also one not made by regcred)',
      responses: { '200': json('The pull secret, redacted', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 422, 429, 502, 503) },
    },
  },
  {
    method: 'put', path: '/v1/namespaces/{namespace}/pullsecrets/{name}', operationId: 'applyPullSecret', operation: 'apply', body: 'json', handler: applyPullSecretHandler,
    openapi: {
      tags: ['pull secrets'], summary: 'Create or update a pull secret from credentials (idempotent)',
      description: writeDescription,
      parameters: [dryRun, appendHash, verify],
      requestBody: jsonBody('ApplyPullSecretBody'),
      responses: { ...written, ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'patch', path: '/v1/namespaces/{namespace}/pullsecrets/{name}', operationId: 'mergePullSecret', operation: 'merge', body: 'json', handler: mergePullSecretHandler,
    openapi: {
      tags: ['pull secrets'], summary: 'Add, replace or remove some registries of an existing pull secret; the rest is kept',
      parameters: [dryRun, verify],
      requestBody: jsonBody('PatchPullSecretBody'),
      responses: { '200': json('Updated, or unchanged (nothing written)', 'PullSecretView'), ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'delete', path: '/v1/namespaces/{namespace}/pullsecrets/{name}', operationId: 'deletePullSecret', operation: 'delete', handler: deletePullSecretHandler,
    openapi: {
      tags: ['pull secrets'], summary: 'Delete a pull secret (other Secrets are refused); `unlink=true` also removes it from every ServiceAccount',
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
  {
    method: 'put', path: '/v1/namespaces/{namespace}/pullsecrets/{name}/dockerconfig', operationId: 'applyPullSecretFromDockerConfig', operation: 'apply', body: 'dockerConfig', handler: applyDockerConfigHandler,
    openapi: {
      tags: ['pull secrets'], summary: 'Create or update a pull secret from a Docker config.json',
      description: writeDescription,
      parameters: [dryRun, appendHash, verify, repository, serviceAccountsQuery], requestBody: dockerConfigBody,
      responses: { ...written, ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'put', path: '/v1/pullsecrets/{name}', operationId: 'applyPullSecretToNamespaces', operation: 'apply', body: 'json', handler: applyToNamespacesHandler,
    openapi: {
      tags: ['pull secrets'],
      summary: 'Create or update one pull secret in many namespaces (`namespaces` or `namespaceSelector`), each authorised on its own',
      parameters: [dryRun, appendHash, verify],
      requestBody: jsonBody('FanOutBody'),
      responses: { ...fanOutAnswers, ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'put', path: '/v1/pullsecrets/{name}/dockerconfig', operationId: 'applyPullSecretToNamespacesFromDockerConfig', operation: 'apply', body: 'dockerConfig', handler: applyDockerConfigToNamespacesHandler,
    openapi: {
      tags: ['pull secrets'],
      summary: 'Create or update one pull secret from a Docker config.json in many namespaces',
      parameters: [...fanOutTargets, dryRun, appendHash, verify, repository, serviceAccountsQuery], requestBody: dockerConfigBody,
      responses: { ...fanOutAnswers, ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'get', path: '/v1/distributions', operationId: 'listDistributions', operation: 'listDistributions', handler: listDistributionsHandler,
    openapi: {
      tags: ['distributions'], summary: 'Every pull-secret distribution, redacted, with its status (by name, at most 500)',
      description: distributionAccess('listDistributions'),
      responses: { '200': json('The distributions', 'DistributionList'), ...errors(401, 403, 422, 429, 502, 503) },
    },
  },
  {
    method: 'get', path: '/v1/distributions/{distribution}', operationId: 'getDistribution', operation: 'getDistribution', handler: getDistributionHandler,
    openapi: {
      tags: ['distributions'], summary: 'A pull-secret distribution, redacted, with the state of every namespace it targets',
      description: distributionAccess('getDistribution'),
      responses: { '200': json('The distribution', 'DistributionView'), ...errors(400, 401, 403, 404, 422, 429, 502, 503) },
    },
  },
  {
    method: 'put', path: '/v1/distributions/{distribution}', operationId: 'applyDistribution', operation: 'applyDistribution', body: 'json', handler: applyDistributionHandler,
    openapi: {
      tags: ['distributions'], summary: 'Create or update a distribution: one pull secret kept in every namespace it targets, present and future',
      description: distributionWriteDescription,
      parameters: [verify],
      requestBody: jsonBody('ApplyDistributionBody'),
      responses: { ...distributionWritten, ...errors(400, 401, 403, 409, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'delete', path: '/v1/distributions/{distribution}', operationId: 'deleteDistribution', operation: 'deleteDistribution', handler: deleteDistributionHandler,
    openapi: {
      tags: ['distributions'], summary: 'Delete a distribution: the copies and links it made are removed, or kept with `orphan=true`',
      description: distributionDeleteDescription,
      parameters: [orphan],
      responses: { '202': json('Deletion asked for (`deleting: true`)', 'DistributionView'), ...errors(400, 401, 403, 404, 409, 422, 429, 502, 503) },
    },
  },
  {
    method: 'put', path: '/v1/distributions/{distribution}/dockerconfig', operationId: 'applyDistributionFromDockerConfig', operation: 'applyDistribution', body: 'dockerConfig', handler: applyDistributionDockerConfigHandler,
    openapi: {
      tags: ['distributions'], summary: 'Create or update a distribution from a Docker config.json; its targets as query parameters',
      description: distributionWriteDescription,
      parameters: [...distributionTargets, verify, repository], requestBody: dockerConfigBody,
      responses: { ...distributionWritten, ...errors(400, 401, 403, 409, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'post', path: '/v1/render', operationId: 'renderPullSecret', operation: 'render', body: 'json', handler: renderHandler,
    openapi: {
      tags: ['render and inspect'], summary: 'Render the Secret manifest from credentials, without touching the cluster',
      parameters: renderParams, requestBody: credentialsBody,
      responses: { '200': manifestOut, ...errors(400, 401, 406, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'post', path: '/v1/render/dockerconfig', operationId: 'renderPullSecretFromDockerConfig', operation: 'render', body: 'dockerConfig', handler: renderDockerConfigHandler,
    openapi: {
      tags: ['render and inspect'], summary: 'Render the Secret manifest from a Docker config.json',
      parameters: [...renderParams, repository], requestBody: dockerConfigBody,
      responses: { '200': manifestOut, ...errors(400, 401, 406, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'post', path: '/v1/match', operationId: 'matchImages', operation: 'match', body: 'json', handler: matchHandler,
    openapi: {
      tags: ['kubelet match'],
      description:
        'Limits: at most 100 images (each at most 512 characters) and at most 100 registries: `registries`, or the servers under `dockerconfigjson`\'s `auths` (every spelling of "auths" counted together); more is refused with 422 (`dockerconfigjson/auths`, `too_big`).',
      summary: 'Which credential would the kubelet use for each image? Credentials or a config.json from the request',
      requestBody: jsonBody('MatchBody'),
      responses: { '200': json('Per image, the entries the kubelet would try, in order', 'MatchResult'), ...errors(400, 401, 413, 415, 422, 429) },
    },
  },
  {
    method: 'post', path: '/v1/namespaces/{namespace}/match', operationId: 'matchImagesInNamespace', operation: 'match', body: 'json', handler: matchInNamespaceHandler,
    openapi: {
      tags: ['kubelet match'],
      description:
        'Limits: at most 100 images and 100 secret names. Each secret named is read once however often it is listed (at most 4 reads at a time). The secrets read may hold at most 4 MiB of data and annotations together (else 422, `secrets` or `serviceAccount`, code `byte_budget`) and at most 100 registry entries, a secret named twice counting twice (else 422, code `too_big`).',
      summary: "Which of the namespace's pull secrets would the kubelet use for each image (a Pod's `secrets`, or a ServiceAccount's)? Why is my Pod in ImagePullBackOff?",
      requestBody: jsonBody('NamespacedMatchBody'),
      responses: {
        '200': json('Per image, the entries the kubelet would try, in order', 'NamespacedMatchResult'),
        ...errors(400, 401, 403, 404, 413, 415, 422, 429, 502, 503),
      },
    },
  },
  {
    method: 'post', path: '/v1/verify', operationId: 'verifyCredentials', operation: 'verify', body: 'json', handler: verifyHandler,
    openapi: {
      tags: ['verify'], summary: 'Check credentials with their registries (Docker Registry V2 login, and pull access to `repository`); writes nothing',
      requestBody: jsonBody('VerifyBody'),
      responses: { '200': json('What each registry answered', 'VerificationReport'), ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'post', path: '/v1/verify/dockerconfig', operationId: 'verifyDockerConfig', operation: 'verify', body: 'dockerConfig', handler: verifyDockerConfigHandler,
    openapi: {
      tags: ['verify'], summary: 'Check every registry of a Docker config.json; writes nothing',
      parameters: [repository], requestBody: dockerConfigBody,
      responses: { '200': json('What each registry answered', 'VerificationReport'), ...errors(400, 401, 413, 415, 422, 429, 502, 503) },
    },
  },
  {
    method: 'post', path: '/v1/inspect', operationId: 'inspectPullSecret', operation: 'inspect', body: 'inspectable', handler: inspectHandler,
    openapi: {
      tags: ['render and inspect'], summary: 'Redacted view of a Secret manifest (JSON or YAML) or a base64 .dockerconfigjson value',
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
  {
    method: 'get', path: '/v1/status', operationId: 'serviceStatus', operation: 'status', handler: statusHandler,
    openapi: {
      tags: ['health'], summary: 'Readiness with detail: which cluster regcred writes to, and why it is not ready',
      responses: { '200': json('Whether the cluster answers, and which it is', 'ServiceStatus'), ...errors(401, 429) },
    },
  },
  {
    method: 'get', path: '/healthz', operationId: 'healthz', handler: healthzHandler,
    openapi: {
      security: [], tags: ['health'], summary: 'Liveness', responses: { '200': json('Serving', 'Health') }
    },
  },
  {
    method: 'get', path: '/readyz', operationId: 'readyz', handler: readyzHandler,
    openapi: {
      security: [], tags: ['health'], summary: 'Readiness: the cluster answers',
      responses: { '200': json('Ready', 'Health'), '503': json('The cluster does not answer, or the service is shutting down (Retry-After)', 'Health') },
    },
  },
  {
    method: 'get', path: '/metrics', operationId: 'metrics', handler: metricsHandler,
    openapi: {
      security: [], tags: ['metrics'], summary: 'Prometheus metrics (text exposition format); no namespace, secret name or secret value appears in them',
      responses: { '200': { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
];
