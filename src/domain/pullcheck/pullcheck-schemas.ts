import { z } from 'zod';
import { secretNameSchema } from '../kubernetes/kubernetes-names.js';
import { VERDICTS } from './pullcheck-model.js';

// The pull check's request and answers as the contract shows them (openapi.yaml): the shapes of pullcheck-model.ts.

/** At most this many Pods a page of the namespace scan checks (and its default). */
export const MAX_SCAN_LIMIT = 100;
export const DEFAULT_SCAN_LIMIT = 50;
/** At most this many YAML documents in one POST. */
export const MAX_MANIFEST_DOCUMENTS = 50;

export const podReferenceSchema = z
  .strictObject({
    pod: secretNameSchema.meta({ description: 'The name of a Pod in the namespace (DNS-1123 subdomain).', example: 'api-7d4b9c' }),
  })
  .meta({
    id: 'PullCheckPodReference',
    description:
      "A Pod that exists: checked as admitted (its ServiceAccount's pull secrets already copied in), with the containers waiting on a pull.",
  });
export type PodReference = z.output<typeof podReferenceSchema>;

export const pullCheckBodySchema = z
  .union([
    podReferenceSchema,
    z
      .looseObject({
        apiVersion: z.string().optional(),
        kind: z.string().meta({ description: 'Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, or List (of those).' }),
      })
      .meta({ description: 'A workload manifest as `kubectl apply` takes it (in YAML: the same documents, several separated by `---`).' }),
  ])
  .meta({ id: 'PullCheckRequest', description: 'What to check: manifests, or a Pod by name.' });

const pullPolicy = z.enum(['Always', 'IfNotPresent', 'Never']);
const containerKind = z.enum(['initContainer', 'container', 'ephemeralContainer']);

export const probeResultSchema = z
  .object({
    outcome: z.enum(['pulls', 'unauthorized', 'denied', 'not-found', 'denied-or-not-found', 'unreachable']),
    status: z.number().int().optional().meta({ description: 'The HTTP status of the deciding answer, if there was one.' }),
    code: z
      .string()
      .optional()
      .meta({ description: "The registry's standard error code only (UNAUTHORIZED, DENIED, MANIFEST_UNKNOWN…), never its message." }),
    detail: z.string().meta({ description: 'In words safe to show: never a credential, a token or a registry message.' }),
  })
  .meta({
    id: 'ProbeResult',
    description:
      'What the registry answered to the first step of a pull (a token for `repository:<name>:pull`, then `HEAD` of the manifest); no layer is fetched.',
  });

export const secretConsideredSchema = z
  .object({
    name: z.string(),
    state: z.enum(['used', 'missing', 'wrong-type', 'unreadable', 'undecodable']),
    reason: z.string().optional().meta({ description: 'Why it is wrong-type, unreadable or undecodable, in safe words.' }),
  })
  .meta({
    id: 'SecretConsidered',
    description: 'A pull secret the kubelet will read, and what regcred found. Its content is never shown.',
  });

export const triedCredentialSchema = z
  .object({
    secret: z.string().meta({ description: 'The pull secret it comes from.' }),
    server: z.string().meta({ description: 'The key of the matching docker config entry, as written there.' }),
    username: z.string(),
    result: probeResultSchema,
  })
  .meta({
    id: 'TriedCredential',
    description: "A credential the kubelet will try for the image, in its order, with the registry's answer. Passwords are never shown.",
  });

