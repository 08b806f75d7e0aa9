import { z } from 'zod';
import { registryVerificationSchema } from './verify/registry-verifier.js';
import { lastVerificationSchema } from './verify/verification-annotation.js';

export const serviceAccountLinkSchema = z
  .strictObject({
    serviceAccount: z.string(),
    result: z.enum(['linked', 'unchanged', 'unlinked', 'failed']),
    reason: z.string().optional().meta({ description: 'Why it failed.' }),
  })
  .meta({
    id: 'ServiceAccountLink',
    description:
      '`linked`: the secret was added to its imagePullSecrets (or a duplicate of it removed); `unchanged`: it was there exactly once already; `unlinked`: it was removed; `failed`: it could not be changed (`reason` says why) — the ServiceAccounts named after it were not tried.',
  });

/** The one value every secret field is replaced with in a redacted view: no hash, length or prefix. */
export const REDACTED = '[REDACTED]';

export const writeResultSchema = z.enum(['created', 'updated', 'unchanged']).meta({
  description: 'What the write did; `unchanged` means nothing was written.',
});
export type WriteResult = z.infer<typeof writeResultSchema>;

export const registryViewSchema = z
  .strictObject({
    server: z
      .string()
      .meta({ description: 'The key under `auths`, verbatim but for any userinfo (`user:password@`), shown as `[REDACTED]@`.' }),
    username: z.string().optional().meta({ description: 'As the kubelet reads it: from `auth` when present, else `username`.' }),
    email: z.string().optional(),
    secretFields: z
      .array(z.string())
      .meta({ description: 'Which secret fields the entry holds (e.g. `password`, `auth`); their values are never shown.' }),
    authMismatch: z
      .boolean()
      .meta({ description: 'True when `auth` decodes to a different username/password than the `username`/`password` fields.' }),
  })
  .meta({ id: 'RegistryView' });
export type RegistryView = z.infer<typeof registryViewSchema>;

const decodedFields = {
  registries: z.array(registryViewSchema),
  decoded: z.record(z.string(), z.unknown()).meta({
    description: `The decoded \`.dockerconfigjson\` (or legacy \`.dockercfg\`), as \`base64 --decode\` shows it, with every secret value replaced by "${REDACTED}".`,
  }),
  warnings: z.array(z.string()).meta({ description: 'Things worth knowing: dropped fields, entries the kubelet cannot use.' }),
};

export const pullSecretViewSchema = z
  .strictObject({
    name: z.string(),
    namespace: z.string(),
    type: z.string(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()),
    immutable: z.boolean(),
    managedByRegcred: z.boolean().meta({ description: 'True when labelled app.kubernetes.io/managed-by=regcred.' }),
    result: writeResultSchema.optional(),
    dryRun: z.boolean().optional().meta({ description: 'True when the write was validated by the API server but not stored.' }),
    verification: z
      .array(registryVerificationSchema)
      .optional()
      .meta({ description: 'With `verify`: what each registry answered just now.' }),
    lastVerification: lastVerificationSchema.optional(),
    referencedBy: z.array(z.string()).optional().meta({
      description:
        'The ServiceAccounts of the namespace whose `imagePullSecrets` name this secret (on reads, when the caller may list ServiceAccounts there).',
    }),
    serviceAccountLinks: z
      .array(serviceAccountLinkSchema)
      .optional()
      .meta({ description: 'With `serviceAccounts` (writes) or `unlink` (delete): what was done to each ServiceAccount.' }),
    ...decodedFields,
  })
  .meta({ id: 'PullSecretView', description: 'A pull secret, redacted: what is in it, never the secret itself.' });
export type PullSecretView = z.infer<typeof pullSecretViewSchema>;

export const pullSecretListSchema = z
  .strictObject({
    namespace: z.string(),
    items: z.array(pullSecretViewSchema),
    continue: z.string().optional().meta({
      description:
        'Set when more pull secrets follow: pass it back as the `continue` query parameter to get the next page. It expires after a few minutes.',
    }),
  })
  .meta({
    id: 'PullSecretList',
    description:
      'A page of pull secrets: kubernetes.io/dockerconfigjson ones by name, then kubernetes.io/dockercfg ones. A page holds at most `limit` (default and maximum 500) items, and stops early once its secrets hold 4 MiB of data and annotations.',
  });
export type PullSecretList = z.infer<typeof pullSecretListSchema>;

export const inspectViewSchema = z
  .strictObject({
    name: z.string().optional(),
    namespace: z.string().optional(),
    type: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    ...decodedFields,
  })
  .meta({ id: 'InspectView', description: 'The redacted view of a Secret manifest or `.dockerconfigjson` value given in the request.' });
