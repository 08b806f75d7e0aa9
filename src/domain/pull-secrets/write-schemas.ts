import { z } from 'zod';
import { namespaceSchema, secretNameSchema } from '../kubernetes/kubernetes-names.js';
import { parseLabelSelector } from '../kubernetes/label-selector.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import { checkOneForm, credentialsFields, registryCredentialSchema, serverSchema } from '../docker-config/credential-schemas.js';

export const MAX_SERVICE_ACCOUNTS = 50;
export const MAX_FAN_OUT_NAMESPACES = 1000;

const serviceAccountNameSchema = secretNameSchema.meta({ description: 'A ServiceAccount name (DNS-1123 subdomain).', example: 'default' });

export const uniqueItems = <T extends z.ZodType>(item: T, max: number, what: string) =>
  z
    .array(item)
    .max(max, `must list at most ${max} ${what}`)
    .superRefine((list, ctx) => {
      const seen = new Set<unknown>();
      list.forEach((entry, i) => {
        // A server refused for its userinfo is still reported duplicate: without it.
        if (seen.has(entry))
          ctx.addIssue({ code: 'custom', path: [i], message: `duplicate "${redactUserinfo(String(entry))}"`, params: { rule: 'unique' } });
        seen.add(entry);
      });
    });

export const serviceAccountsField = uniqueItems(serviceAccountNameSchema, MAX_SERVICE_ACCOUNTS, 'ServiceAccounts').meta({
  description:
    "ServiceAccounts of the namespace to link the secret to: each gets it in `imagePullSecrets` exactly once (other entries kept). All must exist, or nothing is written. Pods pick up a ServiceAccount's pull secrets only when they are created.",
  example: ['default'],
});

/** What every single-namespace write takes: the credentials forms, labels, annotations and ServiceAccounts to link. */
const writeFields = { ...credentialsFields, serviceAccounts: serviceAccountsField.optional() };

export const applyPullSecretBodySchema = z
  .strictObject(writeFields)
  .superRefine(checkOneForm)
  .meta({
    id: 'ApplyPullSecretBody',
    description: 'Credentials (one registry, or `registries`), optional labels and annotations, and ServiceAccounts to link.',
    example: { server: 'registry.example.com', username: 'janedoe', password: 's3cr3t', email: 'jane@example.com' },
  });
export type ApplyPullSecretBody = z.infer<typeof applyPullSecretBodySchema>;

export const createPullSecretBodySchema = z
  .strictObject({ name: secretNameSchema, ...writeFields })
  .superRefine(checkOneForm)
  .meta({
    id: 'CreatePullSecretBody',
    description: 'Credentials plus the `name` of the Secret to create.',
    example: { name: 'regcred', server: 'registry.example.com', username: 'janedoe', password: 's3cr3t' },
  });
export type CreatePullSecretBody = z.infer<typeof createPullSecretBodySchema>;

export const labelSelectorSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .superRefine((selector, ctx) => {
    try {
      parseLabelSelector(selector);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message, params: { rule: 'label_selector' } });
    }
  })
  .meta({
    description: 'A Kubernetes label selector over namespace labels (`team=payments`, `env in (prod,staging)`, `!legacy`).',
    example: 'team=payments',
  });

export const namespacesField = uniqueItems(namespaceSchema, MAX_FAN_OUT_NAMESPACES, 'namespaces')
  .min(1, 'must list at least one namespace')
  .meta({ description: 'The namespaces to write to.', example: ['team-a', 'team-b'] });

/** Exactly one of `namespaces` and `namespaceSelector`. */
export function checkOneTarget(body: { namespaces?: unknown; namespaceSelector?: unknown }, ctx: z.RefinementCtx): void {
  if (body.namespaces !== undefined && body.namespaceSelector !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['namespaceSelector'],
      message: 'must not be given together with "namespaces"',
      params: { rule: 'exclusive' },
    });
  }
  if (body.namespaces === undefined && body.namespaceSelector === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['namespaces'],
      message: 'is required (or give "namespaceSelector")',
      params: { rule: 'required' },
    });
  }
}

export const fanOutBodySchema = z
  .strictObject({
    ...writeFields,
    namespaces: namespacesField.optional(),
    namespaceSelector: labelSelectorSchema.optional(),
  })
  .superRefine(checkOneForm)
  .superRefine(checkOneTarget)
  .meta({
    id: 'FanOutBody',
    description: 'Credentials (as for a single PUT) and where to write them: `namespaces`, or a `namespaceSelector` over namespace labels.',
    example: {
      server: 'registry.example.com',
      username: 'janedoe',
      password: 's3cr3t',
      namespaces: ['team-a', 'team-b'],
      serviceAccounts: ['default'],
    },
  });
export type FanOutBody = z.infer<typeof fanOutBodySchema>;

export const patchPullSecretBodySchema = z
  .strictObject({
    upsert: z
      .array(registryCredentialSchema)
      .max(100, 'must list at most 100 registries')
      .optional()
      .meta({ description: 'Registries to add, or to replace by server key; every other entry is kept as it is.' }),
    remove: uniqueItems(serverSchema, 100, 'servers').optional().meta({ description: 'Server keys whose entries are removed.' }),
  })
  .superRefine((body, ctx) => {
    if (!body.upsert?.length && !body.remove?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['upsert'],
        message: 'give at least one entry to "upsert" or "remove"',
        params: { rule: 'required' },
      });
    }
    const upserted = new Set<string>();
    body.upsert?.forEach((registry, i) => {
      const server = registry.server ?? 'https://index.docker.io/v1/';
      if (upserted.has(server))
        ctx.addIssue({
          code: 'custom',
          path: ['upsert', i, 'server'],
          message: `duplicate server "${redactUserinfo(server)}"`,
          params: { rule: 'unique' },
        });
      upserted.add(server);
    });
    body.remove?.forEach((server, i) => {
      if (upserted.has(server))
        ctx.addIssue({
          code: 'custom',
          path: ['remove', i],
          message: `"${redactUserinfo(server)}" is also in "upsert"`,
          params: { rule: 'exclusive' },
        });
    });
  })
  .meta({
    id: 'PatchPullSecretBody',
    description:
      'Change only some entries of an existing pull secret: `upsert` adds or replaces by server key, `remove` deletes by server key.',
    example: { upsert: [{ server: 'ghcr.io', username: 'jane', password: 'ghp_x' }], remove: ['registry.old.example.com'] },
  });
export type PatchPullSecretBody = z.infer<typeof patchPullSecretBodySchema>;
