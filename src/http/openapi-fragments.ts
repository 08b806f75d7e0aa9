import { z } from 'zod';
import { REQUIRED_PERMISSIONS, type Operation } from '../domain/access/access-policy.js';
import { YAML_TYPES } from './pipeline/body-parsers.js';
import type { BodyKind } from './route.js';

// The pieces the route table's OpenAPI fragments are made of (see routes.ts); openapi.ts assembles them.

export type JsonSchema = Record<string, unknown>;
export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function inline(schema: z.ZodType): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** A schema's description, or that of the schema it wraps (`.optional()`, `.default()` make wrappers without one). */
function descriptionOf(schema: z.ZodType): string | undefined {
  for (let s: z.ZodType | undefined = schema; s; s = (s._zod.def as { innerType?: z.ZodType }).innerType) {
    const description = (s.meta() as { description?: string } | undefined)?.description;
    if (description) return description;
  }
  return undefined;
}

const param = (name: string, where: 'path' | 'query', schema: z.ZodType) => ({
  name,
  in: where,
  // A field that takes no value (optional, or with a default) need not be sent.
  required: !schema.safeParse(undefined).success,
  schema: inline(schema),
  ...(descriptionOf(schema) ? { description: descriptionOf(schema) } : {}),
});

/** The OpenAPI parameters of a route's path or query schema, one per field, in the schema's order. */
export function parametersOf(where: 'path' | 'query', schema: z.ZodObject | undefined): ReturnType<typeof param>[] {
  return Object.entries(schema?.shape ?? {}).map(([name, field]) => param(name, where, field as z.ZodType));
}

/** A body schema by reference when it has an id (it is a component), else inline. */
function schemaOf(schema: z.ZodType): JsonSchema {
  const id = (schema.meta() as { id?: string } | undefined)?.id;
  return id ? ref(id) : inline(schema);
}

/**
 * The request body of a route: its media types are its body parser's, each described by the route's body
 * schema — an upload's by the schema of the document it holds (a YAML manifest's, once parsed, is the JSON one).
 */
export function requestBodyOf(kind: BodyKind | undefined, schema: z.ZodType | undefined): JsonSchema | undefined {
  if (!kind || !schema) return undefined;
  const document = { schema: schemaOf(schema) };
  if (kind === 'json') return { required: true, content: { 'application/json': document } };
  if (kind === 'dockerConfig')
    return {
      required: true,
      description:
        'A Docker `config.json`: as the raw JSON body, or as the multipart part `config` (`curl -F config=@$HOME/.docker/config.json`).',
      content: {
        'application/json': document,
        'multipart/form-data': {
          schema: { type: 'object', required: ['config'], properties: { config: { type: 'string', format: 'binary' } } },
        },
      },
    };
  if (kind === 'manifests')
    return {
      required: true,
      description:
        'JSON, or YAML text (`curl --data-binary @deploy.yaml -H \'Content-Type: application/yaml\'`): one manifest, a `List`, or several YAML documents separated by `---`; or `{"pod": "<name>"}` for a Pod that exists.',
      content: { 'application/json': document, ...Object.fromEntries(YAML_TYPES.map((type) => [type, document])) },
    };
  return {
    required: true,
    content: {
      'application/json': document,
      ...Object.fromEntries(YAML_TYPES.map((type) => [type, document])),
      'text/plain': { schema: { type: 'string', description: 'A base64 .dockerconfigjson value' } },
    },
  };
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
export const json = (description: string, id: string) => ({ description, content: { 'application/json': { schema: ref(id) } } });
export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), problem(STATUS_TEXT[s]!)]));
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

