import { z } from 'zod';
import { annotationsSchema, labelsSchema } from '../kubernetes/kubernetes-names.js';
import { hasUserinfo, redactUserinfo } from '../text/redact-userinfo.js';
import { repositorySchema } from '../verify/registry-endpoint.js';

/** kubectl's default for `--docker-server`: the key Docker Hub credentials live under. */
export const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
export const MAX_REGISTRIES = 100;
/** Annotations and labels regcred writes itself; callers may not forge them. */
export const RESERVED_ANNOTATION_PREFIX = 'regcred.io/';
// Generous for registry tokens (ECR, GCR access tokens, JWTs), small enough that the Secret
// stays under the API server's 1 MiB even with several registries.
export const MAX_PASSWORD_LENGTH = 64 * 1024;

// eslint-disable-next-line no-control-regex
const NO_WHITESPACE_OR_CONTROL = /^[^\s\u0000-\u001f\u007f]+$/;
// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export const serverSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .regex(NO_WHITESPACE_OR_CONTROL, 'must not contain whitespace or control characters')
  .refine((s) => !s.includes('://') || /^https?:\/\//i.test(s), {
    message: 'must be host[:port][/path] or an http(s):// URL',
    params: { rule: 'invalid_format' },
  })
  // user:password@host would put a credential where logs, audit lines and annotations show the server.
  .refine((s) => !hasUserinfo(s), {
    message: 'must not contain "@": credentials (user:password@) go in username and password',
    params: { rule: 'no_userinfo' },
  })
  .meta({
    description: 'Registry server, used verbatim as the key under `auths` (as kubectl does).',
    example: 'registry.example.com',
  });

export const usernameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .regex(NO_CONTROL, 'must not contain control characters')
  .refine((s) => !s.includes(':'), {
    message: 'must not contain ":" (the kubelet splits auth at the first colon)',
    params: { rule: 'no_colon' },
  })
  .meta({ example: 'janedoe' });

export const passwordSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)
  .meta({ description: 'Password or access token. Never returned, logged or echoed.', format: 'password', example: 's3cr3t' });

// kubectl omits an empty --docker-email, so an empty string means "no email" here too.
const emailFormat = z.email();
const isEmail = (s: string) => emailFormat.safeParse(s).success;
export const emailSchema = z
  .string()
  .max(254, 'must be at most 254 characters')
  .refine((s) => s === '' || isEmail(s), { message: 'must be a valid email address', params: { rule: 'invalid_format' } })
  .meta({ description: 'Optional; omitted from the Secret when empty.', example: 'jane@example.com' });

export const registryCredentialSchema = z
  .strictObject({
    server: serverSchema.optional().meta({ description: `Defaults to ${DOCKER_HUB_SERVER} as in kubectl.` }),
    username: usernameSchema,
    password: passwordSchema,
    email: emailSchema.optional(),
    repository: repositorySchema.optional(),
  })
  .meta({ id: 'RegistryCredential', description: 'Credentials for one registry.' });
export type RegistryCredentialInput = z.infer<typeof registryCredentialSchema>;

/** One registry's credentials after defaults are applied: what rendering works from. */
export interface RegistryCredential {
  server: string;
  username: string;
  password: string;
  email?: string;
  /** Only for verification: the repository to prove pull access to; never stored. */
  repository?: string;
}

export const credentialsFields = {
  server: registryCredentialSchema.shape.server,
  username: usernameSchema.optional(),
  password: passwordSchema.optional(),
  email: emailSchema.optional(),
  repository: repositorySchema.optional(),
  registries: z
    .array(registryCredentialSchema)
    .min(1, 'must list at least one registry')
    .max(MAX_REGISTRIES, `must list at most ${MAX_REGISTRIES} registries`)
    .optional()
    .meta({ description: 'Several registries in one Secret; use instead of the single-registry fields.' }),
  // A caller's Secret labelled as a distribution's copy or source could be taken for one.
  labels: labelsSchema
    .refine((map) => !Object.keys(map).some((key) => key.startsWith(RESERVED_ANNOTATION_PREFIX)), {
      message: `keys under ${RESERVED_ANNOTATION_PREFIX} are regcred's own (they mark what its distributions made and use) and cannot be set`,
      params: { rule: 'reserved' },
    })
    .optional(),
  annotations: annotationsSchema
    .refine((map) => !Object.keys(map).some((key) => key.startsWith(RESERVED_ANNOTATION_PREFIX)), {
      message: `keys under ${RESERVED_ANNOTATION_PREFIX} are regcred's own (e.g. the last verification) and cannot be set`,
      params: { rule: 'reserved' },
    })
    .optional(),
};

type CredentialsShape = {
  server?: string;
  username?: string;
  password?: string;
  email?: string;
  repository?: string;
  registries?: RegistryCredentialInput[];
};

export function checkOneForm(body: CredentialsShape, ctx: z.RefinementCtx): void {
  const single = ['server', 'username', 'password', 'email', 'repository'].filter((k) => body[k as keyof CredentialsShape] !== undefined);
  if (body.registries) {
    for (const key of single) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'must not be given together with "registries"', params: { rule: 'exclusive' } });
    }
    const seen = new Set<string>();
    body.registries.forEach((r, i) => {
      const server = r.server ?? DOCKER_HUB_SERVER;
      if (seen.has(server)) {
        ctx.addIssue({
          code: 'custom',
          path: ['registries', i, 'server'],
          message: `duplicate server "${redactUserinfo(server)}"`,
          params: { rule: 'unique' },
        });
      }
      seen.add(server);
    });
    return;
  }
  for (const key of ['username', 'password'] as const) {
    if (body[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'is required (or give "registries")', params: { rule: 'required' } });
    }
  }
}

export const credentialsBodySchema = z
  .strictObject(credentialsFields)
  .superRefine(checkOneForm)
  .meta({
    id: 'CredentialsBody',
    description: 'Registry credentials: either `server`/`username`/`password`/`email` for one registry, or `registries` for several.',
    example: { server: 'registry.example.com', username: 'janedoe', password: 's3cr3t', email: 'jane@example.com' },
  });
export type CredentialsBody = z.infer<typeof credentialsBodySchema>;

export const verifyBodySchema = z
  .strictObject({
    server: credentialsFields.server,
    username: credentialsFields.username,
    password: credentialsFields.password,
    email: credentialsFields.email,
    repository: credentialsFields.repository,
    registries: credentialsFields.registries,
  })
  .superRefine(checkOneForm)
  .meta({
    id: 'VerifyBody',
    description: 'Credentials to check with their registries (the same forms as for writes, without labels or annotations).',
    example: { server: 'registry.example.com', username: 'janedoe', password: 's3cr3t', repository: 'janedoe/jdoe-private' },
  });
export type VerifyBody = z.infer<typeof verifyBodySchema>;

/** The registries of a credentials body, with kubectl's default server applied. */
export function registriesOf(body: CredentialsShape): RegistryCredential[] {
  const list = body.registries ?? [
    { server: body.server, username: body.username!, password: body.password!, email: body.email, repository: body.repository },
  ];
  return list.map((r) => ({
    server: r.server ?? DOCKER_HUB_SERVER,
    username: r.username,
    password: r.password,
    ...(r.email ? { email: r.email } : {}),
    ...(r.repository ? { repository: r.repository } : {}),
  }));
}
