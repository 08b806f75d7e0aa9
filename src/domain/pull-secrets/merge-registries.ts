import { StaleWriteError } from '../cluster.js';
import { mergeDockerConfigJson } from '../docker-config/merge-docker-config.js';
import { assertRegcredMayOverwrite, describeWrite, readPullSecret, replaceIfChanged, secretKey } from './pull-secrets.js';
import type { RegistryCredential } from '../docker-config/credential-schemas.js';
import { DOCKER_CONFIG_JSON_KEY, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretDraft } from '../kubernetes/secret.js';
import type { RegistryVerification } from '../verify/registry-verifier.js';
import { patchedVerificationAnnotation, VERIFICATION_ANNOTATION } from '../verify/verification-annotation.js';
import type { PullSecretView } from '../view-schemas.js';
import { LOST_RACE, type WritePorts } from './write-turns.js';

export interface PullSecretPatch {
  namespace: string;
  name: string;
  /** Entries to add or replace, by server key. */
  upsert: RegistryCredential[];
  /** Server keys whose entries go. */
  remove: string[];
  dryRun?: boolean;
  warnings?: string[];
  /** Fresh verification of the upserted registries, if it was asked for. */
  verification?: RegistryVerification[];
}

/**
 * Changes only the named entries of an existing pull secret and keeps the rest (PATCH semantics):
 * read, merge, write conditionally on the read resourceVersion, in turn with this process's other
 * writes of the secret and retried when another replica wrote meanwhile, so racing merges all land;
 * nothing is written when the merge changes nothing. @throws NotFoundError, ConflictError
 */
export async function mergeRegistries({ cluster, turns }: WritePorts, patch: PullSecretPatch): Promise<PullSecretView> {
  const changedServers = [...patch.upsert.map((r) => r.server), ...patch.remove];
  return turns.take({
    key: secretKey(patch.namespace, patch.name),
    round: async () => {
      const existing = await readPullSecret(cluster, patch.namespace, patch.name);
      assertRegcredMayOverwrite(existing);
      const merged = mergeDockerConfigJson(existing.data[DOCKER_CONFIG_JSON_KEY], patch.upsert, patch.remove);
      const annotations = { ...existing.annotations };
      const verification = patchedVerificationAnnotation(existing.annotations, changedServers, patch.verification);
      if (verification === undefined) delete annotations[VERIFICATION_ANNOTATION];
      else annotations[VERIFICATION_ANNOTATION] = verification;
      const desired: SecretDraft = {
        name: existing.name,
        namespace: existing.namespace,
        type: existing.type,
        labels: { ...existing.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
        annotations,
        data: { ...existing.data, [DOCKER_CONFIG_JSON_KEY]: merged.data },
      };
      const written = await replaceIfChanged(cluster, existing, desired, patch.dryRun);
      if (written === LOST_RACE) return written;
      if (!patch.dryRun) turns.lastWrites.remember(secretKey(patch.namespace, patch.name), written.secret);
      return describeWrite(written, { ...patch, warnings: [...(patch.warnings ?? []), ...merged.warnings] });
    },
    giveUp: () => new StaleWriteError(patch.namespace, patch.name),
  });
}
