import { z } from 'zod';
import { decodeGoDockerConfig } from '../docker-config/go-docker-config.js';
import { secretNameSchema } from '../kubernetes/kubernetes-names.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import { credentialsBodySchema, DOCKER_HUB_SERVER, MAX_REGISTRIES } from '../docker-config/credential-schemas.js';

export const MAX_MATCH_IMAGES = 100;
export const MAX_IMAGE_LENGTH = 512;
export const MAX_MATCH_SECRETS = 100;
/** Registries under `auths` of a Docker config given to match: as many as an upload may hold. */
export const MAX_MATCH_AUTHS = MAX_REGISTRIES;

const NODE_CREDENTIALS_NOTE =
  'The kubelet tries these before any node-level credentials (its own config.json, credential provider plugins), which regcred cannot see.';

export const matchImagesSchema = z
  .array(z.string().min(1, 'must not be empty').max(MAX_IMAGE_LENGTH, `must be at most ${MAX_IMAGE_LENGTH} characters`))
  .min(1, 'must list at least one image')
  .max(MAX_MATCH_IMAGES, `must list at most ${MAX_MATCH_IMAGES} images`)
  .meta({
    description: `Image references as written in a Pod spec: at most ${MAX_MATCH_IMAGES}, each at most ${MAX_IMAGE_LENGTH} characters.`,
    example: ['nginx:1.27', 'registry.example.com/team/app:1.0'],
  });

// The credential fields are those of CredentialsBody, one registry or `registries`.
const { server, username, password, email, registries } = credentialsBodySchema.shape;
const CREDENTIAL_FIELDS = ['server', 'username', 'password', 'email', 'registries'] as const;
type MatchBodyShape = Partial<Record<(typeof CREDENTIAL_FIELDS)[number] | 'dockerconfigjson', unknown>> & {
  registries?: Array<{ server?: string }>;
};

function checkOneSource(body: MatchBodyShape, ctx: z.RefinementCtx): void {
  const given = CREDENTIAL_FIELDS.filter((key) => body[key] !== undefined);
  const issue = (path: (string | number)[], message: string, rule: string) =>
    ctx.addIssue({ code: 'custom', path, message, params: { rule } });
  if (body.dockerconfigjson !== undefined) {
    for (const key of given) issue([key], 'must not be given together with "dockerconfigjson"', 'exclusive');
    return;
  }
  if (body.registries) {
    for (const key of given.filter((k) => k !== 'registries')) issue([key], 'must not be given together with "registries"', 'exclusive');
    const seen = new Set<string>();
    body.registries.forEach((r, i) => {
      const key = r.server ?? DOCKER_HUB_SERVER;
      if (seen.has(key)) issue(['registries', i, 'server'], `duplicate server "${redactUserinfo(key)}"`, 'unique');
      seen.add(key);
    });
    return;
  }
  for (const key of ['username', 'password'] as const) {
    if (body[key] === undefined) issue([key], 'is required (or give "registries" or "dockerconfigjson")', 'required');
  }
}

// Go decodes every spelling of "auths" into one map, so the servers of all of them count together.
function checkAuthsCount(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const servers = decodeGoDockerConfig(Object.entries(config), 'config.json').entries;
  if (servers.size > MAX_MATCH_AUTHS) {
    ctx.addIssue({
      code: 'custom',
      path: ['auths'],
      message: `must list at most ${MAX_MATCH_AUTHS} registries (it lists ${servers.size})`,
      params: { rule: 'too_big' },
    });
  }
}

export const matchBodySchema = z
  .strictObject({
    images: matchImagesSchema,
    dockerconfigjson: z
      .record(z.string(), z.unknown())
      .superRefine(checkAuthsCount)
      .optional()
      .meta({
        description: `A Docker config.json or \`.dockerconfigjson\` value as a JSON object (\`{"auths": {...}}\`), with at most ${MAX_MATCH_AUTHS} registries under \`auths\` (as an upload).`,
      }),
    server,
    username,
    password,
    email,
    registries,
  })
  .superRefine(checkOneSource)
  .meta({
    id: 'MatchBody',
    description:
      'Images to check against credentials given in the request: either `dockerconfigjson`, or the credentials of a pull secret regcred would write (`server`/`username`/`password`, or `registries`).',
    example: { images: ['registry.example.com/team/app:1.0'], server: 'registry.example.com', username: 'janedoe', password: 's3cr3t' },
  });
export type MatchBody = z.infer<typeof matchBodySchema>;

