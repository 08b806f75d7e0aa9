import type { Cluster } from '../cluster.js';
import type { CloudAllowList } from '../credentials/cloud-allow-list.js';
import { cloudSourceOf, type CloudSource } from '../credentials/cloud-source.js';
import type { Condition, CredentialStatus } from '../credentials/credential-status.js';
import type { WritePorts } from '../pull-secrets/write-turns.js';
import type { SecretObject } from '../kubernetes/secret.js';
import type { DistributionCluster } from './distribution-cluster.js';
import { describePullSecretData } from '../secret-manifest/redact-secret.js';
import { ORPHAN_ANNOTATION, type DistributionObject, type DistributionStatus } from './distribution.js';
import type { DistributionView } from './distribution-schemas.js';
import { isManagedBy, managingInstallation, sourceBinding } from './ownership.js';

/** What the distribution use-cases work with: Secrets, PullSecretDistributions, and where sources live. */
export interface DistributionPorts extends WritePorts {
  distributions: DistributionCluster;
  /** regcred's own namespace: the source Secrets are there, and no others are read. */
  sourceNamespace: string;
  /** REGCRED_CLOUD_ALLOW: what a cloud source may name (empty: cloud sources are off). */
  cloudAllow: CloudAllowList;
}

/** Where a distribution's credentials are kept: `distribution-<name>` in regcred's own namespace. */
export { sourceSecretName } from './distribution.js';

/**
 * A distribution as callers may see it: its spec, its source's registries redacted as a pull
 * secret's view describes them, and its status. Never a credential: only names, servers and usernames.
 * `source` is what this installation read for it (viewDistribution): registries are shown only from
 * a source bound to this very distribution, and never for one another installation manages.
 */
export function toDistributionView(
  distribution: DistributionObject,
  ownNamespace: string,
  source: SecretObject | undefined,
): DistributionView {
  const { spec } = distribution;
  const installation = managingInstallation(distribution) ?? ownNamespace;
  const described =
    installation === ownNamespace
      ? describeSource(distribution, source)
      : { registries: [], warnings: [`managed by the regcred installation in namespace "${installation}"; its source is not read here`] };
  return {
    name: distribution.name,
    ...(distribution.uid !== undefined && { uid: distribution.uid }),
    ...(distribution.resourceVersion !== undefined && { resourceVersion: distribution.resourceVersion }),
    ...(distribution.generation !== undefined && { generation: distribution.generation }),
    secretName: spec.secretName,
    ...(spec.namespaces !== undefined && { namespaces: [...spec.namespaces] }),
    ...(spec.namespaceSelector !== undefined && { namespaceSelector: spec.namespaceSelector }),
    ...(spec.excludeNamespaces !== undefined && { excludeNamespaces: [...spec.excludeNamespaces] }),
    serviceAccounts: [...spec.serviceAccounts],
    ...(spec.expiresAt !== undefined && { expiresAt: spec.expiresAt }),
    installation,
    // Sources live in the managing installation's own namespace, whatever else the spec names.
    source: { namespace: installation, secretName: spec.source.secretName, ...cloudSourceView(spec.source) },
    registries: described.registries,
    warnings: described.warnings,
    ...(distribution.deletionTimestamp ? { deleting: true as const } : {}),
    ...(distribution.annotations[ORPHAN_ANNOTATION] === 'true' ? { orphan: true as const } : {}),
    ...(distribution.status ? { status: statusView(distribution.status) } : {}),
  };
}

/**
 * The view of a distribution. Its source is read only when this installation manages it, and
 * only in regcred's own namespace: the spec may name any namespace and any Secret, and regcred's
 * rights are not the caller's.
 */
export async function viewDistribution(
  cluster: Cluster,
  ownNamespace: string,
  distribution: DistributionObject,
): Promise<DistributionView> {
  const { secretName } = distribution.spec.source;
  const source = secretName && isManagedBy(distribution, ownNamespace) ? await cluster.readSecret(ownNamespace, secretName) : undefined;
  return toDistributionView(distribution, ownNamespace, source);
}