export const fanOutAnswers = {
  '200': json('Every namespace created, updated or unchanged', 'FanOutResult'),
  '207': json('Mixed: some namespaces forbidden or failed (see `results`)', 'FanOutResult'),
};
export const manifestOut = {
  description:
    'The rendered Secret manifest (contains the credentials). `Warning` headers list what was dropped from a config.json and, with `verify`, every registry short of `valid`; `Regcred-Verification` lists `server=status` per registry.',
  content: { 'application/json': { schema: ref('SecretManifest') }, 'application/yaml': { schema: ref('SecretManifest') } },
};
export const writeDescription =
  "Concurrent writes of one secret all succeed; the last one's content stays. With `serviceAccounts`, each is linked after the secret is written; when linking fails, the answer is the linking error's problem (409, 502, 503 …: not everything asked was done), and it says what was: `result` (`created`, `updated`, `unchanged`), `name`, and `serviceAccountLinks` up to the one that `failed`. Repeating the request finishes the linking. A `kubectl.kubernetes.io/last-applied-configuration` annotation (which holds a copy of earlier credentials) is removed by any update, with a warning.";
export const written = {
  '200': json('Updated, or unchanged (nothing written)', 'PullSecretView'),
  '201': json('Created', 'PullSecretView'),
};

/** The RBAC an operation asks in kubernetes mode, in words: "`create`, `update` on `pullsecretdistributions.regcred.io`; …". */
function rightsOf(operation: Operation): string {
  const verbs = new Map<string, string[]>();
  for (const { verb, resource, group } of REQUIRED_PERMISSIONS[operation]) {
    const name = group ? `${resource}.${group}` : resource;
    verbs.set(name, [...(verbs.get(name) ?? []), `\`${verb}\``]);
  }
  return [...verbs].map(([resource, v]) => `${v.join(', ')} on \`${resource}\``).join('; ');
}
const everyNamespace = (rights: string) =>
  `A distribution can reach namespaces that do not exist yet, so the caller needs a grant on every namespace: in token mode a \`*\` grant; in kubernetes mode, cluster-wide RBAC: ${rights}.`;
export const distributionAccess = (operation: Operation) => everyNamespace(rightsOf(operation));
export const distributionWriteDescription = `${distributionAccess('applyDistribution')} With \`serviceAccounts\` not empty, also ${rightsOf('linkDistribution')}. The controller writes the copies and links with regcred's own rights, so the caller must hold them itself, in every namespace (the ClusterRole \`regcred-distribution-editor\` grants all of it). The credentials are stored in the Secret \`distribution-{name}\` in regcred's own namespace (the PullSecretDistribution only names it); regcred's controller then keeps a copy in every targeted namespace and links it to the ServiceAccounts asked for. With a cloud source instead (\`ecr\`, \`googleArtifactRegistry\` or \`acr\`; JSON body only) only the PullSecretDistribution is written: the controller mints the token into \`distribution-{name}\` with regcred's own cloud identity and renews it, for what \`REGCRED_CLOUD_ALLOW\` allows (else 422 naming each account, role or host); \`expiresAt\` and \`verify\` do not apply to it. A request that changes nothing writes nothing (200, \`unchanged\`). When the distribution cannot be written, its Secret is put back as it was. 409 while it is being deleted, or when another regcred installation manages it (its claim, or \`spec.source.namespace\`).`;
export const distributionWritten = {
  '200': json('Updated, or unchanged (nothing written); `status` is the last one the controller wrote', 'DistributionView'),
  '201': json('Created; the controller writes the copies shortly (see `status`)', 'DistributionView'),
};
export const distributionDeleteDescription = `${everyNamespace(`${rightsOf('deleteDistribution')}; ${rightsOf('unlinkDistribution')}, or with \`orphan=true\` instead ${rightsOf('orphanDistribution')} (it marks the distribution first)`)} The answer comes once the deletion is asked for; the controller then removes the copies and links, and the distribution goes (\`GET\` answers 404).`;

/** The one story of the two endpoints that answer "why won't it pull?", told in both operations and in docs/pullcheck.md. */
export const matchOrPullCheck =
  'Match or pull check? `match` answers which secret and credential the kubelet would pick for an image, offline: no registry is called. `pullcheck` gives the whole answer for a workload or a Pod: the ServiceAccount and secrets it gets, the credential the kubelet picks, and what the registry answers to it (a manifest HEAD, no layer), settled into a verdict and a fix.';
export const pullCheckAccess = `In token mode the caller needs a grant on the namespace; in kubernetes mode, its own RBAC there: ${rightsOf('pullCheck')}.`;