export const containerCheckSchema = z
  .object({
    kind: containerKind,
    name: z.string(),
    image: z.string(),
    reference: z
      .string()
      .optional()
      .meta({ description: 'The normalised reference (`docker.io/library/nginx:latest`), when the image parses.' }),
    pullPolicy,
    secrets: z.array(secretConsideredSchema),
    tried: z.array(triedCredentialSchema).meta({ description: "In the kubelet's order, until one pulls." }),
    anonymous: probeResultSchema.optional().meta({ description: "When no credential matched: the anonymous attempt's answer." }),
    verdict: z.enum(VERDICTS).meta({
      description:
        'The first that applies, in this order: invalid-image, no-serviceaccount, secret-missing, not-linked, no-credential, registry-unreachable, unauthorized, denied, not-found, denied-or-not-found, pulls, pulls-anonymously (see docs/pullcheck.md).',
    }),
    fix: z.string().meta({ description: 'One sentence a person can act on.' }),
    notes: z
      .array(z.string())
      .meta({ description: "Pull policy, the node's own credential provider for cloud hosts, Docker Hub mirrors…" }),
  })
  .meta({
    id: 'ContainerCheck',
    description: 'One container: what the kubelet will try, what the registry answered, the verdict and its fix.',
  });

const waitingSchema = z.array(z.object({ name: z.string(), reason: z.string() })).meta({
  description: 'A Pod only: its containers whose state is `waiting` for a pull reason (ErrImagePull, ImagePullBackOff, InvalidImageName).',
});

const EXAMPLE = {
  kind: 'Deployment',
  name: 'api',
  namespace: 'team-a',
  serviceAccount: 'default',
  pullSecretsFrom: 'serviceAccount',
  pullSecrets: ['regcred'],
  containers: [
    {
      kind: 'container',
      name: 'api',
      image: 'registry.example.com/team-a/api:1.4.2',
      reference: 'registry.example.com/team-a/api:1.4.2',
      pullPolicy: 'IfNotPresent',
      secrets: [{ name: 'regcred', state: 'used' }],
      tried: [
        {
          secret: 'regcred',
          server: 'registry.example.com',
          username: 'ci-bot',
          result: { outcome: 'unauthorized', status: 401, code: 'UNAUTHORIZED', detail: 'the registry refused the credentials' },
        },
      ],
      verdict: 'unauthorized',
      fix: 'Update the pull secret "regcred" with a valid password or token for registry.example.com (PUT /v1/namespaces/team-a/pullsecrets/regcred).',
      notes: ['IfNotPresent: a node that already holds the image starts it without pulling.'],
    },
  ],
  willPull: false,
};

export const workloadCheckSchema = z
  .object({
    kind: z.enum(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']),
    name: z.string(),
    namespace: z.string(),
    serviceAccount: z.string(),
    pullSecretsFrom: z.enum(['pod', 'serviceAccount']).meta({
      description:
        'Where the pull secrets come from: the Pod (template) itself, or its ServiceAccount (copied in at admission when the Pod lists none).',
    }),
    pullSecrets: z.array(z.string()),
    containers: z.array(containerCheckSchema),
    willPull: z.boolean().meta({ description: "Every container's verdict is `pulls` or `pulls-anonymously`." }),
    creationTimestamp: z.string().optional().meta({ description: 'A Pod only: when it was created.' }),
    waiting: waitingSchema.optional(),
  })
  .meta({
    id: 'WorkloadCheck',
    description: "Will this workload's Pods pull their images? Per container, the verdict and its fix.",
    example: EXAMPLE,
  });

export const pullCheckResultSchema = z
  .object({
    namespace: z.string(),
    willPull: z.boolean().meta({ description: 'Every container of every workload pulls.' }),
    workloads: z.array(workloadCheckSchema),
  })
  .meta({
    id: 'PullCheckResult',
    description: 'The pull check of the manifests (or the Pod) sent.',
    example: { namespace: 'team-a', willPull: false, workloads: [EXAMPLE] },
  });

export const pullCheckScanSchema = z
  .object({
    namespace: z.string(),
    scanned: z.number().int().meta({ description: 'Pods on this page (by name), failing or not.' }),
    pods: z.array(workloadCheckSchema).meta({
      description:
        "This page's Pods with a container waiting on a pull (ErrImagePull, ImagePullBackOff, InvalidImageName), each diagnosed as admitted.",
    }),
    continue: z.string().optional().meta({ description: 'Set when more Pods follow: pass it back as `continue` for the next page.' }),
  })
  .meta({ id: 'PullCheckScan', description: "A page of the namespace's Pods: those failing to pull, each diagnosed." });
