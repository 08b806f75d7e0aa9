import { z } from 'zod';
import { cloudSourceFields } from '../credentials/cloud-schemas.js';
import { CLOUD_PROVIDERS, type CloudProvider } from '../credentials/cloud-source.js';
import { checkOneForm, credentialsFields } from '../docker-config/credential-schemas.js';
import { namespaceSchema, secretNameSchema } from '../kubernetes/kubernetes-names.js';
import {
  labelSelectorSchema,
  MAX_FAN_OUT_NAMESPACES,
  MAX_SERVICE_ACCOUNTS,
  namespacesField,
  serviceAccountsField,
  uniqueItems,
} from '../pull-secrets/write-schemas.js';
import { registryVerificationSchema } from '../verify/registry-verifier.js';
import { registryViewSchema, writeResultSchema } from '../view-schemas.js';
import { ALL_SERVICE_ACCOUNTS, NAMESPACE_STATES } from './distribution.js';

/** A distribution names at most this many namespaces, and excludes at most this many. */
/** As for a fan-out: named namespaces (a selector may match any number). */
export const MAX_DISTRIBUTION_NAMESPACES = MAX_FAN_OUT_NAMESPACES;

// A label value (≤ 63) on every copy it makes, so a DNS-1123 label rather than a Secret's subdomain.
export const distributionNameSchema = namespaceSchema.meta({
  description: 'A PullSecretDistribution name: a DNS-1123 label of at most 63 characters (it labels every copy).',
  example: 'payments',
});

const NAMESPACE_GLOB = /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/;

export const distributionNamespacesField = namespacesField.meta({
  description: `Namespaces by name (at most ${MAX_DISTRIBUTION_NAMESPACES}); they need not exist yet: each gets its copy once created.`,
  example: ['team-a', 'team-b'],
});

export const excludeNamespacesField = uniqueItems(
  z
    .string()
    .max(63, 'must be at most 63 characters')
    .regex(NAMESPACE_GLOB, 'must be a namespace name or a glob: lower-case letters, digits, "-" and "*"'),
  MAX_DISTRIBUTION_NAMESPACES,
  'namespaces',
).meta({
  description:
    "Namespaces never written, whatever else matches: names or globs (`*` for any run of characters, as in regcred's deny list, which applies besides). A namespace labelled `regcred.io/exclude=true` is skipped too.",
  example: ['team-a-sandbox', 'tmp-*'],
});

export const distributionServiceAccountsField = z
  .array(z.string())
  .max(MAX_SERVICE_ACCOUNTS, `must list at most ${MAX_SERVICE_ACCOUNTS} ServiceAccounts`)
  .superRefine((list, ctx) => {
    if (list.includes(ALL_SERVICE_ACCOUNTS)) {
      if (list.length > 1)
        ctx.addIssue({
          code: 'custom',
          message: `"${ALL_SERVICE_ACCOUNTS}" stands for every ServiceAccount and must be the only entry`,
          params: { rule: 'exclusive' },
        });
      return;
    }
    const names = serviceAccountsField.safeParse(list);
    for (const issue of names.error?.issues ?? []) {
      const rule = issue.code === 'custom' ? (issue.params as { rule?: string } | undefined)?.rule : issue.code;
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { rule: rule ?? 'custom' } });
    }
  })
  .meta({
    description:
      'ServiceAccounts to link the secret to in every namespace: `[]` none (the default), names, or `["*"]` for every ServiceAccount, present and future. A named one missing from a namespace leaves it `pending` until it exists.',
    example: ['default'],
  });

export const expiresAtField = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time, e.g. 2026-01-31T00:00:00Z' }).meta({
  description: 'When the credential expires (RFC 3339, e.g. `2026-01-31T00:00:00Z`): shown as a metric; nothing stops at that time.',
});

/** What a distribution targets, and how its copies are named and linked: the same in the JSON body and the upload's query. */
export const distributionTargetFields = {
  secretName: secretNameSchema.default('regcred').meta({ description: 'The Secret name in every namespace (default `regcred`).' }),
  namespaces: distributionNamespacesField.optional(),
  namespaceSelector: labelSelectorSchema.optional(),
  excludeNamespaces: excludeNamespacesField.optional(),
  serviceAccounts: distributionServiceAccountsField.default([]),
  expiresAt: expiresAtField.optional(),
};