export const namespacedMatchBodySchema = z
  .strictObject({
    images: matchImagesSchema,
    secrets: z
      .array(secretNameSchema)
      .max(MAX_MATCH_SECRETS, `must list at most ${MAX_MATCH_SECRETS} secrets`)
      .optional()
      .meta({
        description: `The Pod's \`imagePullSecrets\` names, in the Pod's order: at most ${MAX_MATCH_SECRETS}; a name listed again is read once.`,
      }),
    serviceAccount: secretNameSchema
      .optional()
      .meta({ description: 'A ServiceAccount whose `imagePullSecrets` a new Pod would get (when the Pod lists none of its own).' }),
  })
  .superRefine((body, ctx) => {
    if ((body.secrets === undefined) === (body.serviceAccount === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets'],
        message: 'give exactly one of "secrets" or "serviceAccount"',
        params: { rule: 'exclusive' },
      });
    }
  })
  .meta({
    id: 'NamespacedMatchBody',
    description: 'Images to check against the pull secrets of a namespace: named as in a Pod, or those of a ServiceAccount.',
    example: { images: ['registry.example.com/team/app:1.0'], secrets: ['regcred'] },
  });
export type NamespacedMatchBody = z.infer<typeof namespacedMatchBodySchema>;

export const matchedCredentialSchema = z
  .strictObject({
    secret: z.string().optional().meta({ description: 'The pull secret it comes from; absent for credentials given in the request.' }),
    server: z
      .string()
      .meta({ description: 'The key under `auths`, verbatim but for any userinfo (`user:password@`), shown as `[REDACTED]@`.' }),
    matchedKey: z.string().meta({ description: 'The key the kubelet files it under (scheme, /v1/ or /v2/ and a lone "/" removed).' }),
    username: z.string().meta({ description: 'As the kubelet reads it (from `auth` when present). Passwords are never shown.' }),
    rule: z.enum(['match', 'docker-hub-default']).meta({
      description:
        '`match`: the key matched the image; `docker-hub-default`: no key did, and Docker Hub credentials (key index.docker.io) apply.',
    }),
  })
  .meta({ id: 'MatchedCredential', description: 'A credential the kubelet passes to the container runtime for an image.' });
export type MatchedCredential = z.infer<typeof matchedCredentialSchema>;

export const imageMatchSchema = z
  .strictObject({
    image: z.string(),
    repository: z.string().optional().meta({ description: 'What the kubelet looks up: the normalised name, without tag or digest.' }),
    invalid: z
      .string()
      .optional()
      .meta({ description: 'Why the kubelet refuses the reference (InvalidImageName); no credentials are used.' }),
    entries: z.array(matchedCredentialSchema).meta({
      description: `In the order the runtime tries them; the first the registry accepts is used. ${NODE_CREDENTIALS_NOTE}`,
    }),
    anonymous: z.boolean().meta({
      description: 'True when no pull secret credential applies: the kubelet pulls without credentials (unless node-level ones apply).',
    }),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'ImageMatch', description: 'Which credentials the kubelet would use for one image, and why.' });
export type ImageMatch = z.infer<typeof imageMatchSchema>;

export const kubeletKeySchema = z
  .strictObject({
    key: z.string(),
    entries: z.array(z.strictObject({ secret: z.string().optional(), server: z.string() })),
  })
  .meta({ id: 'KubeletKey', description: 'A key of the kubelet keyring and the entries filed under it.' });

export const matchResultSchema = z
  .strictObject({
    images: z.array(imageMatchSchema),
    warnings: z.array(z.string()).meta({
      description: 'About the credentials as a whole: secrets ignored or missing, keys that never match, keys held by several secrets.',
    }),
    failsAllPulls: z.boolean().meta({
      description: 'True when a pull secret cannot be decoded by the kubelet: it then fails every image pull of the Pod (see warnings).',
    }),
    keys: z.array(kubeletKeySchema).meta({ description: 'Every key the kubelet files credentials under, in the order it tries them.' }),
  })
  .meta({ id: 'MatchResult', description: `What the kubelet would do with these credentials for each image. ${NODE_CREDENTIALS_NOTE}` });
export type MatchResult = z.infer<typeof matchResultSchema>;

export const namespacedMatchResultSchema = matchResultSchema
  .extend({
    secrets: z
      .array(z.string())
      .meta({ description: "The pull secrets considered, in the Pod's order (from the ServiceAccount when one was named)." }),
  })
  .meta({
    id: 'NamespacedMatchResult',
    description: `What the kubelet would do for each image with the namespace's secrets. ${NODE_CREDENTIALS_NOTE}`,
  });