export type InspectView = z.infer<typeof inspectViewSchema>;

export const secretManifestSchema = z
  .strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('Secret'),
    metadata: z.strictObject({
      name: z.string(),
      namespace: z.string().optional(),
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    }),
    type: z.string(),
    data: z.record(z.string(), z.string()),
  })
  .meta({
    id: 'SecretManifest',
    description:
      'A rendered Secret, as `kubectl create secret docker-registry --dry-run=client -o json` prints it. Contains the credentials.',
  });
export type SecretManifest = z.infer<typeof secretManifestSchema>;

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.strictObject({ path: z.string(), code: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'One entry per invalid field: where, which rule, and a message.' }),
    verification: z
      .array(registryVerificationSchema)
      .optional()
      .meta({ description: 'When a verification refused the write: what each registry answered.' }),
    result: writeResultSchema.optional().meta({
      description:
        'When the secret was written but linking it to a ServiceAccount failed: what the write did (repeating the request finishes the linking).',
    }),
    name: z.string().optional().meta({ description: 'With `result`: the Secret written.' }),
    serviceAccountLinks: z
      .array(serviceAccountLinkSchema)
      .optional()
      .meta({ description: 'With `result`: what was done to each ServiceAccount, up to the one that `failed`.' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

export const deleteResultSchema = z
  .strictObject({
    namespace: z.string(),
    name: z.string(),
    deleted: z.literal(true),
    dryRun: z.boolean().optional(),
    serviceAccountLinks: z.array(serviceAccountLinkSchema),
  })
  .meta({ id: 'DeleteResult', description: 'A delete with `unlink=true`: the ServiceAccounts that lost the reference.' });

export const namespaceResultSchema = z
  .strictObject({
    namespace: z.string(),
    result: z.enum(['created', 'updated', 'unchanged', 'forbidden', 'failed']),
    name: z.string().optional().meta({ description: 'The Secret written (differs from the path with `appendHash`).' }),
    reason: z.string().optional().meta({ description: 'Why it was forbidden or failed.' }),
    serviceAccountLinks: z.array(serviceAccountLinkSchema).optional(),
    linkError: z.string().optional().meta({
      description:
        'The secret was written (`result` says how) but linking a ServiceAccount failed: why. Repeating the request finishes it.',
    }),
  })
  .meta({ id: 'NamespaceResult' });

export const fanOutResultSchema = z
  .strictObject({
    name: z.string(),
    dryRun: z.boolean().optional(),
    summary: z.record(z.enum(['created', 'updated', 'unchanged', 'forbidden', 'failed', 'linkFailed']), z.number().int()).meta({
      description:
        'How many namespaces ended how; `linkFailed` counts those written (and counted as created/updated/unchanged) whose ServiceAccount linking failed.',
    }),
    results: z.array(namespaceResultSchema).meta({ description: 'One per namespace, in the order given (or by name for a selector).' }),
    registries: z.array(registryViewSchema).meta({ description: 'What was written, redacted (the same in every namespace).' }),
    verification: z.array(registryVerificationSchema).optional(),
    warnings: z.array(z.string()),
  })
  .meta({
    id: 'FanOutResult',
    description: 'One pull secret applied to many namespaces: 200 when every namespace succeeded (linking included), 207 otherwise.',
  });
export type FanOutResult = z.infer<typeof fanOutResultSchema>;

export const verificationReportSchema = z
  .strictObject({ registries: z.array(registryVerificationSchema), warnings: z.array(z.string()) })
  .meta({ id: 'VerificationReport', description: 'What each registry answered to the credentials; nothing is written.' });
export type VerificationReport = z.infer<typeof verificationReportSchema>;

export const healthSchema = z
  .strictObject({ status: z.enum(['ok', 'unavailable']) })
  .meta({ id: 'Health', description: 'Status only: which cluster and why it is not ready are told by the authenticated GET /v1/status.' });

export const serviceStatusSchema = z
  .strictObject({
    status: z.enum(['ok', 'unavailable']),
    cluster: z.string().meta({
      description: 'The cluster regcred writes to: kubeconfig context and API server, in-cluster, or the embedded in-memory cluster',
    }),
    detail: z.string().optional().meta({ description: 'Why the service is not ready' }),
    controller: z
      .strictObject({
        state: z.enum(['leading', 'standby', 'off']).meta({
          description:
            '`leading`: this replica runs the distribution controller; `standby`: another replica holds the Lease; `off`: REGCRED_CONTROLLER=off or no distributions here',
        }),
        identity: z.string().optional().meta({ description: 'This replica’s identity in the Lease' }),
      })
      .meta({ description: 'The PullSecretDistribution controller on this replica' }),
  })
  .meta({ id: 'ServiceStatus' });
