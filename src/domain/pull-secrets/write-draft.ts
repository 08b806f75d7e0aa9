import { AlreadyExistsError, NamespaceTerminatingError, SecretNotFoundError, StaleWriteError, type Cluster } from '../cluster.js';
import type { SecretDraft } from '../kubernetes/secret.js';
import { nextVerificationAnnotation, VERIFICATION_ANNOTATION } from '../verify/verification-annotation.js';
import { withoutLastApplied } from './last-applied.js';
import { dataDigest, type WrittenSecret } from './last-writes.js';
import { assertRegcredMayOverwrite, replaceIfChanged, sameMap, secretKey, type DraftWritten } from './pull-secrets.js';
import { LOST_RACE, type WritePorts } from './write-turns.js';

/**
 * The one conditional write of a pull secret: creates it, or brings an existing one up to date (PUT
 * semantics); writes nothing when it is already so. One API call when the Secret is new (a create,
 * refused when it exists) or when this process wrote it last (a replace conditional on that write's
 * resourceVersion); otherwise, or when that guess was wrong, it reads, checks regcred may overwrite
 * what is there, and replaces conditionally. Racing writers all succeed, the last one's content stays:
 * in this process they take turns, and one that loses to another replica (or a create) re-reads and
 * updates. A fan-out drafts once and writes the same draft to every namespace.
 */
export function writeDraft({ cluster, turns }: WritePorts, draft: SecretDraft, dryRun?: boolean): Promise<DraftWritten> {
  const key = secretKey(draft.namespace, draft.name);
  const kept = (outcome: DraftWritten | typeof LOST_RACE) => {
    if (outcome !== LOST_RACE && !dryRun) turns.lastWrites.remember(key, outcome.secret);
    return outcome;
  };
  return turns.take({
    key,
    round: async () => {
      // A dry run neither trusts nor changes what this process remembers.
      const remembered = dryRun ? undefined : turns.lastWrites.recall(key);
      const quick = remembered ? await updateRemembered(cluster, remembered, draft) : await createIfNew(cluster, draft, dryRun, true);
      if (quick) return kept(quick);
      turns.lastWrites.forget(key);
      const existing = await cluster.readSecret(draft.namespace, draft.name);
      if (!existing) return kept((await createIfNew(cluster, draft, dryRun)) ?? LOST_RACE);
      assertRegcredMayOverwrite(existing);
      return kept(await replaceIfChanged(cluster, existing, mergeInto(existing, draft, !sameMap(existing.data, draft.data)), dryRun));
    },
    giveUp: () => new StaleWriteError(draft.namespace, draft.name),
  });
}

// The create, or undefined when a Secret of that name is there (or, when `terminatingIsTaken`, the
// namespace is Terminating, where only what exists may still be changed): the caller reads it then.
async function createIfNew(
  cluster: Cluster,
  draft: SecretDraft,
  dryRun: boolean | undefined,
  terminatingIsTaken = false,
): Promise<DraftWritten | undefined> {
  try {
    return { secret: await cluster.createSecret(draft, { dryRun }), result: 'created', warnings: [] };
  } catch (error) {
    if (error instanceof AlreadyExistsError || (terminatingIsTaken && error instanceof NamespaceTerminatingError)) return undefined;
    throw error;
  }
}

/**
 * The replace of what this process wrote last, conditional on that write's resourceVersion: it only
 * lands when no one changed the Secret since, so what was checked then still holds. Undefined when it
 * must be read instead: someone did change it, or it looks unchanged (only a read can confirm that).
 */
async function updateRemembered(cluster: Cluster, remembered: WrittenSecret, draft: SecretDraft): Promise<DraftWritten | undefined> {
  const credentialsChanged = remembered.dataDigest !== dataDigest(draft.data);
  const merged = mergeInto(remembered, draft, credentialsChanged);
  const { annotations, warnings } = withoutLastApplied(merged.annotations);
  const unchanged =
    !credentialsChanged &&
    remembered.type === merged.type &&
    sameMap(remembered.labels, merged.labels) &&
    sameMap(remembered.annotations, annotations);
  if (unchanged) return undefined;
  try {
    const secret = await cluster.replaceSecret({ ...merged, annotations, resourceVersion: remembered.resourceVersion! });
    return { secret, result: 'updated', warnings };
  } catch (error) {
    if (error instanceof StaleWriteError || error instanceof SecretNotFoundError) return undefined;
    throw error;
  }
}

// Labels and annotations set by others (kubectl label, tools) are kept; ours are set; data is replaced whole.
function mergeInto(existing: Pick<WrittenSecret, 'labels' | 'annotations'>, draft: SecretDraft, credentialsChanged: boolean): SecretDraft {
  const annotations = { ...existing.annotations, ...draft.annotations };
  const verification = nextVerificationAnnotation(existing.annotations, draft.annotations[VERIFICATION_ANNOTATION], credentialsChanged);
  if (verification === undefined) delete annotations[VERIFICATION_ANNOTATION];
  else annotations[VERIFICATION_ANNOTATION] = verification;
  return { ...draft, labels: { ...existing.labels, ...draft.labels }, annotations };
}