/** `namespaces`, `namespaceSelector`, or both (a namespace in either is targeted). */
export function checkSomeTarget(body: { namespaces?: unknown; namespaceSelector?: unknown }, ctx: z.RefinementCtx): void {
  if (body.namespaces === undefined && body.namespaceSelector === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['namespaces'],
      message: 'is required (or give "namespaceSelector", or both)',
      params: { rule: 'required' },
    });
  }
}

const { labels: _labels, annotations: _annotations, ...credentials } = credentialsFields;
const CREDENTIAL_FIELDS = Object.keys(credentials) as (keyof typeof credentials)[];

type ApplyShape = Partial<Record<CloudProvider | keyof typeof credentials | 'expiresAt', unknown>>;

/**
 * The credentials, or exactly one cloud source instead: regcred mints that one itself, so no
 * credential, and no `expiresAt` either (the token's own expiry is used).
 */
export function checkCredentialsOrCloud(body: ApplyShape, ctx: z.RefinementCtx): void {
  const clouds = CLOUD_PROVIDERS.filter((provider) => body[provider] !== undefined);
  if (clouds.length === 0) return checkOneForm(body as Parameters<typeof checkOneForm>[0], ctx);
  const [first, ...more] = clouds;
  const exclusive = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message, params: { rule: 'exclusive' } });
  for (const provider of more) exclusive(provider, `must not be given together with "${first}": a distribution has one cloud source`);
  for (const key of CREDENTIAL_FIELDS.filter((k) => body[k] !== undefined))
    exclusive(key, `must not be given together with "${first}": regcred mints the credential of a cloud source itself`);
  if (body.expiresAt !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['expiresAt'],
      message: `must not be given with "${first}": the minted token's own expiry is used`,
      params: { rule: 'cloud_source' },
    });
}

export const applyDistributionBodySchema = z
  .strictObject({ ...credentials, ...cloudSourceFields, ...distributionTargetFields })
  .superRefine(checkCredentialsOrCloud)
  .superRefine(checkSomeTarget)
  .meta({
    id: 'ApplyDistributionBody',
    description:
      'Credentials (one registry, or `registries`), or instead exactly one cloud source (`ecr`, `googleArtifactRegistry` or `acr`: regcred mints and renews the token with its own cloud identity, within `REGCRED_CLOUD_ALLOW`); where the copies go (`namespaces` and/or `namespaceSelector`, less `excludeNamespaces`), their name and the ServiceAccounts to link in each.',
    example: {
      server: 'registry.example.com',
      username: 'janedoe',
      password: 's3cr3t',
      namespaceSelector: 'team=payments',
      serviceAccounts: ['*'],
    },
  });
export type ApplyDistributionBody = z.infer<typeof applyDistributionBodySchema>;

export const namespaceStatusSchema = z
  .strictObject({
    namespace: z.string(),
    state: z.enum(NAMESPACE_STATES).meta({
      description:
        '`inSync`: the copy is current (and linked); `pending`: not yet (e.g. the namespace or a named ServiceAccount does not exist yet); `drifted-restored`: someone changed or deleted the copy and regcred put it back; `forbidden`: regcred may not write there; `failed`: `reason` says why; `excluded`: targeted, but excluded (`reason`).',
    }),
    contentHash: z.string().optional().meta({ description: 'The content hash the copy has (absent when there is none).' }),
    lastSynced: z.string().optional().meta({ description: 'When regcred last wrote or confirmed the copy (RFC 3339).' }),
    reason: z.string().optional(),
  })
  .meta({ id: 'DistributionNamespaceStatus' });

export const credentialStatusSchema = z
  .strictObject({
    provider: z.enum(CLOUD_PROVIDERS),
    expiresAt: z.string().optional().meta({ description: 'When the token every copy carries stops working (RFC 3339).' }),
    lastRefreshTime: z.string().optional().meta({ description: 'The last successful mint (RFC 3339).' }),
    nextRefreshTime: z
      .string()
      .optional()
      .meta({ description: 'When the next mint is due: a refresh, or a retry after a failure (RFC 3339).' }),
    lastError: z.string().optional().meta({ description: 'The last failed mint, in words safe to show; cleared by a success.' }),
  })
  .meta({ id: 'DistributionCredentialStatus', description: 'With a cloud source: when the minted token expires and is renewed.' });

export const conditionSchema = z
  .strictObject({
    type: z.string(),
    status: z.enum(['True', 'False', 'Unknown']),
    reason: z.string(),
    message: z.string(),
    lastTransitionTime: z.string(),
    observedGeneration: z.number().int().optional(),
  })
  .meta({ id: 'DistributionCondition', description: 'A Kubernetes-style condition (metav1.Condition).' });