function describeSource(
  distribution: DistributionObject,
  source: SecretObject | undefined,
): Pick<DistributionView, 'registries' | 'warnings'> {
  const binding = sourceBinding(source, distribution);
  // A missing and a foreign Secret answer alike here too: the name is regcred's own (distribution-<name>).
  if ('problem' in binding && cloudSourceOf(distribution.spec.source))
    return {
      registries: [],
      warnings: [
        `no credential minted for it in source secret "${distribution.spec.source.secretName}" yet; status.conditions says how minting goes`,
      ],
    };
  if ('problem' in binding) return { registries: [], warnings: [binding.problem] };
  return describePullSecretData(binding.source.type, binding.source.data);
}

// Only the fields the contract describes: the controller's status may grow, the answer does not by accident.
function statusView(status: DistributionStatus): NonNullable<DistributionView['status']> {
  const pick = <K extends keyof DistributionStatus>(key: K) => (status[key] === undefined ? {} : { [key]: status[key] });
  return {
    ...pick('observedGeneration'),
    ...pick('contentHash'),
    ...pick('contentChangedAt'),
    ...pick('verifiedContentHash'),
    ...pick('rolledOutAt'),
    ...(status.counts ? { counts: Object.fromEntries(Object.entries(status.counts).filter(([, n]) => typeof n === 'number')) } : {}),
    ...(status.namespaces
      ? {
          namespaces: status.namespaces.map((n) => ({
            namespace: n.namespace,
            state: n.state,
            ...(n.contentHash !== undefined && { contentHash: n.contentHash }),
            ...(n.lastSynced !== undefined && { lastSynced: n.lastSynced }),
            ...(n.reason !== undefined && { reason: n.reason }),
          })),
        }
      : {}),
    ...(status.podsLackingSecret
      ? {
          podsLackingSecret: status.podsLackingSecret.map(({ namespace, name, serviceAccountName }) => ({
            namespace,
            name,
            serviceAccountName,
          })),
        }
      : {}),
    ...(status.credential ? { credential: credentialView(status.credential) } : {}),
    ...(status.conditions ? { conditions: status.conditions.map(conditionView) } : {}),
    ...pick('message'),
    ...pick('lastReconciled'),
  };
}

function credentialView({ provider, expiresAt, lastRefreshTime, nextRefreshTime, lastError }: CredentialStatus): CredentialStatus {
  return {
    provider,
    ...(expiresAt !== undefined && { expiresAt }),
    ...(lastRefreshTime !== undefined && { lastRefreshTime }),
    ...(nextRefreshTime !== undefined && { nextRefreshTime }),
    ...(lastError !== undefined && { lastError }),
  };
}

function conditionView({ type, status, reason, message, lastTransitionTime, observedGeneration }: Condition): Condition {
  return { type, status, reason, message, lastTransitionTime, ...(observedGeneration !== undefined && { observedGeneration }) };
}

// Only the fields the contract describes, as with the status.
function cloudSourceView(source: DistributionObject['spec']['source']): Partial<CloudSource> {
  const cloud = cloudSourceOf(source);
  if (!cloud) return {};
  if ('ecr' in cloud) {
    const { region, registryIds, roleArn, externalId, fips } = cloud.ecr;
    const ecr = {
      region,
      registryIds: [...registryIds],
      ...(roleArn !== undefined && { roleArn }),
      ...(externalId !== undefined && { externalId }),
      ...(fips !== undefined && { fips }),
    };
    return { ecr };
  }
  if ('googleArtifactRegistry' in cloud) return { googleArtifactRegistry: { hosts: [...cloud.googleArtifactRegistry.hosts] } };
  return { acr: { hosts: [...cloud.acr.hosts] } };
}