export const distributionStatusSchema = z
  .strictObject({
    observedGeneration: z.number().int().optional().meta({ description: 'The generation the controller last acted on.' }),
    contentHash: z.string().optional().meta({ description: "The hash of the source's content: a copy with it is current." }),
    contentChangedAt: z.string().optional().meta({ description: 'When the content last changed: the start of a rotation.' }),
    verifiedContentHash: z
      .string()
      .optional()
      .meta({ description: 'With `spec.verify: required` (kubectl-managed sources): the content hash the registries last accepted.' }),
    rolledOutAt: z.string().optional().meta({ description: 'When every targeted copy first carried `contentHash` after that.' }),
    counts: z
      .record(z.string(), z.number().int())
      .optional()
      .meta({ description: 'Namespaces per state, `targeted`, and `current` (those carrying `contentHash`).' }),
    namespaces: z.array(namespaceStatusSchema).optional().meta({
      description:
        'Every targeted namespace while there are at most 100; past that only those needing attention (neither inSync nor excluded), at most 1,000. `counts` covers them all.',
    }),
    podsLackingSecret: z
      .array(z.strictObject({ namespace: z.string(), name: z.string(), serviceAccountName: z.string() }))
      .optional()
      .meta({ description: 'Pods created before their ServiceAccount was linked: they lack the secret until re-created (never evicted).' }),
    credential: credentialStatusSchema.optional(),
    conditions: z.array(conditionSchema).optional().meta({
      description:
        'With a cloud source: `Ready` (`True`: a live token, `Refreshed`, or `TokenTooShortForRollout` when the last roll-out is too long for the token to reach every copy with 40 % of its life left; `False`: `RefreshFailed`, `TokenExpired` or `NotAllowed`; `Unknown`: `Minting`).',
    }),
    message: z.string().optional().meta({ description: 'Why nothing could be distributed, if so.' }),
    lastReconciled: z.string().optional(),
  })
  .meta({
    id: 'DistributionStatus',
    description: 'What the controller last found and did; absent until it first reconciles the distribution.',
  });

export const distributionViewSchema = z
  .strictObject({
    name: z.string(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.number().int().optional(),
    result: writeResultSchema.optional(),
    secretName: z.string(),
    namespaces: z.array(z.string()).optional(),
    namespaceSelector: z.string().optional(),
    excludeNamespaces: z.array(z.string()).optional(),
    serviceAccounts: z.array(z.string()),
    expiresAt: z.string().optional(),
    installation: z.string().meta({
      description:
        "The namespace of the regcred installation that manages the distribution (its claim, else `spec.source.namespace`; neither: this one). Another installation's distribution is shown without its registries: its source is read only there.",
    }),
    source: z.strictObject({ namespace: z.string(), secretName: z.string(), ...cloudSourceFields }).meta({
      description:
        "The Secret in the managing installation's own namespace that holds the credentials; with a cloud source (`ecr`, `googleArtifactRegistry` or `acr`), the one regcred mints them into.",
    }),
    registries: z.array(registryViewSchema).meta({
      description:
        "The source's registries, redacted: only from a source this installation manages and that is bound to this distribution (else empty, and `warnings` says why).",
    }),
    warnings: z.array(z.string()),
    verification: z
      .array(registryVerificationSchema)
      .optional()
      .meta({ description: 'With `verify`: what each registry answered just now.' }),
    deleting: z
      .literal(true)
      .optional()
      .meta({ description: 'Deletion was asked for: the copies and links are being removed (kept with `orphan`).' }),
    orphan: z.literal(true).optional().meta({ description: 'Its deletion leaves the copies and links where they are.' }),
    status: distributionStatusSchema.optional(),
  })
  .meta({
    id: 'DistributionView',
    description: 'A PullSecretDistribution, redacted: where its copies go and how they are, never the credentials.',
  });
export type DistributionView = z.infer<typeof distributionViewSchema>;

export const distributionListSchema = z
  .strictObject({
    items: z.array(distributionViewSchema),
    truncated: z
      .literal(true)
      .optional()
      .meta({ description: 'More distributions exist than one answer holds; `kubectl get psd` lists them all.' }),
  })
  .meta({ id: 'DistributionList', description: 'Every distribution, by name (at most 500).' });
export type DistributionList = z.infer<typeof distributionListSchema>;
